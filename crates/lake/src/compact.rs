//! Compaction: merge a day's batch files into one without changing any query result.
//!
//! Crash safety: the merged file is written under a temporary name; before it is renamed
//! into place an intent file lists it and its inputs; after the rename the inputs are
//! removed, then the intent. Recovery (run by [`Lake::open`] whenever no other process
//! holds the lake, and before every compaction) finishes an intent whose output exists
//! and drops one whose output does not, so a day never holds both a merged file and its
//! inputs once recovery has run. A query that lists a day while a compaction is between
//! its rename and the removal of its inputs can still see both.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, write_atomic};
use crate::layout::{self, TABLES};
use crate::writer::{remove_temporaries, sync_dir};
use crate::{Lake, LakeError};

const INTENT: &str = ".compact.json";

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompactStats {
    /// Days whose files were merged.
    pub days: usize,
    /// Files merged away.
    pub files_in: usize,
    /// Files written.
    pub files_out: usize,
    /// Rows rewritten.
    pub rows: u64,
}

#[derive(Serialize, Deserialize)]
struct Intent {
    inputs: Vec<PathBuf>,
    output: PathBuf,
}

impl Lake {
    /// Finishes or undoes whatever a crashed ingest or compaction left half done.
    /// Call with the lake lock held alone (see [`Lake::lock_exclusive`]).
    pub fn recover(&self) -> Result<(), LakeError> {
        // Checkpoints a crash left half replaced (their temporaries); the real ones stand.
        remove_temporaries(&self.ingest_dir());
        for (path, mut c) in checkpoint::list(&self.ingest_dir())? {
            if c.pending.is_empty() {
                continue;
            }
            for f in std::mem::take(&mut c.pending) {
                let _ = fs::remove_file(f);
            }
            write_atomic(&path, &serde_json::to_vec_pretty(&c).unwrap_or_default())?;
        }
        for table in TABLES {
            for (_, dir) in layout::list_days(&self.table_dir(table.name))? {
                remove_temporaries(&dir);
                let intent_path = dir.join(INTENT);
                let Ok(bytes) = fs::read(&intent_path) else {
                    continue;
                };
                if let Ok(intent) = serde_json::from_slice::<Intent>(&bytes)
                    && intent.output.exists()
                {
                    for f in &intent.inputs {
                        let _ = fs::remove_file(f);
                    }
                }
                fs::remove_file(&intent_path).map_err(|e| LakeError::io(&intent_path, e))?;
                sync_dir(&dir);
            }
        }
        Ok(())
    }

    /// Merges each day's files of every table into one file. Takes the lake lock alone,
    /// so it waits for running ingests and they wait for it.
    pub fn compact(&self) -> Result<CompactStats, LakeError> {
        let _lock = self.lock_exclusive()?;
        self.recover()?;
        let mut stats = CompactStats::default();
        for table in TABLES {
            for (_, dir) in layout::list_days(&self.table_dir(table.name))? {
                let files = layout::list_files_in(&dir)?;
                if files.len() < 2 {
                    continue;
                }
                stats.rows += merge(&dir, &files)?;
                stats.days += 1;
                stats.files_in += files.len();
                stats.files_out += 1;
            }
        }
        Ok(stats)
    }
}

fn merge(dir: &Path, inputs: &[PathBuf]) -> Result<u64, LakeError> {
    let stamp = chrono::Utc::now().timestamp_micros();
    let output = dir.join(format!("compact-{stamp}.parquet"));
    let tmp = dir.join(format!(
        ".compact-{stamp}.parquet.{}.tmp",
        std::process::id()
    ));
    let mut rows = 0u64;
    let result = (|| {
        let mut writer: Option<ArrowWriter<File>> = None;
        for input in inputs {
            let file = File::open(input).map_err(|e| LakeError::io(input, e))?;
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
                .with_batch_size(64 * 1024)
                .build()?;
            for batch in reader {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                if writer.is_none() {
                    let out = File::create(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
                    writer = Some(ArrowWriter::try_new(
                        out,
                        batch.schema(),
                        Some(crate::writer::properties()),
                    )?);
                }
                if let Some(w) = writer.as_mut() {
                    w.write(&batch)?;
                }
            }
        }
        match writer {
            Some(w) => {
                let file = w.into_inner()?;
                file.sync_all().map_err(|e| LakeError::io(&tmp, e))?;
                fail::fail_point!("lake.compact.merged", |_| std::process::abort());
            }
            None => return Ok(false),
        }
        let intent = Intent {
            inputs: inputs.to_vec(),
            output: output.clone(),
        };
        write_atomic(
            &dir.join(INTENT),
            &serde_json::to_vec(&intent).unwrap_or_default(),
        )?;
        fail::fail_point!("lake.compact.intent", |_| std::process::abort());
        fs::rename(&tmp, &output).map_err(|e| LakeError::io(&output, e))?;
        sync_dir(dir);
        fail::fail_point!("lake.compact.renamed", |_| std::process::abort());
        Ok(true)
    })();
    match result {
        Ok(true) => {
            for f in inputs {
                fs::remove_file(f).map_err(|e| LakeError::io(f, e))?;
                fail::fail_point!("lake.compact.input_removed", |_| std::process::abort());
            }
            let intent = dir.join(INTENT);
            fs::remove_file(&intent).map_err(|e| LakeError::io(&intent, e))?;
            sync_dir(dir);
            Ok(rows)
        }
        Ok(false) => Ok(0),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}
