//! The time-aware exit index: address → a short sorted list of intervals.
//!
//! Attribution runs once per ingested row, so a lookup is one hash probe on the address
//! as an integer and a scan of (almost always) one interval, with no allocation.
//! Observations of an address closer than twice the window are merged: widened by the
//! window they overlap, so attribution could not tell them apart anyway.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use kansoku_event::Micros;
use kansoku_event::tor::TorExitInterval;

use super::Observation;

/// Multiplicative hash for integer keys; SipHash's flooding resistance buys nothing
/// here (the keys come from published exit lists) and costs a third of a lookup.
#[derive(Default, Clone, Copy)]
struct IntHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(K);
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = (self.0 ^ (n as u64)).wrapping_mul(K);
        self.0 = (self.0 ^ ((n >> 64) as u64)).wrapping_mul(K);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the entropy in the high bits; fold it down for the bucket index.
        self.0 ^ (self.0 >> 32)
    }
}

type IntMap<Key> = HashMap<Key, Slot, BuildHasherDefault<IntHasher>>;

/// Where an address's intervals sit in the shared arrays.
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: u32,
    len: u32,
}

/// Exit addresses and when they were exits; see the [module docs](super).
#[derive(Debug, Clone, Default)]
pub struct TorIndex {
    window: Micros,
    v4: IntMap<u32>,
    v6: IntMap<u128>,
    /// Widened bounds, the only thing a lookup reads.
    bounds: Vec<(Micros, Micros)>,
    /// Observed bounds and fingerprint, for the `tor_exit` table.
    spans: Vec<(IpAddr, Micros, Micros, Option<Arc<str>>)>,
}

impl TorIndex {
    /// ±24 hours: exit lists are published hourly to daily, and an address seen as an
    /// exit usually stays one for days.
    pub const DEFAULT_WINDOW: Micros = 24 * 3_600_000_000;

    /// Builds the index; `window` widens every interval on both sides.
    pub fn new(observations: impl IntoIterator<Item = Observation>, window: Micros) -> TorIndex {
        let window = window.max(0);
        // Spans of one address must be adjacent, so mapped IPv6 forms join their IPv4 address first.
        let mut obs: Vec<Observation> = observations
            .into_iter()
            .map(|o| Observation {
                ip: canonical(o.ip),
                ..o
            })
            .collect();
        obs.sort_unstable_by_key(|o| (o.ip, o.first));
        let mut index = TorIndex {
            window,
            ..Default::default()
        };
        let gap = window.saturating_mul(2);
        for o in obs {
            let (first, last) = (o.first.min(o.last), o.first.max(o.last));
            match index.spans.last_mut() {
                Some(s) if s.0 == o.ip && first <= s.2.saturating_add(gap) => {
                    s.2 = s.2.max(last);
                    if o.fingerprint.is_some() {
                        s.3 = o.fingerprint;
                    }
                }
                _ => index.spans.push((o.ip, first, last, o.fingerprint)),
            }
        }
        for (i, &(ip, first, last, _)) in index.spans.iter().enumerate() {
            index
                .bounds
                .push((first.saturating_sub(window), last.saturating_add(window)));
            let start = u32::try_from(i).unwrap_or(u32::MAX);
            let slot = match ip {
                IpAddr::V4(a) => index
                    .v4
                    .entry(u32::from(a))
                    .or_insert(Slot { start, len: 0 }),
                IpAddr::V6(a) => index
                    .v6
                    .entry(u128::from(a))
                    .or_insert(Slot { start, len: 0 }),
            };
            slot.len += 1;
        }
        index
    }

    /// Rebuilds the index from the `tor_exit` table's rows (rows with a bad address are skipped).
    pub fn from_intervals<'a>(
        rows: impl IntoIterator<Item = &'a TorExitInterval>,
        window: Micros,
    ) -> TorIndex {
        let obs = rows.into_iter().filter_map(|r| {
            Some(Observation {
                ip: r.ip.parse().ok()?,
                first: r.first_seen,
                last: r.last_seen,
                fingerprint: r.fingerprint.as_deref().map(Arc::from),
            })
        });
        TorIndex::new(obs, window)
    }

    /// The window the index was built with.
    pub fn window(&self) -> Micros {
        self.window
    }

    /// Distinct addresses.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether the index holds no address (every lookup answers `false`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `ip` was seen as a Tor exit within the window around `at`.
    #[inline]
    pub fn is_exit(&self, ip: IpAddr, at: Micros) -> bool {
        let slot = match canonical(ip) {
            IpAddr::V4(a) => self.v4.get(&u32::from(a)),
            IpAddr::V6(a) => self.v6.get(&u128::from(a)),
        };
        slot.is_some_and(|s| self.within(*s, at))
    }

    /// [`is_exit`](Self::is_exit) for an address as text; text that is not an address is not an exit.
    #[inline]
    pub fn is_exit_str(&self, ip: &str, at: Micros) -> bool {
        if let Some(a) = parse_ipv4(ip) {
            return self
                .v4
                .get(&u32::from(a))
                .is_some_and(|s| self.within(*s, at));
        }
        match ip.parse::<Ipv6Addr>() {
            Ok(a) => self.is_exit(IpAddr::V6(a), at),
            Err(_) => false,
        }
    }

    #[inline]
    fn within(&self, slot: Slot, at: Micros) -> bool {
        let start = slot.start as usize;
        self.bounds
            .get(start..start + slot.len as usize)
            .is_some_and(|b| b.iter().any(|&(lo, hi)| lo <= at && at <= hi))
    }

    /// The merged intervals, as rows of the `tor_exit` table (sorted by address, then time).
    pub fn intervals(&self) -> impl Iterator<Item = TorExitInterval> + '_ {
        self.spans
            .iter()
            .map(|(ip, first, last, fp)| TorExitInterval {
                ip: ip.to_string(),
                first_seen: *first,
                last_seen: *last,
                fingerprint: fp.as_deref().map(str::to_owned),
            })
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as dual-stack servers log) is the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses dotted-quad IPv4 text with the same rules as the standard library (no leading
/// zeros, no spaces), without its generic parser machinery.
#[inline]
pub fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() || i - start == 3 {
                break;
            }
            v = v * 10 + u32::from(c - b'0');
            i += 1;
        }
        let n = i - start;
        if n == 0 || (n > 1 && b[start] == b'0') {
            return None;
        }
        *octet = u8::try_from(v).ok()?;
    }
    (i == b.len()).then_some(Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Micros = 3_600_000_000;

    fn obs(ip: &str, first: Micros, last: Micros) -> Observation {
        Observation {
            ip: ip.parse().expect("ip"),
            first,
            last,
            fingerprint: None,
        }
    }

    #[test]
    fn time_aware_with_window() {
        let idx = TorIndex::new(
            [
                obs("192.0.2.1", 100 * H, 100 * H),
                obs("192.0.2.1", 300 * H, 310 * H),
                obs("2001:db8::1", 0, 0),
            ],
            24 * H,
        );
        let cases = [
            ("192.0.2.1", 100 * H, true),
            ("192.0.2.1", 76 * H, true),
            ("192.0.2.1", 76 * H - 1, false),
            ("192.0.2.1", 124 * H, true),
            ("192.0.2.1", 200 * H, false),
            ("192.0.2.1", 334 * H, true),
            ("192.0.2.2", 100 * H, false),
            ("::ffff:192.0.2.1", 100 * H, true),
            ("2001:db8::1", -24 * H, true),
            ("2001:0db8:0::1", 25 * H, false),
            ("not an ip", 0, false),
            ("192.0.2.01", 100 * H, false),
        ];
        for (ip, at, want) in cases {
            assert_eq!(idx.is_exit_str(ip, at), want, "{ip} at {}h", at / H);
            if let Ok(parsed) = ip.parse::<IpAddr>() {
                assert_eq!(idx.is_exit(parsed, at), want, "{ip} as IpAddr");
            }
        }
        assert_eq!(idx.len(), 2);
        assert_eq!(idx.intervals().count(), 3);
    }

    #[test]
    fn close_sightings_merge_and_keep_the_fingerprint() {
        let mut a = obs("192.0.2.1", 0, 0);
        a.fingerprint = Some(Arc::from("FP"));
        let rows: Vec<_> = TorIndex::new([obs("192.0.2.1", 47 * H, 47 * H), a], 24 * H)
            .intervals()
            .collect();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].first_seen, rows[0].last_seen), (0, 47 * H));
        assert_eq!(rows[0].fingerprint.as_deref(), Some("FP"));
        let rebuilt = TorIndex::from_intervals(&rows, 0);
        assert!(rebuilt.is_exit_str("192.0.2.1", 20 * H));
        assert!(!rebuilt.is_exit_str("192.0.2.1", 48 * H));
    }

    #[test]
    fn ipv4_parser_agrees_with_std() {
        let mut cases: Vec<String> = [
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4 ",
            " 1.2.3.4",
            "01.2.3.4",
            "1.2.3.0",
            "1..2.3",
            "1.2.3.4444",
            "1.2.3.-4",
            "a.b.c.d",
            "1.2.3.٤",
            "10.0.0.255",
            "1.2.3.4/24",
        ]
        .map(String::from)
        .to_vec();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let alphabet = b"0123456789.:";
            let len = (x % 16) as usize;
            cases.push(
                (0..len)
                    .map(|k| alphabet[((x >> (k * 3)) % 12) as usize] as char)
                    .collect(),
            );
            cases.push(Ipv4Addr::from(x as u32).to_string());
        }
        for s in cases {
            assert_eq!(parse_ipv4(&s), s.parse::<Ipv4Addr>().ok(), "{s:?}");
        }
    }
}
