//! Palo Alto Networks (PAN-OS) TRAFFIC logs in the default CSV syslog format, with or
//! without the syslog envelope:
//!
//! ```text
//! <14>Mar 12 08:10:51 PA-VM 1,2024/03/12 08:10:51,007200001056,TRAFFIC,drop,2305,
//!   2024/03/12 08:10:51,198.51.100.7,203.0.113.10,0.0.0.0,0.0.0.0,deny-telnet,,,
//!   not-applicable,vsys1,untrust,trust,ethernet1/1,,Log-Fwd,2024/03/12 08:10:51,0,1,
//!   51234,23,0,0,0x0,tcp,deny,60,60,0,1,...
//! ```
//!
//! Fields by position (0-based, as PAN-OS 8–11 document them): 3 type (`TRAFFIC`), 6
//! generated time (device local time), 7/8 source/destination, 11 rule, 18/19 inbound/
//! outbound interface, 24/25 ports, 29 protocol, 30 action (`allow`, `deny`, `drop`,
//! `reset-*`), 31 bytes, 34 packets, 52 device name. Other log types (THREAT, SYSTEM)
//! are rejected with their type named.

use kansoku_event::NetFlow;

use super::fields::{self, csv};
use super::syslog::{TimeContext, date_time, envelope, has_envelope};
use crate::{ParseError, Parsed, Parser, feed_single_line};

/// Reads PAN-OS TRAFFIC CSV lines. Stateless between lines.
#[derive(Debug, Clone)]
pub struct PaloAltoParser {
    clock: TimeContext,
}

/// Fields a TRAFFIC record must have (through `packets`).
const MIN_FIELDS: usize = 35;

impl PaloAltoParser {
    /// A parser reading local times with `clock`.
    pub fn new(clock: TimeContext) -> Self {
        PaloAltoParser { clock }
    }

    /// Parses one line into a flow.
    pub fn parse_line(&self, line: &[u8]) -> Result<NetFlow, ParseError> {
        let line = String::from_utf8_lossy(line);
        let mut body = line.trim();
        let mut host = None;
        if has_envelope(body) {
            let env = envelope(body, &self.clock)?;
            host = env.host;
            body = env.msg;
        }
        let f = csv(body, ',')?;
        let get = |i: usize| f.get(i).map_or("", |v| &**v);
        match get(3) {
            "TRAFFIC" => {}
            "" => {
                return Err(ParseError::Malformed(
                    "not a PAN-OS log line (no log type in field 4)".into(),
                ));
            }
            other => {
                return Err(ParseError::Malformed(format!(
                    "PAN-OS {} log, not TRAFFIC",
                    fields::short(other)
                )));
            }
        }
        if f.len() < MIN_FIELDS {
            return Err(ParseError::Malformed(format!(
                "PAN-OS TRAFFIC record has {} fields, at least {MIN_FIELDS} expected",
                f.len()
            )));
        }
        let generated = if get(6).is_empty() { get(1) } else { get(6) };
        let ts = generated
            .split_once(' ')
            .and_then(|(d, t)| date_time(d, t))
            .and_then(|t| self.clock.local(t))
            .ok_or_else(|| ParseError::Timestamp(fields::short(generated).to_string()))?;
        let text = |i: usize| Some(get(i)).filter(|v| !v.is_empty()).map(str::to_owned);
        let some = |i: usize| Some(get(i));
        Ok(NetFlow {
            ts,
            src_ip: Some(fields::ip("source address", get(7))?),
            dst_ip: Some(fields::ip("destination address", get(8))?),
            src_port: fields::port("source port", some(24))?.filter(|p| *p != 0),
            dst_port: fields::port("destination port", some(25))?.filter(|p| *p != 0),
            proto: fields::proto(get(29)),
            action: fields::action(get(30)),
            in_iface: text(18),
            out_iface: text(19),
            device: text(52).or(host.map(str::to_owned)),
            rule: text(11),
            bytes: fields::count("bytes", some(31))?,
            packets: fields::count("packets", some(34))?,
            ..NetFlow::default()
        })
    }
}

impl Parser<NetFlow> for PaloAltoParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<NetFlow>>) {
        feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed<NetFlow>>) {}
}
