//! Publishing through provider components: Mastodon, Bluesky, a Facebook Page, Instagram, a
//! signed webhook (and X, when X is published through its component).
//!
//! - [`catalog`]: the networks this host knows, their credentials and thread style.
//! - [`credentials`]: the host-held credentials, attached to provider requests at the last
//!   moment (bearer tokens, OAuth 1.0a signatures, AT Protocol sessions, webhook HMACs).
//! - [`dispatcher`]: exactly-once delivery per provider and position, with a circuit breaker
//!   per provider, retries with backoff and jitter, simulation, and rolling 24-hour budgets.

pub mod catalog;
pub mod credentials;
pub mod dispatcher;
pub mod x_component;

pub use catalog::{PROVIDERS, ProviderKind, ThreadStyle};
pub use credentials::{ProviderCredentials, webhook_signature};
pub use dispatcher::{
    DeliveryOutcome, DispatchError, DispatchEvent, DispatchSettings, Dispatcher, MediaSource,
    ProviderConfig,
};
pub use x_component::ComponentX;
