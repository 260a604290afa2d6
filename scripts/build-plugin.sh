#!/usr/bin/env bash
# Builds one component crate (e.g. one made by `dailyx plugins new`) with the project's guest
# toolchain, and writes <name>.wasm and <name>.wasm.sha256 into the crate's folder.
#
#   bash scripts/build-plugin.sh <crate dir>
#
# The crate builds for wasm32-unknown-unknown with std from Debian's sources (build-std); the
# output is already a component. DAILYX_GUEST_TARGET_DIR (default <crate>/target) may point at a
# shared target folder so std is built once for several crates.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
crate=$(cd "${1:?usage: build-plugin.sh <crate dir>}" && pwd)
[ -f "$crate/Cargo.toml" ] || { echo "$crate has no Cargo.toml" >&2; exit 1; }

bash "$root/scripts/guest-toolchain.sh"
source "$root/scripts/lib.sh"

name=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["package"]["name"])' "$crate/Cargo.toml")
target_dir=${DAILYX_GUEST_TARGET_DIR:-$crate/target}
(cd "$crate" && deb_cargo build --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort \
  --target-dir "$target_dir")

built="$target_dir/wasm32-unknown-unknown/release/${name//-/_}.wasm"
magic=$(head -c 8 "$built" | od -An -tx1 | tr -d ' \n')
[ "$magic" = "0061736d0d000100" ] || { echo "$built is not a component (magic $magic)" >&2; exit 1; }
cp "$built" "$crate/$name.wasm.tmp"
sha256sum "$crate/$name.wasm.tmp" | cut -d' ' -f1 > "$crate/$name.wasm.sha256"
mv "$crate/$name.wasm.tmp" "$crate/$name.wasm"
echo "built $crate/$name.wasm ($(stat -c %s "$crate/$name.wasm") bytes, sha256:$(cut -c1-16 "$crate/$name.wasm.sha256"))"
