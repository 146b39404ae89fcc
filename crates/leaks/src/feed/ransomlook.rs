//! RansomLook (RansomLook/RansomLook) posts, as its API (`/api/recent`,
//! `/api/last/<days>`) and exports give them: `post_title`, `group_name`, `discovered`
//! (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC), `description`, and `link`, `magnet`, `screen`
//! (a post's link on the leak site, a torrent, a screenshot path). A per-group export
//! maps each group name to its posts, which then carry no `group_name`.

use serde_json::{Map, Value};

use super::fields::{has_any, opt_str, opt_time, req_str};
use super::{EntryError, FeedFormat, Keys, RawPost};

/// RansomLook's own keys are `link`, `magnet` and `screen`.
pub fn detect(keys: &Keys) -> Option<FeedFormat> {
    let own = has_any(keys, &["link", "magnet", "screen"]);
    (keys.contains("post_title") && own).then_some(FeedFormat::Ransomlook)
}

/// Reads one entry.
pub fn parse_entry(_: FeedFormat, entry: &Map<String, Value>) -> Result<RawPost, EntryError> {
    let post = RawPost {
        title: req_str(entry, "post_title")?,
        group: req_str(entry, "group_name")?,
        discovered: opt_time(entry, "discovered")?,
        description: opt_str(entry, "description")?,
        post_url: opt_str(entry, "link")?,
        ..RawPost::default()
    };
    if post.discovered.is_none() {
        return Err(EntryError::NoTime);
    }
    Ok(post)
}
