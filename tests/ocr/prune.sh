#!/bin/sh
# Pruning an OCR system: the detector scored by hmean, the recognizer by
# line accuracy on the labelled lines' crops, the whole system by
# end-to-end F, each checked against the bound and named in the header;
# a recognizer pruned into uselessness is refused, nothing written. The
# calibration labels are the reference pipeline's reading of the golden
# cards (tests/ocr/golden/ocr.txt).
#
#   prune.sh OCRSLIMC MODELS_DIR CARDS_DIR GOLDEN_OCR WORKDIR
set -eu
ocrslimc=$1 models=$2 cards=$3 labels=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
system="--det $models/ch_PP-OCRv4_det_infer.onnx --cls $models/ch_ppocr_mobile_v2.0_cls_infer.onnx
        --rec $models/ch_PP-OCRv4_rec_infer.onnx --dict $models/ppocr_keys_v1.txt"
calib="--calib $labels --calib-root $cards"

# A uniform 0.1 loses more than the bound on these cards (3% of the
# detector's hmean, a fifth of the recognizer's lines): --force writes it,
# saying so, and the header records every loss.
# shellcheck disable=SC2086 # the flag lists split into words
"$ocrslimc" $system -o libp.so --prune-ratio 0.1 $calib --force 2>p.err || { cat p.err; fail "pruning det and rec by 0.1"; }
for who in "the detector, pruned: .* hmean" "the recognizer, pruned: .* line accuracy" \
    "the whole system, end-to-end F [0-9.]* -> [0-9.]* on 5 calibration images"; do
    grep -q " \* $who" p.h || fail "header: no '$who': $(head -12 p.h)"
done
grep -q 'the original system: end-to-end F' p.err || fail "the original system not measured: $(cat p.err)"
grep -q 'warning: the pruned model loses more than the bound' p.err || fail "no warning: $(cat p.err)"

status=0
# shellcheck disable=SC2086
"$ocrslimc" $system -o libbad.so --prune-models rec --prune-ratio 0.7 --prune-criterion l1_norm --recovery none \
    $calib 2>bad.err || status=$?
[ $status -eq 1 ] && grep -q 'the pruned model loses .* of its line accuracy on the .* calibration lines' bad.err ||
    fail "a gutted recognizer: status $status: $(tail -3 bad.err)"
[ ! -e libbad.so ] && [ ! -e bad.h ] && [ -z "$(ls -a | grep '^\.ocrslimc-')" ] || fail "wrote $(ls -a)"
echo "system pruning ok"
