#!/usr/bin/env bash
# The main job on embedded defaults: builds the guests and the host, validates every component in
# plugins-registry/, and runs the collector over this repository's own history.
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
echo "==> dailyx plugins list"
"$dailyx" plugins list
echo "==> dailyx agent call collector (this repository's last 7 days)"
"$dailyx" agent call collector
