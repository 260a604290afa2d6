#!/usr/bin/env bash
# Runs every test: builds the guest components (installing the guest toolchain if needed) and the
# console (installing Node packages and Debian's Chromium if needed), makes a local PostgreSQL
# ready (installing and starting it if needed), then the whole workspace's tests (agent logic
# natively, the runtime against real components and real servers on loopback, the store and the
# pipeline on real SQLite and real Postgres), then the console's end-to-end tests in Chromium.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
ensure_rustup_cargo

bash scripts/build-guests.sh
bash scripts/build-polyglot-fixtures.sh
# Before cargo: the host's build embeds console/dist. --browser: Debian's Chromium for the e2e.
bash scripts/build-console.sh --browser
bash scripts/postgres.sh
# The media (quote cards with Thai shaping, speech, video): fonts, espeak-ng, ffmpeg.
bash scripts/media-deps.sh
# The OCI registry the distribution tests push to and pull from (Debian's docker-registry).
bash scripts/oci-registry.sh
# Postgres tests must run, not skip: a missing server fails them loudly.
export DAILYX_TEST_POSTGRES_URL=${DAILYX_TEST_POSTGRES_URL:-postgres://dailyx:dailyx@127.0.0.1:5432/dailyx_test}
export DAILYX_EXPECT_POSTGRES=1
drop_stale_test_databases
echo "==> cargo test --workspace"
cargo test --workspace --locked
# The console end to end in a real browser, against the debug host cargo test just built.
echo "==> console end-to-end tests (Chromium + Playwright)"
export DAILYX_BIN=${CARGO_TARGET_DIR:-$root/target}/debug/dailyx
(cd console && npm run --silent test:e2e)
