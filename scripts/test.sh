#!/usr/bin/env bash
# The whole test suite: installs dependencies, fetches the model and ONNX
# Runtime (for the tests comparing an --emit=onnx model with our library),
# then builds and runs ctest twice, plainly and under AddressSanitizer + UBSan,
# and finally runs every fuzz target for a few seconds (a clang-19 build,
# fuzz/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
"$here/setup.sh"
model=$("$here/fetch_model.sh")
ORT_NODE_DIR=$("$here/fetch_ort.sh")
export ORT_NODE_DIR

run() {
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DOCRS_MODEL="$model" "$@" >/dev/null
  cmake --build "$dir" -j2
  ctest --test-dir "$dir" --output-on-failure -j2
}
echo "== tests =="
run "$root/build/test" -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests under ASan + UBSan =="
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run "$root/build/test-asan" -DCMAKE_BUILD_TYPE=Debug -DOCRS_SANITIZE=ON
echo "== fuzz smoke tests (clang-19, libFuzzer) =="
if command -v clang-19 >/dev/null 2>&1; then
  dir=$root/build/fuzz
  cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER=clang-19 -DOCRS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$dir" -j2 --target fuzzers mkseeds mkmodel
  ctest --test-dir "$dir" --output-on-failure -j2 -L fuzz
else
  echo "clang-19 not found: skipped"
fi
