#!/usr/bin/env bash
# Runs every test: builds the guest components (installing the guest toolchain if needed), makes a
# local PostgreSQL ready (installing and starting it if needed), then the whole workspace's tests
# (agent logic natively, the runtime against real components and real servers on loopback, the
# store and the pipeline on real SQLite and real Postgres).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
ensure_rustup_cargo

bash scripts/build-guests.sh
bash scripts/postgres.sh
# Postgres tests must run, not skip: a missing server fails them loudly.
export DAILYX_TEST_POSTGRES_URL=${DAILYX_TEST_POSTGRES_URL:-postgres://dailyx:dailyx@127.0.0.1:5432/dailyx_test}
export DAILYX_EXPECT_POSTGRES=1
drop_stale_test_databases
echo "==> cargo test --workspace"
cargo test --workspace --locked
