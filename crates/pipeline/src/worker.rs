//! Ingest workers: parse each chunk, attribute tenants, run the stateless rules.

use std::io;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender};

use kansoku_event::{DEFAULT_TENANT, HttpRequest};
use kansoku_parse::{Format, Parsed};

use crate::chunk::{Chunk, Line};
use crate::config::Context;
use crate::rejects::Reject;

/// What a worker sends back.
pub(crate) enum Done {
    /// A parsed chunk.
    Chunk(ChunkResult),
    /// Reading failed at this chunk sequence number.
    ReadError(u64, io::Error),
    /// Records completed at end of input (multi-line formats), after all chunks.
    Finish(ChunkResult),
}

#[derive(Default)]
pub(crate) struct ChunkResult {
    pub(crate) seq: u64,
    pub(crate) records: Vec<HttpRequest>,
    pub(crate) rejects: Vec<Reject>,
    pub(crate) lines: u64,
    pub(crate) end_offset: u64,
    pub(crate) last_line: u64,
    pub(crate) idle: bool,
}

/// What every worker of one source shares.
pub(crate) struct Job<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) name: &'a str,
    pub(crate) format: &'a Format,
    pub(crate) forced_tenant: bool,
    pub(crate) file_tenant: Option<&'a str>,
}

impl Job<'_> {
    pub(crate) fn work(
        &self,
        rx: &Mutex<Receiver<Result<Chunk, (u64, io::Error)>>>,
        tx: &SyncSender<Done>,
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
                self.collect(&mut parsed, current, &chunk, &mut result, &mut matcher);
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
                &mut matcher,
            );
            let _ = tx.send(Done::Finish(result));
        }
    }

    /// Moves finished records into `result`; `current` is the line just fed, which is
    /// nearly always the one a reject is about (multi-line formats search the chunk).
    fn collect(
        &self,
        parsed: &mut Vec<Parsed>,
        current: Option<(u64, &[u8])>,
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
