//! The pipeline: parse → enrich → detect → lake, the same for batch ingest and (later)
//! live sources; only the source and the flush policy differ.
//!
//! [`ingest`] reads files, folders or stdin, detects each source's format, parses lines
//! in parallel chunks, attributes tenants, runs the detection rules, and writes the `http`
//! table in batches, committing each source's offset after each batch so that a rerun
//! adds nothing and an interrupted run resumes.
//!
//! ```no_run
//! use kansoku_pipeline::{Config, Context, IngestOptions, ingest};
//!
//! let config = Config::default();
//! let lake = kansoku_lake::Lake::open(&config.data_dir).expect("lake");
//! let opts = IngestOptions { paths: vec!["access.log".into()], ..Default::default() };
//! let summary = ingest::run(&lake, &Context::new(&config).expect("rules"), &opts).expect("ingest");
//! println!("{} stored", summary.totals.stored);
//! ```
#![deny(missing_docs)]

mod chunk;
pub mod config;
pub mod config_doc;
pub mod enrichment;
pub mod ingest;
pub mod live;
mod rejects;
mod row;
mod sequencer;
pub mod source;
mod threads;
pub mod tor_import;
mod worker;

pub use config::{Config, Context};
pub use ingest::{IngestOptions, IngestSummary, Progress};
pub use source::MAX_GZIP_RATIO;
