#!/bin/sh
# Calibration needs images: an empty label file, one of blank lines or of
# lines without the tab between path and labels, and --calib-images -1 are
# errors naming the label file (and line), with nothing written.
#
#   calib.sh OCRSLIMC MKMODEL MKCARD WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 mkcard=$3 work=$4
rm -rf "$work"
mkdir -p "$work/out"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" conv_bn_relu m.onnx
"$mkcard" card.png 160 96

# refused STATUS 'expected message' ocrslimc-arguments...
refused() {
  want=$1 expect=$2
  shift 2
  status=0
  "$ocrslimc" m.onnx -o out/libm.so "$@" 2>err.txt || status=$?
  [ $status -eq "$want" ] || fail "$*: status $status, expected $want: $(cat err.txt)"
  grep -qF -- "$expect" err.txt || fail "$*: expected '$expect', got: $(cat err.txt)"
  [ -z "$(ls out)" ] || fail "$*: wrote $(ls out)"
}
: >empty.txt
printf '\n  \n' >blank.txt
printf 'card.png []\n' >notab.txt
printf 'card.png\t[]\n' >ok.txt
refused 1 "empty.txt: no images" --prune-ratio 0.2 --calib empty.txt
refused 1 "empty.txt: no images" --dead-relu --calib empty.txt
refused 1 "blank.txt: no images" --prune-ratio 0.2 --calib blank.txt
refused 1 "notab.txt:1: no tab between the image path and its labels" --prune-ratio 0.2 --calib notab.txt
refused 1 "$(pwd): cannot read the label file: Is a directory" --prune-ratio 0.2 --calib "$(pwd)"
refused 2 "--calib-images takes an integer in [1, 1048576], not '-1'" --prune-ratio 0.2 --calib ok.txt --calib-images -1
"$ocrslimc" m.onnx -o out/libm.so --prune-ratio 0.2 --calib ok.txt --calib-images 1 -v 2>ok.err ||
  fail "one image: $(cat ok.err)"
grep -q 'calibration sample 1 of 1' ok.err || fail "one image not calibrated on: $(cat ok.err)"
echo "calib ok"
