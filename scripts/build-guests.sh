#!/usr/bin/env bash
# Builds every guest component (agents, personas and test fixtures) and writes each `.wasm` and
# its sha256 into plugins-registry/ (fixtures into plugins-registry/fixtures/).
#
# All guests are members of one cargo workspace, so std is built once per target. Components
# named in plugins-registry/registry.toml are built for wasm32-unknown-unknown and import only
# the host's interfaces; fixtures may ask for wasm32-wasip1 in [package.metadata.dailyx].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/guest-toolchain.sh

target_dir=${DAILYX_GUEST_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/guests}
registry=$root/plugins-registry
mkdir -p "$registry/fixtures"

# name<TAB>package<TAB>target<TAB>output, from the manifest and the fixtures' Cargo.toml files.
plan=$(python3 - <<'PY'
import tomllib, pathlib
root = pathlib.Path(".")
manifest = tomllib.loads((root / "plugins-registry/registry.toml").read_text())
def package(src):
    cargo = tomllib.loads((root / src / "Cargo.toml").read_text())
    meta = cargo["package"].get("metadata", {}).get("dailyx", {})
    return cargo["package"]["name"], meta.get("target", "wasm32-unknown-unknown")
for c in manifest.get("component", []):
    pkg, target = package(c["source"])
    print(f'{c["name"]}\t{pkg}\t{target}\tplugins-registry/{c["name"]}.wasm')
for d in sorted((root / "agents/fixtures").iterdir()):
    if (d / "Cargo.toml").exists():
        pkg, target = package(d)
        print(f'{d.name}\t{pkg}\t{target}\tplugins-registry/fixtures/{d.name}.wasm')
PY
)

source scripts/lib.sh

targets=$(cut -f3 <<<"$plan" | sort -u)
n_targets=$(wc -l <<<"$targets")
i=0
for target in $targets; do
  i=$((i + 1))
  pkgs=$(awk -F'\t' -v t="$target" '$3 == t { printf " -p %s", $2 }' <<<"$plan")
  count=$(awk -F'\t' -v t="$target" '$3 == t' <<<"$plan" | wc -l)
  echo "==> [$i/$n_targets] building $count guest(s) for $target"
  # shellcheck disable=SC2086
  deb_cargo build --profile guest --target "$target" -Zbuild-std=std,panic_abort \
    --target-dir "$target_dir" $pkgs
done

echo "==> writing components, digests and signatures"
# Stage every component first, with its digest; sign the staged bytes (the signature covers the
# digest and the manifest entry, grants and limits included) with the local build key, created on
# the first build; then rename each component into place. A running host's watcher so never sees
# a half-written file, and finds the new digest and signature already there when a component lands.
staged=()
while IFS=$'\t' read -r name pkg target out; do
  built="$target_dir/$target/guest/${pkg//-/_}.wasm"
  magic=$(head -c 8 "$built" | od -An -tx1 | tr -d ' \n')
  [ "$magic" = "0061736d0d000100" ] || { echo "$built is not a component (magic $magic)" >&2; exit 1; }
  tmp="$out.tmp.$$"
  cp "$built" "$tmp"
  digest=$(sha256sum "$tmp" | cut -d' ' -f1)
  echo "$digest" > "$out.sha256.tmp.$$" && mv "$out.sha256.tmp.$$" "$out.sha256"
  # Fixtures are not in the manifest: the tests sign them under their own entries and keys.
  case "$out" in plugins-registry/fixtures/*) ;; *) staged+=("$name=$tmp") ;; esac
done <<<"$plan"

signing_key=${DAILYX_SIGNING_KEY:-$root/keys/local-build.key}
ensure_rustup_cargo
cargo run --quiet --locked -p dailyx-signing --bin dailyx-sign -- "$signing_key" "$registry" "${staged[@]}"

while IFS=$'\t' read -r name pkg target out; do
  mv "$out.tmp.$$" "$out"
  printf '    %-16s %8s bytes  sha256:%s\n' "$name" "$(stat -c %s "$out")" "$(cut -c1-16 "$out.sha256")"
done <<<"$plan"
