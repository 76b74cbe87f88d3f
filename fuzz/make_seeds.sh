#!/bin/sh
# Writes the seed corpora of the fuzz targets, one folder per target, from
# the project's own test inputs (nothing binary is committed):
#   fuzz_onnx    every mkmodel recipe but det_mv3_db (3.8 MB: slow to run;
#                the small recipes hold every op and attribute form), the
#                bad ones included; external_ok as ext.onnx, whose ext.bin
#                fuzz_onnx provides; the valid ones also as ocrslimc
#                --emit onnx writes them
#   fuzz_config  the YAML of tests/config/*.sh and of the README
#   fuzz_labels  the first lines of ../shared/data/*/label.txt when present,
#                and hand-written lines (don't-care marks, odd polygons)
#   fuzz_table   hand-written sensitivity tables: a whole one, and shards
#                (form feeds between the files) that merge and that clash
#   fuzz_image, fuzz_detect, fuzz_dbpost, fuzz_graph   mkseeds (PNG, JPEG,
#                a text card, model-building programs)
#
#   fuzz/make_seeds.sh BUILD_DIR OUT_DIR
# BUILD_DIR holds ocrslimc, tests/tools/mkmodel and fuzz/mkseeds (a plain
# or an OCRS_FUZZ build). OUT_DIR is replaced.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 2; }
build=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mkmodel=$build/tests/tools/mkmodel
rm -rf "$out"
mkdir -p "$out/fuzz_onnx" "$out/fuzz_config" "$out/fuzz_labels" "$out/fuzz_table"

# ---- models
"$mkmodel" --list | while read -r recipe _; do
  case $recipe in
    det_mv3_db) ;;
    external_ok) "$mkmodel" external_ok "$out/fuzz_onnx/ext.onnx" ;;
    *) "$mkmodel" "$recipe" "$out/fuzz_onnx/$recipe.onnx" ;;
  esac
done
# the valid ones canonicalised and written back (fused epilogues expanded,
# Clip bounds and Resize scales as inputs): more forms to mutate
for f in "$out"/fuzz_onnx/*.onnx; do
  case $f in */bad_*) continue ;; esac
  "$build/ocrslimc" "$f" --emit onnx -o "${f%.onnx}.emitted.onnx"
done
# side files (external data, symlinks) are not inputs
find "$out/fuzz_onnx" ! -name '*.onnx' ! -type d -exec rm -f {} +

# ---- configs: every <<'YML' here-document, and the README's yaml blocks
n=0
for f in "$root"/tests/config/*.sh; do
  n=$((n + 1))
  awk -v dir="$out/fuzz_config" -v pre="$n" '
    /<<'\''YML'\''$/ { k++; file = sprintf("%s/test%s_%02d.yml", dir, pre, k); inside = 1; next }
    inside && /^YML$/ { inside = 0; close(file); next }
    inside { print > file }' "$f"
done
awk -v dir="$out/fuzz_config" '
  /^```yaml$/ { k++; file = sprintf("%s/readme_%02d.yml", dir, k); inside = 1; next }
  inside && /^```$/ { inside = 0; close(file); next }
  inside { print > file }' "$root/README.md"

# ---- label lines
for f in "$root"/../shared/data/*/label.txt; do
  [ -f "$f" ] || continue
  set=$(basename "$(dirname "$f")")
  head -n 2 "$f" >"$out/fuzz_labels/$set.txt"
done
printf '%s\t%s\n' \
  'a.jpg' '[{"transcription": "###", "points": [[0, 0], [10, 0], [10, 10], [0, 10]]}, {"transcription": "TEXT", "points": [[2, 2], [12, 2], [12, 12], [2, 12]]}]' \
  'b.jpg' '[{"transcription": "*", "points": [[0, 0], [5, 5], [0, 10]]}, {"points": [[1.5, 2e1], [3, -4]], "illegibility": false, "extra": {"a": [1, null, true]}}]' \
  'c.jpg' '[{"transcription": "bowtie \"quoted\" \\u00e9", "points": [[0, 0], [10, 10], [10, 0], [0, 10]]}]' \
  'd.jpg' '[]' >"$out/fuzz_labels/handmade.txt"
printf 'no tab on this line\n\n\t[]\r\n' >"$out/fuzz_labels/odd_lines.txt"

# ---- sensitivity tables (driver/sens_table.c's format)
key=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
table_head() { printf '# ocrslimc sensitivity table%s\nkey: %s\nbase: 0.982500\nratios: [0.1, 0.2, 0.3]\ngroups:\n' "$1" "$key"; }
{ table_head ''; printf '  - {group: 0, loss: [0.000000, -0.001200, 0.031000]}\n  - {group: 1, loss: [.nan, .nan, .nan]}\n'; } \
  >"$out/fuzz_table/whole.yml"
{ table_head ', shard 1 of 2'; printf '  - {group: 0, loss: [0.000000, ~, 0.031000]}\n  - {group: 1, loss: [~, 0.2, ~]}\n\f'
  table_head ', shard 2 of 2'; printf '  - {group: 0, loss: [~, -0.001200, ~]}\n  - {group: 1, loss: [.nan, ~, 0.5]}\n'; } \
  >"$out/fuzz_table/shards.yml"
{ table_head ', shard 1 of 3'; printf '  - {group: 0, loss: [0.0, 1.0, ~]}\n\f'
  table_head ', shard 3 of 3'; printf '  - {group: 0, loss: [~, 2.0, 3.0]}\n\f'
  table_head ', shard 1 of 3'; printf '  - {group: 0, loss: [~, ~, ~]}\n'; } >"$out/fuzz_table/clash.yml"

# ---- images, detect and post-processing inputs
"$build/fuzz/mkseeds" "$out"
for d in "$out"/*; do
  echo "$(basename "$d"): $(find "$d" -type f | wc -l) seeds"
done
