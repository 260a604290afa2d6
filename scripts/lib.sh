# Shared helpers for the project scripts (sourced, not run).

# The host is built with rustup's stable toolchain. Debian's cargo (installed for the guests) lives
# in /usr/bin; make sure rustup's comes first whatever the caller's PATH looks like.
ensure_rustup_cargo() {
  if [ -d "$HOME/.cargo/bin" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v rustup >/dev/null 2>&1; then
    echo "rustup is required for the host build (https://rustup.rs)" >&2
    exit 1
  fi
  rustup toolchain list | grep -q '^stable' || rustup toolchain install stable --profile minimal
}
