#!/bin/sh
# int8 quantization of the PP-OCRv4 recognizer alone, measured: the library
# ocrslimc --quantize int8 makes (calibrated and checked on the labelled
# lines of det-dev's odd half, --force: its report gives the line accuracy
# on them), and its speed against the float library at 1x3x48x320 and
# 1x3x48x640 on 1 and 2 threads (bench/libs.sh: alternating, the
# median over --runs rounds). Held-out accuracy is the OCR system's
# (docs/quantization.md).
#
#   bench/quant_rec.sh [--build DIR] [--models DIR] [--data DIR] [--keep DIR] [--jobs 2] [--runs 5]
#
# Libraries and logs are kept in --keep (build/quant-rec); a library already
# there is not built again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
models=${OCRS_MODELS:-$HOME/.cache/ocrslim}
data=${OCRS_DATA:-$here/../../shared/data}
keep=$here/../build/quant-rec
jobs=2 runs=5
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "bench/quant_rec.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -d "$data/det-dev" ] || { echo "bench/quant_rec.sh: no $data/det-dev" >&2; exit 77; }
mkdir -p "$keep"
. "$here/dev_halves.sh"
rec=$models/ch_PP-OCRv4_rec_infer.onnx

. "$here/libs.sh"
# any width
build() { build_lib "$rec" "$@" --dim W=16:8192:exact; }
build fp32
build int8 --dict "$models/ppocr_keys_v1.txt" --quantize int8 --calib "$tmp/calib.txt" --calib-root "$data/det-dev" \
    --jobs "$jobs" --force
grep -o 'int8: .*' "$keep/int8.log" | sed 's/ (weights per[^)]*)//'
grep 'weight bytes' "$keep/fp32.log" "$keep/int8.log" | sed 's/.*\/\([a-z0-9]*\)\.log:/\1: /'

for dims in 1x3x48x320 1x3x48x640; do
    for t in 1 2; do
        echo "speed $dims $t thread(s): fp32/int8 $(speed "$keep/libfp32.so" "$keep/libint8.so" "$dims" "$t")"
    done
done
