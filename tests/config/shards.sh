#!/bin/sh
# A sensitivity table measured in 4 shards run through GNU parallel equals
# the single-process table byte for byte, whether the normal run merges the
# shards' files or `ocrslimc sens-merge` does; a missing, repeated or
# foreign shard is an error naming it, and nothing is written then.
#
#   shards.sh OCRSLIMC MKCARD MODEL.onnx WORKDIR
set -eu
ocrslimc=$1 mkcard=$2 model=$3 work=$4
command -v parallel >/dev/null 2>&1 || { echo "SKIP: GNU parallel is not installed (scripts/setup.sh)"; exit 77; }
rm -rf "$work"
mkdir -p "$work/single" "$work/sharded" "$work/missing" "$work/foreign"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkcard" card.png 160 96
printf 'card.png\t[]\n' >labels.txt
# skip_nearest 70 leaves two groups of det_mv3_db measured: 6 measurements.
cat >sens.yml <<'YML'
Prune:
  ratios: [0.3, 0.5, 0.7]
  max_loss: 0.01
  skip_nearest: 70
  loss_bound: 0.5
  joint_side: 160
  calib: {label_file: labels.txt, side: 160}
YML
run() { "$ocrslimc" "$model" --config sens.yml --sens-side 128 "$@"; }

run -o single/libs.so 2>single.err || { cat single.err; fail "single run"; }
grep -q 'sensitivity 6/6' single.err || fail "expected 6 measurements: $(cat single.err)"

parallel --halt now,fail=1 "$ocrslimc" "$model" --config sens.yml --sens-side 128 -o sharded/libs.so \
    --sens-shard {}/4 2>shards.err ::: 1 2 3 4 || { cat shards.err; fail "parallel shards"; }
[ "$(ls sharded | grep -c '^libs.so.sens.shard-[1-4]-of-4.yml$')" -eq 4 ] || fail "shard files: $(ls sharded)"
[ ! -e sharded/libs.so ] && [ ! -e sharded/libs.so.sens.yml ] || fail "a shard run wrote more than its share: $(ls sharded)"
grep -q '^# ocrslimc sensitivity table, shard 2 of 4$' sharded/libs.so.sens.shard-2-of-4.yml || fail "shard header"

"$ocrslimc" sens-merge -o merged.yml sharded/libs.so.sens.shard-*-of-4.yml 2>merge.err || fail "sens-merge: $(cat merge.err)"
cmp single/libs.so.sens.yml merged.yml || fail "sens-merge differs from the single-process table"
run -o sharded/libs.so 2>merged.err || { cat merged.err; fail "run merging the shards"; }
grep -q 'merged 4 shards' merged.err && ! grep -q 'sensitivity 1/' merged.err || fail "not merged: $(cat merged.err)"
cmp single/libs.so.sens.yml sharded/libs.so.sens.yml || fail "the merged table differs from the single-process one"
cmp single/libs.so sharded/libs.so || fail "the libraries differ"

# A missing shard: named, nothing written.
cp sharded/libs.so.sens.shard-1-of-4.yml sharded/libs.so.sens.shard-2-of-4.yml sharded/libs.so.sens.shard-4-of-4.yml missing/
status=0
run -o missing/libs.so 2>missing.err || status=$?
[ $status -eq 1 ] && grep -qF 'shard 3 of 4 is missing: no missing/libs.so.sens.shard-3-of-4.yml' missing.err &&
    [ ! -e missing/libs.so ] || fail "missing shard: status $status: $(cat missing.err)"
status=0
"$ocrslimc" sens-merge -o m.yml missing/libs.so.sens.shard-*-of-4.yml 2>m.err || status=$?
[ $status -eq 1 ] && grep -qF 'shard 3 of 4 is missing' m.err && [ ! -e m.yml ] || fail "sens-merge missing: $(cat m.err)"
status=0
"$ocrslimc" sens-merge -o m.yml sharded/libs.so.sens.shard-1-of-4.yml sharded/libs.so.sens.shard-1-of-4.yml \
    2>twice.err || status=$?
[ $status -eq 1 ] && grep -qF 'shard 1 of 4 a second time' twice.err || fail "a repeated shard: $(cat twice.err)"

# A shard of another table (another sens_side): named, nothing written.
cp sharded/libs.so.sens.shard-*-of-4.yml foreign/
run -o foreign/other.so --sens-side 96 --sens-shard 3/4 2>other.err || fail "other shard: $(cat other.err)"
mv foreign/other.so.sens.shard-3-of-4.yml foreign/libs.so.sens.shard-3-of-4.yml
status=0
run -o foreign/libs.so 2>foreign.err || status=$?
[ $status -eq 1 ] && grep -qF 'foreign/libs.so.sens.shard-3-of-4.yml: measured for another table' foreign.err &&
    [ ! -e foreign/libs.so ] || fail "foreign shard: status $status: $(cat foreign.err)"
status=0
"$ocrslimc" sens-merge -o m.yml foreign/libs.so.sens.shard-*-of-4.yml 2>fm.err || status=$?
[ $status -eq 1 ] && grep -qF 'shard 3 of 4 of another table' fm.err || fail "sens-merge foreign: $(cat fm.err)"
echo "shards ok"
