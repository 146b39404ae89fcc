//! pfSense / OPNsense `filterlog` lines: a syslog envelope, then one CSV record per packet.
//!
//! ```text
//! Mar 12 08:10:51 pf filterlog[4567]: 5,,,1000000103,igb0,match,block,in,4,0x0,,52,1234,0,DF,6,tcp,60,198.51.100.7,203.0.113.10,51234,23,0,S,1,,64240,,mss
//! Mar 12 08:10:52 pf filterlog[4567]: 7,,,1000000105,igb0,match,pass,in,6,0x00,0x00000,64,udp,17,96,2001:db8::7,2001:db8:1::10,51234,3702,88
//! ```
//!
//! Common fields: rule number, sub-rule, anchor, tracker, interface, reason, action
//! (`pass`, `block`, `reject`), direction (`in`, `out`), IP version. IPv4 continues with
//! TOS, ECN, TTL, id, offset, flags, protocol number, protocol name, length, source,
//! destination; IPv6 with class, flow label, hop limit, protocol name, protocol number,
//! length, source, destination (the two protocol fields swap places). TCP and UDP then
//! give source port, destination port, data length; ICMP its type and more.

use kansoku_event::NetFlow;

use super::fields::{self, csv};
use super::syslog::{TimeContext, envelope};
use crate::{ParseError, Parsed, Parser, feed_single_line};

/// Reads filterlog lines. Stateless between lines.
#[derive(Debug, Clone)]
pub struct FilterlogParser {
    clock: TimeContext,
}

impl FilterlogParser {
    /// A parser reading local times with `clock`.
    pub fn new(clock: TimeContext) -> Self {
        FilterlogParser { clock }
    }

    /// Parses one line into a flow.
    pub fn parse_line(&self, line: &[u8]) -> Result<NetFlow, ParseError> {
        let line = String::from_utf8_lossy(line);
        let env = envelope(&line, &self.clock)?;
        if env.tag.is_some_and(|t| t != "filterlog") {
            return Err(ParseError::Malformed(format!(
                "not a filterlog line (program {:?})",
                env.tag.unwrap_or_default()
            )));
        }
        let f = csv(env.msg.trim(), ',')?;
        let get = |i: usize| f.get(i).map(|v| &**v);
        let need = |i: usize, what: &str| {
            get(i).ok_or_else(|| {
                ParseError::Malformed(format!(
                    "filterlog record has {} fields; {what} (field {}) is missing",
                    f.len(),
                    i + 1
                ))
            })
        };
        // Field indexes of protocol name, length, source and destination per IP version.
        let (proto_at, len_at, src_at) = match need(8, "the IP version")? {
            "4" => (16, 17, 18),
            "6" => (12, 14, 15),
            v => {
                return Err(ParseError::Malformed(format!(
                    "filterlog IP version {:?} is neither 4 nor 6",
                    fields::short(v)
                )));
            }
        };
        let iface = need(4, "the interface")?.to_string();
        let (in_iface, out_iface) = match need(7, "the direction")? {
            "out" => (None, Some(iface)),
            _ => (Some(iface), None),
        };
        let proto = fields::proto(need(proto_at, "the protocol")?);
        let transport = matches!(proto.as_deref(), Some("tcp" | "udp"));
        let rule = match (get(3), get(0)) {
            (Some(t), _) if !t.is_empty() => Some(t.to_string()),
            (_, Some(n)) if !n.is_empty() => Some(n.to_string()),
            _ => None,
        };
        Ok(NetFlow {
            ts: env.ts,
            src_ip: Some(fields::ip("source", need(src_at, "the source")?)?),
            dst_ip: Some(fields::ip(
                "destination",
                need(src_at + 1, "the destination")?,
            )?),
            src_port: if transport {
                fields::port("source port", get(src_at + 2))?
            } else {
                None
            },
            dst_port: if transport {
                fields::port("destination port", get(src_at + 3))?
            } else {
                None
            },
            proto,
            action: fields::action(need(6, "the action")?),
            in_iface,
            out_iface,
            device: env.host.map(str::to_owned),
            rule,
            bytes: fields::count("length", get(len_at))?,
            packets: Some(1),
            ..NetFlow::default()
        })
    }
}

impl Parser<NetFlow> for FilterlogParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<NetFlow>>) {
        feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed<NetFlow>>) {}
}
