//! What every host crate shares: [`Secret`], a string that never prints, and
//! [`install_crypto_provider`], which every crate building an outbound HTTP client calls first.

mod secret;
mod tls;

pub use secret::Secret;
pub use tls::install_crypto_provider;
