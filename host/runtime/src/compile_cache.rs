//! Compiled components cached on disk, authenticated with a key only the host holds.
//!
//! Deserialising a `.cwasm` maps its machine code and runs it as is: whoever can put a file
//! into the cache directory could run native code in the host, past every digest and
//! signature check. A checksum beside the file proves nothing (whoever writes the file
//! recomputes it), so each entry carries an HMAC-SHA256 under the host's [`CacheKey`] over the
//! component's digest, the engine's compatibility hash and the artifact. An entry whose tag
//! does not verify (altered, planted, another component's, or written under another key) is
//! removed with a warning and the component is compiled again; it is never deserialised.
//!
//! An entry is `<cache>/<digest>-<engine hash>.cwasm`: [`MAGIC`], the 32-byte tag, then the
//! artifact of `Component::serialize`. It is written to a temporary file and renamed into
//! place, so a reader sees a whole entry or none.

use dailyx_common::key_file::{self, KeyFileError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

type HmacSha256 = Hmac<Sha256>;

/// What an entry starts with (the format's version is in it).
const MAGIC: &[u8] = b"dailyx-cwasm-hmac-sha256-v1\n";
const TAG_LEN: usize = 32;

/// The key that authenticates the compile cache's entries. Hosts that share a cache directory
/// share its key (the same key file); otherwise each finds the others' entries unverifiable
/// and compiles again.
#[derive(Clone)]
pub struct CacheKey([u8; 32]);

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(***)")
    }
}

impl CacheKey {
    /// A fresh random key, held only in memory: entries written under it are usable by this
    /// process (and runtimes started from clones of its config), not after a restart.
    pub fn random() -> CacheKey {
        let mut key = [0u8; 32];
        // The OS generator failing is not recoverable in any useful way.
        getrandom::fill(&mut key).expect("the operating system's random generator failed");
        CacheKey(key)
    }

    /// The key in `path`, created (mode 0600, a fresh random key) when missing; two hosts
    /// starting together end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<CacheKey, KeyFileError> {
        key_file::load_or_create(path).map(CacheKey)
    }

    /// The tag of an entry: the component's digest, the engine's compatibility hash and the
    /// artifact, each length-prefixed so no two inputs run together.
    fn tag(&self, digest: &str, engine_hash: &str, artifact: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in [digest.as_bytes(), engine_hash.as_bytes(), artifact] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

/// A temporary name beside `path`, unique to this writer (process and random suffix).
fn temp_beside(path: &Path) -> PathBuf {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).expect("the operating system's random generator failed");
    path.with_extension(format!("tmp{}-{}", std::process::id(), hex::encode(suffix)))
}

/// Where compiled components are cached, and the key their entries are checked with.
#[derive(Debug, Clone)]
pub struct CompileCache {
    /// The cache directory.
    pub dir: PathBuf,
    /// The key.
    pub key: CacheKey,
}

/// Where a component was compiled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompileSource {
    /// Deserialised from the on-disk cache (its tag verified).
    Cache,
    /// Compiled now (and written to the cache when there is one).
    Compiled,
}

/// Compiles `bytes` (whose digest is `digest`), using and filling the cache.
///
/// An entry that fails its tag, is corrupt, or was made by an incompatible engine is removed
/// and the component is compiled again.
pub fn compile_cached(
    engine: &Engine,
    cache: Option<&CompileCache>,
    digest: &str,
    bytes: &[u8],
) -> wasmtime::Result<(Component, CompileSource)> {
    let Some(cache) = cache else {
        return Ok((Component::new(engine, bytes)?, CompileSource::Compiled));
    };
    let entry = Entry::new(engine, cache, digest);
    if let Some(component) = entry.load(engine) {
        return Ok((component, CompileSource::Cache));
    }
    let component = Component::new(engine, bytes)?;
    if let Err(e) = entry.store(&component) {
        tracing::warn!(path = %entry.path.display(), error = %e, "cannot write the compiled component to the cache");
    }
    Ok((component, CompileSource::Compiled))
}

/// One component's entry in the cache.
struct Entry<'a> {
    key: &'a CacheKey,
    digest: &'a str,
    engine_hash: String,
    path: PathBuf,
}

impl<'a> Entry<'a> {
    fn new(engine: &Engine, cache: &'a CompileCache, digest: &'a str) -> Entry<'a> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = format!("{:016x}", hasher.finish());
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        let path = cache.dir.join(format!("{hex}-{engine_hash}.cwasm"));
        Entry {
            key: &cache.key,
            digest,
            engine_hash,
            path,
        }
    }

    fn load(&self, engine: &Engine) -> Option<Component> {
        let bytes = std::fs::read(&self.path).ok()?;
        let Some(artifact) = self.verified(&bytes) else {
            tracing::warn!(
                path = %self.path.display(),
                "cached component fails its authentication (altered, planted, or written under \
                 another cache key); removing it and compiling again"
            );
            self.remove();
            return None;
        };
        // SAFETY: the artifact's tag verifies under the host's own cache key, bound to this
        // component's digest and this engine's compatibility hash: it is exactly what
        // `Entry::store` wrote from `Component::serialize` for this component on a
        // compatible engine.
        match unsafe { Component::deserialize(engine, artifact) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "cached component unusable; compiling again");
                self.remove();
                None
            }
        }
    }

    /// The artifact in `bytes`, if its tag verifies.
    fn verified<'b>(&self, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let rest = bytes.strip_prefix(MAGIC)?;
        if rest.len() < TAG_LEN {
            return None;
        }
        let (tag, artifact) = rest.split_at(TAG_LEN);
        self.key
            .tag(self.digest, &self.engine_hash, artifact)
            .verify_slice(tag)
            .ok()?;
        Some(artifact)
    }

    fn store(&self, component: &Component) -> std::io::Result<()> {
        let artifact = component.serialize().map_err(std::io::Error::other)?;
        let tag = self
            .key
            .tag(self.digest, &self.engine_hash, &artifact)
            .finalize()
            .into_bytes();
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut bytes = Vec::with_capacity(MAGIC.len() + TAG_LEN + artifact.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&tag);
        bytes.extend_from_slice(&artifact);
        let tmp = temp_beside(&self.path);
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, &self.path)?;
        // The checksum file of the unkeyed format before this one, if any, means nothing now.
        let _ = std::fs::remove_file(self.path.with_extension("cwasm.sha256"));
        Ok(())
    }

    fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(self.path.with_extension("cwasm.sha256"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_binds_key_digest_engine_and_artifact() {
        let key = CacheKey([1; 32]);
        let tag = |k: &CacheKey, d: &str, e: &str, a: &[u8]| {
            k.tag(d, e, a).finalize().into_bytes().to_vec()
        };
        let base = tag(&key, "sha256:aa", "e1", b"code");
        assert_ne!(base, tag(&CacheKey([2; 32]), "sha256:aa", "e1", b"code"));
        assert_ne!(base, tag(&key, "sha256:ab", "e1", b"code"));
        assert_ne!(base, tag(&key, "sha256:aa", "e2", b"code"));
        assert_ne!(base, tag(&key, "sha256:aa", "e1", b"codf"));
        // Length prefixes: moving bytes between the parts changes the tag.
        assert_ne!(base, tag(&key, "sha256:aae", "1", b"code"));
    }
}
