//! `kansoku tor import`: exit lists into the lake, with what each file held.

use anyhow::Context as _;
use kansoku_lake::Lake;
use kansoku_pipeline::Config;
use kansoku_pipeline::tor_import::{self, TorFileSummary};

use crate::cli::TorImportArgs;
use crate::exit;

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
