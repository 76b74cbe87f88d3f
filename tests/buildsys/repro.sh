#!/bin/sh
# Reproducible output: the same model and flags, compiled from different
# folders, with different temporary folders and output paths, give
# byte-identical libraries and headers (shared and static; for aarch64 too
# when its cross toolchain is installed).
#
#   repro.sh OCRSLIMC MODEL WORKDIR
set -eu
ocrslimc=$1 model=$2 work=$3
rm -rf "$work"
for run in 1 2; do
  mkdir -p "$work/$run/tmp" "$work/$run/out$run"
  cp "$model" "$work/$run/m.onnx"
done
compile() { # run output [flags]
  run=$1 out=$2
  shift 2
  (cd "$work/$run" && TMPDIR="$work/$run/tmp" "$ocrslimc" m.onnx -o "out$run/$out" --name model "$@")
}
same() { # file
  cmp "$work/1/out1/$1" "$work/2/out2/$1" && echo "$1: identical ($(wc -c <"$work/1/out1/$1") bytes)"
}
for run in 1 2; do compile $run libmodel.so; done
same libmodel.so
same model.h
for run in 1 2; do compile $run libmodel.a; done
same libmodel.a
if command -v aarch64-linux-gnu-gcc >/dev/null; then
  for run in 1 2; do compile $run libmodel_arm.so --target aarch64-linux-gnu; done
  same libmodel_arm.so
fi
