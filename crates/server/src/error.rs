//! Errors of the server.

use std::path::{Path, PathBuf};

/// What stops the server from starting or running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration is invalid; the message names the key or the source.
    #[error("configuration: {0}")]
    Config(String),
    /// An `allow` entry of a source is not an address or a CIDR block (or the list is
    /// empty).
    #[error("configuration: source {name:?}: allow entry {entry:?}: {why}")]
    Allow {
        /// The source.
        name: String,
        /// The entry as written (empty for an empty list).
        entry: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A listener could not be bound.
    #[error("source {0:?}: cannot listen on {1}: {2}")]
    Bind(String, String, std::io::Error),
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The lake could not be written.
    #[error(transparent)]
    Lake(#[from] kansoku_lake::LakeError),
    /// Rules or the tenant map could not be compiled.
    #[error(transparent)]
    Pipeline(#[from] kansoku_pipeline::config::ConfigError),
    /// A worker thread stopped unexpectedly.
    #[error("the {0} thread stopped unexpectedly")]
    Thread(&'static str),
}

impl ServeError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> ServeError {
        ServeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
