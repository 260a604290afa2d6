//! A 32-byte key kept in a file of its own (base64, mode 0600), created on first use.
//!
//! Several hosts may start at once on one data directory: the file appears whole or not at
//! all, and whoever loses the race to create it reads the winner's key. The master key of the
//! [`Vault`](crate::Vault) and the compile cache's key are kept this way.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use std::path::Path;

/// Why a key file cannot be had. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file cannot be read or created.
    #[error("cannot read or create the key file {path}: {source}")]
    Io {
        #[allow(missing_docs)]
        path: String,
        #[allow(missing_docs)]
        source: std::io::Error,
    },
    /// The file does not hold 32 bytes of base64.
    #[error("the key in {0} is not 32 bytes of base64")]
    Malformed(String),
}

/// The key in `path`; when the file is missing, a fresh random key written there first.
pub fn load_or_create(path: &Path) -> Result<[u8; 32], KeyFileError> {
    let shown = || path.display().to_string();
    let io = |source| KeyFileError::Io {
        path: shown(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return decode(&text).ok_or_else(|| KeyFileError::Malformed(shown())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| io(std::io::Error::other(e.to_string())))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    if publish_new_0600(path, B64.encode(key).as_bytes()).map_err(io)? {
        return Ok(key);
    }
    // Another host made the key first: use the winner's, complete by construction.
    let text = std::fs::read_to_string(path).map_err(io)?;
    decode(&text).ok_or_else(|| KeyFileError::Malformed(shown()))
}

/// 32 bytes from their base64 text (surrounding white space ignored).
pub fn decode(text: &str) -> Option<[u8; 32]> {
    let bytes = B64.decode(text.trim()).ok()?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

/// Puts `bytes` at `path` unless a file is there already; `true` when this call's bytes are
/// the file's. The bytes are written and synced to a private temporary file first, then
/// hard-linked into place: the link either appears with the whole key or fails because another
/// host's link won, so nobody ever reads a half-written key or keeps a key the file does not
/// hold.
fn publish_new_0600(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".key-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // The temporary file is removed when `tmp` drops, whatever happens.
    match std::fs::hard_link(tmp.path(), path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_created_0600_once_read_back_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/some.key");
        let first = load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_or_create(&path).unwrap(), first);
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(KeyFileError::Malformed(_))
        ));
    }
}
