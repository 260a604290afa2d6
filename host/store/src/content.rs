//! Content hashes: what an approval is bound to.

use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of a draft's text: sha256 over the tweets as a JSON array of strings, so the
/// boundaries between tweets count (moving a sentence to the next tweet changes the hash).
pub fn content_hash<S: AsRef<str>>(tweets: &[S]) -> String {
    let texts: Vec<&str> = tweets.iter().map(AsRef::as_ref).collect();
    // Serializing a slice of strings cannot fail.
    let json = serde_json::to_string(&texts).unwrap_or_default();
    sha256_hex(json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_between_tweets_change_the_hash() {
        assert_ne!(content_hash(&["a b", "c"]), content_hash(&["a", "b c"]));
        assert_eq!(
            content_hash(&["a", "b"]),
            content_hash(&["a".to_string(), "b".into()])
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
