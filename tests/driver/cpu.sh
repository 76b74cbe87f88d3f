#!/bin/sh
# --cpu: a CPU LLVM does not know for the target is a usage error naming
# both (LLVM itself only warns, then aborts in code generation); known
# CPUs still compile.
#
#   cpu.sh OCRSLIMC MKMODEL WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 work=$3
rm -rf "$work"
mkdir -p "$work/out"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" conv_bn_relu m.onnx

# refused 'expected message' ocrslimc-arguments...
refused() {
  expect=$1
  shift
  status=0
  "$ocrslimc" m.onnx "$@" 2>err.txt || status=$?
  cat err.txt
  [ $status -eq 2 ] || fail "$*: status $status, expected 2"
  grep -qF -- "$expect" err.txt || fail "$*: expected '$expect'"
  [ -z "$(ls out)" ] || fail "$*: wrote $(ls out)"
}
refused "CPU 'bogus-cpu' is not one LLVM knows for target '" -o out/libm.so --cpu bogus-cpu
refused "CPU 'skylake' is not one LLVM knows for target 'aarch64-unknown-linux-gnu'" \
  -o out/m.o --emit obj --target aarch64-linux-gnu --cpu skylake
refused "target 'bogus-triple'" -o out/libm.so --target bogus-triple

"$ocrslimc" m.onnx -o out/m.o --emit obj --target aarch64-linux-gnu --cpu cortex-a76 || fail "cortex-a76 for aarch64"
case $(uname -m) in
x86_64) "$ocrslimc" m.onnx -o out/libm.so --cpu x86-64-v2 || fail "x86-64-v2" ;;
aarch64) "$ocrslimc" m.onnx -o out/libm.so --cpu cortex-a76 || fail "cortex-a76" ;;
esac
echo "cpu ok"
