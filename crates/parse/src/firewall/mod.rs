//! Firewall logs → [`NetFlow`](kansoku_event::NetFlow) records for the `net` table, one module per format, each a
//! stateless one-record-per-line parser of the same shape (`XParser::new(clock)`,
//! `parse_line`, `impl Parser<NetFlow>`):
//!
//! | format | module | name (`--format`) |
//! |---|---|---|
//! | Linux netfilter `LOG` (iptables, nftables, UFW) in kern.log / syslog | [`netfilter`] | `netfilter` |
//! | pfSense / OPNsense `filterlog` CSV (IPv4, IPv6) | [`filterlog`] | `filterlog` |
//! | FortiGate `key=value` traffic logs | [`fortigate`] | `fortigate` |
//! | Palo Alto PAN-OS TRAFFIC CSV | [`paloalto`] | `paloalto` |
//! | any CSV / JSON, through a field mapping in `kansoku.toml` | [`mapping`] | the mapping's name |
//!
//! Parsers fill what the line says; `service`, `direction`, `tenant`, `tor_exit` and
//! `src_country` are the pipeline's business. Times without a zone or a year (BSD
//! syslog, PAN-OS) are read with a [`TimeContext`].
//!
//! ```
//! use kansoku_parse::firewall::{NetfilterParser, TimeContext};
//!
//! let clock = TimeContext { zone: chrono_tz::UTC, reference: 1_791_331_200_000_000 };
//! let line = b"Oct  7 02:00:01 fw1 kernel: [1209600.1] [UFW BLOCK] IN=eth0 OUT= \
//!     SRC=198.51.100.7 DST=203.0.113.10 LEN=60 TTL=52 PROTO=TCP SPT=51234 DPT=23 SYN";
//! let flow = NetfilterParser::new(clock).parse_line(line).expect("valid line");
//! assert_eq!(flow.dst_port, Some(23));
//! assert_eq!(flow.action.map(|a| a.as_str()), Some("drop"));
//! assert_eq!(flow.rule.as_deref(), Some("UFW BLOCK"));
//! ```

mod fields;
pub mod filterlog;
pub mod fortigate;
pub mod mapping;
pub mod netfilter;
pub mod paloalto;
pub mod syslog;

pub use filterlog::FilterlogParser;
pub use fortigate::FortigateParser;
pub use mapping::{FieldMapping, MappingParser};
pub use netfilter::NetfilterParser;
pub use paloalto::PaloAltoParser;
pub use syslog::TimeContext;
