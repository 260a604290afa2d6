//! Write-only secrets tied to where they may be sent.
//!
//! An admin cannot read a secret back, but could send it anywhere by changing the address it is
//! used with (an LLM base URL, an SMTP host, an API base) if the secret followed the setting. So
//! every such secret is kept with the destinations it was given for: the ones the operator's
//! config file names for a secret from the environment, the ones configured when an admin set
//! it in the console. Used with any other destination, it is not sent, and the caller says
//! that it must be set again for the new address.

use crate::Secret;

/// A secret and the destinations it may be sent to.
#[derive(Clone)]
pub struct BoundSecret {
    secret: Secret,
    destinations: Vec<String>,
}

impl std::fmt::Debug for BoundSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundSecret")
            .field("destinations", &self.destinations)
            .finish_non_exhaustive()
    }
}

/// A secret asked for at a destination it was not given for. Names the destinations, never
/// the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("it was given for {}, not {asked}: set it again for the new address", given_for(.bound))]
pub struct Misdirected {
    /// Where it may go.
    pub bound: Vec<String>,
    /// Where it was asked for.
    pub asked: String,
}

fn given_for(bound: &[String]) -> String {
    if bound.is_empty() {
        "no address (it was stored before secrets were tied to one)".to_owned()
    } else {
        bound.join(", ")
    }
}

impl BoundSecret {
    /// `secret`, to be sent to `destinations` only (see [`http_destination`],
    /// [`smtp_destination`]).
    pub fn new(secret: Secret, destinations: Vec<String>) -> BoundSecret {
        BoundSecret {
            secret,
            destinations,
        }
    }

    /// The secret, if `destination` is one it was given for.
    pub fn to(&self, destination: &str) -> Result<&Secret, Misdirected> {
        if self.destinations.iter().any(|d| d == destination) {
            Ok(&self.secret)
        } else {
            Err(Misdirected {
                bound: self.destinations.clone(),
                asked: destination.to_owned(),
            })
        }
    }

    /// Where it may go.
    pub fn destinations(&self) -> &[String] {
        &self.destinations
    }
}

/// The destination of an HTTP secret: the URL's origin (`https://host[:port]`, default ports
/// left out, host lower-cased); `None` for what is not an http(s) URL.
pub fn http_destination(url: &str) -> Option<String> {
    let url = url::Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The destination of an SMTP login: `smtp://host:port`, host lower-cased.
pub fn smtp_destination(host: &str, port: u16) -> String {
    format!("smtp://{}:{port}", host.trim().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_goes_only_where_it_was_given_for() {
        let key = BoundSecret::new(
            Secret::new("sk-live-0123456789"),
            vec![http_destination("https://API.sendgrid.com:443/v3").unwrap()],
        );
        assert_eq!(
            key.to("https://api.sendgrid.com").unwrap().expose(),
            "sk-live-0123456789"
        );
        let err = key.to("https://evil.example").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("https://api.sendgrid.com"), "{message}");
        assert!(!message.contains("0123456789"));
        assert!(!format!("{key:?}").contains("0123456789"));
        assert!(
            BoundSecret::new(Secret::new("x"), vec![])
                .to("anything")
                .is_err()
        );
        assert_eq!(http_destination("ftp://example.com"), None);
        assert_eq!(
            http_destination("http://127.0.0.1:8080/v1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            smtp_destination("Mail.Example.com", 587),
            "smtp://mail.example.com:587"
        );
    }
}
