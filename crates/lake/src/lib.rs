//! The lake: plain Parquet files with Hive-style day partitions, written atomically,
//! with per-source ingest checkpoints, queried through DataFusion.
//!
//! ```text
//! <data>/lake/<table>/day=YYYY-MM-DD/<batch>.parquet   the tables
//! <data>/ingest/<fingerprint>.json                        what each source has committed
//! <data>/rejects/<run>.ndjson                             lines that did not parse
//! ```
//!
//! A batch file is written under a hidden temporary name and renamed when complete, so a
//! reader never sees half a file. A source's checkpoint records the batch files about to
//! be written before they are written (`pending`), and the new offset after: a crash
//! leaves at most one pending batch per source, which the next run removes and writes
//! again. Ingesting the same bytes twice therefore stores them once.
//!
//! ```no_run
//! # async fn f() -> Result<(), kansoku_lake::LakeError> {
//! let lake = kansoku_lake::Lake::open("kansoku-data")?;
//! let ctx = lake.session().await?;
//! let df = ctx.sql("SELECT count(*) FROM http").await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod checkpoint;
#[cfg(feature = "ballista")]
pub mod cluster;
mod compact;
mod error;
mod layout;
mod read;
mod session;
mod writer;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub use checkpoint::{Checkpoint, Counts, Fingerprint, SourceGuard, file_name_of, write_atomic};
pub use compact::CompactStats;
pub use error::LakeError;
pub use layout::TableDef;
pub use session::Engine;
pub use writer::remove_temporaries;

/// A lake rooted at a data directory.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

/// Which lock a process holds on the whole lake: ingest workers share it, compaction
/// takes it alone so that it never merges a batch that is still pending.
#[derive(Debug)]
pub struct LakeLock {
    _file: File,
}

impl Lake {
    /// Opens (creating if needed) the lake under `data`, and, when no other process is
    /// using it, first finishes or undoes what a crashed writer left half done
    /// ([`Lake::recover`]), so that no command reads a pending batch or a day holding a
    /// merged file beside its inputs.
    pub fn open(data: impl AsRef<Path>) -> Result<Lake, LakeError> {
        let root = data.as_ref().to_path_buf();
        for sub in ["lake", "ingest", "rejects"] {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        }
        for table in layout::TABLES {
            let dir = root.join("lake").join(table.name);
            fs::create_dir_all(&dir).map_err(|e| LakeError::io(&dir, e))?;
        }
        let lake = Lake { root };
        lake.recover_if_alone()?;
        Ok(lake)
    }

    /// Runs [`Lake::recover`] if the lake lock can be had alone at once; a running ingest,
    /// compaction or flush holds it, and recovers for itself. A lake whose lock file
    /// cannot be opened (read-only storage) is read as it is.
    fn recover_if_alone(&self) -> Result<(), LakeError> {
        let Ok(file) = self.lock_file() else {
            return Ok(());
        };
        match file.try_lock() {
            Ok(()) => self.recover(),
            Err(fs::TryLockError::WouldBlock) => Ok(()),
            Err(fs::TryLockError::Error(e)) => Err(LakeError::io(&self.root.join("lake.lock"), e)),
        }
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Folder holding a table's day partitions.
    pub fn table_dir(&self, table: &str) -> PathBuf {
        self.root.join("lake").join(table)
    }

    /// Folder for rejected lines.
    pub fn rejects_dir(&self) -> PathBuf {
        self.root.join("rejects")
    }

    /// Folder for ingest checkpoints.
    pub fn ingest_dir(&self) -> PathBuf {
        self.root.join("ingest")
    }

    /// Takes the lake lock shared (ingest). Blocks while a compaction runs.
    pub fn lock_shared(&self) -> Result<LakeLock, LakeError> {
        let file = self.lock_file()?;
        file.lock_shared()
            .map_err(|e| LakeError::io(&self.root.join("lake.lock"), e))?;
        Ok(LakeLock { _file: file })
    }

    /// Takes the lake lock alone (compaction). Blocks while ingests run.
    pub fn lock_exclusive(&self) -> Result<LakeLock, LakeError> {
        let file = self.lock_file()?;
        file.lock()
            .map_err(|e| LakeError::io(&self.root.join("lake.lock"), e))?;
        Ok(LakeLock { _file: file })
    }

    fn lock_file(&self) -> Result<File, LakeError> {
        let path = self.root.join("lake.lock");
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LakeError::io(&path, e))
    }

    /// Names of the lake's tables.
    pub fn table_names(&self) -> Vec<&'static str> {
        layout::TABLES.iter().map(|t| t.name).collect()
    }

    /// Every Parquet file of a table, sorted by path.
    pub fn files(&self, table: &str) -> Result<Vec<PathBuf>, LakeError> {
        layout::list_files(&self.table_dir(table))
    }
}
