//! ransomware.live (JMousqueton/ransomware.live), two generations.
//!
//! - Older posts, a ransomwatch fork: `post_title`, `group_name`, `published`,
//!   `description`, sometimes `post_url`. Its `published` is mostly the scrape time
//!   under another name; being the only time, it also fills `discovered`.
//! - v2 victims: `victim`, `group`, `attackdate` (the claim's date, taken as
//!   published), `discovered`, `country` (ISO alpha-2), `activity` (sector, not kept),
//!   `claim_url`, `description`, and often `domain`.

use serde_json::{Map, Value};

use super::fields::{first_str, has_any, opt_str, opt_time, req_str};
use super::{EntryError, FeedFormat, Keys, RawPost};

/// v2 entries name a `victim` and a `group`; older posts have `post_title` with
/// `published` and none of RansomLook's or newer ransomwatch's own keys.
pub fn detect(keys: &Keys) -> Option<FeedFormat> {
    if keys.contains("victim") && keys.contains("group") {
        return Some(FeedFormat::RansomwareLiveVictims);
    }
    let posts = keys.contains("post_title")
        && keys.contains("published")
        && !has_any(keys, &["website", "link", "magnet", "screen"]);
    posts.then_some(FeedFormat::RansomwareLivePosts)
}

/// Reads one entry of either generation.
pub fn parse_entry(format: FeedFormat, entry: &Map<String, Value>) -> Result<RawPost, EntryError> {
    let post = if format == FeedFormat::RansomwareLiveVictims {
        RawPost {
            title: req_str(entry, "victim")?,
            group: req_str(entry, "group")?,
            published: opt_time(entry, "attackdate")?,
            discovered: opt_time(entry, "discovered")?,
            country: opt_str(entry, "country")?,
            domain: first_str(entry, &["domain", "website"])?,
            post_url: first_str(entry, &["claim_url", "post_url"])?,
            description: opt_str(entry, "description")?,
            ..RawPost::default()
        }
    } else {
        RawPost {
            title: req_str(entry, "post_title")?,
            group: req_str(entry, "group_name")?,
            published: opt_time(entry, "published")?,
            discovered: opt_time(entry, "discovered")?,
            description: opt_str(entry, "description")?,
            post_url: opt_str(entry, "post_url")?,
            ..RawPost::default()
        }
    };
    if post.discovered.is_none() && post.published.is_none() {
        return Err(EntryError::NoTime);
    }
    Ok(post)
}
