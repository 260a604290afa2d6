//! Host capabilities, one module each, like Spin's factors: each owns its
//! grant type (in the manifest), its policy check, its per-call state and
//! its implementation of the generated `Host` trait. Denials are WIT error
//! values recorded as capability events; nothing here traps or panics.

pub mod clock;
pub mod config;
pub mod http;
pub mod llm;
pub mod log;
pub mod repo;
mod since_v0_1;
pub mod wasi;
