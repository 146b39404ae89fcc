//! ransomwatch `posts.json` (joshhighet/ransomwatch): `post_title`, `group_name`,
//! `discovered` (UTC scrape time). Later files add `published`, `post_url`,
//! `description` and `website`; they are read when present.

use serde_json::{Map, Value};

use super::fields::{has_any, opt_str, opt_time, req_str};
use super::{EntryError, FeedFormat, Keys, RawPost};

/// ransomwatch entries have `post_title` and `discovered`; the `website` key marks the
/// newer files that also carry `published`.
pub fn detect(keys: &Keys) -> Option<FeedFormat> {
    let base = keys.contains("post_title") && keys.contains("discovered");
    let plain = !keys.contains("published") || has_any(keys, &["website"]);
    (base && plain).then_some(FeedFormat::Ransomwatch)
}

/// Reads one entry.
pub fn parse_entry(_: FeedFormat, entry: &Map<String, Value>) -> Result<RawPost, EntryError> {
    let post = RawPost {
        title: req_str(entry, "post_title")?,
        group: req_str(entry, "group_name")?,
        discovered: opt_time(entry, "discovered")?,
        published: opt_time(entry, "published")?,
        description: opt_str(entry, "description")?,
        post_url: opt_str(entry, "post_url")?,
        domain: opt_str(entry, "website")?,
        ..RawPost::default()
    };
    if post.discovered.is_none() && post.published.is_none() {
        return Err(EntryError::NoTime);
    }
    Ok(post)
}
