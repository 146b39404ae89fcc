//! `kansoku demo`: the README's first command. Generates the clearly labelled synthetic
//! dataset, ingests it into a fresh lake, and writes the observation report over the
//! whole dataset in Japanese and English (HTML, Markdown, JSON).

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use chrono::Months;
use kansoku_analyze::{Period, ReportRequest, build_report};
use kansoku_demo::{DemoSpec, generate};
use kansoku_lake::Lake;
use kansoku_parse::Format;
use kansoku_pipeline::{Config, Context, IngestOptions, ingest};
use kansoku_report::Lang;

use crate::cli::{DemoArgs, ReportFormat};

/// The manifest's format name of the daily Tor exit lists.
const TOR_LIST: &str = "tor-exit-addresses";
/// The manifest's format name of the leak-post feed.
const LEAK_FEED: &str = "ransomwatch";

pub fn run(config: &Config, args: DemoArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let out = &args.out;
    let dataset = out.join("dataset");
    let data = out.join("data");
    // A fresh lake each time, so the demo always shows the same report.
    for dir in [&dataset, &data] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    let spec = DemoSpec {
        seed: args.seed,
        scale: args.scale,
        ..DemoSpec::default()
    };
    eprintln!(
        "generating the synthetic demo dataset (seed {}) in {} ...",
        spec.seed,
        dataset.display()
    );
    let manifest = generate(&dataset, &spec).context("generating the demo dataset")?;

    let lake = Lake::open(&data)?;
    // The demo's firewall: syslog in JST, servers in 192.0.2.0/26 behind eth0.
    let mut config = config.clone();
    config.firewall.timezone = "Asia/Tokyo".into();
    config.network.internal = vec!["192.0.2.0/26".into()];
    config.network.external_interfaces = vec!["eth0".into()];
    let ctx = Context::new(&config)?;
    // Tor lists first, so that ingest attributes every request and packet.
    let tor_lists: Vec<_> = manifest
        .files
        .iter()
        .filter(|f| f.format == TOR_LIST)
        .map(|f| dataset.join(&f.path))
        .collect();
    let imported = kansoku_pipeline::tor_import::import(&lake, &tor_lists, None)?;
    if let Some(e) = imported.iter().find_map(|f| f.error.as_ref()) {
        anyhow::bail!("importing the demo Tor exit lists failed: {e}");
    }
    eprintln!(
        "imported {} Tor exit lists: {} intervals",
        imported.len(),
        imported.iter().map(|f| f.intervals_added).sum::<usize>()
    );
    let (mut lines, mut stored, mut rejected) = (0, 0, 0);
    let mut skipped = Vec::new();
    for file in manifest
        .files
        .iter()
        .filter(|f| f.format != TOR_LIST && f.format != LEAK_FEED)
    {
        let Ok(format) = Format::from_name(&file.format) else {
            skipped.push(format!("{} ({})", file.path.display(), file.format));
            continue;
        };
        let opts = IngestOptions {
            paths: vec![dataset.join(&file.path)],
            format: Some(format),
            tenant: Some(file.tenant.clone()),
            // The demo's files are written whole before they are read.
            finished: true,
            ..IngestOptions::default()
        };
        let s = ingest::run(&lake, &ctx, &opts)?;
        if let Some(e) = s.errors.first() {
            anyhow::bail!("ingesting the demo data failed: {e}");
        }
        lines += s.totals.lines;
        stored += s.totals.stored;
        rejected += s.totals.rejected;
    }
    eprintln!("ingested {lines} lines: {stored} stored, {rejected} rejected");
    let leak_feeds: Vec<_> = manifest
        .files
        .iter()
        .filter(|f| f.format == LEAK_FEED)
        .map(|f| dataset.join(&f.path))
        .collect();
    super::leaks::import_demo(&lake, &leak_feeds)?;
    if !skipped.is_empty() {
        eprintln!(
            "not ingested yet (their formats arrive with later features): {} files",
            skipped.len()
        );
    }

    let from = spec.start;
    let to = from
        .checked_add_months(Months::new(spec.months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from);
    let rt = super::runtime()?;
    for lang in [Lang::Ja, Lang::En] {
        let report = rt.block_on(async {
            let ctx = super::session(&config, &lake).await?;
            let mut req = ReportRequest::new(Period { from, to }, lang);
            // The demo's customers are Japanese sites: both languages report in their time,
            // so month and day boundaries match the dataset's.
            req.tz = chrono_tz::Asia::Tokyo;
            req.title = match lang {
                Lang::Ja => "定期観測レポート（デモ・合成データ）".into(),
                Lang::En => "Periodic observation report (demo, synthetic data)".into(),
            };
            anyhow::Ok(build_report(&ctx, &req).await?)
        })?;
        if lang == Lang::Ja {
            summarise(&report);
        }
        for format in [ReportFormat::Html, ReportFormat::Md, ReportFormat::Json] {
            let ext = match format {
                ReportFormat::Html => "html",
                ReportFormat::Md => "md",
                _ => "json",
            };
            let path = out.join(format!("report.{}.{ext}", lang.as_str()));
            super::report::write(&report, format, &path)?;
        }
    }
    let shown = |p: &Path| p.display().to_string();
    eprintln!(
        "reports for {from}..{to}: {} and {} (also .md, .json), {:.1}s in all",
        shown(&out.join("report.ja.html")),
        shown(&out.join("report.en.html")),
        started.elapsed().as_secs_f64(),
    );
    Ok(crate::exit::OK)
}

fn summarise(report: &kansoku_report::Report) {
    use kansoku_report::model::Block;
    for block in report.sections.iter().flat_map(|s| &s.blocks) {
        if let Block::HourlyDetections(h) = block {
            eprintln!("spikes found: {}", h.spikes.len());
            for s in &h.spikes {
                let tenant = s.tenants.first().map_or("-", |t| t.name.as_str());
                let cats: Vec<&str> = s.categories.iter().map(|c| c.name.as_str()).collect();
                let start = chrono::DateTime::from_timestamp_micros(s.start)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                eprintln!(
                    "  {start}: peak {} per hour, tenant {tenant}, {}",
                    s.peak,
                    cats.join(", ")
                );
            }
        }
    }
}
