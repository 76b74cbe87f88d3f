#!/bin/sh
# Sensitivity-chosen vs uniform pruning at the same FLOPs target: the
# sensitivity table comes from the odd label lines of det-dev (cached in
# --table, measured when it is missing or stale); uniform pruning gets the
# ratio whose FLOPs reduction matches (bisected). Prints FLOPs, hmean on the
# even lines of det-dev and on det-dev-doc, and the median 640x640
# one-thread forward time.
#
#   bench/prune_sensitivity.sh [--build DIR] [--targets "0.1 0.25"] [--recoveries "bias lsq"]
#                              [--table FILE.sens.yml] [--jobs N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
model=${OCRS_MODEL:-/tmp/ocache/ch_PP-OCRv4_det_infer.onnx}
data=${OCRS_DATA:-$here/../../shared/data}
targets="0.1 0.2 0.25 0.3" recoveries="lsq" table=$here/../build/sensitivity.sens.yml jobs=2
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --recoveries) recoveries=$2; shift 2 ;;
    --table) table=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "prune_sensitivity.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
. "$here/dev_halves.sh"
calib="--calib $tmp/calib.txt --calib-root $data/det-dev --calib-side 480"
fewer() { sed -n 's/.*-> \([0-9.]*\) GFLOPs.*(\([0-9.]*\)% fewer).*/\1 \2/p' "$1"; }
row() { # METHOD TARGET RATIO LOG
    set -- "$1" "$2" "$3" "$(fewer "$4")"
    hd=$(hmean "$tmp/libp.so" "$tmp/report.txt" "$data/det-dev")
    hc=$(hmean "$tmp/libp.so" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")
    ms=$(ms "$tmp/libp.so")
    echo "| $1 | $2 | $3 | $4 | $hd | $hc | $ms |"
}
"$build/ocrslimc" "$model" -o "$tmp/libp.so" --name p
echo "| method | recovery | ratio | GFLOPs 640, % fewer | hmean dev (even half) | hmean doc | ms 640x640 1 thread |"
echo "|---|---|---|---|---|---|---|"
row unpruned - 0 /dev/null
for t in $targets; do
    for rec in $recoveries; do
        [ -f "$table" ] && cp "$table" "$tmp/libp.so.sens.yml"
        "$build/ocrslimc" "$model" -o "$tmp/libp.so" --name p -v $calib --recovery "$rec" \
            --prune-flops-target "$t" --jobs "$jobs" 2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
        cp "$tmp/libp.so.sens.yml" "$table"
        row "sensitivity, target $t" "$rec" "per group" "$tmp/log"
        lo=0 hi=0.9
        for i in 1 2 3 4 5 6 7; do
            mid=$(echo "$lo $hi" | awk '{print ($1 + $2) / 2}')
            "$build/ocrslimc" "$model" --emit=ir -o "$tmp/u.ir" -v --prune-ratio "$mid" 2> "$tmp/ulog"
            f=$(fewer "$tmp/ulog" | awk '{print $2 / 100}')
            if awk -v f="$f" -v t="$t" 'BEGIN {exit !(f >= t)}'; then hi=$mid; else lo=$mid; fi
        done
        "$build/ocrslimc" "$model" -o "$tmp/libp.so" --name p -v $calib --recovery "$rec" --prune-ratio "$hi" \
            2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
        row "uniform" "$rec" "$hi" "$tmp/log"
    done
done
