//! Batch ingest: sources → parallel parse + detect → ordered windows → lake batches with
//! per-source checkpoints.
//!
//! Threads: one reader cuts the source into chunks of whole lines; workers (one per core,
//! or one for multi-line formats) parse, attribute and match each chunk; the calling
//! thread puts results back in order, runs the windowed rules (they need time order),
//! appends to the batch and commits each batch with the source's new offset.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use kansoku_event::http::HttpBatchBuilder;
use kansoku_event::{DEFAULT_TENANT, HttpRequest, table};
use kansoku_lake::{Counts, Fingerprint, Lake, LakeError, SourceGuard};
use kansoku_parse::{Format, Parsed};
use serde::Serialize;

use crate::chunk::{Chunk, Chunker, Line};
use crate::config::Context;
use crate::rejects::{Reject, RejectWriter};
use crate::source::{self, Input};

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
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            paths: Vec::new(),
            format: None,
            tenant: None,
            batch_rows: 256 * 1024,
            threads: 0,
            progress: Arc::default(),
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
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// Source name.
    pub source: String,
    /// Format used.
    pub format: Option<String>,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
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
    let (inputs, missing) = source::expand(&opts.paths);
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
    let mut sources = Vec::new();
    for input in &inputs {
        let summary = ingest_source(lake, ctx, opts, input, &mut rejects)?;
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
    input: &Input,
    rejects: &mut RejectWriter,
) -> Result<SourceSummary, IngestError> {
    let name = input.name();
    let mut summary = SourceSummary {
        source: name.clone(),
        format: None,
        gzip: false,
        resumed_at: 0,
        counts: Counts::default(),
        detections: 0,
        status: SourceStatus::Done,
    };
    let fail = |mut s: SourceSummary, msg: String| {
        s.status = SourceStatus::Failed(msg);
        Ok(s)
    };
    let mut guard = match input {
        Input::File(path) => {
            let fp = match Fingerprint::of_file(path) {
                Ok(fp) => fp,
                Err(e) => return fail(summary, e.to_string()),
            };
            if fp.len == 0 {
                summary.status = SourceStatus::Empty;
                return Ok(summary);
            }
            Some(SourceGuard::acquire(&lake.ingest_dir(), &fp, Some(path))?)
        }
        Input::Stdin => None,
    };
    let (offset, line) = guard
        .as_ref()
        .map_or((0, 0), |g| (g.checkpoint.offset, g.checkpoint.line));
    summary.resumed_at = offset;
    let opened = match source::open(input, Arc::clone(&opts.progress.bytes)) {
        Ok(o) => o,
        Err(e) => return fail(summary, e.to_string()),
    };
    summary.gzip = opened.gzip;
    if !opened.gzip && offset > 0 && opened.size == Some(offset) {
        summary.status = SourceStatus::AlreadyIngested;
        return Ok(summary);
    }
    let mut reader = opened.reader;
    let mut head = Vec::with_capacity(HEAD);
    if let Err(e) = (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
        return fail(summary, e.to_string());
    }
    if head.is_empty() {
        summary.status = SourceStatus::Empty;
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
            if !complete {
                lines.pop();
            }
            let lines: Vec<&[u8]> = lines
                .into_iter()
                .filter(|l| !l.is_empty())
                .take(50)
                .collect();
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
                return fail(
                    summary,
                    format!(
                        "shorter ({n} bytes) than what was already ingested ({offset} bytes) although it starts the same; if it was truncated and rewritten, remove its checkpoint under {} to read it again",
                        lake.ingest_dir().display()
                    ),
                );
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
    };

    let mut seq = Sequencer {
        lake,
        guard: guard.as_mut(),
        windows: kansoku_detect::Windows::new(&ctx.rules),
        builder: HttpBatchBuilder::with_capacity(opts.batch_rows.min(1 << 20)),
        batch_rows: opts.batch_rows,
        batch_start: offset,
        stdin_batches: 0,
        pending: Counts::default(),
        summary: &mut summary,
        rejects,
        progress: &opts.progress,
        run_tag: format!(
            "{}-{}",
            chrono::Utc::now().timestamp_micros(),
            std::process::id()
        ),
    };
    let outcome = std::thread::scope(|s| {
        let (chunk_tx, chunk_rx) = sync_channel::<Result<Chunk, (u64, io::Error)>>(workers * 2);
        let (result_tx, result_rx) = sync_channel::<Done>(workers * 2);
        s.spawn(move || {
            let mut chunker = Chunker::new(stream, offset, line);
            loop {
                match chunker.next_chunk() {
                    Ok(Some(chunk)) => {
                        if chunk_tx.send(Ok(chunk)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = chunk_tx.send(Err((chunker.next_seq(), e)));
                        break;
                    }
                }
            }
        });
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        for _ in 0..workers {
            let rx = Arc::clone(&chunk_rx);
            let tx = result_tx.clone();
            let job = &job;
            s.spawn(move || job.work(&rx, &tx));
        }
        drop(result_tx);
        seq.run(result_rx)
    });
    match outcome {
        Ok(None) => {}
        Ok(Some(msg)) => summary.status = SourceStatus::Failed(msg),
        Err(e) => return Err(e),
    }
    if summary.status == SourceStatus::Done && summary.counts.lines == 0 && offset > 0 {
        summary.status = SourceStatus::AlreadyIngested;
    }
    Ok(summary)
}

/// What a worker sends back.
enum Done {
    /// A parsed chunk.
    Chunk(ChunkResult),
    /// Reading failed at this chunk sequence number.
    ReadError(u64, io::Error),
    /// Records completed at end of input (multi-line formats), after all chunks.
    Finish(ChunkResult),
}

#[derive(Default)]
struct ChunkResult {
    seq: u64,
    records: Vec<HttpRequest>,
    rejects: Vec<Reject>,
    lines: u64,
    end_offset: u64,
    last_line: u64,
    idle: bool,
}

/// What every worker of one source shares.
struct Job<'a> {
    ctx: &'a Context,
    name: &'a str,
    format: &'a Format,
    forced_tenant: bool,
    file_tenant: Option<&'a str>,
}

impl Job<'_> {
    fn work(
        &self,
        rx: &Mutex<Receiver<Result<Chunk, (u64, io::Error)>>>,
        tx: &std::sync::mpsc::SyncSender<Done>,
    ) {
        let mut parser = match self.format.parser() {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Done::ReadError(0, io::Error::other(e.to_string())));
                return;
            }
        };
        let mut matcher = self.ctx.rules.matcher();
        let mut parsed = Vec::new();
        loop {
            let msg = match rx.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => return,
            };
            let chunk = match msg {
                Ok(Ok(chunk)) => chunk,
                Ok(Err((seq, e))) => {
                    let _ = tx.send(Done::ReadError(seq, e));
                    return;
                }
                Err(_) => break,
            };
            let mut result = ChunkResult {
                seq: chunk.seq,
                end_offset: chunk.end_offset,
                last_line: chunk.last_line,
                ..ChunkResult::default()
            };
            for line in &chunk.lines {
                result.lines += 1;
                match line {
                    Line::Text(no, range) => parser.feed(&chunk.data[range.clone()], *no, &mut parsed),
                    Line::TooLong(no, len, head) => result.rejects.push(Reject::new(
                        self.name,
                        *no,
                        format!("line too long ({len} bytes; the limit is {}); its first {} bytes are kept here", kansoku_parse::MAX_LINE, head.len()),
                        head,
                    )),
                }
                self.collect(&mut parsed, &chunk, &mut result, &mut matcher);
            }
            result.idle = parser.idle();
            if tx.send(Done::Chunk(result)).is_err() {
                return;
            }
        }
        parser.finish(&mut parsed);
        if !parsed.is_empty() {
            let mut result = ChunkResult {
                idle: true,
                ..ChunkResult::default()
            };
            self.collect(&mut parsed, &Chunk::default(), &mut result, &mut matcher);
            let _ = tx.send(Done::Finish(result));
        }
    }

    fn collect(
        &self,
        parsed: &mut Vec<Parsed>,
        chunk: &Chunk,
        result: &mut ChunkResult,
        matcher: &mut kansoku_detect::Matcher,
    ) {
        for p in parsed.drain(..) {
            match p.record {
                Ok(mut req) => {
                    req.source = self.name.to_string();
                    req.source_line = p.line;
                    req.tenant = self.tenant_of(&req).to_string();
                    matcher.apply(&mut req);
                    result.records.push(req);
                }
                Err(e) => {
                    let text = chunk
                        .lines
                        .iter()
                        .find_map(|l| match l {
                            Line::Text(no, r) if *no == p.line => Some(&chunk.data[r.clone()]),
                            _ => None,
                        })
                        .unwrap_or_default();
                    result
                        .rejects
                        .push(Reject::new(self.name, p.line, e.to_string(), text));
                }
            }
        }
    }

    fn tenant_of<'a>(&'a self, req: &HttpRequest) -> &'a str {
        if self.forced_tenant {
            return self.file_tenant.unwrap_or(DEFAULT_TENANT);
        }
        self.ctx
            .tenants
            .resolve(req.host.as_deref(), req.dst_ip.as_deref(), self.file_tenant)
            .unwrap_or(DEFAULT_TENANT)
    }
}

/// Puts chunk results back in order, runs the windowed rules and commits batches.
struct Sequencer<'a> {
    lake: &'a Lake,
    guard: Option<&'a mut SourceGuard>,
    windows: kansoku_detect::Windows,
    builder: HttpBatchBuilder,
    batch_rows: usize,
    batch_start: u64,
    stdin_batches: u64,
    pending: Counts,
    summary: &'a mut SourceSummary,
    rejects: &'a mut RejectWriter,
    progress: &'a Progress,
    run_tag: String,
}

impl Sequencer<'_> {
    /// Returns `Some(message)` when reading failed part-way (what came before is committed).
    fn run(&mut self, rx: Receiver<Done>) -> Result<Option<String>, IngestError> {
        let mut waiting: BTreeMap<u64, ChunkResult> = BTreeMap::new();
        let mut next = 0u64;
        let mut finish: Vec<ChunkResult> = Vec::new();
        let mut failure: Option<(u64, String)> = None;
        let mut last = (
            self.batch_start,
            self.guard.as_ref().map_or(0, |g| g.checkpoint.line),
        );
        for done in rx {
            match done {
                Done::Chunk(r) => {
                    waiting.insert(r.seq, r);
                }
                Done::ReadError(seq, e) => {
                    failure = Some((seq, e.to_string()));
                }
                Done::Finish(r) => finish.push(r),
            }
            while let Some(r) = waiting.remove(&next) {
                if failure.as_ref().is_some_and(|(seq, _)| next >= *seq) {
                    break;
                }
                next += 1;
                last = (r.end_offset, r.last_line);
                let idle = r.idle;
                self.take(r)?;
                if idle && self.builder.len() >= self.batch_rows {
                    self.flush(last.0, last.1)?;
                }
            }
        }
        if let Some((_, msg)) = failure {
            // Commit what was read before the failure, so a rerun resumes there.
            self.flush(last.0, last.1)?;
            return Ok(Some(msg));
        }
        for r in finish {
            self.take(r)?;
        }
        self.flush(last.0, last.1)?;
        Ok(None)
    }

    fn take(&mut self, r: ChunkResult) -> Result<(), IngestError> {
        self.pending.lines += r.lines;
        self.progress.lines.fetch_add(r.lines, Ordering::Relaxed);
        for reject in &r.rejects {
            self.rejects.write(reject).map_err(IngestError::Rejects)?;
        }
        self.pending.rejected += r.rejects.len() as u64;
        for mut req in r.records {
            self.windows.observe(&mut req);
            if !req.rule_ids.is_empty() {
                self.summary.detections += 1;
            }
            self.builder.push(&req);
        }
        Ok(())
    }

    fn flush(&mut self, end_offset: u64, end_line: u64) -> Result<(), IngestError> {
        let rows = self.builder.len() as u64;
        if rows == 0 && self.pending == Counts::default() {
            return Ok(());
        }
        self.rejects.sync().map_err(IngestError::Rejects)?;
        let batch = self.builder.finish();
        let name = match &self.guard {
            Some(g) => {
                let short = g
                    .checkpoint
                    .fingerprint
                    .as_ref()
                    .map_or("source", |f| f.short());
                format!("{short}-{:016x}", self.batch_start)
            }
            None => {
                self.stdin_batches += 1;
                format!("stdin-{}-{}", self.run_tag, self.stdin_batches)
            }
        };
        self.lake
            .write_batch(table::HTTP, &name, &batch, self.guard.as_deref_mut())?;
        let mut counts = std::mem::take(&mut self.pending);
        counts.stored = rows;
        if let Some(g) = self.guard.as_deref_mut() {
            g.commit(end_offset, end_line, counts)?;
        }
        self.summary.counts += counts;
        self.batch_start = end_offset;
        Ok(())
    }
}
