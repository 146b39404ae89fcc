//! The durable spool: append-only segment files under `<data>/spool/` that hold every
//! accepted event until it is in the lake.
//!
//! Sources encode their events ([`record::encode`]) and hand the bytes to [`Spool::append`];
//! one writer thread appends whatever is waiting to the open segment, calls fsync once for
//! all of it (group commit, `fsync = "always"`), and only then answers each waiting source,
//! which only then acknowledges (TCP: reads on; HTTP: 200). A segment is sealed when it
//! reaches `segment_bytes` or its first event is `flush_after_ms` old, and handed to the
//! flusher ([`crate::flush`]), which deletes it once its rows are committed to the lake.
//!
//! The spool's size (bytes of segments not yet flushed) is the backpressure signal: above
//! `max_bytes` the sources stop taking events ([`Spool::is_full`]).

pub mod record;
mod recover;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::config::{FsyncPolicy, SpoolConfig};
use crate::metrics::Metrics;

pub use recover::{Recovered, recover};

/// A closed segment, ready to flush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Segment number (increasing).
    pub seq: u64,
    /// Its file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Events of one append, already encoded.
struct Append {
    bytes: Vec<u8>,
    reply: oneshot::Sender<Result<(), SpoolError>>,
}

/// The spool's handle; cheap to clone, shared by every source.
#[derive(Clone)]
pub struct Spool {
    tx: Sender<Append>,
    metrics: Arc<Metrics>,
    max_bytes: u64,
}

/// The file name of segment `seq`.
pub fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("seg-{seq:016}.spool"))
}

impl Spool {
    /// Starts the writer thread; new segments are numbered from `next_seq`. Sealed
    /// segments go to `sealed`. The thread ends when every handle is dropped, after
    /// sealing the open segment.
    pub fn start(
        dir: PathBuf,
        next_seq: u64,
        config: &SpoolConfig,
        metrics: Arc<Metrics>,
        sealed: Sender<Sealed>,
    ) -> (Spool, std::thread::JoinHandle<()>) {
        let (tx, rx) = channel();
        let writer = Writer {
            dir,
            seq: next_seq,
            open: None,
            fsync: config.fsync,
            segment_bytes: config.segment_bytes,
            max_age: Duration::from_millis(config.flush_after_ms.max(1)),
            metrics: Arc::clone(&metrics),
            sealed,
        };
        let handle = std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || writer.run(rx))
            .expect("spawning the spool writer thread");
        (
            Spool {
                tx,
                metrics,
                max_bytes: config.max_bytes,
            },
            handle,
        )
    }

    /// Whether the unflushed spool is over its bound: sources must hold back.
    pub fn is_full(&self) -> bool {
        self.metrics.spool_bytes.load(Ordering::Relaxed) >= self.max_bytes
    }

    /// Appends encoded records; resolves once they are on disk (per the fsync policy).
    pub async fn append(&self, bytes: Vec<u8>) -> Result<(), SpoolError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.submit(bytes)?.await.map_err(|_| SpoolError::Stopped)?
    }

    /// The same for threads outside the async runtime (file tailing).
    pub fn append_blocking(&self, bytes: Vec<u8>) -> Result<(), SpoolError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.submit(bytes)?
            .blocking_recv()
            .map_err(|_| SpoolError::Stopped)?
    }

    fn submit(
        &self,
        bytes: Vec<u8>,
    ) -> Result<oneshot::Receiver<Result<(), SpoolError>>, SpoolError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Append { bytes, reply })
            .map_err(|_| SpoolError::Stopped)?;
        Ok(rx)
    }
}

/// Why an append did not reach the spool (its events are not acknowledged).
#[derive(Debug, Clone, thiserror::Error)]
pub enum SpoolError {
    /// The writer thread is gone (the server is stopping).
    #[error("the spool writer stopped")]
    Stopped,
    /// Writing or syncing the segment failed (a full disk); the partial write was cut off.
    #[error("writing the spool: {0}")]
    Write(#[source] Arc<std::io::Error>),
}

struct Open {
    file: File,
    path: PathBuf,
    bytes: u64,
    since: Instant,
}

struct Writer {
    dir: PathBuf,
    seq: u64,
    open: Option<Open>,
    fsync: FsyncPolicy,
    segment_bytes: u64,
    max_age: Duration,
    metrics: Arc<Metrics>,
    sealed: Sender<Sealed>,
}

/// Bytes gathered into one write + fsync at most.
const GROUP_BYTES: usize = 8 << 20;

impl Writer {
    fn run(mut self, rx: Receiver<Append>) {
        loop {
            let wait = match &self.open {
                Some(o) => self.max_age.saturating_sub(o.since.elapsed()),
                None => Duration::from_secs(3600),
            };
            let first = match rx.recv_timeout(wait) {
                Ok(a) => a,
                Err(RecvTimeoutError::Timeout) => {
                    self.seal();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut group = vec![first];
            let mut size = group[0].bytes.len();
            while size < GROUP_BYTES {
                match rx.try_recv() {
                    Ok(a) => {
                        size += a.bytes.len();
                        group.push(a);
                    }
                    Err(_) => break,
                }
            }
            let result = self
                .write(&group)
                .map_err(|e| SpoolError::Write(Arc::new(e)));
            fail::fail_point!("spool.append.synced", |_| std::process::abort());
            for a in group {
                let _ = a.reply.send(result.clone());
            }
            fail::fail_point!("spool.append.acked", |_| std::process::abort());
            if self
                .open
                .as_ref()
                .is_some_and(|o| o.bytes >= self.segment_bytes || o.since.elapsed() >= self.max_age)
            {
                self.seal();
            }
        }
        self.seal();
    }

    fn write(&mut self, group: &[Append]) -> std::io::Result<()> {
        if self.open.is_none() {
            let path = segment_path(&self.dir, self.seq);
            let mut file = File::options().create_new(true).append(true).open(&path)?;
            file.write_all(record::MAGIC)?;
            sync_dir(&self.dir);
            self.metrics
                .spool_bytes
                .fetch_add(record::MAGIC.len() as u64, Ordering::Relaxed);
            self.open = Some(Open {
                file,
                path,
                bytes: record::MAGIC.len() as u64,
                since: Instant::now(),
            });
        }
        let open = self.open.as_mut().expect("opened above");
        let mut written = 0u64;
        let fsync = self.fsync;
        let result = (|| {
            for a in group {
                open.file.write_all(&a.bytes)?;
                written += a.bytes.len() as u64;
            }
            fail::fail_point!("spool.append.written", |_| std::process::abort());
            if fsync == FsyncPolicy::Always {
                open.file.sync_data()?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            // Cut a partial write off (disk full), so later records stay readable.
            let _ = open.file.set_len(open.bytes);
            return Err(e);
        }
        open.bytes += written;
        self.metrics
            .spool_bytes
            .fetch_add(written, Ordering::Relaxed);
        Ok(())
    }

    fn seal(&mut self) {
        let Some(open) = self.open.take() else { return };
        let _ = open.file.sync_all();
        fail::fail_point!("spool.segment.sealing", |_| std::process::abort());
        let _ = self.sealed.send(Sealed {
            seq: self.seq,
            path: open.path,
            bytes: open.bytes,
        });
        self.seq += 1;
    }
}

/// A segment's creation must survive a crash too, or its events would vanish with it.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
