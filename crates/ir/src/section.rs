//! Report section 6, "incidents handled, by type and year": a bar chart (one group per
//! year, one bar per type) and a table with the ransomware share, built from the generic
//! blocks of the report model so no renderer changes.

use chrono_tz::Tz;
use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Section, Table, Text, Value,
};

use crate::case::{CaseMeta, CaseType};
use crate::stats::by_type_and_year;

/// The locale key of a case type's label (`incident.kind.web_compromise`).
pub fn type_key(t: CaseType) -> String {
    format!("incident.kind.{}", t.as_str().replace('-', "_"))
}

/// Section 6 from the cases, counted by the year (in `tz`) the incident was learned
/// of; `None` when there are no cases.
pub fn incidents_section<'a>(
    cases: impl IntoIterator<Item = &'a CaseMeta>,
    tz: Tz,
) -> Option<Section> {
    let years = by_type_and_year(cases, tz);
    if years.is_empty() {
        return None;
    }
    let labels = years
        .iter()
        .map(|y| Text::plain(y.year.to_string()))
        .collect();
    let series = CaseType::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| ChartSeries {
            id: t.as_str().into(),
            label: Text::label(type_key(*t)),
            values: years.iter().map(|y| Some(y.by_type[i].1 as f64)).collect(),
        })
        .collect();
    let chart = ChartFigure {
        title: None,
        chart: ChartData::Bars {
            labels,
            series,
            y_label: Text::label("incident.count"),
        },
        queries: Vec::new(),
    };
    let mut columns = vec![Column {
        header: Text::label("incident.year"),
        align: Align::Left,
    }];
    columns.extend(CaseType::ALL.iter().map(|t| Column {
        header: Text::label(type_key(*t)),
        align: Align::Right,
    }));
    columns.push(Column {
        header: Text::label("incident.total"),
        align: Align::Right,
    });
    columns.push(Column {
        header: Text::label("incident.share"),
        align: Align::Right,
    });
    columns.push(Column {
        header: Text::label("incident.change"),
        align: Align::Right,
    });
    let rows = years
        .iter()
        .map(|y| {
            let mut row = vec![Value::Text(y.year.to_string())];
            row.extend(y.by_type.iter().map(|(_, n)| Value::Count(*n)));
            row.push(Value::Count(y.total));
            row.push(Value::Percent(y.ransomware_share));
            row.push(y.share_change_points.map_or(Value::Missing, Value::Number));
            row
        })
        .collect();
    let table = Table {
        title: None,
        columns,
        rows,
        footnote: Some(Text::label("incident.method")),
        queries: Vec::new(),
    };
    Some(Section::new(
        "incidents-by-type",
        "chapter.incidents",
        Text::label("section.incidents_by_type"),
        vec![Block::Chart(chart), Block::Table(table)],
    ))
}
