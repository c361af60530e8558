#!/usr/bin/env bash
# Installs what the agency service's tests need from Debian's packages, if
# missing: a PostgreSQL server (scripts/postgres/start.sh runs it) and
# Chromium (the officers' page test drives it headless).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
ls -d /usr/lib/postgresql/*/bin >/dev/null
chromium --version
