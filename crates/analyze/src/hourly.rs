//! Section 1: WAF detections per hour, with spikes found and explained.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use datafusion::prelude::SessionContext;
use kansoku_report::model::{
    BurstNote, HourlyDetections, NamedCount, NamedSeries, Share, SpikeMethod, SpikeNote,
};

use crate::period::local_midnight;
use crate::query::{self, range};
use crate::stats::{Spike, spikes};
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
    let found: Vec<Spike> = spikes(&counts.total, &req.spike)
        .into_iter()
        .filter(|s| s.end >= p0)
        .collect();
    let ranked = episodes(&found, EPISODE_GAP_HOURS);
    let (explained, rest) = ranked.split_at(ranked.len().min(req.top_spikes));
    let mut notes = Vec::new();
    for e in explained {
        // An episode that began in the history is told from the period's first hour.
        let (start, end) = (counts.hour(e.start.max(p0)), counts.hour(e.end + 1));
        let (note, sql) = explain(ctx, req, start, end).await?;
        if notes.is_empty() {
            queries.extend(sql);
        }
        notes.push(SpikeNote {
            peak_ts: counts.hour(e.peak_index),
            peak: e.peak_value as u64,
            baseline: e.baseline,
            score: e.score,
            excess: e.excess.round() as u64,
            ..note
        });
    }
    let other_bursts = if rest.is_empty() {
        Vec::new()
    } else {
        let (sources, sql) = sources_per_hour(ctx, req, counts).await?;
        queries.push(sql);
        rest.iter()
            .map(|e| BurstNote {
                start: counts.hour(e.start.max(p0)),
                end: counts.hour(e.end + 1),
                peak_ts: counts.hour(e.peak_index),
                peak: e.peak_value as u64,
                baseline: e.baseline,
                excess: e.excess.round() as u64,
                main_category: largest(
                    counts
                        .by_category
                        .iter()
                        .map(|(c, v)| (c.as_str(), v[e.start..=e.end].iter().sum::<f64>())),
                ),
                main_source: largest(
                    sources
                        .range(e.start..=e.end)
                        .flat_map(|(_, per)| per.iter().map(|(s, n)| (s.as_str(), *n))),
                ),
            })
            .collect()
    };
    let p = &req.spike;
    Ok(HourlyDetections {
        series: series.into_iter().map(|(_, s)| s).collect(),
        total: points(&counts.total),
        spikes: notes,
        other_bursts,
        method: SpikeMethod {
            window_hours: p.window as u32,
            season_hours: p.season.map(|s| s as u32),
            season_weight: p.season_weight,
            threshold: p.threshold,
            min_count: p.min_count as u64,
            episode_gap_hours: EPISODE_GAP_HOURS as u32,
            explained: req.top_spikes as u32,
        },
        queries,
    })
}

/// Spikes closer than this many hours (quiet hours between them) are one episode: a scan
/// that pauses for an hour or two is still one scan.
const EPISODE_GAP_HOURS: usize = 2;

/// Spike hours merged into one episode.
#[derive(Debug, Clone, PartialEq)]
struct Episode {
    start: usize,
    end: usize,
    peak_index: usize,
    peak_value: f64,
    baseline: f64,
    score: f64,
    /// Detections above the baseline, summed over the flagged hours.
    excess: f64,
}

/// Merges spikes at most `gap` quiet hours apart into episodes and ranks them by excess
/// detections, the largest first (ties: the earlier first). A burst of 40 on a baseline of
/// 0 counts 40; a campaign of 900 over a baseline of 100 for three hours counts 600, so
/// the few episodes that carried the period come first however many small ones there are.
fn episodes(found: &[Spike], gap: usize) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    for s in found {
        let hours = (s.end - s.start + 1) as f64;
        let excess = (s.total - s.baseline * hours).max(0.0);
        match out.last_mut() {
            Some(e) if s.start <= e.end + gap + 1 => {
                e.end = s.end;
                e.excess += excess;
                if s.peak_value > e.peak_value {
                    e.peak_index = s.peak_index;
                    e.peak_value = s.peak_value;
                    e.baseline = s.baseline;
                    e.score = s.score;
                }
            }
            _ => out.push(Episode {
                start: s.start,
                end: s.end,
                peak_index: s.peak_index,
                peak_value: s.peak_value,
                baseline: s.baseline,
                score: s.score,
                excess,
            }),
        }
    }
    out.sort_by(|a, b| b.excess.total_cmp(&a.excess).then(a.start.cmp(&b.start)));
    out
}

/// The name with the largest count (ties: the first name in order), if any count is above 0.
fn largest<'a>(counts: impl Iterator<Item = (&'a str, f64)>) -> Option<String> {
    let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
    for (name, n) in counts {
        *sums.entry(name).or_default() += n;
    }
    sums.into_iter()
        .filter(|(_, n)| *n > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(name, _)| name.to_string())
}

/// Detections per hour index and source address over the period: one grouped query that
/// names the main source of every burst not explained in full.
async fn sources_per_hour(
    ctx: &SessionContext,
    req: &ReportRequest,
    counts: &HourlyCounts,
) -> Result<(BTreeMap<usize, Vec<(String, f64)>>, String), AnalyzeError> {
    let from = counts.hour(counts.period_start);
    let to = counts.hour(counts.total.len());
    let sql = format!(
        "SELECT date_trunc('hour', ts) AS hour, src_ip, count(*) AS n FROM http WHERE {} AND cardinality(categories) > 0 AND src_ip IS NOT NULL GROUP BY 1, 2",
        range(from, to, req.tenant.as_deref())
    );
    let b = query::run(ctx, &sql).await?;
    let mut out: BTreeMap<usize, Vec<(String, f64)>> = BTreeMap::new();
    for ((h, src), n) in query::ints(&b, 0)?
        .into_iter()
        .zip(query::strings(&b, 1)?)
        .zip(query::ints(&b, 2)?)
    {
        if let (Some(i), Some(src)) = (index(counts.start, h, counts.total.len()), src) {
            out.entry(i).or_default().push((src, n as f64));
        }
    }
    Ok((out, sql))
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
        excess: 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spike(start: usize, end: usize, peak: f64, baseline: f64, total: f64) -> Spike {
        Spike {
            start,
            end,
            peak_index: start,
            peak_value: peak,
            baseline,
            score: 10.0,
            total,
        }
    }

    #[test]
    fn spikes_close_together_merge_and_episodes_rank_by_excess() {
        let found = [
            // A short burst of 40 on a quiet baseline: excess 40.
            spike(10, 10, 40.0, 0.0, 40.0),
            // A campaign in two parts two quiet hours apart: one episode, excess
            // (900 − 3·100) + (250 − 1·50) = 800, its peak the larger part's.
            spike(100, 102, 400.0, 100.0, 900.0),
            spike(105, 105, 250.0, 50.0, 250.0),
            // Three hours later: its own episode, excess 60.
            spike(109, 109, 80.0, 20.0, 80.0),
        ];
        let e = episodes(&found, 2);
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].start, e[0].end, e[0].excess), (100, 105, 800.0));
        assert_eq!((e[0].peak_value, e[0].baseline), (400.0, 100.0));
        assert_eq!((e[1].start, e[1].excess), (109, 60.0));
        assert_eq!((e[2].start, e[2].excess), (10, 40.0));
        // With no gap allowed, the campaign's two parts stay apart.
        assert_eq!(episodes(&found, 0).len(), 4);
    }

    #[test]
    fn the_largest_name_sums_its_counts_and_breaks_ties_by_name() {
        let counts = [("b", 3.0), ("a", 2.0), ("a", 1.0), ("c", 0.0)];
        assert_eq!(largest(counts.into_iter()), Some("a".into()));
        assert_eq!(largest([("z", 0.0)].into_iter()), None);
    }
}
