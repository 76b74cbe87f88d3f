#!/bin/sh
# ocrslimc --emit=onnx, checked two ways.
#
#   onnx_emit.sh roundtrip OCRSLIMC CHECK_GOLDEN MODEL WORK "HxW ..." [OCRSLIMC FLAGS...]
#     compiles MODEL with the flags into WORK/liborig.so and writes the same
#     graph as WORK/emitted.onnx; re-imports that with ocrslimc (no flags:
#     pruning is already in it) and checks that it canonicalises back to the
#     same IR (the --emit=ir dumps without their first line, which names the
#     opset, hold the same lines; the importer may order nodes differently)
#     and that the library compiled from it gives liborig.so's output on the
#     golden input at each size within 1e-5 (max abs error; the outputs are
#     probabilities, so this is 1e-5 relative to max(1, max |output|), the
#     pass tests' tolerance). Same IR means same kernels on the same weights,
#     so the outputs should agree bit for bit; any wrong attribute, name or
#     weight is orders of magnitude above 1e-5. Also: writing over a folder
#     fails with a message naming it and leaves no temporary file. Leaves
#     WORK/orig_HxW.f32, liborig.so's outputs, for the ort step.
#   onnx_emit.sh ort WORK "HxW ..."
#     runs WORK/emitted.onnx in ONNX Runtime (scripts/check_ort.mjs)
#     and compares with WORK/orig_HxW.f32 within 1e-4, the golden tests'
#     tolerance against ORT; exit 77 (skip) without node or onnxruntime-node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
shift
if [ "$mode" = ort ]; then
  work=$1 shapes=$2
  command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
  for shape in $shapes; do
    node "$here/../../scripts/check_ort.mjs" "$work/emitted.onnx" "$work/orig_$shape.f32" \
      "1x3x$shape" 1e-4
  done
  exit 0
fi
[ "$mode" = roundtrip ] || { echo "usage: onnx_emit.sh roundtrip|ort ..." >&2; exit 2; }
ocrslimc=$1 check=$2 model=$3 work=$4 shapes=$5
shift 5
rm -rf "$work"
mkdir -p "$work"
"$ocrslimc" "$model" "$@" -o "$work/liborig.so"
"$ocrslimc" "$model" "$@" --emit=ir -o "$work/orig.ir"
"$ocrslimc" "$model" "$@" --emit=onnx -o "$work/emitted.onnx"
"$ocrslimc" "$work/emitted.onnx" --emit=ir -o "$work/emitted.ir"
"$ocrslimc" "$work/emitted.onnx" -o "$work/libemitted.so"
tail -n +2 "$work/orig.ir" | LC_ALL=C sort >"$work/orig.sorted"
tail -n +2 "$work/emitted.ir" | LC_ALL=C sort >"$work/emitted.sorted"
if ! cmp -s "$work/orig.sorted" "$work/emitted.sorted"; then
  echo "the emitted model canonicalises to another IR:"
  diff "$work/orig.sorted" "$work/emitted.sorted" | head -40
  exit 1
fi
echo "same IR: $(wc -l <"$work/orig.sorted") lines"
mkdir "$work/folder.onnx"
if "$ocrslimc" "$model" "$@" --emit=onnx -o "$work/folder.onnx" 2>"$work/folder.err"; then
  echo "writing over a folder succeeded"
  exit 1
fi
grep -F "$work/folder.onnx" "$work/folder.err"
if ls "$work" | grep -q '\.tmp'; then
  echo "temporary files left behind:"; ls "$work"
  exit 1
fi
for shape in $shapes; do
  "$check" "$work/liborig.so" orig - "1x3x$shape" 1 0 1 "$work/orig_$shape.f32"
  "$check" "$work/libemitted.so" emitted "$work/orig_$shape.f32" "1x3x$shape" 1 1e-5
done
