#!/bin/sh
# The pruning frontier of PP-OCRv4 det. For each recovery (none, bias, lsq)
# and FLOPs target: per-group ratios from the sensitivity analysis
# (--prune-flops-target) and one uniform ratio (the smallest reaching the
# target, bisected; vector-width rounding makes uniform FLOPs jump, so it
# can overshoot), and the sensitivity choice refined jointly (--prune-loss-
# bound: groups kept whole until the whole model loses at most --joint-loss
# on the calibration images at side 960). Every variant is written
# (--force) whatever the final check says: this maps the recipes. Calibration (side 480) and
# sensitivity (--sens-side) use the odd label lines of det-dev (the even
# ones with --calib-half even); hmean is measured at the library's default
# side on the other half and on det-dev-doc. Then every library and the unpruned
# one are timed at 640x640 on one thread in --runs rounds (each a median of
# 3 calls, libraries alternating in separate processes), and each time is
# reported as the median over rounds of its ratio to the unpruned time of
# the same round, so machine noise cancels.
#
#   bench/prune_frontier.sh [--build DIR] [--targets "0.1 0.2 0.3 0.4"]
#       [--recoveries "none bias lsq"] [--methods "sensitivity joint uniform"]
#       [--sens-recoveries "bias lsq"] (the recoveries measured with sensitivity and joint)
#       [--joint-loss 0.001] [--sens-side 480] [--calib-half odd|even]
#       [--criterion recon] [--jobs 2] [--runs 11] [--keep DIR]
#
# Sensitivity tables are cached in --keep (build/prune-frontier), one per
# criterion and recovery, and so are the libraries (lib<method>-<recovery>-
# <target>.so) and the logs with the per-group reports: a library whose log
# shows a finished compilation is not compiled again (delete --keep after
# changing ocrslimc).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
model=${OCRS_MODEL:-/tmp/ocache/ch_PP-OCRv4_det_infer.onnx}
data=${OCRS_DATA:-$here/../../shared/data}
targets="0.1 0.2 0.3 0.4" recoveries="none bias lsq" methods="sensitivity joint uniform" sensrec="bias lsq"
joint=0.001 side=480 calib_half=odd
crit=recon jobs=2 runs=11
keep=$here/../build/prune-frontier
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --recoveries) recoveries=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    --sens-recoveries) sensrec=$2; shift 2 ;;
    --joint-loss) joint=$2; shift 2 ;;
    --sens-side) side=$2; shift 2 ;;
    --calib-half) calib_half=$2; shift 2 ;;
    --criterion) crit=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "prune_frontier.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
. "$here/dev_halves.sh"
mkdir -p "$keep"
calib="--calib $tmp/calib.txt --calib-root $data/det-dev --calib-side 480 --prune-criterion $crit"
fewer() { sed -n 's/.*-> \([0-9.]*\) GFLOPs.*(\([0-9.]*\)% fewer).*/\2/p' "$1" | tail -1; }

# The smallest uniform ratio removing at least share $1 of the FLOPs.
uniform_ratio() {
    lo=0 hi=0.9
    for i in 1 2 3 4 5 6 7 8; do
        mid=$(echo "$lo $hi" | awk '{print ($1 + $2) / 2}')
        "$build/ocrslimc" "$model" --emit=ir -o "$tmp/u.ir" -v --prune-ratio "$mid" --prune-criterion l1_norm --force \
            2> "$tmp/ulog"
        if awk -v f="$(fewer "$tmp/ulog")" -v t="$1" 'BEGIN {exit !(f / 100 >= t)}'; then hi=$mid; else lo=$mid; fi
    done
    echo "$hi"
}

"$build/ocrslimc" "$model" -o "$keep/libunpruned.so" --name p
libs="unpruned"
echo "unpruned - 0 0 $(hmean "$keep/libunpruned.so" "$tmp/report.txt" "$data/det-dev") \
$(hmean "$keep/libunpruned.so" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")" > "$keep/rows"
for rec in $recoveries; do
    for t in $targets; do
        for m in $methods; do
            tag=$m-$rec-$t
            [ "$m" != uniform ] && case " $sensrec " in *" $rec "*) ;; *) continue ;; esac
            case $m in
            uniform) how="--prune-ratio $(uniform_ratio "$t") --force" ;;
            *) how="--prune-flops-target $t --jobs $jobs --sens-side $side --force"
               # sensitivity alone: one whole-model measurement, nothing refined
               if [ "$m" = joint ]; then how="$how --prune-loss-bound $joint"; else how="$how --prune-joint-rounds 1"; fi
               [ -f "$keep/$crit-$rec.sens.yml" ] && cp "$keep/$crit-$rec.sens.yml" "$keep/lib$tag.so.sens.yml" ;;
            esac
            if ! { [ -f "$keep/lib$tag.so" ] && grep -q 'code generation' "$keep/$tag.log" 2>/dev/null; }; then
                "$build/ocrslimc" "$model" -o "$keep/lib$tag.so" --name p -v $calib --recovery "$rec" $how \
                    2> "$keep/$tag.log" || { cat "$keep/$tag.log" >&2; exit 1; }
            fi
            if [ -f "$keep/lib$tag.so.sens.yml" ]; then
                mv "$keep/lib$tag.so.sens.yml" "$keep/$crit-$rec.sens.yml"
                [ ! -f "$keep/lib$tag.so.sens.svg" ] || mv "$keep/lib$tag.so.sens.svg" "$keep/$crit-$rec.sens.svg"
            fi
            echo "$m $rec $t $(fewer "$keep/$tag.log") $(hmean "$keep/lib$tag.so" "$tmp/report.txt" "$data/det-dev") \
$(hmean "$keep/lib$tag.so" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")" >> "$keep/rows"
            libs="$libs $tag"
            echo "prune_frontier.sh: $(tail -1 "$keep/rows")" >&2
        done
    done
done

# Timing rounds: per round, each library's median of 3 calls over the unpruned one's.
for r in $(seq "$runs"); do
    for l in $libs; do
        "$build/bench/ocrs_bench_ours" "$keep/lib$l.so" p 1x3x640x640 1 1 3 | awk -v l="$l" '{print l, $2, $3, $4}'
    done
done > "$keep/times"
echo "| method | recovery | target | FLOPs fewer | hmean dev (held-out half) | hmean doc | ms 640x640 1 thread | time vs unpruned |"
echo "|---|---|---|---|---|---|---|---|"
awk 'function median(a, n,   i, j, x) {
         for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
         return a[int((n + 1) / 2)] }
     NR == FNR { c[1] = $2; c[2] = $3; c[3] = $4; k = ++n[$1]; ms[$1, k] = median(c, 3)
                 if ($1 == "unpruned") base[k] = ms[$1, k]; next }
     { tag = $1 == "unpruned" ? "unpruned" : $1 "-" $2 "-" $3
       for (i = 1; i <= n[tag]; i++) { t[i] = ms[tag, i]; q[i] = ms[tag, i] / base[i] }
       printf "| %s | %s | %s | %s%% | %s | %s | %.1f | %.2f |\n", $1, $2, $3, $4, $5, $6,
              median(t, n[tag]), median(q, n[tag]) }' "$keep/times" "$keep/rows"
