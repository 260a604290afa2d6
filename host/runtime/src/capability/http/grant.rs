//! The `http` grant and its policy: which origins, methods and paths a
//! component may reach, and how much.
//!
//! An origin pattern is `scheme://host[:port]` where host is exact
//! (`api.github.com`), a suffix wildcard (`*.githubusercontent.com`, which
//! does not match the bare domain) or `*` (any host). Only an exact origin
//! may reach loopback/private/link-local addresses (see `address.rs`).

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use url::Url;

/// The `[component.grants.http]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpGrant {
    /// Allowed origins with their methods and paths.
    #[serde(default)]
    pub allow: Vec<HttpRule>,
    /// Requests per call (one call per run).
    #[serde(default = "default_max_requests")]
    pub max_requests_per_run: u32,
    /// Largest response body accepted, bytes.
    #[serde(default = "default_max_response")]
    pub max_response_bytes: u64,
    /// Largest request body accepted, bytes.
    #[serde(default = "default_max_request")]
    pub max_request_bytes: u64,
    /// Upper bound of one request's timeout, ms.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
}

fn default_max_requests() -> u32 {
    20
}
fn default_max_response() -> u64 {
    1 << 20
}
fn default_max_request() -> u64 {
    64 << 10
}
fn default_timeout() -> u32 {
    10_000
}

/// One allowed origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRule {
    /// `https://api.github.com`, `https://*.example.com`, `http://127.0.0.1:8080`, `https://*`.
    pub origin: String,
    /// Allowed methods, upper case; default `["GET"]`.
    #[serde(default = "default_methods")]
    pub methods: Vec<String>,
    /// Allowed path prefixes, matched on whole segments; default `["/"]`.
    #[serde(default = "default_paths")]
    pub path_prefixes: Vec<String>,
}

fn default_methods() -> Vec<String> {
    vec!["GET".into()]
}
fn default_paths() -> Vec<String> {
    vec!["/".into()]
}

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// A parsed origin pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: HostPattern,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    /// `*.example.com` stored as `.example.com`.
    Suffix(String),
    Any,
}

impl OriginPattern {
    /// Parses `scheme://host[:port]` (no path, query or credentials).
    pub fn parse(origin: &str) -> Result<OriginPattern, String> {
        let (scheme, rest) = origin
            .split_once("://")
            .ok_or_else(|| format!("origin `{origin}` needs a scheme (http:// or https://)"))?;
        let default_port = match scheme {
            "http" => 80,
            "https" => 443,
            _ => return Err(format!("origin `{origin}`: scheme must be http or https")),
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(format!(
                "origin `{origin}` must be scheme://host[:port] with no path, query or credentials"
            ));
        }
        let (host, port) = split_host_port(rest)
            .ok_or_else(|| format!("origin `{origin}` has an invalid port"))?;
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.is_empty() || suffix.contains('*') {
                return Err(format!("origin `{origin}`: bad wildcard"));
            }
            HostPattern::Suffix(format!(".{suffix}"))
        } else if host.contains('*') {
            return Err(format!(
                "origin `{origin}`: `*` only as the whole host or a leading `*.`"
            ));
        } else {
            // Normalise through the URL parser (IDNA, IPv6 brackets) so it compares like requests.
            let url = Url::parse(&format!("{scheme}://{host}/"))
                .map_err(|e| format!("origin `{origin}`: {e}"))?;
            HostPattern::Exact(url.host_str().unwrap_or_default().to_owned())
        };
        Ok(OriginPattern {
            scheme: scheme.to_owned(),
            host,
            port: port.unwrap_or(default_port),
        })
    }

    /// Whether the pattern names one exact host.
    pub fn exact_host(&self) -> Option<&str> {
        match &self.host {
            HostPattern::Exact(h) => Some(h),
            _ => None,
        }
    }

    fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        if self.scheme != scheme || self.port != port {
            return false;
        }
        match &self.host {
            HostPattern::Exact(h) => h == host,
            HostPattern::Suffix(s) => host.ends_with(s.as_str()) && host.len() > s.len(),
            HostPattern::Any => true,
        }
    }
}

fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let host = &s[..inner.len() + 2];
        return match after.strip_prefix(':') {
            Some(p) => Some((host, Some(p.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((s, None)),
    }
}

/// What the policy decided for an allowed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The rule matched by exact origin: non-public addresses are allowed.
    pub exact_origin: bool,
}

impl HttpGrant {
    /// Checks the grant's own syntax (called at manifest load).
    pub fn validate(&self) -> Result<(), String> {
        for rule in &self.allow {
            OriginPattern::parse(&rule.origin)?;
            for m in &rule.methods {
                if !METHODS.contains(&m.as_str()) {
                    return Err(format!(
                        "origin `{}`: method `{m}` is not one of {}",
                        rule.origin,
                        METHODS.join(", ")
                    ));
                }
            }
            for p in &rule.path_prefixes {
                if !p.starts_with('/') {
                    return Err(format!(
                        "origin `{}`: path prefix `{p}` must start with `/`",
                        rule.origin
                    ));
                }
            }
        }
        Ok(())
    }

    /// The hosts named exactly by some rule, as the set the resolver of this grant's
    /// requests lets reach non-public addresses.
    pub fn exact_host_set(&self) -> super::resolver::ExactHosts {
        Arc::new(self.exact_hosts().into_iter().collect())
    }

    /// Hosts named exactly by some rule.
    pub fn exact_hosts(&self) -> Vec<String> {
        self.allow
            .iter()
            .filter_map(|r| OriginPattern::parse(&r.origin).ok())
            .filter_map(|o| o.exact_host().map(str::to_owned))
            .collect()
    }

    /// Decides whether `method url` is allowed; the error says which rule refused.
    pub fn check(&self, method: &str, url: &Url) -> Result<Allowed, String> {
        let scheme = url.scheme();
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(0);
        let origin = format!("{scheme}://{host}:{port}");
        let rules: Vec<(&HttpRule, OriginPattern)> = self
            .allow
            .iter()
            .filter_map(|r| OriginPattern::parse(&r.origin).ok().map(|o| (r, o)))
            .filter(|(_, o)| o.matches(scheme, host, port))
            .collect();
        if rules.is_empty() {
            return Err(format!("origin {origin} is not granted"));
        }
        let with_method: Vec<_> = rules
            .iter()
            .filter(|(r, _)| r.methods.iter().any(|m| m == method))
            .collect();
        if with_method.is_empty() {
            return Err(format!(
                "method {method} is not granted for origin {origin}"
            ));
        }
        let path = url.path();
        // Exact rules first: if one allows the request, private addresses may be reached.
        let mut matching: Vec<_> = with_method
            .iter()
            .filter(|(r, _)| r.path_prefixes.iter().any(|p| path_under(path, p)))
            .collect();
        matching.sort_by_key(|(_, o)| o.exact_host().is_none());
        match matching.first() {
            Some((_, o)) => Ok(Allowed {
                exact_origin: o.exact_host().is_some(),
            }),
            None => Err(format!(
                "path {path} is not under a granted prefix for {method} {origin}"
            )),
        }
    }
}

/// Whether `path` is `prefix` or below it, on segment boundaries
/// (`/repos` covers `/repos/x` but not `/reposx`).
fn path_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || (path.starts_with(prefix)
            && (prefix.ends_with('/') || path[prefix.len()..].starts_with('/')))
}

/// Upgrade review of the `http` grant: new origins, methods, paths and higher bounds widen it.
pub(crate) fn review(
    old: Option<&HttpGrant>,
    new: Option<&HttpGrant>,
    out: &mut Vec<crate::review::Change>,
) {
    use crate::review::{Change, Direction, bound, grant, items};
    let nothing = HttpGrant {
        allow: Vec::new(),
        max_requests_per_run: 0,
        max_response_bytes: 0,
        max_request_bytes: 0,
        timeout_ms: 0,
    };
    grant(old, new, nothing, out, |old, new, out| {
        for rule in &new.allow {
            let what = format!("grants.http.allow {}", rule.origin);
            match old.allow.iter().find(|o| o.origin == rule.origin) {
                None => out.push(Change::new(
                    what,
                    None,
                    Some(format!(
                        "{} {}",
                        rule.methods.join(","),
                        rule.path_prefixes.join(",")
                    )),
                    Direction::Widened,
                )),
                Some(o) => {
                    items(&format!("{what} methods"), &o.methods, &rule.methods, out);
                    items(
                        &format!("{what} path_prefixes"),
                        &o.path_prefixes,
                        &rule.path_prefixes,
                        out,
                    );
                }
            }
        }
        for gone in old
            .allow
            .iter()
            .filter(|o| !new.allow.iter().any(|n| n.origin == o.origin))
        {
            out.push(Change::new(
                format!("grants.http.allow {}", gone.origin),
                Some(format!(
                    "{} {}",
                    gone.methods.join(","),
                    gone.path_prefixes.join(",")
                )),
                None,
                Direction::Narrowed,
            ));
        }
        bound(
            "grants.http.max_requests_per_run",
            Some(old.max_requests_per_run),
            Some(new.max_requests_per_run),
            out,
        );
        bound(
            "grants.http.max_response_bytes",
            Some(old.max_response_bytes),
            Some(new.max_response_bytes),
            out,
        );
        bound(
            "grants.http.max_request_bytes",
            Some(old.max_request_bytes),
            Some(new.max_request_bytes),
            out,
        );
        bound(
            "grants.http.timeout_ms",
            Some(old.timeout_ms),
            Some(new.timeout_ms),
            out,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(rules: &[(&str, &[&str], &[&str])]) -> HttpGrant {
        HttpGrant {
            allow: rules
                .iter()
                .map(|(o, m, p)| HttpRule {
                    origin: (*o).into(),
                    methods: m.iter().map(|s| (*s).into()).collect(),
                    path_prefixes: p.iter().map(|s| (*s).into()).collect(),
                })
                .collect(),
            max_requests_per_run: 10,
            max_response_bytes: 1000,
            max_request_bytes: 1000,
            timeout_ms: 1000,
        }
    }

    fn check(g: &HttpGrant, method: &str, url: &str) -> Result<bool, String> {
        g.check(method, &Url::parse(url).unwrap())
            .map(|a| a.exact_origin)
    }

    #[test]
    fn origin_method_and_path_table() {
        let g = grant(&[
            ("https://api.github.com", &["GET"], &["/repos/"]),
            ("https://*.example.com", &["GET", "POST"], &["/feed"]),
            ("http://127.0.0.1:8080", &["GET"], &["/"]),
        ]);
        let cases: &[(&str, &str, Result<bool, &str>)] = &[
            ("GET", "https://api.github.com/repos/a/b", Ok(true)),
            ("GET", "https://API.GitHub.com/repos/a", Ok(true)),
            ("GET", "https://api.github.com:443/repos/a", Ok(true)),
            (
                "POST",
                "https://api.github.com/repos/a",
                Err("method POST is not granted"),
            ),
            (
                "GET",
                "https://api.github.com/user",
                Err("path /user is not under"),
            ),
            (
                "GET",
                "https://api.github.com/repos/../user",
                Err("path /user is not under"),
            ),
            (
                "GET",
                "https://api.github.com/repos/%2e%2e/user",
                Err("path /user is not under"),
            ),
            (
                "GET",
                "http://api.github.com/repos/a",
                Err("origin http://api.github.com:80 is not granted"),
            ),
            (
                "GET",
                "https://api.github.com:8443/repos/a",
                Err("is not granted"),
            ),
            (
                "GET",
                "https://evil.com/repos/a",
                Err("origin https://evil.com:443 is not granted"),
            ),
            ("GET", "https://blog.example.com/feed", Ok(false)),
            ("GET", "https://blog.example.com/feed/rss.xml", Ok(false)),
            ("GET", "https://blog.example.com/feedx", Err("path /feedx")),
            ("GET", "https://example.com/feed", Err("is not granted")),
            ("GET", "https://evilexample.com/feed", Err("is not granted")),
            ("GET", "http://127.0.0.1:8080/anything", Ok(true)),
            (
                "GET",
                "http://127.0.0.1:8081/anything",
                Err("is not granted"),
            ),
        ];
        for (method, url, expected) in cases {
            let got = check(&g, method, url);
            match (expected, &got) {
                (Ok(e), Ok(g)) => assert_eq!(e, g, "{method} {url}"),
                (Err(e), Err(g)) => assert!(g.contains(e), "{method} {url}: {g:?} lacks {e:?}"),
                _ => panic!("{method} {url}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn any_host_wildcard_is_never_exact() {
        let g = grant(&[("http://*:9000", &["GET"], &["/"])]);
        assert_eq!(check(&g, "GET", "http://localhost:9000/x"), Ok(false));
        assert!(check(&g, "GET", "http://localhost:9001/x").is_err());
    }

    #[test]
    fn exact_rule_wins_over_wildcard_for_the_same_request() {
        let g = grant(&[
            ("https://*", &["GET"], &["/"]),
            ("https://intra.corp", &["GET"], &["/"]),
        ]);
        assert_eq!(check(&g, "GET", "https://intra.corp/x"), Ok(true));
        assert_eq!(check(&g, "GET", "https://other.corp/x"), Ok(false));
    }

    #[test]
    fn bad_grants_are_refused_with_reasons() {
        for (origin, methods, paths, needle) in [
            ("api.github.com", &["GET"][..], &["/"][..], "needs a scheme"),
            ("ftp://x.com", &["GET"], &["/"], "http or https"),
            ("https://x.com/path", &["GET"], &["/"], "no path"),
            ("https://user@x.com", &["GET"], &["/"], "credentials"),
            ("https://a.*.com", &["GET"], &["/"], "leading `*.`"),
            ("https://x.com:99999", &["GET"], &["/"], "invalid port"),
            ("https://x.com", &["TRACE"], &["/"], "method `TRACE`"),
            ("https://x.com", &["GET"], &["repos"], "must start with `/`"),
        ] {
            let err = grant(&[(origin, methods, paths)]).validate().unwrap_err();
            assert!(err.contains(needle), "{origin}: {err}");
        }
    }

    #[test]
    fn ipv6_origins_parse() {
        let g = grant(&[("http://[::1]:8080", &["GET"], &["/"])]);
        g.validate().unwrap();
        assert_eq!(check(&g, "GET", "http://[::1]:8080/"), Ok(true));
        assert_eq!(g.exact_hosts(), vec!["[::1]".to_string()]);
    }
}
