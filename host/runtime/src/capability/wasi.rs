//! WASI for third-party components, linked with nothing granted.
//!
//! Components built by standard toolchains (wasm32-wasip1/p2) import WASI
//! even when they never use it. They load, and find an empty world: no
//! preopened directories, no environment, no arguments, no sockets or name
//! lookups, stdin empty and stdout/stderr discarded. Clocks and random
//! numbers work (they grant no authority). `wasi:http` requests go through the
//! component's `http` grant ([`super::http::wasi_http`]).

use super::http::HttpState;
use super::http::wasi_http::GrantedHttp;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView};

/// WASI objects (streams, pollables, ...) one call may hold at once: each is host memory,
/// and a guest can ask for a new one in a loop. A WASI guest holds a few dozen.
pub const MAX_RESOURCES_PER_CALL: usize = 1_000;

/// Per-call WASI state: an empty context and its resource table.
pub struct WasiState {
    ctx: WasiCtx,
    table: ResourceTable,
    http_ctx: WasiHttpCtx,
    http_hooks: GrantedHttp,
}

impl WasiState {
    /// A context that grants nothing but what `http` (the call's own `http` state) allows.
    pub fn sealed(http: HttpState) -> Self {
        let mut builder = WasiCtx::builder();
        builder
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stdout(wasmtime_wasi::p2::pipe::SinkOutputStream)
            .stderr(wasmtime_wasi::p2::pipe::SinkOutputStream);
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES_PER_CALL);
        WasiState {
            ctx: builder.build(),
            table,
            http_ctx: WasiHttpCtx::new(),
            http_hooks: GrantedHttp::new(http),
        }
    }

    /// The wasi:http view: the same resource table, and hooks that send through the grant.
    pub fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http_ctx,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

impl WasiView for WasiState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}
