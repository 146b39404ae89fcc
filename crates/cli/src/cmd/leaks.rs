//! `kansoku leaks`: ransomware leak-site posts. `import` reads tracker feeds into the
//! `leak` table, `crawl` reads the leak sites themselves through Tor, `stats` prints
//! section 5's group table for any period and time zone.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use kansoku_lake::Lake;
use kansoku_leaks::crawl::{self, CrawlOptions, SiteProblem, SitesFile};
use kansoku_leaks::import::{CountryMethods, ImportSummary};
use kansoku_leaks::stats::{GroupRow, Period, StatsOptions, leak_stats};
use kansoku_leaks::store::{Added, LeakStore, Rebuild};
use kansoku_leaks::{ImportOptions, import_feeds};
use kansoku_pipeline::Config;

/// `kansoku leaks ...`.
#[derive(Debug, Subcommand)]
pub enum LeaksCommand {
    /// Import leak-feed files (ransomwatch, ransomware.live, RansomLook) into the lake.
    ///
    /// Importing a file again adds nothing; a feed that overlaps earlier ones merges
    /// with them.
    ///
    /// Example: kansoku leaks import posts.json victims.json --names victims.csv
    Import(ImportArgs),
    /// Read the configured leak sites through Tor (SOCKS5h) and add new posts.
    ///
    /// Example: kansoku leaks crawl --sites sites.toml --proxy socks5h://127.0.0.1:9050
    Crawl(CrawlArgs),
    /// Print the posts per group (Japan / elsewhere / total / previous period).
    ///
    /// Example: kansoku leaks stats --from 2022-08-01 --to 2022-08-31 --tz Asia/Tokyo
    Stats(StatsArgs),
}

/// `kansoku leaks import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Feed files (JSON).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Victim-name list (`name,CC` per line), the last resort for a victim's country;
    /// kept for later imports.
    #[arg(long, value_name = "FILE")]
    pub names: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kansoku leaks crawl`.
#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Site definitions (TOML, one `[[site]]` per group).
    #[arg(long, value_name = "FILE", default_value = "leak-sites.toml")]
    pub sites: PathBuf,
    /// SOCKS5h proxy (remote name resolution; Tor's port by default).
    #[arg(long, value_name = "URL", default_value = crawl::DEFAULT_PROXY)]
    pub proxy: String,
    /// Accept a proxy that resolves names locally (socks5://, socks4://, http://): the
    /// watched sites' names then leak to the local DNS resolver.
    #[arg(long)]
    pub allow_insecure_proxy: bool,
    /// Seconds before a request is given up.
    #[arg(long, default_value_t = 90)]
    pub timeout: u64,
    /// Retries after a failure that may pass.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Milliseconds before the first retry (doubled for each next one).
    #[arg(long, default_value_t = 10_000)]
    pub backoff_ms: u64,
    /// Milliseconds between two requests to the same site.
    #[arg(long, default_value_t = 5_000)]
    pub delay_ms: u64,
}

/// Output of `kansoku leaks stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum StatsFormat {
    /// An aligned table.
    #[default]
    Table,
    /// JSON.
    Json,
}

/// `kansoku leaks stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// First day (YYYY-MM-DD, local).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day, inclusive.
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// Time zone of the days (IANA).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,
    /// Only this group.
    #[arg(long, value_name = "G")]
    pub group: Option<String>,
    /// A group you watch: shown even without posts ("—"); repeatable.
    #[arg(long, value_name = "G")]
    pub watch: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: StatsFormat,
}

pub fn run(config: &Config, cmd: LeaksCommand) -> anyhow::Result<u8> {
    let lake = Lake::open(&config.data_dir)?;
    match cmd {
        LeaksCommand::Import(args) => import(&lake, args),
        LeaksCommand::Crawl(args) => crawl(&lake, args),
        LeaksCommand::Stats(args) => stats(config, &lake, args),
    }
}

fn methods_line(c: &CountryMethods) -> String {
    format!(
        "countries: {} explicit, {} ccTLD, {} Japanese text, {} name list, {} unknown",
        c.explicit, c.cctld, c.japanese_text, c.name_list, c.unknown
    )
}

fn summary_lines(s: &ImportSummary) -> String {
    format!(
        "{} posts read, {} kept, {} groups, {} reposts merged, {} cross-feed duplicates, {} malformed; {}",
        s.posts_read,
        s.posts_kept,
        s.groups.len(),
        s.reposts_merged,
        s.duplicates_across_feeds,
        s.malformed.len(),
        methods_line(&s.countries)
    )
}

fn import(lake: &Lake, args: ImportArgs) -> anyhow::Result<u8> {
    let store = LeakStore::new(lake);
    let lock = store.lock()?;
    let mut opts = ImportOptions::default();
    if let Some(names) = &args.names {
        opts.name_list = Some(
            store
                .set_name_list(&lock, names)
                .with_context(|| format!("reading the name list {}", names.display()))?,
        );
    }
    let mut per_file = Vec::new();
    for path in &args.paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let source = path.display().to_string();
        let added = store.add_feed(&lock, &source, &bytes)?;
        let alone = import_feeds(
            vec![kansoku_leaks::feed::parse_feed(&source, &bytes)?],
            &opts,
        );
        per_file.push((source, added, alone.summary));
    }
    let rebuilt = store.rebuild(&lock, &opts)?;
    if args.json {
        #[derive(serde::Serialize)]
        struct FileOut<'a> {
            path: &'a str,
            already_imported: bool,
            summary: &'a ImportSummary,
        }
        let files: Vec<FileOut<'_>> = per_file
            .iter()
            .map(|(p, a, s)| FileOut {
                path: p,
                already_imported: matches!(a, Added::Already(_)),
                summary: s,
            })
            .collect();
        let out = serde_json::json!({
            "files": files,
            "table": rebuilt.result.summary,
            "repeated_entries": rebuilt.repeated_entries,
            "days_written": rebuilt.days_written,
            "days_removed": rebuilt.days_removed,
            "days_unchanged": rebuilt.days_unchanged,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (path, added, s) in &per_file {
            match added {
                Added::Already(f) => eprintln!(
                    "{path}: already imported (sha256 {}, first as {}): adds nothing",
                    &f.sha256[..16],
                    f.source
                ),
                Added::New(_) => {
                    let format = s
                        .files
                        .first()
                        .and_then(|f| f.format)
                        .map_or("empty", |f| f.as_str());
                    eprintln!("{path} ({format}): {}", summary_lines(s));
                }
            }
            for m in s.malformed.iter().take(5) {
                eprintln!("  {}: entry {}: {}", m.source, m.index, m.reason);
            }
        }
        print_table_summary(&rebuilt);
    }
    Ok(crate::exit::OK)
}

fn print_table_summary(r: &Rebuild) {
    let s = &r.result.summary;
    if r.recovered {
        eprintln!("note: finished an import that had been interrupted");
    }
    eprintln!(
        "leak table (every feed imported so far): {}",
        summary_lines(s)
    );
    if r.repeated_entries > 0 {
        eprintln!(
            "  {} entries repeated verbatim from earlier feeds were counted once",
            r.repeated_entries
        );
    }
    let basis: Vec<String> = s
        .time_basis
        .iter()
        .map(|(k, v)| format!("{v} by {k} time"))
        .collect();
    eprintln!(
        "  {} with Japanese text; {}; {} days written, {} removed, {} unchanged",
        s.has_japanese,
        basis.join(", "),
        r.days_written,
        r.days_removed,
        r.days_unchanged
    );
    if s.public_suffix_list.is_none() {
        eprintln!(
            "  note: no Public Suffix List found (Debian: apt-get install publicsuffix); \
             domains counted by their last label"
        );
    }
}

fn crawl(lake: &Lake, args: CrawlArgs) -> anyhow::Result<u8> {
    let sites = SitesFile::load(&args.sites)?;
    let store = LeakStore::new(lake);
    let lock = store.lock()?;
    let opts = CrawlOptions {
        proxy: args.proxy.clone(),
        allow_insecure_proxy: args.allow_insecure_proxy,
        timeout: Duration::from_secs(args.timeout.max(1)),
        retries: args.retries,
        backoff: Duration::from_millis(args.backoff_ms),
        delay: Duration::from_millis(args.delay_ms),
        ..CrawlOptions::default()
    };
    let report = crawl::crawl(&store, &lock, &sites, &opts, &ImportOptions::default())?;
    for s in &report.sites {
        eprintln!(
            "{}: {} pages, {} posts found, {} new{}",
            s.site,
            s.pages.len(),
            s.posts_found,
            s.posts_new,
            if s.incomplete > 0 {
                format!(", {} incomplete entries", s.incomplete)
            } else {
                String::new()
            }
        );
        for p in &s.pages {
            eprintln!(
                "  {} sha256 {} ({} bytes, {} entries)",
                p.url, p.sha256, p.bytes, p.entries
            );
        }
        for e in &s.page_errors {
            eprintln!("  page failed: {e}");
        }
    }
    let problems: Vec<_> = report.problems().collect();
    if !problems.is_empty() {
        eprintln!("sites needing attention:");
        for (site, p) in &problems {
            match p {
                SiteProblem::Unreachable {
                    url,
                    error,
                    attempts,
                } => {
                    eprintln!("  {site}: UNREACHABLE {url} after {attempts} attempts: {error}")
                }
                SiteProblem::LayoutChanged { url, detail } => {
                    eprintln!(
                        "  {site}: LAYOUT CHANGED at {url}: {detail} (fix the site definition)"
                    )
                }
            }
        }
    }
    match &report.rebuild {
        Some(r) => print_table_summary(r),
        None => eprintln!("no new posts"),
    }
    Ok(if problems.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::REJECTED
    })
}

fn parse_day(s: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s:?}: expected a date as YYYY-MM-DD"))
}

fn cell(n: Option<u64>) -> String {
    n.map_or_else(|| "—".to_string(), |n| n.to_string())
}

fn stats(config: &Config, lake: &Lake, args: StatsArgs) -> anyhow::Result<u8> {
    let tz: chrono_tz::Tz = args.tz.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown time zone {:?} (use an IANA name such as Asia/Tokyo)",
            args.tz
        )
    })?;
    let period = Period::inclusive(parse_day(&args.from)?, parse_day(&args.to)?, tz)?;
    let (start, end) = period.bounds();
    let from = period.previous().bounds().0.min(start);
    let rt = super::runtime()?;
    let posts = rt.block_on(async {
        let ctx = super::session(config, lake).await?;
        anyhow::Ok(kansoku_analyze::leaks::load_posts(&ctx, from, end).await?)
    })?;
    let opts = StatsOptions {
        configured_groups: args.watch.clone(),
        group: args.group.clone(),
        ..StatsOptions::default()
    };
    let st = leak_stats(&posts, &period, &opts);
    if args.format == StatsFormat::Json {
        let out = serde_json::json!({
            "period": st.period,
            "previous_period": st.previous_period,
            "posts": st.posts,
            "previous_posts": st.previous_posts,
            "groups": st.groups,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(crate::exit::OK);
    }
    let last = period.to().pred_opt().unwrap_or(period.to());
    let prev = period.previous();
    println!(
        "{} – {} ({}), previous period {} – {}",
        period.from(),
        last,
        tz.name(),
        prev.from(),
        prev.to().pred_opt().unwrap_or(prev.to())
    );
    print_rows(&st.groups, st.posts, st.previous_posts);
    Ok(crate::exit::OK)
}

fn print_rows(rows: &[GroupRow], total: u64, previous: u64) {
    let width = rows
        .iter()
        .map(|r| crate::output::clean(&r.group).chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    println!(
        "{:<width$}  {:>6}  {:>9}  {:>6}  {:>8}",
        "group", "japan", "elsewhere", "total", "previous"
    );
    for r in rows {
        println!(
            "{:<width$}  {:>6}  {:>9}  {:>6}  {:>8}",
            crate::output::clean(&r.group),
            cell(r.japan),
            cell(r.elsewhere),
            cell(r.total),
            cell(r.previous)
        );
    }
    let japan: u64 = rows.iter().filter_map(|r| r.japan).sum();
    let elsewhere: u64 = rows.iter().filter_map(|r| r.elsewhere).sum();
    println!(
        "{:<width$}  {:>6}  {:>9}  {:>6}  {:>8}",
        "all", japan, elsewhere, total, previous
    );
}

/// Imports leak-feed files the demo generated, printing one line.
pub fn import_demo(lake: &Lake, paths: &[PathBuf]) -> anyhow::Result<()> {
    let store = LeakStore::new(lake);
    let lock = store.lock()?;
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        store.add_feed(&lock, &path.display().to_string(), &bytes)?;
    }
    let r = store.rebuild(&lock, &ImportOptions::default())?;
    eprintln!("imported leak posts: {}", summary_lines(&r.result.summary));
    Ok(())
}
