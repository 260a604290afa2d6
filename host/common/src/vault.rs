//! Encryption at rest for credentials set at run time (XChaCha20-Poly1305).
//!
//! The master key comes from `DAILYX_MASTER_KEY` (32 bytes, base64) or from a key file that is
//! created with mode 0600 on first use. Every sealed value is bound to its name (the AEAD's
//! associated data), so a ciphertext copied to another row does not open. Hosts sharing one
//! database must share the master key (the variable, or the same file).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::path::Path;

use crate::Secret;
use crate::key_file::KeyFileError;

/// The environment variable holding the master key (base64 of 32 bytes).
pub const MASTER_KEY_ENV: &str = "DAILYX_MASTER_KEY";

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// Why the vault cannot be opened or a value not unsealed. Never carries key material or
/// plaintext.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key (variable or file) is not 32 bytes of base64.
    #[error("the master key in {0} is not 32 bytes of base64")]
    BadKey(String),
    /// The key file cannot be read or created.
    #[error("cannot read or create the master key file {path}: {source}")]
    KeyFile {
        #[allow(missing_docs)]
        path: String,
        #[allow(missing_docs)]
        source: std::io::Error,
    },
    /// The sealed value is malformed, was sealed under another key, or for another name.
    #[error("the stored value `{0}` cannot be decrypted with this master key")]
    Open(String),
}

/// Seals and opens credentials under the master key.
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault(***)")
    }
}

impl Vault {
    /// The vault for a 32-byte key.
    pub fn from_key(key: &[u8; 32]) -> Vault {
        Vault {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The key from `DAILYX_MASTER_KEY` if set, else from `key_file` (created 0600 with a fresh
    /// random key when missing).
    pub fn open(key_file: &Path) -> Result<Vault, VaultError> {
        if let Ok(v) = std::env::var(MASTER_KEY_ENV) {
            return Ok(Vault::from_key(&decode_key(&v, MASTER_KEY_ENV)?));
        }
        match crate::key_file::load_or_create(key_file) {
            Ok(key) => Ok(Vault::from_key(&key)),
            Err(KeyFileError::Malformed(path)) => Err(VaultError::BadKey(path)),
            Err(KeyFileError::Io { path, source }) => Err(VaultError::KeyFile { path, source }),
        }
    }

    /// `plaintext` sealed for `name`: `v1:` and base64 of nonce and ciphertext.
    pub fn seal(&self, name: &str, plaintext: &Secret) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        // The OS generator failing is not recoverable in any useful way.
        getrandom::fill(&mut nonce).expect("the operating system's random generator failed");
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.expose().as_bytes(),
                    aad: name.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", B64.encode(out))
    }

    /// Opens what [`Vault::seal`] made for `name`.
    pub fn unseal(&self, name: &str, sealed: &str) -> Result<Secret, VaultError> {
        let fail = || VaultError::Open(name.to_owned());
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or_else(fail)?;
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| fail())?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| fail())
    }
}

/// The last four characters of `value`, for display ("…abcd"); shorter values show nothing.
pub fn last_four(value: &str) -> String {
    let n = value.chars().count();
    if n < 12 {
        return String::new();
    }
    value.chars().skip(n - 4).collect()
}

fn decode_key(text: &str, source: &str) -> Result<[u8; 32], VaultError> {
    crate::key_file::decode(text).ok_or_else(|| VaultError::BadKey(source.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> Vault {
        Vault::from_key(&[7u8; 32])
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let v = vault();
        let secret = Secret::new("sk-or-v1-0123456789abcdef");
        let a = v.seal("llm.api_key", &secret);
        let b = v.seal("llm.api_key", &secret);
        assert_ne!(a, b, "every seal uses a fresh nonce");
        assert!(!a.contains("0123456789abcdef"));
        assert_eq!(v.unseal("llm.api_key", &a).unwrap(), secret);
    }

    #[test]
    fn bound_to_name_and_key() {
        let sealed = vault().seal("llm.api_key", &Secret::new("value-value-value"));
        assert!(vault().unseal("x.token", &sealed).is_err());
        assert!(
            Vault::from_key(&[8u8; 32])
                .unseal("llm.api_key", &sealed)
                .is_err()
        );
        let err = vault().unseal("llm.api_key", "v1:AAAA").unwrap_err();
        assert!(!err.to_string().contains("AAAA"));
    }

    #[test]
    fn key_file_created_0600_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let sealed = Vault::open(&path)
            .unwrap()
            .seal("n", &Secret::new("hello-hello-hello"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = Vault::open(&path).unwrap();
        assert_eq!(
            again.unseal("n", &sealed).unwrap().expose(),
            "hello-hello-hello"
        );
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(Vault::open(&path), Err(VaultError::BadKey(_))));
    }

    /// Issue 17: hosts starting together on one data directory all end with the one key in the
    /// file. Before, the loser of the create race kept its own key (its credentials sealed
    /// under a key nobody has), and a reader between the winner's create and write saw an empty
    /// file.
    #[test]
    fn hosts_racing_to_create_the_key_file_all_use_the_winners_key() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("master.key");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let sealed: Vec<String> = (0..8)
                .map(|i| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let v = Vault::open(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
                        v.seal("n", &Secret::new(format!("secret-number-{i}")))
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            let file = Vault::open(&path).unwrap();
            for (i, s) in sealed.iter().enumerate() {
                assert_eq!(
                    file.unseal("n", s).map(|s| s.expose().to_owned()).ok(),
                    Some(format!("secret-number-{i}")),
                    "round {round}: host {i} sealed under a key that is not the file's"
                );
            }
            let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert_eq!(names.len(), 1, "no temporary files left behind");
        }
    }

    #[test]
    fn last_four_only_for_long_values() {
        assert_eq!(last_four("sk-or-v1-abcdefgh1234"), "1234");
        assert_eq!(last_four("short"), "");
    }
}
