#!/usr/bin/env bash
# Installs Slurm and munge from Debian's packages if they are missing (needs
# root or sudo, and the Debian package registry). scripts/slurm/start.sh runs
# it; .ci/test runs it beside the build.
set -euo pipefail
need=()
command -v munged >/dev/null || need+=(munge)
command -v slurmctld >/dev/null || need+=(slurmctld)
command -v slurmd >/dev/null || need+=(slurmd)
command -v sbatch >/dev/null || need+=(slurm-client)
if ((${#need[@]})); then
  echo "installing ${need[*]} from Debian's packages" >&2
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "installing Slurm needs root or sudo" >&2; exit 1; }
    sudo=(sudo -n)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

