//! What every host crate shares: [`Secret`], a string that never prints;
//! [`install_crypto_provider`], which every crate building an outbound HTTP client calls first;
//! [`Vault`], which encrypts credentials stored at run time; and [`key_file`], where the host
//! keeps the keys only it holds.

pub mod key_file;
mod secret;
mod tls;
pub mod vault;

pub use secret::Secret;
pub use tls::install_crypto_provider;
pub use vault::{Vault, VaultError};
