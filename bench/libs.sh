# Sourced by the benches that compare two libraries of one model (symbol
# prefix p) with bench/ours on the same input. speed REF LIB DIMS THREADS
# prints the median over $runs rounds of REF's ms / LIB's ms, each the
# median of 5 runs after 3 warm-ups, the two alternating within a round:
# "1.234x (ref / lib ms)" of the median round. Needs $build and $runs.
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
