#!/bin/sh
# int8 quantization of the detector, measured: for each activation
# calibration method (--methods) the library ocrslimc --quantize int8 makes
# (calibrated and checked on the odd lines of det-dev), its hmean on the
# even lines and on det-dev-doc, and the same for the detector pruned by the
# compiler's own choice (--prune-flops-target 0.3, the defaults) then
# quantized; the float libraries for reference. Then the speed of each
# library against the float one at 640x640 and 960x960 on 1 and 2 threads
# (bench/ours, alternating, the median over --runs rounds of each round's
# ratio), and the milliseconds of ONNX Runtime fp32 and of each library
# (alternating, medians over the rounds).
#
#   bench/quant.sh [--build DIR] [--models DIR] [--data DIR] [--keep DIR]
#       [--methods "percentile entropy minmax"] [--jobs 2] [--runs 5]
#
# Libraries and the pruning's sensitivity table are kept in --keep
# (build/quant); a library already there is not built again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
models=${OCRS_MODELS:-$HOME/.cache/ocrslim}
data=${OCRS_DATA:-$here/../../shared/data}
keep=$here/../build/quant
methods="percentile entropy minmax" jobs=2 runs=5
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "bench/quant.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -d "$data/det-dev" ] || { echo "bench/quant.sh: no $data/det-dev" >&2; exit 77; }
mkdir -p "$keep"
. "$here/dev_halves.sh"
det=$models/ch_PP-OCRv4_det_infer.onnx
calib="--calib $tmp/calib.txt --calib-root $data/det-dev --jobs $jobs"

. "$here/libs.sh"
build() { build_lib "$det" "$@"; }
row() { # row TAG: what ocrslimc reported, then hmean on both sets
    echo "$1 | $(grep -o 'pruned: .*\|int8: .*' "$keep/$1.log" | sed 's/ (weights per[^)]*)//' | tr '\n' '|') \
| even $(hmean "$keep/lib$1.so" "$tmp/report.txt" "$data/det-dev") | doc $(hmean "$keep/lib$1.so" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")"
}
build fp32
build pruned --prune-flops-target 0.3 $calib
# the pruned libraries share the pruning's table
for m in $methods; do
    build "int8-$m" --quantize int8 --quant-calib "$m" $calib --force
    cp "$keep/libpruned.so.sens.yml" "$keep/libpruned-int8-$m.so.sens.yml" 2>/dev/null || true
    build "pruned-int8-$m" --prune-flops-target 0.3 --quantize int8 --quant-calib "$m" $calib --force
done
echo "library | ocrslimc's report | hmean on det-dev's even half | on det-dev-doc"
row fp32
row pruned
for m in $methods; do
    row "int8-$m"
    row "pruned-int8-$m"
done

set -- "int8-$(echo "$methods" | awk '{ print $1 }')" pruned "pruned-int8-$(echo "$methods" | awk '{ print $1 }')"
for lib in "$@"; do
    for dims in 1x3x640x640 1x3x960x960; do
        for t in 1 2; do
            echo "speed $lib $dims $t thread(s): fp32/$lib $(speed "$keep/libfp32.so" "$keep/lib$lib.so" "$dims" "$t")"
        done
    done
done

# Against ONNX Runtime fp32 (bench/ort.mjs; skipped without node and
# onnxruntime-node): per round ORT then each library, the median ms of each.
ort() {
    node "$here/ort.mjs" "$det" "$1" "$2" 3 5 | awk '{ for (i = 2; $i != "rss_kb"; i++) print $i }' |
        sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
if node "$here/ort.mjs" --version >/dev/null 2>&1; then
    for dims in 1x3x640x640 1x3x960x960; do
        for t in 1 2; do
            for _ in $(seq "$runs"); do
                line="$(ort "$dims" "$t")"
                for lib in fp32 "$@"; do line="$line $(call "$keep/lib$lib.so" "$dims" "$t")"; done
                echo "$line"
            done >"$tmp/ort.txt"
            out="ort $dims $t thread(s): ORT $(awk '{ print $1 }' "$tmp/ort.txt" | median) ms"
            i=2
            for lib in fp32 "$@"; do
                ms=$(awk -v i=$i '{ print $i }' "$tmp/ort.txt" | median)
                out="$out, $lib $ms ms"
                i=$((i + 1))
            done
            echo "$out"
        done
    done
else
    echo "ORT: node or onnxruntime-node not found (ORT_NODE_DIR): skipped"
fi
