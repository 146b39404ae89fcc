//! Reading times from the command line and from files.
//!
//! A time with an offset (`2026-10-03T10:00:00+09:00`, `…Z`) is taken as written; one
//! without (`2026-10-03 10:00`, `2026-10-03T10:00:00`, `2026-10-03`) is local time in the
//! zone the caller passes (the kit's default is Asia/Tokyo). An ambiguous or skipped local
//! time (a daylight-saving change) is refused rather than guessed.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::IrError;

/// Parses `s` as an instant; times without an offset are local time in `tz`.
pub fn parse_time(s: &str, tz: Tz) -> Result<DateTime<FixedOffset>, IrError> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .ok_or_else(|| {
        IrError::Invalid(format!(
            "{s:?}: expected a time such as 2026-10-03T10:00:00+09:00 or 2026-10-03 10:00 (local)"
        ))
    })?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.fixed_offset()),
        _ => Err(IrError::Invalid(format!(
            "{s:?} does not name one instant in {tz} (daylight-saving change): give an offset"
        ))),
    }
}

/// Parses an IANA zone name.
pub fn parse_tz(s: &str) -> Result<Tz, IrError> {
    s.parse().map_err(|_| {
        IrError::Invalid(format!(
            "unknown time zone {s:?} (use an IANA name such as Asia/Tokyo)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_local_times() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let a = parse_time("2026-10-03T10:00:00+09:00", chrono_tz::UTC).expect("rfc3339");
        let b = parse_time("2026-10-03 10:00", tokyo).expect("local");
        assert_eq!(a, b);
        assert_eq!(b.to_rfc3339(), "2026-10-03T10:00:00+09:00");
        let day = parse_time("2028-02-29", tokyo).expect("date");
        assert_eq!(day.to_rfc3339(), "2028-02-29T00:00:00+09:00");
        assert!(parse_time("2027-02-29", tokyo).is_err());
        // 02:30 on 2026-03-08 does not exist in New York.
        assert!(parse_time("2026-03-08 02:30", chrono_tz::America::New_York).is_err());
    }
}
