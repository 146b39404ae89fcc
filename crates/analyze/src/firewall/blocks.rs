//! The blocks of the firewall sections: the daily chart and service table, and the
//! rising services with the method (the advice is `advice.rs`).

use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Note, Section, Table, Text, Tone,
    Value,
};

use super::{CHAPTER, Fit, Traffic, TrendParams};
use crate::daily::Days;

/// Services drawn as their own layer in the daily chart; the rest are stacked as "other".
const CHART_SERVICES: usize = 8;
/// Rows of the service table.
const TABLE_SERVICES: usize = 12;

fn trend_key(rising: bool) -> &'static str {
    if rising {
        "firewall.rising"
    } else {
        "firewall.flat"
    }
}

fn p_value(p: f64) -> Value {
    if p < 0.0001 {
        Value::Text("< 0.0001".into())
    } else {
        Value::Text(format!("{p:.4}"))
    }
}

pub(super) fn daily_section(
    services: &[Traffic],
    days: &Days,
    observed: &[bool],
    queries: &[String],
) -> Section {
    let values = |daily: &[f64]| -> Vec<Option<f64>> {
        daily
            .iter()
            .zip(observed)
            .map(|(v, seen)| seen.then_some(*v))
            .collect()
    };
    let mut series: Vec<ChartSeries> = services
        .iter()
        .take(CHART_SERVICES)
        .map(|t| ChartSeries {
            id: t.key.clone(),
            label: Text::plain(t.label()),
            values: values(&t.daily),
        })
        .collect();
    if services.len() > CHART_SERVICES {
        let mut other = vec![0.0; days.len()];
        for t in &services[CHART_SERVICES..] {
            for (o, v) in other.iter_mut().zip(&t.daily) {
                *o += v;
            }
        }
        series.push(ChartSeries {
            id: "other".into(),
            label: Text::label("firewall.other"),
            values: values(&other),
        });
    }
    let chart = ChartFigure {
        title: Some(Text::label("section.firewall_daily")),
        chart: ChartData::DailyStacked {
            days: days.days.clone(),
            series,
            y_label: Text::label("firewall.y_axis"),
        },
        queries: queries.to_vec(),
    };
    let rows = services
        .iter()
        .take(TABLE_SERVICES)
        .map(|t| {
            let (slope, change, p, trend) = match t.trend {
                Some(f) => (
                    Value::Number(f.slope),
                    Value::Percent(f.rise * 100.0),
                    p_value(f.p_value),
                    Value::Label(trend_key(f.rising).into()),
                ),
                None => (
                    Value::Missing,
                    Value::Missing,
                    Value::Missing,
                    Value::Missing,
                ),
            };
            vec![
                Value::Code(t.label()),
                Value::Count(t.total),
                Value::Count(t.allowed),
                slope,
                change,
                p,
                trend,
            ]
        })
        .collect();
    let table = Table {
        title: Some(Text::label("firewall.table")),
        columns: vec![
            Column::new("firewall.service", Align::Left),
            Column::new("firewall.connections", Align::Right),
            Column::new("firewall.allowed", Align::Right),
            Column::new("firewall.slope", Align::Right),
            Column::new("firewall.change", Align::Right),
            Column::new("firewall.p_value", Align::Right),
            Column::new("firewall.trend", Align::Center),
        ],
        rows,
        footnote: Some(Text::label("firewall.table_note")),
        queries: queries.to_vec(),
    };
    Section::new(
        "firewall",
        CHAPTER,
        Text::label("section.firewall_daily"),
        vec![Block::Chart(chart), Block::Table(table)],
    )
}

pub(super) fn rising_section(services: &[Traffic], p: &TrendParams, queries: &[String]) -> Section {
    let rising: Vec<(&Traffic, Fit)> = services
        .iter()
        .filter_map(|t| t.trend.filter(|f| f.rising).map(|f| (t, f)))
        .collect();
    let tested = services.iter().filter(|t| t.trend.is_some()).count();
    let method = Note {
        tone: Tone::Info,
        title: None,
        paragraphs: vec![Text::template(
            "firewall.method",
            [
                ("alpha", Value::Number(p.alpha)),
                ("tested", Value::Count(tested as u64)),
                ("rise", Value::Percent(p.min_rise * 100.0)),
                ("days", Value::Count(p.min_days as u64)),
                ("per_day", Value::Number(p.min_per_day)),
            ],
        )],
    };
    let first = if rising.is_empty() {
        Block::Note(Note {
            tone: Tone::Info,
            title: None,
            paragraphs: vec![Text::label("firewall.none_rising")],
        })
    } else {
        Block::Table(Table {
            title: None,
            columns: vec![
                Column::new("firewall.service", Align::Left),
                Column::new("firewall.connections", Align::Right),
                Column::new("firewall.slope", Align::Right),
                Column::new("firewall.change", Align::Right),
                Column::new("firewall.p_value", Align::Right),
            ],
            rows: rising
                .iter()
                .map(|(t, f)| {
                    vec![
                        Value::Code(t.label()),
                        Value::Count(t.total),
                        Value::Number(f.slope),
                        Value::Percent(f.rise * 100.0),
                        p_value(f.p_value),
                    ]
                })
                .collect(),
            footnote: None,
            queries: queries.to_vec(),
        })
    };
    Section::new(
        "rising-services",
        CHAPTER,
        Text::label("section.rising_services"),
        vec![first, Block::Note(method)],
    )
}
