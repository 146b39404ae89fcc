//! Section 1: WAF detections per hour, with spikes found and explained.

mod explain;

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;
use kansoku_report::model::{BurstNote, HourlyDetections, NamedSeries, SpikeMethod, SpikeNote};

use crate::attacks::AttackCounts;
use crate::stats::{Spike, spikes};
use crate::{AnalyzeError, ReportRequest};

/// The hourly section: series over the period, spikes and their explanations.
pub async fn detections(
    ctx: &SessionContext,
    req: &ReportRequest,
    counts: &AttackCounts,
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
    // An episode that began in the history is told from the period's first hour.
    let hours: Vec<explain::Hours> = explained
        .iter()
        .map(|e| explain::Hours {
            first: e.start.max(p0),
            last: e.end,
        })
        .collect();
    let (notes, sql) = explain::notes(ctx, req, counts, &hours).await?;
    queries.extend(sql);
    let spikes = explained
        .iter()
        .zip(notes)
        .map(|(e, note)| SpikeNote {
            peak_ts: counts.hour(e.peak_index),
            peak: e.peak_value as u64,
            baseline: e.baseline,
            score: e.score,
            excess: e.excess.round() as u64,
            ..note
        })
        .collect();
    let other_bursts = rest
        .iter()
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
                counts
                    .hours(e.start.max(p0), e.end)
                    .iter()
                    .filter_map(|g| Some((g.src.as_deref()?, g.n as f64))),
            ),
        })
        .collect();
    let p = &req.spike;
    Ok(HourlyDetections {
        series: series.into_iter().map(|(_, s)| s).collect(),
        total: points(&counts.total),
        spikes,
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
