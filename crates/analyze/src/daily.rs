//! Local calendar days for daily charts.
//!
//! Queries bin rows by 15 minutes of UTC time ([`BIN`]); every time-zone offset in use
//! is a multiple of 15 minutes, so each bin lies wholly inside one local day, and
//! [`Days::index`] puts it there in Rust. Days therefore follow the report's time zone,
//! daylight-saving changes included, with one small query per chart instead of one per
//! day.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use crate::period::Period;

/// The SQL expression binning `ts` into 15-minute UTC intervals.
pub const BIN: &str = "date_bin(INTERVAL '15 minutes', ts)";

/// The local days of a report period.
#[derive(Debug, Clone)]
pub struct Days {
    /// The days, oldest first.
    pub days: Vec<NaiveDate>,
    tz: Tz,
}

impl Days {
    /// Every day of `period` in `tz`.
    pub fn of(period: &Period, tz: Tz) -> Days {
        Days {
            days: period
                .from
                .iter_days()
                .take_while(|d| *d <= period.to)
                .collect(),
            tz,
        }
    }

    /// Number of days.
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// The index of the local day holding the UTC instant `micros`, if in the period.
    pub fn index(&self, micros: i64) -> Option<usize> {
        let day = DateTime::from_timestamp_micros(micros)?
            .with_timezone(&self.tz)
            .date_naive();
        let first = *self.days.first()?;
        let i = usize::try_from((day - first).num_days()).ok()?;
        (i < self.days.len()).then_some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_land_on_local_days() {
        let period = Period {
            from: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
            to: NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
        };
        let days = Days::of(&period, chrono_tz::Asia::Tokyo);
        assert_eq!(days.len(), 31);
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .timestamp_micros()
        };
        // 15:00 UTC on 30 Sep is midnight of 1 Oct in Tokyo.
        assert_eq!(days.index(at("2026-09-30T14:45:00Z")), None);
        assert_eq!(days.index(at("2026-09-30T15:00:00Z")), Some(0));
        assert_eq!(days.index(at("2026-10-31T14:45:00Z")), Some(30));
        assert_eq!(days.index(at("2026-10-31T15:00:00Z")), None);
    }
}
