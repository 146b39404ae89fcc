//! The one scan of attacks (http rows with at least one detection) that sections 1, 2 and
//! 4 share: counted per 15-minute bin ([`BIN`]), category set, source address and Tor
//! flag, with the first and last time of each group, over the period and the history
//! before it that the spike baseline and the month-over-month change need.
//!
//! Hourly series and per-category counts, the main source of a burst, a spike's sources
//! and first and last time, and the Tor figures per local day and category are all sums
//! over these groups in Rust, so the report reads the attacks once instead of once per
//! figure. A request counts once in [`AttackCounts::total`] and once per category in
//! [`AttackCounts::by_category`], as the category set is one group key.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{Datelike, Months, NaiveDate};
use datafusion::prelude::SessionContext;

use crate::daily::BIN;
use crate::period::local_midnight;
use crate::query::{self, range};
use crate::{AnalyzeError, ReportRequest};

/// One hour in microseconds.
pub const HOUR: i64 = 3_600_000_000;
/// History before the period that the spike baseline looks at (its window plus a week).
const HISTORY_DAYS: i64 = 21;
/// Separates the categories of a set in the query's group key (category names are
/// identifiers: letters, digits, `_` and `-`).
const SEP: char = ',';

/// The attacks of one 15-minute bin with the same categories, source and Tor flag.
#[derive(Debug, Clone)]
pub struct Group {
    /// Start of the bin (UTC microseconds).
    pub bin: i64,
    /// The requests' categories.
    pub categories: Vec<String>,
    /// Source address, when the log had one.
    pub src: Option<String>,
    /// Whether the source was a Tor exit then; `None` when no exit list was imported.
    pub tor_exit: Option<bool>,
    /// Requests.
    pub n: u64,
    /// First and last time (UTC microseconds).
    pub first: i64,
    /// See `first`.
    pub last: i64,
}

/// Attacks over the period and its history, grouped once and summed as each section needs.
pub struct AttackCounts {
    /// Start of the first hour (history included).
    pub start: i64,
    /// Index of the first hour of the period.
    pub period_start: usize,
    /// Requests with at least one detection, per hour.
    pub total: Vec<f64>,
    /// Detections per category per hour.
    pub by_category: BTreeMap<String, Vec<f64>>,
    /// The query's rows, oldest bin first.
    pub groups: Vec<Group>,
    /// The SQL behind these counts.
    pub queries: Vec<String>,
}

impl AttackCounts {
    /// Loads the attacks from the period's start minus its history (at least the whole
    /// previous month, for month-over-month change) to its end.
    pub async fn load(
        ctx: &SessionContext,
        req: &ReportRequest,
    ) -> Result<AttackCounts, AnalyzeError> {
        let (from, to) = req.period.bounds(req.tz);
        if to <= from {
            return Err(AnalyzeError::Request("the period is empty".into()));
        }
        let prev_month =
            NaiveDate::from_ymd_opt(req.period.from.year(), req.period.from.month(), 1)
                .and_then(|d| d.checked_sub_months(Months::new(1)))
                .map_or(from, |d| local_midnight(d, req.tz));
        let start = (from - HISTORY_DAYS * 24 * HOUR)
            .min(prev_month)
            .div_euclid(HOUR)
            * HOUR;
        let hours = ((to - start + HOUR - 1) / HOUR) as usize;
        let sql = format!(
            "SELECT {BIN} AS bin, array_to_string(categories, '{SEP}') AS categories, src_ip, tor_exit, \
             count(*) AS n, min(ts) AS first, max(ts) AS last \
             FROM http WHERE {} AND cardinality(categories) > 0 GROUP BY 1, 2, 3, 4",
            range(start, to, req.tenant.as_deref())
        );
        let b = query::run(ctx, &sql).await?;
        let (bins, cats) = (query::ints(&b, 0)?, query::strings(&b, 1)?);
        let (srcs, tor) = (query::strings(&b, 2)?, query::strings(&b, 3)?);
        let (counts, firsts, lasts) = (
            query::ints(&b, 4)?,
            query::ints(&b, 5)?,
            query::ints(&b, 6)?,
        );
        let mut groups = Vec::with_capacity(bins.len());
        for (r, ((src, tor), cats)) in srcs.into_iter().zip(tor).zip(cats).enumerate() {
            groups.push(Group {
                bin: bins[r],
                categories: cats
                    .iter()
                    .flat_map(|c| c.split(SEP))
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
                src,
                tor_exit: tor.map(|t| t == "true"),
                n: counts[r].max(0) as u64,
                first: firsts[r],
                last: lasts[r],
            });
        }
        groups.sort_by_key(|g| g.bin);
        let mut total = vec![0.0; hours];
        let mut by_category: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for g in &groups {
            let Some(i) = index(start, g.bin, hours) else {
                continue;
            };
            total[i] += g.n as f64;
            for c in &g.categories {
                by_category
                    .entry(c.clone())
                    .or_insert_with(|| vec![0.0; hours])[i] += g.n as f64;
            }
        }
        Ok(AttackCounts {
            start,
            period_start: ((from - start) / HOUR) as usize,
            total,
            by_category,
            groups,
            queries: vec![sql],
        })
    }

    /// Timestamp of hour `i`.
    pub fn hour(&self, i: usize) -> i64 {
        self.start + i as i64 * HOUR
    }

    /// The groups whose bin lies in `[from, to)` (UTC microseconds).
    pub fn between(&self, from: i64, to: i64) -> &[Group] {
        let r = self.bins(from, to);
        &self.groups[r]
    }

    /// The groups of hours `first..=last` (hour indices).
    pub fn hours(&self, first: usize, last: usize) -> &[Group] {
        self.between(self.hour(first), self.hour(last + 1))
    }

    fn bins(&self, from: i64, to: i64) -> Range<usize> {
        let a = self.groups.partition_point(|g| g.bin < from);
        let b = self.groups.partition_point(|g| g.bin < to);
        a..b.max(a)
    }
}

/// The hour index of `ts` in a series of `hours` hours from `start`.
fn index(start: i64, ts: i64, hours: usize) -> Option<usize> {
    let i = (ts - start).div_euclid(HOUR);
    (0..hours as i64).contains(&i).then_some(i as usize)
}
