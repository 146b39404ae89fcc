//! TorDNSEL `exit-addresses`: blocks of `ExitNode`, `Published`, `LastStatus` and one
//! or more `ExitAddress` lines, optionally preceded by CollecTor's `@type tordnsel 1.0`
//! and `Downloaded` header lines.
//!
//! An observation is an `ExitAddress` line: the address was seen exiting at that time.

use std::io::BufRead;
use std::net::IpAddr;

use super::{Observation, TorError, TorImport, for_each_line, parse_datetime};

/// Reads a TorDNSEL `exit-addresses` document.
pub fn parse_exit_addresses<R: BufRead>(reader: R) -> Result<TorImport, TorError> {
    let mut import = TorImport::default();
    read_into(reader, &mut import, None)?;
    Ok(import)
}

/// Reads one document into `import`; `file` names it inside an archive.
pub(super) fn read_into<R: BufRead>(
    reader: R,
    import: &mut TorImport,
    file: Option<&str>,
) -> Result<(), TorError> {
    import.files += 1;
    // `None` before the first ExitNode; `Some(None)` inside a block whose fingerprint was bad.
    let mut fingerprint: Option<Option<std::sync::Arc<str>>> = None;
    for_each_line(reader, |n, line| {
        let Some(line) = line else {
            return import.reject(file, n, "not UTF-8");
        };
        let line = line.trim();
        let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        match keyword {
            "" => {}
            "@type" if rest.starts_with("tordnsel ") => {}
            "Downloaded" | "Published" | "LastStatus" => {
                if parse_datetime(rest).is_none() {
                    import.reject(file, n, "bad time");
                }
            }
            "ExitNode" => {
                import.relays += 1;
                if is_fingerprint(rest) {
                    fingerprint = Some(Some(import.intern(rest)));
                } else {
                    fingerprint = Some(None);
                    import.reject(file, n, "bad relay fingerprint");
                }
            }
            "ExitAddress" => {
                let Some(fp) = &fingerprint else {
                    return import.reject(file, n, "ExitAddress outside an ExitNode block");
                };
                let (addr, when) = rest.split_once(' ').unwrap_or((rest, ""));
                let Ok(ip) = addr.parse::<IpAddr>() else {
                    return import.reject(file, n, "bad address");
                };
                let Some(seen) = parse_datetime(when.trim()) else {
                    return import.reject(file, n, "bad time");
                };
                import.observations.push(Observation {
                    ip,
                    first: seen,
                    last: seen,
                    fingerprint: fp.clone(),
                });
            }
            _ => import.reject(file, n, "unknown keyword"),
        }
    })?;
    Ok(())
}

fn is_fingerprint(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_header_and_malformed_lines() {
        let doc = "@type tordnsel 1.0\n\
                   Downloaded 2018-11-01 00:02:01\n\
                   ExitAddress 192.0.2.9 2018-10-31 06:03:23\n\
                   ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n\
                   Published 2018-10-31 05:08:21\n\
                   LastStatus 2018-10-31 06:02:24\n\
                   ExitAddress 162.247.74.201 2018-10-31 06:03:23\n\
                   ExitAddress 2001:db8::7 2018-10-31 07:03:23\r\n\
                   ExitAddress 300.1.1.1 2018-10-31 06:03:23\n\
                   ExitNode nothex\n\
                   ExitAddress 198.51.100.1 2018-10-31 25:00:00\n\
                   ExitAddress 198.51.100.2 2018-10-31 08:00:00\n\
                   Bogus line\n";
        let import = parse_exit_addresses(doc.as_bytes()).expect("in memory");
        assert_eq!(import.relays, 2);
        assert_eq!(import.observations.len(), 3);
        let first = &import.observations[0];
        assert_eq!(first.ip.to_string(), "162.247.74.201");
        assert_eq!(
            first.first,
            parse_datetime("2018-10-31 06:03:23").expect("t")
        );
        assert_eq!(
            first.fingerprint.as_deref(),
            Some("0011BD2485AD45D984EC4159C88FC066E5E3300E")
        );
        assert!(import.observations[1].ip.is_ipv6());
        // The block with a bad fingerprint still yields its address, without a fingerprint.
        assert_eq!(import.observations[2].fingerprint, None);
        let lines: Vec<_> = import
            .malformed_lines
            .iter()
            .map(|m| (m.line, m.reason))
            .collect();
        assert_eq!(
            lines,
            [
                (3, "ExitAddress outside an ExitNode block"),
                (9, "bad address"),
                (10, "bad relay fingerprint"),
                (11, "bad time"),
                (13, "unknown keyword"),
            ]
        );
        assert_eq!(import.malformed, 5);
    }

    #[test]
    fn invalid_utf8_costs_one_line() {
        let mut doc = b"ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n".to_vec();
        doc.extend_from_slice(b"ExitAddress \xff\xfe 2018-10-31 06:03:23\n");
        doc.extend_from_slice(b"ExitAddress 192.0.2.1 2018-10-31 06:03:23");
        let import = parse_exit_addresses(&doc[..]).expect("in memory");
        assert_eq!(import.observations.len(), 1);
        assert_eq!(import.malformed_lines[0].line, 2);
    }
}
