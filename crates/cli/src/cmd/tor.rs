//! `kansoku tor import`: exit lists into the lake, with what each file held.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use kansoku_lake::Lake;
use kansoku_pipeline::Config;
use kansoku_pipeline::tor_import::{self, TorFileSummary};

use crate::exit;

/// `kansoku tor`.
#[derive(Debug, Subcommand)]
pub enum TorCommand {
    /// Read exit lists into the lake's `tor_exit` table (re-importing adds nothing).
    ///
    /// Example: kansoku tor import exit-addresses_2024-03-12.txt exit-list-2024-03.tar.xz
    Import(TorImportArgs),
}

/// `kansoku tor import`.
#[derive(Debug, Args)]
pub struct TorImportArgs {
    /// Exit-list files: TorDNSEL `exit-addresses`, CollecTor `.tar`/`.tar.xz`, one address
    /// per line, Onionoo `details` JSON.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Day (YYYY-MM-DD) of bulk lists whose file name has no date.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Print the per-file figures as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn import(config: &Config, args: TorImportArgs) -> anyhow::Result<u8> {
    let bulk_day = match &args.date {
        Some(d) => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .with_context(|| format!("--date {d:?}: expected YYYY-MM-DD"))?
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros(),
        ),
        None => None,
    };
    let lake = Lake::open(&config.data_dir)?;
    let files = tor_import::import(&lake, &args.paths, bulk_day)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&files)?);
    } else {
        for f in &files {
            print_file(f);
        }
    }
    let failed = files.iter().filter(|f| f.error.is_some()).count();
    Ok(if failed > 0 {
        exit::FAILURE
    } else if files.iter().any(|f| f.malformed > 0) {
        exit::REJECTED
    } else {
        exit::OK
    })
}

fn print_file(f: &TorFileSummary) {
    let path = f.path.display();
    if let Some(e) = &f.error {
        crate::output::warn(format!("{path}: FAILED: {e}"));
        return;
    }
    let format = f.format.as_deref().unwrap_or("?");
    let lists = if f.files > 1 {
        format!(", {} hourly lists", f.files)
    } else {
        String::new()
    };
    crate::output::say(format!(
        "{path} ({format}{lists}): {} relays, {} addresses ({} IPv6), {} sightings, {} malformed lines; {} intervals added, {} already in the lake",
        f.relays,
        f.addresses,
        f.ipv6_addresses,
        f.observations,
        f.malformed,
        f.intervals_added,
        f.intervals_known
    ));
    for m in &f.malformed_lines {
        crate::output::say(format!("  malformed: {m}"));
    }
}
