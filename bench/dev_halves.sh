# Sourced by the pruning benches: a temporary folder $tmp (removed on exit)
# holding the odd label lines of det-dev (calib.txt, for calibration) and the
# even ones (report.txt), or the other way round with calib_half=even;
# hmean LIB LABELS ROOT prints eval's hmean of a library named p. Needs
# $build and $data.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
calib_mod=1
[ "${calib_half:-odd}" = even ] && calib_mod=0
awk -v c=$calib_mod 'NR % 2 == c' "$data/det-dev/label.txt" > "$tmp/calib.txt"
awk -v c=$calib_mod 'NR % 2 != c' "$data/det-dev/label.txt" > "$tmp/report.txt"
hmean() { "$build/examples/eval" "$1" "$2" --root "$3" --threads 1 --name p --quiet 2>&1 | sed -n 's/.*hmean \([0-9.]*\).*/\1/p'; }
