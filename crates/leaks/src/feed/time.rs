//! Feed timestamps: `YYYY-MM-DD HH:MM:SS` with or without fractional seconds, RFC 3339,
//! or a bare date. Times without an offset are UTC, as every tracker writes them.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use kansoku_event::Micros;

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
];

/// Reads a feed timestamp as microseconds since the epoch, UTC; `None` when the text
/// is not a time in any of the accepted forms.
pub fn parse_time(s: &str) -> Option<Micros> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    // RFC 3339 with a space instead of `T` ("2024-05-01 10:00:00+09:00").
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(t.timestamp_micros());
    }
    for format in NAIVE_FORMATS {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_table() {
        // 2022-07-01 08:32:06 UTC
        let base = 1_656_664_326_000_000;
        let cases = [
            ("2022-07-01 08:32:06.456924", Some(base + 456_924)),
            ("2022-07-01 08:32:06", Some(base)),
            ("2022-07-01T08:32:06", Some(base)),
            ("2022-07-01T08:32:06.5", Some(base + 500_000)),
            ("2022-07-01T08:32:06Z", Some(base)),
            ("2022-07-01T08:32:06.456924Z", Some(base + 456_924)),
            ("2022-07-01T17:32:06+09:00", Some(base)),
            ("2022-07-01 17:32:06+09:00", Some(base)),
            (" 2022-07-01 08:32:06 ", Some(base)),
            ("2022-07-01 08:32", Some(base - 6_000_000)),
            (
                "2022-07-01",
                Some(base - (8 * 3600 + 32 * 60 + 6) * 1_000_000),
            ),
            ("2022-13-01 00:00:00", None),
            ("01/07/2022", None),
            ("yesterday", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time(text), want, "{text:?}");
        }
    }
}
