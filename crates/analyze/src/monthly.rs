//! Section 2: the top attack categories of each month of the period, with the change
//! against the month before.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate};
use kansoku_report::model::{MonthTop, TopCategoriesPerMonth, TopEntry};

use crate::ReportRequest;
use crate::attacks::AttackCounts;

/// Groups the hourly counts by local month and ranks categories.
pub fn top_categories(req: &ReportRequest, counts: &AttackCounts) -> TopCategoriesPerMonth {
    // (year, month) → category → detections
    let mut months: BTreeMap<(i32, u32), BTreeMap<&str, u64>> = BTreeMap::new();
    for (cat, values) in &counts.by_category {
        for (i, v) in values.iter().enumerate() {
            if *v == 0.0 {
                continue;
            }
            let Some(t) = DateTime::from_timestamp_micros(counts.hour(i)) else {
                continue;
            };
            let local = t.with_timezone(&req.tz);
            *months
                .entry((local.year(), local.month()))
                .or_default()
                .entry(cat.as_str())
                .or_default() += *v as u64;
        }
    }
    let mut out = Vec::new();
    let mut month = NaiveDate::from_ymd_opt(req.period.from.year(), req.period.from.month(), 1);
    while let Some(m) = month.filter(|m| *m <= req.period.to) {
        let key = (m.year(), m.month());
        let prev = m
            .checked_sub_months(Months::new(1))
            .map(|p| (p.year(), p.month()));
        let this = months.get(&key).cloned().unwrap_or_default();
        let before = prev.and_then(|p| months.get(&p));
        let mut ranked: Vec<(&str, u64)> = this.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top = ranked
            .into_iter()
            .take(req.top_n as usize)
            .map(|(cat, count)| {
                // No data at all for the previous month: unknown, not zero.
                let previous = before.map(|b| b.get(cat).copied().unwrap_or(0));
                TopEntry {
                    category: cat.to_string(),
                    count,
                    previous,
                    change_pct: previous
                        .filter(|p| *p > 0)
                        .map(|p| (count as f64 - p as f64) / p as f64 * 100.0),
                }
            })
            .collect();
        out.push(MonthTop {
            month: format!("{:04}-{:02}", m.year(), m.month()),
            top,
        });
        month = m.checked_add_months(Months::new(1));
    }
    let mut queries = counts.queries.clone();
    queries.push(format!(
        "-- then grouped by calendar month in {} and ranked (top {})",
        req.tz.name(),
        req.top_n
    ));
    TopCategoriesPerMonth {
        top_n: req.top_n,
        months: out,
        queries,
    }
}
