//! The leak-site crawler: reads each configured group's site through Tor's SOCKS5h
//! proxy (the proxy resolves `.onion` names; nothing is resolved locally), follows
//! pagination, keeps every page it read as a snapshot named by its SHA-256, and adds
//! the posts not seen before to the `leak` table through the [`LeakStore`].
//!
//! A site is reported as **unreachable** when its first page cannot be had after the
//! retries, and as **layout changed** when a page arrives but the `entry` selector
//! matches nothing there (or no entry has a title): both say which URL and why, so the
//! site definition (`sites.toml`, see [`sites`]) can be fixed.
//!
//! ```text
//! <data>/leaks/snapshots/<site>/<sha256>.html.raw   raw pages, content-addressed, inert
//! <data>/leaks/snapshots/index.ndjson           one line per page read: site, url, time, sha256
//! ```

pub mod extract;
pub mod fetch;
pub mod sites;

use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::time::Duration;

use serde::Serialize;

use kansoku_event::Micros;

use crate::LeakError;
use crate::feed::RawPost;
use crate::import::ImportOptions;
use crate::merge::post_key;
use crate::store::{LeakStore, Rebuild, StoreLock, crawl_feed_json, sha256_hex};

pub use sites::{SiteDef, SitesFile};

/// Tor's SOCKS port on this machine.
pub const DEFAULT_PROXY: &str = "socks5h://127.0.0.1:9050";

/// How to crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// SOCKS5h proxy URL (`socks5h://HOST:PORT`): remote name resolution, so onion
    /// names never reach a local resolver.
    pub proxy: String,
    /// Accept a proxy that resolves names locally (`socks5://`, `socks4://`, `http://`):
    /// every site's name then reaches the local resolver (a DNS leak of what is being
    /// watched, and onion names fail).
    pub allow_insecure_proxy: bool,
    /// Limit per request, connection through the proxy included.
    pub timeout: Duration,
    /// Retries after a transient failure (so `retries + 1` attempts at most).
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Pause between two requests to the same site (politeness; Tor circuits are slow
    /// and shared).
    pub delay: Duration,
    /// Largest page read; a bigger body is an error.
    pub max_page_bytes: u64,
    /// The User-Agent header (Tor Browser's, so as not to stand out).
    pub user_agent: String,
    /// The crawl's time, the `discovered` time of new posts (tests fix it).
    pub now: Option<Micros>,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            proxy: DEFAULT_PROXY.into(),
            allow_insecure_proxy: false,
            timeout: Duration::from_secs(90),
            retries: 2,
            backoff: Duration::from_secs(10),
            delay: Duration::from_secs(5),
            max_page_bytes: 16 << 20,
            user_agent: "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
                .into(),
            now: None,
        }
    }
}

/// A page read and kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Its URL.
    pub url: String,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// Where it is kept.
    pub path: String,
    /// Body size.
    pub bytes: u64,
    /// Post entries found on it.
    pub entries: usize,
}

/// What went wrong with a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SiteProblem {
    /// No page could be had.
    Unreachable {
        /// The URL tried.
        url: String,
        /// The last error.
        error: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A page arrived but the selectors find no post on it.
    LayoutChanged {
        /// The page.
        url: String,
        /// What did not match.
        detail: String,
    },
}

/// One site's crawl.
#[derive(Debug, Clone, Serialize)]
pub struct SiteReport {
    /// Site (group) name.
    pub site: String,
    /// Pages read, in order.
    pub pages: Vec<Snapshot>,
    /// Posts read on all pages.
    pub posts_found: usize,
    /// Posts not seen before, added to the table.
    pub posts_new: usize,
    /// Entries without a title or with an unreadable date.
    pub incomplete: usize,
    /// A later page that failed (the earlier pages still count).
    pub page_errors: Vec<String>,
    /// Why the site gave nothing, if it did not.
    pub problem: Option<SiteProblem>,
}

/// The whole crawl.
#[derive(Debug, Clone, Default)]
pub struct CrawlReport {
    /// Per site, in file order.
    pub sites: Vec<SiteReport>,
    /// The table after the new posts were added (`None` when nothing was new).
    pub rebuild: Option<Rebuild>,
}

impl CrawlReport {
    /// Sites with a problem.
    pub fn problems(&self) -> impl Iterator<Item = (&str, &SiteProblem)> {
        self.sites
            .iter()
            .filter_map(|s| s.problem.as_ref().map(|p| (s.site.as_str(), p)))
    }
}

/// Crawls every site, stores snapshots and new posts, and rebuilds the table once.
pub fn crawl(
    store: &LeakStore,
    lock: &StoreLock,
    sites: &SitesFile,
    opts: &CrawlOptions,
    import: &ImportOptions,
) -> Result<CrawlReport, LeakError> {
    let now = opts
        .now
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros());
    let mut fetcher = fetch::Fetcher::new(opts).map_err(|e| LeakError::Sites(e.to_string()))?;
    let mut known = store.known_posts(&import.groups)?;
    let snap_dir = store.dir().join("snapshots");
    let mut report = CrawlReport::default();
    let mut any_new = false;
    for site in &sites.site {
        fetcher.new_site();
        let (site_report, new_posts) =
            crawl_site(&mut fetcher, site, &snap_dir, now, &mut known, import)?;
        if !new_posts.is_empty() {
            let json = crawl_feed_json(&new_posts, now)?;
            store.add_feed(lock, &format!("crawl:{}", site.name), &json)?;
            any_new = true;
        }
        report.sites.push(site_report);
    }
    if any_new {
        report.rebuild = Some(store.rebuild(lock, import)?);
    }
    Ok(report)
}

fn crawl_site(
    fetcher: &mut fetch::Fetcher,
    site: &SiteDef,
    snap_dir: &std::path::Path,
    now: Micros,
    known: &mut HashSet<(String, String)>,
    import: &ImportOptions,
) -> Result<(SiteReport, Vec<RawPost>), LeakError> {
    let mut rep = SiteReport {
        site: site.name.clone(),
        pages: Vec::new(),
        posts_found: 0,
        posts_new: 0,
        incomplete: 0,
        page_errors: Vec::new(),
        problem: None,
    };
    let mut new_posts = Vec::new();
    let mut url = Some(site.url.clone());
    let mut visited = HashSet::new();
    while let Some(page_url) = url.take() {
        if rep.pages.len() >= site.max_pages.max(1) || !visited.insert(page_url.clone()) {
            break;
        }
        let fetched = match fetcher.get(&page_url) {
            Ok(f) => f,
            Err(e) if rep.pages.is_empty() => {
                rep.problem = Some(SiteProblem::Unreachable {
                    url: page_url,
                    error: e.to_string(),
                    attempts: fetcher.last_attempts(),
                });
                break;
            }
            Err(e) => {
                rep.page_errors.push(format!("{page_url}: {e}"));
                break;
            }
        };
        let snapshot = keep_snapshot(snap_dir, site, &page_url, &fetched.body, now)?;
        let html = String::from_utf8_lossy(&fetched.body);
        let page = extract::extract(site, &page_url, &html);
        rep.pages.push(Snapshot {
            entries: page.entries,
            ..snapshot
        });
        rep.incomplete += page.incomplete;
        if page.posts.is_empty() {
            let detail = if page.entries == 0 {
                format!("no element matches entry selector {:?}", site.entry)
            } else {
                format!(
                    "{} entries match {:?} but none has a title matching {:?}",
                    page.entries, site.entry, site.title
                )
            };
            rep.problem = Some(SiteProblem::LayoutChanged {
                url: page_url,
                detail,
            });
            break;
        }
        rep.posts_found += page.posts.len();
        for mut p in page.posts {
            if known.insert(post_key(&import.groups, &p)) {
                p.discovered = Some(now);
                p.source = format!("crawl:{}", site.name);
                new_posts.push(p);
            }
        }
        url = page.next;
    }
    rep.posts_new = new_posts.len();
    Ok((rep, new_posts))
}

fn keep_snapshot(
    snap_dir: &std::path::Path,
    site: &SiteDef,
    url: &str,
    body: &[u8],
    now: Micros,
) -> Result<Snapshot, LeakError> {
    let sha256 = sha256_hex(body);
    let dir = snap_dir.join(kansoku_lake::file_name_of(&site.name));
    // Inert: a raw page from a leak site is never a file a browser opens by a click.
    let path = dir.join(format!("{sha256}.html.raw"));
    let io = |p: &std::path::Path| {
        let p = p.display().to_string();
        move |source| LeakError::Io { path: p, source }
    };
    if !path.exists() {
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        crate::store::write_file_atomic(&path, body)?;
    }
    #[derive(Serialize)]
    struct IndexLine<'a> {
        site: &'a str,
        url: &'a str,
        fetched_at: String,
        sha256: &'a str,
        bytes: usize,
    }
    let line = IndexLine {
        site: &site.name,
        url,
        fetched_at: chrono::DateTime::from_timestamp_micros(now)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        sha256: &sha256,
        bytes: body.len(),
    };
    let index = snap_dir.join("index.ndjson");
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&index)
        .map_err(io(&index))?;
    let mut text = serde_json::to_string(&line).map_err(|e| LeakError::Store(e.to_string()))?;
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(io(&index))?;
    Ok(Snapshot {
        url: url.to_string(),
        sha256,
        path: path.display().to_string(),
        bytes: body.len() as u64,
        entries: 0,
    })
}
