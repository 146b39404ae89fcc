//! Blocks of the WAF chapter: detections per hour with spikes, top categories per month.

use serde::{Deserialize, Serialize};

/// `(hour start in UTC microseconds, count)`.
pub type Point = (i64, u64);

/// Detections per hour over the period, per category, with explained spikes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourlyDetections {
    /// One series per category id (`sqli`, ...); hours without events may be omitted.
    pub series: Vec<NamedSeries>,
    /// All detections per hour.
    pub total: Vec<Point>,
    /// The most notable episodes of spike hours (spikes a few quiet hours apart merged),
    /// ranked by detections above the baseline, each explained; numbered 1, 2, … in rank
    /// order in the chart. At most the report's configured number.
    pub spikes: Vec<SpikeNote>,
    /// The other episodes, ranked the same way, listed without a full explanation.
    #[serde(default)]
    pub other_bursts: Vec<BurstNote>,
    /// The parameters the spikes were found with (printed under the chart).
    pub method: SpikeMethod,
    /// SQL behind the series and the explanations.
    pub queries: Vec<String>,
}

/// A named series of hourly points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedSeries {
    /// Category id (shown with its locale label) or other name.
    pub name: String,
    /// Points in time order.
    pub points: Vec<Point>,
}

/// Spike-detection parameters as the reader should see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeMethod {
    /// Trailing window in hours.
    pub window_hours: u32,
    /// Seasonal period in hours (168: hour-of-week), if any.
    pub season_hours: Option<u32>,
    /// Weight of the seasonal median in the baseline.
    pub season_weight: f64,
    /// Score threshold (in robust standard deviations).
    pub threshold: f64,
    /// Smallest count that can be a spike.
    pub min_count: u64,
    /// Spikes at most this many quiet hours apart form one episode.
    #[serde(default)]
    pub episode_gap_hours: u32,
    /// Episodes explained in full (the rest are listed).
    #[serde(default)]
    pub explained: u32,
}

/// An episode of spike hours listed without a full explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurstNote {
    /// Start of the first flagged hour (UTC µs).
    pub start: i64,
    /// End of the last flagged hour, exclusive (UTC µs).
    pub end: i64,
    /// Start of the peak hour (UTC µs).
    pub peak_ts: i64,
    /// Detections in the peak hour.
    pub peak: u64,
    /// Baseline (normal count) for the peak hour.
    pub baseline: f64,
    /// Detections above the baseline over the episode (what it is ranked by).
    pub excess: u64,
    /// The category with the most detections in the episode.
    pub main_category: Option<String>,
    /// The source address with the most detections in the episode.
    pub main_source: Option<String>,
}

/// A spike and the evidence that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeNote {
    /// Start of the first flagged hour (UTC µs).
    pub start: i64,
    /// End of the last flagged hour, exclusive (UTC µs).
    pub end: i64,
    /// Start of the peak hour (UTC µs).
    pub peak_ts: i64,
    /// Detections in the peak hour.
    pub peak: u64,
    /// Baseline (normal count) for the peak hour.
    pub baseline: f64,
    /// Score of the peak hour.
    pub score: f64,
    /// Detections above the baseline over the episode (what it is ranked by).
    #[serde(default)]
    pub excess: u64,
    /// Tenants by share of the spike's detections (0‥1), largest first.
    pub tenants: Vec<Share>,
    /// Category ids by count, largest first.
    pub categories: Vec<NamedCount>,
    /// Recognised attack tools by count.
    pub tools: Vec<NamedCount>,
    /// Top source addresses by count.
    pub top_sources: Vec<NamedCount>,
    /// Top request paths by count.
    pub top_paths: Vec<NamedCount>,
    /// First event of the spike (UTC µs).
    pub first_seen: i64,
    /// Last event of the spike (UTC µs).
    pub last_seen: i64,
}

/// A name with its share of a whole (0‥1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// Name (tenant).
    pub name: String,
    /// Fraction of the whole, 0‥1.
    pub share: f64,
}

/// A name with a count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedCount {
    /// Name (category id, tool, address, path).
    pub name: String,
    /// Count.
    pub count: u64,
}

/// Top attack categories per month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopCategoriesPerMonth {
    /// How many categories each month lists (3 by default).
    pub top_n: u32,
    /// Months in time order.
    pub months: Vec<MonthTop>,
    /// SQL behind the table.
    pub queries: Vec<String>,
}

/// One month's top categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthTop {
    /// `YYYY-MM`.
    pub month: String,
    /// Categories by count, largest first.
    pub top: Vec<TopEntry>,
}

/// A category's count in a month and against the month before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopEntry {
    /// Category id.
    pub category: String,
    /// Detections this month.
    pub count: u64,
    /// Detections the month before (`None`: no data for that month).
    pub previous: Option<u64>,
    /// Change against `previous` in percent (`None` when previous is missing or 0).
    pub change_pct: Option<f64>,
}
