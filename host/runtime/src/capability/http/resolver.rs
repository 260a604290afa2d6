//! The DNS resolver behind the HTTP client: the enforcement point for
//! non-public addresses.
//!
//! The capability checks resolved addresses before sending, to give the
//! component a clear denial; this resolver applies the same rule when the
//! client actually connects, so a name that changes its answer between the
//! two (DNS rebinding) still cannot reach a private address. Only the hosts
//! that *the calling component's own* grant names as exact origins may resolve
//! to non-public addresses: each set of such hosts gets its own resolver (and
//! client, see [`super::HttpService`]), so one component's exception is never
//! another's.

use super::address::non_public_reason;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

/// Hosts one grant names as exact origins: they may resolve to non-public addresses.
pub type ExactHosts = Arc<BTreeSet<String>>;

/// Resolves with the system resolver and drops non-public addresses for
/// hosts that are not among one grant's exact origins.
pub struct FilteringResolver {
    exact_hosts: ExactHosts,
}

impl FilteringResolver {
    /// A resolver that lets `exact_hosts` (one grant's) resolve to non-public addresses.
    pub fn new(exact_hosts: ExactHosts) -> Self {
        FilteringResolver { exact_hosts }
    }
}

/// Resolves `host:port` with the system resolver.
pub async fn lookup(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let exact = self.exact_hosts.contains(name.as_str());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = lookup(&host, 0).await?;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| exact || non_public_reason(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                return Err(
                    format!("{host} resolves to no address this component may reach").into(),
                );
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}
