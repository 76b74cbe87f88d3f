#!/bin/sh
# ocrslimc --config: PreProcess/PostProcess become the library's default
# detect options; config errors name file, line and column; flags override
# Prune settings.
#
#   config.sh OCRSLIMC PRINT_OPTIONS MODEL.onnx WORKDIR
set -eu
ocrslimc=$1 print_options=$2 model=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

# No config: PaddleOCR's defaults.
"$ocrslimc" "$model" -o libplain.so
"$print_options" ./libplain.so >plain.txt
grep -qx 'thresh=0.3' plain.txt && grep -qx 'limit_side_len=960' plain.txt || fail "defaults: $(cat plain.txt)"

cat >det.yml <<'YML'
# PaddleOCR-shaped
PreProcess:
  - DetResizeForTest:
      limit_side_len: 736
      limit_type: min
PostProcess:
  name: DBPostProcess
  thresh: 0.25
  box_thresh: 0.5
  max_candidates: 300
  unclip_ratio: 2.0
YML
"$ocrslimc" "$model" -o libcfg.so --config det.yml
"$print_options" ./libcfg.so >cfg.txt
cat cfg.txt
for kv in thresh=0.25 box_thresh=0.5 unclip_ratio=2 limit_side_len=736 limit_type=1 max_candidates=300; do
  grep -qx "$kv" cfg.txt || fail "config did not set $kv"
done

# A config error: status 2 and a message with file:line:column and the given text.
expect_error() { # NAME 'expected message' <<yaml
  cat >"$1.yml"
  status=0
  "$ocrslimc" "$model" -o "lib$1.so" --config "$1.yml" 2>"$1.err" || status=$?
  [ $status -eq 2 ] || fail "$1: status $status, expected 2"
  grep -qF -- "$2" "$1.err" || fail "$1: expected '$2', got: $(cat "$1.err")"
  [ ! -e "lib$1.so" ] || fail "$1: produced a library"
}
expect_error bad_yaml "bad_yaml.yml:3:11: invalid YAML: did not find expected ',' or ']'" <<'YML'
PostProcess:
  thresh: [0.3
box_thresh: 1
YML
expect_error unknown_key "unknown_key.yml:3:3: PostProcess: unknown key use_dilation" <<'YML'
PostProcess:
  thresh: 0.3
  use_dilation: false
YML
expect_error unknown_section "unknown_section.yml:1:1: unknown section Train" <<'YML'
Train:
  epochs: 3
YML
expect_error unknown_global "unknown_global.yml:2:3: Global: unknown key use_gpu" <<'YML'
Global:
  use_gpu: false
YML
expect_error wrong_type "wrong_type.yml:2:11: PostProcess.thresh: expected a number, not high" <<'YML'
PostProcess:
  thresh: high
YML
expect_error not_mapping "not_mapping.yml:2:10: Prune.calib: expected a mapping" <<'YML'
Prune:
  calib: [a, b]
YML
expect_error range "range.yml:2:15: PostProcess.box_thresh: 1.5 is out of range" <<'YML'
PostProcess:
  box_thresh: 1.5
YML
expect_error bad_choice "bad_choice.yml:4:19: PreProcess.DetResizeForTest.limit_type: expected one of max, min, resize_long, not long" <<'YML'
PreProcess:
  - DetResizeForTest:
      limit_side_len: 640
      limit_type: long
YML
expect_error duplicate "duplicate.yml:3:3: Prune: duplicate key ratio" <<'YML'
Prune:
  ratio: 0.1
  ratio: 0.2
YML
expect_error bad_ratio "bad_ratio.yml:2:17: Prune.ratios: expected a number in (0, 1)" <<'YML'
Prune:
  ratios: [0.1, 1.5]
YML
expect_error bad_int "bad_int.yml:2:17: Prune.skip_nearest: expected an integer in [0, 1048576]" <<'YML'
Prune:
  skip_nearest: 2.5
YML
expect_error postname "postname.yml:2:9: PostProcess.name: only DBPostProcess is supported, not EASTPostProcess" <<'YML'
PostProcess:
  name: EASTPostProcess
YML
expect_error multi_doc "multi_doc.yml:4: a second YAML document starts here; a config is one document" <<'YML'
# the second document would be ignored
PostProcess:
  thresh: 0.3
---
PostProcess:
  thresh: 0.5
YML
status=0
"$ocrslimc" "$model" -o libmissing.so --config missing.yml 2>missing.err || status=$?
[ $status -eq 2 ] && grep -qF "missing.yml: cannot read the config" missing.err || fail "missing config: status $status"

# The command line overrides the config: an empty Prune.calib label file
# would fail the compilation, --prune-ratio 0 disables pruning.
cat >prune.yml <<'YML'
Prune:
  ratio: 0.5
  recovery: bias
  calib: {label_file: nonexistent.txt}
YML
status=0
"$ocrslimc" "$model" -o libprune.so --config prune.yml 2>prune.err || status=$?
[ $status -eq 1 ] && grep -qF "nonexistent.txt: cannot read" prune.err || fail "Prune.calib not used: status $status: $(cat prune.err)"
"$ocrslimc" "$model" -o libprune.so --config prune.yml --prune-ratio 0 || fail "--prune-ratio did not override"

# Prune.skip names layers or values whose groups stay whole (unmeasured:
# no calibration images, so --force and a criterion that needs none).
printf 'Prune:\n  ratio: 0.5\n  criterion: l1_norm\n' >uniform.yml
printf 'Prune:\n  ratio: 0.5\n  criterion: l1_norm\n  skip: [conv3_expand.conv, conv4_add.y]\n' >skip.yml
printf 'Prune:\n  ratio: 0.5\n  criterion: l1_norm\n  skip: [nosuch]\n' >nosuch.yml
"$ocrslimc" "$model" --emit=ir -o uniform.ir --config uniform.yml --force -v 2>uniform.err
"$ocrslimc" "$model" --emit=ir -o skip.ir --config skip.yml --force -v 2>skip.err
u=$(grep -o 'pruned: .*' uniform.err) k=$(grep -o 'pruned: .*' skip.err)
echo "uniform $u; skipping two groups $k"
[ -n "$u" ] && [ -n "$k" ] && [ "$u" != "$k" ] || fail "Prune.skip changed nothing"
status=0
"$ocrslimc" "$model" --emit=ir -o nosuch.ir --config nosuch.yml --force 2>nosuch.err || status=$?
[ $status -eq 1 ] && grep -qF "no layer or value named 'nosuch'" nosuch.err || fail "skip nosuch: status $status: $(cat nosuch.err)"
echo "config ok"
