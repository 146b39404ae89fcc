//! Merging duplicate posts: a group's repost of the same victim ("post has been
//! updated"), or the same post seen by two feeds.

use std::collections::HashMap;

use kansoku_event::Micros;

use crate::feed::RawPost;
use crate::normalise::{GroupAliases, title_key};

/// Posts found to be one, earliest first.
#[derive(Debug, Clone)]
pub(crate) struct Cluster {
    /// The posts, sorted by time; the first is the one kept.
    pub posts: Vec<RawPost>,
    /// Report name of the group.
    pub group: String,
    /// The kept post's group variant.
    pub variant: Option<String>,
    /// Merged posts that came from a file another member also came from.
    pub reposts_within_feed: usize,
    /// Merged posts that only another file had seen before.
    pub duplicates_across_feeds: usize,
}

/// The time a raw post is ordered by: published when known, else discovered.
pub(crate) fn raw_time(p: &RawPost) -> Micros {
    p.published.or(p.discovered).unwrap_or(Micros::MAX)
}

/// The identity of a post: its normalised group (lowercased) and [`title_key`]. Two
/// raw posts with the same key are one post.
#[cfg(feature = "lake")]
pub(crate) fn post_key(groups: &GroupAliases, p: &RawPost) -> (String, String) {
    (
        groups.normalise(&p.group).name.to_lowercase(),
        title_key(&p.title),
    )
}

/// Groups posts by normalised group and title (and source, unless `across_feeds`).
pub(crate) fn cluster(
    posts: Vec<RawPost>,
    groups: &GroupAliases,
    across_feeds: bool,
) -> Vec<Cluster> {
    let mut index: HashMap<(String, String, String), usize> = HashMap::new();
    let mut clusters: Vec<Cluster> = Vec::new();
    for post in posts {
        let group = groups.normalise(&post.group);
        let source_key = if across_feeds {
            String::new()
        } else {
            post.source.clone()
        };
        let key = (
            group.name.to_lowercase(),
            title_key(&post.title),
            source_key,
        );
        match index.get(&key) {
            Some(&i) => clusters[i].posts.push(post),
            None => {
                index.insert(key, clusters.len());
                clusters.push(Cluster {
                    posts: vec![post],
                    group: group.name,
                    variant: group.variant,
                    reposts_within_feed: 0,
                    duplicates_across_feeds: 0,
                });
            }
        }
    }
    for c in &mut clusters {
        c.posts.sort_by(|a, b| {
            (raw_time(a), &a.source, a.index).cmp(&(raw_time(b), &b.source, b.index))
        });
        c.variant = groups.normalise(&c.posts[0].group).variant;
        for (i, p) in c.posts.iter().enumerate().skip(1) {
            if c.posts[..i].iter().any(|q| q.source == p.source) {
                c.reposts_within_feed += 1;
            } else {
                c.duplicates_across_feeds += 1;
            }
        }
    }
    clusters
}

/// The first value any member has, earliest member first.
pub(crate) fn first_of<T: Clone>(
    posts: &[RawPost],
    field: impl Fn(&RawPost) -> Option<&T>,
) -> Option<T> {
    posts.iter().find_map(|p| field(p).cloned())
}
