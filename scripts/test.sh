#!/usr/bin/env bash
# Runs every test: builds the guest components (installing the guest toolchain if needed), then
# the whole workspace's tests (agent logic natively, the runtime against real components and real
# servers on loopback).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
ensure_rustup_cargo

bash scripts/build-guests.sh
echo "==> cargo test --workspace"
cargo test --workspace --locked
