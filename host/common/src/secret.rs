//! A secret string (API key, token, password). Its value is reachable only through
//! [`Secret::expose`]: `Debug` and `Display` are redacted, and it is deliberately not
//! `Serialize`, so it cannot end up in a log line, an API response or a guest by accident.
//! Code that must write one (a token file) copies it out explicitly.

use serde::Deserialize;
use std::fmt;

/// A secret string; see the module docs.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn a_secret_never_prints_its_value() {
        let s = Secret::new("sk-live-123");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "sk-live-123");
        let parsed: Secret = serde_json::from_str("\"from-config\"").unwrap();
        assert_eq!(parsed.expose(), "from-config");
    }
}
