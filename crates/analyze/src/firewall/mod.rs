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

mod advice;
mod blocks;

use datafusion::prelude::SessionContext;
use kansoku_enrich::service;
use kansoku_report::model::{Block, Note, Section, Text, Tone};

use crate::daily::{BIN, Days};
use crate::query::{self, range};
use crate::stats::{mann_kendall, theil_sen};
use crate::{AnalyzeError, ReportRequest};

const CHAPTER: &str = "chapter.firewall";

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
pub(crate) struct Traffic {
    /// `telnet`, or `4444/tcp` for a port the table does not name.
    pub(crate) key: String,
    /// The built-in table's entry, when named.
    pub(crate) known: Option<&'static service::Service>,
    /// Destination port/protocol pairs seen.
    pub(crate) ports: BTreeSet<(Option<u16>, String)>,
    pub(crate) daily: Vec<f64>,
    pub(crate) total: u64,
    pub(crate) allowed: u64,
    pub(crate) trend: Option<Fit>,
}

/// A tested service's trend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fit {
    pub(crate) slope: f64,
    pub(crate) rise: f64,
    pub(crate) p_value: f64,
    pub(crate) rising: bool,
}

impl Traffic {
    pub(crate) fn label(&self) -> String {
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
        blocks::daily_section(&services, &days, &observed, &queries),
        blocks::rising_section(&services, &params, &queries),
        advice::advice_section(&services),
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
