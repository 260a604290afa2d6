#!/usr/bin/env bash
# Builds the Python and JavaScript test fixtures (agents/fixtures-polyglot/*) with the pinned
# toolchains into plugins-registry/fixtures/<name>.wasm, against wit/0.2. A fixture whose sources
# and WIT have not changed since its last build is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/polyglot-toolchains.sh
tools=${DAILYX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/dailyx/tools}
out=$root/plugins-registry/fixtures
mkdir -p "$out"
for dir in agents/fixtures-polyglot/*/; do
  name=$(basename "$dir")
  stamp=$( (cat "$dir"* wit/0.2/*.wit host/cli/templates/python/wasi_fetch.py; echo "$tools") | sha256sum | cut -c1-16)
  if [ -f "$out/$name.wasm" ] && [ "$(cat "$out/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    continue
  fi
  work=$(mktemp -d)
  cp -r "$dir". "$work/"
  cp -r wit/0.2 "$work/wit"
  echo "==> building fixture $name"
  case "$name" in
    py-*)
      cp host/cli/templates/python/wasi_fetch.py "$work/"
      (cd "$work" && "$tools/python/bin/componentize-py" -d wit -w writer componentize app -o out.wasm >/dev/null) ;;
    js-*)
      (cd "$work" && "$tools/node/node_modules/.bin/jco" componentize app.js --wit wit --world-name writer -o out.wasm >/dev/null) ;;
  esac
  mv "$work/out.wasm" "$out/$name.wasm"
  echo "$stamp" > "$out/$name.stamp"
  rm -rf "$work"
done
