//! Why an export or import stopped.

use std::path::PathBuf;

/// An export or import error; a single bad indicator is counted, not an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntelError {
    /// The lake could not be read or written.
    #[error(transparent)]
    Lake(#[from] kansoku_lake::LakeError),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not what its format says.
    #[error("{path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An option holds a bad value.
    #[error("{0}")]
    Usage(String),
}

impl IntelError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> IntelError {
        IntelError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> IntelError {
        IntelError::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
