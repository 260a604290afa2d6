//! The sandboxed component host of Daily X Agent.
//!
//! Every agent, persona and (later) publishing provider is a WebAssembly
//! component implementing one world of the `dailyx:agent` WIT contract. This
//! crate loads them from the plugins directory as its manifest describes,
//! runs each call in a fresh, limited instance, and gives components exactly
//! the capabilities their manifest entries grant (see [`capability`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use dailyx_runtime::{Runtime, RuntimeConfig, StageInput};
//! let runtime = Runtime::start(RuntimeConfig::new("plugins-registry")).await?;
//! let record = runtime.call("dev-advocate", StageInput::Profile).await;
//! println!("{:?}", record.result);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod call;
pub mod capability;
pub mod compile_cache;
pub mod engine;
pub mod eval;
pub mod events;
pub mod install;
pub mod manifest;
pub mod producers;
pub mod registry;
mod reload;
pub mod review;
pub mod runtime;
pub mod runtime_config;
pub mod secret;
pub mod trust;
pub use dailyx_common::install_crypto_provider;
pub mod watch;
pub mod world;

pub use call::{StageInput, StageOutput};
pub use dailyx_world::types;
pub use eval::{EvalReport, GoldenSet};
pub use events::{CapabilityEvent, ComponentId, Outcome};
pub use install::{InstallError, VersionSnapshot};
pub use manifest::{Manifest, ManifestEntry};
pub use registry::{LoadProblem, Registry};
pub use reload::ConfirmError;
pub use review::{Change, Confirmation, Direction, PendingUpgrade};
pub use runtime::{
    ActivatedVersion, CallError, CallRecord, ComponentSummary, LastReload, ReloadReport,
    RollbackError, Runtime, StartError,
};
pub use runtime_config::RuntimeConfig;
pub use trust::{Signer, TrustPolicy, TrustedKey};
pub use world::{CONTRACT_VERSION, ContractVersion, Stage};
