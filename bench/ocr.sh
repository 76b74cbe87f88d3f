#!/bin/sh
# The whole OCR system per image, ours against the reference pipeline on
# ONNX Runtime (scripts/ref/ref_ocr.py: the same stages in Python with cv2,
# the models in onnxruntime-node 1.30.0), same images, same threads.
#
#   bench/ocr.sh [--build DIR] [--models DIR] [--threads "1 2"] [--alternations N]
#                [--rounds N] [--images N] LABEL.txt [ROOT]
#
# For each thread count, our library (DIR/bench/ocrs_bench_ocr) and the
# reference run in turn, N alternations (default 3) each reading every image
# ROUNDS + 1 times in a row (default 2 + 1; the first, a warm-up, is
# dropped). Prints per stage the mean over the images of each image's
# median: det pre/model/post, crops, cls, rec; and the total with ours/ORT.
# The reference's model stages are ORT's session.run times inside node, its
# other stages Python's (cv2, numpy, pyclipper); the hand-over of tensors
# between the two processes is in no stage. Needs Debian's python3-opencv,
# python3-pyclipper, python3-shapely, node, and the dev images (LABEL.txt).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
models="" threads="1 2" alternations=3 rounds=2 images=0
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --alternations) alternations=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    -*) echo "bench/ocr.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: bench/ocr.sh [options] LABEL.txt [ROOT]" >&2; exit 2; }
label=$1 root=${2:-$(dirname "$1")}
[ -n "$models" ] || models=$(dirname "$("$here/../scripts/fetch_model.sh")")
if [ -z "${ORT_NODE_DIR:-}" ]; then
    ORT_NODE_DIR=$("$here/../scripts/fetch_ort.sh")
    export ORT_NODE_DIR
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/ocrslimc" --det "$models/ch_PP-OCRv4_det_infer.onnx" --cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" \
    --rec "$models/ch_PP-OCRv4_rec_infer.onnx" --dict "$models/ppocr_keys_v1.txt" -o "$tmp/libocr.so"
if [ "$images" -gt 0 ]; then head -n "$images" "$label" >"$tmp/label.txt"; else cp "$label" "$tmp/label.txt"; fi
echo "ours: compiled by $build/ocrslimc; ORT: scripts/ref/ref_ocr.py with onnxruntime-node; models from $models"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "$(wc -l <"$tmp/label.txt") images of $label; $alternations alternations x $rounds rounds per side"
for t in $threads; do
    : >"$tmp/ours.jsonl"
    : >"$tmp/ort.jsonl"
    a=0
    while [ $a -lt "$alternations" ]; do
        "$build/bench/ocrs_bench_ocr" "$tmp/libocr.so" "$tmp/label.txt" "$root" "$t" $((rounds + 1)) "$tmp/o.jsonl"
        cat "$tmp/o.jsonl" >>"$tmp/ours.jsonl"
        /usr/bin/python3 "$here/../scripts/ref/ref_ocr.py" system --det "$models/ch_PP-OCRv4_det_infer.onnx" \
            --cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --rec "$models/ch_PP-OCRv4_rec_infer.onnx" \
            --dict "$models/ppocr_keys_v1.txt" --root "$root" --threads "$t" --time $((rounds + 1)) \
            --times "$tmp/r.jsonl" "$tmp/label.txt" "$tmp/ref.txt"
        cat "$tmp/r.jsonl" >>"$tmp/ort.jsonl"
        a=$((a + 1))
    done
    echo
    echo "$t thread(s):"
    /usr/bin/python3 - "$tmp/ours.jsonl" "$tmp/ort.jsonl" <<'PY'
import json, statistics, sys
stages = ['det_pre', 'det_model', 'det_post', 'crop', 'cls_pre', 'cls_model', 'cls_post',
          'rec_pre', 'rec_model', 'rec_post', 'total']
def per_image(path):
    runs = {}
    for line in open(path):
        r = json.loads(line)
        if r['round'] > 0:
            runs.setdefault(r['image'], []).append(r)
    return {s: statistics.mean(statistics.median(r[s] for r in rs) for rs in runs.values()) for s in stages}, len(runs)
ours, n = per_image(sys.argv[1])
ort, m = per_image(sys.argv[2])
assert n == m, (n, m)
print('| stage | ours ms | ORT ms | ours/ORT |')
print('|---|---|---|---|')
for s in stages:
    ratio = f'{ours[s] / ort[s]:.2f}' if ort[s] > 0.05 else ''
    name = f'**{s}**' if s == 'total' else s
    print(f'| {name} | {ours[s]:.1f} | {ort[s]:.1f} | {ratio} |')
PY
done
