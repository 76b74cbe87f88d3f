#!/bin/sh
# What dead-channel elimination buys on mask-pruned PP-OCRv4 det: for each
# ratio, tests/tools/maskprune zeroes that share of every prunable group's
# filters (biases kept), ocrslimc compiles the masked model, and the table
# gives the FLOPs our code computes (bench/flops.c, after the passes), the
# library's size and its median time at SIZE x SIZE on one thread.
#
#   bench/masked.sh [--build DIR] [--model MODEL.onnx] [--ratios "0 0.3 0.6"] [--size 640] [--runs 12]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
model=${OCRS_MODEL:-/tmp/ocache/ch_PP-OCRv4_det_infer.onnx}
ratios="0 0.3 0.6" size=640 runs=12
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --ratios) ratios=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "bench/masked.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "model: $model; ${size}x${size}, 1 thread, median of $runs runs after 2 warm-up calls"
echo
echo "| masked | GFLOPs | .so bytes | median ms |"
echo "|---|---|---|---|"
for r in $ratios; do
    m=$tmp/m$r.onnx
    "$build/tests/tools/maskprune" "$model" "$m" "$r" >/dev/null
    mkdir -p "$tmp/r$r"
    "$build/ocrslimc" "$m" -o "$tmp/r$r/libdet.so"
    flops=$("$build/bench/ocrs_flops" "$m" "1x3x${size}x$size")
    bytes=$(stat -c %s "$tmp/r$r/libdet.so")
    ms=$("$build/bench/ocrs_bench_ours" "$tmp/r$r/libdet.so" det "1x3x${size}x$size" 1 2 "$runs" |
         sed 's/^ms //; s/ rss_kb.*//' | tr ' ' '\n' | grep . | sort -n |
         awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}')
    awk -v r="$r" -v f="$flops" -v b="$bytes" -v ms="$ms" \
        'BEGIN { printf "| %d%% | %.3f | %d | %s |\n", r * 100, f / 1e9, b, ms }'
done
