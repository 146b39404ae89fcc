//! Field readers every firewall format shares: addresses, ports, protocols, actions, and
//! the two line shapes vendors use (CSV and `key=value`).

use std::borrow::Cow;
use std::net::IpAddr;

use kansoku_event::net::Action;

use crate::ParseError;

/// An address in canonical text form; an IPv4-mapped IPv6 address becomes IPv4.
pub(crate) fn ip(field: &str, value: &str) -> Result<String, ParseError> {
    let v = value.trim().trim_start_matches('[').trim_end_matches(']');
    let v = v.split('%').next().unwrap_or(v);
    match v.parse::<IpAddr>() {
        Ok(IpAddr::V6(a)) => Ok(a
            .to_ipv4_mapped()
            .map_or_else(|| a.to_string(), |m| m.to_string())),
        Ok(a) => Ok(a.to_string()),
        Err(_) => Err(ParseError::Malformed(format!(
            "{field}: not an IP address: {:?}",
            short(value)
        ))),
    }
}

/// An optional address: empty stays `None`.
pub(crate) fn opt_ip(field: &str, value: Option<&str>) -> Result<Option<String>, ParseError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => ip(field, v).map(Some),
    }
}

/// A port number; empty is `None`.
pub(crate) fn port(field: &str, value: Option<&str>) -> Result<Option<u16>, ParseError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<u16>().map(Some).map_err(|_| {
            ParseError::Malformed(format!("{field}: not a port number: {:?}", short(v)))
        }),
    }
}

/// A counter (bytes, packets); empty is `None`.
pub(crate) fn count(field: &str, value: Option<&str>) -> Result<Option<u64>, ParseError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .map_err(|_| ParseError::Malformed(format!("{field}: not a number: {:?}", short(v)))),
    }
}

/// The `proto` column's spelling: `tcp`, `udp`, `icmp`, `icmpv6`, else the IP protocol
/// number as text. Names without a known number are kept in lower case.
pub(crate) fn proto(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    const NAMES: [(&str, u8); 12] = [
        ("icmp", 1),
        ("igmp", 2),
        ("tcp", 6),
        ("udp", 17),
        ("gre", 47),
        ("esp", 50),
        ("ah", 51),
        ("icmpv6", 58),
        ("ipv6-icmp", 58),
        ("ospf", 89),
        ("sctp", 132),
        ("udplite", 136),
    ];
    let named = |n: u8| match n {
        1 => "icmp".to_string(),
        6 => "tcp".to_string(),
        17 => "udp".to_string(),
        58 => "icmpv6".to_string(),
        n => n.to_string(),
    };
    if let Ok(n) = v.parse::<u8>() {
        return Some(named(n));
    }
    let lower = v.to_ascii_lowercase();
    Some(
        NAMES
            .iter()
            .find(|(name, _)| *name == lower)
            .map_or(lower, |(_, n)| named(*n)),
    )
}

/// A vendor's action word as allow / deny / drop; `None` for words that say neither
/// (`AUDIT`, `LOG`), which leave the column empty rather than guess.
pub(crate) fn action(word: &str) -> Option<Action> {
    let w = word.trim().to_ascii_lowercase();
    if w.contains("drop") || w.contains("block") || w.contains("discard") {
        Some(Action::Drop)
    } else if w.contains("deny")
        || w.contains("reject")
        || w.contains("reset")
        || w.contains("refuse")
    {
        Some(Action::Deny)
    } else if w.contains("accept")
        || w.contains("allow")
        || w.contains("pass")
        || w.contains("permit")
    {
        Some(Action::Allow)
    } else {
        None
    }
}

/// The first 60 characters, for error messages.
pub(crate) fn short(s: &str) -> &str {
    let end = s.char_indices().nth(60).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Splits a CSV line with `delim`; fields may be quoted with `"` (`""` inside is a quote).
pub(crate) fn csv(line: &str, delim: char) -> Result<Vec<Cow<'_, str>>, ParseError> {
    let mut fields = Vec::with_capacity(64);
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) => {
                        if quoted[i + 1..].starts_with('"') {
                            value.push('"');
                            chars.next();
                        } else {
                            break i + 1;
                        }
                    }
                    Some((_, c)) => value.push(c),
                    None => return Err(ParseError::Malformed("unterminated quote".into())),
                }
            };
            fields.push(Cow::Owned(value));
            rest = &quoted[end..];
            match rest.chars().next() {
                None => return Ok(fields),
                Some(c) if c == delim => rest = &rest[c.len_utf8()..],
                Some(_) => {
                    return Err(ParseError::Malformed("text after a closing quote".into()));
                }
            }
        } else {
            match rest.find(delim) {
                Some(i) => {
                    fields.push(Cow::Borrowed(&rest[..i]));
                    rest = &rest[i + delim.len_utf8()..];
                }
                None => {
                    fields.push(Cow::Borrowed(rest));
                    return Ok(fields);
                }
            }
        }
    }
}

/// Splits `key=value key="quoted value"` pairs (FortiGate, netfilter). A quoted value may
/// hold spaces and `\"`; a word without `=` is a flag and yields an empty value.
pub(crate) fn key_values(s: &str) -> Vec<(&str, Cow<'_, str>)> {
    let mut out = Vec::with_capacity(48);
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_end = rest.find(['=', ' ']).unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        if let Some(after) = rest.strip_prefix('=') {
            if let Some(quoted) = after.strip_prefix('"') {
                let bytes = quoted.as_bytes();
                let mut i = 0;
                let mut escaped = false;
                while i < bytes.len() && bytes[i] != b'"' {
                    escaped |= bytes[i] == b'\\';
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let raw = quoted.get(..i.min(quoted.len())).unwrap_or(quoted);
                let value = if escaped {
                    Cow::Owned(raw.replace("\\\"", "\"").replace("\\\\", "\\"))
                } else {
                    Cow::Borrowed(raw)
                };
                out.push((key, value));
                rest = quoted.get(i + 1..).unwrap_or("");
            } else {
                let end = after.find(' ').unwrap_or(after.len());
                out.push((key, Cow::Borrowed(&after[..end])));
                rest = &after[end..];
            }
        } else if !key.is_empty() {
            out.push((key, Cow::Borrowed("")));
        }
        rest = rest.trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_and_actions() {
        for (i, want) in [
            ("TCP", "tcp"),
            ("17", "udp"),
            ("ICMPv6", "icmpv6"),
            ("ipv6-icmp", "icmpv6"),
            ("GRE", "47"),
            ("47", "47"),
        ] {
            assert_eq!(proto(i).as_deref(), Some(want), "{i}");
        }
        assert_eq!(proto(" "), None);
        assert_eq!(action("UFW BLOCK"), Some(Action::Drop));
        assert_eq!(action("reset-both"), Some(Action::Deny));
        assert_eq!(action("FW-ACCEPT-IN"), Some(Action::Allow));
        assert_eq!(action("UFW AUDIT"), None);
    }

    #[test]
    fn csv_and_key_values() {
        let f = csv(r#"1,"a,b",,"say ""hi""""#, ',').expect("valid");
        assert_eq!(f, ["1", "a,b", "", "say \"hi\""]);
        assert!(csv(r#"1,"open"#, ',').is_err());
        let kv = key_values(r#"date=2024-03-12 devname="FGT 60F" msg="a \"b\"" DF x="#);
        let got: Vec<(&str, &str)> = kv.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        assert_eq!(
            got,
            [
                ("date", "2024-03-12"),
                ("devname", "FGT 60F"),
                ("msg", "a \"b\""),
                ("DF", ""),
                ("x", "")
            ]
        );
        assert_eq!(
            ip("src", "::ffff:192.0.2.1").ok().as_deref(),
            Some("192.0.2.1")
        );
        assert!(ip("src", "300.1.1.1").is_err());
    }
}
