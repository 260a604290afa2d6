//! Which addresses a component may not reach without an exact-origin grant.
//!
//! Server-side request forgery is the classic way to turn "fetch this URL"
//! into "read the cloud metadata service" or "talk to the admin port on
//! localhost". Every address a request would connect to is classified here,
//! for IP-literal URLs and for every address a name resolves to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not public, or `None` when it is.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => {
            // An IPv4 address in IPv6 clothing is judged as IPv4.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_reason(v4);
            }
            v6_reason(v6)
        }
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        return Some("a cloud metadata address");
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified (0.0.0.0/8) address")
    } else if ip.is_broadcast() || ip.is_multicast() {
        Some("a broadcast or multicast address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT (100.64.0.0/10) address")
    } else if a == 192 && b == 0 && c == 0 {
        Some("an IETF protocol (192.0.0.0/24) address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking (198.18.0.0/15) address")
    } else if a >= 240 {
        Some("a reserved (240.0.0.0/4) address")
    } else {
        None
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        return Some("a cloud metadata address");
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        Some("a private (unique local) address")
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        Some("a link-local address")
    } else if (seg[0] & 0xffc0) == 0xfec0 {
        // Deprecated, but still routed inside some networks.
        Some("a site-local (fec0::/10) address")
    } else if seg[..6] == [0; 6] {
        // `::a.b.c.d`: deprecated; stacks that still honour it reach the IPv4 address.
        Some("an IPv4-compatible (::/96) address")
    } else if seg[0] == 0x2001 && seg[1] == 0 {
        // A tunnel whose far end (and embedded address) an attacker can choose.
        Some("a Teredo (2001::/32) tunnel address")
    } else if seg[0] == 0x100 && seg[1..4] == [0; 3] {
        Some("a discard-only (100::/64) address")
    } else if seg[0] == 0x2001 && seg[1] == 0xdb8 {
        Some("a documentation (2001:db8::/32) address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if seg[0] == 0x64 && seg[1] == 0xff9b {
        // NAT64 embeds an IPv4 address in the low 32 bits.
        let v4 = Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        );
        v4_reason(v4).or(None)
    } else if seg[0] == 0x2002 {
        // 6to4 embeds an IPv4 address in bits 16..48.
        let v4 = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        );
        v4_reason(v4)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        let cases = [
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("metadata")),
            ("100.100.100.200", Some("metadata")),
            ("169.254.1.1", Some("link-local")),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("100.64.0.1", Some("carrier-grade")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("240.0.0.1", Some("reserved")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fd00:ec2::254", Some("metadata")),
            ("fc00::1", Some("private")),
            ("fe80::1", Some("link-local")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("metadata")),
            ("64:ff9b::a00:1", Some("private")),
            ("2002:7f00:1::", Some("loopback")),
            // Issue 17: IPv4-compatible (deprecated, ::/96), site-local (fec0::/10), Teredo
            // (2001::/32) and discard-only (100::/64) addresses.
            ("::127.0.0.1", Some("IPv4-compatible")),
            ("::169.254.169.254", Some("IPv4-compatible")),
            ("::8.8.8.8", Some("IPv4-compatible")),
            ("fec0::1", Some("site-local")),
            ("feff:ffff::1", Some("site-local")),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some("Teredo")),
            ("100::1", Some("discard")),
            ("100::ffff:ffff:ffff:ffff", Some("discard")),
            ("2001:db8::1", Some("documentation")),
            ("2001:4860:4860::8888", None),
            ("100:1::1", None),
            ("8.8.8.8", None),
            ("140.82.112.6", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
        ];
        for (ip, expected) in cases {
            let got = non_public_reason(ip.parse().unwrap());
            match expected {
                Some(needle) => assert!(
                    got.is_some_and(|r| r.contains(needle)),
                    "{ip}: expected {needle}, got {got:?}"
                ),
                None => assert_eq!(got, None, "{ip}"),
            }
        }
    }
}
