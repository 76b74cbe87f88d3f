#!/bin/sh
# --quantize int8 on the PP-OCRv4 detector, calibrated on the golden cards
# (tests/ocr/golden/ocr.txt as labels) at a small side to stay quick:
#   - without --calib: a usage error, nothing written;
#   - every conv int8: the header says so, with the measured loss and the
#     weight bytes, and that the stem's output (read by a depthwise conv)
#     has its channels equalized; --quant-fp32 NAME leaves that conv in
#     float, --quant-no-equalize equalizes nothing, an unknown NAME is a
#     usage error naming it;
#   - the same bits at 1 and 2 threads, and from the library built for
#     AArch64 (generic, and cortex-a76 with sdot) under qemu (skipped
#     without the cross toolchain);
#   - an OCR system: the detector and the recognizer quantized, each
#     measured on its metric, the whole system end to end, all in the header;
#   - the recognizer alone when all int8 loses too much: the per-conv
#     sensitivity, and its cache read by the same command again;
#   - --emit onnx writes the QDQ model; ONNX Runtime on it agrees with our
#     library on the golden input at three sizes: half the probabilities
#     within 1e-6 (a wrong scale, zero point or axis would move most of
#     them), 95% within one 8-bit step (1/255). Not all: the two sum the
#     convolutions in different orders, so now and then a value lands on the
#     other side of a rounding boundary and moves by a quantization step,
#     which the 60 quantized layers after it spread (our own library built
#     with and without FMA disagrees as much: 97.5% and 96.6% within a step
#     at 224x352 and 320x320, on this noise input). Skipped (that part)
#     without node or onnxruntime-node.
#
#   quant.sh OCRSLIMC CHECK_GOLDEN MODEL CARDS_DIR LABELS WORKDIR
#   (the classifier, recognizer and dictionary beside MODEL)
set -eu
ocrslimc=$1 check=$2 model=$3 cards=$4 labels=$5 work=$6
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
calib="--calib $labels --calib-root $cards --calib-side 480 --joint-side 480"

status=0
"$ocrslimc" "$model" -o libnone.so --quantize int8 2>none.err || status=$?
[ $status -eq 2 ] || [ $status -eq 1 ] || fail "no --calib: status $status"
grep -q -- '--quantize needs calibration samples' none.err || fail "no --calib: $(cat none.err)"
[ ! -e libnone.so ] || fail "no --calib: wrote libnone.so"

# On these synthetic cards (flat backgrounds) int8 loses some hmean (on
# scene photos it loses none, docs/quantization.md): a loose bound, so that
# no sensitivity analysis runs here.
# 7-bit weights (x86's default here) on every target, so that the AArch64
# library, the QDQ model and this one are one model.
# shellcheck disable=SC2086 # the flag lists split into words
"$ocrslimc" "$model" -o libq.so --quantize int8 --quant-weight-bits 7 $calib --quant-loss-bound 0.5 2>q.err ||
    { cat q.err; fail "int8"; }
grep -q ' \* int8: 64 of 64 convs (weights per output channel, activations uint8 per tensor, percentile calibration on 5 samples; .*; 1 tensors with equalized channels), weights 4.69 MB as floats, 1.22 MB as int8; hmean [0-9.]* -> [0-9.]* (relative loss' q.h ||
    fail "header: $(head -8 q.h)"

first=$("$ocrslimc" "$model" --emit ir -o - | awk '/= Conv\(/ { sub(/.*# /, ""); print; exit }')
[ -n "$first" ] || fail "no conv found in the IR"
# shellcheck disable=SC2086
"$ocrslimc" "$model" -o libk.so --quantize int8 --quant-fp32 "$first" --quant-no-equalize $calib \
    --quant-loss-bound 0.5 2>k.err ||
    { cat k.err; fail "--quant-fp32 $first"; }
grep -q ' \* int8: 63 of 64 convs (.*; 0 tensors with equalized channels)' k.h || fail "--quant-fp32 $first: $(head -8 k.h)"
status=0
# shellcheck disable=SC2086
"$ocrslimc" "$model" -o libu.so --quantize int8 --quant-fp32 no.such.conv $calib 2>u.err || status=$?
[ $status -ne 0 ] && grep -q -- '--quant-fp32 no.such.conv: .* has no conv of that name' u.err || fail "unknown conv: $(cat u.err)"

# Integer results: the same at 1 and 2 threads, and (under qemu, when the
# cross toolchain is there) from the same model built for AArch64, whose int8
# convs take the 32-bit products: bit for bit on the golden input.
"$check" ./libq.so q - 1x3x224x352 1 0 2 q.f32 || fail "int8 at 2 threads differs from 1 thread"
sysroot=/usr/aarch64-linux-gnu
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null && mkdir -p a64 &&
    [ -e $sysroot/lib/ld-linux-aarch64.so.1 ]; then
    # shellcheck disable=SC2086
    "$ocrslimc" "$model" -o a64/libq.so --target aarch64-linux-gnu --quantize int8 --quant-weight-bits 7 $calib \
        --quant-loss-bound 0.5 2>a64.err || { cat a64.err; fail "int8 for aarch64"; }
    tests=$here/..
    aarch64-linux-gnu-gcc -std=c11 -O2 -ffp-contract=off -D_XOPEN_SOURCE=700 -I"$tests/tools" \
        "$tests/model/check_golden.c" "$tests/tools/golden_input.c" -o a64/check_golden -ldl -lm
    qemu-aarch64 -L $sysroot a64/check_golden a64/libq.so q q.f32 1x3x224x352 1 0 ||
        fail "the AArch64 int8 library differs from the x86-64 one"
    # With DotProd (cortex-a76, the big core of the Snapdragon 855): sdot on
    # levels minus 128, the same integers again.
    # shellcheck disable=SC2086
    "$ocrslimc" "$model" -o a64/libqd.so --name q --target aarch64-linux-gnu --cpu cortex-a76 --quantize int8 \
        --quant-weight-bits 7 $calib --quant-loss-bound 0.5 2>a64d.err || { cat a64d.err; fail "int8 for cortex-a76"; }
    aarch64-linux-gnu-objdump -d a64/libqd.so | grep -q 'sdot' || fail "no sdot in the cortex-a76 library"
    qemu-aarch64 -cpu max -L $sysroot a64/check_golden a64/libqd.so q q.f32 1x3x224x352 1 0 ||
        fail "the AArch64 int8 library with sdot differs from the x86-64 one"
else
    echo "no aarch64 cross toolchain or qemu: the AArch64 comparison skipped"
fi

models=$(dirname "$model")
# shellcheck disable=SC2086
"$ocrslimc" --det "$model" --cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --rec "$models/ch_PP-OCRv4_rec_infer.onnx" \
    --dict "$models/ppocr_keys_v1.txt" -o libs.so --quantize int8 $calib --prune-loss-bound 0.9 \
    --quant-loss-bound 0.9 2>s.err ||
    { tail -5 s.err; fail "an int8 OCR system"; }
for who in "the detector, int8: 64 of 64 convs .* hmean" "the recognizer, int8: 42 of 42 convs .* line accuracy" \
    "the whole system, end-to-end F [0-9.]* -> [0-9.]* on 5 calibration images"; do
    grep -q " \* $who" s.h || fail "system header: no '$who': $(head -12 s.h)"
done

# The recognizer alone, its activations clipped at their 60th percentile so
# that all int8 loses: its per-conv sensitivity runs (on a graph with
# attention reshapes), is cached, and the same command again reads it and
# writes the same library header.
rec="$models/ch_PP-OCRv4_rec_infer.onnx --dict $models/ppocr_keys_v1.txt --quantize int8 --quant-percentile 60 $calib"
# shellcheck disable=SC2086
"$ocrslimc" $rec --jobs 2 --force -o librec.so 2>r.err || { tail -5 r.err; fail "an int8 recognizer"; }
grep -q 'int8 sensitivity, most sensitive first' r.err || fail "int8 recognizer: no sensitivity: $(tail -5 r.err)"
cp rec.h rec1.h
# shellcheck disable=SC2086
"$ocrslimc" $rec --jobs 2 --force -o librec.so 2>r2.err || { tail -5 r2.err; fail "an int8 recognizer again"; }
grep -q 'int8 sensitivity: cached in librec.so.sens.int8.yml' r2.err || fail "int8 recognizer again: $(tail -5 r2.err)"
cmp -s rec1.h rec.h || fail "int8 recognizer again: another header: $(diff rec1.h rec.h)"

# shellcheck disable=SC2086
"$ocrslimc" "$model" -o q.onnx --emit onnx --quantize int8 --quant-weight-bits 7 $calib --quant-loss-bound 0.5 2>/dev/null
for op in QuantizeLinear DequantizeLinear; do grep -q "$op" q.onnx || fail "no $op in q.onnx"; done
command -v node >/dev/null || { echo "int8 ok; node not found: the ORT check skipped"; exit 0; }
for shape in 224x352 320x320 256x192; do
    "$check" ./libq.so q - "1x3x$shape" 1 0 1 "q_$shape.f32" >/dev/null
    for within in 1e-6@0.5 0.0039216@0.95; do
        status=0
        node "$here/../../scripts/check_ort.mjs" q.onnx "q_$shape.f32" "1x3x$shape" $within || status=$?
        [ $status -eq 77 ] && { echo "int8 ok; onnxruntime-node not found: the ORT check skipped"; exit 0; }
        [ $status -eq 0 ] || fail "ORT disagrees at $shape"
    done
done
echo "int8 ok"
