//! The per-address login limit (`[server] login_attempts_per_minute`), in bounded memory.
//!
//! A `governor` keyed limiter remembers every address it has seen until told to forget; left
//! alone, a flood of made-up addresses (an IPv6 host can pick any of its /64's 2^64) grows it
//! without end. Here an IPv6 address counts as its /64 (one host, one budget), the addresses
//! whose budget is back to full are forgotten once a minute and whenever the map reaches its
//! bound, and if even then more than half the bound are live (a flood from that many networks
//! within a minute), the limiter starts over: memory stays bounded, and the accounts' own
//! lockout keeps guarding the passwords meanwhile.

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

/// Addresses (IPv4) and networks (IPv6 /64) tracked at most.
pub const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// How often the addresses with a full budget again are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

type Keyed<C> =
    RateLimiter<IpAddr, DashMapStateStore<IpAddr>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Login attempts per address and minute.
pub struct LoginLimiter<C: Clock = DefaultClock> {
    quota: Quota,
    clock: C,
    max_addresses: usize,
    limiter: RwLock<Keyed<C>>,
    last_prune: Mutex<C::Instant>,
}

impl LoginLimiter {
    /// `per_minute` attempts from one address.
    pub fn new(per_minute: u32) -> Self {
        LoginLimiter::with_clock(per_minute, MAX_TRACKED_ADDRESSES, DefaultClock::default())
    }
}

/// What an address is counted as: IPv4 as itself (also when IPv4-mapped), IPv6 as its /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

impl<C: Clock + Clone> LoginLimiter<C> {
    /// With its own clock (tests) and bound.
    pub fn with_clock(per_minute: u32, max_addresses: usize, clock: C) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute);
        LoginLimiter {
            quota,
            limiter: RwLock::new(RateLimiter::dashmap_with_clock(quota, clock.clone())),
            last_prune: Mutex::new(clock.now()),
            clock,
            max_addresses: max_addresses.max(2),
        }
    }

    /// Whether `ip` may try a password now (counts the attempt).
    pub fn allow(&self, ip: IpAddr) -> bool {
        if self.prune_due() {
            self.prune();
        }
        let limiter = self.limiter.read().unwrap_or_else(|e| e.into_inner());
        limiter.check_key(&key(ip)).is_ok()
    }

    fn prune_due(&self) -> bool {
        if self.tracked() >= self.max_addresses {
            return true;
        }
        let last = *self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
        Duration::from(self.clock.now().duration_since(last)) >= PRUNE_EVERY
    }

    /// Forgets the addresses whose budget is full again; starts over when more than half the
    /// bound are still live.
    pub fn prune(&self) {
        *self.last_prune.lock().unwrap_or_else(|e| e.into_inner()) = self.clock.now();
        let live = {
            let limiter = self.limiter.read().unwrap_or_else(|e| e.into_inner());
            limiter.retain_recent();
            limiter.shrink_to_fit();
            limiter.len()
        };
        if live > self.max_addresses / 2 {
            let mut limiter = self.limiter.write().unwrap_or_else(|e| e.into_inner());
            *limiter = RateLimiter::dashmap_with_clock(self.quota, self.clock.clone());
            metrics::counter!("login_limiter_resets_total").increment(1);
            tracing::warn!(
                live,
                bound = self.max_addresses,
                "login attempts from too many addresses within a minute: the per-address \
                 limiter starts over (account lockouts still apply)"
            );
        }
    }

    /// How many addresses are tracked.
    pub fn tracked(&self) -> usize {
        self.limiter.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::time::Duration;

    fn v4(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
    }

    #[test]
    fn many_addresses_leave_the_login_limiter_bounded() {
        let clock = FakeRelativeClock::default();
        let limiter = LoginLimiter::with_clock(20, 1_000, clock.clone());
        // 100 000 addresses within one second, each trying once: all of them are allowed
        // (each is within its own budget) and at most 1 000 are remembered.
        for i in 0..100_000 {
            assert!(limiter.allow(v4(i)));
            assert!(
                limiter.tracked() <= 1_000,
                "{} addresses kept",
                limiter.tracked()
            );
            if i % 100 == 0 {
                clock.advance(Duration::from_millis(1));
            }
        }
        // A minute later their budgets are full again: the next check (a minute after the
        // last prune) forgets them all.
        clock.advance(Duration::from_secs(61));
        assert!(limiter.allow(v4(0)));
        assert_eq!(limiter.tracked(), 1);
    }

    #[test]
    fn pruning_keeps_the_addresses_still_throttled() {
        let clock = FakeRelativeClock::default();
        let limiter = LoginLimiter::with_clock(20, 200, clock.clone());
        let attacker = v4(1 << 20);
        for _ in 0..20 {
            assert!(limiter.allow(attacker));
        }
        assert!(!limiter.allow(attacker));
        // 250 other addresses, one try each, 100 ms apart: the map fills and is pruned again
        // and again; the attacker's spent budget is remembered throughout: after those 25 s it
        // has earned back 8 tries (one per 3 s), not a fresh 20.
        for i in 0..250 {
            assert!(limiter.allow(v4(i)));
            clock.advance(Duration::from_millis(100));
            assert!(limiter.tracked() <= 200);
        }
        let again = (0..20).take_while(|_| limiter.allow(attacker)).count();
        assert_eq!(again, 8, "a prune forgot a throttled address");
    }

    #[test]
    fn one_ipv6_network_shares_one_budget() {
        let limiter = LoginLimiter::with_clock(20, 1_000, FakeRelativeClock::default());
        let net: u128 = 0x2001_0db8_0001_0002 << 64;
        for host in 0..20u128 {
            assert!(limiter.allow(IpAddr::V6(Ipv6Addr::from(net | host))));
        }
        // Another address of the same /64 (a host picks any of its 2^64 at will) is refused.
        assert!(!limiter.allow(IpAddr::V6(Ipv6Addr::from(net | 0xffff))));
        // The next /64 has its own budget; an IPv4-mapped address is its IPv4 address.
        assert!(limiter.allow(IpAddr::V6(Ipv6Addr::from(net + (1 << 64)))));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        for _ in 0..20 {
            assert!(limiter.allow(mapped));
        }
        assert!(!limiter.allow("192.0.2.1".parse().unwrap()));
        assert_eq!(limiter.tracked(), 3);
    }
}
