//! What every host crate shares: [`Secret`], a string that never prints;
//! [`install_crypto_provider`], which every crate building an outbound HTTP client calls first;
//! [`Vault`], which encrypts credentials stored at run time; [`BoundSecret`], a write-only
//! secret tied to where it may be sent; and [`key_file`], where the host keeps the keys only it
//! holds.

mod bound;
pub mod key_file;
mod secret;
mod tls;
pub mod vault;

pub use bound::{BoundSecret, Misdirected, http_destination, smtp_destination};
pub use secret::Secret;
pub use tls::install_crypto_provider;
pub use vault::{Vault, VaultError};
