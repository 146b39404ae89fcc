//! `kansoku report`: the observation report for a period, as HTML, Markdown, JSON or PDF.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use kansoku_analyze::{Period, ReportRequest, build_report, default_period};
use kansoku_lake::Lake;
use kansoku_pipeline::Config;
use kansoku_report::{Lang, Report};

use crate::cli::{ReportArgs, ReportFormat};

pub fn run(config: &Config, args: ReportArgs) -> anyhow::Result<u8> {
    let lake = Lake::open(&config.data_dir)?;
    let lang_name = args
        .lang
        .clone()
        .unwrap_or_else(|| config.report.lang.clone());
    let lang = Lang::parse(&lang_name)
        .with_context(|| format!("--lang {lang_name}: expected ja or en"))?;
    let tz = match args
        .tz
        .as_deref()
        .or(Some(config.report.timezone.as_str()).filter(|z| !z.is_empty()))
    {
        Some(z) => z.parse().map_err(|_| {
            anyhow::anyhow!("unknown time zone {z:?} (use an IANA name such as Asia/Tokyo)")
        })?,
        None => kansoku_analyze::period::default_tz(lang),
    };
    let rt = super::runtime()?;
    let mut report = rt.block_on(async {
        let ctx = super::session(config, &lake).await?;
        let period = match (&args.month, &args.from, &args.to) {
            (Some(m), _, _) => parse_month(m)?,
            (None, Some(f), Some(t)) => Period {
                from: parse_day(f)?,
                to: parse_day(t)?,
            },
            _ => default_period(&ctx, tz).await?.context(
                "the lake is empty: ingest logs first (kansoku ingest PATH), or try `kansoku demo`",
            )?,
        };
        if period.to < period.from {
            bail!("--to is before --from");
        }
        let mut req = ReportRequest::new(period, lang);
        req.tz = tz;
        req.tenant = args.tenant.clone();
        req.top_n = args.top.max(1);
        req.top_spikes = args.spikes.unwrap_or(config.report.spikes);
        req.title = config.report.organisation.clone();
        let mut report = build_report(&ctx, &req).await?;
        // Attacks from sources others already listed (`kansoku intel import`).
        if let Some(s) = super::intel::report_section(
            &ctx,
            &lake,
            period.from,
            period.to,
            tz,
            args.tenant.clone(),
        )
        .await?
        {
            report.sections.push(s);
        }
        anyhow::Ok(report)
    })?;
    // Section 6 (incidents by type and year) comes from the case folders, not the lake.
    let cases = kansoku_ir::case::Cases::new(&config.data_dir).list()?;
    for p in &cases.problems {
        eprintln!("kansoku: section 6 skips {p}");
    }
    if let Some(s) = kansoku_ir::section::incidents_section(cases.cases.iter().map(|c| &c.meta), tz)
    {
        report.sections.push(s);
    }
    if args.explain {
        print_queries(&report);
        return Ok(crate::exit::OK);
    }
    let format = args
        .format
        .unwrap_or_else(|| format_of(args.out.as_deref()));
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("report.{}.{}", lang.as_str(), ext(format))));
    write(&report, format, &out)?;
    if out.as_os_str() != "-" {
        eprintln!("wrote {}", out.display());
    }
    Ok(crate::exit::OK)
}

/// Renders and writes one report; `-` is stdout.
pub fn write(report: &Report, format: ReportFormat, out: &Path) -> anyhow::Result<()> {
    let text = match format {
        ReportFormat::Html | ReportFormat::Pdf => kansoku_report::render_html(report),
        ReportFormat::Md => kansoku_report::render_markdown(report),
        ReportFormat::Json => kansoku_report::render_json(report),
    };
    if format == ReportFormat::Pdf {
        return super::pdf::print(&text, out, super::pdf::TIME_LIMIT);
    }
    if out.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(());
    }
    crate::output::write_out(out, text.as_bytes())
}

fn print_queries(report: &Report) {
    for (section, queries) in report.queries() {
        println!("-- section: {section}");
        for q in queries {
            println!("{q};\n");
        }
    }
}

fn parse_day(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s:?}: expected a date as YYYY-MM-DD"))
}

fn parse_month(s: &str) -> anyhow::Result<Period> {
    let day = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .with_context(|| format!("{s:?}: expected a month as YYYY-MM"))?;
    use chrono::Datelike;
    Period::month(day.year(), day.month()).context("invalid month")
}

fn format_of(out: Option<&Path>) -> ReportFormat {
    match out.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("md") => ReportFormat::Md,
        Some("json") => ReportFormat::Json,
        Some("pdf") => ReportFormat::Pdf,
        _ => ReportFormat::Html,
    }
}

fn ext(f: ReportFormat) -> &'static str {
    match f {
        ReportFormat::Html => "html",
        ReportFormat::Md => "md",
        ReportFormat::Json => "json",
        ReportFormat::Pdf => "pdf",
    }
}
