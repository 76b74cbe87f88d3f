#!/bin/sh
# Pruning the OCR system, measured: the recognizer alone (the system with
# --prune-models rec) and the whole pipeline (det and rec, one FLOPs target
# for the system), each at every --targets value, with ocrslimc's defaults
# (recon, lsq, joint refinement, the 1% final check); calibration and
# selection on the odd lines of det-dev, reports on the even lines and on
# det-dev-doc, by examples/eval on the system library: recognition of the
# labelled boxes (line accuracy, 1 - NED), end-to-end F, detection hmean.
# Then the speed, pruned against unpruned, alternating in separate
# processes, the median over --runs rounds of each round's ratio:
#   - the recognizer alone at 1x3x48x320 on one thread (bench/ours on
#     standalone recognizers compiled from the same tables, --dim
#     W=16:8192:exact as the system compiles its recognizer);
#   - the pipeline per image (bench/ocr.c: mean over the report images of
#     the per-image medians), on --threads.
#
#   bench/prune_system.sh [--build DIR] [--models DIR] [--data DIR] [--keep DIR]
#       [--targets "0.1 0.2 0.3 0.4"] [--kinds "rec system"] [--jobs 2] [--runs 7] [--threads 1]
#
# Sensitivity tables and libraries are cached in --keep (build/prune-system):
# the tables are shared by every target, a library already built is kept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build/release
models=${OCRS_MODELS:-$HOME/.cache/ocrslim}
data=${OCRS_DATA:-$here/../../shared/data}
keep=$here/../build/prune-system
targets="0.1 0.2 0.3 0.4" kinds="rec system" jobs=2 runs=7 threads=1
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "bench/prune_system.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -d "$data/det-dev" ] || { echo "bench/prune_system.sh: no $data/det-dev" >&2; exit 77; }
mkdir -p "$keep"
. "$here/dev_halves.sh"
det=$models/ch_PP-OCRv4_det_infer.onnx cls=$models/ch_ppocr_mobile_v2.0_cls_infer.onnx
rec=$models/ch_PP-OCRv4_rec_infer.onnx keys=$models/ppocr_keys_v1.txt
system="--det $det --cls $cls --rec $rec --dict $keys"
calib="--calib $tmp/calib.txt --calib-root $data/det-dev --jobs $jobs"

# build TAG ARGS...: lib$TAG.so, once; the tables kept as $keep/{det,rec}.sens.yml.
build() {
    tag=$1
    shift
    for m in det rec; do
        suffix=.sens.yml
        [ $m = rec ] && suffix=.rec.sens.yml
        [ -f "$keep/$m.sens.yml" ] && cp "$keep/$m.sens.yml" "$keep/lib$tag.so$suffix"
    done
    if ! { [ -f "$keep/lib$tag.so" ] && [ -f "$keep/$tag.log" ]; }; then
        "$build/ocrslimc" -o "$keep/lib$tag.so" --name p -v "$@" 2>"$keep/$tag.log.tmp" ||
            { tail -5 "$keep/$tag.log.tmp" >&2; exit 1; }
        mv "$keep/$tag.log.tmp" "$keep/$tag.log"
    fi
    for m in det rec; do
        suffix=.sens.yml
        [ $m = rec ] && suffix=.rec.sens.yml
        [ -f "$keep/lib$tag.so$suffix" ] && mv "$keep/lib$tag.so$suffix" "$keep/$m.sens.yml"
    done
    return 0
}

# scores LIB LABELS ROOT: "acc ned F hmean" by examples/eval.
scores() {
    "$build/examples/eval" "$1" "$2" --root "$3" --threads 2 --name p --quiet 2>/dev/null | awk '
        /^precision/ { h = $6 }
        /^recognition/ { a = $10; n = $12 }
        /^end to end/ { f = $11 }
        END { printf "%s %s %s %s", a, n, f, h }'
}

build unpruned $system
rows=$keep/rows
echo "kind target | ocrslimc: pruned (det, rec) | even half: rec acc, 1-NED, e2e F, hmean | doc: the same" >"$rows"
row() { # row KIND TARGET TAG: what ocrslimc reported, then the scores
    echo "$1 $2 | $(grep -o 'pruned: .*' "$keep/$3.log" | sed 's/^pruned: //' | tr '\n' '|') \
| even $(scores "$keep/lib$3.so" "$tmp/report.txt" "$data/det-dev") \
| doc $(scores "$keep/lib$3.so" "$data/det-dev-doc/label.txt" "$data/det-dev-doc")" >>"$rows"
    tail -1 "$rows"
}
row unpruned 0 unpruned
for t in $targets; do
    for k in $kinds; do
        case $k in
        rec) build "rec-$t" $system --prune-models rec --prune-flops-target "$t" $calib --force ;;
        system) build "system-$t" $system --prune-flops-target "$t" $calib --force ;;
        esac
        row "$k" "$t" "$k-$t"
    done
done

# Speed: the recognizer alone at 1x3x48x320, standalone libraries from the same table.
recdim="--dim W=16:8192:exact --task rec --dict $keys"
"$build/ocrslimc" "$rec" -o "$keep/librecalone.so" --name p $recdim
# call_ours LIB: the median of 7 timed calls at 1x3x48x320 on one thread (bench/ours.c).
call_ours() {
    "$build/bench/ocrs_bench_ours" "$1" p 1x3x48x320 1 3 7 | awk '{ for (i = 2; $i != "rss_kb"; i++) print $i }' |
        sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
speed_rec() { # speed_rec TARGET: median ratio unpruned/pruned
    # the system's table and joint refinement of its recognizer, under the standalone library's names
    cp "$keep/rec.sens.yml" "$keep/librecalone-$1.so.sens.yml"
    [ ! -f "$keep/librec-$1.so.rec.sens.joint.yml" ] || cp "$keep/librec-$1.so.rec.sens.joint.yml" "$keep/librecalone-$1.so.sens.joint.yml"
    [ -f "$keep/librecalone-$1.so" ] || "$build/ocrslimc" "$rec" -o "$keep/librecalone-$1.so" --name p $recdim \
        --prune-flops-target "$1" $calib --force 2>"$keep/rec-alone-$1.log"
    for r in $(seq "$runs"); do
        a=$(call_ours "$keep/librecalone.so") b=$(call_ours "$keep/librecalone-$1.so")
        echo "$a $b"
    done | awk '{ print $1 / $2, $1, $2 }' | sort -n | awk '{ r[NR] = $0 } END {
        split(r[int((NR + 1) / 2)], m, " ");
        printf "speed-up %.3fx (median of %d rounds of unpruned/pruned; that round %.2f / %.2f ms)", m[1], NR, m[2], m[3] }'
}
# speed_system TAG: per-image pipeline time, pruned against unpruned.
speed_system() {
    for r in $(seq "$runs"); do
        for l in unpruned "$1"; do
            # ocrs_bench_ocr takes the symbol prefix from the file name: libp.so
            mkdir -p "$tmp/$l" && ln -sf "$keep/lib$l.so" "$tmp/$l/libp.so"
            "$build/bench/ocrs_bench_ocr" "$tmp/$l/libp.so" "$tmp/report.txt" "$data/det-dev" "$threads" 2 "$tmp/$l.jsonl"
            # round 1 of each image (round 0 warms up)
            printf '%s ' "$(awk -F'"total": ' '/"round": 1/ { split($2, a, /[,}]/); s += a[1]; n++ } END { print s / n }' \
                "$tmp/$l.jsonl")"
        done
        echo
    done | awk '{ print $1 / $2, $1, $2 }' | sort -n | awk '{ r[NR] = $0 } END {
        split(r[int((NR + 1) / 2)], m, " ");
        printf "speed-up %.3fx (median of %d rounds of unpruned/pruned per image; that round %.1f / %.1f ms)", m[1], NR, m[2], m[3] }'
}
for t in $targets; do
    case " $kinds " in *" rec "*) echo "rec $t: 1x3x48x320, 1 thread: $(speed_rec "$t")" | tee -a "$rows" ;; esac
    case " $kinds " in *" system "*) echo "system $t: det-dev even half, $threads thread(s): $(speed_system "system-$t")" | tee -a "$rows" ;; esac
done
