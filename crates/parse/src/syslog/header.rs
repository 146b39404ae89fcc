//! Syslog headers (RFC 3164 and RFC 5424) → the message part that the log parsers read.
//!
//! A web server or WAF that logs through syslog sends `<PRI>` + header + its own log line
//! (an nginx access line, a ModSecurity JSON record). Only the message part is the record;
//! the header gives the sending host, the tag and (5424) a precise time. A line with no
//! `<PRI>` is taken whole, since many relays strip the header.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A syslog message split into header fields and the message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage<'a> {
    /// Facility × 8 + severity, when a `<PRI>` was present.
    pub pri: Option<u8>,
    /// Header time, microseconds since the epoch, UTC (RFC 3164 times carry no year or
    /// zone: the current year and UTC are assumed).
    pub ts: Option<i64>,
    /// Sending host.
    pub host: Option<&'a str>,
    /// RFC 3164 tag or RFC 5424 APP-NAME.
    pub app: Option<&'a str>,
    /// The message text.
    pub msg: &'a [u8],
}

/// Splits one syslog message. Never fails: what is not a header is message.
pub fn parse(line: &[u8], year: i32) -> SyslogMessage<'_> {
    let line = trim_end(line);
    let whole = SyslogMessage {
        pri: None,
        ts: None,
        host: None,
        app: None,
        msg: line,
    };
    let Some((pri, rest)) = pri(line) else {
        return whole;
    };
    if let Some(rest) = rest.strip_prefix(b"1 ")
        && let Some(m) = rfc5424(pri, rest)
    {
        return m;
    }
    rfc3164(pri, rest, year).unwrap_or(SyslogMessage {
        pri: Some(pri),
        msg: rest,
        ..whole
    })
}

fn trim_end(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r' | 0] = b {
        b = rest;
    }
    b
}

fn pri(line: &[u8]) -> Option<(u8, &[u8])> {
    let rest = line.strip_prefix(b"<")?;
    let end = rest.iter().take(4).position(|&b| b == b'>')?;
    let digits = &rest[..end];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    if value > 191 {
        return None;
    }
    Some((value as u8, &rest[end + 1..]))
}

/// Next space-separated field and the rest.
fn field(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = b.iter().position(|&c| c == b' ')?;
    Some((&b[..end], &b[end + 1..]))
}

fn nil_or_str(f: &[u8]) -> Option<&str> {
    if f == b"-" {
        None
    } else {
        std::str::from_utf8(f).ok()
    }
}

/// `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`
fn rfc5424(pri: u8, rest: &[u8]) -> Option<SyslogMessage<'_>> {
    let (ts, rest) = field(rest)?;
    let (host, rest) = field(rest)?;
    let (app, rest) = field(rest)?;
    let (_procid, rest) = field(rest)?;
    let (_msgid, rest) = field(rest).unwrap_or((rest, b""));
    let msg = skip_structured_data(rest)?;
    let msg = msg.strip_prefix(b" ").unwrap_or(msg);
    let msg = msg.strip_prefix("\u{feff}".as_bytes()).unwrap_or(msg);
    let ts = std::str::from_utf8(ts)
        .ok()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc).timestamp_micros());
    Some(SyslogMessage {
        pri: Some(pri),
        ts,
        host: nil_or_str(host),
        app: nil_or_str(app),
        msg,
    })
}

/// `-` or one or more `[id param="value" ...]` elements; `]` inside values is escaped.
fn skip_structured_data(b: &[u8]) -> Option<&[u8]> {
    if let Some(rest) = b.strip_prefix(b"-") {
        return Some(rest);
    }
    if b.is_empty() {
        return Some(b);
    }
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        i += 1;
        loop {
            match b.get(i)? {
                b'\\' if in_quotes => i += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    if i == 0 {
        return None;
    }
    Some(&b[i..])
}

/// `Mmm dd hh:mm:ss HOSTNAME TAG: MSG` (the tag ends at `:`, `[` or a space).
fn rfc3164(pri: u8, rest: &[u8], year: i32) -> Option<SyslogMessage<'_>> {
    let stamp = rest.get(..15)?;
    let text = std::str::from_utf8(stamp).ok()?;
    let naive = NaiveDateTime::parse_from_str(&format!("{year} {text}"), "%Y %b %e %H:%M:%S")
        .ok()
        .or_else(|| {
            NaiveDate::from_ymd_opt(year, 1, 1)?;
            None
        })?;
    let rest = rest.get(15..)?.strip_prefix(b" ")?;
    let (host, rest) = field(rest).unwrap_or((rest, b""));
    let tag_end = rest
        .iter()
        .position(|&c| c == b':' || c == b'[' || c == b' ')
        .unwrap_or(rest.len());
    let tag = &rest[..tag_end];
    let mut msg = &rest[tag_end..];
    if msg.first() == Some(&b'[') {
        let close = msg.iter().position(|&c| c == b']').unwrap_or(0);
        msg = &msg[close + 1..];
    }
    let msg = msg.strip_prefix(b":").unwrap_or(msg);
    let msg = msg.strip_prefix(b" ").unwrap_or(msg);
    Some(SyslogMessage {
        pri: Some(pri),
        ts: Some(naive.and_utc().timestamp_micros()),
        host: std::str::from_utf8(host).ok(),
        app: std::str::from_utf8(tag).ok().filter(|t| !t.is_empty()),
        msg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX: &str =
        r#"203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] "GET /.env HTTP/1.1" 404 1 "-" "curl/8""#;

    #[test]
    fn rfc3164_carries_an_nginx_line() {
        let line = format!("<190>Oct  1 01:00:00 web1 nginx: {NGINX}\n");
        let m = parse(line.as_bytes(), 2026);
        assert_eq!(m.pri, Some(190));
        assert_eq!(m.host, Some("web1"));
        assert_eq!(m.app, Some("nginx"));
        assert_eq!(m.msg, NGINX.as_bytes());
        assert_eq!(
            m.ts,
            Some(
                DateTime::parse_from_rfc3339("2026-10-01T01:00:00Z")
                    .map(|t| t.timestamp_micros())
                    .unwrap_or_default()
            )
        );
        let with_pid = format!("<13>Oct 11 22:14:15 web1 nginx[4242]: {NGINX}");
        assert_eq!(parse(with_pid.as_bytes(), 2026).msg, NGINX.as_bytes());
    }

    #[test]
    fn rfc5424_with_and_without_structured_data() {
        let json = r#"{"transaction":{"client_ip":"203.0.113.9"}}"#;
        let line = format!(
            "<165>1 2026-10-01T10:00:00.123+09:00 waf1 modsec 77 - [meta seq=\"1\" note=\"a]b\\\"c\"][x@1 y=\"z\"] {json}"
        );
        let m = parse(line.as_bytes(), 2026);
        assert_eq!(m.host, Some("waf1"));
        assert_eq!(m.app, Some("modsec"));
        assert_eq!(m.msg, json.as_bytes());
        assert_eq!(m.ts, Some(1_790_816_400_123_000));
        let nil = format!("<165>1 - - - - - - \u{feff}{NGINX}");
        let m = parse(nil.as_bytes(), 2026);
        assert_eq!((m.host, m.ts), (None, None));
        assert_eq!(m.msg, NGINX.as_bytes());
    }

    #[test]
    fn anything_else_is_message() {
        for raw in [
            NGINX,
            "<999>x",
            "<>x",
            "<13>garbage header",
            "",
            "<13>1 broken",
        ] {
            let m = parse(raw.as_bytes(), 2026);
            assert!(raw.as_bytes().ends_with(m.msg), "{raw:?} → {m:?}");
        }
        assert_eq!(parse(NGINX.as_bytes(), 2026).pri, None);
    }
}
