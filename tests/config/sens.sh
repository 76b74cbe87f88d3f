#!/bin/sh
# The sensitivity pipeline end to end on a small model: measurements in two
# worker processes, the table cached (a rerun measures nothing, a changed
# setting measures again), the SVG curves, and the chosen ratios applied.
# The model's weights are random, so the losses are not meaningful here.
#
#   sens.sh OCRSLIMC MKCARD MODEL.onnx WORKDIR
set -eu
ocrslimc=$1 mkcard=$2 model=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkcard" card.png 160 96
printf 'card.png\t[]\n' >labels.txt
# skip_nearest 70 leaves two groups of det_mv3_db measured.
cat >sens.yml <<'YML'
Prune:
  ratios: [0.5]
  max_loss: 0.01
  skip_nearest: 70
  jobs: 2
  recovery: none
  joint_side: 160           # the whole-model measurements at the card's size, not 960
  joint_rounds: 2
  calib: {label_file: labels.txt, side: 160}
YML
"$ocrslimc" "$model" --config sens.yml -o libs.so -v 2>run1.err || { cat run1.err; fail "first run"; }
grep -q 'sensitivity 2/2: group' run1.err || fail "expected two measurements: $(cat run1.err)"
grep -q '^base: ' libs.so.sens.yml || fail "no table"
[ "$(grep -c '<polyline' libs.so.sens.svg)" -eq 2 ] || fail "expected two curves"
grep -q 'pruned: .*fewer' run1.err || fail "no pruning report"
"$ocrslimc" "$model" --config sens.yml -o libs.so 2>run2.err || fail "second run"
grep -q 'sensitivity: cached in' run2.err && ! grep -q 'sensitivity 1/' run2.err || fail "rerun not cached: $(cat run2.err)"
"$ocrslimc" "$model" --config sens.yml -o libs.so --sens-side 128 2>run3.err || fail "third run"
grep -q 'sensitivity 2/2' run3.err || fail "a changed setting did not measure again"
# The criterion and recovery of the final pruning are measured with, so they are part of the key.
"$ocrslimc" "$model" --config sens.yml -o libs.so --sens-side 128 --prune-criterion recon --recovery lsq \
    --prune-flops-target 0.01 -v 2>run4.err || { cat run4.err; fail "recon + lsq run"; }
grep -q 'sensitivity 2/2' run4.err || fail "recon + lsq did not measure again"
grep -q 'GFLOPs  ' run4.err && grep -q 'pruned: .*fewer' run4.err || fail "no per-group report: $(cat run4.err)"
# Joint refinement: the chosen model measured whole (and each pruned group
# restored), the groups kept whole cached, a rerun measures nothing.
"$ocrslimc" "$model" --config sens.yml -o libs.so --sens-side 128 --prune-flops-target 0.01 \
    --prune-loss-bound 0.5 2>run6.err || { cat run6.err; fail "joint run"; }
grep -q 'joint round 1 1/' run6.err && grep -q 'joint round 1: .*fewer FLOPs, loss' run6.err ||
    fail "joint round not measured: $(cat run6.err)"
grep -q '^kept: \[' libs.so.sens.joint.yml || fail "no joint cache"
"$ocrslimc" "$model" --config sens.yml -o libs.so --sens-side 128 --prune-flops-target 0.01 \
    --prune-loss-bound 0.5 2>run7.err || fail "joint rerun"
grep -q 'joint refinement: cached in' run7.err && ! grep -q 'joint round' run7.err ||
    fail "joint rerun not cached: $(cat run7.err)"
for bad in "--joint-side 0" "--prune-loss-bound 1.5" "--prune-loss-bound 0" "--jobs two" "--sens-shard 0/4" \
    "--sens-shard 5/4" "--sens-shard 1/x"; do
    if "$ocrslimc" "$model" --config sens.yml -o libbad.so --prune-flops-target 0.01 $bad 2>bad.err; then
        fail "$bad accepted"
    fi
    grep -q -e "${bad%% *}" bad.err && [ ! -e libbad.so ] || fail "$bad: $(cat bad.err)"
done
# The key covers the images, not only the label file.
"$mkcard" card.png 160 128
"$ocrslimc" "$model" --config sens.yml -o libs.so --sens-side 128 2>run5.err || fail "changed image run"
grep -q 'sensitivity 2/2' run5.err || fail "a changed image did not measure again"
# Pruning without calibration images: a usage error (nothing would check
# the result), nothing written; --force with a criterion needing no images
# prunes unmeasured, and the header says so.
if "$ocrslimc" "$model" -o librecon.so --prune-ratio 0.2 2>recon.err; then fail "pruning ran without --calib"; fi
grep -q 'give --calib LABELS' recon.err && [ ! -e librecon.so ] || fail "recon without --calib: $(cat recon.err)"
if "$ocrslimc" "$model" -o librecon.so --prune-ratio 0.2 --prune-criterion l1_norm 2>l1.err; then
    fail "l1_norm ran without --calib or --force"
fi
grep -q 'cannot be checked; --force' l1.err && [ ! -e librecon.so ] || fail "l1_norm without --calib: $(cat l1.err)"
"$ocrslimc" "$model" -o libforced.so --prune-ratio 0.2 --prune-criterion l1_norm --force 2>forced.err ||
    fail "--force: $(cat forced.err)"
grep -q 'MB; not measured' forced.h || fail "header: $(head -5 forced.h)"
echo "sensitivity ok"
