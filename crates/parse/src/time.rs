//! Timestamps as logs write them, to microseconds since the epoch (UTC).
//!
//! The common log format time is parsed by hand: it is on every line of the fastest path,
//! and a generic strftime parser would cost more than the rest of the line.

use chrono::{DateTime, NaiveDateTime};
use kansoku_event::Micros;

use crate::ParseError;

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    if b.is_empty() {
        return None;
    }
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn bad(b: &[u8]) -> ParseError {
    ParseError::Timestamp(String::from_utf8_lossy(&b[..b.len().min(64)]).into_owned())
}

/// `10/Oct/2000:13:55:36 -0700`, optionally with `[` `]` around it and a fraction of a
/// second after the seconds (ModSecurity writes microseconds there).
pub(crate) fn clf(b: &[u8]) -> Result<Micros, ParseError> {
    let s = b.strip_prefix(b"[").unwrap_or(b);
    let s = s.strip_suffix(b"]").unwrap_or(s);
    if s.len() < 26 || s[2] != b'/' || s[6] != b'/' || s[11] != b':' {
        return Err(bad(b));
    }
    let day = digits(&s[0..2]).ok_or_else(|| bad(b))?;
    let mon = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(&s[3..6]))
        .ok_or_else(|| bad(b))? as u32
        + 1;
    let year = digits(&s[7..11]).ok_or_else(|| bad(b))?;
    let (h, mi, se) = (digits(&s[12..14]), digits(&s[15..17]), digits(&s[18..20]));
    let (Some(h), Some(mi), Some(se)) = (h, mi, se) else {
        return Err(bad(b));
    };
    if s[14] != b':' || s[17] != b':' || day == 0 || day > 31 || h > 23 || mi > 59 || se > 60 {
        return Err(bad(b));
    }
    let mut rest = &s[20..];
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut scale = 100_000i64;
        for &c in &frac[..n.min(6)] {
            micros += i64::from(c - b'0') * scale;
            scale /= 10;
        }
        rest = &frac[n..];
    }
    let zone = rest.strip_prefix(b" ").ok_or_else(|| bad(b))?;
    let offset = offset_secs(zone).ok_or_else(|| bad(b))?;
    let days = days_from_civil(i64::from(year), mon, day);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se) - offset;
    Ok(secs * 1_000_000 + micros)
}

/// `+0900`, `-07:00` or `Z`, in seconds east of UTC.
fn offset_secs(z: &[u8]) -> Option<i64> {
    if z == b"Z" {
        return Some(0);
    }
    let (sign, rest) = match z.first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let (hh, mm) = match rest.len() {
        4 => (&rest[0..2], &rest[2..4]),
        5 if rest[2] == b':' => (&rest[0..2], &rest[3..5]),
        _ => return None,
    };
    Some(sign * i64::from(digits(hh)? * 3600 + digits(mm)? * 60))
}

/// RFC 3339 / ISO 8601 with an offset (`2024-05-01T10:00:00+09:00`, `...Z`, fractions).
/// A time without an offset is taken as UTC.
pub(crate) fn rfc3339(s: &str) -> Result<Micros, ParseError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_micros());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc().timestamp_micros());
        }
    }
    Err(bad(s.as_bytes()))
}

/// Seconds since the epoch with an optional fraction (nginx `$msec`: `1700000000.123`).
pub(crate) fn epoch_secs(b: &[u8]) -> Result<Micros, ParseError> {
    let (int, frac) = match memchr::memchr(b'.', b) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    let secs = crate::text::parse_u64(int)
        .and_then(|s| i64::try_from(s).ok())
        .filter(|s| *s < 1 << 40)
        .ok_or_else(|| bad(b))?;
    let mut micros = 0i64;
    let mut scale = 100_000i64;
    for &c in frac.iter().take(6) {
        if !c.is_ascii_digit() {
            return Err(bad(b));
        }
        micros += i64::from(c - b'0') * scale;
        scale /= 10;
    }
    Ok(secs * 1_000_000 + micros)
}

/// An integer count since the epoch in units of `per_sec` per second (1000 for ms).
pub(crate) fn epoch_units(n: i64, per_sec: i64) -> Result<Micros, ParseError> {
    n.checked_mul(1_000_000 / per_sec)
        .filter(|m| m.abs() < 1 << 62)
        .ok_or_else(|| ParseError::Timestamp(n.to_string()))
}

/// A time written with a strftime pattern (Apache `%{...}t`); without `%z` it is UTC.
pub(crate) fn strftime(s: &[u8], pattern: &str) -> Result<Micros, ParseError> {
    let text = std::str::from_utf8(s).map_err(|_| bad(s))?;
    if pattern.contains("%z") || pattern.contains("%:z") {
        DateTime::parse_from_str(text, pattern).map(|t| t.timestamp_micros())
    } else {
        NaiveDateTime::parse_from_str(text, pattern).map(|t| t.and_utc().timestamp_micros())
    }
    .map_err(|_| bad(s))
}

/// C `ctime` form used by ModSecurity v3 (`Tue May 10 04:52:04 2022`), taken as UTC
/// because the log does not say its zone.
pub(crate) fn ctime(s: &str) -> Result<Micros, ParseError> {
    let squeezed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&squeezed, "%a %b %d %H:%M:%S %Y")
        .map(|t| t.and_utc().timestamp_micros())
        .map_err(|_| bad(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_table() {
        let cases: &[(&[u8], Option<Micros>)] = &[
            (b"17/May/2015:10:05:03 +0000", Some(1_431_857_103_000_000)),
            (b"[17/May/2015:10:05:03 +0000]", Some(1_431_857_103_000_000)),
            (b"29/Jul/2023:10:26:06 -0700", Some(1_690_651_566_000_000)),
            (b"17/Oct/2023:05:57:49 +1100", Some(1_697_482_669_000_000)),
            (
                b"23/May/2022:06:28:50.123456 +0000",
                Some(1_653_287_330_123_456),
            ),
            (b"29/Feb/2024:00:00:00 +0900", Some(1_709_132_400_000_000)),
            (b"17/Foo/2015:10:05:03 +0000", None),
            (b"17/May/2015:25:05:03 +0000", None),
            (b"17/May/2015:10:05:03", None),
            (b"", None),
        ];
        for (input, want) in cases {
            assert_eq!(clf(input).ok(), *want, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn other_forms() {
        assert_eq!(
            rfc3339("2015-05-17T10:05:03+00:00").ok(),
            Some(1_431_857_103_000_000)
        );
        assert_eq!(
            rfc3339("2015-05-17T19:05:03.5+09:00").ok(),
            Some(1_431_857_103_500_000)
        );
        assert_eq!(
            epoch_secs(b"1431857103.250").ok(),
            Some(1_431_857_103_250_000)
        );
        assert!(epoch_secs(b"abc").is_err());
        assert_eq!(
            ctime("Mon May  9 09:41:59 2022").ok(),
            Some(1_652_089_319_000_000)
        );
        assert_eq!(
            strftime(b"2015-05-17 10:05:03", "%Y-%m-%d %H:%M:%S").ok(),
            Some(1_431_857_103_000_000)
        );
    }
}
