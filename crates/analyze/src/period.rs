//! The report's period and settings: local calendar days in the report's time zone,
//! turned into UTC bounds for the queries.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;
use kansoku_report::Lang;

use crate::AnalyzeError;
use crate::probes::ProbeParams;
use crate::stats::SpikeParams;

/// An inclusive range of local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

impl Period {
    /// The calendar month `year-month`.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let to = from.checked_add_months(Months::new(1))?.pred_opt()?;
        Some(Period { from, to })
    }

    /// UTC bounds in microseconds: local midnight of `from` up to local midnight after `to`.
    pub fn bounds(&self, tz: Tz) -> (i64, i64) {
        (
            local_midnight(self.from, tz),
            local_midnight(self.to.succ_opt().unwrap_or(self.to), tz),
        )
    }
}

/// Microseconds of local midnight (the earliest instant of that local date).
pub fn local_midnight(day: NaiveDate, tz: Tz) -> i64 {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        // A zone that skips midnight (DST at 00:00): take 01:00.
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or(0, |t| t.timestamp_micros())
}

/// What to report on and how.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// The period.
    pub period: Period,
    /// Only this tenant, or all.
    pub tenant: Option<String>,
    /// Language of the text.
    pub lang: Lang,
    /// Time zone of days, hours and months.
    pub tz: Tz,
    /// Categories per month in the top table.
    pub top_n: u32,
    /// Spike detection parameters (hourly).
    pub spike: SpikeParams,
    /// Episodes of spike hours explained in full and marked on the chart; the rest are
    /// listed.
    pub top_spikes: usize,
    /// When probe detections make a distributed campaign (the WAF chapter's table).
    pub probes: ProbeParams,
    /// Title override (empty: the locale's title).
    pub title: String,
    /// Generation time to print (tests fix it; `None` = now).
    pub now: Option<DateTime<Utc>>,
}

impl ReportRequest {
    /// A request for a period with the language's default time zone.
    pub fn new(period: Period, lang: Lang) -> ReportRequest {
        ReportRequest {
            period,
            tenant: None,
            lang,
            tz: default_tz(lang),
            top_n: 3,
            spike: SpikeParams::hourly(),
            top_spikes: 3,
            probes: ProbeParams::default(),
            title: String::new(),
            now: None,
        }
    }

    /// A request for one calendar month.
    pub fn month(year: i32, month: u32, lang: Lang) -> ReportRequest {
        let period = Period::month(year, month).unwrap_or(Period {
            from: NaiveDate::default(),
            to: NaiveDate::default(),
        });
        ReportRequest::new(period, lang)
    }
}

/// Asia/Tokyo for Japanese, UTC for English.
pub fn default_tz(lang: Lang) -> Tz {
    match lang {
        Lang::Ja => chrono_tz::Asia::Tokyo,
        Lang::En => chrono_tz::UTC,
    }
}

/// The last full month present in the lake (in `tz`): the month of the latest record if
/// that record is on the month's last day, else the month before. `None` when empty.
pub async fn default_period(ctx: &SessionContext, tz: Tz) -> Result<Option<Period>, AnalyzeError> {
    let batches =
        crate::query::run(ctx, "SELECT arrow_cast(max(ts), 'Int64') AS last FROM http").await?;
    let Some(last) = crate::query::first_i64(&batches, 0) else {
        return Ok(None);
    };
    let Some(last) = DateTime::from_timestamp_micros(last) else {
        return Ok(None);
    };
    let day = last.with_timezone(&tz).date_naive();
    let complete = day
        .succ_opt()
        .is_some_and(|next| next.month() != day.month());
    let month_start = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    let start = if complete {
        month_start
    } else {
        month_start
            .checked_sub_months(Months::new(1))
            .unwrap_or(month_start)
    };
    Ok(Period::month(start.year(), start.month()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokyo_month_bounds_are_local_midnights() {
        let p = Period::month(2026, 2).expect("valid month");
        assert_eq!(p.to.to_string(), "2026-02-28");
        let (from, to) = p.bounds(chrono_tz::Asia::Tokyo);
        assert_eq!(
            DateTime::from_timestamp_micros(from)
                .expect("ts")
                .to_rfc3339(),
            "2026-01-31T15:00:00+00:00"
        );
        assert_eq!(
            DateTime::from_timestamp_micros(to)
                .expect("ts")
                .to_rfc3339(),
            "2026-02-28T15:00:00+00:00"
        );
    }

    #[test]
    fn leap_february() {
        assert_eq!(
            Period::month(2028, 2).expect("valid").to.to_string(),
            "2028-02-29"
        );
        assert!(Period::month(2026, 13).is_none());
    }
}
