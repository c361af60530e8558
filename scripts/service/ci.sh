#!/usr/bin/env bash
# CI for the agency's service (zkcc-agency): installs PostgreSQL and Chromium
# (apt), starts a PostgreSQL server on 127.0.0.1, runs the crate's tests on
# SQLite and PostgreSQL with the PostgreSQL, Chromium and load tests
# required, and stops the server by pid on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/service/install.sh
eval "$(bash scripts/postgres/start.sh)"
trap 'bash scripts/postgres/stop.sh "$ZKCC_PG_DIR"' EXIT
# The load test spawns the real `zkcc agency serve`.
# The release profile, as .ci/test builds it.
cargo build --release -p zkcc-prover --bin zkcc
export ZKCC_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/zkcc"
export ZKCC_REQUIRE_PG=1 ZKCC_REQUIRE_CHROMIUM=1 ZKCC_REQUIRE_BIN=1
cargo test --release -p zkcc-agency --test all -- --nocapture
