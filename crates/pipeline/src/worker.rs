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
    pub(crate) records: Vec<R>,
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
}

impl Job<'_> {
    pub(crate) fn work<R: Row>(
        &self,
        rx: &Mutex<Receiver<Result<Chunk, (u64, io::Error)>>>,
        tx: &SyncSender<Done<R>>,
    ) {
        let mut parser = match R::parser(self) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Done::ReadError(0, io::Error::other(e.to_string())));
                return;
            }
        };
        let mut local = R::local(self.ctx);
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
                records: Vec::with_capacity(chunk.lines.len()),
                ..ChunkResult::default()
            };
            for line in &chunk.lines {
                result.lines += 1;
                let current = match line {
                    Line::Text(no, range) => Some((*no, &chunk.data[range.clone()])),
                    Line::TooLong(..) => None,
                };
                match line {
                    Line::Text(no, range) => parser.feed(&chunk.data[range.clone()], *no, &mut parsed),
                    Line::TooLong(no, len, head) => result.rejects.push(Reject::new(
                        self.name,
                        *no,
                        format!("line too long ({len} bytes; the limit is {}); its first {} bytes are kept here", kansoku_parse::MAX_LINE, head.len()),
                        head,
                    )),
                }
                self.collect(&mut parsed, current, &chunk, &mut result, &mut local);
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
            self.collect(
                &mut parsed,
                None,
                &Chunk::default(),
                &mut result,
                &mut local,
            );
            let _ = tx.send(Done::Finish(result));
        }
    }

    /// Moves finished records into `result`; `current` is the line just fed, which is
    /// nearly always the one a reject is about (multi-line formats search the chunk).
    fn collect<R: Row>(
        &self,
        parsed: &mut Vec<Parsed<R>>,
        current: Option<(u64, &[u8])>,
        chunk: &Chunk,
        result: &mut ChunkResult<R>,
        local: &mut R::Local,
    ) {
        for p in parsed.drain(..) {
            match p.record {
                Ok(mut rec) => {
                    rec.prepare(self, p.line, local);
                    result.records.push(rec);
                }
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
