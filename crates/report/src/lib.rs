//! The observation report: model, renderings and text.
//!
//! The `analyze` crate answers the report's questions and fills a [`Report`]; this crate
//! renders it, with no query engine of its own:
//!
//! - [`render_html`]: one self-contained HTML file (inline CSS and SVG, no script) that
//!   opens offline, prints on A4 and reads on a phone;
//! - [`render_markdown`]: GitHub-flavoured Markdown, charts summarised as tables;
//! - [`render_json`]: JSON described by the versioned schema [`json::SCHEMA`].
//!
//! Text comes from `locales/ja.toml` and `locales/en.toml` ([`Locale`]); numbers, dates
//! and weekdays follow the report's language and time zone ([`format::Fmt`]). Every
//! string that came from a log is escaped for the output it lands in ([`escape`]). The
//! [`chart`] module draws the SVG charts for the report and the live dashboard.
//!
//! ```
//! use kansoku_report::{Lang, render_html, render_markdown, sample_report};
//! let report = sample_report(Lang::Ja);
//! let html = render_html(&report);
//! assert!(html.contains("定期観測レポート"));
//! assert!(!html.contains("<script"));
//! assert!(render_markdown(&report).contains("## セキュリティログ観測（WAF）"));
//! ```

pub mod chart;
pub mod escape;
pub mod format;
mod html;
pub mod json;
pub mod locale;
mod md;
pub mod model;
mod sample;
mod view;

pub use html::render_html;
pub use json::render_json;
pub use locale::Locale;
pub use md::render_markdown;
pub use model::{Block, Lang, Meta, Report, SCHEMA_VERSION, Section};
pub use sample::sample_report;
