#!/bin/sh
# Writes the goldens of tests/ocr (golden/det.txt, ocr.txt, rec.txt): the
# reference pipelines (scripts/ref: ref_detect.py, ref_ocr.py on ONNX
# Runtime) on the images tests/ocr/cards.txt describes, made by mkcard;
# rec.txt reads the quadrilaterals of tests/ocr/cards.quads.txt. Run it when
# a card or the semantics they pin change on purpose, and commit the result.
#
#   scripts/make_ocr_goldens.sh [BUILD_DIR]    (default build/test, for mkcard)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/test}
models=$(dirname "$("$here/fetch_model.sh")")
if [ -z "${ORT_NODE_DIR:-}" ]; then
    ORT_NODE_DIR=$("$here/fetch_ort.sh")
    export ORT_NODE_DIR
fi
tests=$here/../tests/ocr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$tests/cards.sh" "$build/examples/mkcard" "$tmp"
py=/usr/bin/python3
$py "$here/ref/ref_detect.py" "$models/ch_PP-OCRv4_det_infer.onnx" "$tmp/cards.label" "$tests/golden/det.txt"
set -- --det "$models/ch_PP-OCRv4_det_infer.onnx" --cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" \
    --rec "$models/ch_PP-OCRv4_rec_infer.onnx" --dict "$models/ppocr_keys_v1.txt" --root "$tmp"
$py "$here/ref/ref_ocr.py" system "$@" "$tmp/cards.label" "$tests/golden/ocr.txt"
$py "$here/ref/ref_ocr.py" rec "$@" "$tests/cards.quads.txt" "$tests/golden/rec.txt"
echo "wrote $tests/golden/det.txt, ocr.txt, rec.txt"
