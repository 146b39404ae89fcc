//! Section 4: attacks from Tor exit nodes per day and by category, with their share of
//! all attacks.
//!
//! An attack is an `http` row with at least one detection. Whether its source was a Tor
//! exit at that moment was decided at ingest from the imported exit lists (time-aware,
//! see `kansoku_enrich::tor`); rows ingested before any list was imported have no answer
//! (`tor_exit` is null), and the section says how many.

use std::collections::{BTreeMap, BTreeSet};

use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Note, Section, Table, Text, Tone,
    Value,
};

use crate::ReportRequest;
use crate::attacks::{AttackCounts, Group};
use crate::daily::Days;

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
    fn add(&mut self, tor_exit: Option<bool>, n: u64) {
        self.all += n;
        match tor_exit {
            Some(true) => self.tor += n,
            Some(false) => {}
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

/// The Tor sections of the report: sums over the period's attack groups (each group
/// carries its Tor flag), so this section runs no query of its own.
pub fn sections(req: &ReportRequest, counts: &AttackCounts) -> Vec<Section> {
    let (from, to) = req.period.bounds(req.tz);
    let days = Days::of(&req.period, req.tz);
    let groups = counts.between(from, to);
    // Per attack (a request counts once, whatever its number of categories), per
    // category and local day, and the Tor exits' addresses.
    let mut attacks = Split::default();
    let mut by_category: BTreeMap<String, Split> = BTreeMap::new();
    let mut daily: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut tor_sources = BTreeSet::new();
    for g in groups {
        attacks.add(g.tor_exit, g.n);
        if let (Some(true), Some(src)) = (g.tor_exit, &g.src) {
            tor_sources.insert(src.as_str());
        }
        let Some(day) = days.index(g.bin) else {
            continue;
        };
        for cat in &g.categories {
            by_category
                .entry(cat.clone())
                .or_default()
                .add(g.tor_exit, g.n);
            if g.tor_exit == Some(true) {
                daily
                    .entry(cat.clone())
                    .or_insert_with(|| vec![0.0; days.len()])[day] += g.n as f64;
            }
        }
    }
    let queries = &counts.queries;
    let summary = summary(&attacks, tor_sources.len() as u64);
    let mut first = vec![Block::Note(summary)];
    if attacks.tor > 0 {
        first.push(Block::Chart(chart(&daily, &days, queries)));
    }
    let mut second = vec![Block::Table(category_table(
        &by_category,
        &attacks,
        queries,
    ))];
    if attacks.tor > 0 {
        second.push(Block::Table(source_table(groups, queries)));
    }
    vec![
        Section::new("tor", CHAPTER, Text::label("section.tor_daily"), first),
        Section::new(
            "tor-categories",
            CHAPTER,
            Text::label("section.tor_categories"),
            second,
        ),
    ]
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

fn source_table(groups: &[Group], queries: &[String]) -> Table {
    #[derive(Default)]
    struct Source {
        total: u64,
        top: (u64, String),
        first: i64,
        last: i64,
    }
    // Detections per Tor exit and category, with first and last time.
    let mut per: BTreeMap<(&str, &str), (u64, i64, i64)> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.tor_exit == Some(true)) {
        let Some(src) = &g.src else {
            continue;
        };
        for cat in &g.categories {
            let e = per
                .entry((src.as_str(), cat.as_str()))
                .or_insert((0, g.first, g.last));
            e.0 += g.n;
            e.1 = e.1.min(g.first);
            e.2 = e.2.max(g.last);
        }
    }
    let mut sources: BTreeMap<String, Source> = BTreeMap::new();
    for ((ip, cat), (n, first, last)) in per {
        let s = sources.entry(ip.to_string()).or_insert_with(|| Source {
            first,
            last,
            ..Source::default()
        });
        // A request with two categories counts under each; the total is per category hit.
        s.total += n;
        if (n, cat) > (s.top.0, s.top.1.as_str()) {
            s.top = (n, cat.to_string());
        }
        s.first = s.first.min(first);
        s.last = s.last.max(last);
    }
    let mut ranked: Vec<(String, Source)> = sources.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total.cmp(&a.1.total).then_with(|| a.0.cmp(&b.0)));
    Table {
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
        queries: queries.to_vec(),
    }
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
