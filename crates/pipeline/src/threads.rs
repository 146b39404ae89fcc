//! One source's threads, the same for every [`Row`] type: a reader cuts the stream into
//! chunks, workers parse and match them, and the calling thread runs the [`Sequencer`]
//! (which commits batches through its own committer thread). Every channel is bounded.

use std::io::{self, Read};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use kansoku_lake::{Counts, Lake, SourceGuard};

use crate::chunk::{Chunk, Chunker};
use crate::config::Context;
use crate::ingest::{IngestError, IngestOptions, SourceSummary};
use crate::rejects::RejectWriter;
use crate::row::Row;
use crate::sequencer::Sequencer;
use crate::worker::{Done, Job, Spares};

/// One source's threads, the same for every [`Row`] type.
pub(crate) struct Run<'a> {
    pub(crate) lake: &'a Lake,
    pub(crate) ctx: &'a Context,
    pub(crate) opts: &'a IngestOptions,
    pub(crate) job: &'a Job<'a>,
    pub(crate) workers: usize,
    pub(crate) offset: u64,
    pub(crate) line: u64,
    pub(crate) name_prefix: Option<String>,
    /// Leave the bytes after the last newline for the next run (a file still written).
    pub(crate) hold_tail: bool,
}

impl Run<'_> {
    /// Reader → workers → sequencer (+ committer); `Some(message)` when reading failed
    /// part-way.
    pub(crate) fn pump<R: Row>(
        self,
        stream: Box<dyn Read + Send>,
        guard: Option<&mut SourceGuard>,
        summary: &mut SourceSummary,
        rejects: &mut RejectWriter,
    ) -> Result<Option<String>, IngestError> {
        let Run {
            lake,
            ctx,
            opts,
            job,
            workers,
            offset,
            line,
            name_prefix,
            hold_tail,
        } = self;
        let spares = Spares::<R>::default();
        let mut seq = Sequencer::<R> {
            spares: &spares,
            name_prefix,
            start_line: line,
            lake,
            guard,
            ordered: R::ordered(ctx),
            // Room for a first chunk's rows; the builder grows, then each batch is sized
            // from the one before (reserving a whole batch up front touched tens of MB of
            // fresh pages before the first line was read).
            builder: R::builder(opts.batch_rows.min(8192)),
            batch_rows: opts.batch_rows,
            batch_start: offset,
            stdin_batches: 0,
            pending: Counts::default(),
            summary,
            rejects,
            progress: &opts.progress,
            run_tag: format!(
                "{}-{}",
                chrono::Utc::now().timestamp_micros(),
                std::process::id()
            ),
        };
        std::thread::scope(|s| {
            let (chunk_tx, chunk_rx) = sync_channel::<Result<Chunk, (u64, io::Error)>>(workers * 2);
            let (result_tx, result_rx) = sync_channel::<Done<R>>(workers * 2);
            s.spawn(move || {
                let mut chunker =
                    Chunker::new(stream, offset, line).holding_partial_tail(hold_tail);
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
                let spares = &spares;
                s.spawn(move || job.work::<R>(&rx, &tx, spares));
            }
            drop(result_tx);
            seq.run(result_rx)
        })
    }
}
