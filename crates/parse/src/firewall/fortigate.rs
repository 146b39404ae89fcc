//! FortiGate (FortiOS) traffic logs: `key=value` pairs, sent by syslog or exported from
//! FortiAnalyzer:
//!
//! ```text
//! <189>date=2024-03-12 time=08:10:51 devname="FGT60F" eventtime=1710230451123456789 tz="+0900"
//!   logid="0000000013" type="traffic" subtype="forward" srcip=198.51.100.7 srcport=51234
//!   srcintf="wan1" dstip=203.0.113.10 dstport=23 dstintf="internal" proto=6 action="deny"
//!   policyid=0 sentbyte=0 rcvdbyte=0 sentpkt=1 rcvdpkt=0
//! ```
//!
//! Time: `eventtime` (epoch in s, µs or ns, by its length) when present, else `date` +
//! `time` in the `tz` offset, else in the configured zone. A session log's bytes and
//! packets are both directions summed. `action` `accept`, `close`, `timeout`, `*-rst`
//! mean the session was allowed; `deny` and `drop` what they say. Lines whose `type` is not
//! `traffic` (event, utm) are rejected with their type named.

use kansoku_event::NetFlow;
use kansoku_event::net::Action;

use super::fields::{self, key_values};
use super::syslog::{TimeContext, date_time, envelope, has_envelope};
use crate::{ParseError, Parsed, Parser, feed_single_line};

/// Reads FortiGate traffic log lines. Stateless between lines.
#[derive(Debug, Clone)]
pub struct FortigateParser {
    clock: TimeContext,
}

impl FortigateParser {
    /// A parser reading local times with `clock`.
    pub fn new(clock: TimeContext) -> Self {
        FortigateParser { clock }
    }

    /// Parses one line into a flow.
    pub fn parse_line(&self, line: &[u8]) -> Result<NetFlow, ParseError> {
        let line = String::from_utf8_lossy(line);
        let mut body = line.trim();
        let mut host = None;
        if let Some(rest) = body.strip_prefix('<')
            && let Some(end) = rest.find('>')
            && !has_envelope(body)
        {
            body = &rest[end + 1..];
        }
        if has_envelope(body) {
            let env = envelope(body, &self.clock)?;
            host = env.host;
            body = env.msg;
        }
        let kv = key_values(body);
        let get = |key: &str| kv.iter().find(|(k, _)| *k == key).map(|(_, v)| &**v);
        if get("srcip").is_none() && get("date").is_none() {
            return Err(ParseError::Malformed(
                "not a FortiGate log line (no date= or srcip=)".into(),
            ));
        }
        match get("type") {
            Some("traffic") | None => {}
            Some(other) => {
                return Err(ParseError::Malformed(format!(
                    "FortiGate type={:?} log, not traffic",
                    fields::short(other)
                )));
            }
        }
        let ts = self.time(get("eventtime"), get("date"), get("time"), get("tz"))?;
        let src = get("srcip").ok_or_else(|| ParseError::Malformed("no srcip=".into()))?;
        let dst = get("dstip").ok_or_else(|| ParseError::Malformed("no dstip=".into()))?;
        let sum = |a: &str, b: &str| -> Result<Option<u64>, ParseError> {
            Ok(
                match (fields::count(a, get(a))?, fields::count(b, get(b))?) {
                    (None, None) => None,
                    (x, y) => Some(x.unwrap_or(0) + y.unwrap_or(0)),
                },
            )
        };
        let rule = get("policyname")
            .or(get("policyid"))
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let text = |key: &str| get(key).filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(NetFlow {
            ts,
            src_ip: Some(fields::ip("srcip", src)?),
            dst_ip: Some(fields::ip("dstip", dst)?),
            src_port: fields::port("srcport", get("srcport"))?,
            dst_port: fields::port("dstport", get("dstport"))?,
            proto: get("proto").and_then(fields::proto),
            action: get("action").and_then(session_action),
            in_iface: text("srcintf"),
            out_iface: text("dstintf"),
            device: text("devname").or(host.map(str::to_owned)),
            rule,
            bytes: sum("sentbyte", "rcvdbyte")?,
            packets: sum("sentpkt", "rcvdpkt")?,
            ..NetFlow::default()
        })
    }

    fn time(
        &self,
        eventtime: Option<&str>,
        date: Option<&str>,
        time: Option<&str>,
        tz: Option<&str>,
    ) -> Result<i64, ParseError> {
        if let Some(e) = eventtime.filter(|e| !e.is_empty()) {
            let n: i64 = e
                .parse()
                .map_err(|_| ParseError::Timestamp(format!("eventtime={}", fields::short(e))))?;
            // Seconds (10 digits), microseconds (16) or nanoseconds (19), by magnitude. A
            // negative one is no firewall's clock (and overflowed the conversion: found by
            // the firewall_logs fuzz target).
            return match n {
                ..0 => Err(ParseError::Timestamp(format!(
                    "eventtime={n} is before 1970"
                ))),
                n if n < 100_000_000_000 => Ok(n * 1_000_000),
                n if n < 100_000_000_000_000_000 => Ok(n),
                n => Ok(n / 1000),
            };
        }
        let (Some(d), Some(t)) = (date, time) else {
            return Err(ParseError::Timestamp(
                "no eventtime= and no date= time=".into(),
            ));
        };
        let bad = || ParseError::Timestamp(format!("date={d} time={t}"));
        let local = date_time(d, t).ok_or_else(bad)?;
        match tz.and_then(offset) {
            Some(secs) => Ok((local.and_utc().timestamp() - secs) * 1_000_000),
            None => self.clock.local(local).ok_or_else(bad),
        }
    }
}

/// `+0900`, `-05:00` → seconds east of UTC.
fn offset(tz: &str) -> Option<i64> {
    let (sign, rest) = match tz.trim().as_bytes().first()? {
        b'+' => (1, &tz.trim()[1..]),
        b'-' => (-1, &tz.trim()[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// A FortiGate session's end state as allow / deny / drop.
fn session_action(a: &str) -> Option<Action> {
    match a {
        "accept" | "close" | "timeout" | "server-rst" | "client-rst" | "start" | "dns" => {
            Some(Action::Allow)
        }
        "ip-conn" => Some(Action::Drop),
        other => fields::action(other),
    }
}

impl Parser<NetFlow> for FortigateParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<NetFlow>>) {
        feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed<NetFlow>>) {}
}
