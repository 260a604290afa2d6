#!/usr/bin/env bash
# Installs the toolchain that builds Rust guests as Wasm components on Debian 12, idempotently.
#
# rustup here has no wasm32 standard library and cannot download one, so guests are built with
# Debian's rustc-web 1.96 and its std sources (build-std), linked by Debian's wasm-component-ld,
# which emits a component directly (see docs/architecture.md, "Guest toolchain").
set -euo pipefail

packages=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing guest toolchain packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pieces the build relies on, checked so a broken install fails here with a clear message.
test -x /usr/bin/rustc && test -x /usr/bin/cargo || { echo "Debian rustc/cargo missing" >&2; exit 1; }
test -f /usr/lib/rustlib/src/rust/library/std/Cargo.toml || { echo "rust-web-src missing" >&2; exit 1; }
test -x /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld || { echo "wasm-component-ld missing (rust-web-llvm)" >&2; exit 1; }
readlink -e /usr/bin/rust-lld >/dev/null || { echo "/usr/bin/rust-lld is dangling (lld-22)" >&2; exit 1; }
[ "$(dpkg-query -W -f='${Version}' rustc-web)" = "$(dpkg-query -W -f='${Version}' rust-web-src)" ] \
  || { echo "rustc-web and rust-web-src versions differ" >&2; exit 1; }
