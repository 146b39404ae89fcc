//! `kansoku timeline`: a case's events from the lake, notes and custody log.

use anyhow::Context as _;
use kansoku_ir::case::Cases;
use kansoku_ir::time::{parse_time, parse_tz};
use kansoku_ir::timeline::{Query, build, csv, jsonl, text};
use kansoku_lake::Lake;
use kansoku_pipeline::Config;

use crate::cli::{TimelineArgs, TimelineFormat};

pub fn run(config: &Config, a: TimelineArgs) -> anyhow::Result<u8> {
    let case = Cases::new(&config.data_dir).open(&a.case)?;
    let tz = parse_tz(&a.tz)?;
    let utc = |s: &Option<String>| -> anyhow::Result<_> {
        Ok(s.as_deref()
            .map(|s| parse_time(s, tz))
            .transpose()?
            .map(|t| t.with_timezone(&chrono::Utc)))
    };
    let mut organisation = a.org.clone();
    if organisation.is_empty() && !config.report.organisation.is_empty() {
        organisation.push(config.report.organisation.clone());
    }
    let q = Query {
        from: utc(&a.from).context("--from")?,
        to: utc(&a.to).context("--to")?,
        ips: a.ip.clone(),
        organisation,
        limit: a.limit,
    };
    let lake = Lake::open(&config.data_dir)?;
    let rt = super::runtime()?;
    let tl = rt.block_on(async {
        let ctx = super::session(config, &lake).await?;
        anyhow::Ok(build(&case, &ctx, &q).await?)
    })?;
    let body = match a.format {
        TimelineFormat::Text => text(&tl, tz),
        TimelineFormat::Jsonl => jsonl(&tl.events),
        TimelineFormat::Csv => csv(&tl.events)?,
    };
    if a.format != TimelineFormat::Text {
        for n in &tl.notes {
            eprintln!("kansoku: {n}");
        }
    }
    match &a.out {
        Some(p) => std::fs::write(p, body).with_context(|| format!("writing {}", p.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(body.as_bytes())?;
        }
    }
    if let Some(p) = &a.out {
        eprintln!("wrote {} events to {}", tl.events.len(), p.display());
    }
    Ok(crate::exit::OK)
}
