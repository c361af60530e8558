#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for tests: initdb into a new temporary
# directory, listen on 127.0.0.1 on a free port (no other interface), trust
# authentication for user `postgres` (loopback only, a test server). Run as
# root, the server runs as `nobody` in a directory it owns.
#
# Prints shell assignments to eval:
#   eval "$(scripts/postgres/start.sh)"
#   ... ZKCC_PG_URL=postgres://postgres@127.0.0.1:PORT/postgres ...
#   scripts/postgres/stop.sh "$ZKCC_PG_DIR"      # stops it by pid, removes the directory
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "start.sh: no PostgreSQL server installed (run scripts/service/install.sh)" >&2
    exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/zkcc-pg.XXXXXX")
as=()
if [ "$(id -u)" = 0 ]; then
    chown nobody "$dir"
    as=(runuser -u nobody --)
fi

# A free port: nothing answers on it.
port=""
for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
        port=$p
        break
    fi
done
[ -n "$port" ] || { echo "start.sh: no free port found" >&2; exit 1; }

"${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" \
    start >"$dir/pg_ctl.log" 2>&1 || {
    cat "$dir/pg_ctl.log" "$dir/server.log" >&2
    exit 1
}
pid=$(head -n 1 "$dir/data/postmaster.pid")
echo "ZKCC_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "ZKCC_PG_DIR=$dir"
echo "ZKCC_PG_PID=$pid"
echo "export ZKCC_PG_URL ZKCC_PG_DIR ZKCC_PG_PID"
