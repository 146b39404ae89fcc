//! `kansoku tor import`: exit lists of any format `kansoku_enrich::tor` reads → the lake's
//! `tor_exit` table.
//!
//! Each file's sightings are merged per address into intervals (sightings at most
//! [`MERGE_GAP`] apart form one interval, so hourly lists give continuous spans). An
//! interval already covered by one in the lake is not written again, so importing the
//! same file twice — or a daily list that a monthly archive already covered — adds
//! nothing; attribution merges partly overlapping intervals anyway.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use kansoku_enrich::tor::{TorFormat, TorIndex, import_path};
use kansoku_event::tor::{TorExitBatchBuilder, TorExitInterval};
use kansoku_event::{Micros, table};
use kansoku_lake::{Fingerprint, Lake, LakeError};
use serde::Serialize;

use crate::enrichment::read_intervals;

/// Sightings of one address closer than this are one interval: two hours, so that lists
/// fetched hourly (CollecTor) join but a relay gone for a day does not.
pub const MERGE_GAP: Micros = 2 * 3_600_000_000;

/// What one file held and what it added.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TorFileSummary {
    /// The file.
    pub path: PathBuf,
    /// Format detected (`exit-addresses`, `archive`, `bulk`, `onionoo`).
    pub format: Option<String>,
    /// Relays described (`ExitNode` blocks, Onionoo exit relays; 0 for bulk lists).
    pub relays: usize,
    /// Distinct exit addresses.
    pub addresses: usize,
    /// Distinct IPv6 exit addresses among them.
    pub ipv6_addresses: usize,
    /// Exit lists read (1, or the hourly files of an archive).
    pub files: usize,
    /// Sightings (address + time) read.
    pub observations: usize,
    /// Malformed lines skipped.
    pub malformed: u64,
    /// Where the first malformed lines are (`file:line: reason`).
    pub malformed_lines: Vec<String>,
    /// Intervals written to the lake.
    pub intervals_added: usize,
    /// Intervals the lake already held.
    pub intervals_known: usize,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

/// Why an import stopped (a file that cannot be read is reported in its summary instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TorImportError {
    /// The lake could not be read or written.
    #[error(transparent)]
    Lake(#[from] LakeError),
}

fn format_name(f: TorFormat) -> &'static str {
    match f {
        TorFormat::ExitAddresses => "exit-addresses",
        TorFormat::Archive => "archive",
        TorFormat::BulkList => "bulk",
        TorFormat::Onionoo => "onionoo",
        _ => "other",
    }
}

/// Imports each file into `lake`; `bulk_day` dates bulk lists whose name has no date.
pub fn import(
    lake: &Lake,
    paths: &[PathBuf],
    bulk_day: Option<Micros>,
) -> Result<Vec<TorFileSummary>, TorImportError> {
    let _lock = lake.lock_shared()?;
    let mut known: HashMap<String, Vec<(Micros, Micros)>> = HashMap::new();
    for r in read_intervals(lake)? {
        known
            .entry(r.ip)
            .or_default()
            .push((r.first_seen, r.last_seen));
    }
    let mut out = Vec::new();
    for path in paths {
        out.push(import_file(lake, path, bulk_day, &mut known)?);
    }
    Ok(out)
}

fn import_file(
    lake: &Lake,
    path: &Path,
    bulk_day: Option<Micros>,
    known: &mut HashMap<String, Vec<(Micros, Micros)>>,
) -> Result<TorFileSummary, TorImportError> {
    let mut summary = TorFileSummary {
        path: path.to_path_buf(),
        ..TorFileSummary::default()
    };
    let (format, list) = match import_path(path, bulk_day) {
        Ok(x) => x,
        Err(e) => {
            summary.error = Some(e.to_string());
            return Ok(summary);
        }
    };
    summary.format = Some(format_name(format).into());
    summary.relays = list.relays;
    summary.addresses = list.distinct_addresses();
    summary.ipv6_addresses = list.distinct_ipv6_addresses();
    summary.files = list.files;
    summary.observations = list.observations.len();
    summary.malformed = list.malformed;
    summary.malformed_lines = list
        .malformed_lines
        .iter()
        .take(10)
        .map(|m| match &m.file {
            Some(f) => format!("{f}:{}: {}", m.line, m.reason),
            None => format!("{}:{}: {}", path.display(), m.line, m.reason),
        })
        .collect();
    // An index with a window of half the gap merges exactly the sightings MERGE_GAP apart.
    let index = TorIndex::new(list.observations, MERGE_GAP / 2);
    let mut builder = TorExitBatchBuilder::with_capacity(index.len());
    for row in index.intervals() {
        if covered(known, &row) {
            summary.intervals_known += 1;
            continue;
        }
        known
            .entry(row.ip.clone())
            .or_default()
            .push((row.first_seen, row.last_seen));
        builder.push(&row);
        summary.intervals_added += 1;
    }
    if !builder.is_empty() {
        let fp = Fingerprint::of_file(path)?;
        let name = format!(
            "tor-{}-{}",
            fp.short(),
            chrono::Utc::now().timestamp_micros()
        );
        lake.write_batch(table::TOR_EXIT, &name, &builder.finish(), None)?;
    }
    Ok(summary)
}

fn covered(known: &HashMap<String, Vec<(Micros, Micros)>>, row: &TorExitInterval) -> bool {
    known.get(&row.ip).is_some_and(|spans| {
        spans
            .iter()
            .any(|&(f, l)| f <= row.first_seen && row.last_seen <= l)
    })
}
