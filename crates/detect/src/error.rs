//! Errors and warnings from loading rules.

use std::fmt;
use std::path::PathBuf;

/// A rule that could not be loaded, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadWarning {
    /// File the rule came from.
    pub file: String,
    /// 1-based line of the problem (or of the rule's start), when known.
    pub line: Option<usize>,
    /// Rule id, when it could be read.
    pub rule_id: Option<String>,
    /// What is wrong (for Sigma: the exact unsupported feature).
    pub message: String,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.rule_id {
            write!(f, " rule {id}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a rule set could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A rules folder or file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A rule is broken and loading is strict (or the rule is built in).
    #[error("{0}")]
    Rule(LoadWarning),
    /// The compiled automaton or regex set could not be built (too large).
    #[error("cannot compile the rule set: {0}")]
    Compile(String),
    /// The OWASP Core Rule Set could not be loaded.
    #[error("cannot load the Core Rule Set from {dir}")]
    Crs {
        /// The CRS folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: kansoku_crs::LoadError,
    },
}
