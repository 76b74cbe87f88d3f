#!/bin/sh
# A library against ONNX Runtime run now (for models whose goldens would be
# too large to keep in git): check_golden runs LIB on the golden input of
# DIMS at 1, 2 and 3 threads (bit-identical to 1 thread) and writes its
# outputs; scripts/check_ort.mjs runs MODEL in ORT on the same input and
# compares within TOLERANCE. Exit 77 (skip) without node or onnxruntime-node.
#
#   vs_ort.sh CHECK_GOLDEN LIB NAME MODEL.onnx NxCxHxW TOLERANCE WORK
set -eu
check=$1 lib=$2 name=$3 model=$4 dims=$5 tol=$6 work=$7
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "node not found: skipped"; exit 77; }
mkdir -p "$work"
"$check" "$lib" "$name" - "$dims" 1 0 3 "$work/${name}_$dims.f32"
node "$here/../../scripts/check_ort.mjs" "$model" "$work/${name}_$dims.f32" "$dims" "$tol"
