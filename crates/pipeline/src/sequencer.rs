//! The ordered end of ingest: puts chunk results back in order, runs the windowed rules
//! (they need time order; `http` only), and commits batches with the source's new offset.
//!
//! Encoding Parquet is the costliest step of a batch, so a committer thread writes and
//! commits one batch while the sequencer fills the next; the channel between them holds
//! at most one batch, which bounds memory at about three batches.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow_array::RecordBatch;
use kansoku_lake::{Counts, Lake, SourceGuard};

use crate::ingest::{IngestError, Progress, SourceSummary};
use crate::rejects::RejectWriter;
use crate::row::Row;
use crate::worker::{ChunkResult, Done, SPARES, Spares};

/// Puts chunk results back in order, runs the windowed rules and commits batches.
pub(crate) struct Sequencer<'a, R: Row> {
    pub(crate) lake: &'a Lake,
    pub(crate) guard: Option<&'a mut SourceGuard>,
    pub(crate) ordered: R::Ordered,
    pub(crate) builder: R::Builder,
    pub(crate) batch_rows: usize,
    pub(crate) batch_start: u64,
    pub(crate) stdin_batches: u64,
    pub(crate) pending: Counts,
    pub(crate) summary: &'a mut SourceSummary,
    pub(crate) rejects: &'a mut RejectWriter,
    pub(crate) progress: &'a Progress,
    pub(crate) run_tag: String,
    /// Batch file names start with the source's short fingerprint (`None` for stdin).
    pub(crate) name_prefix: Option<String>,
    /// Line number committed before this run.
    pub(crate) start_line: u64,
    /// Record vectors handed back to the workers.
    pub(crate) spares: &'a Spares<R>,
}

impl<R: Row> Sequencer<'_, R> {
    /// Returns `Some(message)` when reading failed part-way (what came before is committed).
    pub(crate) fn run(&mut self, rx: Receiver<Done<R>>) -> Result<Option<String>, IngestError> {
        let lake = self.lake;
        let guard = self.guard.take();
        std::thread::scope(|s| {
            let (tx, writes) = sync_channel::<Write>(1);
            let committer = s.spawn(move || commit(lake, R::TABLE, guard, writes));
            let outcome = self.sequence(rx, &tx);
            drop(tx);
            let written = committer.join().map_err(|_| IngestError::Writer)?;
            // The committer's own error explains a sequencer that could not hand it a batch.
            let written = written?;
            self.summary.counts += written;
            outcome
        })
    }

    fn sequence(
        &mut self,
        rx: Receiver<Done<R>>,
        tx: &SyncSender<Write>,
    ) -> Result<Option<String>, IngestError> {
        let mut waiting: BTreeMap<u64, ChunkResult<R>> = BTreeMap::new();
        let mut next = 0u64;
        let mut finish: Vec<ChunkResult<R>> = Vec::new();
        let mut failure: Option<(u64, String)> = None;
        let mut last = (self.batch_start, self.start_line);
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
                if idle && R::rows(&self.builder) >= self.batch_rows {
                    self.flush(tx, last.0, last.1)?;
                }
            }
        }
        if let Some((_, msg)) = failure {
            // Commit what was read before the failure, so a rerun resumes there.
            self.flush(tx, last.0, last.1)?;
            return Ok(Some(msg));
        }
        for r in finish {
            self.take(r)?;
        }
        self.flush(tx, last.0, last.1)?;
        Ok(None)
    }

    fn take(&mut self, r: ChunkResult<R>) -> Result<(), IngestError> {
        self.pending.lines += r.lines;
        self.progress.lines.fetch_add(r.lines, Ordering::Relaxed);
        for reject in &r.rejects {
            self.rejects.write(reject).map_err(IngestError::Rejects)?;
        }
        self.pending.rejected += r.rejects.len() as u64;
        let mut records = r.records;
        for rec in records.iter_mut().filter_map(|p| p.record.as_mut().ok()) {
            if rec.observe(&mut self.ordered) {
                self.summary.detections += 1;
            }
            R::push(&mut self.builder, rec);
        }
        if let Ok(mut spares) = self.spares.lock()
            && spares.len() < SPARES
        {
            spares.push(records);
        }
        Ok(())
    }

    fn flush(
        &mut self,
        tx: &SyncSender<Write>,
        end_offset: u64,
        end_line: u64,
    ) -> Result<(), IngestError> {
        let rows = R::rows(&self.builder) as u64;
        if rows == 0 && self.pending == Counts::default() {
            return Ok(());
        }
        self.rejects.sync().map_err(IngestError::Rejects)?;
        let batch = R::finish(&mut self.builder);
        let name = match &self.name_prefix {
            Some(prefix) => format!("{prefix}-{:016x}", self.batch_start),
            None => {
                self.stdin_batches += 1;
                format!("stdin-{}-{}", self.run_tag, self.stdin_batches)
            }
        };
        let mut counts = std::mem::take(&mut self.pending);
        counts.stored = rows;
        let write = Write {
            batch,
            name,
            end_offset,
            end_line,
            counts,
        };
        tx.send(write).map_err(|_| IngestError::Writer)?;
        self.batch_start = end_offset;
        Ok(())
    }
}

/// One batch for the committer.
struct Write {
    batch: RecordBatch,
    name: String,
    end_offset: u64,
    end_line: u64,
    counts: Counts,
}

/// Writes and commits batches in the order they come; returns what was committed.
fn commit(
    lake: &Lake,
    table: &str,
    mut guard: Option<&mut SourceGuard>,
    writes: Receiver<Write>,
) -> Result<Counts, IngestError> {
    let mut total = Counts::default();
    for w in writes {
        lake.write_batch(table, &w.name, &w.batch, guard.as_deref_mut())?;
        if let Some(g) = guard.as_deref_mut() {
            g.commit(w.end_offset, w.end_line, w.counts)?;
        }
        total += w.counts;
    }
    Ok(total)
}
