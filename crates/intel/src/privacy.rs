//! What must not leave the organisation unless the user asks: internal addresses
//! (`[network] internal`, tenants' server addresses, RFC 1918, loopback, link-local,
//! unique-local and other non-global ranges) and tenant names (and their host names)
//! wherever they appear in a path, user agent or leak victim.

use std::net::IpAddr;

use kansoku_enrich::net::Cidr;

use crate::IntelError;

/// The privacy filter applied to every exported indicator.
#[derive(Debug, Clone, Default)]
pub struct Privacy {
    internal: Vec<Cidr>,
    /// Lower-case tenant names and host names.
    names: Vec<String>,
    /// `--include-private`: the filter lets everything through.
    pub include_private: bool,
}

impl Privacy {
    /// A filter from the internal networks (CIDR text) and tenant names/hosts.
    pub fn new(
        internal: impl IntoIterator<Item = impl AsRef<str>>,
        names: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Privacy, IntelError> {
        let internal = internal
            .into_iter()
            .map(|c| {
                let c = c.as_ref();
                Cidr::parse(c).ok_or_else(|| {
                    IntelError::Usage(format!("{c:?} is not an address or CIDR block"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let names = names
            .into_iter()
            .map(|n| {
                let n = n.as_ref().trim().to_lowercase();
                n.strip_prefix("*.").map(str::to_string).unwrap_or(n)
            })
            // The catch-all tenant's name is no secret, and one- or two-letter names
            // would withhold nearly every path.
            .filter(|n| n.len() >= 3 && n != kansoku_event::DEFAULT_TENANT)
            .collect();
        Ok(Privacy {
            internal,
            names,
            include_private: false,
        })
    }

    /// Why `ip` must stay inside, if it must.
    pub fn address(&self, ip: &str) -> Option<&'static str> {
        if self.include_private {
            return None;
        }
        let Ok(addr) = ip.trim().parse::<IpAddr>() else {
            return Some("unparsable address");
        };
        if self.internal.iter().any(|c| c.contains(addr)) {
            return Some("internal address");
        }
        non_global(addr).then_some("private address")
    }

    /// Why `text` must stay inside (it names a tenant), if it must.
    pub fn text(&self, text: &str) -> Option<&'static str> {
        if self.include_private {
            return None;
        }
        let lower = text.to_lowercase();
        self.names
            .iter()
            .any(|n| lower.contains(n.as_str()))
            .then_some("tenant name")
    }
}

/// Addresses that are not globally routable: RFC 1918, loopback, link-local, CGNAT,
/// unspecified, multicast, IPv6 unique-local and link-local, IPv4-mapped private ones.
/// The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
/// count as global: tests and the demo use them as the internet.
pub fn non_global(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return non_global(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_and_configured_networks_stay_inside() {
        let p = Privacy::new(["203.0.113.0/28"], ["shop", "*.corp.example.jp", "default"])
            .expect("valid");
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "203.0.113.5",
        ] {
            assert!(p.address(ip).is_some(), "{ip}");
        }
        for ip in ["198.51.100.7", "203.0.113.99", "2001:db8::1", "8.8.8.8"] {
            assert_eq!(p.address(ip), None, "{ip}");
        }
        assert_eq!(p.text("/SHOP/admin"), Some("tenant name"));
        assert_eq!(p.text("https://www.corp.example.jp/"), Some("tenant name"));
        assert_eq!(p.text("/default.aspx"), None);
        let mut all = p.clone();
        all.include_private = true;
        assert_eq!(all.address("10.1.2.3"), None);
        assert_eq!(all.text("/shop"), None);
    }
}
