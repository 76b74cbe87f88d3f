#!/bin/sh
# Speed and memory of the generated PP-OCRv4 detector against ONNX Runtime.
#
#   bench/run.sh [--build DIR] [--model MODEL.onnx] [--rounds N] [--runs N] [--sizes "640 960"] [--threads "1 2"]
#
# Compiles the model with DIR/ocrslimc (default build/release, as scripts/quickstart.sh builds it) into a temporary
# folder, then for each size and thread count runs our library
# (DIR/bench/ocrs_bench_ours, dlopen) and ONNX Runtime (bench/ort.mjs,
# onnxruntime-node 1.30.0, same intraOpNumThreads, graph optimisations on)
# in separate processes, alternating, ROUNDS times each with RUNS timed
# calls after 2 warm-up calls (default 4 x 3: 12 timed runs per side).
# Prints a markdown table: median ms of each, ours/ORT, our GFLOP/s and its
# share of the single-core FMA peak times the thread count (bench/peak.c),
# and each process's peak RSS.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
model=${OCRS_MODEL:-/tmp/ocache/ch_PP-OCRv4_det_infer.onnx}
rounds=4 runs=3 sizes="640 960" threads="1 2"
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if ! node -e "process.exit(0)" 2>/dev/null; then echo "bench/run.sh: node is required" >&2; exit 1; fi
if [ -z "${ORT_NODE_DIR:-}" ] && [ ! -d "$here/node_modules/onnxruntime-node" ] && [ ! -d /tmp/npmw/node_modules/onnxruntime-node ]; then
    (cd "$here" && npm install --silent --no-save --ignore-scripts onnxruntime-node@1.30.0 >&2)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/ocrslimc" "$model" -o "$tmp/libdet.so"
cc -O2 -march=native -o "$tmp/peak" "$here/peak.c"
peak=$("$tmp/peak")
echo "ours: $model compiled by $build/ocrslimc; ORT: onnxruntime-node $(node "$here/ort.mjs" --version)"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; FMA peak $peak GFLOP/s per core (bench/peak.c)"
echo "median of $((rounds * runs)) timed runs per side after warm-up, processes alternating"
echo
echo "| size | threads | ours ms | ORT ms | ours/ORT | ours GFLOP/s | % of peak | ours peak RSS MB | ORT peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|"
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
for s in $sizes; do
    flops=$("$build/bench/ocrs_flops" "$model" "$s" "$s")
    for t in $threads; do
        : >"$tmp/ours" ; : >"$tmp/ort"
        ours_rss=0 ort_rss=0
        r=0
        while [ $r -lt "$rounds" ]; do
            line=$("$build/bench/ocrs_bench_ours" "$tmp/libdet.so" det "$s" "$s" "$t" 2 "$runs")
            echo "$line" | sed 's/^ms //; s/ rss_kb.*//' >>"$tmp/ours"
            k=$(echo "$line" | sed 's/.*rss_kb //'); [ "$k" -gt "$ours_rss" ] && ours_rss=$k
            line=$(node "$here/ort.mjs" "$model" "$s" "$s" "$t" 2 "$runs")
            echo "$line" | sed 's/^ms //; s/ rss_kb.*//' >>"$tmp/ort"
            k=$(echo "$line" | sed 's/.*rss_kb //'); [ "$k" -gt "$ort_rss" ] && ort_rss=$k
            r=$((r + 1))
        done
        om=$(tr '\n' ' ' <"$tmp/ours" | median)
        rm_=$(tr '\n' ' ' <"$tmp/ort" | median)
        awk -v s="$s" -v t="$t" -v o="$om" -v r="$rm_" -v f="$flops" -v p="$peak" -v orss="$ours_rss" -v rrss="$ort_rss" 'BEGIN {
            g = f / (o * 1e6);
            printf "| %dx%d | %d | %.1f | %.1f | %.2f | %.1f | %.0f%% | %.0f | %.0f |\n", s, s, t, o, r, o / r, g, 100 * g / (p * t), orss / 1024, rrss / 1024 }'
    done
done
