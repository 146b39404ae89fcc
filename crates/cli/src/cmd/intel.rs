//! `kansoku intel export | import | matches`: thin over `kansoku_intel`.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use kansoku_intel::export::{flat, misp, stix};
use kansoku_intel::import::{ImportFormat, ImportOptions};
use kansoku_intel::matches::{self, Scope};
use kansoku_intel::model::parse_time;
use kansoku_intel::{ExportOptions, IntelIndex, Privacy, Tlp, severity_rank, store};
use kansoku_lake::Lake;
use kansoku_pipeline::{Config, Context};

use crate::cli::OutputFormat;
use crate::exit;

pub fn run(config: &Config, cmd: IntelCommand) -> anyhow::Result<u8> {
    match cmd {
        IntelCommand::Export(a) => export(config, a),
        IntelCommand::Import(a) => import(config, a),
        IntelCommand::Matches(a) => show_matches(config, a),
    }
}

/// `--from`/`--to` as [from, to): a date `--to` includes its whole day.
fn period(from: &str, to: &str) -> anyhow::Result<(i64, i64)> {
    let f = parse_time(from)
        .with_context(|| format!("--from {from:?}: expected YYYY-MM-DD or RFC 3339"))?;
    let mut t =
        parse_time(to).with_context(|| format!("--to {to:?}: expected YYYY-MM-DD or RFC 3339"))?;
    if to.trim().len() == 10 {
        t += 86_400_000_000;
    }
    anyhow::ensure!(t > f, "--to is before --from");
    Ok((f, t))
}

/// Tenant names and hosts from `[[tenant]]`, for the privacy filter.
fn private_names(config: &Config) -> Vec<String> {
    config
        .tenants
        .iter()
        .flat_map(|t| std::iter::once(t.name.clone()).chain(t.hosts.iter().cloned()))
        .collect()
}

fn private_networks(config: &Config) -> Vec<String> {
    let mut nets = config.network.internal.clone();
    nets.extend(
        config
            .tenants
            .iter()
            .flat_map(|t| t.addresses.iter().cloned()),
    );
    nets
}

fn export(config: &Config, a: IntelExportArgs) -> anyhow::Result<u8> {
    let (from, to) = period(&a.from, &a.to)?;
    let tlp: Tlp = a
        .tlp
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--tlp: {e}"))?;
    let min_severity = match &a.min_severity {
        Some(s) => Some(severity_rank(s).with_context(|| {
            format!("--min-severity {s:?}: expected info, low, medium, high or critical")
        })?),
        None => None,
    };
    let mut rule_severity = HashMap::new();
    if min_severity.is_some() {
        let ctx = Context::new(config)?;
        for r in ctx.rules.rules() {
            let name = format!("{:?}", r.severity).to_lowercase();
            rule_severity.insert(r.id.clone(), severity_rank(&name).unwrap_or(2));
        }
    }
    let mut privacy = Privacy::new(private_networks(config), private_names(config))?;
    privacy.include_private = a.include_private;
    let organisation = a
        .organisation
        .clone()
        .or_else(|| Some(config.report.organisation.clone()).filter(|o| !o.trim().is_empty()))
        .unwrap_or_else(|| "kansoku".into());
    let opts = ExportOptions {
        from,
        to,
        tenant: a.tenant.clone(),
        min_severity,
        rule_severity,
        tlp,
        organisation,
        valid_for: i64::from(a.valid_days) * 86_400_000_000,
        max_paths: a.max_paths,
        privacy,
        now: chrono::Utc::now().timestamp_micros(),
    };
    let lake = Lake::open(&config.data_dir)?;
    let rt = super::runtime()?;
    let set = rt.block_on(async {
        let ctx = super::session(config, &lake).await?;
        anyhow::Ok(kansoku_intel::collect(&ctx, &opts).await?)
    })?;
    match a.format {
        IntelExportFormat::Stix => {
            let text = serde_json::to_string_pretty(&stix::bundle(&set))?;
            write_out(&a.out, text.as_bytes())?;
        }
        IntelExportFormat::Misp => {
            let dir = a
                .out
                .as_deref()
                .context("--format misp needs --out FOLDER")?;
            let s = misp::write_feed(&set, dir)?;
            eprintln!(
                "wrote event {} ({} attributes) to {}",
                s.event_uuid,
                s.attributes,
                dir.display()
            );
        }
        IntelExportFormat::Csv => {
            let mut buf = Vec::new();
            flat::write_csv(&set, &mut buf)?;
            write_out(&a.out, &buf)?;
        }
        IntelExportFormat::Ndjson => {
            let mut buf = Vec::new();
            flat::write_ndjson(&set, &mut buf)?;
            write_out(&a.out, &buf)?;
        }
    }
    eprintln!(
        "exported {} sources, {} paths, {} tool user agents, {} leak posts (TLP:{})",
        set.sources.len(),
        set.paths.len(),
        set.agents.len(),
        set.leaks.len(),
        tlp.as_str().to_uppercase()
    );
    if !set.withheld.is_empty() {
        let w: Vec<String> = set
            .withheld
            .iter()
            .map(|(k, v)| format!("{v} × {k}"))
            .collect();
        eprintln!(
            "withheld (use --include-private to share): {}",
            w.join(", ")
        );
    }
    Ok(exit::OK)
}

fn write_out(out: &Option<std::path::PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match out.as_deref() {
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(bytes)?;
            o.write_all(b"\n")?;
        }
        Some(p) if p == Path::new("-") => std::io::stdout().write_all(bytes)?,
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display()))?,
    }
    Ok(())
}

fn import(config: &Config, a: IntelImportArgs) -> anyhow::Result<u8> {
    let format = match &a.format {
        Some(f) => Some(
            ImportFormat::parse(f)
                .with_context(|| format!("--format {f:?}: expected stix, misp or blocklist"))?,
        ),
        None => None,
    };
    let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|s| {
                parse_time(s)
                    .with_context(|| format!("{flag} {s:?}: expected YYYY-MM-DD or RFC 3339"))
            })
            .transpose()
    };
    let opts = ImportOptions {
        name: a.name.clone(),
        valid_from: time("--valid-from", &a.valid_from)?,
        expires: time("--expires", &a.expires)?,
    };
    let lake = Lake::open(&config.data_dir)?;
    let files = store::import(&lake, &a.paths, format, &opts)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&files)?);
    } else {
        for f in &files {
            let path = f.path.display();
            if let Some(e) = &f.error {
                eprintln!("{path}: FAILED: {e}");
                continue;
            }
            println!(
                "{path} ({}): {} indicators in {}; {} added, {} already in the lake; {} other entries skipped, {} malformed",
                f.format
                    .map_or("?".to_string(), |f| format!("{f:?}").to_lowercase()),
                f.indicators,
                if f.lists.is_empty() {
                    "-".to_string()
                } else {
                    f.lists.join(", ")
                },
                f.added,
                f.known,
                f.skipped,
                f.malformed
            );
            for m in &f.malformed_lines {
                println!("  malformed: {m}");
            }
        }
    }
    Ok(if files.iter().any(|f| f.error.is_some()) {
        exit::FAILURE
    } else if files.iter().any(|f| f.malformed > 0) {
        exit::REJECTED
    } else {
        exit::OK
    })
}

fn show_matches(config: &Config, a: IntelMatchesArgs) -> anyhow::Result<u8> {
    let (from, to) = period(&a.from, &a.to)?;
    let scope = Scope {
        from,
        to,
        tenant: a.tenant.clone(),
    };
    let lake = Lake::open(&config.data_dir)?;
    let index = IntelIndex::new(&store::read_indicators(&lake)?);
    let rt = super::runtime()?;
    let (rows, known) = rt.block_on(async {
        let ctx = super::session(config, &lake).await?;
        let mut rows = matches::matches(&ctx, &index, "http", &scope).await?;
        rows.extend(matches::matches(&ctx, &index, "net", &scope).await?);
        let known = matches::known_attacks(&ctx, &index, &scope).await?;
        anyhow::Ok((rows, known))
    })?;
    // JSON carries the known-attack totals beside the rows; the other forms the rows only.
    let format = a.format.get();
    if format == OutputFormat::Json {
        let v = serde_json::json!({ "matches": rows, "known_attacks": known });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(exit::OK);
    }
    crate::output::Listing {
        records: &rows,
        columns: &["table", "src_ip", "rows", "attacks", "lists"],
        row: |m| {
            vec![
                m.table.to_string(),
                m.src_ip.clone(),
                m.rows.to_string(),
                m.attacks.to_string(),
                m.lists
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        },
    }
    .print(format)?;
    if format != OutputFormat::Table {
        return Ok(exit::OK);
    }
    println!(
        "{} of {} attacks came from {} of {} sources already known to others ({} indicators loaded)",
        known.known,
        known.attacks,
        known.known_sources,
        known.sources,
        index.len()
    );
    Ok(exit::OK)
}

/// The report's intel section for a period of local days in `tz`; `None` when no
/// indicator was ever imported.
pub async fn report_section(
    ctx: &datafusion::prelude::SessionContext,
    lake: &Lake,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    tenant: Option<String>,
) -> anyhow::Result<Option<kansoku_report::model::Section>> {
    use chrono::TimeZone as _;
    let rows = store::read_indicators(lake)?;
    let lists: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.list.as_str()).collect();
    if lists.is_empty() {
        return Ok(None);
    }
    let start = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map_or(0, |t| t.timestamp_micros())
    };
    let scope = Scope {
        from: start(from),
        to: start(to.succ_opt().unwrap_or(to)),
        tenant,
    };
    let index = IntelIndex::new(&rows);
    let known = matches::known_attacks(ctx, &index, &scope).await?;
    Ok(kansoku_intel::section::intel_section(&known, lists.len()))
}

/// `kansoku intel ...`.
#[derive(Debug, Subcommand)]
pub enum IntelCommand {
    /// Share what kansoku observed in a period: STIX 2.1, a MISP feed folder, CSV or NDJSON.
    /// Internal addresses and tenant names stay out unless --include-private.
    ///
    /// Example: kansoku intel export --from 2026-09-01 --to 2026-09-30 --out sep.stix.json
    Export(IntelExportArgs),
    /// Read shared indicators (STIX 2.1 bundle, MISP feed folder or event, IP/CIDR
    /// blocklist) into the lake's `intel` table; importing again adds nothing.
    ///
    /// Example: kansoku intel import drop.txt --name spamhaus-drop --expires 2026-12-31
    Import(IntelImportArgs),
    /// The http and net rows of a period whose source a list named at the time.
    ///
    /// Example: kansoku intel matches --from 2026-09-01 --to 2026-09-30
    Matches(IntelMatchesArgs),
}

/// Output formats of `kansoku intel export`.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum IntelExportFormat {
    /// A STIX 2.1 bundle (JSON).
    #[default]
    Stix,
    /// A MISP feed folder (manifest.json, event file, hashes.csv); needs --out.
    Misp,
    /// One CSV record per indicator.
    Csv,
    /// One JSON object per line per indicator.
    Ndjson,
}

/// `kansoku intel export`.
#[derive(Debug, Args)]
pub struct IntelExportArgs {
    /// First day (YYYY-MM-DD, UTC) or instant (RFC 3339).
    #[arg(long)]
    pub from: String,
    /// Last day (inclusive) or instant (exclusive).
    #[arg(long)]
    pub to: String,
    /// Only requests with a detection of at least this severity (info, low, medium, high, critical).
    #[arg(long, value_name = "LEVEL")]
    pub min_severity: Option<String>,
    /// Only this tenant's attacks (the tenant's name is not exported).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: IntelExportFormat,
    /// Output file (folder for misp); default stdout.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// TLP marking: clear, green, amber, red.
    #[arg(long, default_value = "amber")]
    pub tlp: String,
    /// Reporting organisation [default: `[report]` organisation, else "kansoku"].
    #[arg(long)]
    pub organisation: Option<String>,
    /// Days an exported source stays valid after its last attack.
    #[arg(long, default_value_t = 30)]
    pub valid_days: u32,
    /// At most this many attack paths (the most requested).
    #[arg(long, default_value_t = 100)]
    pub max_paths: usize,
    /// Also export internal addresses and texts naming tenants.
    #[arg(long)]
    pub include_private: bool,
}

/// `kansoku intel import`.
#[derive(Debug, Args)]
pub struct IntelImportArgs {
    /// STIX bundles, MISP feed folders or event files, blocklists.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Format: stix, misp, blocklist [default: detected].
    #[arg(long)]
    pub format: Option<String>,
    /// List name (required for blocklists; default: the sharing organisation).
    #[arg(long)]
    pub name: Option<String>,
    /// Validity start where the source has none (blocklists: default the file's mtime).
    #[arg(long, value_name = "TIME")]
    pub valid_from: Option<String>,
    /// Expiry: no indicator counts after this (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub expires: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kansoku intel matches`.
#[derive(Debug, Args)]
pub struct IntelMatchesArgs {
    /// First day or instant.
    #[arg(long)]
    pub from: String,
    /// Last day (inclusive) or instant (exclusive).
    #[arg(long)]
    pub to: String,
    /// Only this tenant's rows.
    #[arg(long)]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub format: crate::cli::ListFormat,
}
