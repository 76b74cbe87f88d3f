#!/bin/sh
# The OCR system from a PaddleOCR-shaped config (Global, Det, Cls, Rec) is
# the library the flags make, byte for byte; a config's mistakes are errors
# naming the file and line.
#
#   config.sh OCRSLIMC MODELS_DIR FLAGS_LIB WORKDIR [CC]    (CC: the --cc FLAGS_LIB was built with)
set -eu
ocrslimc=$1 models=$2 flags_lib=$3 work=$4
cc=${5:+--cc=$5}
rm -rf "$work"
mkdir -p "$work"
cat >"$work/ocr.yml" <<YML
Global:
  character_dict_path: $models/ppocr_keys_v1.txt
  use_space_char: true
Det:
  model: $models/ch_PP-OCRv4_det_infer.onnx
Cls:
  model: $models/ch_ppocr_mobile_v2.0_cls_infer.onnx
  cls_image_shape: [3, 48, 192]
Rec:
  model: $models/ch_PP-OCRv4_rec_infer.onnx
YML
"$ocrslimc" --config "$work/ocr.yml" -o "$work/libocr.so" $cc
# AddressSanitizer records each object's source path, a temporary folder's,
# so with the sanitizers only the headers compare.
[ -n "$cc" ] || cmp "$work/libocr.so" "$flags_lib"
cmp "$work/ocr.h" "$(dirname "$flags_lib")/ocr.h"
# Mistakes: a space class the recognizer lacks, an unknown key, no recognizer.
sed 's/use_space_char: true/use_space_char: false/' "$work/ocr.yml" >"$work/nospace.yml"
if "$ocrslimc" --config "$work/nospace.yml" -o "$work/libbad.so" 2>"$work/err"; then exit 1; fi
grep -q "ppocr_keys_v1.txt' has 6623 characters, so 6624 classes" "$work/err"
sed 's/  cls_image_shape/  cls_shape/' "$work/ocr.yml" >"$work/typo.yml"
if "$ocrslimc" --config "$work/typo.yml" -o "$work/libbad.so" 2>"$work/err"; then exit 1; fi
grep -q "typo.yml:8:3: Cls: unknown key cls_shape" "$work/err"
grep -v '^Rec:\|ch_PP-OCRv4_rec' "$work/ocr.yml" >"$work/norec.yml"
if "$ocrslimc" --config "$work/norec.yml" -o "$work/libbad.so" 2>"$work/err"; then exit 1; fi
grep -q "needs --det, --rec and --dict" "$work/err"
[ ! -e "$work/libbad.so" ]
echo "config and flags give the same library; bad configs refused"
