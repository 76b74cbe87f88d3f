#!/bin/sh
# Makes the golden tests' images (cards.txt) in DIR with mkcard, and
# DIR/cards.label listing them (no labels), as the tests and
# scripts/make_ocr_goldens.sh both need.
#
#   cards.sh MKCARD DIR
set -eu
mkcard=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
: >"$dir/cards.label"
grep -v '^#' "$here/cards.txt" | while read -r name w h rest; do
    case $rest in
    *--text*) opts=${rest%%--text*} text=${rest#*--text } ;;
    *) opts=$rest text= ;;
    esac
    # shellcheck disable=SC2086 # the options split into words, the text not
    if [ -n "$text" ]; then "$mkcard" "$dir/$name" "$w" "$h" $opts --text "$text"
    else "$mkcard" "$dir/$name" "$w" "$h" $opts; fi
    printf '%s\t[]\n' "$name" >>"$dir/cards.label"
done
