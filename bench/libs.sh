# Sourced by the benches that build libraries of one model (symbol prefix
# p) and compare them; needs $build (ocrslimc's build), $keep and $runs.
#
# build_lib MODEL TAG ARGS...: ocrslimc MODEL ARGS -v into $keep/lib$TAG.so
# and its log $keep/$TAG.log, once (kept from run to run).
build_lib() {
    model=$1 tag=$2
    shift 2
    [ -f "$keep/lib$tag.so" ] && [ -f "$keep/$tag.log" ] && return 0
    "$build/ocrslimc" "$model" -o "$keep/lib$tag.so" --name p -v "$@" 2>"$keep/$tag.log.tmp" ||
        { tail -5 "$keep/$tag.log.tmp" >&2; exit 1; }
    mv "$keep/$tag.log.tmp" "$keep/$tag.log"
}

# speed REF LIB DIMS THREADS prints the median over $runs rounds of REF's
# ms / LIB's ms on the same input (bench/ours), each the median of 5 runs
# after 3 warm-ups, the two alternating within a round: "1.234x (ref / lib
# ms)" of the median round.
call() {
    "$build/bench/ocrs_bench_ours" "$1" p "$2" "$3" 3 5 | awk '{ for (i = 2; $i != "rss_kb"; i++) print $i }' |
        sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
speed() {
    for _ in $(seq "$runs"); do
        echo "$(call "$1" "$3" "$4") $(call "$2" "$3" "$4")"
    done | awk '{ print $1 / $2, $1, $2 }' | sort -n | awk '{ r[NR] = $0 } END {
        split(r[int((NR + 1) / 2)], m, " "); printf "%.3fx (%.1f / %.1f ms)", m[1], m[2], m[3] }'
}
