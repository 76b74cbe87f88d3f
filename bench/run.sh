#!/bin/sh
# Speed and memory of the generated PaddleOCR models against ONNX Runtime.
#
#   bench/run.sh [--build DIR] [--models DIR] [--rounds N] [--runs N] [--threads "1 2"] [CASE...]
#
# CASEs (default: det rec cls):
#   det  PP-OCRv4 detector at 1x3x640x640 and 1x3x960x960
#   rec  PP-OCRv4 recognizer at 1x3x48x320 and 1x3x48x1280
#   cls  mobile v2.0 direction classifier at 6x3x48x192 (compiled with
#        --dim H=48 --dim W=192, the size PaddleOCR feeds it)
# Models come from DIR (default: the folder scripts/fetch_model.sh fills).
# Each model is compiled with DIR/ocrslimc (default build/release, as
# scripts/quickstart.sh builds it) into a temporary folder; then for each
# input and thread count our library (DIR/bench/ocrs_bench_ours, dlopen)
# and ONNX Runtime (bench/ort.mjs, onnxruntime-node 1.30.0, same
# intraOpNumThreads, graph optimisations on) run in separate processes,
# alternating, ROUNDS times each with RUNS timed calls after 2 warm-up calls
# (default 4 x 3: 12 timed runs per side). Prints a markdown table: median
# ms of each, ours/ORT, our GFLOP/s (bench/flops.c) and its share of the
# single-core FMA peak times the thread count (bench/peak.c), and each
# process's peak RSS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
models=""
rounds=4 runs=3 threads="1 2"
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
cases=${*:-det rec cls}
[ -n "$models" ] || models=$(dirname "$("$here/../scripts/fetch_model.sh")")
if ! node -e "process.exit(0)" 2>/dev/null; then echo "bench/run.sh: node is required" >&2; exit 1; fi
if [ -z "${ORT_NODE_DIR:-}" ]; then
    ORT_NODE_DIR=$("$here/../scripts/fetch_ort.sh")
    export ORT_NODE_DIR
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -march=native -o "$tmp/peak" "$here/peak.c"
peak=$("$tmp/peak")
echo "ours: compiled by $build/ocrslimc; ORT: onnxruntime-node $(node "$here/ort.mjs" --version); models from $models"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; FMA peak $peak GFLOP/s per core (bench/peak.c)"
echo "median of $((rounds * runs)) timed runs per side after warm-up, processes alternating"
echo
echo "| model | input | threads | ours ms | ORT ms | ours/ORT | ours GFLOP/s | % of peak | ours peak RSS MB | ORT peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
for c in $cases; do
    case $c in
    det) file=ch_PP-OCRv4_det_infer.onnx dims="1x3x640x640 1x3x960x960" flags="" ;;
    rec) file=ch_PP-OCRv4_rec_infer.onnx dims="1x3x48x320 1x3x48x1280" flags="" ;;
    cls) file=ch_ppocr_mobile_v2.0_cls_infer.onnx dims="6x3x48x192" flags="--dim H=48 --dim W=192" ;;
    *) echo "bench/run.sh: unknown case $c (det, rec, cls)" >&2; exit 2 ;;
    esac
    model=$models/$file
    # shellcheck disable=SC2086 # flags are words
    "$build/ocrslimc" "$model" $flags -o "$tmp/lib$c.so"
    for d in $dims; do
        # shellcheck disable=SC2086
        flops=$("$build/bench/ocrs_flops" "$model" "$d" $flags)
        for t in $threads; do
            : >"$tmp/ours" ; : >"$tmp/ort"
            ours_rss=0 ort_rss=0
            r=0
            while [ $r -lt "$rounds" ]; do
                line=$("$build/bench/ocrs_bench_ours" "$tmp/lib$c.so" "$c" "$d" "$t" 2 "$runs")
                echo "$line" | sed 's/^ms //; s/ rss_kb.*//' >>"$tmp/ours"
                k=$(echo "$line" | sed 's/.*rss_kb //'); [ "$k" -gt "$ours_rss" ] && ours_rss=$k
                line=$(node "$here/ort.mjs" "$model" "$d" "$t" 2 "$runs")
                echo "$line" | sed 's/^ms //; s/ rss_kb.*//' >>"$tmp/ort"
                k=$(echo "$line" | sed 's/.*rss_kb //'); [ "$k" -gt "$ort_rss" ] && ort_rss=$k
                r=$((r + 1))
            done
            om=$(tr '\n' ' ' <"$tmp/ours" | median)
            rm_=$(tr '\n' ' ' <"$tmp/ort" | median)
            awk -v c="$c" -v d="$d" -v t="$t" -v o="$om" -v r="$rm_" -v f="$flops" -v p="$peak" -v orss="$ours_rss" -v rrss="$ort_rss" 'BEGIN {
                g = f / (o * 1e6);
                printf "| %s | %s | %d | %.2f | %.2f | %.2f | %.1f | %.0f%% | %.0f | %.0f |\n", c, d, t, o, r, o / r, g, 100 * g / (p * t), orss / 1024, rrss / 1024 }'
        done
    done
done
