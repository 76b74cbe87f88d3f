#!/usr/bin/env bash
# A sensitivity table spread over "machines" with the engines people run:
# the single-process table, then the same table in N shards
# (ocrslimc --sens-shard K/N) run by GNU parallel and by a Slurm array job,
# each merged with `ocrslimc sens-merge` and compared byte for byte with
# the single-process one. The Slurm part starts a single-node cluster on
# this machine (slurmctld, slurmd, munged from Debian's slurm-wlm) in a
# private folder, and is skipped (exit 77 at the end) when it cannot start.
#
#   bench/sens_shards.sh [--shards 4] [--out DIR] [--ocrslimc PATH] [--jobs J] \
#       -- MODEL.onnx --prune-flops-target 0.3 --calib LABELS --calib-root DIR [ocrslimc flags]
#
# Every shard runs with --jobs J (1); the single-process run with J * N, so
# all three use the same processes. Timings go to OUT/times.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shards=4 out=$here/bench-out/shards ocrslimc=$here/build/release/ocrslimc jobs=1
while [ $# -gt 0 ]; do
  case $1 in
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ocrslimc) ocrslimc=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--shards N] [--out DIR] [--ocrslimc PATH] [--jobs J] -- MODEL.onnx [ocrslimc flags]" >&2
       exit 2 ;;
  esac
done
[ $# -ge 1 ] || { echo "$0: no model (after --)" >&2; exit 2; }
args=("$@")
command -v parallel >/dev/null || { echo "$0: GNU parallel is not installed (apt-get install parallel)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out/single" "$out/parallel" "$out/slurm"
out=$(cd "$out" && pwd)
table=libs.so.sens.yml
: >"$out/times.txt"
timed() { # timed LABEL command...
  local t0 t1
  t0=$(date +%s.%N)
  "${@:2}"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v l="$1" 'BEGIN { printf "%-40s %8.1f s\n", l, b - a }' | tee -a "$out/times.txt"
}
shard_files() { ls "$1"/libs.so.sens.shard-*-of-"$shards".yml; }

echo "== single process (--jobs $((jobs * shards)))"
timed "single process" "$ocrslimc" "${args[@]}" -o "$out/single/libs.so" --jobs $((jobs * shards)) \
  2>"$out/single/log.txt"

echo "== $shards shards through GNU parallel"
timed "GNU parallel, $shards shards" parallel --halt now,fail=1 "$ocrslimc" "${args[@]@Q}" -o "$out/parallel/libs.so" \
  --jobs "$jobs" --sens-shard {}/"$shards" 2>"$out/parallel/log.txt" ::: $(seq "$shards")
"$ocrslimc" sens-merge -o "$out/parallel/$table" $(shard_files "$out/parallel")
cmp "$out/single/$table" "$out/parallel/$table"
echo "parallel: the merged table equals the single-process table byte for byte" | tee -a "$out/times.txt"

echo "== $shards shards as a Slurm array job (a single-node cluster on this machine)"
slurm=$out/slurm/cluster
stop_slurm() {
  for d in slurmd slurmctld; do
    [ -f "$slurm/$d.pid" ] && kill "$(cat "$slurm/$d.pid")" 2>/dev/null || true
  done
}
start_slurm() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null || return 1
  mkdir -p "$slurm/state" "$slurm/spool"
  local host
  host=$(hostname -s)
  cat >"$slurm/slurm.conf" <<EOF
ClusterName=ocrslim
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
StateSaveLocation=$slurm/state
SlurmdSpoolDir=$slurm/spool
SlurmctldPidFile=$slurm/slurmctld.pid
SlurmdPidFile=$slurm/slurmd.pid
SlurmctldLogFile=$slurm/slurmctld.log
SlurmdLogFile=$slurm/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$(id -un)
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=shards Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$slurm/slurm.conf
  # munged runs as its own user; Debian's package made the key.
  if ! munge -n >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || return 1
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged || return 1
  fi
  slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || return 1
  for _ in $(seq 30); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && return 0
    sleep 1
  done
  return 1
}
trap stop_slurm EXIT
if ! start_slurm; then
  echo "SKIP: Slurm could not start here (see $slurm/*.log)" | tee -a "$out/times.txt"
  exit 77
fi
job=$out/slurm/shard.sh
{
  echo '#!/bin/sh'
  printf 'exec %q' "$ocrslimc"
  printf ' %q' "${args[@]}" -o "$out/slurm/libs.so" --jobs "$jobs"
  printf ' --sens-shard "$SLURM_ARRAY_TASK_ID"/%d\n' "$shards"
} >"$job"
timed "Slurm array, $shards shards" sbatch --wait --array=1-"$shards" --cpus-per-task="$jobs" \
  --output="$out/slurm/shard-%a.log" "$job"
"$ocrslimc" sens-merge -o "$out/slurm/$table" $(shard_files "$out/slurm")
cmp "$out/single/$table" "$out/slurm/$table"
echo "slurm: the merged table equals the single-process table byte for byte" | tee -a "$out/times.txt"
