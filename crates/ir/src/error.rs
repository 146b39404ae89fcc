//! The kit's error type.

use std::path::{Path, PathBuf};

/// Why a kit operation could not go on. Verification findings are not errors: they are
/// returned as data ([`crate::case`] callers print them).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IrError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A case name that cannot be a folder name.
    #[error("invalid case name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// `case new` for a name that is taken.
    #[error("case {0:?} already exists")]
    CaseExists(String),
    /// A command named a case that does not exist.
    #[error("no case {0:?} (see `kansoku case list`)")]
    NoCase(String),
    /// A TOML, JSON or CSV file that does not say what it should.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// A value given on the command line or in a file that makes no sense.
    #[error("{0}")]
    Invalid(String),
    /// The lake could not be opened or queried.
    #[error("lake: {0}")]
    Lake(String),
}

impl IrError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> IrError {
        IrError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// A malformed file.
    pub fn format(path: &Path, message: impl Into<String>) -> IrError {
        IrError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
