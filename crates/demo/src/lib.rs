//! A clearly labelled **synthetic** dataset for `kansoku demo`: three months of web,
//! WAF and firewall logs for several fictional tenants, Tor exit lists and ransomware
//! leak-site posts, with planted events the observation report must find.
//!
//! The generator stands at the very start of the pipeline: it writes files in the
//! formats kansoku ingests (nginx/Apache `combined`, ModSecurity v3 JSON audit log,
//! AWS WAF JSON, netfilter `LOG` lines, TorDNSEL `exit-addresses`, ransomwatch
//! `posts.json`), so the demo exercises the same parsers as real data. Every address is
//! from a documentation or shared range, every host name under `example.*`, every
//! victim name invented.
//!
//! Output is deterministic: the same [`DemoSpec`] gives the same bytes. Besides the
//! logs, the folder holds `README.txt` (ja/en notice that the data is synthetic),
//! `manifest.json` (the [`DemoManifest`]: files with their format and tenant, and the
//! planted events) and `labels.tsv` (ground truth: `file`, `line`, `category`,
//! `src_ip` for every attack line).
//!
//! ```no_run
//! use kansoku_demo::{DemoSpec, generate};
//!
//! let manifest = generate(std::path::Path::new("demo-data"), &DemoSpec::default())?;
//! for file in &manifest.files {
//!     println!("{} {} {}", file.tenant, file.format, file.path.display());
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod addr;
mod bench;
pub use bench::{BenchLog, bench_log};
mod agents;
mod attacks;
mod campaign;
mod clock;
mod dataset;
mod firewall;
mod leaks;
mod request;
mod rng;
mod sink;
mod sites;
mod tor;
mod traffic;
mod waf;
mod web;

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoSpec {
    /// First day of the period (JST); the default is 2026-08-01.
    pub start: NaiveDate,
    /// Number of months; the default is 3. The SQLi + Log4Shell campaign is planted in
    /// the second month and the Nikto scan in the third, when the period has them.
    pub months: u32,
    /// Seed of every random choice: the same spec writes the same bytes.
    pub seed: u64,
    /// Size factor: 1.0 writes about 400,000 log lines; 0.05 is enough for tests.
    pub scale: f64,
}

impl Default for DemoSpec {
    fn default() -> DemoSpec {
        DemoSpec {
            start: NaiveDate::from_ymd_opt(2026, 8, 1).expect("2026-08-01 is a date"),
            months: 3,
            seed: 20_260_801,
            scale: 1.0,
        }
    }
}

/// One file of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFile {
    /// Path relative to the output folder.
    pub path: PathBuf,
    /// Input format: `combined`, `modsec-json`, `aws-waf`, `netfilter`,
    /// `tor-exit-addresses` or `ransomwatch`.
    pub format: String,
    /// Tenant the file belongs to (`default` for data not tied to one, such as Tor
    /// lists and leak posts).
    pub tenant: String,
    /// Number of lines.
    pub lines: u64,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
}

/// An event planted in the data, which the report is expected to find.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedEvent {
    /// `sqli_log4shell_campaign`, `nikto_scan`, `telnet_rise`, `ws_discovery_rise` or
    /// `leak_burst`.
    pub kind: String,
    /// Tenant affected (`default` for leak posts).
    pub tenant: String,
    /// First instant of the event (JST).
    pub start: DateTime<FixedOffset>,
    /// First instant after the event (JST).
    pub end: DateTime<FixedOffset>,
    /// What happened, in English and Japanese.
    pub description: String,
    /// Report categories of its events (web events), or the services / group involved.
    pub categories: Vec<String>,
    /// Source addresses of its events (empty where sources are not the point).
    pub src_ips: Vec<String>,
    /// Number of events (requests, packets or posts) it added.
    pub events: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoManifest {
    /// Always true: a reminder, for anyone who finds the files, that nothing is real.
    pub synthetic: bool,
    /// The spec that produced the data.
    pub spec: DemoSpec,
    /// Every data file, in the order written.
    pub files: Vec<DemoFile>,
    /// The planted events.
    pub planted: Vec<PlantedEvent>,
}

/// What the generators collect while writing.
#[derive(Debug, Default)]
pub(crate) struct Output {
    files: Vec<DemoFile>,
    planted: Vec<PlantedEvent>,
    labels: Vec<sink::Label>,
}

/// Largest accepted scale: enough for benchmarks, short of filling a disk by a typo.
const MAX_SCALE: f64 = 50.0;

/// Writes the dataset into `out_dir` (created if missing; existing files of the same
/// names are replaced) and returns its manifest, also written as `manifest.json`.
///
/// Fails with [`io::ErrorKind::InvalidInput`] for zero months or a scale outside
/// `(0, 50]`, and with the I/O error of any file that cannot be written.
pub fn generate(out_dir: &Path, spec: &DemoSpec) -> io::Result<DemoManifest> {
    if spec.months == 0 || !(spec.scale > 0.0 && spec.scale <= MAX_SCALE) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "demo needs at least one month and a scale in (0, {MAX_SCALE}], got {} months at scale {}",
                spec.months, spec.scale
            ),
        ));
    }
    std::fs::create_dir_all(out_dir)?;
    let months = clock::months(spec.start, spec.months);
    let mut out = Output::default();
    dataset::write(out_dir, spec, &months, &mut out)?;
    firewall::write(out_dir, spec, &months, &mut out)?;
    tor::write(out_dir, spec, &months, &mut out)?;
    leaks::write(out_dir, spec, &months, &mut out)?;
    sink::write_file(
        out_dir,
        "labels.tsv",
        sink::labels_tsv(&out.labels).as_bytes(),
    )?;
    sink::write_file(out_dir, "README.txt", readme(spec).as_bytes())?;
    let manifest = DemoManifest {
        synthetic: true,
        spec: spec.clone(),
        files: out.files,
        planted: out.planted,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
    sink::write_file(out_dir, "manifest.json", json.as_bytes())?;
    Ok(manifest)
}

fn readme(spec: &DemoSpec) -> String {
    format!(
        "これは kansoku がデモ用に生成した合成データ（架空のデータ）です。\n\
         実在の組織・人物・通信とは一切関係ありません。IPアドレスは文書用・共有アドレス空間\n\
         （192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 100.64.0.0/10）、ホスト名は example.* のみを\n\
         使っています。ランサムウェアのリーク投稿の被害組織名もすべて架空です。\n\
         \n\
         This is SYNTHETIC data generated by kansoku for demonstration. It describes no real\n\
         organisation, person or traffic. Addresses come from documentation and shared ranges\n\
         (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 100.64.0.0/10), host names from example.*;\n\
         victim names in the leak posts are invented.\n\
         \n\
         seed: {seed}\n\
         start: {start}\n\
         months: {months}\n\
         scale: {scale}\n\
         \n\
         manifest.json  files, formats, tenants and planted events / ファイル・形式・テナント・仕込んだイベント\n\
         labels.tsv     ground truth for every attack line (file, line, category, src_ip) / 攻撃行の正解ラベル\n",
        seed = spec.seed,
        start = spec.start,
        months = spec.months,
        scale = spec.scale,
    )
}
