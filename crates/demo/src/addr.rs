//! Addresses used in the demo. All are reserved for documentation (RFC 5737:
//! 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) or shared address space (RFC 6598:
//! 100.64.0.0/10), so no real host is ever named.
//!
//! | range | role |
//! |---|---|
//! | 100.64.0.0/10 | ordinary visitors |
//! | 192.0.2.10–.19 | the monitored servers (firewall destinations) |
//! | 192.0.2.64–.255, 198.51.100.0/24, 203.0.113.0–.159, .224–.255 | attackers and scanners |
//! | 203.0.113.160–.223 | Tor exit relays |

use std::net::Ipv4Addr;

use crate::rng::DemoRng;

/// The address of ordinary visitor number `index`: spread over 100.64.0.0/10 by a
/// multiplicative hash so neighbouring visitors do not share a subnet.
pub(crate) fn visitor(index: u32) -> Ipv4Addr {
    let spread = index.wrapping_mul(2_654_435_761) & 0x003f_ffff;
    let host = spread | 1; // never the .0 of a /24
    Ipv4Addr::from(0x6440_0000 | host)
}

/// How many distinct visitors a site sees over the period, at scale 1.
pub(crate) const VISITORS: u32 = 20_000;

/// The monitored servers behind the firewall.
pub(crate) fn server(index: u8) -> Ipv4Addr {
    Ipv4Addr::new(192, 0, 2, 10 + index % 10)
}

/// Addresses reserved for the planted events, kept out of the background pool so each
/// planted event has its own sources.
pub(crate) const CAMPAIGN_SOURCES: [Ipv4Addr; 5] = [
    Ipv4Addr::new(203, 0, 113, 41),
    Ipv4Addr::new(203, 0, 113, 42),
    Ipv4Addr::new(203, 0, 113, 57),
    Ipv4Addr::new(198, 51, 100, 140),
    Ipv4Addr::new(192, 0, 2, 77),
];
/// The host that runs the Nikto scan.
pub(crate) const NIKTO_SOURCE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 23);

/// First and count of the Tor exit range (203.0.113.160/27 + /27).
const TOR_FIRST: u8 = 160;
/// Number of Tor exit addresses.
pub(crate) const TOR_EXITS: u8 = 64;
/// Exits listed every day; the others come and go (relay churn).
pub(crate) const TOR_STABLE_EXITS: u8 = 40;

/// Tor exit address number `i` (`0..TOR_EXITS`).
pub(crate) fn tor_exit(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(203, 0, 113, TOR_FIRST + i % TOR_EXITS)
}

/// An exit that is listed on every day of the period, so attacks from it are
/// attributable whatever time window the attribution uses.
pub(crate) fn stable_tor_exit(rng: &mut DemoRng) -> Ipv4Addr {
    tor_exit(rng.between(0, u64::from(TOR_STABLE_EXITS) - 1) as u8)
}

/// The background attacker pool: a few hundred addresses, some much busier than others.
pub(crate) struct AttackerPool {
    addrs: Vec<Ipv4Addr>,
}

impl AttackerPool {
    /// Every attacker address of the table above, in a seed-dependent order.
    pub(crate) fn new(rng: &mut DemoRng) -> AttackerPool {
        let mut addrs: Vec<Ipv4Addr> = (64..=255u8)
            .map(|h| Ipv4Addr::new(192, 0, 2, h))
            .chain((1..=254u8).map(|h| Ipv4Addr::new(198, 51, 100, h)))
            .chain(
                (1..=254u8)
                    .filter(|h| !(TOR_FIRST..TOR_FIRST + TOR_EXITS).contains(h))
                    .map(|h| Ipv4Addr::new(203, 0, 113, h)),
            )
            .filter(|a| !CAMPAIGN_SOURCES.contains(a) && *a != NIKTO_SOURCE)
            .collect();
        // Fisher–Yates, so which addresses are the busy ones depends on the seed.
        for i in (1..addrs.len()).rev() {
            let j = rng.between(0, i as u64) as usize;
            addrs.swap(i, j);
        }
        AttackerPool { addrs }
    }

    /// One attacker, busy ones more often.
    pub(crate) fn draw(&self, rng: &mut DemoRng) -> Ipv4Addr {
        self.addrs[rng.skewed(self.addrs.len())]
    }
}

/// Whether `ip` is one of the demo's Tor exits.
pub(crate) fn is_tor_exit(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    o[0] == 203 && o[1] == 0 && o[2] == 113 && (TOR_FIRST..TOR_FIRST + TOR_EXITS).contains(&o[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_stay_in_shared_address_space() {
        for i in [0, 1, 2, 19_999, u32::MAX] {
            let o = visitor(i).octets();
            assert_eq!(o[0], 100);
            assert!((64..128).contains(&o[1]), "{:?}", visitor(i));
        }
        assert_ne!(visitor(1), visitor(2));
    }

    #[test]
    fn background_attackers_are_neither_tor_nor_planted() {
        let mut rng = DemoRng::stream(1, "addr");
        let pool = AttackerPool::new(&mut rng);
        for _ in 0..5000 {
            let a = pool.draw(&mut rng);
            assert!(!is_tor_exit(a) && !CAMPAIGN_SOURCES.contains(&a) && a != NIKTO_SOURCE);
            assert!(a.is_documentation(), "{a}");
        }
    }
}
