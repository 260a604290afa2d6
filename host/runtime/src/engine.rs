//! The one wasmtime `Engine`, its epoch ticker, and compiled components
//! cached on disk by digest.
//!
//! - Cranelift only (Winch is not compiled in), no async component model
//!   (WASI p3 is not compiled in).
//! - Pooling allocator with copy-on-write memory images: a fresh instance
//!   per call is cheap, so no state survives from one call to the next.
//! - Epoch interruption: a thread ticks every [`EPOCH_TICK`]; each store's
//!   deadline callback yields to tokio on each tick and traps once the call's
//!   wall-clock budget is spent, so an infinite loop cannot hold a thread.
//! - Fuel is always metered; a component without a fuel limit gets an
//!   effectively unbounded tank.
//! - Compiled components are cached on disk by [`crate::compile_cache`].

use crate::manifest::MAX_MEMORY_BYTES;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, Strategy,
};

/// Epoch tick period: the granularity of wall-clock deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Core instances one call's component may have. A Rust guest linked by `wit-component` has
/// three (its module, the shim and the fixup module of its imports' indirection table), a
/// `wasm32-wasip1` guest a fourth (the WASI adapter); 16 leaves room for other toolchains'
/// adapters and shims. Checked when a component is compiled: one with more does not load.
pub const MAX_CORE_INSTANCES_PER_CALL: u32 = 16;
/// Linear memories one call's component may define. Every shipped component has one (the
/// WASI adapter uses its module's); a second leaves room for an adapter with its own.
pub const MAX_MEMORIES_PER_CALL: u32 = 2;
/// Tables one call's component may define. The shipped components have two (the module's
/// function table and the shim's).
pub const MAX_TABLES_PER_CALL: u32 = 8;
/// Elements one table may have (the pool reserves this much for every table slot). The
/// shipped components' largest table has about 300.
pub const MAX_TABLE_ELEMENTS: usize = 20_000;

/// Engine sizing.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Most component instances alive at once (concurrent calls).
    pub max_instances: u32,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { max_instances: 256 }
    }
}

/// Builds the engine.
pub fn build_engine(options: EngineOptions) -> wasmtime::Result<Engine> {
    let n = options.max_instances.max(1);
    let mut pool = PoolingAllocationConfig::default();
    // One call may hold at most the per-call maxima, and the pool has room for `n` calls that
    // all hold them: no call can take the slots another call needs, however it is built.
    pool.total_component_instances(n)
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_CALL)
        .max_memories_per_component(MAX_MEMORIES_PER_CALL)
        .max_tables_per_component(MAX_TABLES_PER_CALL)
        .total_core_instances(n.saturating_mul(MAX_CORE_INSTANCES_PER_CALL))
        .total_memories(n.saturating_mul(MAX_MEMORIES_PER_CALL))
        .total_tables(n.saturating_mul(MAX_TABLES_PER_CALL))
        .table_elements(MAX_TABLE_ELEMENTS)
        .total_stacks(n)
        .max_memory_size(MAX_MEMORY_BYTES as usize);
    // `linear_memory_keep_resident` (memset instead of madvise on reuse) was
    // measured and made a fresh call slower: 1 MiB of memset costs more than
    // the madvise of the few pages a call touches. See the runtime benchmark.
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(true)
        .memory_init_cow(true)
        .max_wasm_stack(1 << 20)
        // Explicit, as calls rely on it: a trap's error carries the guest's backtrace, which
        // tells a host call's failure from one after the guest's code returned (runtime.rs).
        .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(20))
        .async_stack_size(2 << 20)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Starts the thread that advances the engine's epoch every [`EPOCH_TICK`].
/// It stops when the returned guard is dropped.
pub fn start_epoch_ticker(engine: &Engine) -> EpochTicker {
    let stop = Arc::new(AtomicBool::new(false));
    let engine = engine.clone();
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("dailyx-epoch".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the epoch ticker; deadlines will not fire");
    }
    EpochTicker { stop }
}

/// Stops the epoch ticker on drop.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `sha256:<hex>` of bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}
