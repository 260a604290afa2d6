//! What every host crate shares: [`Secret`], a string that never prints;
//! [`install_crypto_provider`], which every crate building an outbound HTTP client calls first;
//! and [`Vault`], which encrypts credentials stored at run time.

mod secret;
mod tls;
pub mod vault;

pub use secret::Secret;
pub use tls::install_crypto_provider;
pub use vault::{Vault, VaultError};
