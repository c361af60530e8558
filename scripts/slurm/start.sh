#!/usr/bin/env bash
# Starts a one-node Slurm cluster on 127.0.0.1 for zkcc's tests, without
# systemd: munged, slurmctld and slurmd with their own config, spool, state,
# log and pid files under one directory. Installs the Debian packages first if
# they are missing (needs root and the Debian package registry).
#
#   bash scripts/slurm/start.sh [DIR]      (DIR defaults to /tmp/zkcc-slurm)
#   export SLURM_CONF=DIR/slurm.conf       (so that sbatch/squeue find it)
#   bash scripts/slurm/stop.sh [DIR]       (stops the daemons by pid)
#
# Runnable by hand. Waits until the node is idle; exits non-zero if it is not
# within 60 s, printing the daemons' logs.
set -euo pipefail
dir=${1:-/tmp/zkcc-slurm}
ctld_port=${ZKCC_SLURMCTLD_PORT:-16817}
slurmd_port=${ZKCC_SLURMD_PORT:-16818}

bash "$(dirname "$0")/install.sh"

if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
  echo "a Slurm of $dir is already running; stop it first (scripts/slurm/stop.sh $dir)" >&2
  exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"/{munge,state,spool,log}
chmod 700 "$dir" "$dir/munge"

# munge: our own key and socket, so nothing of the machine's is touched.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$dir/munge/munge.key"
sock="$dir/munge/munge.socket"
munged --force --key-file="$dir/munge/munge.key" --socket="$sock" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
  --seed-file="$dir/munge/munged.seed"

# The node as slurmd sees it (CPUs, sockets, memory), named localhost.
node=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]*/NodeName=localhost/' -e 's/ UpTime=.*//')
cat >"$dir/slurm.conf" <<CONF
ClusterName=zkcc
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
MinJobAge=3600
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=zkcc Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost

for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  if [ "$state" = idle ]; then
    echo "Slurm is up: node localhost idle ($node); export SLURM_CONF=$SLURM_CONF" >&2
    exit 0
  fi
  sleep 1
done
echo "the Slurm node did not become idle (state: ${state:-none})" >&2
tail -n 20 "$dir"/log/*.log >&2 || true
exit 1
