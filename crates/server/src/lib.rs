//! Live monitoring: `kansoku serve` receives logs as they happen, keeps every accepted
//! event in a durable spool until it is in the lake, detects with the same rules and
//! windows as batch ingest, raises alerts, and shows a live dashboard.
//!
//! ```text
//! sources (syslog UDP/TCP, HTTP push, file tail) ─▶ spool (append-only, CRC, fsync) ─▶ ack
//!                                                     │ sealed segments
//!                                                     ▼
//!                          flusher: parse → tenant → rules + windows → lake batch (exactly once)
//!                                                     │ detected rows
//!                                                     ▼
//!                          alerts: threshold, first sight, Tor burst, spike ─▶ stdout, webhook, `alert` table, dashboard
//! ```
//!
//! ```no_run
//! # async fn f() -> Result<(), kansoku_server::ServeError> {
//! let config = kansoku_server::ServeConfig::load("serve.toml".as_ref())?;
//! let summary = kansoku_server::run(config, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! }).await?;
//! println!("{} events accepted", summary.accepted);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod alert;
pub mod config;
pub mod dashboard;
mod error;
pub mod flush;
pub mod metrics;
pub mod server;
pub mod sources;
pub mod spool;
/// Syslog framing and headers, from `kansoku-parse` (where the fuzz targets reach them).
pub use kansoku_parse::syslog;

pub use config::ServeConfig;
pub use error::ServeError;
pub use server::{Listening, RunSummary, run};
