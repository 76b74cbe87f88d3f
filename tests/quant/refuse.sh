#!/bin/sh
# Mixed precision, and int8 never silently writes a dead model.
# fragile_det (a small working detector, two convs) all int8 (7-bit
# weights, whatever the host's default) loses 2.4% of its hmean: ocrslimc
# measures each conv quantized alone, finds that conv2 carries the loss,
# keeps it in float and writes the model with conv1 int8, within the
# bound; the same run again takes the losses from the cache. With its
# activations clipped at their 60th percentile it finds nothing, whatever
# is kept in float: refused, naming the loss, nothing written but the
# cache; --force writes the best it found and says so. A config's Quant
# section says the same as the flags.
#
#   refuse.sh OCRSLIMC MKMODEL MKCARD WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 mkcard=$3 work=$4
rm -rf "$work"
mkdir -p "$work/out"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" fragile_det m.onnx
"$mkcard" card.png 320 160
printf 'card.png\t[]\n' >cards.txt

"$ocrslimc" m.onnx -o out/libok.so --quantize int8 --quant-weight-bits 7 --calib cards.txt 2>ok.err || fail "int8: $(cat ok.err)"
grep -q 'int8 check 1/1: round 0 loss +0.0244' ok.err || fail "all int8: $(cat ok.err)"
grep -q 'int8 sensitivity, most sensitive first: conv2 +0.0244 conv1 +0.0000' ok.err || fail "sensitivity: $(cat ok.err)"
grep -q 'int8: 1 of 2 convs (.*; hmean 1.0000 -> 1.0000 (relative loss 0.00%, bound 0.5%)' out/ok.h ||
    fail "int8: header: $(head -6 out/ok.h)"
# The per-conv losses are cached beside the output: the same run again
# reads them and writes the same library; another setting measures again.
cp out/ok.h ok1.h
"$ocrslimc" m.onnx -o out/libok.so --quantize int8 --quant-weight-bits 7 --calib cards.txt 2>again.err || fail "again: $(cat again.err)"
grep -q 'int8 sensitivity: cached in out/libok.so.sens.int8.yml' again.err || fail "again, not cached: $(cat again.err)"
! grep -q 'int8 sensitivity [0-9]' again.err || fail "again, measured: $(cat again.err)"
cmp -s ok1.h out/ok.h || fail "again: another header: $(diff ok1.h out/ok.h)"
"$ocrslimc" m.onnx -o out/libok.so --quantize int8 --quant-weight-bits 8 --calib cards.txt 2>other.err ||
    fail "8-bit weights: $(cat other.err)"
grep -q 'int8 sensitivity 2/2' other.err && ! grep -q 'cached' other.err || fail "8-bit weights, cached: $(cat other.err)"

bad="--quantize int8 --quant-calib percentile --quant-percentile 60 --calib cards.txt --jobs 2"
status=0
# shellcheck disable=SC2086 # the flag list splits into words
"$ocrslimc" m.onnx -o out/libbad.so $bad 2>bad.err || status=$?
[ $status -eq 1 ] || fail "clipped: status $status: $(tail -3 bad.err)"
grep -q 'int8 sensitivity, most sensitive first' bad.err || fail "clipped: no sensitivity: $(cat bad.err)"
grep -q 'int8 with the 1 most sensitive convs in float' bad.err || fail "clipped: no float convs tried: $(cat bad.err)"
grep -q 'the int8 model loses .* of its hmean on the 1 calibration samples .* even with the most sensitive convs in float' bad.err ||
    fail "clipped: $(tail -3 bad.err)"
# (the per-conv losses stay cached, for the next try)
[ -z "$(ls out | grep bad | grep -v '^libbad.so.sens.int8.yml$')" ] || fail "refused, but wrote $(ls out)"

# The same from a config's Quant section; a wrong value names its line.
printf 'Quant:\n  type: int8\n  calib: minmax\n  fp32: [conv2]\nPrune:\n  calib: {label_file: cards.txt}\n' >q.yml
"$ocrslimc" m.onnx -o out/libcfg.so --config q.yml 2>cfg.err || fail "Quant config: $(cat cfg.err)"
grep -q 'int8: 1 of 2 convs (weights per output channel, activations uint8 per tensor, minmax calibration' out/cfg.h ||
    fail "Quant config: header: $(head -6 out/cfg.h)"
printf 'Quant:\n  type: int4\n' >bad.yml
status=0
"$ocrslimc" m.onnx -o out/libcfgbad.so --config bad.yml 2>cfgbad.err || status=$?
[ $status -eq 2 ] && grep -q 'bad.yml:2:.*Quant.type: expected one of int8, not int4' cfgbad.err || fail "Quant.type int4: $status $(cat cfgbad.err)"
printf 'Quant:\n  type: int8\n  equalize: maybe\n' >eq.yml
status=0
"$ocrslimc" m.onnx -o out/libeq.so --config eq.yml 2>eq.err || status=$?
[ $status -eq 2 ] && grep -q 'eq.yml:3:.*Quant.equalize: expected one of false, true' eq.err || fail "Quant.equalize maybe: $status $(cat eq.err)"
printf 'Quant:\n  type: int8\n  weight_bits: 9\n' >bits.yml
status=0
"$ocrslimc" m.onnx -o out/libbits.so --config bits.yml 2>bits.err || status=$?
[ $status -eq 2 ] && grep -q 'bits.yml:3:.*Quant.weight_bits: expected 7 or 8' bits.err || fail "weight_bits 9: $status $(cat bits.err)"
status=0
"$ocrslimc" m.onnx -o out/libbits.so --quantize int8 --quant-weight-bits 6 --calib cards.txt 2>bits.err || status=$?
[ $status -eq 2 ] && grep -q -- "--quant-weight-bits takes 7 or 8, not '6'" bits.err || fail "--quant-weight-bits 6: $status $(cat bits.err)"

# shellcheck disable=SC2086
"$ocrslimc" m.onnx -o out/libforced.so $bad --force 2>forced.err || fail "--force: $(tail -3 forced.err)"
grep -q 'warning: the int8 model loses more than the bound' forced.err || fail "--force: no warning"
grep -q 'int8: .* (relative loss [1-9][0-9.]*%, bound 0.5%)' out/forced.h || fail "--force: header: $(head -6 out/forced.h)"
echo "int8 refusals ok"
