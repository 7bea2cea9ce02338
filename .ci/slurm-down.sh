#!/usr/bin/env bash
# Stops the daemons .ci/slurm-up.sh started (by their PID files), then munged.
BASE=${SLURM_CI_DIR:-/tmp/peftbench-slurm-ci}
pids=""
for f in "$BASE/slurmd.pid" "$BASE/slurmctld.pid" /run/munge/munged.pid; do
  if [[ -s "$f" ]] && p=$(cat "$f") && kill "$p" 2>/dev/null; then pids="$pids $p"; fi
done
for _ in $(seq 1 100); do
  alive=0
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
  [[ $alive == 0 ]] && exit 0
  sleep 0.1
done
for p in $pids; do kill -9 "$p" 2>/dev/null; done # still alive after 10 s
exit 0
