//! Bulk exit lists: one address per line (`torbulkexitlist`, third-party `.lst` files),
//! IPv4 or IPv6, `#` comments allowed.
//!
//! The lines carry no times, so the caller names the day the list was taken (from
//! the file name or a `--date` option); each address counts as seen for that whole day.

use std::io::BufRead;
use std::net::IpAddr;

use kansoku_event::Micros;

use super::time::DAY;
use super::{Observation, TorError, TorImport, for_each_line};

/// Reads a bulk list taken on the UTC day starting at `day` (see [`super::parse_date`]).
pub fn parse_bulk_list<R: BufRead>(reader: R, day: Micros) -> Result<TorImport, TorError> {
    let mut import = TorImport {
        files: 1,
        ..Default::default()
    };
    let (first, last) = (day, day.saturating_add(DAY - 1));
    for_each_line(reader, |n, line| {
        let Some(line) = line else {
            return import.reject(None, n, "not UTF-8");
        };
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        // Some lists bracket IPv6 addresses.
        let addr = line
            .strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .unwrap_or(line);
        match addr.parse::<IpAddr>() {
            Ok(ip) => import.observations.push(Observation {
                ip,
                first,
                last,
                fingerprint: None,
            }),
            Err(_) => import.reject(None, n, "not an IP address"),
        }
    })?;
    Ok(import)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tor::parse_date;

    #[test]
    fn addresses_comments_and_rejects() {
        let day = parse_date("2022-10-15").expect("date");
        let list = "# exits\n102.130.113.9\n\n2001:67c:e60:c0c:192:42:116:16\n[2a0b:f4c2::24]\n\
                    999.1.1.1\n103.109.101.105 extra\n";
        let import = parse_bulk_list(list.as_bytes(), day).expect("in memory");
        assert_eq!(import.observations.len(), 3);
        assert_eq!(import.distinct_ipv6_addresses(), 2);
        let o = &import.observations[0];
        assert_eq!((o.first, o.last), (day, day + DAY - 1));
        assert_eq!(import.malformed, 2);
        let lines: Vec<u64> = import.malformed_lines.iter().map(|m| m.line).collect();
        assert_eq!(lines, [6, 7]);
    }
}
