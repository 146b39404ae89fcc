//! The demo's calendar: months in Japan Standard Time, days off, and the time formats
//! each log source writes.
//!
//! Times are kept as Unix milliseconds (UTC). The monitored sites are in Japan, so the
//! logs, the months and the business hours are all in JST (UTC+9, no daylight saving).

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, Timelike};

/// JST's offset from UTC, seconds.
pub(crate) const JST_OFFSET_SECS: i32 = 9 * 3600;
/// One hour in milliseconds.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// Japan Standard Time.
pub(crate) fn jst() -> FixedOffset {
    FixedOffset::east_opt(JST_OFFSET_SECS).expect("+09:00 is a valid offset")
}

/// One month of the demo period, `[start_ms, end_ms)`, starting at local midnight.
#[derive(Debug, Clone)]
pub(crate) struct Month {
    /// 0 for the first month of the period.
    pub index: usize,
    /// `YYYY-MM` of the month's first day, used in file names.
    pub label: String,
    /// First instant, Unix ms.
    pub start_ms: i64,
    /// First instant after the month, Unix ms.
    pub end_ms: i64,
}

impl Month {
    /// The hours of the month, as their first instants.
    pub(crate) fn hours(&self) -> impl Iterator<Item = i64> + use<> {
        (self.start_ms..self.end_ms).step_by(HOUR_MS as usize)
    }

    /// Whole days in the month.
    pub(crate) fn days(&self) -> impl Iterator<Item = i64> + use<> {
        (self.start_ms..self.end_ms).step_by(DAY_MS as usize)
    }
}

/// Local midnight of `date` in JST, Unix ms.
pub(crate) fn midnight_ms(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
        - i64::from(JST_OFFSET_SECS) * 1000
}

/// `count` consecutive months from `start` (a date of that month's first day, or any day).
pub(crate) fn months(start: NaiveDate, count: u32) -> Vec<Month> {
    (0..count)
        .filter_map(|i| {
            let first = start.checked_add_months(Months::new(i))?;
            let next = start.checked_add_months(Months::new(i + 1))?;
            Some(Month {
                index: i as usize,
                label: format!("{:04}-{:02}", first.year(), first.month()),
                start_ms: midnight_ms(first),
                end_ms: midnight_ms(next),
            })
        })
        .collect()
}

/// Wall-clock time in JST of a Unix ms instant.
pub(crate) fn local(ts_ms: i64) -> NaiveDateTime {
    let secs = ts_ms.div_euclid(1000) + i64::from(JST_OFFSET_SECS);
    let nanos = (ts_ms.rem_euclid(1000) * 1_000_000) as u32;
    DateTime::from_timestamp(secs, nanos)
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}

/// An instant as a JST date-time, for the manifest.
pub(crate) fn to_jst(ts_ms: i64) -> DateTime<FixedOffset> {
    DateTime::from_timestamp_millis(ts_ms)
        .unwrap_or_default()
        .with_timezone(&jst())
}

/// Japanese public holidays in the demo's default period, and the Obon days many firms
/// close; offices are as quiet on them as on weekends.
const DAYS_OFF: [(i32, u32, u32); 9] = [
    (2026, 8, 11),
    (2026, 8, 13),
    (2026, 8, 14),
    (2026, 9, 21),
    (2026, 9, 22),
    (2026, 9, 23),
    (2026, 10, 12),
    (2026, 11, 3),
    (2026, 11, 23),
];

/// Whether offices are closed on this local date.
pub(crate) fn is_day_off(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() >= 6
        || DAYS_OFF.contains(&(date.year(), date.month(), date.day()))
}

const MONTH_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAY_ABBR: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn month_abbr(t: &NaiveDateTime) -> &'static str {
    MONTH_ABBR[t.month0() as usize]
}

/// Common Log Format time: `16/Sep/2026:13:05:12 +0900`.
pub(crate) fn clf_time(ts_ms: i64) -> String {
    let t = local(ts_ms);
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0900",
        t.day(),
        month_abbr(&t),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// ctime-style local time as ModSecurity v3 writes it: `Wed Sep 16 13:05:12 2026`.
pub(crate) fn ctime(ts_ms: i64) -> String {
    let t = local(ts_ms);
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {:04}",
        DAY_ABBR[t.weekday().num_days_from_monday() as usize],
        month_abbr(&t),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// BSD syslog local time: `Oct  7 02:00:01`.
pub(crate) fn syslog_time(ts_ms: i64) -> String {
    let t = local(ts_ms);
    format!(
        "{} {:2} {:02}:{:02}:{:02}",
        month_abbr(&t),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// UTC time with microseconds, as ransomwatch's `discovered`: `2026-08-03 12:34:56.123456`.
pub(crate) fn utc_micros(ts_us: i64) -> String {
    let dt = DateTime::from_timestamp_micros(ts_us).unwrap_or_default();
    dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// UTC time in seconds: `2026-08-03 12:34:56`.
pub(crate) fn utc_secs(ts_ms: i64) -> String {
    let dt = DateTime::from_timestamp_millis(ts_ms).unwrap_or_default();
    dt.format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .expect("test time")
            .timestamp_millis()
    }

    #[test]
    fn formats_local_times_in_jst() {
        let t = ms("2026-10-06T17:00:01Z");
        assert_eq!(clf_time(t), "07/Oct/2026:02:00:01 +0900");
        assert_eq!(syslog_time(t), "Oct  7 02:00:01");
        assert_eq!(ctime(t), "Wed Oct  7 02:00:01 2026");
    }

    #[test]
    fn months_start_at_local_midnight() {
        let m = months(NaiveDate::from_ymd_opt(2026, 8, 1).expect("date"), 3);
        assert_eq!(m.len(), 3);
        assert_eq!(m[1].label, "2026-09");
        assert_eq!(m[0].start_ms, ms("2026-07-31T15:00:00Z"));
        assert_eq!(m[0].end_ms, m[1].start_ms);
        assert_eq!(m[0].hours().count(), 31 * 24);
    }

    #[test]
    fn weekends_and_holidays_are_days_off() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        assert!(is_day_off(d(8, 1))); // Saturday
        assert!(is_day_off(d(9, 21))); // Respect for the Aged Day
        assert!(!is_day_off(d(9, 16))); // Wednesday
    }
}
