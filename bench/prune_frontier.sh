#!/bin/sh
# Uniform-pruning frontier on the dev set: for each ratio and recovery,
# compiles the pruned detector (calibrated on the odd label lines of
# det-dev), then prints FLOPs saved, hmean on the even lines and on
# det-dev-doc, and the median 640x640 one-thread forward time.
#
#   bench/prune_frontier.sh [--build DIR] [--ratios "0.1 0.2"] [--recoveries "none bias lsq"]
#                           [--calib-images N] [--calib-side N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
model=${OCRS_MODEL:-/tmp/ocache/ch_PP-OCRv4_det_infer.onnx}
data=${OCRS_DATA:-$here/../../shared/data}
ratios="0 0.1 0.2 0.3" recoveries="none bias lsq" nimg=10 side=480
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --ratios) ratios=$2; shift 2 ;;
    --recoveries) recoveries=$2; shift 2 ;;
    --calib-images) nimg=$2; shift 2 ;;
    --calib-side) side=$2; shift 2 ;;
    *) echo "prune_frontier.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
. "$here/dev_halves.sh"
echo "| ratio | recovery | GFLOPs 640 | fewer | hmean dev (odd half) | hmean doc | ms 640x640 1 thread |"
echo "|---|---|---|---|---|---|---|"
for r in $ratios; do
    for rec in $recoveries; do
        [ "$r" = 0 ] && [ "$rec" != none ] && continue
        lib=$tmp/libp.so
        "$build/ocrslimc" "$model" -o "$lib" --name p -v --prune-ratio "$r" --recovery "$rec" \
            --calib "$tmp/calib.txt" --calib-root "$data/det-dev" --calib-images "$nimg" --calib-side "$side" \
            2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
        fl=$(sed -n 's/.*-> \([0-9.]*\) GFLOPs.*(\([0-9.]*\)% fewer).*/\1 \2/p' "$tmp/log")
        [ -n "$fl" ] || fl="4.619 0.0"
        hd=$(hmean "$lib" "$tmp/report.txt" "$data/det-dev")
        hc=$(hmean "$lib" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")
        ms=$(ms "$lib")
        set -- $fl
        echo "| $r | $rec | $1 | $2% | $hd | $hc | $ms |"
    done
done
