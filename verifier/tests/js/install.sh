#!/usr/bin/env bash
# Installs snarkjs (pinned in package.json / package-lock.json) for the
# interop test tests/snarkjs.rs. Idempotent; node_modules is git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/snarkjs/package.json ] && grep -q '"version": "0.7.5"' node_modules/snarkjs/package.json; then
  exit 0
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
