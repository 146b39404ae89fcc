//! Section 3: inbound firewall traffic per day by destination service, the services
//! whose traffic rises, and advice for the services that should never face the internet.
//!
//! A row of the `net` table is one logged packet or connection. "Inbound" is the
//! direction ingest assigned from the configured internal networks and interfaces. A
//! service is the name ingest gave the destination port and protocol from the built-in
//! table (`kansoku_enrich::service`), or `port/proto` when the table has none.
//!
//! Rising is decided per service on its daily counts over the period, days without any
//! firewall log being no observation (not zero): see [`TrendParams`].

use std::collections::{BTreeMap, BTreeSet};

use datafusion::prelude::SessionContext;
use kansoku_enrich::service;
use kansoku_report::model::{
    Align, Block, ChartData, ChartFigure, ChartSeries, Column, Note, Section, Table, Text, Tone,
    Value,
};

use crate::daily::{BIN, Days};
use crate::query::{self, range};
use crate::stats::{mann_kendall, theil_sen};
use crate::{AnalyzeError, ReportRequest};

const CHAPTER: &str = "chapter.firewall";
/// Services drawn as their own layer in the daily chart; the rest are stacked as "other".
const CHART_SERVICES: usize = 8;
/// Rows of the service table.
const TABLE_SERVICES: usize = 12;

/// When a service counts as rising.
///
/// All of: Mann–Kendall increasing with a two-sided p-value below `alpha / m`, where `m`
/// is the number of services tested (Bonferroni: the chance that any flat service is
/// flagged stays below `alpha`); a positive Theil–Sen slope; a fitted rise over the
/// period of at least `min_rise` times the fitted level on the first day (so a
/// significant but negligible drift is not news); at least `min_days` days with firewall
/// logs and on average at least `min_per_day` connections a day (too little traffic has
/// no trend worth reporting).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendParams {
    /// Family-wise significance level.
    pub alpha: f64,
    /// Minimum relative rise over the period (0.25 = 25 %).
    pub min_rise: f64,
    /// Minimum number of observed days.
    pub min_days: usize,
    /// Minimum mean connections per observed day.
    pub min_per_day: f64,
}

impl Default for TrendParams {
    fn default() -> Self {
        TrendParams {
            alpha: 0.05,
            min_rise: 0.25,
            min_days: 14,
            min_per_day: 1.0,
        }
    }
}

/// Inbound traffic to one service over the period.
#[derive(Debug, Clone, Default)]
struct Traffic {
    /// `telnet`, or `4444/tcp` for a port the table does not name.
    key: String,
    /// The built-in table's entry, when named.
    known: Option<&'static service::Service>,
    /// Destination port/protocol pairs seen.
    ports: BTreeSet<(Option<u16>, String)>,
    daily: Vec<f64>,
    total: u64,
    allowed: u64,
    trend: Option<Fit>,
}

/// A tested service's trend.
#[derive(Debug, Clone, Copy)]
struct Fit {
    slope: f64,
    rise: f64,
    p_value: f64,
    rising: bool,
}

impl Traffic {
    fn label(&self) -> String {
        let ports: Vec<String> = self
            .ports
            .iter()
            .take(3)
            .map(|(port, proto)| match port {
                Some(p) => format!("{p}/{proto}"),
                None => proto.clone(),
            })
            .collect();
        let more = if self.ports.len() > 3 { ", …" } else { "" };
        match self.known {
            Some(_) => format!("{} ({}{more})", self.key, ports.join(", ")),
            None => self.key.clone(),
        }
    }
}

/// The firewall sections of the report.
pub async fn sections(
    ctx: &SessionContext,
    req: &ReportRequest,
) -> Result<Vec<Section>, AnalyzeError> {
    let (from, to) = req.period.bounds(req.tz);
    let days = Days::of(&req.period, req.tz);
    let where_ = range(from, to, req.tenant.as_deref());
    // A lake written before the `net` table existed has no such table: no data, no error.
    let has_net = ctx.table_exist(kansoku_event::table::NET)?;
    let q_seen = format!("SELECT {BIN} AS bin, count(*) AS n FROM net WHERE {where_} GROUP BY 1");
    let q_daily = format!(
        "SELECT {BIN} AS bin, service, dst_port, proto, count(*) AS n, \
         sum(CASE WHEN action = 'allow' THEN 1 ELSE 0 END) AS allowed \
         FROM net WHERE {where_} AND direction = 'inbound' GROUP BY 1, 2, 3, 4"
    );
    let mut observed = vec![false; days.len()];
    if has_net {
        let b = query::run(ctx, &q_seen).await?;
        for bin in query::ints(&b, 0)? {
            if let Some(i) = days.index(bin) {
                observed[i] = true;
            }
        }
    }
    let queries = vec![q_seen, q_daily.clone()];
    if !observed.contains(&true) {
        let note = Note {
            tone: Tone::Info,
            title: None,
            paragraphs: vec![Text::label("firewall.no_data")],
        };
        return Ok(vec![Section::new(
            "firewall",
            CHAPTER,
            Text::label("section.firewall_daily"),
            vec![Block::Note(note)],
        )]);
    }
    let mut services = load(ctx, &q_daily, &days).await?;
    let params = TrendParams::default();
    test_trends(&mut services, &observed, &params);
    Ok(vec![
        daily_section(&services, &days, &observed, &queries),
        rising_section(&services, &params, &queries),
        advice_section(&services),
    ])
}

async fn load(ctx: &SessionContext, sql: &str, days: &Days) -> Result<Vec<Traffic>, AnalyzeError> {
    let b = query::run(ctx, sql).await?;
    let (bins, names) = (query::ints(&b, 0)?, query::strings(&b, 1)?);
    let (ports, protos) = (query::strings(&b, 2)?, query::strings(&b, 3)?);
    let (counts, allowed) = (query::ints(&b, 4)?, query::ints(&b, 5)?);
    let mut by_key: BTreeMap<String, Traffic> = BTreeMap::new();
    for r in 0..bins.len() {
        let Some(i) = days.index(bins[r]) else {
            continue;
        };
        let port = ports[r].as_deref().and_then(|p| p.parse::<u16>().ok());
        let proto = protos[r].clone().unwrap_or_else(|| "?".into());
        let key = match (&names[r], port) {
            (Some(name), _) => name.clone(),
            (None, Some(p)) => format!("{p}/{proto}"),
            (None, None) => proto.clone(),
        };
        let t = by_key.entry(key.clone()).or_insert_with(|| Traffic {
            known: service::services().iter().find(|s| s.name == key),
            key,
            daily: vec![0.0; days.len()],
            ..Traffic::default()
        });
        t.ports.insert((port, proto));
        t.daily[i] += counts[r] as f64;
        t.total += counts[r].max(0) as u64;
        t.allowed += allowed[r].max(0) as u64;
    }
    let mut services: Vec<Traffic> = by_key.into_values().collect();
    services.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.key.cmp(&b.key)));
    Ok(services)
}

fn test_trends(services: &mut [Traffic], observed: &[bool], p: &TrendParams) {
    let days_seen = observed.iter().filter(|o| **o).count();
    if days_seen < p.min_days.max(3) {
        return;
    }
    let testable = |t: &Traffic| t.total as f64 >= p.min_per_day * days_seen as f64;
    let m = services.iter().filter(|t| testable(t)).count().max(1);
    for t in services.iter_mut().filter(|t| testable(t)) {
        let series: Vec<f64> = t
            .daily
            .iter()
            .zip(observed)
            .map(|(v, seen)| if *seen { *v } else { f64::NAN })
            .collect();
        let mk = mann_kendall(&series);
        let Some(ts) = theil_sen(&series) else {
            continue;
        };
        let first = observed.iter().position(|o| *o).unwrap_or(0);
        let last = observed.iter().rposition(|o| *o).unwrap_or(0);
        let start_level = (ts.intercept + ts.slope * first as f64).max(1.0);
        let rise = ts.slope * (last - first) as f64 / start_level;
        t.trend = Some(Fit {
            slope: ts.slope,
            rise,
            p_value: mk.p_value,
            rising: mk.z > 0.0
                && mk.p_value < p.alpha / m as f64
                && ts.slope > 0.0
                && rise >= p.min_rise,
        });
    }
}

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

fn col(key: &str, align: Align) -> Column {
    Column {
        header: Text::label(key),
        align,
    }
}

fn daily_section(
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
            col("firewall.service", Align::Left),
            col("firewall.connections", Align::Right),
            col("firewall.allowed", Align::Right),
            col("firewall.slope", Align::Right),
            col("firewall.change", Align::Right),
            col("firewall.p_value", Align::Right),
            col("firewall.trend", Align::Center),
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

fn rising_section(services: &[Traffic], p: &TrendParams, queries: &[String]) -> Section {
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
                col("firewall.service", Align::Left),
                col("firewall.connections", Align::Right),
                col("firewall.slope", Align::Right),
                col("firewall.change", Align::Right),
                col("firewall.p_value", Align::Right),
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

fn advice_section(services: &[Traffic]) -> Section {
    let mut exposed: Vec<&Traffic> = services
        .iter()
        .filter(|t| t.known.is_some_and(|s| s.never_exposed))
        .collect();
    // Rising services first, then by traffic: what the reader must act on leads.
    exposed.sort_by_key(|t| !t.trend.is_some_and(|f| f.rising));
    let mut blocks: Vec<Block> = exposed
        .iter()
        .filter_map(|t| {
            let advice = t.known?.advice?;
            let mut paragraphs = vec![Text::template(
                "firewall.observed",
                [
                    ("connections", Value::Count(t.total)),
                    ("allowed", Value::Count(t.allowed)),
                ],
            )];
            if t.trend.is_some_and(|f| f.rising) {
                paragraphs.push(Text::label("firewall.observed_rising"));
            }
            paragraphs.push(Text::label(format!("advice.{advice}.why")));
            paragraphs.push(Text::label(format!("advice.{advice}.todo")));
            if t.allowed > 0 {
                paragraphs.push(Text::label("firewall.reachable"));
            }
            Some(Block::Note(Note {
                tone: if t.allowed > 0 {
                    Tone::Warning
                } else {
                    Tone::Advice
                },
                title: Some(Text::plain(t.label())),
                paragraphs,
            }))
        })
        .collect();
    if blocks.is_empty() {
        blocks.push(Block::Note(Note {
            tone: Tone::Info,
            title: None,
            paragraphs: vec![Text::label("firewall.none_exposed")],
        }));
    }
    Section::new(
        "exposure-advice",
        CHAPTER,
        Text::label("section.exposure_advice"),
        blocks,
    )
}
