//! The host side of the `dailyx:agent@0.1.0` WIT contract.
//!
//! This is the only crate in the host that runs `bindgen!` (as Spin keeps
//! its bindings in one `world` crate). [`host`] holds the shared interfaces:
//! the data types and the host capabilities (`http`, `llm`, `repo`, `log`,
//! `config`, `clock`), each with a `Host` trait and `add_to_linker`. Each
//! stage world (`collector`, ..., `persona`, `provider`) maps those interfaces onto
//! [`host`] with `with:`, so one set of types and one linker serve every
//! component, and only the stage's export is generated per world.
//!
//! All host functions are async (outbound HTTP, LLM and git run on tokio),
//! and none can trap: denials are WIT error values.

#![deny(missing_docs)]

/// The shared interfaces: types and host capabilities.
pub mod host {
    #![allow(missing_docs)]
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "host",
        imports: { default: async },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

pub use host::dailyx::agent::types;
pub use host::dailyx::agent::{clock, config, http, llm, log, repo};

/// Generates the bindings of one stage world, mapped onto [`host`].
macro_rules! stage_world {
    ($module:ident, $world:tt, $doc:literal) => {
        #[doc = $doc]
        pub mod $module {
            #![allow(missing_docs)]
            wasmtime::component::bindgen!({
                path: "../../wit",
                world: $world,
                imports: { default: async },
                exports: { default: async },
                with: { "dailyx:agent": crate::host::dailyx::agent },
            });
        }
    };
}

stage_world!(
    collector,
    "collector",
    "Bindings of the `collector` world (`collect`)."
);
stage_world!(
    curator,
    "curator",
    "Bindings of the `curator` world (`curate`)."
);
stage_world!(style, "style", "Bindings of the `style` world (`style`).");
stage_world!(
    thread_planner,
    "thread-planner",
    "Bindings of the `thread-planner` world (`plan`)."
);
stage_world!(
    writer,
    "writer",
    "Bindings of the `writer` world (`write`)."
);
stage_world!(
    critic,
    "critic",
    "Bindings of the `critic` world (`critique`)."
);
stage_world!(
    policy,
    "policy",
    "Bindings of the `policy` world (`check`)."
);
stage_world!(
    notifier,
    "notifier",
    "Bindings of the `notifier` world (`compose`)."
);
stage_world!(
    provider,
    "provider",
    "Bindings of the `provider` world (`publish`, `recent`)."
);
stage_world!(
    persona,
    "persona",
    "Bindings of the `persona` world (`profile`)."
);

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
