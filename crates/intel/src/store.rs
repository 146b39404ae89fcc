//! The lake's `intel` table: written by imports so that importing the same indicators
//! again adds nothing (a row is keyed by list, value and validity), read whole into an
//! [`IntelIndex`](crate::IntelIndex) for matching.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::TimestampMicrosecondType;
use kansoku_event::intel::{IntelBatchBuilder, IntelIndicator, col};
use kansoku_event::{Micros, table};
use kansoku_lake::{Fingerprint, Lake, LakeError};
use serde::Serialize;

use crate::IntelError;
use crate::import::{self, ImportFormat, ImportOptions};

/// What one import added.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// The file or folder.
    pub path: PathBuf,
    /// Its format.
    pub format: Option<ImportFormat>,
    /// List names of the indicators read.
    pub lists: Vec<String>,
    /// Network indicators read.
    pub indicators: usize,
    /// Written to the lake.
    pub added: usize,
    /// Already in the lake.
    pub known: usize,
    /// Entries of other kinds, skipped.
    pub skipped: u64,
    /// Entries that are not addresses.
    pub malformed: usize,
    /// The first malformed entries.
    pub malformed_lines: Vec<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
}

type Key = (String, String, Micros, Option<Micros>);

fn key(i: &IntelIndicator) -> Key {
    (i.list.clone(), i.value.clone(), i.valid_from, i.valid_until)
}

/// Every row of the `intel` table.
pub fn read_indicators(lake: &Lake) -> Result<Vec<IntelIndicator>, LakeError> {
    let mut rows = Vec::new();
    for batch in lake.read_table(table::INTEL)? {
        let s = |name| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_string_opt::<i32>())
        };
        let t = |name| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        };
        let (Some(list), Some(value), Some(from), Some(until), Some(ref_id), Some(source)) = (
            s(col::LIST),
            s(col::VALUE),
            t(col::VALID_FROM),
            t(col::VALID_UNTIL),
            s(col::REF_ID),
            s(col::SOURCE),
        ) else {
            continue;
        };
        for i in 0..batch.num_rows() {
            rows.push(IntelIndicator {
                list: list.value(i).to_string(),
                value: value.value(i).to_string(),
                valid_from: from.value(i),
                valid_until: until.is_valid(i).then(|| until.value(i)),
                ref_id: ref_id.is_valid(i).then(|| ref_id.value(i).to_string()),
                source: source.value(i).to_string(),
            });
        }
    }
    Ok(rows)
}

/// Imports each path (format given or detected) into the lake.
pub fn import(
    lake: &Lake,
    paths: &[PathBuf],
    format: Option<ImportFormat>,
    opts: &ImportOptions,
) -> Result<Vec<ImportSummary>, IntelError> {
    let _lock = lake.lock_shared()?;
    let mut known: HashSet<Key> = read_indicators(lake)?.iter().map(key).collect();
    let mut out = Vec::new();
    for path in paths {
        out.push(import_one(lake, path, format, opts, &mut known)?);
    }
    Ok(out)
}

fn import_one(
    lake: &Lake,
    path: &Path,
    format: Option<ImportFormat>,
    opts: &ImportOptions,
    known: &mut HashSet<Key>,
) -> Result<ImportSummary, IntelError> {
    let mut summary = ImportSummary {
        path: path.to_path_buf(),
        ..ImportSummary::default()
    };
    let parsed = format
        .map(Ok)
        .unwrap_or_else(|| ImportFormat::detect(path))
        .and_then(|f| {
            summary.format = Some(f);
            import::read(path, f, opts)
        });
    let parsed = match parsed {
        Ok(p) => p,
        Err(e @ IntelError::Usage(_)) => return Err(e),
        Err(e) => {
            summary.error = Some(e.to_string());
            return Ok(summary);
        }
    };
    summary.indicators = parsed.indicators.len();
    summary.skipped = parsed.skipped;
    summary.malformed = parsed.malformed.len();
    summary.malformed_lines = parsed.malformed.iter().take(10).cloned().collect();
    let mut builder = IntelBatchBuilder::with_capacity(parsed.indicators.len());
    for i in &parsed.indicators {
        if !summary.lists.contains(&i.list) {
            summary.lists.push(i.list.clone());
        }
        if known.insert(key(i)) {
            builder.push(i);
            summary.added += 1;
        } else {
            summary.known += 1;
        }
    }
    if !builder.is_empty() {
        let fp = if path.is_dir() {
            Fingerprint::of_file(&path.join("manifest.json"))?
        } else {
            Fingerprint::of_file(path)?
        };
        let name = format!(
            "intel-{}-{}",
            fp.short(),
            chrono::Utc::now().timestamp_micros()
        );
        lake.write_batch(table::INTEL, &name, &builder.finish(), None)?;
    }
    Ok(summary)
}
