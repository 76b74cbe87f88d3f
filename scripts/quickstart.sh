#!/usr/bin/env bash
# The main job, end to end: install dependencies, fetch PaddleOCR's models,
# build ocrslim, compile the OCR system (detector, direction classifier,
# recognizer, dictionary) into build/out/libocr.so + ocr.h, and read the
# text of an image: the lines as JSON, build/out/read.png shows their boxes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
"$here/setup.sh"
models=$(dirname "$("$here/fetch_model.sh")")
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j2
mkdir -p "$root/build/out"
"$root/build/release/ocrslimc" --det "$models/ch_PP-OCRv4_det_infer.onnx" \
  --cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --rec "$models/ch_PP-OCRv4_rec_infer.onnx" \
  --dict "$models/ppocr_keys_v1.txt" -o "$root/build/out/libocr.so" -v
# A dev-set photo when ../shared is there, else a text card made here.
image="$root/../shared/data/det-dev/images/0000.jpg"
if [ ! -f "$image" ]; then
  image="$root/build/out/card.png"
  "$root/build/release/examples/mkcard" "$image"
fi
"$root/build/release/examples/ocr" "$root/build/out/libocr.so" "$image" --json \
  --draw "$root/build/out/read.png" --verbose
