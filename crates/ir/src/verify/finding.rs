//! What `evidence verify` reports: one [`Finding`] per thing that is not as recorded,
//! serialised for `--json` and worded for the terminal.

use std::fmt;

use serde::Serialize;

use crate::custody::PUB_FILE;

/// One thing that is not as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// A stored copy's digest or size differs from its record.
    FileChanged {
        /// Evidence id.
        id: String,
        /// Path inside the case.
        path: String,
        /// What differs (`SHA-256 recorded … now …`).
        detail: String,
    },
    /// A record whose stored copy would lie outside the case's evidence folder (an
    /// absolute path, `..`, or a symbolic link on the way): a hostile log or archive; the
    /// path is not read.
    PathOutsideCase {
        /// Evidence id.
        id: String,
        /// The path as recorded.
        path: String,
    },
    /// A stored copy is gone.
    FileMissing {
        /// Evidence id.
        id: String,
        /// Path inside the case.
        path: String,
    },
    /// A file in `evidence/` that no record mentions.
    FileUnregistered {
        /// Path inside the case.
        path: String,
    },
    /// A log line that is not a custody entry.
    EntryUnreadable {
        /// Line number.
        line: usize,
        /// Why.
        message: String,
    },
    /// An entry whose content does not match its hash: it was edited.
    EntryModified {
        /// Entry index.
        index: u64,
        /// Line number.
        line: usize,
    },
    /// An entry whose signature is not the case key's.
    BadSignature {
        /// Entry index.
        index: u64,
        /// Line number.
        line: usize,
    },
    /// An entry whose `prev` is not the previous entry's hash.
    ChainBroken {
        /// Entry index.
        index: u64,
        /// Line number.
        line: usize,
    },
    /// Entries missing from the log.
    EntryDeleted {
        /// Missing entry index.
        index: u64,
    },
    /// An entry found after one with a higher index.
    Reordered {
        /// Entry index.
        index: u64,
        /// Its line.
        line: usize,
        /// The index of the entry on the line before.
        after: u64,
    },
    /// The signed head says the log had more entries, or another last entry.
    HeadMismatch {
        /// What the head says and what the log holds.
        detail: String,
    },
    /// The public key is not the one the case was opened with.
    KeySwapped {
        /// Fingerprint of `keys/custody.pub`.
        found: String,
        /// Fingerprint recorded, and where.
        recorded: String,
        /// Where it was recorded.
        place: String,
    },
    /// The public key file is missing or unreadable.
    KeyUnreadable {
        /// Why.
        message: String,
    },
    /// A signed line that appears twice in the log.
    EntryDuplicated {
        /// Entry index.
        index: u64,
        /// The line of the copy.
        line: usize,
        /// The line where the entry first appears.
        first_line: usize,
    },
    /// `case.toml` differs from the digest the custody log last recorded: edited without
    /// `case sign` (the time of learning, the facts, the key fingerprint...).
    CaseFileChanged {
        /// The entry that recorded the last known content.
        index: u64,
    },
    /// `case.toml` is missing or does not parse.
    CaseFileUnreadable {
        /// Why.
        message: String,
    },
    /// An archive entry that was not unpacked: an absolute path, `..`, a link, a device;
    /// `evidence export` writes none of these.
    ArchiveEntryRefused {
        /// The entry's path as the archive gives it.
        path: String,
        /// Why it was refused.
        reason: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::FileChanged { id, path, detail } => {
                write!(f, "evidence {id} ({path}) changed: {detail}")
            }
            Finding::FileMissing { id, path } => write!(f, "evidence {id} ({path}) is missing"),
            Finding::PathOutsideCase { id, path } => write!(
                f,
                "evidence {id} records its copy at {path:?}, outside the evidence folder; not read"
            ),
            Finding::FileUnregistered { path } => {
                write!(f, "{path} is in the evidence folder but in no record")
            }
            Finding::EntryUnreadable { line, message } => write!(
                f,
                "custody log line {line} is not a custody entry: {message}"
            ),
            Finding::EntryModified { index, line } => write!(
                f,
                "custody entry {index} (line {line}) was modified: its content does not match its hash"
            ),
            Finding::BadSignature { index, line } => {
                write!(f, "custody entry {index} (line {line}) has a bad signature")
            }
            Finding::ChainBroken { index, line } => write!(
                f,
                "custody entry {index} (line {line}) does not chain to entry {}",
                index.saturating_sub(1)
            ),
            Finding::EntryDeleted { index } => write!(f, "custody entry {index} was deleted"),
            Finding::Reordered { index, line, after } => write!(
                f,
                "custody entries reordered: entry {index} (line {line}) comes after entry {after}"
            ),
            Finding::HeadMismatch { detail } => write!(f, "custody head: {detail}"),
            Finding::KeySwapped {
                found,
                recorded,
                place,
            } => write!(
                f,
                "public key swapped: {PUB_FILE} has fingerprint {found}, {place} records {recorded}"
            ),
            Finding::KeyUnreadable { message } => write!(f, "public key: {message}"),
            Finding::EntryDuplicated {
                index,
                line,
                first_line,
            } => write!(
                f,
                "custody entry {index} (line {line}) duplicates line {first_line}"
            ),
            Finding::CaseFileChanged { index } => write!(
                f,
                "case.toml changed since custody entry {index} recorded it (record a deliberate edit with `kansoku case sign`)"
            ),
            Finding::CaseFileUnreadable { message } => write!(f, "case.toml: {message}"),
            Finding::ArchiveEntryRefused { path, reason } => {
                write!(f, "archive entry {path:?} refused: {reason}; not unpacked")
            }
        }
    }
}
