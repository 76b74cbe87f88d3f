#!/bin/sh
# The OCR system from CMake: installs ocrslim into a fresh prefix, builds
# examples/cmake-consumer with ocrslim_add_pipeline over the real models,
# and reads the text of a card mkcard draws (as a PPM, the consumer having
# no image library).
#
#   consumer_ocr.sh BUILD_DIR CONSUMER_SOURCE MODELS_DIR MKCARD WORKDIR
set -eu
build=$1 src=$2 models=$3 mkcard=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DMODEL="$models/ch_PP-OCRv4_det_infer.onnx" \
    -DCLS="$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" -DREC="$models/ch_PP-OCRv4_rec_infer.onnx" \
    -DDICT="$models/ppocr_keys_v1.txt" >/dev/null
cmake --build "$work/build" -j2 --target read_text >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
grep -q 'compiling the OCR system ocr' "$work/build.log"
[ -f "$work/build/ocrslim/ocr/libocr.so" ] && [ -f "$work/build/ocrslim/ocr/ocr.h" ] && [ -f "$work/build/ocrslim/ocr/ocr.d" ]
"$mkcard" "$work/card.ppm" 640 200 --scale 4 --text "SMALL FAST/0123456789"
"$work/build/read_text" "$work/card.ppm" | tee "$work/lines.txt"
grep -q 'SMALL FAST' "$work/lines.txt"
echo "ocrslim_add_pipeline built $work/build/ocrslim/ocr/libocr.so, which read the card"
