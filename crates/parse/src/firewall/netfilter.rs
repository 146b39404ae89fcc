//! Linux netfilter `LOG` lines (iptables `-j LOG`, nftables `log`, UFW), as kern.log,
//! syslog or journald write them:
//!
//! ```text
//! Oct  7 02:00:01 fw1 kernel: [1209600.5] [UFW BLOCK] IN=eth0 OUT= MAC=.. SRC=198.51.100.7
//!   DST=203.0.113.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=51234 DPT=23 ..
//! ```
//!
//! The log prefix (`[UFW BLOCK]`, `FW-DROP-IN:`, `nft drop in: `) is the rule and gives the
//! action when it holds a word for one (accept/allow, drop/block, reject/deny); `LEN` is
//! the packet's bytes and each line is one packet. Lines of kern.log that are not
//! netfilter's (no `IN=` … `SRC=`) are rejected, so a mixed file says how much was not
//! firewall traffic.

use kansoku_event::NetFlow;

use super::fields::{self, key_values};
use super::syslog::{TimeContext, envelope};
use crate::{ParseError, Parsed, Parser, feed_single_line};

/// Reads netfilter LOG lines. Stateless between lines.
#[derive(Debug, Clone)]
pub struct NetfilterParser {
    clock: TimeContext,
}

impl NetfilterParser {
    /// A parser reading local times with `clock`.
    pub fn new(clock: TimeContext) -> Self {
        NetfilterParser { clock }
    }

    /// Parses one line into a flow.
    pub fn parse_line(&self, line: &[u8]) -> Result<NetFlow, ParseError> {
        let line = String::from_utf8_lossy(line);
        let env = envelope(&line, &self.clock)?;
        let msg = env.msg;
        let start = if msg.starts_with("IN=") {
            0
        } else {
            msg.find(" IN=").map(|i| i + 1).ok_or_else(|| {
                ParseError::Malformed("not a netfilter LOG line (no IN= field)".into())
            })?
        };
        let prefix = rule_of(&msg[..start]);
        let kv = key_values(&msg[start..]);
        let get = |key: &str| kv.iter().find(|(k, _)| *k == key).map(|(_, v)| &**v);
        let src = get("SRC").ok_or_else(|| ParseError::Malformed("no SRC= field".into()))?;
        let dst = get("DST").ok_or_else(|| ParseError::Malformed("no DST= field".into()))?;
        let nonempty = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(NetFlow {
            ts: env.ts,
            src_ip: Some(fields::ip("SRC", src)?),
            dst_ip: Some(fields::ip("DST", dst)?),
            src_port: fields::port("SPT", get("SPT"))?,
            dst_port: fields::port("DPT", get("DPT"))?,
            proto: get("PROTO").and_then(fields::proto),
            action: prefix.as_deref().and_then(fields::action),
            in_iface: nonempty(get("IN")),
            out_iface: nonempty(get("OUT")),
            device: env.host.map(str::to_owned),
            rule: prefix,
            bytes: fields::count("LEN", get("LEN"))?,
            packets: Some(1),
            ..NetFlow::default()
        })
    }
}

/// The log prefix without the kernel's uptime stamp, brackets and trailing colon.
fn rule_of(head: &str) -> Option<String> {
    let mut s = head.trim();
    if s.starts_with('[')
        && let Some(end) = s.find(']')
        && s[1..end]
            .trim()
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
    {
        s = s[end + 1..].trim_start();
    }
    let s = s.trim_end().trim_end_matches(':').trim();
    let s = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s)
        .trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl Parser<NetFlow> for NetfilterParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<NetFlow>>) {
        feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed<NetFlow>>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_rules() {
        assert_eq!(
            rule_of("[1209600.123456] FW-DROP-IN: ").as_deref(),
            Some("FW-DROP-IN")
        );
        assert_eq!(
            rule_of("[ 12.5] [UFW BLOCK] ").as_deref(),
            Some("UFW BLOCK")
        );
        assert_eq!(rule_of("nft drop in: ").as_deref(), Some("nft drop in"));
        assert_eq!(rule_of("[12.5] "), None);
    }
}
