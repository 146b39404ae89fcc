//! `kansoku recovery`: the plan, and progress with the executive status page.

use std::path::Path;

use chrono::Utc;
use kansoku_ir::recovery::inventory::Inventory;
use kansoku_ir::recovery::status::{PageLang, Progress, page};
use kansoku_ir::recovery::{plan, render};
use kansoku_ir::time::{parse_time, parse_tz};
use kansoku_pipeline::Config;

use crate::cli::RecoveryCommand;

pub fn run(_config: &Config, cmd: RecoveryCommand) -> anyhow::Result<u8> {
    match cmd {
        RecoveryCommand::Plan {
            inventory,
            now,
            tz,
            parallel,
            json,
        } => {
            let tz = parse_tz(&tz)?;
            let mut inv = Inventory::load(&inventory)?;
            if let Some(p) = parallel {
                anyhow::ensure!(p >= 1, "--parallel must be at least 1");
                inv.settings.parallel = p;
            }
            let now = match now {
                Some(n) => parse_time(&n, tz)?,
                None => Utc::now().with_timezone(&tz).fixed_offset(),
            };
            let progress = Progress::load(&Progress::path_for(&inventory))?;
            let p = plan(&inv, now, &progress.done_ids());
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print!("{}", render::text(&p, tz));
            }
            Ok(crate::exit::OK)
        }
        RecoveryCommand::Status {
            inventory,
            done,
            now,
            tz,
            lang,
            out,
        } => {
            let tz = parse_tz(&tz)?;
            let inv = Inventory::load(&inventory)?;
            let now = match now {
                Some(n) => parse_time(&n, tz)?,
                None => Utc::now().with_timezone(&tz).fixed_offset(),
            };
            let state = Progress::path_for(&inventory);
            let mut progress = Progress::load(&state)?;
            if !done.is_empty() {
                progress.mark_done(&inv, &done, now)?;
                progress.save(&state)?;
            }
            let p = plan(&inv, now, &progress.done_ids());
            let page_lang = match lang.as_str() {
                "ja" => PageLang::Ja,
                "en" => PageLang::En,
                other => anyhow::bail!("--lang {other}: expected ja or en"),
            };
            let out = out.unwrap_or_else(|| {
                let stem = inventory
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                inventory.with_file_name(format!("{stem}.status.{lang}.html"))
            });
            write(&out, &page(&p, &progress, tz, page_lang))?;
            let back = p
                .systems
                .iter()
                .filter(|s| s.method == kansoku_ir::recovery::plan::Method::Up)
                .count();
            eprintln!(
                "{back}/{} systems back; progress in {}; wrote {}",
                p.systems.len(),
                state.display(),
                out.display()
            );
            Ok(crate::exit::OK)
        }
    }
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
