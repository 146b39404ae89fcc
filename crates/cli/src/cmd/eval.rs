//! `kansoku eval DATA`: recall, false positives and cost per line over labelled corpora,
//! held to the floors of `rules/eval-floors.toml`; exit 4 below any.

use anyhow::Context as _;
use kansoku_detect::eval::floors::{self, Floors};
use kansoku_detect::eval::{LogReader, ReadLog};
use kansoku_event::HttpRequest;
use kansoku_parse::{Format, detect_format};
use kansoku_pipeline::Config;

use crate::cli::EvalArgs;

/// The production parsers, by CrowdSec log type: web-server access logs in the format
/// `ingest` would detect from their first lines (combined, common, vhost_combined);
/// nginx-proxy-manager's tests log in those formats too.
struct Parsers;

impl LogReader for Parsers {
    fn read(&self, log_type: &str, text: &str) -> Result<ReadLog, String> {
        if !matches!(log_type, "nginx" | "apache2" | "nginx-proxy-manager") {
            return Err(format!("no kansoku parser for {log_type} logs"));
        }
        let first: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
        let format = detect_format(&first).unwrap_or(Format::Combined);
        let mut parser = format.parser().map_err(|e| e.to_string())?;
        let mut parsed = Vec::new();
        for (n, line) in text.lines().enumerate() {
            parser.feed(line.as_bytes(), n as u64 + 1, &mut parsed);
        }
        parser.finish(&mut parsed);
        let mut log = ReadLog::default();
        for p in parsed {
            match p.record {
                Ok(req) => log.requests.push(HttpRequest {
                    tenant: "default".into(),
                    source_line: p.line,
                    ..req
                }),
                Err(_) => log.rejected += 1,
            }
        }
        Ok(log)
    }
}

pub fn run(config: &Config, args: &EvalArgs) -> anyhow::Result<u8> {
    let text = match &args.floors {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => floors::CHECKED_IN.to_string(),
    };
    let floors = Floors::parse(&text)?;
    let rules = super::rules::load(config)?;
    let name = args.profile.clone().unwrap_or_else(|| {
        let base = if config.detect.sigma.is_empty() {
            "builtin"
        } else {
            "sigma-web"
        };
        if rules.crs().is_some() {
            format!("{base}+crs")
        } else {
            base.into()
        }
    });
    let profile = floors.profile(&name)?;
    let report = kansoku_detect::eval::run(&rules, &args.data, &Parsers)
        .with_context(|| format!("evaluating over {}", args.data.display()))?;
    println!("{report}");
    let missed = profile.check(&report.measures());
    if missed.is_empty() {
        println!(
            "floors ({name}): all {} held",
            profile.recall.len() + profile.false_positives.len()
        );
        return Ok(crate::exit::OK);
    }
    println!("floors ({name}): {} missed", missed.len());
    for m in &missed {
        println!("  {m}");
    }
    Ok(crate::exit::BELOW_FLOOR)
}
