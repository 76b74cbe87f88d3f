#!/bin/sh
# Pruning never silently writes a dead model. fragile_det is a working
# detector whose one useful channel has the smallest L1 norm: the defaults
# (recon + lsq, checked) prune it within the bound; l1_norm removes that
# channel and the final check refuses, naming the measured loss, with
# nothing written; --force writes it and the header records the loss; a
# FLOPs target with l1_norm ends within the bound or refused, never dead.
#
#   trap.sh OCRSLIMC MKMODEL MKCARD WORKDIR
set -eu
ocrslimc=$1 mkmodel=$2 mkcard=$3 work=$4
rm -rf "$work"
mkdir -p "$work/out"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkmodel" fragile_det m.onnx
"$mkcard" card.png 320 160
printf 'card.png\t[]\n' >cards.txt
prune="--prune-vector 1 --prune-skip 0 --calib cards.txt"

"$ocrslimc" m.onnx -o out/libok.so --prune-ratio 0.5 $prune 2>ok.err || fail "defaults: $(cat ok.err)"
grep -q '(50.0% fewer), weights 0.00 -> 0.00 MB; hmean 1.0000 -> 1.0000 on 1 calibration images (relative loss 0.00%, bound 1%)' out/ok.h ||
    fail "defaults: header: $(head -6 out/ok.h)"

status=0
"$ocrslimc" m.onnx -o out/libl1.so --prune-ratio 0.5 $prune --prune-criterion l1_norm 2>l1.err || status=$?
[ $status -eq 1 ] || fail "l1_norm: status $status: $(cat l1.err)"
grep -qF 'the pruned model loses 100.00% of its hmean on the 1 calibration images (1.0000 -> 0.0000), more than the bound 1%' l1.err ||
    fail "l1_norm: $(cat l1.err)"
[ ! -e out/libl1.so ] && [ ! -e out/l1.h ] || fail "l1_norm wrote $(ls out)"

"$ocrslimc" m.onnx -o out/libforced.so --prune-ratio 0.5 $prune --prune-criterion l1_norm --force 2>forced.err ||
    fail "--force: $(cat forced.err)"
grep -q 'warning: the pruned model loses more than the bound' forced.err || fail "--force: no warning"
grep -q 'hmean 1.0000 -> 0.0000 on 1 calibration images (relative loss 100.00%, bound 1%)' out/forced.h ||
    fail "--force: header: $(head -6 out/forced.h)"

# The command with l1_norm: the sensitivity table, selection and
# joint refinement, then the check. Within the bound or refused.
status=0
"$ocrslimc" m.onnx -o out/libt.so --prune-flops-target 0.3 $prune --prune-criterion l1_norm --recovery bias \
    --jobs 2 2>t.err || status=$?
if [ $status -eq 0 ]; then
    grep -q 'relative loss 0.00%' out/t.h || fail "flops target: written with a loss: $(grep pruned out/t.h)"
else
    [ $status -eq 1 ] && grep -q 'more than the bound' t.err && [ ! -e out/libt.so ] || fail "flops target: $(cat t.err)"
fi
echo "trap ok"
