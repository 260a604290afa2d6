#!/usr/bin/env bash
# The main job on embedded defaults (SQLite in ./data, dry-run publishing, no keys): builds the
# guests, the console and the host, validates every component, then starts the server. On its
# first start the server creates the admin (password from DAILYX_ADMIN_PASSWORD, or generated and
# printed once), runs the pipeline over this repository's own history and prints the URL to
# review the draft at (the console, at /).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
ensure_rustup_cargo

bash scripts/build-guests.sh
# Before the host: its build embeds the console.
bash scripts/build-console.sh
# The media (quote cards with Thai shaping, speech, video): fonts, espeak-ng, ffmpeg.
bash scripts/media-deps.sh
echo "==> building the host"
cargo build --locked --release -p dailyx
dailyx=${CARGO_TARGET_DIR:-$root/target}/release/dailyx

echo "==> dailyx plugins check"
"$dailyx" plugins check
echo "==> dailyx migrate"
"$dailyx" migrate
echo "==> dailyx serve (Ctrl-C stops it; the first run drafts from this repository's history)"
exec "$dailyx" serve "$@"
