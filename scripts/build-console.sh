#!/usr/bin/env bash
# Builds the approval console (console/) into console/dist, which the host's build embeds.
# Idempotent: installs Node.js from Debian's packages if it is missing, installs the npm packages
# with `npm ci` only when package-lock.json changed, and replaces console/dist only when the
# build's output differs (so an unchanged console does not make cargo rebuild the host).
#   --browser   also installs Debian's Chromium (and an emoji font) for the end-to-end tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/console"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_install() {
  echo "==> installing $* (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
# Vite 8 needs Node.js 20.19 or later.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "the console needs Node.js >= 20.19; this machine has $(node --version)" >&2
  exit 1
fi

if [ "${1:-}" = "--browser" ]; then
  missing=()
  for pkg in chromium fonts-noto-color-emoji; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
fi

stamp=node_modules/.dailyx-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> npm ci (console)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "==> building the console"
rm -rf .dist-next
npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn --outDir .dist-next --emptyOutDir
if [ -d dist ] && diff -rq dist .dist-next >/dev/null 2>&1; then
  rm -rf .dist-next
else
  rm -rf dist
  mv .dist-next dist
fi
