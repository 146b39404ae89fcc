//! The match index: which lists name an address at a time. Exact addresses and CIDR
//! blocks are kept in one hash map per prefix length, so a lookup costs one probe per
//! prefix length in use (a handful), whatever the number of indicators.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use kansoku_event::Micros;
use kansoku_event::intel::IntelIndicator;

/// The network address of `addr/prefix` (host bits cleared).
pub fn network(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Validity {
    list: usize,
    from: Micros,
    until: Micros,
}

/// The networks of one prefix length: network address → when each list names it.
type Networks = HashMap<IpAddr, Vec<Validity>>;

/// Imported indicators, ready for lookups.
#[derive(Debug, Default)]
pub struct IntelIndex {
    lists: Vec<String>,
    /// (is IPv6, prefix length) → network → validities.
    by_prefix: Vec<((bool, u8), Networks)>,
    len: usize,
}

impl IntelIndex {
    /// An index of the indicators (values that do not parse are ignored).
    pub fn new<'a>(indicators: impl IntoIterator<Item = &'a IntelIndicator>) -> IntelIndex {
        let mut idx = IntelIndex::default();
        for i in indicators {
            let (addr, prefix) = match i.value.split_once('/') {
                Some((a, p)) => match (a.parse::<IpAddr>(), p.parse::<u8>()) {
                    (Ok(a), Ok(p)) => (a, p),
                    _ => continue,
                },
                None => match i.value.parse::<IpAddr>() {
                    Ok(a) => (a, if a.is_ipv4() { 32 } else { 128 }),
                    Err(_) => continue,
                },
            };
            let list = match idx.lists.iter().position(|l| *l == i.list) {
                Some(p) => p,
                None => {
                    idx.lists.push(i.list.clone());
                    idx.lists.len() - 1
                }
            };
            let key = (addr.is_ipv6(), prefix);
            let slot = match idx.by_prefix.iter().position(|(k, _)| *k == key) {
                Some(p) => p,
                None => {
                    idx.by_prefix.push((key, HashMap::new()));
                    idx.by_prefix.len() - 1
                }
            };
            idx.by_prefix[slot]
                .1
                .entry(network(addr, prefix))
                .or_default()
                .push(Validity {
                    list,
                    from: i.valid_from,
                    until: i.valid_until.unwrap_or(Micros::MAX),
                });
            idx.len += 1;
        }
        idx
    }

    /// Indicators held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn each(&self, ip: IpAddr, mut f: impl FnMut(&Validity)) {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            a => a,
        };
        for ((v6, prefix), map) in &self.by_prefix {
            if *v6 != ip.is_ipv6() {
                continue;
            }
            if let Some(vs) = map.get(&network(ip, *prefix)) {
                vs.iter().for_each(&mut f);
            }
        }
    }

    /// Whether any list names `ip` at any time.
    pub fn names_ever(&self, ip: &str) -> bool {
        let Ok(ip) = ip.trim().parse::<IpAddr>() else {
            return false;
        };
        let mut any = false;
        self.each(ip, |_| any = true);
        any
    }

    /// The lists naming `ip` at `ts` (`valid_from <= ts <= valid_until`), sorted.
    pub fn lists_at(&self, ip: &str, ts: Micros) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        let Ok(ip) = ip.trim().parse::<IpAddr>() else {
            return out;
        };
        self.each(ip, |v| {
            if v.from <= ts && ts <= v.until {
                out.insert(self.lists[v.list].as_str());
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(list: &str, value: &str, from: Micros, until: Option<Micros>) -> IntelIndicator {
        IntelIndicator {
            list: list.into(),
            value: value.into(),
            valid_from: from,
            valid_until: until,
            ..IntelIndicator::default()
        }
    }

    #[test]
    fn addresses_blocks_and_time() {
        let rows = [
            ind("a", "198.51.100.7", 10, Some(20)),
            ind("b", "198.51.100.0/24", 15, None),
            ind("c", "2001:db8::/32", 0, Some(5)),
        ];
        let idx = IntelIndex::new(&rows);
        assert_eq!(idx.len(), 3);
        let at = |ip, t| idx.lists_at(ip, t).into_iter().collect::<Vec<_>>();
        assert_eq!(at("198.51.100.7", 9), Vec::<&str>::new());
        assert_eq!(at("198.51.100.7", 10), ["a"]);
        assert_eq!(at("198.51.100.7", 20), ["a", "b"]);
        assert_eq!(at("198.51.100.7", 21), ["b"]);
        assert_eq!(at("198.51.100.200", 1_000), ["b"]);
        assert_eq!(at("::ffff:198.51.100.200", 1_000), ["b"]);
        assert_eq!(at("198.51.101.1", 1_000), Vec::<&str>::new());
        assert_eq!(at("2001:db8:1::9", 5), ["c"]);
        assert_eq!(at("2001:db8:1::9", 6), Vec::<&str>::new());
        assert!(idx.names_ever("198.51.100.7"));
        assert!(!idx.names_ever("203.0.113.1"));
        assert!(!idx.names_ever("junk"));
    }
}
