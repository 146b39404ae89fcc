//! The flusher: sealed spool segments → parse, attribute, enrich, detect → one lake batch
//! per table (`http`, and `net` for firewall sources) each, committed exactly once.
//!
//! Commit protocol (the lake's own, see `kansoku_lake::SourceGuard`): the spool is one
//! lake source whose checkpoint offset is the number of the first segment not yet in the
//! lake. For segment N: (1) the checkpoint records the batch files as pending, (2) the
//! files are written (hidden name, fsync, rename), (3) tailed files' positions (and RELP sessions' last messages) are saved,
//! (4) the checkpoint commits offset N+1, (5) the segment file is deleted. A crash before
//! (4) leaves N pending: the next start deletes its files and replays N. A crash after (4)
//! leaves a segment below the offset, which the next start deletes unread.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use kansoku_event::{HttpRequest, table};
use kansoku_lake::{Counts, Fingerprint, Lake, SourceGuard};
use kansoku_pipeline::config::Context;
use kansoku_pipeline::enrichment::TorAttribution;
use kansoku_pipeline::live::{LiveProcessor, LiveSource};
use serde::{Deserialize, Serialize};

use crate::ServeError;
use crate::metrics::Metrics;
use crate::sources::relp::resend::{self, Sent};
use crate::spool::{Sealed, record};

/// The identity of the spool among the lake's sources.
pub fn spool_fingerprint() -> Fingerprint {
    Fingerprint::of(b"kansoku serve spool")
}

/// The spool's checkpoint, locked for the life of the server.
pub fn acquire_checkpoint(lake: &Lake) -> Result<SourceGuard, ServeError> {
    let mut guard = SourceGuard::acquire(&lake.ingest_dir(), &spool_fingerprint(), None)?;
    if guard.checkpoint.paths.is_empty() {
        guard.checkpoint.paths.push("kansoku serve (spool)".into());
        guard.checkpoint.format = "serve".into();
    }
    Ok(guard)
}

/// Positions of tailed files, and what RELP sessions sent, committed with the lake, per
/// source name.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailPositions {
    /// Source name → (inode, byte offset, line).
    pub files: HashMap<String, (u64, u64, u64)>,
    /// Source name → the last messages of its recent RELP sessions.
    #[serde(default)]
    pub relp: HashMap<String, Sent>,
}

impl TailPositions {
    /// Reads `<data>/serve/tails.json` (empty when absent or unreadable).
    pub fn load(path: &std::path::Path) -> TailPositions {
        fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
}

/// The flusher's state.
pub struct Flusher {
    /// The lake.
    pub lake: Lake,
    /// The spool's checkpoint.
    pub guard: SourceGuard,
    /// Parse → detect.
    pub processor: LiveProcessor,
    /// Configured sources by name.
    pub sources: HashMap<String, LiveSource>,
    /// Where tail positions are saved.
    pub tails_path: PathBuf,
    /// Committed tail positions.
    pub tails: TailPositions,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Detected rows go to the alert engine (never blocks: a full queue drops and counts).
    pub alerts: Option<SyncSender<Vec<HttpRequest>>>,
    /// Where lines that do not parse are set aside.
    pub rejects_dir: PathBuf,
    /// Half-width of the Tor attribution window (`[enrich] tor_window_hours`).
    pub tor_window: i64,
    /// The `tor_exit` files the processor's Tor lists were read from (`None`: not read
    /// yet); when the table's files change (`kansoku tor import`, compaction), the lists
    /// are read again before the next segment.
    pub tor_files: Option<Vec<PathBuf>>,
    /// Set at shutdown: a segment that cannot be flushed then stays in the spool for the
    /// next start instead of being retried.
    pub stop: Arc<AtomicBool>,
}

/// Longest wait between two attempts at a segment that failed.
const RETRY_MAX: Duration = Duration::from_secs(2);

impl Flusher {
    /// Flushes segments as they come until the channel closes. A segment that fails (a
    /// full disk, an unwritable lake) is tried again with growing pauses while it stays
    /// in the spool; the spool fills meanwhile and the sources hold back (TCP stops
    /// reading, HTTP answers 503, UDP drops and counts) until the lake takes writes
    /// again. Exiting instead made a service manager restart the server in a loop.
    pub fn run(mut self, rx: Receiver<Sealed>) -> Result<(), ServeError> {
        for sealed in rx {
            let mut pause = Duration::from_millis(50);
            while let Err(e) = self.flush(&sealed) {
                self.metrics.flush_failures.fetch_add(1, Ordering::Relaxed);
                self.metrics.flush_failing.store(1, Ordering::Relaxed);
                if let Ok(mut last) = self.metrics.flush_error.lock() {
                    *last = e.to_string();
                }
                if self.stop.load(Ordering::Relaxed) {
                    return Err(e);
                }
                eprintln!(
                    "kansoku serve: segment {} not flushed: {e}; it stays in the spool, next try in {pause:?}",
                    sealed.seq
                );
                std::thread::sleep(pause);
                pause = (pause * 2).min(RETRY_MAX);
            }
            self.metrics.flush_failing.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Writes one segment to the lake and deletes it.
    pub fn flush(&mut self, sealed: &Sealed) -> Result<(), ServeError> {
        let started = Instant::now();
        self.reload_tor();
        let bytes = fs::read(&sealed.path).map_err(|e| ServeError::io(&sealed.path, e))?;
        let decoded = record::decode(&bytes);
        let mut counts = Counts::default();
        let mut rejects = Vec::new();
        let mut tails = self.tails.clone();
        let mut detected = Vec::new();
        // Counted once committed, so a flush that fails and is replayed counts once.
        let mut per_source: HashMap<&str, (u64, u64)> = HashMap::new();
        // Spool bytes each source gets back once the segment is in the lake.
        let mut freed: HashMap<&str, u64> = HashMap::new();
        for (at, len, why) in &decoded.skipped {
            counts.lines += 1;
            rejects.push(serde_json::json!({
                "source": sealed.path.display().to_string(),
                "line": 0,
                "reason": format!("damaged spool bytes skipped: {len} bytes at byte {at} ({why})"),
                "text": "",
            }));
        }
        for rec in &decoded.records {
            counts.lines += 1;
            *freed.entry(rec.source.as_str()).or_insert(0) += rec.encoded_len();
            let Some(src) = self.sources.get(&rec.source) else {
                rejects.push(reject(rec, "this source is no longer configured"));
                continue;
            };
            let out = self
                .processor
                .push(src, &rec.message, rec.line, rec.received);
            for (_, why) in &out.rejected {
                rejects.push(reject(rec, why));
            }
            let c = per_source.entry(rec.source.as_str()).or_insert((0, 0));
            c.0 += out.stored;
            c.1 += out.rejected.len() as u64;
            if rec.inode != 0 {
                tails
                    .files
                    .insert(rec.source.clone(), (rec.inode, rec.offset, rec.line));
            } else if let Some((session, seq)) = rec.relp() {
                tails.relp.entry(rec.source.clone()).or_default().note(
                    session,
                    seq,
                    resend::digest(rec.received, &rec.message),
                );
            }
            detected.extend(out.records);
        }
        counts.rejected = rejects.len() as u64;
        let batch = self.processor.finish_batch();
        let net = self.processor.finish_net_batch();
        counts.stored = (batch.num_rows() + net.num_rows()) as u64;
        let name = format!("serve-{:016x}", sealed.seq);
        {
            let _lock = self.lake.lock_shared()?;
            if !rejects.is_empty() {
                self.write_rejects(&name, &rejects)?;
            }
            // Firewall rows first: each table's files are pending in turn, and both
            // carry the segment's name, so a replay after a crash between the two
            // rewrites the same files instead of adding rows.
            self.lake
                .write_batch(table::NET, &name, &net, Some(&mut self.guard))?;
            self.lake
                .write_batch(table::HTTP, &name, &batch, Some(&mut self.guard))?;
            if tails != self.tails {
                save_tails(&self.tails_path, &tails)?;
                self.tails = tails;
            }
            fail::fail_point!("serve.flush.tails_saved", |_| std::process::abort());
            let line = self.guard.checkpoint.line + counts.lines;
            self.guard.commit(sealed.seq + 1, line, counts)?;
        }
        fail::fail_point!("serve.flush.committed", |_| std::process::abort());
        for (source, (stored, rejected)) in per_source {
            if let Some(m) = self.metrics.source(source) {
                m.stored.fetch_add(stored, Ordering::Relaxed);
                m.rejected.fetch_add(rejected, Ordering::Relaxed);
            }
        }
        for (source, bytes) in freed {
            if let Some(m) = self.metrics.source(source) {
                let _ = m
                    .spool_bytes
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                        Some(held.saturating_sub(bytes))
                    });
            }
        }
        match fs::remove_file(&sealed.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ServeError::io(&sealed.path, e)),
        }
        self.metrics.spool_bytes.fetch_sub(
            sealed
                .bytes
                .min(self.metrics.spool_bytes.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        self.metrics.observe_flush(started.elapsed().as_secs_f64());
        let hits: Vec<HttpRequest> = detected
            .into_iter()
            .filter(|r| !r.rule_ids.is_empty())
            .collect();
        self.metrics
            .detections
            .fetch_add(hits.len() as u64, Ordering::Relaxed);
        self.metrics.count_detections(hits.iter().map(|r| r.ts));
        if let Some(tx) = &self.alerts
            && !hits.is_empty()
            && let Err(TrySendError::Full(lost)) = tx.try_send(hits)
        {
            eprintln!(
                "kansoku serve: the alert engine is behind; {} detections not evaluated",
                lost.len()
            );
        }
        Ok(())
    }

    fn reload_tor(&mut self) {
        let Ok(files) = self.lake.files(table::TOR_EXIT) else {
            return;
        };
        if self.tor_files.as_ref() == Some(&files) {
            return;
        }
        match TorAttribution::load(&self.lake, self.tor_window) {
            Ok(tor) => {
                if self.tor_files.is_some() {
                    eprintln!(
                        "kansoku serve: the Tor exit lists changed; {} addresses now",
                        tor.addresses()
                    );
                }
                self.processor.set_tor(tor);
                self.tor_files = Some(files);
            }
            Err(e) => {
                eprintln!("kansoku serve: reading the Tor exit lists: {e}; keeping the old ones")
            }
        }
    }

    fn write_rejects(&self, name: &str, rejects: &[serde_json::Value]) -> Result<(), ServeError> {
        let path = self.rejects_dir.join(format!("{name}.ndjson"));
        let mut text = Vec::new();
        for r in rejects {
            let _ = serde_json::to_writer(&mut text, r);
            text.push(b'\n');
        }
        let mut f = fs::File::create(&path).map_err(|e| ServeError::io(&path, e))?;
        f.write_all(&text)
            .and_then(|()| f.sync_all())
            .map_err(|e| ServeError::io(&path, e))
    }
}

fn reject(rec: &record::SpoolRecord, why: &str) -> serde_json::Value {
    serde_json::json!({
        "source": rec.source,
        "line": rec.line,
        "reason": why,
        "text": String::from_utf8_lossy(&rec.message[..rec.message.len().min(4096)]),
    })
}

fn save_tails(path: &std::path::Path, tails: &TailPositions) -> Result<(), ServeError> {
    let bytes = serde_json::to_vec_pretty(tails).unwrap_or_default();
    Ok(kansoku_lake::write_atomic(path, &bytes)?)
}

/// Builds the live sources from the configuration (formats may name a
/// `[[firewall.mapping]]`).
pub fn live_sources(
    config: &crate::config::ServeConfig,
) -> Result<HashMap<String, LiveSource>, ServeError> {
    let mut out = HashMap::new();
    for s in &config.sources {
        out.insert(
            s.name.clone(),
            LiveSource {
                name: s.name.clone(),
                format: s.parsed_format(&config.firewall.mapping)?,
                tenant: s.tenant.clone(),
            },
        );
    }
    Ok(out)
}

/// A processor for the context's rules and enrichment. Its Tor lists are read by the
/// flusher before the first segment, and again whenever the lake's `tor_exit` files
/// change, so live rows are attributed as batch ingest attributes them.
pub fn processor(ctx: &Context) -> LiveProcessor {
    LiveProcessor::new(ctx)
}
