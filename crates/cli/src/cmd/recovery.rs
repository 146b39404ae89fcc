//! `kansoku recovery`: the plan, and progress with the executive status page.

use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::Subcommand;
use kansoku_ir::recovery::inventory::Inventory;
use kansoku_ir::recovery::status::{PageLang, Progress, page};
use kansoku_ir::recovery::{plan, render};
use kansoku_ir::time::{parse_time, parse_tz};
use kansoku_pipeline::Config;

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

/// `kansoku recovery ...`.
#[derive(Debug, Subcommand)]
pub enum RecoveryCommand {
    /// The plan: order, restore or rebuild, ETAs, warnings, stops, contacts.
    ///
    /// Example: kansoku recovery plan inventory.toml --now "2026-10-03 09:00" --parallel 3
    Plan {
        /// The inventory (TOML).
        inventory: PathBuf,
        /// The time to plan from [default: now]; local in --tz unless an offset is given.
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Time zone for input and output times.
        #[arg(long, default_value = "Asia/Tokyo")]
        tz: String,
        /// Systems worked on at once, overriding settings.parallel.
        #[arg(long, value_name = "N")]
        parallel: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record systems as back and write the executive status page.
    ///
    /// Example: kansoku recovery status inventory.toml --done ad --done net --lang ja
    Status {
        /// The inventory (TOML); progress goes to INVENTORY.state.toml beside it.
        inventory: PathBuf,
        /// Systems now back; repeatable.
        #[arg(long, value_name = "SYSTEM")]
        done: Vec<String>,
        /// The time [default: now].
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Time zone.
        #[arg(long, default_value = "Asia/Tokyo")]
        tz: String,
        /// Page language: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Output page [default: INVENTORY.status.LANG.html].
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}
