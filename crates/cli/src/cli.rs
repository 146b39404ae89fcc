//! The command line, as clap types. Every command's `--help` carries an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, shown at the end of `kansoku --help` and in the man page.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  failure; the message says what to do next
  2  usage error (unknown option, missing or bad argument)
  3  finished, but some input was rejected (the lines are in DATA/rejects/)
  4  kansoku eval: a figure is below its floor
  5  evidence verify: self-consistent only, not anchored (no --key-fingerprint, and the
     key store does not hold the case's key)";

/// kansoku (観測): a security observation center in one binary.
///
/// Reads web, WAF and firewall logs into a Parquet lake, detects attacks, and writes the
/// periodic observation report in Japanese and English.
#[derive(Debug, Parser)]
#[command(name = "kansoku", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Folder of Sigma rules (logsource category webserver) to load beside the built-in
    /// rules; repeatable.
    #[arg(long, global = true, value_name = "DIR")]
    pub sigma: Vec<PathBuf>,
    /// A rule file that does not load is an error, not a warning (`[detect] strict`).
    #[arg(long, global = true)]
    pub strict: bool,
    /// OWASP Core Rule Set folder to run beside the rules (`[detect] crs`) [default:
    /// Debian's /usr/share/modsecurity-crs when installed].
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "no_crs")]
    pub crs: Option<PathBuf>,
    /// Do not run the OWASP Core Rule Set (`[detect] crs = "off"`).
    #[arg(long, global = true)]
    pub no_crs: bool,
    /// Configuration file [default: ./kansoku.toml when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data folder (lake, checkpoints, rejects), overriding the configuration.
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Where queries run: `embedded` or `df://HOST:PORT` (a Ballista scheduler), overriding
    /// `engine` in the configuration.
    #[arg(long, global = true, value_name = "ENGINE")]
    pub engine: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// Example: kansoku completions bash > /etc/bash_completion.d/kansoku
    Completions(crate::cmd::shell::CompletionsArgs),
    /// Write man pages for kansoku and every subcommand, or print kansoku.1.
    ///
    /// Example: kansoku man --out /usr/local/share/man/man1
    Man(crate::cmd::shell::ManArgs),
    /// kansoku.toml: write a commented starter file, check one, print the reference.
    ///
    /// Example: kansoku config init && kansoku config check
    #[command(subcommand)]
    Config(crate::cmd::config::ConfigCommand),
    /// Read log files into the lake, detecting attacks on the way.
    ///
    /// Example: kansoku ingest /var/log/nginx/ --tenant shop
    Ingest(IngestArgs),
    /// Run SQL over the lake's tables.
    ///
    /// Example: kansoku sql "SELECT tenant, count(*) FROM http GROUP BY tenant"
    Sql(SqlArgs),
    /// Say what the lake holds: tables, rows, days, sources, rejected lines.
    ///
    /// Example: kansoku status --format json
    Status(StatusArgs),
    /// Maintain the lake.
    #[command(subcommand)]
    Lake(LakeCommand),
    /// Write the observation report for a period.
    ///
    /// Example: kansoku report --month 2026-10 --lang ja --out report.ja.html
    Report(ReportArgs),
    /// Generate a synthetic demo dataset, ingest it and write the observation report.
    ///
    /// Example: kansoku demo --out demo-out
    Demo(DemoArgs),
    /// List, document, test and lint the detection rules.
    #[command(subcommand)]
    Rules(crate::cmd::rules::RulesCommand),
    /// Show, for one log line, which rule matched which decoded substring.
    ///
    /// Example: kansoku explain '203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] "GET /?id=1%27%20UNION/**/SELECT HTTP/1.1" 200 1 "-" "-"'
    Explain(ExplainArgs),
    /// Measure detection quality over labelled corpora (recall, false positives, cost).
    ///
    /// Example: kansoku eval ../shared/data
    ///
    /// Exits with 4, listing every floor missed, when a figure is below the floors of
    /// `rules/eval-floors.toml` (built in) or of `--floors FILE`.
    Eval(EvalArgs),
    /// Ransomware leak-site posts: import tracker feeds, crawl leak sites, count by group.
    ///
    /// Example: kansoku leaks stats --from 2022-08-01 --to 2022-08-31 --tz Asia/Tokyo
    #[command(subcommand)]
    Leaks(crate::cmd::leaks::LeaksCommand),
    /// Write a large synthetic combined-format log for benchmarks (about 1% scattered
    /// attacks and 1.5% in short single-source scans).
    ///
    /// Example: kansoku gen-log --lines 1000000 --out bench.log
    GenLog(GenLogArgs),
    /// Receive logs live (syslog UDP/TCP, HTTP push, file tail), alert, and serve the
    /// dashboard; `--config` names the server's file (see crates/server/serve.example.toml).
    ///
    /// Example: kansoku serve --config /etc/kansoku/serve.toml
    Serve(ServeArgs),
    /// Run a role of a Ballista cluster (scheduler or executor) for `--engine df://...`.
    ///
    /// Example: kansoku cluster scheduler --bind 0.0.0.0:50050
    #[command(subcommand)]
    Cluster(crate::cmd::cluster::ClusterCommand),
    /// Incident cases: open, list, show, count, notes, first-response checklists.
    ///
    /// Example: kansoku case new acme-2026-10 --type ransomware --learned "2026-10-02 18:30"
    Case(crate::cmd::case::CaseArgs),
    /// A case's evidence: add files, import KAPE/UAC logs, list, verify, export.
    ///
    /// Example: kansoku evidence add acme-2026-10 /var/log/nginx --kind server --handler sato
    Evidence(crate::cmd::evidence::EvidenceArgs),
    /// Reporting deadlines of a case (Japan's APPI, partner contracts) and the draft report.
    ///
    /// Example: kansoku deadlines acme-2026-10 --draft ja
    Deadlines(DeadlinesArgs),
    /// Recovery plan from a system inventory: order, restore or rebuild, ETAs; progress.
    ///
    /// Example: kansoku recovery plan inventory.toml --now "2026-10-03 09:00"
    #[command(subcommand)]
    Recovery(crate::cmd::recovery::RecoveryCommand),
    /// A case's timeline: lake detections, firewall entries, leak posts, notes, custody.
    ///
    /// Example: kansoku timeline acme-2026-10 --from 2026-10-01 --format jsonl --out acme.jsonl
    Timeline(TimelineArgs),
    /// Tor exit lists: import TorDNSEL, CollecTor archives, bulk lists or Onionoo JSON.
    #[command(subcommand)]
    Tor(crate::cmd::tor::TorCommand),
    /// Threat-intelligence exchange: export observations (STIX 2.1, MISP, CSV/NDJSON),
    /// import shared indicators, match them against the lake.
    #[command(subcommand)]
    Intel(crate::cmd::intel::IntelCommand),
}

/// `kansoku serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Check the configuration and exit.
    #[arg(long)]
    pub check: bool,
}

/// `kansoku ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files (plain or gzip), folders (read recursively), or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Input format [default: detected from the first lines]: combined, common,
    /// modsec-json, modsec-native, aws-waf, ecs-ndjson; firewall logs: netfilter,
    /// filterlog, fortigate, paloalto, or the name of a `[[firewall.mapping]]`.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// An nginx `log_format` or Apache `LogFormat` string describing the lines.
    #[arg(long, value_name = "STR", conflicts_with = "format")]
    pub log_format: Option<String>,
    /// Tenant of every record, overriding the tenant map.
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Worker threads [default: one per core].
    #[arg(long, default_value_t = 0, hide = true)]
    pub threads: usize,
    /// Rows per lake batch.
    #[arg(long, default_value_t = kansoku_pipeline::ingest::BATCH_ROWS, hide = true)]
    pub batch_rows: usize,
    /// Stop reading a compressed file (gzip, bzip2, xz, zstd) that expands more than this
    /// many times its compressed size (a decompression bomb); 0 = no limit.
    #[arg(long, value_name = "N", default_value_t = kansoku_pipeline::MAX_GZIP_RATIO)]
    pub max_gzip_ratio: u64,
    /// The files are complete: read a last line that has no newline. Without it, those
    /// bytes of a plain file are a line still being written and wait for the next run.
    #[arg(long = "final")]
    pub finished: bool,
}

/// Output formats of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// An aligned table.
    #[default]
    Table,
    /// A JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header.
    Csv,
}

/// `kansoku sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query. Tables: http, net, alert, tor_exit, leak, intel (`kansoku status` lists
    /// them; columns in docs/guide/fields.md).
    pub query: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// `--format` of a listing command, and the older `--json` it replaces.
#[derive(Debug, Args)]
pub struct ListFormat {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl ListFormat {
    /// The format asked for.
    pub fn get(&self) -> OutputFormat {
        if self.json {
            OutputFormat::Json
        } else {
            self.format
        }
    }
}

/// `kansoku status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// `kansoku lake ...`.
#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Merge each day's small batch files into one, without changing any query result.
    ///
    /// Example: kansoku lake compact
    Compact,
}

/// `kansoku demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the dataset, the lake and the reports.
    #[arg(long, default_value = "demo-out", value_name = "DIR")]
    pub out: PathBuf,
    /// Size of the dataset relative to the default (about 400,000 lines).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Random seed (the same seed gives the same dataset).
    #[arg(long, default_value_t = 20261128)]
    pub seed: u64,
}

/// Report renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file with inline SVG charts.
    Html,
    /// Markdown.
    Md,
    /// JSON (schema: crates/report/schema/report.schema.json).
    Json,
    /// PDF, printed from the HTML by headless Chromium.
    Pdf,
}

/// `kansoku report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A calendar month, YYYY-MM [default: the last full month in the lake].
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"])]
    pub month: Option<String>,
    /// First day of the period (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// Last day of the period, inclusive.
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// Only this tenant.
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Language: ja or en [default: from kansoku.toml, else ja].
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Time zone (IANA) [default: Asia/Tokyo for ja, UTC for en].
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Categories per month in the top table.
    #[arg(long, default_value_t = 3)]
    pub top: u32,
    /// Episodes of spike hours explained in full and numbered on the hourly chart, the
    /// most notable first; the rest are listed in one table [default: `[report] spikes`].
    #[arg(long)]
    pub spikes: Option<usize>,
    /// Output format [default: from the --out extension, else html].
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Output file, or - for stdout [default: report.LANG.EXT].
    #[arg(long, short, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Print the SQL behind each table and chart instead of writing the report.
    #[arg(long)]
    pub explain: bool,
}

/// `kansoku gen-log`.
#[derive(Debug, Args)]
pub struct GenLogArgs {
    /// Number of lines.
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: u64,
    /// Output file (labels go beside it as .labels.tsv).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `kansoku eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder with payloads/, access-logs/ and crowdsec-hub-tests/.
    pub data: PathBuf,
    /// Floors file [default: the built-in copy of rules/eval-floors.toml].
    #[arg(long, value_name = "FILE")]
    pub floors: Option<PathBuf>,
    /// Floors profile [default: `sigma-web` when Sigma rules are loaded, else `builtin`].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

/// `kansoku explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The log line.
    pub line: String,
    /// Input format [default: detected].
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// An nginx `log_format` or Apache `LogFormat` string.
    #[arg(long, value_name = "STR", conflicts_with = "format")]
    pub log_format: Option<String>,
}

/// `kansoku deadlines`.
#[derive(Debug, Args)]
pub struct DeadlinesArgs {
    /// Case name.
    pub case: String,
    /// Time zone of the dates (IANA).
    #[arg(long, default_value = "Asia/Tokyo")]
    pub tz: String,
    /// Day counting: learning-day (the day of learning is day 1; stricter) or next-day
    /// (Civil Code art. 140: the day after is day 1).
    #[arg(long, default_value = "learning-day", value_parser = ["learning-day", "next-day"])]
    pub count_from: String,
    /// Print the draft report to the PPC in this language (ja or en) instead.
    #[arg(long, value_name = "LANG")]
    pub draft: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Timeline renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// Readable lines.
    Text,
    /// Timesketch JSONL.
    Jsonl,
    /// Timesketch CSV.
    Csv,
}

/// `kansoku timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Case name.
    pub case: String,
    /// From (inclusive); local in --tz unless an offset is given.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// To (exclusive).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only lake records involving this address; repeatable.
    #[arg(long, value_name = "ADDR")]
    pub ip: Vec<String>,
    /// Organisation name or domain, to find leak posts naming it; repeatable
    /// [default: the report organisation of kansoku.toml].
    #[arg(long, value_name = "NAME")]
    pub org: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TimelineFormat,
    /// Time zone of input times and of text output.
    #[arg(long, default_value = "Asia/Tokyo")]
    pub tz: String,
    /// Rows per lake source at most.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Output file [default: stdout].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
