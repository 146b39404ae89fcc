//! Ingest workers: parse each chunk, attribute tenants, enrich, run the stateless rules
//! (for `http`); the same code for every [`Row`] type.

use std::io;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use kansoku_event::DEFAULT_TENANT;
use kansoku_parse::firewall::TimeContext;
use kansoku_parse::{Format, Parsed};

use crate::chunk::{Chunk, Line};
use crate::config::Context;
use crate::enrichment::TorAttribution;
use crate::rejects::Reject;
use crate::row::Row;

/// What a worker sends back.
pub(crate) enum Done<R> {
    /// A parsed chunk.
    Chunk(ChunkResult<R>),
    /// Reading failed at this chunk sequence number.
    ReadError(u64, io::Error),
    /// Records completed at end of input (multi-line formats), after all chunks.
    Finish(ChunkResult<R>),
}

pub(crate) struct ChunkResult<R> {
    pub(crate) seq: u64,
    /// Parsed lines in order; those that failed are in `rejects` too and are skipped.
    pub(crate) records: Vec<Parsed<R>>,
    pub(crate) rejects: Vec<Reject>,
    pub(crate) lines: u64,
    pub(crate) end_offset: u64,
    pub(crate) last_line: u64,
    pub(crate) idle: bool,
}

impl<R> Default for ChunkResult<R> {
    fn default() -> Self {
        ChunkResult {
            seq: 0,
            records: Vec::new(),
            rejects: Vec::new(),
            lines: 0,
            end_offset: 0,
            last_line: 0,
            idle: false,
        }
    }
}

/// Record vectors the sequencer is done with, records still in them: a worker drops them
/// (on its own thread, in parallel, mostly into its own heap) and fills the vector again,
/// so each chunk reuses warm memory instead of touching fresh pages. At most
/// [`SPARES`] wait here, which bounds what they hold.
pub(crate) type Spares<R> = Mutex<Vec<Vec<Parsed<R>>>>;

/// Most record vectors kept for reuse.
pub(crate) const SPARES: usize = 8;

/// What every worker of one source shares.
pub(crate) struct Job<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) name: &'a str,
    pub(crate) format: &'a Format,
    pub(crate) forced_tenant: bool,
    pub(crate) file_tenant: Option<&'a str>,
    /// How firewall formats read local times.
    pub(crate) clock: TimeContext,
    /// Tor exit intervals, loaded once per run.
    pub(crate) tor: &'a TorAttribution,
    /// This machine's clock when the run started (live: when the line was received):
    /// records dated too far after it are set aside (`[time]`).
    pub(crate) now: i64,
}

impl Job<'_> {
    pub(crate) fn work<R: Row>(
        &self,
        rx: &Mutex<Receiver<Result<Chunk, (u64, io::Error)>>>,
        tx: &SyncSender<Done<R>>,
        spares: &Spares<R>,
    ) {
        let mut parser = match R::parser(self) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Done::ReadError(0, io::Error::other(e.to_string())));
                return;
            }
        };
        let mut local = R::local(self.ctx);
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
            let mut records = spares
                .lock()
                .ok()
                .and_then(|mut s| s.pop())
                .unwrap_or_default();
            records.clear();
            records.reserve(chunk.lines.len());
            let mut result = ChunkResult {
                seq: chunk.seq,
                end_offset: chunk.end_offset,
                last_line: chunk.last_line,
                records,
                ..ChunkResult::default()
            };
            for line in &chunk.lines {
                result.lines += 1;
                let current = match line {
                    Line::Text(no, range) => Some((*no, &chunk.data[range.clone()])),
                    Line::TooLong(..) => None,
                };
                // Parsers append to the chunk's own vector: records are not moved again.
                let from = result.records.len();
                match line {
                    Line::Text(no, range) => parser.feed(&chunk.data[range.clone()], *no, &mut result.records),
                    Line::TooLong(no, len, head) => result.rejects.push(Reject::new(
                        self.name,
                        *no,
                        format!("line too long ({len} bytes; the limit is {}); its first {} bytes are kept here", kansoku_parse::MAX_LINE, head.len()),
                        head,
                    )),
                }
                self.collect(from, current, &chunk, &mut result, &mut local);
            }
            result.idle = parser.idle();
            if tx.send(Done::Chunk(result)).is_err() {
                return;
            }
        }
        let mut result = ChunkResult {
            idle: true,
            ..ChunkResult::default()
        };
        parser.finish(&mut result.records);
        if !result.records.is_empty() {
            self.collect(0, None, &Chunk::default(), &mut result, &mut local);
            let _ = tx.send(Done::Finish(result));
        }
    }

    /// Prepares the records parsed since index `from` of `result.records` and turns the
    /// failures into rejects; `current` is the line just fed, which is nearly always the
    /// one a reject is about (multi-line formats search the chunk).
    fn collect<R: Row>(
        &self,
        from: usize,
        current: Option<(u64, &[u8])>,
        chunk: &Chunk,
        result: &mut ChunkResult<R>,
        local: &mut R::Local,
    ) {
        for p in &mut result.records[from..] {
            if let Ok(rec) = &p.record
                && let Some(why) = self.ctx.enrich.future_time(rec.ts(), self.now)
            {
                p.record = Err(kansoku_parse::ParseError::Timestamp(why));
            }
            match &mut p.record {
                Ok(rec) => rec.prepare(self, p.line, local),
                Err(e) => {
                    let text = match current {
                        Some((no, text)) if no == p.line => text,
                        _ => chunk
                            .lines
                            .iter()
                            .find_map(|l| match l {
                                Line::Text(no, r) if *no == p.line => Some(&chunk.data[r.clone()]),
                                _ => None,
                            })
                            .unwrap_or_default(),
                    };
                    result
                        .rejects
                        .push(Reject::new(self.name, p.line, e.to_string(), text));
                }
            }
        }
    }

    /// The tenant of a record by its host and destination address (or the file's).
    pub(crate) fn tenant_of<'a>(&'a self, host: Option<&str>, dst_ip: Option<&str>) -> &'a str {
        if self.forced_tenant {
            return self.file_tenant.unwrap_or(DEFAULT_TENANT);
        }
        self.ctx
            .tenants
            .resolve(host, dst_ip, self.file_tenant)
            .unwrap_or(DEFAULT_TENANT)
    }
}
