#!/bin/sh
# Numeric options are read strictly (the whole text, finite, in range) and
# the command line and the config take the same range for each setting:
# a bad value is a usage error naming the option and its range, before any
# work, with nothing written.
#
#   numbers.sh OCRSLIMC MKMODEL PRINT_TABLE WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 print_table=$3 work=$4
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
  "$ocrslimc" m.onnx -o out/libm.so "$@" 2>err.txt || status=$?
  [ $status -eq 2 ] || fail "$*: status $status, expected 2: $(cat err.txt)"
  grep -qF -- "$expect" err.txt || fail "$*: expected '$expect', got: $(cat err.txt)"
  [ -z "$(ls out)" ] || fail "$*: wrote $(ls out)"
}
refused "--prune-ratio takes a number in [0, 1), not '0.5abc'" --prune-ratio 0.5abc
refused "--prune-ratio takes a number in [0, 1), not ' 0.5'" --prune-ratio " 0.5"
refused "--prune-max-loss takes a number in [0, 1], not 'nan'" --prune-max-loss nan
refused "--prune-flops-target takes a number in [0, 1), not '-1'" --prune-flops-target -1
refused "--prune-flops-target takes a number in [0, 1), not 'inf'" --prune-flops-target inf
refused "--calib-side takes an integer in [32, 4096], not '10'" --calib-side 10
refused "--prune-skip takes an integer in [0, 1048576], not '-5'" --prune-skip -5
refused "--prune-vector takes an integer in [1, 256], not '0'" --prune-vector 0
refused "--prune-vector takes an integer in [1, 256], not '8x'" --prune-vector 8x
refused "--calib-images takes an integer in [1, 1048576], not '-1'" --calib-images -1
refused "--jobs takes an integer in [1, 256], not '1e2'" --jobs 1e2
refused "--lsq-samples takes an integer in [1, 100000], not '99999999999999999999'" --lsq-samples 99999999999999999999
refused "--prune-loss-bound takes a number in (0, 1), not '0.1x'" --prune-loss-bound 0.1x
refused "--quant-loss-bound takes a number in (0, 1), not '1.5'" --quant-loss-bound 1.5
for g in 3 x=0.1 -1=0.1 3=1 3=0.1x =0.1; do
  refused "--prune-group takes GROUP=RATIO, a group number and a number in [0, 1), not '$g'" --prune-group "$g"
done
status=0
"$ocrslimc" info m.onnx 4x 2>err.txt || status=$?
[ $status -eq 2 ] && grep -qF "info: NSKIP takes an integer in [0, 1048576], not '4x'" err.txt ||
  fail "info NSKIP 4x: status $status: $(cat err.txt)"

# Every row of the table, at and beyond both ends of its range, on the
# command line and in the config: both refuse exactly the values outside.
# (Values inside may fail later for other reasons, never as out of range.)
try() { # FLAG KEY VALUE: prints "cli config" outcomes, each refused or taken
  flag=$1 key=$2 value=$3 cli=- cfg=-
  if [ "$flag" != - ]; then
    "$ocrslimc" m.onnx --emit ir -o out.ir "--$flag" "$value" 2>err.txt || true
    if grep -qF -- "--$flag takes" err.txt; then cli=refused; else cli=taken; fi
  fi
  if [ "$key" != - ]; then
    case $key in
    calib.*) printf 'Prune:\n  calib: {%s: %s}\n' "${key#calib.}" "$value" ;;
    ratios) printf 'Prune:\n  ratios: [%s]\n' "$value" ;;
    *) printf 'Prune:\n  %s: %s\n' "$key" "$value" ;;
    esac >cfg.yml
    "$ocrslimc" m.onnx --emit ir -o out.ir --config cfg.yml 2>err.txt || true
    if grep -qF -- "Prune.$key: expected" err.txt; then cfg=refused; else cfg=taken; fi
  fi
  echo "$cli $cfg"
}
# expect FLAG KEY VALUE refused|taken
expect() {
  got=$(try "$1" "$2" "$3")
  for side in $got; do
    [ "$side" = - ] || [ "$side" = "$4" ] || fail "--$1 / Prune.$2 = $3: expected $4, got (cli config) $got"
  done
}
rows=0
"$print_table" numbers >table.txt
while read -r flag key count lo hi lo_open hi_open; do
  rows=$((rows + 1))
  if [ "$count" = 1 ]; then
    below=$((lo - 1)) above=$((hi + 1)) inside=$lo.5
  else
    below=$(awk "BEGIN { print $lo - 0.25 }") above=$(awk "BEGIN { print $hi + 0.25 }")
    inside=$(awk "BEGIN { print ($lo + $hi) / 2 }")
  fi
  if [ "$lo_open" = 1 ]; then expect "$flag" "$key" "$lo" refused; else expect "$flag" "$key" "$lo" taken; fi
  if [ "$hi_open" = 1 ]; then expect "$flag" "$key" "$hi" refused; else expect "$flag" "$key" "$hi" taken; fi
  expect "$flag" "$key" "$below" refused
  expect "$flag" "$key" "$above" refused
  expect "$flag" "$key" "${lo}x" refused
  if [ "$count" = 1 ]; then expect "$flag" "$key" "$inside" refused; else expect "$flag" "$key" "$inside" taken; fi
done <table.txt
[ $rows -gt 10 ] || fail "only $rows rows"
echo "numbers ok ($rows settings)"
