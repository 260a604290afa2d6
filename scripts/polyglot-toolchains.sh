#!/usr/bin/env bash
# Installs the Python and JavaScript component toolchains, pinned, idempotently, into
# ${DAILYX_TOOLS:-~/.cache/dailyx/tools}, where `dailyx plugins build` looks for them:
#   python/  a venv with componentize-py (PyPI)
#   node/    jco + componentize-js (npm), from scripts/toolchains/js/package-lock.json
# A second run with the same versions does nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${DAILYX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/dailyx/tools}
componentize_py=0.25.1
mkdir -p "$tools"

if ! "$tools/python/bin/componentize-py" --version 2>/dev/null | grep -qx "componentize-py $componentize_py"; then
  echo "==> installing componentize-py $componentize_py into $tools/python"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
  fi
  rm -rf "$tools/python"
  python3 -m venv "$tools/python"
  "$tools/python/bin/pip" install -q --disable-pip-version-check "componentize-py==$componentize_py"
fi

lock=$root/scripts/toolchains/js/package-lock.json
if ! cmp -s "$lock" "$tools/node/package-lock.json" || [ ! -x "$tools/node/node_modules/.bin/jco" ]; then
  echo "==> installing jco and componentize-js into $tools/node"
  command -v npm >/dev/null || { echo "npm is required (Debian: apt-get install nodejs npm)" >&2; exit 1; }
  rm -rf "$tools/node" && mkdir -p "$tools/node"
  cp "$root/scripts/toolchains/js/package.json" "$lock" "$tools/node/"
  (cd "$tools/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
