#!/bin/sh
# Symbols: the dynamic dims of det_mv3_db's input get the alignment its
# strides need (32), --dim fixes or bounds them, and a --dim naming nothing
# or leaving no multiple in its range is a usage error.
#
#   dims.sh OCRSLIMC MKMODEL WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 work=$3
rm -rf "$work"
mkdir -p "$work/out"
cd "$work"
fail() { echo "FAIL: $*"; cat ir.txt 2>/dev/null; exit 1; }
"$mkmodel" det_mv3_db m.onnx --seed 1

"$ocrslimc" m.onnx --emit=ir -o ir.txt
grep -qx 'symbol N: multiple of 1 in \[1, 256\], typical 1' ir.txt || fail "batch symbol"
grep -qx 'symbol H: multiple of 32 in \[32, 4096\], typical 640' ir.txt || fail "H: the strides' 32"
grep -qx 'input x: f32\[N,3,H,W\]' ir.txt || fail "input dims"

"$ocrslimc" m.onnx --emit=ir -o ir.txt --dim H=64 --dim W=64:256 --dim N=1
grep -q 'symbol H' ir.txt && fail "H fixed by --dim is still a symbol"
grep -qx 'symbol W: multiple of 32 in \[64, 256\], typical 256' ir.txt || fail "W bounded by --dim"
grep -qx 'input x: f32\[1,3,64,W\]' ir.txt || fail "fixed dims"
grep -q 'f32\[1,24,2,W/32\]' ir.txt || fail "H/32 of a fixed H"

# A fixed dim needs no alignment: ONNX's floor division on its value
# (stride 2 then 2x and 4x upsampling: 99 -> 50 -> 100 -> 400).
"$mkmodel" resize_scales r.onnx
"$ocrslimc" r.onnx --emit=ir -o ir.txt --dim H=99
grep -q 'f32\[N,4,400,4\*W\]' ir.txt || fail "H=99 through stride 2 and upsampling"
# An exact W takes every value: the stride-2 conv's extent is a symbol of
# its own, floor((W - 1) / 2) + 1, upsampled 2x and 4x.
"$ocrslimc" r.onnx --emit=ir -o ir.txt --dim H=99 --dim W=5:999:exact
grep -qx 'symbol W: multiple of 1 in \[5, 999\], typical 640, exact' ir.txt || fail "exact W"
grep -qx 'symbol W_1: multiple of 1 in \[2, 499\], typical 319, floor((1\*W/1 + -1) / 2)' ir.txt || fail "derived W_1"
grep -q 'f32\[N,4,400,8\*W_1+8\]' ir.txt || fail "W_1 through upsampling"

# refused STATUS 'expected message' ocrslimc-arguments... (status 2 for a
# malformed option, 1 for settings that do not fit the model, which only the
# import can tell)
refused() {
  want=$1 expect=$2
  shift 2
  status=0
  "$ocrslimc" m.onnx "$@" 2>err.txt || status=$?
  cat err.txt
  [ $status -eq "$want" ] || fail "$*: status $status, expected $want"
  grep -qF -- "$expect" err.txt || fail "$*: expected '$expect'"
  [ -z "$(ls out)" ] || fail "$*: wrote $(ls out)"
}
refused 1 "--dim Q: the inputs have no such dynamic dim (symbols: N, H, W)" -o out/libm.so --dim Q=3
refused 1 "symbol W must be a multiple of 32 (the model's strides need it), and [40, 50] holds none" \
  -o out/libm.so --dim W=40:50
refused 2 "--dim takes NAME=VALUE, NAME=MIN:MAX or NAME=MIN:MAX:exact" -o out/libm.so --dim W=0
refused 2 "--dim takes NAME=VALUE, NAME=MIN:MAX or NAME=MIN:MAX:exact" -o out/libm.so --dim W=9:8
refused 2 "--dim takes NAME=VALUE, NAME=MIN:MAX or NAME=MIN:MAX:exact" -o out/libm.so --dim =8
echo "dims: symbols, alignment, --dim fixes and bounds"
