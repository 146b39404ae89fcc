//! Batch ingest: sources → parallel parse + detect → ordered windows → lake batches with
//! per-source checkpoints.
//!
//! Threads: one reader cuts the source into chunks of whole lines; workers (one per core,
//! or one for multi-line formats) parse, attribute and match each chunk; the calling
//! thread puts results back in order, runs the windowed rules (they need time order),
//! appends to the batch and commits each batch with the source's new offset.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use kansoku_event::{HttpRequest, NetFlow};
use kansoku_lake::{Counts, Fingerprint, Lake, LakeError, SourceGuard};
use kansoku_parse::Format;
use kansoku_parse::firewall::TimeContext;
use serde::Serialize;

use crate::config::Context;
use crate::enrichment::TorAttribution;
use crate::rejects::RejectWriter;
use crate::source::{self, Input};
use crate::threads::Run;
use crate::worker::Job;

/// Rows per lake batch by default. Smaller batches hold less memory in flight (builder,
/// batch being encoded, Parquet buffers); on `bench/ingest.sh`'s log, 64 Ki rows instead
/// of 256 Ki cut peak memory from ~530 to ~330 MB and the kernel's time zeroing fresh
/// pages from over a second to a fifth of one, while files stay large enough to scan
/// well (`lake compact` merges them further).
pub const BATCH_ROWS: usize = 64 * 1024;

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Files, folders (recursively) or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// Input format; detected per source from its first lines when `None`.
    pub format: Option<Format>,
    /// Tenant for every record, overriding the tenant map.
    pub tenant: Option<String>,
    /// Rows per lake batch (and per commit).
    pub batch_rows: usize,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Shared counters for a progress display.
    pub progress: Arc<Progress>,
    /// Bound on expansion per compressed byte (decompression bombs); 0 = none.
    pub max_gzip_ratio: u64,
    /// The files are complete, no writer appends to them any more (`--final`): a plain
    /// file's last line is read even without its newline. Otherwise those bytes are the
    /// head of a line still being written and are left for the next run. Compressed
    /// files and stdin are always read to their end.
    pub finished: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            paths: Vec::new(),
            format: None,
            tenant: None,
            batch_rows: BATCH_ROWS,
            threads: 0,
            progress: Arc::default(),
            max_gzip_ratio: source::MAX_GZIP_RATIO,
            finished: false,
        }
    }
}

/// Counters a progress display reads while ingest runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read from disk or stdin (compressed bytes for gzip).
    pub bytes: Arc<AtomicU64>,
    /// Total bytes of all file inputs (0 when unknown).
    pub total: AtomicU64,
    /// Lines processed.
    pub lines: AtomicU64,
}

/// How one source ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "message")]
pub enum SourceStatus {
    /// Read to the end.
    Done,
    /// Nothing new since the last ingest.
    AlreadyIngested,
    /// The source is empty.
    Empty,
    /// The source failed; rows committed before the failure are kept.
    Failed(String),
    /// The file starts as an ingested source but holds fewer bytes than were read from
    /// it: logrotate's copytruncate copied the log before a run read on (the bytes past
    /// the copy's end were stored from the log itself, the copy lacks them), or the file
    /// was truncated and rewritten. Nothing is read from it.
    ShorterThanRead {
        /// Its (decompressed) length.
        holds: u64,
        /// Bytes already read from the source it starts as.
        read: u64,
    },
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// Source name.
    pub source: String,
    /// Format used.
    pub format: Option<String>,
    /// How it was compressed.
    pub compression: source::Compression,
    /// Bytes after the last newline of a plain file, left for the next run (the line is
    /// still being written); 0 when none or with `finished`.
    pub held_bytes: u64,
    /// Where this run started (bytes already committed by earlier runs).
    pub resumed_at: u64,
    /// Counts of this run.
    pub counts: Counts,
    /// Records that matched at least one rule.
    pub detections: u64,
    /// How it ended.
    #[serde(flatten)]
    pub status: SourceStatus,
}

/// The end-of-run summary.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    /// Per source.
    pub sources: Vec<SourceSummary>,
    /// Sums over sources.
    pub totals: Counts,
    /// Records that matched at least one rule.
    pub detections: u64,
    /// File holding this run's rejected lines, if any.
    pub rejects_file: Option<PathBuf>,
    /// Problems the user must act on (missing files, unreadable or unrecognised sources).
    pub errors: Vec<String>,
    /// Bytes read (compressed bytes for gzip).
    pub bytes: u64,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// An ingest-level failure (per-source problems are in the summary instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The lake could not be written.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// Rejected lines could not be written.
    #[error("writing rejects: {0}")]
    Rejects(io::Error),
    /// The thread writing batches stopped unexpectedly.
    #[error("the batch writer stopped unexpectedly")]
    Writer,
}

/// Ingests every input of `opts` into `lake`.
pub fn run(lake: &Lake, ctx: &Context, opts: &IngestOptions) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let _lock = lake.lock_shared()?;
    let run_id = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id()
    );
    let mut rejects = RejectWriter::new(&lake.rejects_dir(), &run_id);
    // `kansoku ingest .` must not read the lake it writes.
    let (inputs, missing) = source::expand(&opts.paths, lake.root());
    let mut errors: Vec<String> = missing
        .iter()
        .map(|(p, e)| format!("{}: {e}", p.display()))
        .collect();
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();
    opts.progress.total.store(total, Ordering::Relaxed);
    // Once per run: every source of the run is attributed against the same lists.
    let tor = TorAttribution::load(lake, ctx.enrich.tor_window)?;
    let mut sources = Vec::new();
    for input in &inputs {
        let summary = ingest_source(lake, ctx, opts, &tor, input, &mut rejects)?;
        if let SourceStatus::Failed(msg) = &summary.status {
            errors.push(format!("{}: {msg}", summary.source));
        }
        sources.push(summary);
    }
    let mut totals = Counts::default();
    for s in &sources {
        totals += s.counts;
    }
    Ok(IngestSummary {
        detections: sources.iter().map(|s| s.detections).sum(),
        sources,
        totals,
        rejects_file: rejects.path().map(PathBuf::from),
        errors,
        bytes: opts.progress.bytes.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Bytes read ahead to recognise the format.
const HEAD: usize = 64 * 1024;

fn ingest_source(
    lake: &Lake,
    ctx: &Context,
    opts: &IngestOptions,
    tor: &TorAttribution,
    input: &Input,
    rejects: &mut RejectWriter,
) -> Result<SourceSummary, IngestError> {
    let name = input.name();
    let mut summary = SourceSummary {
        source: name.clone(),
        format: None,
        compression: source::Compression::None,
        held_bytes: 0,
        resumed_at: 0,
        counts: Counts::default(),
        detections: 0,
        status: SourceStatus::Done,
    };
    let fail = |mut s: SourceSummary, msg: String| {
        s.status = SourceStatus::Failed(msg);
        Ok(s)
    };
    let opened =
        match source::open_bounded(input, Arc::clone(&opts.progress.bytes), opts.max_gzip_ratio) {
            Ok(o) => o,
            Err(e) => return fail(summary, e.to_string()),
        };
    summary.compression = opened.compression;
    let size = opened.size;
    let mut reader = opened.reader;
    let mut head = Vec::with_capacity(HEAD);
    if let Err(e) = (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
        return fail(summary, e.to_string());
    }
    if head.is_empty() {
        summary.status = SourceStatus::Empty;
        return Ok(summary);
    }
    // A source is known by its first bytes as written, not as stored: `access.log`,
    // `access.log.1` and `access.log.2.gz` are one source with one committed offset.
    let mut guard = match input {
        Input::File(_) => Some(SourceGuard::acquire(
            &lake.ingest_dir(),
            &Fingerprint::of(&head),
            Some(&head),
        )?),
        Input::Stdin => None,
    };
    let (offset, line) = guard
        .as_ref()
        .map_or((0, 0), |g| (g.checkpoint.offset, g.checkpoint.line));
    summary.resumed_at = offset;
    // A plain file may still be written: the bytes after its last newline are left for
    // the next run, unless the caller says the files are finished.
    let hold_tail =
        matches!(input, Input::File(_)) && !summary.compression.is_compressed() && !opts.finished;
    if !summary.compression.is_compressed() && offset > 0 && size == Some(offset) {
        summary.status = SourceStatus::AlreadyIngested;
        return Ok(summary);
    }
    let format = match &opts.format {
        Some(f) => f.clone(),
        None => {
            if let Some(pos) = memchr::memchr(0, &head[..head.len().min(8192)]) {
                return fail(
                    summary,
                    format!(
                        "looks like a binary file (NUL byte at offset {pos}); pass --format if it really is a log"
                    ),
                );
            }
            let complete = head.len() < HEAD;
            let mut lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
            // The piece after the last newline is not a whole line (yet).
            if !complete || hold_tail {
                lines.pop();
            }
            let lines: Vec<&[u8]> = lines
                .into_iter()
                .filter(|l| !l.is_empty())
                .take(50)
                .collect();
            if lines.is_empty() && hold_tail {
                // Only the start of a first line so far: nothing to read yet.
                summary.held_bytes = size.unwrap_or(0).saturating_sub(offset);
                summary.status = SourceStatus::Empty;
                return Ok(summary);
            }
            match kansoku_parse::detect_format(&lines) {
                Some(f) => f,
                None => {
                    return fail(
                        summary,
                        "could not recognise the log format; pass --format or --log-format".into(),
                    );
                }
            }
        }
    };
    summary.format = Some(format.name());
    if let Some(g) = guard.as_mut() {
        g.checkpoint.format = format.name();
        if g.checkpoint.paths.last() != Some(&name) {
            g.checkpoint.paths.push(name.clone());
        }
    }
    let mut stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(reader));
    if offset > 0 {
        match io::copy(&mut (&mut stream).take(offset), &mut io::sink()) {
            Ok(n) if n == offset => {}
            Ok(n) => {
                summary.resumed_at = offset;
                summary.status = SourceStatus::ShorterThanRead {
                    holds: n,
                    read: offset,
                };
                return Ok(summary);
            }
            Err(e) => return fail(summary, e.to_string()),
        }
    }
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let workers = if format.line_oriented() { threads } else { 1 };
    let file_tenant: Option<String> = opts
        .tenant
        .clone()
        .or_else(|| ctx.tenants.by_file(&name).map(String::from));
    let job = Job {
        ctx,
        name: &name,
        format: &format,
        forced_tenant: opts.tenant.is_some(),
        file_tenant: file_tenant.as_deref(),
        clock: TimeContext {
            zone: ctx.enrich.zone,
            reference: reference_time(input),
        },
        tor,
        now: chrono::Utc::now().timestamp_micros(),
    };

    let name_prefix = guard
        .as_ref()
        .and_then(|g| g.checkpoint.fingerprint.as_ref())
        .map(|f| f.short().to_string());
    let run = Run {
        lake,
        ctx,
        opts,
        job: &job,
        workers,
        offset,
        line,
        name_prefix,
        hold_tail,
    };
    let outcome = if format.is_firewall() {
        run.pump::<NetFlow>(stream, guard.as_mut(), &mut summary, rejects)
    } else {
        run.pump::<HttpRequest>(stream, guard.as_mut(), &mut summary, rejects)
    };
    match outcome {
        Ok(None) => {}
        Ok(Some(msg)) => summary.status = SourceStatus::Failed(msg),
        Err(e) => return Err(e),
    }
    if hold_tail
        && summary.status == SourceStatus::Done
        && let (Some(size), Some(g)) = (size, guard.as_ref())
    {
        summary.held_bytes = size.saturating_sub(g.checkpoint.offset);
    }
    if summary.status == SourceStatus::Done && summary.counts.lines == 0 && offset > 0 {
        summary.status = SourceStatus::AlreadyIngested;
    }
    Ok(summary)
}

/// The newest time a source can hold, for syslog times without a year: a file's
/// modification time, else now.
fn reference_time(input: &Input) -> i64 {
    let now = chrono::Utc::now().timestamp_micros();
    match input {
        Input::File(path) => std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .map(|t| chrono::DateTime::<chrono::Utc>::from(t).timestamp_micros())
            .unwrap_or(now),
        Input::Stdin => now,
    }
}
