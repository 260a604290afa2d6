//! The host side of the `dailyx:agent` WIT contract, versions 0.2.0 and 0.1.0.
//!
//! This is the only crate in the host that runs `bindgen!` (as Spin keeps its bindings in one
//! `world` crate). [`host`] is the newest contract (0.2.0): the data types and the host
//! capabilities (`http`, `llm`, `repo`, `log`, `config`, `clock`), each with a `Host` trait and
//! `add_to_linker`. The host's own logic is written once, against these.
//!
//! [`v0_1`] is the 0.1.0 contract, kept so components built against it keep loading (as Zed keeps
//! one module per extension API version). Its `types` are the newest types (the records are
//! unchanged, and component-model types are structural), its capability interfaces have their
//! own generated types, converted here to and from the newest ones; the runtime implements them
//! by calling the newest implementation.
//!
//! Exports are not bound here: they are looked up by name when a component loads (0.2.0 exports
//! `dailyx:agent/<world>-api`, 0.1.0 a bare function), and called with these types, so one call
//! path serves both versions.
//!
//! All host functions are async (outbound HTTP, LLM and git run on tokio), and none can trap:
//! denials are WIT error values.

#![deny(missing_docs)]

mod v0_1_convert;

/// The newest contract's shared interfaces: types and host capabilities.
pub mod host {
    #![allow(missing_docs)]
    wasmtime::component::bindgen!({
        path: "../../wit/0.2",
        world: "host",
        imports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

pub use host::dailyx::agent::types;
pub use host::dailyx::agent::{clock, config, http, llm, log, repo};

/// The 0.1.0 contract's host interfaces, on the newest data types.
pub mod v0_1 {
    #![allow(missing_docs)]
    wasmtime::component::bindgen!({
        path: "../../wit/0.1",
        world: "host",
        imports: { default: async },
        with: { "dailyx:agent/types": crate::host::dailyx::agent::types },
    });
    pub use dailyx::agent::{clock, config, http, llm, log, repo};
}

/// Display for the agent error every stage can return.
impl std::fmt::Display for types::AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            types::AgentError::InvalidInput(m) => write!(f, "invalid input: {m}"),
            types::AgentError::CapabilityDenied(m) => write!(f, "capability denied: {m}"),
            types::AgentError::Upstream(m) => write!(f, "upstream failure: {m}"),
            types::AgentError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for types::AgentError {}

/// Display for a provider's error (never carries a credential: the guest never holds one).
impl std::fmt::Display for types::ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use types::ProviderError as E;
        match self {
            E::NotSent(m) => write!(f, "not sent: {m}"),
            E::Unknown(m) => write!(f, "outcome unknown: {m}"),
            E::RateLimited(Some(at)) => write!(f, "rate limited until {at}"),
            E::RateLimited(None) => f.write_str("rate limited"),
            E::Duplicate(m) => write!(f, "refused as a duplicate: {m}"),
            E::Unauthorized(m) => write!(f, "unauthorized: {m}"),
            E::Rejected(m) => write!(f, "rejected: {m}"),
        }
    }
}

impl std::error::Error for types::ProviderError {}
