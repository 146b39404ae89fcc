//! The ordered end of ingest: puts chunk results back in order, runs the windowed rules
//! (they need time order), and commits batches with the source's new offset.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;

use kansoku_event::http::HttpBatchBuilder;
use kansoku_event::table;
use kansoku_lake::{Counts, Lake, SourceGuard};

use crate::ingest::{IngestError, Progress, SourceSummary};
use crate::rejects::RejectWriter;
use crate::worker::{ChunkResult, Done};

/// Puts chunk results back in order, runs the windowed rules and commits batches.
pub(crate) struct Sequencer<'a> {
    pub(crate) lake: &'a Lake,
    pub(crate) guard: Option<&'a mut SourceGuard>,
    pub(crate) windows: kansoku_detect::Windows,
    pub(crate) builder: HttpBatchBuilder,
    pub(crate) batch_rows: usize,
    pub(crate) batch_start: u64,
    pub(crate) stdin_batches: u64,
    pub(crate) pending: Counts,
    pub(crate) summary: &'a mut SourceSummary,
    pub(crate) rejects: &'a mut RejectWriter,
    pub(crate) progress: &'a Progress,
    pub(crate) run_tag: String,
}

impl Sequencer<'_> {
    /// Returns `Some(message)` when reading failed part-way (what came before is committed).
    pub(crate) fn run(&mut self, rx: Receiver<Done>) -> Result<Option<String>, IngestError> {
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
