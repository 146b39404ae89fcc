//! Leak-feed files: format detection and one module per format.
//!
//! Every format module has the same shape: `detect(&Keys) -> Option<FeedFormat>` says
//! whether the keys seen in a file's entries are its own, and
//! `parse_entry(FeedFormat, &Map) -> Result<RawPost, EntryError>` reads one entry. To
//! add a format, write such a module, add its variant to [`FeedFormat`] and put its
//! `detect` in `DETECTORS` (most specific first).
//!
//! | format | module | keys |
//! |---|---|---|
//! | ransomwatch `posts.json` | [`ransomwatch`] | `post_title`, `group_name`, `discovered` (newer files add `website`, `published`, `post_url`, `description`) |
//! | ransomware.live posts (older) | [`ransomware_live`] | `post_title`, `group_name`, `published`, `description`, `post_url` |
//! | ransomware.live victims (v2) | [`ransomware_live`] | `victim`, `group`, `attackdate`, `discovered`, `country`, `activity`, `claim_url`, `description` |
//! | RansomLook | [`ransomlook`] | `post_title`, `group_name`, `discovered`, `description`, `link`, `magnet`, `screen` |
//!
//! A file is a JSON array of entries. RansomLook's per-group export, an object mapping
//! each group name to its array of posts, is read too (the group comes from the key).
//! An entry that cannot be read is an [`EntryError`] with its index; the file goes on.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value};

use kansoku_event::Micros;

use crate::LeakError;

mod fields;
pub mod ransomlook;
pub mod ransomware_live;
pub mod ransomwatch;
pub mod time;

pub use time::parse_time;

/// The keys present in a file's entries, which decide its format.
pub type Keys = BTreeSet<String>;

/// How many entries are looked at to decide the format.
const DETECT_SAMPLE: usize = 50;

/// The detectors, most specific first: RansomLook and ransomware.live v2 have keys of
/// their own; ransomwatch's bare `post_title` + `discovered` is the fallback.
const DETECTORS: &[fn(&Keys) -> Option<FeedFormat>] = &[
    ransomware_live::detect,
    ransomlook::detect,
    ransomwatch::detect,
];

/// A leak-feed file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeedFormat {
    /// ransomwatch `posts.json`.
    Ransomwatch,
    /// ransomware.live's older posts format (ransomwatch fork with `published`).
    RansomwareLivePosts,
    /// ransomware.live's v2 victims format.
    RansomwareLiveVictims,
    /// RansomLook posts.
    Ransomlook,
}

impl FeedFormat {
    /// A short name for messages and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Ransomwatch => "ransomwatch",
            FeedFormat::RansomwareLivePosts => "ransomware.live posts",
            FeedFormat::RansomwareLiveVictims => "ransomware.live victims",
            FeedFormat::Ransomlook => "ransomlook",
        }
    }

    fn parse_entry(self, entry: &Map<String, Value>) -> Result<RawPost, EntryError> {
        match self {
            FeedFormat::Ransomwatch => ransomwatch::parse_entry(self, entry),
            FeedFormat::RansomwareLivePosts | FeedFormat::RansomwareLiveVictims => {
                ransomware_live::parse_entry(self, entry)
            }
            FeedFormat::Ransomlook => ransomlook::parse_entry(self, entry),
        }
    }
}

/// One entry of a feed, read but not yet normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPost {
    /// Group name as the feed wrote it.
    pub group: String,
    /// Post title (usually the victim), as the feed wrote it.
    pub title: String,
    /// The group's publication time, when the feed gives one.
    pub published: Option<Micros>,
    /// When a tracker first saw the post, when the feed gives it.
    pub discovered: Option<Micros>,
    /// Post text.
    pub description: Option<String>,
    /// Link to the post.
    pub post_url: Option<String>,
    /// Victim country as the feed gave it (not yet checked).
    pub country: Option<String>,
    /// Victim domain or website as the feed gave it.
    pub domain: Option<String>,
    /// The file or site the entry came from.
    pub source: String,
    /// 0-based position of the entry in its file.
    pub index: usize,
}

/// Why one entry of a feed was set aside.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The entry is not a JSON object.
    #[error("entry is not an object")]
    NotAnObject,
    /// A required field is absent, empty or not a string.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// A field holds a value of the wrong type.
    #[error("field {field} is not a string")]
    NotAString {
        /// The field.
        field: &'static str,
    },
    /// A timestamp could not be read.
    #[error("field {field}: unreadable time {value:?}")]
    Time {
        /// The field.
        field: &'static str,
        /// What it held.
        value: String,
    },
    /// The entry has neither a publication nor a discovery time.
    #[error("no time (neither published nor discovered)")]
    NoTime,
}

/// An entry that could not be read, with its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedEntry {
    /// The file it is in.
    pub source: String,
    /// 0-based index of the entry in the file's array.
    pub index: usize,
    /// Why it was set aside.
    pub reason: String,
}

/// What one feed file held.
#[derive(Debug, Clone, Default)]
pub struct FeedFile {
    /// The file (or site) name.
    pub source: String,
    /// The detected format; `None` for an empty file.
    pub format: Option<FeedFormat>,
    /// Entries in the file.
    pub entries: usize,
    /// Entries read.
    pub posts: Vec<RawPost>,
    /// Entries set aside.
    pub malformed: Vec<MalformedEntry>,
}

/// Reads one feed file's bytes. Fails only when the whole file is unusable (not JSON,
/// not an array of entries, or keys no known format has); a bad entry is recorded in
/// [`FeedFile::malformed`] and the rest are read.
pub fn parse_feed(source: &str, bytes: &[u8]) -> Result<FeedFile, LeakError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| LeakError::NotJson {
        path: source.to_string(),
        reason: e.to_string(),
    })?;
    let mut file = FeedFile {
        source: source.to_string(),
        ..FeedFile::default()
    };
    match value {
        Value::Array(entries) => read_entries(&mut file, &entries, None)?,
        Value::Object(groups) if is_group_export(&groups) => {
            for (group, posts) in &groups {
                if let Value::Array(entries) = posts {
                    read_entries(&mut file, entries, Some(group))?;
                }
            }
        }
        other => {
            return Err(LeakError::UnknownFormat {
                path: source.to_string(),
                reason: format!("expected an array of posts, found {}", json_kind(&other)),
            });
        }
    }
    Ok(file)
}

/// Decides the format from the keys of the first entries.
pub fn detect(entries: &[Value]) -> Option<FeedFormat> {
    let keys = sample_keys(entries);
    DETECTORS.iter().find_map(|detect| detect(&keys))
}

fn sample_keys(entries: &[Value]) -> Keys {
    entries
        .iter()
        .filter_map(Value::as_object)
        .take(DETECT_SAMPLE)
        .flat_map(|o| o.keys().cloned())
        .collect()
}

fn read_entries(
    file: &mut FeedFile,
    entries: &[Value],
    group: Option<&str>,
) -> Result<(), LeakError> {
    if entries.is_empty() {
        return Ok(());
    }
    let keys = sample_keys(entries);
    let format = if group.is_some() {
        // A per-group export's posts carry no group field of their own.
        Some(FeedFormat::Ransomlook)
    } else {
        DETECTORS.iter().find_map(|detect| detect(&keys))
    };
    let Some(format) = format else {
        return Err(LeakError::UnknownFormat {
            path: file.source.clone(),
            reason: format!(
                "no known feed has entries with keys {}",
                keys.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        });
    };
    file.format.get_or_insert(format);
    for entry in entries {
        let index = file.entries;
        file.entries += 1;
        let parsed = match entry.as_object() {
            None => Err(EntryError::NotAnObject),
            Some(obj) => match group {
                Some(g) if !obj.contains_key("group_name") => {
                    let mut with_group = obj.clone();
                    with_group.insert("group_name".into(), Value::String(g.to_string()));
                    format.parse_entry(&with_group)
                }
                _ => format.parse_entry(obj),
            },
        };
        match parsed {
            Ok(mut post) => {
                post.source.clone_from(&file.source);
                post.index = index;
                file.posts.push(post);
            }
            Err(e) => file.malformed.push(MalformedEntry {
                source: file.source.clone(),
                index,
                reason: e.to_string(),
            }),
        }
    }
    Ok(())
}

/// Whether a top-level object looks like `{"group": [posts...], ...}`.
fn is_group_export(obj: &Map<String, Value>) -> bool {
    !obj.is_empty()
        && obj.values().all(|v| {
            v.as_array()
                .is_some_and(|a| a.iter().all(|e| e.get("post_title").is_some()))
        })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
