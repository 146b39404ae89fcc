//! Live sources. Every source module has the same shape: `bind(&SourceConfig)` opens the
//! socket or file (so that start-up fails early and bound ports are known), and `run(self,
//! SourceEnv)` takes events until shutdown, writing each to the spool before it is
//! acknowledged. To add a source: a module here with that shape, a [`SourceKind`] variant,
//! and one arm in [`crate::server`]'s start-up.
//!
//! | kind | module | acknowledgement |
//! |---|---|---|
//! | `syslog-udp` | [`syslog_udp`] | none (UDP); drops while the spool is full are counted |
//! | `syslog-tcp` | [`syslog_tcp`] (+ [`tls`] for RFC 5425) | the next read happens only after the spool has what was read |
//! | `http` | [`http`] (+ [`tls`] for HTTPS, [`gate`] for connections) | `200` after the spool has the body's lines (streamed in, never held whole); `503` + `Retry-After` while full |
//! | `file` | [`file_tail`] | the file position advances with the spool |
//! | `relp` | [`relp`] (+ [`tls`]) | each frame answered `200 OK` after the spool has it; what a sender resends after a broken session is recognised ([`relp::resend`]) |
//!
//! Every network source may restrict its senders with `allow` ([`allow`]): checked at
//! accept (TCP) or per datagram (UDP), before anything is read.
//!
//! [`SourceKind`]: crate::config::SourceKind

pub mod allow;
pub mod deadline;
pub mod file_tail;
pub mod gate;
pub mod http;
pub mod relp;
pub mod syslog_tcp;
pub mod syslog_udp;
pub mod tls;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use crate::metrics::{Metrics, SourceMetrics};
use crate::spool::{Spool, SpoolError, record};

/// What a running source needs.
#[derive(Clone)]
pub struct SourceEnv {
    /// The source's name.
    pub name: String,
    /// The spool.
    pub spool: Spool,
    /// Counters (the source's own are found by name).
    pub metrics: Arc<Metrics>,
    /// Becomes `true` when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// Longest message accepted.
    pub max_message: usize,
    /// Keep the syslog header in the spooled line: firewall formats read their time and
    /// device from it (as they do in kern.log); other formats get the message alone.
    pub keep_header: bool,
    /// Seconds a client is told to wait while the spool is full.
    pub retry_after: u32,
    /// A TCP connection silent this long is closed (zero: never).
    pub idle: std::time::Duration,
    /// Unflushed spool bytes this source may hold (`[spool] source_share`).
    pub share: u64,
    /// The senders it accepts (`allow`); `None`: every sender.
    pub allow: Option<Arc<allow::AllowList>>,
}

impl SourceEnv {
    /// This source's counters.
    pub fn counters(&self) -> &SourceMetrics {
        self.metrics
            .source(&self.name)
            .expect("counters exist for every configured source")
    }

    /// Counts one arriving message and, unless it is too long or blank, returns what is
    /// spooled of it: its time (from the syslog header when `syslog`, else `now`), its
    /// text (syslog header stripped unless [`keep_header`](Self::keep_header)) and its
    /// number among the source's messages.
    pub fn prepare<'a>(&self, raw: &'a [u8], syslog: bool, now: i64) -> Option<Prepared<'a>> {
        let c = self.counters();
        let line = c.received.fetch_add(1, Ordering::Relaxed) + 1;
        if raw.len() > self.max_message {
            c.rejected.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let (msg, ts) = if syslog {
            let m = crate::syslog::parse(raw, year_of(now));
            let msg = if self.keep_header { raw } else { m.msg };
            (msg, m.ts.unwrap_or(now))
        } else {
            (raw, now)
        };
        if msg.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(Prepared { ts, msg, line })
    }

    /// [`prepare`](Self::prepare)s a message and encodes it into `out`; returns whether
    /// it was encoded.
    pub fn take(&self, out: &mut Vec<u8>, raw: &[u8], syslog: bool, now: i64) -> bool {
        let Some(p) = self.prepare(raw, syslog, now) else {
            return false;
        };
        record::encode(out, &self.name, p.ts, (0, 0, p.line), p.msg);
        true
    }

    /// Whether this source must hold back: the spool is over its bound, or this source
    /// holds its whole share of it.
    pub fn spool_full(&self) -> bool {
        self.spool.is_full() || self.counters().spool_bytes.load(Ordering::Relaxed) >= self.share
    }

    /// Appends this source's encoded records to the spool (see [`Spool::append`]).
    pub async fn append(&self, bytes: Vec<u8>) -> Result<(), SpoolError> {
        let n = bytes.len() as u64;
        self.spool.append(bytes).await?;
        self.counters().spool_bytes.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }

    /// [`append`](Self::append) for threads outside the async runtime.
    pub fn append_blocking(&self, bytes: Vec<u8>) -> Result<(), SpoolError> {
        let n = bytes.len() as u64;
        self.spool.append_blocking(bytes)?;
        self.counters().spool_bytes.fetch_add(n, Ordering::Relaxed);
        Ok(())
    }

    /// Whether a sender at `peer` may send to this source; one that may not is counted
    /// (never logged, so a flood from outside cannot fill the log).
    pub fn admits(&self, peer: std::net::SocketAddr) -> bool {
        let ok = self.allow.as_ref().is_none_or(|a| a.permits(peer.ip()));
        if !ok {
            self.counters().denied.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// Whether shutdown was asked for.
    pub fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// A message as it is spooled.
pub struct Prepared<'a> {
    /// Its time, microseconds since the epoch, UTC.
    pub ts: i64,
    /// Its text.
    pub msg: &'a [u8],
    /// Its number among the source's messages since start.
    pub line: u64,
}

/// The current time, microseconds since the epoch, UTC.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn year_of(micros: i64) -> i32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.year())
        .unwrap_or(1970)
}

/// Binds a source's TCP listener; returns it with the address it got (port 0 → a free one).
pub async fn bind_tcp(
    cfg: &crate::config::SourceConfig,
) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), crate::ServeError> {
    let addr = cfg.addr()?;
    let bind_error = |e| crate::ServeError::Bind(cfg.name.clone(), addr.to_string(), e);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

/// Accepts connections until shutdown and runs `serve` on each, at most `max` at once. A
/// connection from outside the source's allow-list is closed at once, before anything
/// is read from it (TLS handshake included). A connection beyond that is closed as soon as it is accepted and counted: left waiting in
/// the listen queue, a flood of idle sockets would hold every real sender behind it (the
/// idle timeout, [`read_or_idle`], frees the slots they hold).
pub async fn accept_each<F, Fut>(
    listener: &tokio::net::TcpListener,
    max: usize,
    env: &SourceEnv,
    serve: F,
) where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(max.max(1)));
    let stop = stopped(env.shutdown.clone());
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, peer)) if env.admits(peer) => s,
                // Outside the allow-list: closed before a byte is read.
                Ok(_) => continue,
                Err(_) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            env.counters().refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let work = serve(stream);
        tokio::spawn(async move {
            work.await;
            drop(permit);
        });
    }
}

/// Reads into `buf`; 0 at the end of the stream, on an error, or when nothing came for
/// `idle` (counted: the connection is then closed and its slot freed). With a frame
/// begun at `partial` and not yet complete, the wait is only what is left of `idle`
/// since then (counted as slow when it runs out): a sender dripping a byte at a time
/// cannot hold its slot longer than `idle` per message. A zero `idle` waits forever.
pub async fn read_or_idle<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    idle: std::time::Duration,
    partial: Option<std::time::Instant>,
    env: &SourceEnv,
) -> usize {
    use tokio::io::AsyncReadExt as _;
    if idle.is_zero() {
        return stream.read(buf).await.unwrap_or(0);
    }
    let wait = partial.map_or(idle, |since| idle.saturating_sub(since.elapsed()));
    match tokio::time::timeout(wait, stream.read(buf)).await {
        Ok(r) => r.unwrap_or(0),
        Err(_) => {
            let c = env.counters();
            let counter = if partial.is_some() {
                &c.slow_closed
            } else {
                &c.idle_closed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            0
        }
    }
}

/// When the frame now partly in a connection's buffer began (`pending` bytes of it;
/// `framed` bytes of complete frames were just taken): kept while the buffer holds the
/// same unfinished frame, set anew when one begins, none when nothing is pending.
pub fn frame_begun(
    pending: usize,
    framed: usize,
    before: Option<std::time::Instant>,
) -> Option<std::time::Instant> {
    match (pending, before) {
        (0, _) => None,
        (_, Some(t)) if framed == 0 => Some(t),
        _ => Some(std::time::Instant::now()),
    }
}

/// Waits until `rx` says shutdown (or its sender is gone).
pub async fn stopped(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}
