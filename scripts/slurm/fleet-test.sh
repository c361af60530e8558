#!/usr/bin/env bash
# The one-node Slurm test of a large-fleet run, end to end:
#   1. starts Slurm (scripts/slurm/start.sh) and stops it again on exit, by pid;
#   2. a sample importer: registry, shipments, the agency's ledger and request,
#      signed chunk attestations, development keys for the two circuits;
#   3. `zkcc shard plan`, then `zkcc slurm submit`: one array task per shard and
#      a request job after it (afterok), with one task killed midway (SIGKILL,
#      test hook ZKCC_FAULT_KILL_ONCE) that must be retried in place;
#   4. waits (`zkcc slurm status --wait`), checks that Slurm ran every task
#      (scontrol: COMPLETED, logs written by the tasks), that the killed task
#      was retried, and that the agency's `zkcc verify` accepts the submission;
#   5. submits again: every bundle verifies, so only the request job runs.
#
#   bash scripts/slurm/fleet-test.sh            (4 shards: CI)
#   CHIPS=960 REQUEST=request-16x2 bash scripts/slurm/fleet-test.sh   (16 shards)
#   CHIPS=4000 REQUEST=request-64x2 LOOSE_CAPS=1 bash scripts/slurm/fleet-test.sh   (63 shards)
#
# Environment: ZKCC (the zkcc binary; default: builds the release one), CHIPS
# (200), CHUNK (32), SHARD (shard-2x32), REQUEST (request-4x2), WORK (a temp
# dir), SLURM_DIR (WORK/slurm), KILL (1: kill one task midway), LOOSE_CAPS
# (1: lift the sample rules' chip and TPP caps, for samples of thousands of chips).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
CHIPS=${CHIPS:-200}
CHUNK=${CHUNK:-32}
SHARD=${SHARD:-shard-2x32}
REQUEST=${REQUEST:-request-4x2}
KILL=${KILL:-1}
WORK=${WORK:-$(mktemp -d /tmp/zkcc-fleet.XXXXXX)}
SLURM_DIR=${SLURM_DIR:-$WORK/slurm}
if [ -z "${ZKCC:-}" ]; then
  (cd "$root" && cargo build --release -q -p zkcc-prover --bin zkcc)
  ZKCC=$root/target/release/zkcc
fi
fail() {
  echo "fleet-test: FAILED: $*" >&2
  exit 1
}
t() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

trap 'bash "$root/scripts/slurm/stop.sh" "$SLURM_DIR"' EXIT
bash "$root/scripts/slurm/start.sh" "$SLURM_DIR"
export SLURM_CONF=$SLURM_DIR/slurm.conf

cd "$WORK"
z() { "$ZKCC" "$@"; }
z sample --out w --chips "$CHIPS" --chunk "$CHUNK" >/dev/null
epoch=$(python3 -c "import json;print(json.load(open('w/inventory.json'))['epoch'])")
importer=$(python3 -c "import json;print(json.load(open('w/inventory.json'))['importer'])")
digest=$(z agency ledger --registry w/registry.json --shipments w/shipments.json \
  --importer "$importer" --out w/ledger.json | awk '{print $NF}')
if [ "${LOOSE_CAPS:-0}" = 1 ]; then
  # Large samples outgrow the sample rules' per-facility caps (400 chips).
  python3 - w/rules.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.update(facility_cap_chips=1 << 30, facility_cap_tpp=1 << 50, total_cap_chips=1 << 30, total_cap_tpp=1 << 50)
json.dump(r, open(sys.argv[1], "w"))
PY
fi
z agency request --registry w/registry.json --importer "$importer" --epoch "$epoch" --rules w/rules.json --out w/request.json >/dev/null
for k in w/auditors/*.key.json; do
  # A sample auditor may have no chunk at this size.
  out=$(z auditor attest --key "$k" --registry w/registry.json --inventory w/inventory.json 2>&1) ||
    grep -q "no attestation names" <<<"$out" || fail "auditor attest: $out"
done
z setup --circuit "$SHARD" --out keys 2>/dev/null
z setup --circuit "$REQUEST" --out keys 2>/dev/null

z shard plan --registry w/registry.json --inventory w/inventory.json --circuit "$SHARD" \
  --ledger-digest "$digest" --out plan
shards=$(python3 -c "import json;print(len(json.load(open('plan/manifest.json'))['shards']))")

[ "$KILL" = 1 ] && export ZKCC_FAULT_KILL_ONCE=$WORK/killed
t0=$(t)
z slurm submit --plan plan --keys keys --registry w/registry.json --request w/request.json \
  --request-circuit "$REQUEST" --out submission.json --cpus 1
jobs=plan/slurm/jobs.json
array=$(python3 -c "import json;print(json.load(open('$jobs'))['array'])")
request_job=$(python3 -c "import json;print(json.load(open('$jobs'))['request'])")
z slurm status --plan plan --registry w/registry.json --wait --timeout 1800
t1=$(t)
unset ZKCC_FAULT_KILL_ONCE

# Slurm ran every task and the request job, to completion.
for s in $(seq 0 $((shards - 1))); do
  state=$(scontrol show job "${array}_$s" 2>/dev/null | grep -o 'JobState=[A-Z]*' | head -n 1 || true)
  [ "$state" = JobState=COMPLETED ] || fail "array task ${array}_$s: ${state:-not known to Slurm}"
  [ -s "plan/slurm/logs/shard-$s.out" ] || fail "no log of array task $s"
  grep -q "shard $s: proved" "plan/slurm/logs/shard-$s.out" || fail "task $s did not prove its shard"
done
scontrol show job "$request_job" | grep -q 'JobState=COMPLETED' || fail "request job $request_job did not complete"
# The request job ran after the array (afterok): it started no earlier than
# the last task ended (ISO timestamps compare as strings).
field() { scontrol show job "$1" | grep -o "$2=[^ ]*" | head -n 1 | cut -d= -f2; }
last_end=$(for s in $(seq 0 $((shards - 1))); do field "${array}_$s" EndTime; done | sort | tail -n 1)
req_start=$(field "$request_job" StartTime)
[[ ! "$req_start" < "$last_end" ]] || fail "request job started at $req_start, before the array ended ($last_end)"
if [ "$KILL" = 1 ]; then
  [ -f "$WORK/killed" ] || fail "the fault hook never fired"
  grep -l "attempt 1 of 3 failed" plan/slurm/logs/shard-*.out >/dev/null || fail "the killed task was not retried"
  echo "fleet-test: a task killed midway was retried: $(grep -l 'attempt 1 of 3 failed' plan/slurm/logs/shard-*.out)"
fi

# The agency verifies.
tv=$(t)
z verify --keys keys --shard-circuit "$SHARD" --request-circuit "$REQUEST" \
  --registry w/registry.json --ledger w/ledger.json --request w/request.json submission.json
t2=$(t)

# Submitting again proves nothing twice: only the request job runs.
out=$(z slurm submit --plan plan --keys keys --registry w/registry.json --request w/request.json \
  --request-circuit "$REQUEST" --out submission2.json --cpus 1)
echo "$out"
grep -q "already verifies" <<<"$out" || fail "re-submission proved shards again"
z slurm status --plan plan --registry w/registry.json --wait --timeout 600 >/dev/null
z verify --keys keys --shard-circuit "$SHARD" --request-circuit "$REQUEST" \
  --registry w/registry.json --ledger w/ledger.json --request w/request.json submission2.json >/dev/null

echo "fleet-test: OK: $CHIPS chips, $shards shards of $SHARD through Slurm (array $array, request job $request_job): $(secs "$t0" "$t1") s from submit to submission, verified in $(secs "$tv" "$t2") s (whole zkcc verify)"
