#!/bin/sh
# Runs fuzz targets for a given time each, one after the other, and reports
# per target: executions, time, corpus size, coverage (libFuzzer's cov:
# edges and ft: features) and what it found (crashes, leaks, timeouts, out
# of memory), with the reproducers kept.
#
#   fuzz/run.sh [--build DIR] [--out DIR] [--seconds N] [--runs N] [--keep-going] [TARGET...]
#
# --build   an OCRS_FUZZ build (default build/fuzz; see fuzz/README.md)
# --out     where seeds/, corpus/<target>/ (kept and grown from run to run)
#           and found/<target>/ (reproducers) go (default BUILD/fuzz-runs)
# --seconds per target (default 60)
# --runs    stop a target earlier, after N executions (default: no limit)
# --keep-going  libFuzzer's fork mode: the run goes on after a finding, so
#           one run can turn up several (default: stop at the first)
# TARGET    onnx graph config labels image detect dbpost table, and the
#           <target>_msan ones, which share <target>'s seeds and dictionary
#           (default: every fuzz_<target> the build has)
#
# Exit status 1 when anything was found, 2 on bad usage.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$here")/build/fuzz
out= seconds=60 runs=-1 keep_going=0
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=${*:-$(for p in "$build"/fuzz/fuzz_*; do [ -f "$p" ] && [ -x "$p" ] && echo "${p##*/fuzz_}"; done)}
[ -n "$targets" ] || { echo "run.sh: no fuzz programs in $build/fuzz (an OCRS_FUZZ build, target fuzzers)" >&2; exit 2; }
out=${out:-$build/fuzz-runs}
case $seconds in ''|*[!0-9]*) echo "run.sh: --seconds takes a whole number" >&2; exit 2 ;; esac
case $runs in -1) ;; ''|*[!0-9]*) echo "run.sh: --runs takes a whole number" >&2; exit 2 ;; esac
for t in $targets; do
  [ -x "$build/fuzz/fuzz_$t" ] || { echo "run.sh: no $build/fuzz/fuzz_$t (an OCRS_FUZZ build, target fuzzers)" >&2; exit 2; }
done
mkdir -p "$out"
[ -d "$out/seeds" ] || "$here/make_seeds.sh" "$build" "$out/seeds" >/dev/null

# Leaks are findings; UBSan stops at the first report, with its stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

found_any=0
report=$(mktemp) before=$(mktemp) new=$(mktemp)
trap 'rm -f "$report" "$before" "$new"' EXIT
printf '%-11s %10s %6s %8s %8s %9s %6s %8s %7s %5s %8s %4s\n' target execs secs exec/s corpus bytes edges features crashes leaks timeouts ooms \
  >"$report"
for t in $targets; do
  base=${t%_msan} corpus=$out/corpus/$t found=$out/found/$t log=$out/$t.log
  mkdir -p "$corpus" "$found"
  set -- -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$found/"
  [ -f "$here/dict/$base.dict" ] && set -- "$@" -dict="$here/dict/$base.dict"
  [ $keep_going -eq 1 ] && set -- "$@" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
  ls "$found" >"$before"
  start=$(date +%s)
  status=0
  "$build/fuzz/fuzz_$t" "$@" "$corpus" "$out/seeds/fuzz_$base" >"$log" 2>&1 || status=$?
  secs=$(($(date +%s) - start))
  # The last status line: "#N<TAB>DONE cov: E ft: F corp: C/Bb ..." (fork
  # mode: "#N: cov: E ft: F corp: C ..."); corp counts the seeds too.
  last=$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1)
  field() { echo "$last" | sed -nE "s/.*$1 ([0-9]+).*/\\1/p"; }
  execs=$(echo "$last" | sed -nE 's/^#([0-9]+).*/\1/p')
  edges=$(field cov:) features=$(field ft:) files=$(field corp:)
  bytes=$(du -sb "$corpus" | cut -f1)
  ls "$found" | comm -13 "$before" - >"$new"
  count() { grep -c "^$1-" "$new" || true; }
  crashes=$(count crash) leaks=$(count leak) timeouts=$(count timeout) ooms=$(count oom)
  printf '%-11s %10s %6s %8s %8s %9s %6s %8s %7s %5s %8s %4s\n' "$t" "${execs:-0}" "$secs" \
    "$((${execs:-0} / (secs > 0 ? secs : 1)))" "${files:-0}" "$bytes" "${edges:-0}" "${features:-0}" \
    "$crashes" "$leaks" "$timeouts" "$ooms" >>"$report"
  if [ -s "$new" ] || [ $status -ne 0 ]; then
    found_any=1
    echo "fuzz_$t: exit status $status, reproducers in $found, log $log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error)' "$log" | sort | uniq -c | head -n 20 >&2 || true
  fi
done
cat "$report"
exit $found_any
