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

# Runs a command as the postgres system user (root: runuser; otherwise sudo).
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

# Drops the per-test Postgres databases (dailyx_t_*) a failed earlier test run left behind.
drop_stale_test_databases() {
  local dbs
  dbs=$(cd / && as_postgres psql -qtA -c "select datname from pg_database where datname like 'dailyx\_t\_%'") || return 0
  for db in $dbs; do
    (cd / && as_postgres psql -q -c "drop database if exists \"$db\" with (force)") >/dev/null
  done
}

# Runs Debian's cargo (the guest toolchain: rustc-web with its std sources, wasm-component-ld as
# the linker, so the output is a component) with a PATH that cannot reach rustup's proxies.
deb_cargo() {
  env PATH=/usr/bin:/bin HOME="$HOME" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld \
    CARGO_TARGET_WASM32_WASIP1_LINKER=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld \
    CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-Clink-self-contained=no -L/usr/lib/wasm32-wasi" \
    /usr/bin/cargo "$@"
}
