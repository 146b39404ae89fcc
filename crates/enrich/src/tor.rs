//! Tor exit attribution: exit lists in, a time-aware index out.
//!
//! Four list formats are read, one module each, all streaming and none panicking on bad
//! input; each returns a [`TorImport`] of [`Observation`]s (address, when seen, relay
//! fingerprint) plus the malformed lines it skipped:
//!
//! | format | function | time of an observation |
//! |---|---|---|
//! | TorDNSEL `exit-addresses` (with or without `@type tordnsel 1.0`) | [`parse_exit_addresses`] | the `ExitAddress` test time |
//! | CollecTor archive (`.tar`, `.tar.xz`) of hourly lists | [`parse_archive`] | as above, per file |
//! | bulk list, one address per line | [`parse_bulk_list`] | the whole day the caller names |
//! | Onionoo `details` JSON | [`parse_onionoo`] | the 24 h before the relay's `last_seen` |
//!
//! [`import`] and [`import_path`] detect the format from the content. A [`TorIndex`]
//! merges observations into intervals per address and answers [`TorIndex::is_exit`]: an
//! address counts as an exit at `t` when an interval of it, widened by a window (default
//! ±24 h), contains `t`.
//!
//! ```
//! use kansoku_enrich::tor::{TorIndex, parse_exit_addresses, parse_datetime};
//!
//! let list = "ExitNode FE39F07EBE7870DCE124AB30DF3ABD0700A43F75\n\
//!             Published 2024-03-11 13:07:19\n\
//!             LastStatus 2024-03-12 08:00:00\n\
//!             ExitAddress 185.241.208.232 2024-03-12 08:10:51\n";
//! let import = parse_exit_addresses(list.as_bytes()).expect("in-memory read");
//! assert_eq!((import.relays, import.distinct_addresses()), (1, 1));
//! let index = TorIndex::new(import.observations, TorIndex::DEFAULT_WINDOW);
//! let t = parse_datetime("2024-03-12 20:00:00").expect("valid time");
//! assert!(index.is_exit_str("185.241.208.232", t));
//! assert!(!index.is_exit_str("185.241.208.232", t + 2 * 86_400_000_000));
//! ```

mod archive;
mod bulk;
mod detect;
mod dnsel;
mod index;
mod onionoo;
mod time;

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use kansoku_event::Micros;

pub use archive::parse_archive;
pub use bulk::parse_bulk_list;
pub use detect::{TorFormat, detect_format, import, import_path};
pub use dnsel::parse_exit_addresses;
pub use index::{TorIndex, parse_ipv4};
pub use onionoo::parse_onionoo;
pub use time::{date_in_name, parse_date, parse_datetime};

/// An address seen as a Tor exit during `first..=last`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The exit address.
    pub ip: IpAddr,
    /// Start of the observation, microseconds since the epoch, UTC.
    pub first: Micros,
    /// End of the observation (equal to `first` for a single sighting).
    pub last: Micros,
    /// Relay fingerprint, when the list names one (shared, since a relay repeats).
    pub fingerprint: Option<Arc<str>>,
}

/// One input line that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// File inside an archive, when the line came from one.
    pub file: Option<String>,
    /// 1-based line number (for Onionoo: 1-based index in `relays`).
    pub line: u64,
    /// What was wrong.
    pub reason: &'static str,
}

/// What one import found: observations, counts for the summary, skipped lines.
#[derive(Debug, Clone, Default)]
pub struct TorImport {
    /// Every sighting, in input order.
    pub observations: Vec<Observation>,
    /// Relays described (`ExitNode` blocks, Onionoo exit relays; 0 for bulk lists).
    pub relays: usize,
    /// Files read (1, or the number of lists in an archive).
    pub files: usize,
    /// Number of malformed lines skipped.
    pub malformed: u64,
    /// The first [`TorImport::KEPT_MALFORMED`] malformed lines, to show where they are.
    pub malformed_lines: Vec<Malformed>,
    fingerprints: HashMap<Box<str>, Arc<str>>,
}

impl TorImport {
    /// How many malformed lines are kept with their position (all are counted).
    pub const KEPT_MALFORMED: usize = 100;

    /// Distinct addresses over all observations.
    pub fn distinct_addresses(&self) -> usize {
        self.observations
            .iter()
            .map(|o| o.ip)
            .collect::<HashSet<_>>()
            .len()
    }

    /// Distinct IPv6 addresses over all observations.
    pub fn distinct_ipv6_addresses(&self) -> usize {
        self.observations
            .iter()
            .filter(|o| o.ip.is_ipv6())
            .map(|o| o.ip)
            .collect::<HashSet<_>>()
            .len()
    }

    /// Adds another import's findings to this one (e.g. several files on one command line).
    pub fn merge(&mut self, other: TorImport) {
        self.observations.extend(other.observations);
        self.relays += other.relays;
        self.files += other.files;
        self.malformed += other.malformed;
        let room = Self::KEPT_MALFORMED.saturating_sub(self.malformed_lines.len());
        self.malformed_lines
            .extend(other.malformed_lines.into_iter().take(room));
    }

    fn reject(&mut self, file: Option<&str>, line: u64, reason: &'static str) {
        self.malformed += 1;
        if self.malformed_lines.len() < Self::KEPT_MALFORMED {
            self.malformed_lines.push(Malformed {
                file: file.map(str::to_owned),
                line,
                reason,
            });
        }
    }

    /// One shared string per relay, so a month of hourly lists does not hold
    /// hundreds of thousands of copies of the same fingerprints.
    fn intern(&mut self, fingerprint: &str) -> Arc<str> {
        if let Some(fp) = self.fingerprints.get(fingerprint) {
            return fp.clone();
        }
        let fp: Arc<str> = Arc::from(fingerprint);
        self.fingerprints.insert(fingerprint.into(), fp.clone());
        fp
    }
}

/// An exit list that could not be read at all (bad lines are counted, not errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TorError {
    /// Reading failed, or an archive is truncated or corrupt.
    #[error("reading exit list: {0}")]
    Io(#[from] io::Error),
    /// An Onionoo document is not JSON, or has no `relays` array.
    #[error("Onionoo document: {0}")]
    Json(String),
    /// The content matches none of the known formats.
    #[error(
        "not a Tor exit list (expected TorDNSEL exit-addresses, a CollecTor archive, one address per line, or Onionoo details JSON)"
    )]
    UnknownFormat,
    /// A bulk list carries no times, and none was given or found in the file name.
    #[error("a bulk exit list has no dates: give the list's date (YYYY-MM-DD)")]
    NoDate,
}

/// Calls `f(line_number, line)` for each line; `None` for a line that is not UTF-8.
/// Lines are read as bytes so one bad byte costs one line, not the file.
fn for_each_line<R: io::BufRead>(
    mut reader: R,
    mut f: impl FnMut(u64, Option<&str>),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256);
    let mut number = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        number += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        f(number, std::str::from_utf8(line).ok());
    }
}
