#!/bin/sh
# examples/eval on label files it cannot score: no images at all is an
# error, and so is a region with more points than it holds (it kept the
# first 64 and scored another shape); errors name the file and line.
#
#   eval.sh EVAL MKCARD LIB.so WORKDIR
set -eu
eval=$1 mkcard=$2 lib=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$mkcard" card.png 160 96

# refused LABELS 'expected message'
refused() {
  status=0
  "$eval" "$lib" "$1" 2>err.txt || status=$?
  [ $status -eq 1 ] || fail "$1: status $status, expected 1: $(cat err.txt)"
  grep -qF -- "$2" err.txt || fail "$1: expected '$2', got: $(cat err.txt)"
}
# A region of N points on a circle, as PaddleOCR writes curved text.
region() {
  awk -v n="$1" 'BEGIN { printf "[{\"transcription\": \"t\", \"points\": ["
    for (i = 0; i < n; i++)
      printf "%s[%.2f, %.2f]", i ? ", " : "", 80 + 30 * cos(6.2832 * i / n), 48 + 30 * sin(6.2832 * i / n)
    printf "]}]" }'
}
: >empty.txt
printf '\n \n' >blank.txt
{ echo; printf 'card.png\t%s\n' "$(region 65)"; } >long.txt
printf 'card.png\t%s\n' "$(region 64)" >ok.txt
refused empty.txt "eval: empty.txt: no images"
refused blank.txt "eval: blank.txt: no images"
refused long.txt "eval: long.txt:2: region 1 has more than 64 points"
"$eval" "$lib" ok.txt >ok.out 2>ok.err || fail "64 points: $(cat ok.err)"
grep -q '^images 1  gt 1 ' ok.out || fail "64 points: $(cat ok.out)"
echo "eval ok"
