#!/bin/sh
# No output may replace an input or another output: a usage error naming
# both roles and paths, before anything is written (inputs unchanged).
#
#   paths.sh OCRSLIMC MKMODEL WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 work=$3
rm -rf "$work"
mkdir -p "$work/files/sub"
cd "$work/files" # the test's own files go to the folder above
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" conv_bn_relu m.onnx
"$mkmodel" external_ok ext.onnx
cp m.onnx zz.h
cp m.onnx libs.so.sens.yml
echo 'Prune: {ratio: 0}' >c.yml
printf 'nothing.png\t[]\n' >lab.txt
ln -s m.onnx libalias.so
sha256sum m.onnx ext.onnx ext.bin zz.h libs.so.sens.yml c.yml lab.txt >../inputs.sum
ls >../before.txt

# refused 'expected message' ocrslimc-arguments...
refused() {
  expect=$1
  shift
  status=0
  "$ocrslimc" "$@" 2>../err.txt || status=$?
  [ $status -eq 2 ] || fail "$*: status $status, expected 2: $(cat ../err.txt)"
  grep -qF -- "$expect" ../err.txt || fail "$*: expected '$expect', got: $(cat ../err.txt)"
  ls >../after.txt
  cmp -s ../before.txt ../after.txt || fail "$*: wrote $(diff ../before.txt ../after.txt)"
  sha256sum -c --quiet ../inputs.sum || fail "$*: changed an input"
}
refused "the output (-o) 'det.h' and the header 'det.h' are the same file" m.onnx -o det.h --name det
refused "the output (-o) 'libz.so' and the depfile 'libz.so' are the same file" m.onnx -o libz.so --depfile libz.so
refused "the output (-o) 'sub/../libz.so' and the depfile './libz.so' are the same file" \
  m.onnx -o sub/../libz.so --depfile ./libz.so
refused "the model 'zz.h' and the header 'zz.h' are the same file" zz.h -o libq.so --name zz
refused "the model 'm.onnx' and the output (-o) 'm.onnx' are the same file" m.onnx -o m.onnx
refused "the model 'm.onnx' and the output (-o) './m.onnx' are the same file" m.onnx -o ./m.onnx --emit onnx
refused "the model 'm.onnx' and the output (-o) 'libalias.so' are the same file" m.onnx -o libalias.so
refused "the model's external data '$(pwd -P)/ext.bin' and the output (-o) 'ext.bin' are the same file" \
  ext.onnx -o ext.bin --emit ir
refused "the config 'c.yml' and the depfile 'c.yml' are the same file" m.onnx -o libc.so --config c.yml --depfile c.yml
refused "the calibration label file 'lab.txt' and the output (-o) 'lab.txt' are the same file" \
  m.onnx -o lab.txt --emit ir --prune-ratio 0.1 --calib lab.txt
refused "the depfile 'libs.so.sens.svg' and the sensitivity curves 'libs.so.sens.svg' are the same file" \
  m.onnx -o libs.so --prune-max-loss 0.1 --calib lab.txt --depfile libs.so.sens.svg
refused "the model 'libs.so.sens.yml' and the sensitivity table 'libs.so.sens.yml' are the same file" \
  libs.so.sens.yml -o libs.so --prune-flops-target 0.1 --calib lab.txt
refused "the depfile 'libs.so.sens.joint.yml' and the joint refinement's cache 'libs.so.sens.joint.yml' are the same file" \
  m.onnx -o libs.so --prune-max-loss 0.1 --calib lab.txt --depfile libs.so.sens.joint.yml
refused "-o takes a file name, not ''" m.onnx -o ''
refused "--depfile takes a file name, not ''" m.onnx -o libe.so --depfile ''

# Distinct files still compile, and rerunning over the previous outputs is fine.
for run in 1 2; do
  "$ocrslimc" m.onnx -o sub/../libok.so --depfile libok.d --config c.yml || fail "distinct files, run $run"
done
[ -f libok.so ] && [ -f ok.h ] && [ -f libok.d ] || fail "outputs missing: $(ls)"
echo "paths ok"
