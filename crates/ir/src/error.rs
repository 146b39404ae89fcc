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
    /// No key store folder: neither `--key-dir`, `KANSOKU_KEY_DIR`, `XDG_DATA_HOME` nor
    /// `HOME` names one.
    #[error(
        "no key store for custody signing keys: set KANSOKU_KEY_DIR or pass --key-dir (HOME is not set)"
    )]
    NoKeyStore,
    /// A case's signing key is not in the key store: appending to its custody log needs
    /// the store of the machine that opened it.
    #[error(
        "case {case:?}: its custody signing key {fingerprint} is not in the key store {}; \
         append on the machine that opened the case, or point --key-dir / KANSOKU_KEY_DIR at its key store",
        store.display()
    )]
    KeyNotInStore {
        /// The case.
        case: String,
        /// The key the case names.
        fingerprint: String,
        /// The store searched.
        store: PathBuf,
    },
    /// A key file or key store folder that group or others can reach.
    #[error("{}: mode {mode:o} lets others read the custody signing key; run chmod go-rwx on it", path.display())]
    KeyExposed {
        /// The file or folder.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The custody log does not extend what this machine last signed in it: entries were
    /// removed or rewritten. Nothing is appended to such a log.
    #[error(
        "case {case:?}: the custody log does not extend the head this machine last wrote \
         ({entries} entries ending in {head}); run `kansoku evidence verify {case}`"
    )]
    CustodyRolledBack {
        /// The case.
        case: String,
        /// Entries this machine last recorded.
        entries: u64,
        /// The hash of the last of them.
        head: String,
    },
    /// `case.toml` names another custody key than the one this machine signs the case's
    /// log with (the key store's record of the folder).
    #[error(
        "case {case:?}: case.toml names custody key {named}, but this machine signs this case with {signed}; \
         nothing appended; run `kansoku evidence verify {case}`"
    )]
    KeyChanged {
        /// The case.
        case: String,
        /// The key `case.toml` names.
        named: String,
        /// The key the store records for the folder.
        signed: String,
    },
    /// `case.toml` differs from what the custody log last recorded, so a change that
    /// would be signed on top of it is refused.
    #[error(
        "case {0:?}: case.toml changed since the custody log last recorded it; review it, \
         then record it with `kansoku case sign {0}`"
    )]
    CaseFileChanged(String),
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
