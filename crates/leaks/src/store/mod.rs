//! The lake's `leak` table, kept equal to the merge of every feed imported so far.
//!
//! Merging is global (a repost in today's feed joins a post imported last month; a post
//! seen by two feeds is one post), so appending each import's posts would store merged
//! posts twice. Instead every imported feed is archived under `<data>/leaks/feeds/`
//! (named by its SHA-256, listed in `feeds.json` in import order), and each import
//! rebuilds the posts from the whole archive and rewrites only the day files whose
//! content changed (`commit` makes that one transaction). The table is therefore a
//! function of the archive: importing a file again adds nothing (same SHA-256), and
//! importing feeds one by one or together gives the same table.
//!
//! ```text
//! <data>/leaks/feeds.json                 archived feeds, in import order
//! <data>/leaks/feeds/<sha256>.json        their bytes
//! <data>/leaks/names.txt                  the victim-name list last given (--names)
//! <data>/leaks/commit.json                journal of a commit in progress
//! <data>/leaks/lock                       one importer or crawler at a time
//! <data>/lake/leak/day=D/leak-<digest16>.parquet   posts first discovered on UTC day D
//! ```

mod commit;

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use kansoku_event::leak::{LeakBatchBuilder, LeakPost};
use kansoku_event::table;
use kansoku_lake::{Lake, LakeLock};

use crate::LeakError;
use crate::country::NameList;
use crate::feed::{FeedFile, RawPost, parse_feed};
use crate::import::{ImportOptions, ImportResult, import_feeds};
use crate::merge::post_key;
use crate::normalise::GroupAliases;

pub(crate) use commit::write_atomic as write_file_atomic;
use commit::{Journal, STAGE_PREFIX};

/// One archived feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchivedFeed {
    /// SHA-256 of the bytes, hex: the archive file's name and the feed's identity.
    pub sha256: String,
    /// The path the feed was imported from (or `crawl:<site>`), shown as the posts'
    /// `source`.
    pub source: String,
    /// When it was imported, RFC 3339 UTC.
    pub imported_at: String,
    /// Size in bytes.
    pub bytes: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    feeds: Vec<ArchivedFeed>,
}

/// Whether a feed was new to the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// Archived now.
    New(ArchivedFeed),
    /// The same bytes were imported before (from this or another path).
    Already(ArchivedFeed),
}

/// What a rebuild wrote.
#[derive(Debug, Clone, Default)]
pub struct Rebuild {
    /// The posts now in the table and how they were obtained.
    pub result: ImportResult,
    /// Entries dropped because an earlier archived feed held the very same entry
    /// (group, title and times): a refreshed feed file repeats its old posts.
    pub repeated_entries: usize,
    /// Day partitions (re)written.
    pub days_written: usize,
    /// Day partitions removed (their posts merged into an earlier day).
    pub days_removed: usize,
    /// Day partitions already up to date.
    pub days_unchanged: usize,
    /// Whether a crashed import had left something to finish or undo.
    pub recovered: bool,
}

/// Held while the archive or the table changes: one leak importer at a time, and no
/// compaction meanwhile (the lake lock, shared, as ingests take it).
#[derive(Debug)]
pub struct StoreLock {
    _leaks: File,
    _lake: LakeLock,
    recovered: bool,
}

/// The leak archive and table of one data folder.
#[derive(Debug, Clone)]
pub struct LeakStore {
    lake: Lake,
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LeakError + '_ {
    move |source| LeakError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl LeakStore {
    /// The store of `lake` (folders are created when first written).
    pub fn new(lake: &Lake) -> LeakStore {
        LeakStore {
            lake: lake.clone(),
            dir: lake.root().join("leaks"),
        }
    }

    /// `<data>/leaks`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the store's lock (waiting for another importer), then finishes or undoes
    /// whatever a killed import left.
    pub fn lock(&self) -> Result<StoreLock, LeakError> {
        fs::create_dir_all(self.dir.join("feeds")).map_err(io(&self.dir))?;
        let path = self.dir.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        file.lock().map_err(io(&path))?;
        let lake = self.lake.lock_shared()?;
        let recovered = commit::recover(
            &self.dir.join("commit.json"),
            &self.lake.table_dir(table::LEAK),
        )?;
        Ok(StoreLock {
            _leaks: file,
            _lake: lake,
            recovered,
        })
    }

    fn manifest(&self) -> Result<Manifest, LeakError> {
        let path = self.dir.join("feeds.json");
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| LeakError::Store(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The archived feeds, in import order.
    pub fn feeds(&self) -> Result<Vec<ArchivedFeed>, LeakError> {
        Ok(self.manifest()?.feeds)
    }

    /// Archives a feed's bytes unless the same bytes are archived already. The bytes
    /// must parse as a feed ([`parse_feed`]); a file that does not is refused.
    pub fn add_feed(
        &self,
        _lock: &StoreLock,
        source: &str,
        bytes: &[u8],
    ) -> Result<Added, LeakError> {
        parse_feed(source, bytes)?;
        let sha256 = sha256_hex(bytes);
        let mut manifest = self.manifest()?;
        if let Some(f) = manifest.feeds.iter().find(|f| f.sha256 == sha256) {
            return Ok(Added::Already(f.clone()));
        }
        let copy = self.dir.join("feeds").join(format!("{sha256}.json"));
        commit::write_atomic(&copy, bytes)?;
        fail::fail_point!("leaks.feed.archived", |_| std::process::abort());
        let feed = ArchivedFeed {
            sha256,
            source: source.to_string(),
            imported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            bytes: bytes.len() as u64,
        };
        manifest.feeds.push(feed.clone());
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| LeakError::Store(e.to_string()))?;
        commit::write_atomic(&self.dir.join("feeds.json"), &json)?;
        Ok(Added::New(feed))
    }

    /// Keeps a copy of the victim-name list, used by every later rebuild.
    pub fn set_name_list(&self, _lock: &StoreLock, path: &Path) -> Result<NameList, LeakError> {
        let list = NameList::load(path)?;
        let text = fs::read(path).map_err(io(path))?;
        commit::write_atomic(&self.dir.join("names.txt"), &text)?;
        Ok(list)
    }

    /// The stored victim-name list, if one was given.
    pub fn name_list(&self) -> Result<Option<NameList>, LeakError> {
        let path = self.dir.join("names.txt");
        if path.is_file() {
            Ok(Some(NameList::load(&path)?))
        } else {
            Ok(None)
        }
    }

    /// Parses every archived feed, dropping entries an earlier feed already held
    /// verbatim. Returns the feeds and how many entries were dropped.
    pub fn load_feeds(&self) -> Result<(Vec<FeedFile>, usize), LeakError> {
        let mut seen: HashSet<(String, String, Option<i64>, Option<i64>)> = HashSet::new();
        let mut repeated = 0;
        let mut files = Vec::new();
        for f in self.feeds()? {
            let path = self.dir.join("feeds").join(format!("{}.json", f.sha256));
            let bytes = fs::read(&path).map_err(io(&path))?;
            let mut feed = parse_feed(&f.source, &bytes)?;
            let ident = |p: &RawPost| (p.group.clone(), p.title.clone(), p.published, p.discovered);
            let before = feed.posts.len();
            let own: HashSet<_> = feed.posts.iter().map(ident).collect();
            feed.posts.retain(|p| !seen.contains(&ident(p)));
            let dropped = before - feed.posts.len();
            repeated += dropped;
            // Dropped entries were read once already: they count as entries of the
            // earlier file only, so the summary still adds up.
            feed.entries -= dropped;
            seen.extend(own);
            files.push(feed);
        }
        Ok((files, repeated))
    }

    /// The identities (`post_key`) of every archived post: what a crawler need not
    /// add again.
    pub fn known_posts(
        &self,
        groups: &GroupAliases,
    ) -> Result<HashSet<(String, String)>, LeakError> {
        let (files, _) = self.load_feeds()?;
        Ok(files
            .iter()
            .flat_map(|f| &f.posts)
            .map(|p| post_key(groups, p))
            .collect())
    }

    /// Rebuilds the posts from the archive and makes the table hold exactly them.
    pub fn rebuild(&self, lock: &StoreLock, opts: &ImportOptions) -> Result<Rebuild, LeakError> {
        let (files, repeated_entries) = self.load_feeds()?;
        let mut opts = opts.clone();
        if opts.name_list.is_none() {
            opts.name_list = self.name_list()?;
        }
        let result = import_feeds(files, &opts);
        let mut rebuild = self.write_table(&result.posts)?;
        rebuild.result = result;
        rebuild.repeated_entries = repeated_entries;
        rebuild.recovered = lock.recovered;
        Ok(rebuild)
    }

    fn write_table(&self, posts: &[LeakPost]) -> Result<Rebuild, LeakError> {
        let table_dir = self.lake.table_dir(table::LEAK);
        let mut by_day: BTreeMap<String, Vec<&LeakPost>> = BTreeMap::new();
        for p in posts {
            let day = chrono::DateTime::from_timestamp_micros(p.discovered)
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default();
            by_day.entry(day).or_default().push(p);
        }
        let mut existing: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        if let Ok(days) = fs::read_dir(&table_dir) {
            for d in days.flatten() {
                let name = d.file_name().to_string_lossy().into_owned();
                let Some(day) = name.strip_prefix("day=") else {
                    continue;
                };
                let mut files = Vec::new();
                for f in fs::read_dir(d.path()).map_err(io(&d.path()))?.flatten() {
                    let n = f.file_name().to_string_lossy().into_owned();
                    if !n.starts_with('.') && n.ends_with(".parquet") {
                        files.push(f.path());
                    }
                }
                existing.insert(day.to_string(), files);
            }
        }

        let mut out = Rebuild::default();
        let mut journal = Journal::default();
        for (day, day_posts) in &by_day {
            let json =
                serde_json::to_vec(day_posts).map_err(|e| LeakError::Store(e.to_string()))?;
            let digest = &sha256_hex(&json)[..16];
            let final_name = format!("leak-{digest}.parquet");
            let old = existing.remove(day).unwrap_or_default();
            if old.len() == 1 && old[0].file_name().is_some_and(|n| n == final_name.as_str()) {
                out.days_unchanged += 1;
                continue;
            }
            let mut builder = LeakBatchBuilder::with_capacity(day_posts.len());
            for p in day_posts {
                builder.push(p);
            }
            let batch = builder.finish();
            let stage = format!("{STAGE_PREFIX}{digest}");
            let written = self.lake.write_batch(table::LEAK, &stage, &batch, None)?;
            for staged in written {
                let target = staged.with_file_name(&final_name);
                journal.renames.push((staged, target));
            }
            journal.remove.extend(old);
            out.days_written += 1;
        }
        for (_, old) in existing {
            out.days_removed += 1;
            journal.remove.extend(old);
        }
        commit::commit(&self.dir.join("commit.json"), &journal)?;
        Ok(out)
    }
}

/// Serialises crawled posts as a feed file the archive can hold (ransomwatch's newer
/// keys: `website` marks the format, `published` the page's own date).
pub fn crawl_feed_json(posts: &[RawPost], discovered: i64) -> Result<Vec<u8>, LeakError> {
    #[derive(Serialize)]
    struct Entry<'a> {
        post_title: &'a str,
        group_name: &'a str,
        discovered: String,
        published: Option<String>,
        description: Option<&'a str>,
        post_url: Option<&'a str>,
        website: Option<&'a str>,
    }
    let time = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
            .unwrap_or_default()
    };
    let entries: Vec<Entry<'_>> = posts
        .iter()
        .map(|p| Entry {
            post_title: &p.title,
            group_name: &p.group,
            discovered: time(p.discovered.unwrap_or(discovered)),
            published: p.published.map(time),
            description: p.description.as_deref(),
            post_url: p.post_url.as_deref(),
            website: p.domain.as_deref(),
        })
        .collect();
    serde_json::to_vec_pretty(&entries).map_err(|e| LeakError::Store(e.to_string()))
}

#[cfg(test)]
mod tests;
