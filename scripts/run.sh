#!/usr/bin/env bash
# The main job on embedded defaults (SQLite in ./data, dry-run publishing, no keys): builds the
# guests and the host, validates every component, and runs the whole pipeline once over this
# repository's own history, printing the draft a reviewer would approve.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
ensure_rustup_cargo

bash scripts/build-guests.sh
echo "==> building the host"
cargo build --locked --release -p dailyx
dailyx=${CARGO_TARGET_DIR:-$root/target}/release/dailyx

echo "==> dailyx plugins check"
"$dailyx" plugins check
echo "==> dailyx migrate"
"$dailyx" migrate
echo "==> dailyx run (collector → curator → style → planner → writer → critic → policy → notifier)"
"$dailyx" run
echo "==> dailyx runs list"
"$dailyx" runs list --limit 5
