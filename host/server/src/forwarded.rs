//! The client's address behind reverse proxies (`[server] trust_proxy`, `trusted_proxies`).
//!
//! Each proxy appends the address it received the request from to `X-Forwarded-For`, so only
//! the right end of the list was written by us; everything to the left of it came with the
//! request and can be made up by the client. The client is therefore the right-most address
//! that is not one of our proxies: walking from the right, our proxies' entries are skipped
//! and the first other address is the client. An entry that is not an address cannot have been
//! written by one of our proxies: the walk stops there and the request counts against the
//! nearest proxy instead.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Which peers and `X-Forwarded-For` hops are our own proxies.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    /// Read `X-Forwarded-For` at all.
    pub enabled: bool,
    /// Our proxies. Empty: the peer is the proxy, whatever its address, and no hop inside
    /// `X-Forwarded-For` is trusted. Otherwise the header is read only from a peer in the list,
    /// and hops in it are skipped.
    pub trusted: Vec<IpNet>,
}

impl ProxyTrust {
    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.enabled || (!self.trusted.is_empty() && !self.is_trusted(peer)) {
            return peer;
        }
        // Several header lines are one list, in order (RFC 9110 §5.3).
        let mut entries = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            match value.to_str() {
                Ok(v) => entries.extend(v.split(',').map(str::trim)),
                // Not text: nothing our proxies wrote, and nothing to the right of it either
                // (a proxy appending a clean entry adds a line or extends the last one).
                Err(_) => entries.push(""),
            }
        }
        let mut nearest = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_hop(entry) else {
                return nearest;
            };
            if !self.is_trusted(ip) {
                return ip;
            }
            nearest = ip;
        }
        // Every hop is one of ours: the left-most is as far as anyone can tell.
        nearest
    }
}

/// An `X-Forwarded-For` entry: an address, or an address with a port (some proxies add it).
fn parse_hop(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for line in lines {
            h.append("x-forwarded-for", line.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn trust(nets: &[&str]) -> ProxyTrust {
        ProxyTrust {
            enabled: true,
            trusted: nets.iter().map(|n| n.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn the_client_is_the_right_most_address_not_of_our_proxies() {
        let peer = ip("127.0.0.1");
        let one = trust(&[]);
        let xff = headers(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(one.client(peer, &xff), ip("203.0.113.7"));
        // Several header lines are one list.
        let lines = headers(&["198.51.100.1", "203.0.113.7"]);
        assert_eq!(one.client(peer, &lines), ip("203.0.113.7"));
        // Chained proxies: our inner hops are skipped.
        let chain = trust(&["127.0.0.0/8", "10.1.0.0/16"]);
        let xff = headers(&["198.51.100.1, 203.0.113.7, 10.1.2.3"]);
        assert_eq!(chain.client(peer, &xff), ip("203.0.113.7"));
        // Ports and IPv4-mapped IPv6 are the plain address.
        let xff = headers(&["203.0.113.7:4711, 10.1.2.3"]);
        assert_eq!(chain.client(peer, &xff), ip("203.0.113.7"));
        let xff = headers(&["[::ffff:203.0.113.7]:80"]);
        assert_eq!(one.client(peer, &xff), ip("203.0.113.7"));
        // Every hop ours: the left-most.
        let xff = headers(&["10.1.9.9, 10.1.2.3"]);
        assert_eq!(chain.client(peer, &xff), ip("10.1.9.9"));
        // No header: the peer.
        assert_eq!(chain.client(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn made_up_entries_count_against_the_nearest_proxy() {
        let peer = ip("127.0.0.1");
        let chain = trust(&["127.0.0.0/8", "10.1.0.0/16"]);
        let xff = headers(&["203.0.113.9, not-an-address, 10.1.2.3"]);
        assert_eq!(chain.client(peer, &xff), ip("10.1.2.3"));
        let xff = headers(&["203.0.113.9, "]);
        assert_eq!(trust(&[]).client(peer, &xff), peer);
    }

    #[test]
    fn the_header_is_ignored_unless_it_comes_from_our_proxy() {
        let xff = headers(&["203.0.113.7"]);
        let off = ProxyTrust::default();
        assert_eq!(off.client(ip("192.0.2.1"), &xff), ip("192.0.2.1"));
        // A peer that is not one of the listed proxies speaks for itself.
        let listed = trust(&["10.1.0.0/16"]);
        assert_eq!(listed.client(ip("192.0.2.1"), &xff), ip("192.0.2.1"));
        assert_eq!(listed.client(ip("10.1.0.5"), &xff), ip("203.0.113.7"));
    }
}
