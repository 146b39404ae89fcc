//! Tenant attribution: which monitored customer a record belongs to, by virtual host,
//! destination address or source file name, so one ingest of a provider's mixed logs
//! attributes every row.
//!
//! Order of precedence: an explicit `--tenant`, then the host, then the destination
//! address, then the source file, then `default`.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::net::Cidr;

/// One tenant and how to recognise its records (a `[[tenant]]` table in `kansoku.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantRule {
    /// Tenant name as it appears in the lake and the report.
    pub name: String,
    /// Virtual hosts: exact names, or `*.example.jp` for every subdomain.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Server addresses or networks (`192.0.2.10`, `192.0.2.0/24`).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Source file patterns (`*` and `?` wildcards over the whole path, e.g. `/var/log/nginx/shop*`).
    #[serde(default)]
    pub files: Vec<String>,
}

/// A tenant map entry that could not be understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// An address is neither an IP nor a CIDR block.
    #[error("tenant {tenant}: {value:?} is not an address or CIDR block")]
    Address {
        /// The tenant.
        tenant: String,
        /// The bad value.
        value: String,
    },
}

/// Compiled tenant rules.
#[derive(Debug, Clone, Default)]
pub struct TenantMap {
    exact_hosts: HashMap<String, usize>,
    suffix_hosts: Vec<(String, usize)>,
    networks: Vec<(Cidr, usize)>,
    files: Vec<(String, usize)>,
    names: Vec<String>,
}

impl TenantMap {
    /// Compiles the rules; the first rule that matches wins.
    pub fn new(rules: Vec<TenantRule>) -> Result<TenantMap, TenantError> {
        let mut map = TenantMap::default();
        for (i, rule) in rules.into_iter().enumerate() {
            for host in &rule.hosts {
                let host = host.to_ascii_lowercase();
                match host.strip_prefix("*.") {
                    Some(suffix) => map.suffix_hosts.push((format!(".{suffix}"), i)),
                    None => {
                        map.exact_hosts.entry(host).or_insert(i);
                    }
                }
            }
            for addr in &rule.addresses {
                let net = Cidr::parse(addr).ok_or_else(|| TenantError::Address {
                    tenant: rule.name.clone(),
                    value: addr.clone(),
                })?;
                map.networks.push((net, i));
            }
            for pattern in &rule.files {
                map.files.push((pattern.clone(), i));
            }
            map.names.push(rule.name);
        }
        Ok(map)
    }

    /// Whether the map has no rules.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Tenant by virtual host (port and trailing dot ignored, case-insensitive).
    pub fn by_host(&self, host: &str) -> Option<&str> {
        if self.exact_hosts.is_empty() && self.suffix_hosts.is_empty() {
            return None;
        }
        let host = host
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h);
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(&i) = self.exact_hosts.get(&host) {
            return Some(&self.names[i]);
        }
        self.suffix_hosts
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix.as_str()))
            .map(|(_, i)| self.names[*i].as_str())
    }

    /// Tenant by server address.
    pub fn by_address(&self, addr: &str) -> Option<&str> {
        if self.networks.is_empty() {
            return None;
        }
        let ip: IpAddr = addr.parse().ok()?;
        self.networks
            .iter()
            .find(|(net, _)| net.contains(ip))
            .map(|(_, i)| self.names[*i].as_str())
    }

    /// Tenant by source file path.
    pub fn by_file(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(pattern, _)| glob_match(pattern.as_bytes(), path.as_bytes()))
            .map(|(_, i)| self.names[*i].as_str())
    }

    /// The tenant of a record: host, then address, then the source's file tenant.
    pub fn resolve<'a>(
        &'a self,
        host: Option<&str>,
        dst_ip: Option<&str>,
        file_tenant: Option<&'a str>,
    ) -> Option<&'a str> {
        host.and_then(|h| self.by_host(h))
            .or_else(|| dst_ip.and_then(|a| self.by_address(a)))
            .or(file_tenant)
    }
}

/// `*` matches any run of bytes (including `/`), `?` one byte.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> TenantMap {
        let toml = r#"
            [[tenant]]
            name = "shop"
            hosts = ["shop.example.jp", "*.shop.example.jp"]
            [[tenant]]
            name = "corp"
            addresses = ["192.0.2.0/24"]
            files = ["*/corp/*.log*"]
        "#;
        #[derive(Deserialize)]
        struct F {
            tenant: Vec<TenantRule>,
        }
        let f: F = toml::from_str(toml).expect("valid toml");
        TenantMap::new(f.tenant).expect("valid map")
    }

    #[test]
    fn resolution_table() {
        let m = map();
        let corp_file = m.by_file("/logs/corp/access.log.1");
        assert_eq!(corp_file, Some("corp"));
        // (host, destination address, file tenant) → tenant
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: [Case; 6] = [
            (Some("shop.example.jp"), None, None, Some("shop")),
            (Some("SHOP.example.jp:443"), None, None, Some("shop")),
            (Some("cdn.shop.example.jp"), None, None, Some("shop")),
            (Some("other.example"), Some("192.0.2.9"), None, Some("corp")),
            (Some("other.example"), Some("198.51.100.1"), None, None),
            (None, None, corp_file, Some("corp")),
        ];
        for (host, dst, file, want) in cases {
            assert_eq!(m.resolve(host, dst, file), want, "{host:?} {dst:?}");
        }
    }

    #[test]
    fn glob() {
        assert!(glob_match(b"/var/log/*.log", b"/var/log/a/b.log"));
        assert!(glob_match(b"a?c", b"abc"));
        assert!(!glob_match(b"a?c", b"ac"));
        assert!(glob_match(b"*", b""));
    }

    #[test]
    fn bad_address_is_an_error() {
        let r = TenantMap::new(vec![TenantRule {
            name: "x".into(),
            addresses: vec!["300.1.1.1".into()],
            ..Default::default()
        }]);
        assert!(r.is_err());
    }
}
