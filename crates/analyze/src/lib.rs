//! The observation report's questions as queries on the lake, plus the statistics that
//! turn counts into findings (spikes, trends). The result is a [`kansoku_report::Report`]
//! model; the report crate renders it.
//!
//! Every figure keeps the SQL that produced it, so `kansoku report --explain` can show it.
//!
//! ```no_run
//! # async fn f() -> Result<(), kansoku_analyze::AnalyzeError> {
//! use kansoku_analyze::{ReportRequest, build_report};
//! let lake = kansoku_lake::Lake::open("kansoku-data")?;
//! let ctx = lake.session().await?;
//! let req = ReportRequest::month(2026, 10, kansoku_report::Lang::Ja);
//! let report = build_report(&ctx, &req).await?;
//! println!("{}", kansoku_report::render_markdown(&report));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod attacks;
mod daily;
mod error;
pub mod firewall;
mod hourly;
pub mod leaks;
mod monthly;
pub mod period;
mod probes;
mod query;
pub mod stats;
mod tor;

use chrono::Utc;
use datafusion::prelude::SessionContext;
use kansoku_report::model::{Block, Meta, Report, SCHEMA_VERSION, Section, Text, Value};

pub use error::AnalyzeError;
pub use period::{Period, ReportRequest, default_period};
pub use probes::ProbeParams;

/// Builds the observation report for the request's period and tenant.
pub async fn build_report(
    ctx: &SessionContext,
    req: &ReportRequest,
) -> Result<Report, AnalyzeError> {
    // Sections 1, 2 and 4 read the period's attacks from one grouped query.
    let counts = attacks::AttackCounts::load(ctx, req).await?;
    let hourly = hourly::detections(ctx, req, &counts).await?;
    let top = monthly::top_categories(req, &counts);
    let mut sections = vec![
        Section::new(
            "hourly",
            "chapter.waf",
            Text::label("section.hourly"),
            vec![Block::HourlyDetections(hourly)],
        ),
        Section::new(
            "top-monthly",
            "chapter.waf",
            Text::template(
                "section.top_monthly",
                [("n", Value::Count(u64::from(req.top_n)))],
            ),
            vec![Block::TopCategoriesPerMonth(top)],
        ),
        probes::section(ctx, req).await?,
    ];
    sections.extend(firewall::sections(ctx, req).await?);
    sections.extend(tor::sections(req, &counts));
    sections.extend(leaks::sections(ctx, req).await?);
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        meta: Meta {
            title: req.title.clone(),
            period_from: req.period.from,
            period_to: req.period.to,
            generated_at: req.now.unwrap_or_else(Utc::now),
            tenant: req.tenant.clone(),
            lang: req.lang,
            timezone: req.tz.name().to_string(),
        },
        sections,
    })
}
