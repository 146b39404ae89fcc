//! Report periods: whole local days `[from, to)` in a time zone.

use chrono::{Days, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use kansoku_event::Micros;

use crate::LeakError;

/// Whole local days from `from` (included) to `to` (excluded) in `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
}

/// A period as text, for output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodInfo {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Day after the last, `YYYY-MM-DD`.
    pub to: String,
    /// IANA time zone.
    pub tz: String,
    /// Number of days.
    pub days: u64,
}

impl Period {
    /// `[from, to)`; fails when `to` is not after `from`.
    pub fn new(from: NaiveDate, to: NaiveDate, tz: Tz) -> Result<Self, LeakError> {
        if to <= from {
            return Err(LeakError::Period(format!("{to} is not after {from}")));
        }
        Ok(Period { from, to, tz })
    }

    /// `[first, last]`, both days included (the command line's `--from`/`--to`).
    pub fn inclusive(first: NaiveDate, last: NaiveDate, tz: Tz) -> Result<Self, LeakError> {
        let to = last
            .checked_add_days(Days::new(1))
            .ok_or_else(|| LeakError::Period(format!("{last} is out of range")))?;
        Self::new(first, to, tz)
    }

    /// First day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Day after the last.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Number of days.
    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days()).unwrap_or(0)
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Period {
        let from = self
            .from
            .checked_sub_days(Days::new(self.days()))
            .unwrap_or(NaiveDate::MIN);
        Period {
            from,
            to: self.from,
            tz: self.tz,
        }
    }

    /// Each day of the period, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d < to)
    }

    /// Start of the local day `day`, in UTC microseconds. Where a DST change skips
    /// midnight, the day starts at the first instant that exists.
    pub fn day_start(&self, day: NaiveDate) -> Micros {
        let mut t = day.and_time(NaiveTime::MIN);
        for _ in 0..4 {
            if let Some(local) = self.tz.from_local_datetime(&t).earliest() {
                return local.timestamp_micros();
            }
            t += chrono::Duration::minutes(30);
        }
        t.and_utc().timestamp_micros()
    }

    /// `[start, end)` in UTC microseconds.
    pub fn bounds(&self) -> (Micros, Micros) {
        (self.day_start(self.from), self.day_start(self.to))
    }

    /// Whether `t` falls in the period.
    pub fn contains(&self, t: Micros) -> bool {
        let (start, end) = self.bounds();
        start <= t && t < end
    }

    /// The local day of `t`.
    pub fn local_day(&self, t: Micros) -> NaiveDate {
        self.tz
            .timestamp_micros(t)
            .single()
            .map_or(NaiveDate::MIN, |d| d.date_naive())
    }

    /// The local time of `t`, RFC 3339 with offset.
    pub fn local_time(&self, t: Micros) -> String {
        self.tz
            .timestamp_micros(t)
            .single()
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }

    /// The period as text.
    pub fn info(&self) -> PeriodInfo {
        PeriodInfo {
            from: self.from.to_string(),
            to: self.to.to_string(),
            tz: self.tz.name().to_string(),
            days: self.days(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn tokyo_days_start_at_15_utc() {
        let p = Period::new(day("2022-08-01"), day("2022-09-01"), chrono_tz::Asia::Tokyo)
            .expect("valid");
        let (start, end) = p.bounds();
        assert_eq!(Some(start), crate::feed::parse_time("2022-07-31 15:00:00"));
        assert_eq!(Some(end), crate::feed::parse_time("2022-08-31 15:00:00"));
        assert_eq!(p.days(), 31);
        let prev = p.previous();
        assert_eq!(
            (prev.from(), prev.to()),
            (day("2022-07-01"), day("2022-08-01"))
        );
        assert_eq!(p.each_day().count(), 31);
    }

    #[test]
    fn inclusive_and_invalid_periods() {
        let tz = chrono_tz::UTC;
        let p = Period::inclusive(day("2022-08-01"), day("2022-08-01"), tz).expect("one day");
        assert_eq!(p.days(), 1);
        assert!(Period::new(day("2022-08-02"), day("2022-08-01"), tz).is_err());
        assert!(Period::new(day("2022-08-01"), day("2022-08-01"), tz).is_err());
    }
}
