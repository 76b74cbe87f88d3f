#!/usr/bin/env bash
# The main job, end to end: install dependencies, fetch PP-OCRv4 det, build
# ocrslim, compile the model into build/out/libdet.so + det.h, and detect
# text on an image: build/out/detected.png shows the boxes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
"$here/setup.sh"
model=$("$here/fetch_model.sh")
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j2
mkdir -p "$root/build/out"
"$root/build/release/ocrslimc" "$model" -o "$root/build/out/libdet.so" -v
# A dev-set photo when ../shared is there, else a text card made here.
image="$root/../shared/data/det-dev/images/0000.jpg"
if [ ! -f "$image" ]; then
  image="$root/build/out/card.png"
  "$root/build/release/examples/mkcard" "$image"
fi
"$root/build/release/examples/detect" "$root/build/out/libdet.so" "$image" --json \
  --draw "$root/build/out/detected.png" --verbose
