//! Report section 5, dark-web observation: ransomware leak-site posts from the `leak`
//! table. The figures come from `kansoku_leaks::stats` (the same functions behind
//! `kansoku leaks stats`), so the report and the command never disagree; bursts use
//! section 1's spike method on daily series ([`SpikeParams::daily`]).

mod load;

use chrono::Days;
use datafusion::prelude::SessionContext;
use kansoku_leaks::stats::{self, JapanReason, LeakStats, StatsOptions};
use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Note, Section, Slice, Table, Text,
    Tone, Value,
};

use crate::stats::{SpikeParams, spikes};
use crate::{AnalyzeError, ReportRequest};

pub use load::{load_posts, posts_sql};

/// Groups drawn one by one in the daily chart; the rest are stacked as "other".
const CHART_GROUPS: usize = 8;

/// The chapter of every leak section.
const CHAPTER: &str = "chapter.darkweb";

/// A burst: a group's day far above its usual daily rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// Group.
    pub group: String,
    /// Local day.
    pub date: chrono::NaiveDate,
    /// Posts that day.
    pub posts: u64,
    /// The baseline (median of the trailing window).
    pub baseline: f64,
    /// Robust score.
    pub score: f64,
}

/// A group's consecutive burst days, ranked among the period's bursts.
#[derive(Debug, Clone, PartialEq)]
pub struct BurstEpisode {
    /// Group.
    pub group: String,
    /// First local day.
    pub from: chrono::NaiveDate,
    /// Last local day.
    pub to: chrono::NaiveDate,
    /// Posts over those days.
    pub posts: u64,
    /// The baseline of the busiest day.
    pub baseline: f64,
    /// Posts above the baseline over those days: what the episodes are ranked by.
    pub excess: f64,
}

/// Merges each group's consecutive burst days and ranks the episodes by posts above their
/// baseline, the largest first (ties: earlier, then group name). Six posts from a group
/// that rarely posts are a burst for that group, but a prolific group's day of forty
/// outranks it: the table opens with the bursts that moved the period.
pub fn ranked_episodes(found: &[Burst]) -> Vec<BurstEpisode> {
    let mut days: Vec<&Burst> = found.iter().collect();
    days.sort_by(|a, b| a.group.cmp(&b.group).then(a.date.cmp(&b.date)));
    let mut out: Vec<BurstEpisode> = Vec::new();
    let mut busiest = 0u64;
    for b in days {
        let excess = (b.posts as f64 - b.baseline).max(0.0);
        match out.last_mut() {
            Some(e) if e.group == b.group && e.to.succ_opt() == Some(b.date) => {
                e.to = b.date;
                e.posts += b.posts;
                e.excess += excess;
                if b.posts > busiest {
                    busiest = b.posts;
                    e.baseline = b.baseline;
                }
            }
            _ => {
                busiest = b.posts;
                out.push(BurstEpisode {
                    group: b.group.clone(),
                    from: b.date,
                    to: b.date,
                    posts: b.posts,
                    baseline: b.baseline,
                    excess,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.excess
            .total_cmp(&a.excess)
            .then(a.from.cmp(&b.from))
            .then_with(|| a.group.cmp(&b.group))
    });
    out
}

fn period_of(req: &ReportRequest) -> Result<stats::Period, AnalyzeError> {
    stats::Period::inclusive(req.period.from, req.period.to, req.tz)
        .map_err(|e| AnalyzeError::Request(e.to_string()))
}

/// Each group's bursts in the period: the daily series starts `window` days before
/// the period so the first days have a baseline.
pub fn bursts(
    posts: &[kansoku_event::leak::LeakPost],
    period: &stats::Period,
    params: &SpikeParams,
) -> Vec<Burst> {
    let history_from = period
        .from()
        .checked_sub_days(Days::new(params.window as u64))
        .unwrap_or(period.from());
    let Ok(history) = stats::Period::new(history_from, period.to(), period.tz()) else {
        return Vec::new();
    };
    let offset = history.days().saturating_sub(period.days()) as usize;
    let mut out = Vec::new();
    for g in stats::daily_counts(posts, &history) {
        let series: Vec<f64> = g.days.iter().map(|d| d.posts as f64).collect();
        for s in spikes(&series, params) {
            for i in s.start.max(offset)..=s.end {
                let Some(day) = g.days.get(i) else { continue };
                let Ok(date) = day.date.parse::<chrono::NaiveDate>() else {
                    continue;
                };
                out.push(Burst {
                    group: g.group.clone(),
                    date,
                    posts: day.posts,
                    baseline: s.baseline,
                    score: if i == s.peak_index { s.score } else { f64::NAN },
                });
            }
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.group.cmp(&b.group)));
    out
}

/// Section 5's sections for the request's period.
pub async fn sections(
    ctx: &SessionContext,
    req: &ReportRequest,
) -> Result<Vec<Section>, AnalyzeError> {
    let period = period_of(req)?;
    let params = SpikeParams::daily();
    let (_, end) = period.bounds();
    let prev_start = period.previous().bounds().0;
    let history_start = period.bounds().0 - params.window as i64 * 86_400_000_000;
    let from = prev_start.min(history_start);
    let sql = posts_sql(from, end);
    let posts = load_posts(ctx, from, end).await?;
    let st = stats::leak_stats(&posts, &period, &StatsOptions::default());
    let found = bursts(&posts, &period, &params);
    let q = vec![sql];
    Ok(vec![
        Section::new(
            "leak-groups",
            CHAPTER,
            Text::label("section.leak_groups"),
            groups_blocks(&st, &posts, &period, &q),
        ),
        Section::new(
            "leak-timing",
            CHAPTER,
            Text::label("section.leak_timing"),
            timing_blocks(&st, &ranked_episodes(&found), req.top_spikes, &params, &q),
        ),
        Section::new(
            "leak-countries",
            CHAPTER,
            Text::label("section.leak_countries"),
            country_blocks(&st, &q),
        ),
        Section::new(
            "leak-japanese",
            CHAPTER,
            Text::label("section.leak_japanese"),
            japan_blocks(&st, &q),
        ),
    ])
}

fn count(n: Option<u64>) -> Value {
    n.map_or(Value::Missing, Value::Count)
}

fn info(paragraphs: Vec<Text>) -> Block {
    Block::Note(Note {
        tone: Tone::Info,
        title: None,
        paragraphs,
    })
}

fn groups_blocks(
    st: &LeakStats,
    posts: &[kansoku_event::leak::LeakPost],
    period: &stats::Period,
    q: &[String],
) -> Vec<Block> {
    let rows = st
        .groups
        .iter()
        .map(|g| {
            vec![
                Value::Text(g.group.clone()),
                count(g.japan),
                count(g.elsewhere),
                count(g.total),
                count(g.previous),
            ]
        })
        .collect();
    let (start, end) = period.bounds();
    let in_period = posts.iter().filter(|p| (start..end).contains(&p.time()));
    let (mut published, mut discovered) = (0u64, 0u64);
    for p in in_period {
        match p.time_basis {
            kansoku_event::leak::TimeBasis::Published => published += 1,
            kansoku_event::leak::TimeBasis::Discovered => discovered += 1,
        }
    }
    let prev = &st.previous_period;
    let mut blocks = vec![Block::Table(Table {
        title: None,
        columns: vec![
            Column::new("leak.group", Align::Left),
            Column::new("leak.japan", Align::Right),
            Column::new("leak.outside", Align::Right),
            Column::new("leak.total", Align::Right),
            Column::new("leak.previous_period", Align::Right),
        ],
        rows,
        footnote: Some(Text::template(
            "leak.previous_note",
            [
                ("from", Value::Text(prev.from.clone())),
                ("to", Value::Text(last_day(&prev.to))),
            ],
        )),
        queries: q.to_vec(),
    })];
    let mut notes = vec![Text::template(
        "leak.time_basis",
        [
            ("published", Value::Count(published)),
            ("discovered", Value::Count(discovered)),
        ],
    )];
    if st.posts == 0 {
        notes.insert(0, Text::label("leak.no_posts"));
    }
    blocks.push(info(notes));
    blocks
}

/// The day before `to` (periods are `[from, to)`; reports show inclusive days).
fn last_day(to: &str) -> String {
    to.parse::<chrono::NaiveDate>()
        .ok()
        .and_then(|d| d.pred_opt())
        .map_or_else(|| to.to_string(), |d| d.to_string())
}

fn timing_blocks(
    st: &LeakStats,
    ranked: &[BurstEpisode],
    top: usize,
    p: &SpikeParams,
    q: &[String],
) -> Vec<Block> {
    let mut blocks = Vec::new();
    let days: Vec<chrono::NaiveDate> = st
        .daily
        .first()
        .map(|g| g.days.iter().filter_map(|d| d.date.parse().ok()).collect())
        .unwrap_or_default();
    if !days.is_empty() {
        let mut series: Vec<ChartSeries> = st
            .daily
            .iter()
            .take(CHART_GROUPS)
            .map(|g| ChartSeries {
                id: g.group.to_lowercase(),
                label: Text::plain(g.group.clone()),
                values: g.days.iter().map(|d| Some(d.posts as f64)).collect(),
            })
            .collect();
        if st.daily.len() > CHART_GROUPS {
            let mut other = vec![0.0; days.len()];
            for g in &st.daily[CHART_GROUPS..] {
                for (o, d) in other.iter_mut().zip(&g.days) {
                    *o += d.posts as f64;
                }
            }
            series.push(ChartSeries {
                id: "other".into(),
                label: Text::label("leak.other_groups"),
                values: other.into_iter().map(Some).collect(),
            });
        }
        blocks.push(Block::Chart(ChartFigure {
            title: Some(Text::label("leak.daily_chart")),
            chart: ChartData::DailyStacked {
                days,
                series,
                y_label: Text::label("leak.y_axis"),
            },
            queries: q.to_vec(),
        }));
    }
    if ranked.is_empty() {
        blocks.push(info(vec![Text::label("leak.no_bursts")]));
    } else {
        let (first, rest) = ranked.split_at(ranked.len().min(top.max(1)));
        for (title, rows) in [("leak.bursts", first), ("leak.other_bursts", rest)] {
            if rows.is_empty() {
                continue;
            }
            blocks.push(Block::Table(Table {
                title: Some(Text::label(title)),
                columns: vec![
                    Column::new("leak.from", Align::Left),
                    Column::new("leak.to", Align::Left),
                    Column::new("leak.group", Align::Left),
                    Column::new("leak.posts", Align::Right),
                    Column::new("leak.baseline", Align::Right),
                    Column::new("leak.excess", Align::Right),
                ],
                rows: rows
                    .iter()
                    .map(|e| {
                        vec![
                            Value::Date(e.from),
                            Value::Date(e.to),
                            Value::Text(e.group.clone()),
                            Value::Count(e.posts),
                            Value::Number(e.baseline),
                            Value::Number(e.excess),
                        ]
                    })
                    .collect(),
                footnote: None,
                queries: q.to_vec(),
            }));
        }
    }
    blocks.push(info(vec![Text::template(
        "leak.method",
        [
            ("window", Value::Count(p.window as u64)),
            ("threshold", Value::Number(p.threshold)),
            ("min_count", Value::Count(p.min_count as u64)),
            ("min_history", Value::Count(p.min_history as u64)),
        ],
    )]));
    if !ranked.is_empty() {
        blocks.push(info(vec![Text::template(
            "leak.ranking",
            [("top", Value::Count(top.max(1) as u64))],
        )]));
    }
    blocks
}

fn pct(x: f64) -> Value {
    Value::Percent(x * 100.0)
}

fn country_blocks(st: &LeakStats, q: &[String]) -> Vec<Block> {
    let c = &st.countries;
    let mut slices: Vec<Slice> = c
        .top
        .iter()
        .map(|s| Slice {
            label: Text::plain(s.country.clone()),
            value: s.posts as f64,
        })
        .collect();
    if c.other > 0 {
        slices.push(Slice {
            label: Text::label("leak.other_countries"),
            value: c.other as f64,
        });
    }
    let mut rows: Vec<Vec<Value>> = c
        .top
        .iter()
        .map(|s| {
            vec![
                Value::Code(s.country.clone()),
                Value::Count(s.posts),
                pct(s.share_of_known),
                pct(s.share_of_all),
            ]
        })
        .collect();
    if c.other > 0 {
        rows.push(vec![
            Value::Label("leak.other_countries".into()),
            Value::Count(c.other),
            pct(c.other as f64 / c.known.max(1) as f64),
            pct(c.other as f64 / c.posts.max(1) as f64),
        ]);
    }
    // Unknown is apart: it has no share of the known, only of all posts.
    rows.push(vec![
        Value::Label("leak.unknown".into()),
        Value::Count(c.unknown),
        Value::Missing,
        pct(c.unknown as f64 / c.posts.max(1) as f64),
    ]);
    let mut blocks = Vec::new();
    if !slices.is_empty() {
        blocks.push(Block::Chart(ChartFigure {
            title: Some(Text::label("leak.country_chart")),
            chart: ChartData::Pie { slices },
            queries: q.to_vec(),
        }));
    }
    blocks.push(Block::Table(Table {
        title: None,
        columns: vec![
            Column::new("leak.country", Align::Left),
            Column::new("leak.posts", Align::Right),
            Column::new("leak.share_known", Align::Right),
            Column::new("leak.share_all", Align::Right),
        ],
        rows,
        footnote: None,
        queries: q.to_vec(),
    }));
    let m = &c.methods;
    blocks.push(info(vec![
        Text::template("leak.known_share", [("share", pct(c.known_share))]),
        Text::template(
            "leak.methods",
            [
                ("explicit", Value::Count(m.explicit as u64)),
                ("cctld", Value::Count(m.cctld as u64)),
                ("japanese_text", Value::Count(m.japanese_text as u64)),
                ("name_list", Value::Count(m.name_list as u64)),
                ("unknown", Value::Count(m.unknown as u64)),
            ],
        ),
    ]));
    blocks
}

fn japan_blocks(st: &LeakStats, q: &[String]) -> Vec<Block> {
    if st.japan.is_empty() {
        return vec![info(vec![Text::label("leak.no_japan")])];
    }
    let rows = st
        .japan
        .iter()
        .map(|p| {
            let reason = match p.reason {
                JapanReason::JapaneseText => "leak.reason_text",
                JapanReason::JapaneseVictim => "leak.reason_victim",
                JapanReason::Both => "leak.reason_both",
            };
            let source = p.country_source.map_or(Value::Missing, |s| {
                Value::Label(format!("leak.source_{}", s.as_str()))
            });
            vec![
                Value::Text(p.time.clone()),
                Value::Text(p.group.clone()),
                Value::Text(p.victim.clone()),
                p.country.clone().map_or(Value::Missing, Value::Code),
                source,
                Value::Label(reason.into()),
            ]
        })
        .collect();
    vec![Block::Table(Table {
        title: None,
        columns: vec![
            Column::new("leak.time", Align::Left),
            Column::new("leak.group", Align::Left),
            Column::new("leak.victim", Align::Left),
            Column::new("leak.country", Align::Left),
            Column::new("leak.country_source", Align::Left),
            Column::new("leak.reason", Align::Left),
        ],
        rows,
        footnote: None,
        queries: q.to_vec(),
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(group: &str, date: &str, posts: u64, baseline: f64) -> Burst {
        Burst {
            group: group.into(),
            date: date.parse().expect("date"),
            posts,
            baseline,
            score: 10.0,
        }
    }

    #[test]
    fn consecutive_days_of_a_group_merge_and_rank_by_posts_above_baseline() {
        let found = [
            day("tiny", "2022-08-01", 8, 0.0),
            day("lockbit", "2022-09-14", 40, 6.0),
            day("lockbit", "2022-09-15", 30, 6.0),
            day("tiny", "2022-08-03", 7, 0.0),
            day("other", "2022-07-02", 12, 1.0),
        ];
        let ranked = ranked_episodes(&found);
        let head: Vec<(&str, String, String, f64)> = ranked
            .iter()
            .map(|e| {
                (
                    e.group.as_str(),
                    e.from.to_string(),
                    e.to.to_string(),
                    e.excess,
                )
            })
            .collect();
        assert_eq!(
            head,
            [
                ("lockbit", "2022-09-14".into(), "2022-09-15".into(), 58.0),
                ("other", "2022-07-02".into(), "2022-07-02".into(), 11.0),
                ("tiny", "2022-08-01".into(), "2022-08-01".into(), 8.0),
                ("tiny", "2022-08-03".into(), "2022-08-03".into(), 7.0),
            ]
        );
        assert_eq!(ranked[0].posts, 70);
    }
}
