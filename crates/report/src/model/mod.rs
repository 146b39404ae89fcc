//! The report model: what a report says, independent of how it is rendered.
//!
//! The analyze crate fills it; [`crate::render_html`], [`crate::render_markdown`] and
//! [`crate::render_json`] render it. Data is stored language-neutral where it can be
//! (counts, UTC timestamps in microseconds, category ids, locale keys) so that the
//! renderer formats numbers, dates and labels for [`Meta::lang`] and [`Meta::timezone`].
//!
//! A report is a list of [`Section`]s; a section is a list of [`Block`]s. New report
//! sections (firewall, Tor, leak sites, incidents) are built from the generic blocks
//! ([`Table`], [`ChartFigure`], [`Note`]) and need no renderer change.

mod generic;
mod text;
mod waf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use generic::{Align, ChartData, ChartFigure, ChartSeries, Column, Note, Slice, Table, Tone};
pub use text::{Text, Value};
pub use waf::{
    BurstNote, HourlyDetections, MonthTop, NamedCount, NamedSeries, Point, Share, SpikeMethod,
    SpikeNote, TopCategoriesPerMonth, TopEntry,
};

/// Version of the JSON shape ([`crate::render_json`], `schema/report.schema.json`).
/// Bumped on any change a consumer could notice.
pub const SCHEMA_VERSION: u32 = 2;

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`] when produced by this crate.
    pub schema_version: u32,
    /// Title, period, audience.
    pub meta: Meta,
    /// Sections in reading order.
    pub sections: Vec<Section>,
}

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Japanese.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Parses `ja` or `en` (case-insensitive); `None` otherwise.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The BCP 47 tag (`ja`, `en`) used in `<html lang>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// What the report covers and for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Report title; empty means the locale's default (定期観測レポート / Periodic
    /// observation report).
    pub title: String,
    /// First day of the period, in [`Meta::timezone`] (inclusive).
    pub period_from: NaiveDate,
    /// Last day of the period, in [`Meta::timezone`] (inclusive).
    pub period_to: NaiveDate,
    /// When the report was produced.
    pub generated_at: DateTime<Utc>,
    /// The monitored customer the report is restricted to; `None` for all tenants.
    pub tenant: Option<String>,
    /// Language of every label and sentence.
    pub lang: Lang,
    /// IANA time zone for every date and hour shown (e.g. `Asia/Tokyo`); an unknown
    /// name renders in UTC.
    pub timezone: String,
}

impl Meta {
    /// The parsed time zone, UTC when [`Meta::timezone`] is not an IANA name.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

/// One numbered section of the report (a line in the table of contents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Anchor id, unique in the report (`[a-z0-9-]`; other characters are replaced).
    pub id: String,
    /// Chapter heading; consecutive sections with the same chapter share one heading.
    pub chapter: Text,
    /// Section heading.
    pub title: Text,
    /// Content in reading order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// A section under the chapter whose locale key is `chapter` (e.g. `chapter.waf`).
    pub fn new(id: &str, chapter: &str, title: Text, blocks: Vec<Block>) -> Section {
        Section {
            id: id.into(),
            chapter: Text::label(chapter),
            title,
            blocks,
        }
    }
}

/// A piece of section content. Every figure carries the SQL behind it (`queries`) so
/// `kansoku report --explain` can print it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Detections per hour with spikes (report section 1).
    HourlyDetections(HourlyDetections),
    /// Top attack categories per month (report section 2).
    TopCategoriesPerMonth(TopCategoriesPerMonth),
    /// A chart with its data (daily stacked, bars, pie).
    Chart(ChartFigure),
    /// A table of values.
    Table(Table),
    /// Explanatory text or advice.
    Note(Note),
}

impl Block {
    /// The SQL behind this block (empty for notes).
    pub fn queries(&self) -> &[String] {
        match self {
            Block::HourlyDetections(b) => &b.queries,
            Block::TopCategoriesPerMonth(b) => &b.queries,
            Block::Chart(b) => &b.queries,
            Block::Table(b) => &b.queries,
            Block::Note(_) => &[],
        }
    }
}

impl Report {
    /// Every figure's queries with the id of its section, in report order: what
    /// `kansoku report --explain` prints.
    pub fn queries(&self) -> Vec<(&str, &[String])> {
        self.sections
            .iter()
            .flat_map(|s| s.blocks.iter().map(move |b| (s.id.as_str(), b.queries())))
            .filter(|(_, q)| !q.is_empty())
            .collect()
    }
}
