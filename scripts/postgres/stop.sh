#!/usr/bin/env bash
# Stops the PostgreSQL server that scripts/postgres/start.sh started in DIR,
# by the pid in its postmaster.pid (SIGTERM, then SIGKILL after 30 s), and
# removes DIR.   Usage: scripts/postgres/stop.sh "$ZKCC_PG_DIR"
set -euo pipefail
dir=${1:?usage: stop.sh DIR (the ZKCC_PG_DIR that start.sh printed)}
case "$dir" in
    */zkcc-pg.*) ;;
    *) echo "stop.sh: $dir is not a directory start.sh made" >&2; exit 1 ;;
esac
if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    if kill -TERM "$pid" 2>/dev/null; then
        for _ in $(seq 1 300); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
fi
rm -rf "$dir"
