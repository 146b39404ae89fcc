//! Ransomware leak-site posts: feed importers, normalisation, victim countries and the
//! figures of report section 5 ("Dark-web observation").
//!
//! Trackers such as ransomwatch, ransomware.live and RansomLook scrape leak sites and
//! publish the posts as JSON. This crate reads those files ([`feed`], one module per
//! format, detected from the keys), normalises group names from data
//! ([`normalise`], `data/groups.toml`), merges reposts and the same post seen by two
//! feeds, determines each victim's country with its provenance ([`country`]: explicit
//! field, ccTLD via the Public Suffix List, Japanese script, a user name list) and
//! yields [`LeakPost`] records for the lake's `leak` table. [`stats`] computes the
//! section-5 tables from those records for any period and time zone.
//!
//! Leak-feed times are mostly scrape times (trackers visit front pages periodically), so
//! counts are lower bounds and days are approximate; each post records which time it is
//! counted by ([`kansoku_event::leak::TimeBasis`]).
//!
//! ```
//! use kansoku_leaks::{ImportOptions, feed::parse_feed, import_feeds};
//! use kansoku_leaks::stats::{Period, StatsOptions, leak_stats};
//!
//! let json = br#"[
//!   {"post_title": "example-kogyo.co.jp", "group_name": "lockbit3", "discovered": "2022-08-01 01:00:00.123456"},
//!   {"post_title": "example-kogyo.co.jp (updated)", "group_name": "lockbit2", "discovered": "2022-08-02 01:00:00"}
//! ]"#;
//! let feed = parse_feed("posts.json", json)?;
//! let result = import_feeds(vec![feed], &ImportOptions { public_suffix_list: None, ..Default::default() });
//! assert_eq!(result.summary.posts_kept, 1);
//! assert_eq!(result.summary.reposts_merged, 1);
//! let post = &result.posts[0];
//! assert_eq!((post.group.as_str(), post.group_variant.as_deref()), ("LockBit", Some("lockbit3")));
//! assert_eq!(post.country.as_deref(), Some("JP"));
//!
//! let august = Period::new(
//!     "2022-08-01".parse().unwrap(),
//!     "2022-09-01".parse().unwrap(),
//!     chrono_tz::Asia::Tokyo,
//! )?;
//! let stats = leak_stats(&result.posts, &august, &StatsOptions::default());
//! assert_eq!(stats.groups[0].japan, Some(1));
//! # Ok::<(), kansoku_leaks::LeakError>(())
//! ```
#![deny(missing_docs)]

pub mod country;
#[cfg(feature = "lake")]
pub mod crawl;
pub mod feed;
pub mod import;
mod merge;
pub mod normalise;
pub mod stats;
#[cfg(feature = "lake")]
pub mod store;
pub mod text;

pub use import::{ImportOptions, ImportResult, ImportSummary, import, import_feeds};
pub use kansoku_event::leak::LeakPost;

/// Why an import or a computation could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeakError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A feed file is not JSON.
    #[error("{path}: not a JSON leak feed: {reason}")]
    NotJson {
        /// The file.
        path: String,
        /// What the JSON parser said.
        reason: String,
    },
    /// A feed file is JSON but no known feed format.
    #[error("{path}: unknown leak-feed format: {reason}")]
    UnknownFormat {
        /// The file.
        path: String,
        /// What was found instead.
        reason: String,
    },
    /// A group-alias file is invalid.
    #[error("group data: {0}")]
    GroupData(String),
    /// A victim-name list has a bad line.
    #[error("{path}:{line}: {reason}")]
    NameList {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A report period is invalid.
    #[error("period: {0}")]
    Period(String),
    /// The lake could not be read or written.
    #[cfg(feature = "lake")]
    #[error(transparent)]
    Lake(#[from] kansoku_lake::LakeError),
    /// A leak-site definitions file is invalid.
    #[error("sites: {0}")]
    Sites(String),
    /// The leak archive is damaged.
    #[error("leak store: {0}")]
    Store(String),
}
