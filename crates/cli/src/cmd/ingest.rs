//! `kansoku ingest`: read logs into the lake, with a progress bar on a terminal and a
//! summary at the end (read / stored / rejected / where).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use kansoku_lake::Lake;
use kansoku_parse::Format;
use kansoku_pipeline::ingest::{self, IngestSummary, SourceStatus};
use kansoku_pipeline::{Config, Context, IngestOptions, Progress};

use crate::cli::IngestArgs;
use crate::exit;

pub fn run(config: &Config, args: IngestArgs) -> anyhow::Result<u8> {
    let ctx = Context::new(config)?;
    let format = match (&args.format, &args.log_format) {
        (Some(name), _) => Some(ctx.enrich.format(name)?),
        (None, Some(fmt)) => Some(Format::from_log_format(fmt)?),
        (None, None) => None,
    };
    for w in &ctx.rule_warnings {
        eprintln!("warning: {w}");
    }
    let lake = Lake::open(&config.data_dir)?;
    let progress = Arc::new(Progress::default());
    let opts = IngestOptions {
        paths: args.paths,
        format,
        tenant: args.tenant,
        batch_rows: args.batch_rows.max(1),
        threads: args.threads,
        progress: Arc::clone(&progress),
        max_gzip_ratio: args.max_gzip_ratio,
        finished: args.finished,
    };
    let bar = show_progress(&progress);
    let summary = ingest::run(&lake, &ctx, &opts).context("ingest")?;
    if let Some((bar, stop)) = bar {
        stop.store(true, Ordering::Relaxed);
        let _ = bar.join();
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary, &lake);
    }
    Ok(if !summary.errors.is_empty() {
        exit::FAILURE
    } else if summary.totals.rejected > 0 {
        exit::REJECTED
    } else {
        exit::OK
    })
}

type Bar = (
    std::thread::JoinHandle<()>,
    Arc<std::sync::atomic::AtomicBool>,
);

/// A progress bar on stderr when it is a terminal; nothing otherwise.
fn show_progress(progress: &Arc<Progress>) -> Option<Bar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (p, s) = (Arc::clone(progress), Arc::clone(&stop));
    let handle = std::thread::spawn(move || {
        let bar = indicatif::ProgressBar::new(p.total.load(Ordering::Relaxed).max(1));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg} ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let started = std::time::Instant::now();
        while !s.load(Ordering::Relaxed) {
            bar.set_length(p.total.load(Ordering::Relaxed).max(1));
            bar.set_position(p.bytes.load(Ordering::Relaxed));
            let lines = p.lines.load(Ordering::Relaxed);
            bar.set_message(format!(
                "{:.0} lines/s",
                lines as f64 / started.elapsed().as_secs_f64().max(0.001)
            ));
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
    });
    Some((handle, stop))
}

fn print_summary(s: &IngestSummary, lake: &Lake) {
    for src in &s.sources {
        let state = match &src.status {
            SourceStatus::Done => String::new(),
            SourceStatus::AlreadyIngested => " (already ingested, nothing new)".into(),
            SourceStatus::Empty => " (empty)".into(),
            SourceStatus::Failed(m) => format!(" FAILED: {m}"),
            SourceStatus::ShorterThanRead { holds, read } => format!(
                " (holds {holds} bytes, {} fewer than were read from the log it starts as: a copy logrotate's copytruncate made before a run read on; the {} bytes it lacks are stored; if the file was truncated and rewritten instead, remove its checkpoint under {} to read it again)",
                read - holds,
                read - holds,
                lake.ingest_dir().display()
            ),
        };
        let resumed = if src.resumed_at > 0 && src.counts.lines > 0 {
            format!(", resumed at byte {}", src.resumed_at)
        } else {
            String::new()
        };
        let held = if src.held_bytes > 0 {
            format!(
                "; {} bytes after the last newline left for the next run (a line still being written; --final reads it)",
                src.held_bytes
            )
        } else {
            String::new()
        };
        crate::output::warn(format!(
            "{}: {} lines, {} stored, {} rejected, {} detections{resumed}{state}{held}",
            src.source, src.counts.lines, src.counts.stored, src.counts.rejected, src.detections
        ));
    }
    let t = &s.totals;
    let mb = s.bytes as f64 / 1e6;
    eprintln!(
        "read {} lines ({mb:.1} MB) in {:.2}s ({:.0} lines/s, {:.1} MB/s): stored {}, rejected {}, detections {}; lake: {}",
        t.lines,
        s.seconds,
        t.lines as f64 / s.seconds.max(1e-9),
        mb / s.seconds.max(1e-9),
        t.stored,
        t.rejected,
        s.detections,
        lake.root().display()
    );
    if let Some(path) = &s.rejects_file {
        eprintln!(
            "rejected lines (with source, line number and reason): {}",
            path.display()
        );
    }
    for e in &s.errors {
        crate::output::warn(format!("error: {e}"));
    }
}
