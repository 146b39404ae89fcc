//! Section 4: attacks from Tor exit nodes per day and by category, with their share of
//! all attacks.
//!
//! An attack is an `http` row with at least one detection. Whether its source was a Tor
//! exit at that moment was decided at ingest from the imported exit lists (time-aware,
//! see `kansoku_enrich::tor`); rows ingested before any list was imported have no answer
//! (`tor_exit` is null), and the section says how many.

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;
use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Note, Section, Table, Text, Tone,
    Value,
};

use crate::daily::{BIN, Days};
use crate::query::{self, range};
use crate::{AnalyzeError, ReportRequest};

const CHAPTER: &str = "chapter.tor";
/// Categories drawn as their own layer in the daily chart.
const CHART_CATEGORIES: usize = 6;
/// Rows of the source-address table.
const TOP_SOURCES: usize = 10;

/// Attack counts split by whether the source was a Tor exit.
#[derive(Debug, Default, Clone, Copy)]
struct Split {
    tor: u64,
    all: u64,
    unknown: u64,
}

impl Split {
    fn add(&mut self, tor_exit: Option<&str>, n: u64) {
        self.all += n;
        match tor_exit {
            Some("true") => self.tor += n,
            Some(_) => {}
            None => self.unknown += n,
        }
    }

    fn share(&self) -> Value {
        if self.all == 0 {
            Value::Missing
        } else {
            Value::Percent(self.tor as f64 * 100.0 / self.all as f64)
        }
    }
}

/// The Tor sections of the report.
pub async fn sections(
    ctx: &SessionContext,
    req: &ReportRequest,
) -> Result<Vec<Section>, AnalyzeError> {
    let (from, to) = req.period.bounds(req.tz);
    let days = Days::of(&req.period, req.tz);
    let where_ = format!(
        "{} AND cardinality(categories) > 0",
        range(from, to, req.tenant.as_deref())
    );
    let q_daily = format!(
        "SELECT bin, category, tor_exit, count(*) AS n FROM (SELECT {BIN} AS bin, tor_exit, unnest(categories) AS category FROM http WHERE {where_}) GROUP BY 1, 2, 3"
    );
    let q_attacks = format!(
        "SELECT tor_exit, count(*) AS n, count(DISTINCT src_ip) AS sources FROM http WHERE {where_} GROUP BY 1"
    );
    let q_sources = format!(
        "SELECT src_ip, category, count(*) AS n, min(ts) AS first, max(ts) AS last FROM (SELECT src_ip, ts, unnest(categories) AS category FROM http WHERE {where_} AND tor_exit AND src_ip IS NOT NULL) GROUP BY 1, 2"
    );

    // Per attack (a request counts once, whatever its number of categories).
    let mut attacks = Split::default();
    let mut tor_sources = 0;
    let b = query::run(ctx, &q_attacks).await?;
    let flags = query::strings(&b, 0)?;
    let (counts, sources) = (query::ints(&b, 1)?, query::ints(&b, 2)?);
    for ((flag, n), s) in flags.iter().zip(counts).zip(sources) {
        attacks.add(flag.as_deref(), n.max(0) as u64);
        if flag.as_deref() == Some("true") {
            tor_sources = s.max(0) as u64;
        }
    }

    // Per category and local day.
    let mut by_category: BTreeMap<String, Split> = BTreeMap::new();
    let mut daily: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let b = query::run(ctx, &q_daily).await?;
    let (bins, cats) = (query::ints(&b, 0)?, query::strings(&b, 1)?);
    let (flags, counts) = (query::strings(&b, 2)?, query::ints(&b, 3)?);
    for r in 0..bins.len() {
        let (Some(day), Some(cat)) = (days.index(bins[r]), cats[r].clone()) else {
            continue;
        };
        let n = counts[r].max(0) as u64;
        by_category
            .entry(cat.clone())
            .or_default()
            .add(flags[r].as_deref(), n);
        if flags[r].as_deref() == Some("true") {
            daily.entry(cat).or_insert_with(|| vec![0.0; days.len()])[day] += n as f64;
        }
    }
    let queries = vec![q_attacks, q_daily];
    let summary = summary(&attacks, tor_sources);
    let mut first = vec![Block::Note(summary)];
    if attacks.tor > 0 {
        first.push(Block::Chart(chart(&daily, &days, &queries)));
    }
    let mut second = vec![Block::Table(category_table(
        &by_category,
        &attacks,
        &queries,
    ))];
    if attacks.tor > 0 {
        let b = query::run(ctx, &q_sources).await?;
        second.push(Block::Table(source_table(&b, q_sources)?));
    }
    Ok(vec![
        Section::new("tor", CHAPTER, Text::label("section.tor_daily"), first),
        Section::new(
            "tor-categories",
            CHAPTER,
            Text::label("section.tor_categories"),
            second,
        ),
    ])
}

fn summary(attacks: &Split, tor_sources: u64) -> Note {
    let mut paragraphs = vec![Text::template(
        "tor.summary",
        [
            ("tor", Value::Count(attacks.tor)),
            ("all", Value::Count(attacks.all)),
            ("share", attacks.share()),
            ("addresses", Value::Count(tor_sources)),
        ],
    )];
    if attacks.unknown > 0 {
        paragraphs.push(Text::template(
            "tor.unattributed",
            [("n", Value::Count(attacks.unknown))],
        ));
    }
    Note {
        tone: if attacks.unknown > 0 {
            Tone::Warning
        } else {
            Tone::Info
        },
        title: None,
        paragraphs,
    }
}

fn chart(daily: &BTreeMap<String, Vec<f64>>, days: &Days, queries: &[String]) -> ChartFigure {
    let mut ranked: Vec<(&String, &Vec<f64>)> = daily.iter().collect();
    ranked.sort_by(|a, b| {
        let sum = |v: &Vec<f64>| v.iter().sum::<f64>();
        sum(b.1).total_cmp(&sum(a.1)).then_with(|| a.0.cmp(b.0))
    });
    // The category "other" joins the summed rest rather than standing beside it under
    // the same label.
    let (mut named, mut rest) = (Vec::new(), Vec::new());
    for r in &ranked {
        if r.0 != "other" && named.len() < CHART_CATEGORIES {
            named.push(r);
        } else {
            rest.push(r);
        }
    }
    let mut series: Vec<ChartSeries> = named
        .iter()
        .map(|(cat, values)| ChartSeries {
            id: (*cat).clone(),
            label: Text::label(format!("category.{cat}")),
            values: values.iter().map(|v| Some(*v)).collect(),
        })
        .collect();
    if !rest.is_empty() {
        let mut other = vec![0.0; days.len()];
        for (_, values) in &rest {
            for (o, v) in other.iter_mut().zip(values.iter()) {
                *o += v;
            }
        }
        series.push(ChartSeries {
            id: "other".into(),
            label: Text::label("category.other"),
            values: other.into_iter().map(Some).collect(),
        });
    }
    ChartFigure {
        title: Some(Text::label("section.tor_daily")),
        chart: ChartData::DailyStacked {
            days: days.days.clone(),
            series,
            y_label: Text::label("tor.y_axis"),
        },
        queries: queries.to_vec(),
    }
}

fn category_table(
    by_category: &BTreeMap<String, Split>,
    attacks: &Split,
    queries: &[String],
) -> Table {
    let mut ranked: Vec<(&String, &Split)> = by_category.iter().collect();
    ranked.sort_by(|a, b| {
        (b.1.tor, b.1.all)
            .cmp(&(a.1.tor, a.1.all))
            .then_with(|| a.0.cmp(b.0))
    });
    let mut rows: Vec<Vec<Value>> = ranked
        .iter()
        .map(|(cat, s)| {
            vec![
                Value::Label(format!("category.{cat}")),
                Value::Count(s.tor),
                Value::Count(s.all),
                s.share(),
            ]
        })
        .collect();
    rows.push(vec![
        Value::Label("tor.all_attacks".into()),
        Value::Count(attacks.tor),
        Value::Count(attacks.all),
        attacks.share(),
    ]);
    Table {
        title: None,
        columns: vec![
            Column::new("top.category", Align::Left),
            Column::new("tor.attacks", Align::Right),
            Column::new("tor.all", Align::Right),
            Column::new("tor.share", Align::Right),
        ],
        rows,
        footnote: Some(Text::label("tor.category_note")),
        queries: queries.to_vec(),
    }
}

fn source_table(b: &[arrow::array::RecordBatch], sql: String) -> Result<Table, AnalyzeError> {
    #[derive(Default)]
    struct Source {
        total: u64,
        top: (u64, String),
        first: i64,
        last: i64,
    }
    let (ips, cats) = (query::strings(b, 0)?, query::strings(b, 1)?);
    let (counts, firsts, lasts) = (query::ints(b, 2)?, query::ints(b, 3)?, query::ints(b, 4)?);
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    for r in 0..ips.len() {
        let (Some(ip), Some(cat)) = (ips[r].clone(), cats[r].clone()) else {
            continue;
        };
        let n = counts[r].max(0) as u64;
        let s = sources.entry(ip).or_insert_with(|| Source {
            first: firsts[r],
            last: lasts[r],
            ..Source::default()
        });
        // A request with two categories counts under each; the total is per category hit.
        s.total += n;
        if (n, &cat) > (s.top.0, &s.top.1) {
            s.top = (n, cat);
        }
        s.first = s.first.min(firsts[r]);
        s.last = s.last.max(lasts[r]);
    }
    let mut ranked: Vec<(String, Source)> = sources.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(&b.0)));
    Ok(Table {
        title: Some(Text::label("tor.sources")),
        columns: vec![
            Column::new("tor.address", Align::Left),
            Column::new("tor.detections", Align::Right),
            Column::new("tor.main_attack", Align::Left),
            Column::new("tor.first_seen", Align::Left),
            Column::new("tor.last_seen", Align::Left),
        ],
        rows: ranked
            .into_iter()
            .take(TOP_SOURCES)
            .map(|(ip, s)| {
                vec![
                    Value::Code(ip),
                    Value::Count(s.total),
                    Value::Label(format!("category.{}", s.top.1)),
                    Value::Time(s.first),
                    Value::Time(s.last),
                ]
            })
            .collect(),
        footnote: None,
        queries: vec![sql],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    #[test]
    fn a_category_named_other_joins_the_summed_rest() {
        let days = Days::of(
            &Period::month(2026, 11).expect("a month"),
            chrono_tz::Asia::Tokyo,
        );
        let n = days.len();
        // Eight categories, "other" the largest: six named series plus one "other" that
        // holds the real category and the two smallest.
        let mut daily = BTreeMap::new();
        for (i, cat) in [
            "other",
            "sqli",
            "xss",
            "rce",
            "lfi",
            "scanner",
            "probe",
            "log4shell",
        ]
        .iter()
        .enumerate()
        {
            daily.insert(cat.to_string(), vec![(100 - i * 10) as f64; n]);
        }
        let figure = chart(&daily, &days, &[]);
        let ChartData::DailyStacked { series, .. } = figure.chart else {
            panic!("a daily stacked chart");
        };
        let ids: Vec<&str> = series.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            ["sqli", "xss", "rce", "lfi", "scanner", "probe", "other"]
        );
        let other = series.last().expect("other");
        assert_eq!(other.values[0], Some(100.0 + 30.0));
    }
}
