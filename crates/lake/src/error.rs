//! Errors of the lake.

use std::path::{Path, PathBuf};

/// What went wrong reading or writing the lake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LakeError {
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing or reading Parquet failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Building or converting Arrow data failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A checkpoint file could not be read.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A batch has no usable time column.
    #[error("table {0}: batch has no timestamp column to partition by")]
    NoTimeColumn(String),
    /// The engine address is not understood.
    #[error("engine {0}: expected `embedded` or df://HOST:PORT")]
    Engine(String),
    /// A cluster role (scheduler, executor) could not start or stopped with an error.
    #[error("cluster: {0}")]
    Cluster(String),
}

impl LakeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> LakeError {
        LakeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
