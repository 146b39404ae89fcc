//! Section 1: WAF detections per hour, with spikes found and explained.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use datafusion::prelude::SessionContext;
use kansoku_report::model::{
    HourlyDetections, NamedCount, NamedSeries, Share, SpikeMethod, SpikeNote,
};

use crate::period::local_midnight;
use crate::query::{self, range};
use crate::stats::spikes;
use crate::{AnalyzeError, ReportRequest};

const HOUR: i64 = 3_600_000_000;
/// History before the period that the spike baseline looks at (its window plus a week).
const HISTORY_DAYS: i64 = 21;

/// Detections per UTC hour over the period and the history before it.
pub struct HourlyCounts {
    /// Start of the first hour (history included).
    pub start: i64,
    /// Index of the first hour of the period.
    pub period_start: usize,
    /// Requests with at least one detection, per hour.
    pub total: Vec<f64>,
    /// Detections per category per hour.
    pub by_category: BTreeMap<String, Vec<f64>>,
    /// The SQL behind these counts.
    pub queries: Vec<String>,
}

impl HourlyCounts {
    /// Loads the counts from the period's start minus its history (at least the whole
    /// previous month, for month-over-month change) to its end.
    pub async fn load(
        ctx: &SessionContext,
        req: &ReportRequest,
    ) -> Result<HourlyCounts, AnalyzeError> {
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
        let tenant = req.tenant.as_deref();
        let where_ = range(start, to, tenant);
        let q_total = format!(
            "SELECT date_trunc('hour', ts) AS hour, count(*) AS n FROM http WHERE {where_} AND cardinality(categories) > 0 GROUP BY 1"
        );
        let q_cat = format!(
            "SELECT hour, category, count(*) AS n FROM (SELECT date_trunc('hour', ts) AS hour, unnest(categories) AS category FROM http WHERE {where_} AND cardinality(categories) > 0) GROUP BY hour, category"
        );
        let mut total = vec![0.0; hours];
        let b = query::run(ctx, &q_total).await?;
        for (h, n) in query::ints(&b, 0)?.into_iter().zip(query::ints(&b, 1)?) {
            if let Some(slot) = index(start, h, hours).and_then(|i| total.get_mut(i)) {
                *slot += n as f64;
            }
        }
        let mut by_category: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let b = query::run(ctx, &q_cat).await?;
        let cats = query::strings(&b, 1)?;
        for ((h, c), n) in query::ints(&b, 0)?
            .into_iter()
            .zip(cats)
            .zip(query::ints(&b, 2)?)
        {
            let (Some(i), Some(c)) = (index(start, h, hours), c) else {
                continue;
            };
            by_category.entry(c).or_insert_with(|| vec![0.0; hours])[i] += n as f64;
        }
        Ok(HourlyCounts {
            start,
            period_start: ((from - start) / HOUR) as usize,
            total,
            by_category,
            queries: vec![q_total, q_cat],
        })
    }

    /// Timestamp of hour `i`.
    pub fn hour(&self, i: usize) -> i64 {
        self.start + i as i64 * HOUR
    }
}

fn index(start: i64, ts: i64, hours: usize) -> Option<usize> {
    let i = (ts - start).div_euclid(HOUR);
    (0..hours as i64).contains(&i).then_some(i as usize)
}

/// The hourly section: series over the period, spikes and their explanations.
pub async fn detections(
    ctx: &SessionContext,
    req: &ReportRequest,
    counts: &HourlyCounts,
) -> Result<HourlyDetections, AnalyzeError> {
    let p0 = counts.period_start;
    let points = |values: &[f64]| -> Vec<(i64, u64)> {
        values[p0..]
            .iter()
            .enumerate()
            .map(|(i, v)| (counts.hour(p0 + i), *v as u64))
            .collect()
    };
    let mut series: Vec<(f64, NamedSeries)> = counts
        .by_category
        .iter()
        .map(|(name, v)| {
            (
                v[p0..].iter().sum::<f64>(),
                NamedSeries {
                    name: name.clone(),
                    points: points(v),
                },
            )
        })
        .filter(|(sum, _)| *sum > 0.0)
        .collect();
    series.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let mut queries = counts.queries.clone();
    let mut notes = Vec::new();
    for spike in spikes(&counts.total, &req.spike)
        .into_iter()
        .filter(|s| s.end > p0)
    {
        let (start, end) = (counts.hour(spike.start.max(p0)), counts.hour(spike.end + 1));
        let (note, sql) = explain(ctx, req, start, end).await?;
        if notes.is_empty() {
            queries.extend(sql);
        }
        notes.push(SpikeNote {
            peak_ts: counts.hour(spike.peak_index),
            peak: spike.peak_value as u64,
            baseline: spike.baseline,
            score: spike.score,
            ..note
        });
    }
    let p = &req.spike;
    Ok(HourlyDetections {
        series: series.into_iter().map(|(_, s)| s).collect(),
        total: points(&counts.total),
        spikes: notes,
        method: SpikeMethod {
            window_hours: p.window as u32,
            season_hours: p.season.map(|s| s as u32),
            season_weight: p.season_weight,
            threshold: p.threshold,
            min_count: p.min_count as u64,
        },
        queries,
    })
}

/// Who and what made up the detections in `[start, end)`.
async fn explain(
    ctx: &SessionContext,
    req: &ReportRequest,
    start: i64,
    end: i64,
) -> Result<(SpikeNote, Vec<String>), AnalyzeError> {
    let where_ = format!(
        "{} AND cardinality(categories) > 0",
        range(start, end, req.tenant.as_deref())
    );
    let top = |expr: &str, extra: &str| {
        format!(
            "SELECT {expr} AS name, count(*) AS n FROM http WHERE {where_}{extra} GROUP BY 1 ORDER BY n DESC, name LIMIT 5"
        )
    };
    let q_tenants = top("tenant", "");
    let q_sources = top("src_ip", " AND src_ip IS NOT NULL");
    let q_paths = top("path", " AND path IS NOT NULL");
    let q_tools = top("tool", " AND tool IS NOT NULL");
    let q_cats = format!(
        "SELECT category AS name, count(*) AS n FROM (SELECT unnest(categories) AS category FROM http WHERE {where_}) GROUP BY 1 ORDER BY n DESC, name LIMIT 5"
    );
    let q_span = format!("SELECT min(ts), max(ts), count(*) FROM http WHERE {where_}");
    let named = |b: &[arrow::array::RecordBatch]| -> Result<Vec<NamedCount>, AnalyzeError> {
        Ok(query::strings(b, 0)?
            .into_iter()
            .zip(query::ints(b, 1)?)
            .filter_map(|(name, n)| {
                Some(NamedCount {
                    name: name?,
                    count: n as u64,
                })
            })
            .collect())
    };
    let span = query::run(ctx, &q_span).await?;
    let total = query::ints(&span, 2)?.first().copied().unwrap_or(0).max(1) as f64;
    let tenants = named(&query::run(ctx, &q_tenants).await?)?
        .into_iter()
        .map(|t| Share {
            name: t.name,
            share: t.count as f64 / total,
        })
        .collect();
    let note = SpikeNote {
        start,
        end,
        peak_ts: start,
        peak: 0,
        baseline: 0.0,
        score: 0.0,
        tenants,
        categories: named(&query::run(ctx, &q_cats).await?)?,
        tools: named(&query::run(ctx, &q_tools).await?)?,
        top_sources: named(&query::run(ctx, &q_sources).await?)?,
        top_paths: named(&query::run(ctx, &q_paths).await?)?,
        first_seen: query::ints(&span, 0)?.first().copied().unwrap_or(start),
        last_seen: query::ints(&span, 1)?.first().copied().unwrap_or(end),
    };
    Ok((
        note,
        vec![q_tenants, q_cats, q_tools, q_sources, q_paths, q_span],
    ))
}
