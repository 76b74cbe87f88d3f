#!/bin/sh
# Cross-compiles MODEL for aarch64-linux-gnu, checks that the code uses NEON,
# runs the library under qemu-user and compares its output with the ORT
# goldens and with the x86-64 library's output (both within 1e-4).
# Exits 77 (ctest: skipped) without the cross toolchain or qemu.
#
#   aarch64.sh OCRSLIMC MODEL NAME HOST_LIB HOST_CHECK_GOLDEN TESTS_DIR WORKDIR GOLDEN_PREFIX SHAPE...
set -eu
ocrslimc=$1 model=$2 name=$3 host_lib=$4 host_check=$5 tests=$6 work=$7 golden=$8
shift 8
sysroot=/usr/aarch64-linux-gnu
tol=1e-4
for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v $tool >/dev/null || { echo "skipped: $tool is not installed (scripts/setup.sh installs it)"; exit 77; }
done
[ -e $sysroot/lib/ld-linux-aarch64.so.1 ] || { echo "skipped: no arm64 libc in $sysroot"; exit 77; }

rm -rf "$work"
mkdir -p "$work"
"$ocrslimc" "$model" -o "$work/lib$name.so" --target aarch64-linux-gnu
readelf -h "$work/lib$name.so" | grep -q 'Machine:.*AArch64' || { echo "lib$name.so is not AArch64"; exit 1; }
# The vectoriser's NEON: fused multiply-adds on four floats.
"$ocrslimc" "$model" -o "$work/$name.s" --emit asm --target aarch64-linux-gnu
nfmla=$(grep -cE 'fmla[[:space:]]+v[0-9]+\.4s' "$work/$name.s" || true)
echo "NEON fmla v.4s instructions: $nfmla"
[ "$nfmla" -gt 0 ] || { echo "no NEON vector code in $name.s"; exit 1; }

# The golden input's generator must not contract to FMA (aarch64 gcc would).
aarch64-linux-gnu-gcc -std=c11 -O2 -ffp-contract=off -D_XOPEN_SOURCE=700 -I"$tests/tools" \
  "$tests/model/check_golden.c" "$tests/tools/golden_input.c" -o "$work/check_golden" -ldl -lm
run_arm() { qemu-aarch64 -L $sysroot "$work/check_golden" "$work/lib$name.so" "$name" "$@"; }
for shape in "$@"; do
  "$host_check" "$host_lib" "$name" "${golden}_$shape.f32" "1x3x$shape" 1 $tol 1 "$work/x86_64_$shape.f32"
  run_arm "${golden}_$shape.f32" "1x3x$shape" 1 $tol
  echo "aarch64 vs x86-64:"
  run_arm "$work/x86_64_$shape.f32" "1x3x$shape" 1 $tol
done
