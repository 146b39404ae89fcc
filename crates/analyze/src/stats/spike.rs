//! Spike detection on count series with a robust, optionally seasonal baseline.
//!
//! For each point `t` with enough history:
//!
//! 1. **Trailing window**: the `window` points before `t` (not `t` itself). Their median
//!    `m_w` is the level and their MAD the spread. Median and MAD ignore up to half the
//!    window being unusual, so an earlier spike does not raise the bar for the next one.
//! 2. **Season** (hourly series: `season = Some(168)`): the points at `t − k·season`
//!    (k = 1, 2, …) inside the same trailing window, i.e. the same hour-of-week in the
//!    previous weeks (two values with the default 14-day window). Their median `m_s` is
//!    blended with the level: `baseline = w·m_s + (1 − w)·m_w`, `w = season_weight`
//!    (default ½). The blend keeps a quiet Sunday night from looking like a spike
//!    against a busy weekday median, while a single odd week cannot move the baseline
//!    by more than half its excess. Without a season (or before one full season of
//!    history), `baseline = m_w`.
//! 3. **Score**: `(x − baseline) / (1.4826·MAD + ε)`. 1.4826·MAD estimates a standard
//!    deviation for normal noise; `ε` (in counts) keeps a flat history (MAD = 0) from
//!    dividing by zero and from flagging `+1` as infinitely unusual.
//! 4. A point is flagged when `score ≥ threshold` **and** `x ≥ min_count`; contiguous
//!    flagged points become one [`Spike`].
//!
//! While the history is shorter than `window`, the window is shortened to a whole number
//! of `cycle`s (24 for hourly series) so that every hour of the day weighs the same:
//! otherwise a window holding more nights than days puts the median on the night level
//! and its MAD at zero, and every morning looks like a spike. Points with fewer than
//! `min_history` finite values in their window are never flagged (not enough evidence);
//! give the analysis the `window` before the report period as history when the lake has
//! it. Non-finite values count as missing: never flagged, never part
//! of a baseline.

use serde::{Deserialize, Serialize};

use super::robust::median_in_place;

/// Parameters of [`spikes`]. Every field is in points of the series (hours for an hourly
/// series, days for a daily one), except `epsilon` and `min_count`, which are counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeParams {
    /// Trailing window length in points (default: 14 days of hours = 336).
    pub window: usize,
    /// The window is shortened to a multiple of this many points when history is short
    /// (24 for hourly series: whole days; 1 for daily series).
    pub cycle: usize,
    /// Seasonal period in points (`Some(168)`: hour-of-week; `None`: no seasonality).
    pub season: Option<usize>,
    /// Weight of the seasonal median in the baseline, 0‥1 (default 0.5).
    pub season_weight: f64,
    /// Score at or above which a point is a spike (default 6).
    pub threshold: f64,
    /// Smallest count that can be a spike, however unusual (default 20).
    pub min_count: f64,
    /// Added to the scaled MAD so a flat history does not divide by zero (default 1.0).
    pub epsilon: f64,
    /// Finite points the window must hold before anything is flagged (default 72).
    pub min_history: usize,
}

impl SpikeParams {
    /// Defaults for an hourly series: 14-day window, hour-of-week season, threshold 6,
    /// at least 20 events, 3 days of history.
    pub fn hourly() -> SpikeParams {
        SpikeParams {
            window: 14 * 24,
            cycle: 24,
            season: Some(7 * 24),
            season_weight: 0.5,
            threshold: 6.0,
            min_count: 20.0,
            epsilon: 1.0,
            min_history: 72,
        }
    }

    /// Defaults for a daily series such as leak posts per group: 28-day window, no
    /// season, threshold 6, at least 5 posts, 7 days of history.
    pub fn daily() -> SpikeParams {
        SpikeParams {
            window: 28,
            cycle: 1,
            season: None,
            season_weight: 0.0,
            threshold: 6.0,
            min_count: 5.0,
            epsilon: 1.0,
            min_history: 7,
        }
    }
}

impl Default for SpikeParams {
    fn default() -> Self {
        SpikeParams::hourly()
    }
}

/// A run of contiguous flagged points. Indices are positions in the input series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    /// First flagged index.
    pub start: usize,
    /// Last flagged index (inclusive).
    pub end: usize,
    /// Index of the highest value in the run (the first one on ties).
    pub peak_index: usize,
    /// Value at `peak_index`.
    pub peak_value: f64,
    /// Baseline at `peak_index` (what a normal point there would be).
    pub baseline: f64,
    /// Score at `peak_index`.
    pub score: f64,
    /// Sum of the values over the run.
    pub total: f64,
}

/// Baseline and score of one point, `None` without enough history.
fn score_at(series: &[f64], t: usize, p: &SpikeParams, buf: &mut Vec<f64>) -> Option<(f64, f64)> {
    let cycle = p.cycle.max(1);
    let len = if t >= p.window {
        p.window
    } else {
        t - t % cycle
    };
    let from = t - len;
    buf.clear();
    buf.extend(series[from..t].iter().copied().filter(|x| x.is_finite()));
    if buf.len() < p.min_history.max(1) {
        return None;
    }
    let level = median_in_place(buf)?;
    for v in buf.iter_mut() {
        *v = (*v - level).abs();
    }
    let mad = median_in_place(buf)?;

    let mut baseline = level;
    if let Some(season) = p.season.filter(|s| *s > 0) {
        buf.clear();
        let mut back = season;
        while back <= t - from {
            let v = series[t - back];
            if v.is_finite() {
                buf.push(v);
            }
            back += season;
        }
        if let Some(seasonal) = median_in_place(buf) {
            let w = p.season_weight.clamp(0.0, 1.0);
            baseline = w * seasonal + (1.0 - w) * level;
        }
    }
    let scale = 1.4826 * mad + p.epsilon.max(f64::MIN_POSITIVE);
    Some((baseline, (series[t] - baseline) / scale))
}

/// Finds the spikes of `series` under `params` (see the module docs for the method).
///
/// `series`: counts per equal time step, oldest first (hours or days). Returns the
/// spikes in time order; an empty or too-short series gives none.
pub fn spikes(series: &[f64], params: &SpikeParams) -> Vec<Spike> {
    let mut out: Vec<Spike> = Vec::new();
    let mut buf = Vec::with_capacity(params.window);
    for (t, &x) in series.iter().enumerate() {
        if !x.is_finite() || x < params.min_count {
            continue;
        }
        let Some((baseline, score)) = score_at(series, t, params, &mut buf) else {
            continue;
        };
        if score < params.threshold {
            continue;
        }
        match out.last_mut() {
            Some(s) if s.end + 1 == t => {
                s.end = t;
                s.total += x;
                if x > s.peak_value {
                    s.peak_index = t;
                    s.peak_value = x;
                    s.baseline = baseline;
                    s.score = score;
                }
            }
            _ => out.push(Spike {
                start: t,
                end: t,
                peak_index: t,
                peak_value: x,
                baseline,
                score,
                total: x,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat_params(window: usize) -> SpikeParams {
        SpikeParams {
            window,
            cycle: 1,
            season: None,
            season_weight: 0.0,
            threshold: 6.0,
            min_count: 20.0,
            epsilon: 1.0,
            min_history: window,
        }
    }

    #[test]
    fn scores_against_median_and_mad_by_hand() {
        // Window 10,12,10,12,… → median 11, MAD 1, scale 1.4826 + 1 = 2.4826.
        // 30: (30 − 11) / 2.4826 = 7.65 ≥ 6 → spike. 25: 14 / 2.4826 = 5.64 → not.
        let mut s = [10.0, 12.0].repeat(5);
        s.push(25.0);
        assert!(spikes(&s, &flat_params(10)).is_empty());
        s.pop();
        s.push(30.0);
        let found = spikes(&s, &flat_params(10));
        assert_eq!(found.len(), 1);
        let sp = &found[0];
        assert_eq!((sp.start, sp.end, sp.peak_index), (10, 10, 10));
        assert_eq!(sp.baseline, 11.0);
        assert!((sp.score - 19.0 / 2.4826).abs() < 1e-9);
    }

    #[test]
    fn min_count_wins_over_a_high_score() {
        // History of zeros: MAD 0, scale = ε = 1; 15 scores 15 but is below min_count 20.
        let mut s = vec![0.0; 10];
        s.push(15.0);
        assert!(spikes(&s, &flat_params(10)).is_empty());
        *s.last_mut().expect("pushed above") = 20.0;
        assert_eq!(spikes(&s, &flat_params(10)).len(), 1);
    }

    #[test]
    fn contiguous_points_merge_into_one_spike_with_its_peak() {
        let mut s = [10.0, 12.0].repeat(5);
        // Index 14 sees 10,12,10,12,10,12,40,90,50,11: median 12, MAD 2, scale 3.965;
        // 40 scores 28/3.965 = 7.06 → a second spike (35 would score 5.8 → none).
        s.extend([40.0, 90.0, 50.0, 11.0, 40.0]);
        let found = spikes(&s, &flat_params(10));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].start, found[0].end), (10, 12));
        assert_eq!(found[0].peak_index, 11);
        assert_eq!(found[0].peak_value, 90.0);
        assert_eq!(found[0].total, 180.0);
        assert_eq!((found[1].start, found[1].end), (14, 14));
        *s.last_mut().expect("extended above") = 35.0;
        assert_eq!(spikes(&s, &flat_params(10)).len(), 1);
    }

    #[test]
    fn seasonal_blend_by_hand() {
        // Season 4, window 8: at t = 8 the same-phase points are t−4 = 4 and t−8 = 0,
        // both 30; the other points are 10. Trailing median of [30,10,10,10,30,10,10,10]
        // = 10, MAD = 0 → scale 1. Seasonal median 30; blend ½ → baseline 20.
        // x = 26: (26 − 20)/1 = 6 ≥ 6 → spike.
        // x = 25: 5 < 6 → not a spike, although it scores 15 against the plain median.
        let p = SpikeParams {
            window: 8,
            season: Some(4),
            season_weight: 0.5,
            min_history: 8,
            ..flat_params(8)
        };
        let base = vec![30.0, 10.0, 10.0, 10.0, 30.0, 10.0, 10.0, 10.0];
        let mut s = base.clone();
        s.push(25.0);
        assert!(spikes(&s, &p).is_empty());
        let no_season = SpikeParams {
            season: None,
            ..p.clone()
        };
        assert_eq!(spikes(&s, &no_season).len(), 1, "plain median flags it");
        let mut s = base;
        s.push(26.0);
        let found = spikes(&s, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].baseline, 20.0);
        assert_eq!(found[0].score, 6.0);
    }

    #[test]
    fn short_history_and_missing_values_are_never_flagged() {
        let s = [0.0, 0.0, 500.0];
        assert!(spikes(&s, &SpikeParams::hourly()).is_empty());
        let mut s = vec![10.0; 10];
        s.push(f64::NAN);
        s.push(f64::INFINITY);
        assert!(spikes(&s, &flat_params(10)).is_empty());
        assert!(spikes(&[], &SpikeParams::daily()).is_empty());
    }

    #[test]
    fn hourly_defaults_find_a_planted_burst_and_ignore_the_daily_cycle() {
        // Four weeks of a day/night cycle (day hours 60, night 20), one burst of 400.
        let mut s: Vec<f64> = (0..24 * 28)
            .map(|h| {
                if (8..20).contains(&(h % 24)) {
                    60.0
                } else {
                    20.0
                }
            })
            .collect();
        s[24 * 20 + 3] = 400.0;
        let found = spikes(&s, &SpikeParams::hourly());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].peak_index, 24 * 20 + 3);
        // The same cycle with the window not cut to whole days flags the mornings.
        let uncut = SpikeParams {
            cycle: 1,
            ..SpikeParams::hourly()
        };
        assert!(spikes(&s, &uncut).len() > 1);
    }
}
