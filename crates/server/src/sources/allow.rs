//! Per-source allow-lists: `allow = ["192.0.2.0/24", "2001:db8::/32", "127.0.0.1"]`.
//!
//! A sender outside the list is refused before the server reads a byte from it: a TCP
//! connection (`syslog-tcp`, `relp`, `http`) is closed as soon as it is accepted, before
//! any TLS handshake; a UDP datagram is dropped. Each refusal is counted
//! (`kansoku_senders_denied_total`) and never logged: a flood from outside must not fill
//! the log. The entries are parsed by `kansoku_enrich::net::Cidr`, the parser of
//! `[network] internal`.

use std::net::IpAddr;

use kansoku_enrich::net::Cidr;

use crate::ServeError;

/// The networks a source accepts senders from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    nets: Vec<Cidr>,
    everyone: bool,
}

impl AllowList {
    /// Parses a source's `allow` entries; the error names the source and the first entry
    /// that is not an address or a CIDR block. An empty list is refused: it would turn
    /// every sender away, which is never what was meant (leave the key out to accept all).
    pub fn parse(source: &str, entries: &[String]) -> Result<AllowList, ServeError> {
        if entries.is_empty() {
            return Err(ServeError::Allow {
                name: source.to_string(),
                entry: String::new(),
                why: "an empty list refuses every sender; list addresses or leave `allow` out",
            });
        }
        let mut nets = Vec::with_capacity(entries.len());
        for entry in entries {
            let net = Cidr::parse(entry).ok_or_else(|| ServeError::Allow {
                name: source.to_string(),
                entry: entry.clone(),
                why: "not an address or CIDR block (write \"192.0.2.0/24\", \"2001:db8::/32\" or \"127.0.0.1\")",
            })?;
            nets.push(net);
        }
        let everyone = nets.iter().any(|n| {
            n.contains(IpAddr::from([0, 0, 0, 0])) && n.contains(IpAddr::from([255; 4]))
                || n.contains(IpAddr::from([0u16; 8])) && n.contains(IpAddr::from([0xffffu16; 8]))
        });
        Ok(AllowList { nets, everyone })
    }

    /// Whether a sender at `ip` may send. An IPv4 sender reaching a dual-stack (`[::]`)
    /// socket shows as `::ffff:a.b.c.d`; it is matched as the IPv4 address it is.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// Whether some entry is a whole address family (`0.0.0.0/0`, `::/0`): such a list
    /// restricts nothing, so it does not make a source safe to expose.
    pub fn admits_everyone(&self) -> bool {
        self.everyone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Result<AllowList, ServeError> {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        AllowList::parse("edge", &entries)
    }

    #[test]
    fn senders_inside_and_outside() {
        let l = list(&["192.0.2.0/24", "2001:db8::/32", "127.0.0.1"]).expect("valid");
        let cases = [
            ("192.0.2.77", true),
            ("192.0.3.1", false),
            ("127.0.0.1", true),
            ("127.0.0.2", false),
            ("2001:db8:1::1", true),
            ("2001:db9::1", false),
            // An IPv4 sender seen by a dual-stack socket.
            ("::ffff:192.0.2.8", true),
            ("::ffff:198.51.100.1", false),
            ("::1", false),
        ];
        for (ip, want) in cases {
            assert_eq!(l.permits(ip.parse().expect("ip")), want, "{ip}");
        }
        assert!(!l.admits_everyone());
        assert!(list(&["0.0.0.0/0"]).expect("valid").admits_everyone());
        assert!(list(&["::/0"]).expect("valid").admits_everyone());
    }

    #[test]
    fn bad_entries_are_named() {
        for (entries, bad) in [
            (&["192.0.2.0/24", "192.0.2.0/33"][..], "192.0.2.0/33"),
            (&["example.org"][..], "example.org"),
            (&["10.0.0.0/8", ""][..], ""),
            (&["2001:db8::/129"][..], "2001:db8::/129"),
        ] {
            let err = list(entries).expect_err(bad);
            assert!(
                matches!(&err, ServeError::Allow { name, entry, .. } if name == "edge" && entry == bad),
                "{err:?}"
            );
            let text = err.to_string();
            assert!(
                text.contains("\"edge\"") && text.contains(&format!("{bad:?}")),
                "{text}"
            );
        }
        let err = list(&[]).expect_err("empty").to_string();
        assert!(err.contains("empty list refuses every sender"), "{err}");
    }
}
