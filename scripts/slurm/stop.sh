#!/usr/bin/env bash
# Stops the daemons that scripts/slurm/start.sh started, by their pid files.
#   bash scripts/slurm/stop.sh [DIR]      (DIR defaults to /tmp/zkcc-slurm)
set -uo pipefail
dir=${1:-/tmp/zkcc-slurm}
for p in slurmd slurmctld munge/munged; do
  f="$dir/$p.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    echo "stopped $(basename "$p") ($pid)" >&2
  fi
  rm -f "$f"
done
