# Sourced by the pruning benches: a temporary folder $tmp (removed on exit)
# holding the odd label lines of det-dev (calib.txt, for calibration) and the
# even ones (report.txt); hmean LIB LABELS ROOT prints eval's hmean; ms LIB
# prints the median 640x640 one-thread forward time of a library named p.
# Needs $build and $data.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk 'NR % 2 == 1' "$data/det-dev/label.txt" > "$tmp/calib.txt"
awk 'NR % 2 == 0' "$data/det-dev/label.txt" > "$tmp/report.txt"
hmean() { "$build/examples/eval" "$1" "$2" --root "$3" --threads 1 --quiet 2>&1 | sed -n 's/.*hmean \([0-9.]*\).*/\1/p'; }
ms() {
    "$build/bench/ocrs_bench_ours" "$1" p 640 640 1 2 7 \
        | awk '{for (i = 2; $i != "rss_kb"; i++) print $i}' | sort -n | awk '{t[NR] = $1} END {print t[int((NR + 1) / 2)]}'
}
