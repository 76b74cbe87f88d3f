#!/usr/bin/env bash
# The main job, end to end: install dependencies, fetch PP-OCRv4 det, build
# ocrslim, compile the model into build/out/libdet.so + det.h, and run it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
"$here/setup.sh"
model=$("$here/fetch_model.sh")
cmake -S "$root" -B "$root/build/release" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j2
mkdir -p "$root/build/out"
"$root/build/release/ocrslimc" "$model" -o "$root/build/out/libdet.so" -v
"$root/build/release/examples/forward" "$root/build/out/libdet.so" --height 640 --width 640
