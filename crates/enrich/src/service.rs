//! Destination port + transport → the service a firewall report names, from a built-in
//! table kept as data.
//!
//! Each entry says whether the service should ever face the internet (`never_exposed`)
//! and names an advice key; the report's locale files hold the advice text under that
//! key (why it is attacked, what to do), so wording changes never touch this table.
//!
//! ```
//! use kansoku_enrich::service::{Transport, service_name};
//!
//! let s = service_name(3702, Transport::Udp).expect("known");
//! assert_eq!((s.name, s.never_exposed, s.advice), ("ws-discovery", true, Some("reflection")));
//! assert_eq!(service_name(23, Transport::Tcp).map(|s| s.name), Some("telnet"));
//! assert!(service_name(3702, Transport::Tcp).is_none());
//! ```

use std::fmt;
use std::str::FromStr;

/// Layer-4 protocol of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP (IP protocol 6).
    Tcp,
    /// UDP (IP protocol 17).
    Udp,
}

impl Transport {
    /// Lower-case name, as the `net` table's `proto` column holds it.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is neither `tcp`/`udp` (any case) nor protocol number 6/17.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not TCP or UDP: {0:?}")]
pub struct NotTransport(pub String);

impl FromStr for Transport {
    type Err = NotTransport;

    /// Accepts firewall spellings: `tcp`, `TCP`, `6`, `udp`, `UDP`, `17`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            t if t.eq_ignore_ascii_case("tcp") || t == "6" => Ok(Transport::Tcp),
            t if t.eq_ignore_ascii_case("udp") || t == "17" => Ok(Transport::Udp),
            t => Err(NotTransport(t.to_owned())),
        }
    }
}

/// Which transports a table entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// TCP only.
    Tcp,
    /// UDP only.
    Udp,
    /// Both.
    Both,
}

impl On {
    fn covers(self, t: Transport) -> bool {
        matches!(
            (self, t),
            (On::Both, _) | (On::Tcp, Transport::Tcp) | (On::Udp, Transport::Udp)
        )
    }
}

/// One service of the built-in table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Short name shown in reports (`telnet`, `ws-discovery`).
    pub name: &'static str,
    /// First port of the range.
    pub port: u16,
    /// Last port of the range (equal to `port` for one port).
    pub port_end: u16,
    /// Transports the service uses.
    pub on: On,
    /// Whether the service should never be reachable from the internet.
    pub never_exposed: bool,
    /// Locale key of the advice text (`advice.<key>` in the report's locale files).
    pub advice: Option<&'static str>,
}

const fn s(
    name: &'static str,
    port: u16,
    port_end: u16,
    on: On,
    never_exposed: bool,
    advice: Option<&'static str>,
) -> Service {
    Service {
        name,
        port,
        port_end,
        on,
        never_exposed,
        advice,
    }
}

/// Advice keys: one per reason a service must not face the internet.
/// `botnet`: IoT botnets (Mirai and kin) brute-force it; `reflection`: a UDP service that
/// answers spoofed requests with larger replies (DoS reflection/amplification);
/// `ransomware`: a common ransomware entry point; `database`: data stores that leak or
/// are wiped and ransomed; `remote_admin`: remote control that is brute-forced;
/// `container`: unauthenticated control of a host's containers; `voip`: toll fraud and
/// scanning; `cleartext`: credentials travel in clear text.
const TABLE: &[Service] = &[
    s("ftp", 21, 21, On::Tcp, false, Some("cleartext")),
    s("ssh", 22, 22, On::Tcp, false, None),
    s("telnet", 23, 23, On::Tcp, true, Some("botnet")),
    s("smtp", 25, 25, On::Tcp, false, None),
    s("dns", 53, 53, On::Both, false, None),
    s("http", 80, 80, On::Tcp, false, None),
    s("ntp", 123, 123, On::Udp, true, Some("reflection")),
    s("netbios", 137, 139, On::Both, true, Some("ransomware")),
    s("snmp", 161, 161, On::Udp, true, Some("reflection")),
    s("ldap", 389, 389, On::Tcp, true, Some("remote_admin")),
    s("cldap", 389, 389, On::Udp, true, Some("reflection")),
    s("https", 443, 443, On::Tcp, false, None),
    s("smb", 445, 445, On::Tcp, true, Some("ransomware")),
    s("mssql", 1433, 1433, On::Tcp, true, Some("database")),
    s("ssdp", 1900, 1900, On::Udp, true, Some("reflection")),
    s("telnet-alt", 2323, 2323, On::Tcp, true, Some("botnet")),
    s("docker", 2375, 2376, On::Tcp, true, Some("container")),
    s("mysql", 3306, 3306, On::Tcp, true, Some("database")),
    s("rdp", 3389, 3389, On::Tcp, true, Some("ransomware")),
    s(
        "ws-discovery",
        3702,
        3702,
        On::Udp,
        true,
        Some("reflection"),
    ),
    s("sip", 5060, 5060, On::Both, false, Some("voip")),
    s("mdns", 5353, 5353, On::Udp, true, Some("reflection")),
    s("postgres", 5432, 5432, On::Tcp, true, Some("database")),
    s("vnc", 5900, 5900, On::Tcp, true, Some("remote_admin")),
    s("redis", 6379, 6379, On::Tcp, true, Some("database")),
    s("http-alt", 8080, 8080, On::Tcp, false, None),
    s("elasticsearch", 9200, 9200, On::Tcp, true, Some("database")),
    s(
        "memcached",
        11211,
        11211,
        On::Both,
        true,
        Some("reflection"),
    ),
    s("mongodb", 27017, 27017, On::Tcp, true, Some("database")),
];

/// Every service of the built-in table, in port order.
pub fn services() -> &'static [Service] {
    TABLE
}

/// The service on `port`/`transport`, if the table names one.
pub fn service_name(port: u16, transport: Transport) -> Option<&'static Service> {
    TABLE
        .iter()
        .find(|s| (s.port..=s.port_end).contains(&port) && s.on.covers(transport))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transport::{Tcp, Udp};

    #[test]
    fn lookup_table() {
        let cases = [
            (22, Tcp, Some(("ssh", false))),
            (23, Tcp, Some(("telnet", true))),
            (23, Udp, None),
            (53, Udp, Some(("dns", false))),
            (53, Tcp, Some(("dns", false))),
            (138, Udp, Some(("netbios", true))),
            (389, Tcp, Some(("ldap", true))),
            (389, Udp, Some(("cldap", true))),
            (445, Tcp, Some(("smb", true))),
            (1900, Udp, Some(("ssdp", true))),
            (2376, Tcp, Some(("docker", true))),
            (3389, Tcp, Some(("rdp", true))),
            (3702, Udp, Some(("ws-discovery", true))),
            (11211, Udp, Some(("memcached", true))),
            (27017, Tcp, Some(("mongodb", true))),
            (4444, Tcp, None),
        ];
        for (port, t, want) in cases {
            let got = service_name(port, t).map(|s| (s.name, s.never_exposed));
            assert_eq!(got, want, "{port}/{t}");
        }
    }

    #[test]
    fn table_is_consistent() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(a.port <= a.port_end, "{}", a.name);
            assert!(
                !a.never_exposed || a.advice.is_some(),
                "{}: a never-exposed service needs advice",
                a.name
            );
            for b in &TABLE[i + 1..] {
                let ports_overlap = a.port <= b.port_end && b.port <= a.port_end;
                let shared = [Tcp, Udp].iter().any(|&t| a.on.covers(t) && b.on.covers(t));
                assert!(
                    !(ports_overlap && shared),
                    "{} and {} overlap",
                    a.name,
                    b.name
                );
            }
        }
        assert!(TABLE.windows(2).all(|w| w[0].port <= w[1].port));
    }

    #[test]
    fn transport_spellings() {
        for (text, want) in [
            ("tcp", Some(Tcp)),
            ("UDP", Some(Udp)),
            ("6", Some(Tcp)),
            ("17", Some(Udp)),
            ("icmp", None),
        ] {
            assert_eq!(text.parse::<Transport>().ok(), want, "{text}");
        }
    }
}
