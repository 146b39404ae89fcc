//! Importing feed files: read, normalise, merge duplicates, resolve countries, and say
//! what happened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use kansoku_event::leak::LeakPost;
use kansoku_event::leak::{CountrySource, TimeBasis};

use crate::LeakError;
use crate::country::{CountryResolver, Evidence, NameList, PublicSuffixList, psl};
use crate::feed::{FeedFile, FeedFormat, MalformedEntry, parse_feed};
use crate::merge::{cluster, first_of};
use crate::normalise::GroupAliases;
use crate::text::{decode_entities, squeeze_whitespace};

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Group names and aliases (the built-in list, plus any the user added).
    pub groups: GroupAliases,
    /// The Public Suffix List file. When it is `None` or cannot be read, countries from
    /// domains fall back to "the last label is a ccTLD" (see [`crate::country`]).
    pub public_suffix_list: Option<PathBuf>,
    /// A victim-name → country list, the last resort for the country.
    pub name_list: Option<NameList>,
    /// Merge the same post seen by two feeds (as well as reposts within one feed).
    /// On by default: two trackers watching the same site see the same posts.
    pub merge_across_feeds: bool,
    /// Whether Kanji without kana counts as Japanese text for the country.
    pub kanji_only_is_japanese: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            groups: GroupAliases::builtin(),
            public_suffix_list: Some(PathBuf::from(psl::DEBIAN_PATH)),
            name_list: None,
            merge_across_feeds: true,
            kanji_only_is_japanese: true,
        }
    }
}

/// What one file held.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    /// The file.
    pub path: String,
    /// Its detected format (`None` when it had no entries).
    pub format: Option<FeedFormat>,
    /// Entries in the file.
    pub entries: usize,
    /// Entries that could not be read.
    pub malformed: usize,
}

/// How many posts got their country by each method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CountryMethods {
    /// From the feed's country field.
    pub explicit: usize,
    /// From the victim domain's ccTLD.
    pub cctld: usize,
    /// From Japanese script in the text.
    pub japanese_text: usize,
    /// From the user's name list.
    pub name_list: usize,
    /// Not determined.
    pub unknown: usize,
}

impl CountryMethods {
    /// Counts one post.
    pub fn add(&mut self, source: Option<CountrySource>) {
        match source {
            Some(CountrySource::Explicit) => self.explicit += 1,
            Some(CountrySource::Cctld) => self.cctld += 1,
            Some(CountrySource::JapaneseText) => self.japanese_text += 1,
            Some(CountrySource::NameList) => self.name_list += 1,
            None => self.unknown += 1,
        }
    }

    /// Posts whose country was determined.
    pub fn determined(&self) -> usize {
        self.explicit + self.cctld + self.japanese_text + self.name_list
    }
}

/// What an import did. `posts_read == posts_kept + reposts_merged +
/// duplicates_across_feeds + malformed.len()` always holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Per file.
    pub files: Vec<FileSummary>,
    /// Entries read from all files (including malformed ones).
    pub posts_read: usize,
    /// Posts after merging.
    pub posts_kept: usize,
    /// Reposts merged: duplicates of a post the same file had already listed.
    pub reposts_merged: usize,
    /// Duplicates merged because another file had listed the post.
    pub duplicates_across_feeds: usize,
    /// Entries set aside, with their file and index.
    pub malformed: Vec<MalformedEntry>,
    /// Kept posts per (normalised) group.
    pub groups: BTreeMap<String, usize>,
    /// How countries were determined, over kept posts.
    pub countries: CountryMethods,
    /// Kept posts whose time is the publication time / the discovery time.
    pub time_basis: BTreeMap<&'static str, usize>,
    /// Kept posts with Japanese script.
    pub has_japanese: usize,
    /// The Public Suffix List used, if one was read.
    pub public_suffix_list: Option<String>,
}

impl ImportSummary {
    /// Whether the counts add up (read = kept + merged + malformed).
    pub fn is_consistent(&self) -> bool {
        self.posts_read
            == self.posts_kept
                + self.reposts_merged
                + self.duplicates_across_feeds
                + self.malformed.len()
    }
}

/// Posts and the account of how they were obtained.
#[derive(Debug, Clone, Default)]
pub struct ImportResult {
    /// Merged posts, ordered by time, then group and victim.
    pub posts: Vec<LeakPost>,
    /// Counts for the user.
    pub summary: ImportSummary,
}

/// Imports feed files. A file that cannot be read or is not a feed fails the import
/// (the user named it, so silence would mislead); bad entries inside a file do not,
/// and are listed in the summary.
pub fn import(paths: &[PathBuf], opts: &ImportOptions) -> Result<ImportResult, LeakError> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| LeakError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        files.push(parse_feed(&path.display().to_string(), &bytes)?);
    }
    Ok(import_feeds(files, opts))
}

/// Normalises, merges and resolves already-parsed feeds (from [`parse_feed`] or a
/// crawler).
pub fn import_feeds(files: Vec<FeedFile>, opts: &ImportOptions) -> ImportResult {
    let psl_path = opts.public_suffix_list.as_deref().filter(|p| p.is_file());
    let resolver = CountryResolver {
        psl: psl_path.and_then(|p| PublicSuffixList::load(p).ok()),
        names: opts.name_list.clone(),
        kanji_only_is_japanese: opts.kanji_only_is_japanese,
    };
    let mut summary = ImportSummary {
        public_suffix_list: resolver
            .psl
            .as_ref()
            .and(psl_path)
            .map(|p: &Path| p.display().to_string()),
        ..ImportSummary::default()
    };
    let mut raw = Vec::new();
    for file in files {
        summary.posts_read += file.entries;
        summary.files.push(FileSummary {
            path: file.source.clone(),
            format: file.format,
            entries: file.entries,
            malformed: file.malformed.len(),
        });
        summary.malformed.extend(file.malformed);
        raw.extend(file.posts);
    }

    let mut posts = Vec::new();
    for c in cluster(raw, &opts.groups, opts.merge_across_feeds) {
        summary.reposts_merged += c.reposts_within_feed;
        summary.duplicates_across_feeds += c.duplicates_across_feeds;
        let first = &c.posts[0];
        let discovered = c.posts.iter().filter_map(|p| p.discovered).min();
        // A "publication" after the post was already seen is a later repost's scrape
        // time under another name (ransomware.live's older `published`), not when the
        // group published: the post keeps its earliest time.
        let published = c
            .posts
            .iter()
            .filter_map(|p| p.published)
            .min()
            .filter(|&p| discovered.is_none_or(|d| p <= d));
        let victim = squeeze_whitespace(&decode_entities(&first.title));
        let description = first_of(&c.posts, |p| p.description.as_ref());
        let country = first_of(&c.posts, |p| p.country.as_ref());
        let domain = first_of(&c.posts, |p| p.domain.as_ref());
        let resolved = resolver.resolve(&Evidence {
            country: country.as_deref(),
            domain: domain.as_deref(),
            title: &victim,
            description: description.as_deref(),
        });
        posts.push(LeakPost {
            group: c.group.clone(),
            group_variant: c.variant.clone(),
            victim_domain: resolved.victim_domain,
            published,
            // Feeds without a discovery time: the publication time is the only one known.
            discovered: discovered.or(published).unwrap_or_default(),
            time_basis: if published.is_some() {
                TimeBasis::Published
            } else {
                TimeBasis::Discovered
            },
            country: resolved.country,
            country_source: resolved.source,
            has_japanese: resolved.has_japanese,
            description,
            post_url: first_of(&c.posts, |p| p.post_url.as_ref()),
            reposts: u32::try_from(c.posts.len() - 1).unwrap_or(u32::MAX),
            source: first.source.clone(),
            victim,
        });
    }
    posts.sort_by(|a, b| (a.time(), &a.group, &a.victim).cmp(&(b.time(), &b.group, &b.victim)));

    summary.posts_kept = posts.len();
    for p in &posts {
        *summary.groups.entry(p.group.clone()).or_default() += 1;
        summary.countries.add(p.country_source);
        *summary.time_basis.entry(p.time_basis.as_str()).or_default() += 1;
        summary.has_japanese += usize::from(p.has_japanese);
    }
    ImportResult { posts, summary }
}
