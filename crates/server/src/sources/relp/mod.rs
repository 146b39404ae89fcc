//! RELP, rsyslog's Reliable Event Logging Protocol (`omrelp` → `kind = "relp"`): every
//! message is acknowledged to the sender only once it is in the spool, so a TCP sender
//! gets the guarantee HTTP and file sources have. A message the sender saw no answer for
//! (kansoku stopped or crashed first) is sent again on the next session; those the spool
//! already held are recognised and answered without being stored twice ([`resend`]), so
//! delivery is exactly once.
//!
//! A frame is `TXNR SP COMMAND SP DATALEN [SP DATA] LF`. The session starts with `open`
//! (the offers: `relp_version`, `commands`), carries `syslog` frames, and ends with
//! `close`; every frame is answered by `TXNR rsp DATALEN CODE [SP TEXT] [LF DATA] LF`.
//! Consecutive `syslog` frames read together are spooled in one append and answered in
//! order after it. While the spool is full the connection reads nothing, so the sender's
//! window of unanswered frames fills and it waits.
//!
//! With `tls_cert` / `tls_key` the session runs inside TLS (rsyslog's `omrelp` with
//! `tls="on"`), and with `tls_client_ca` only senders with a certificate those CAs signed
//! get past the handshake ([`super::tls`]).

pub mod frame;
pub mod resend;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;
use crate::spool::record;
pub use frame::{RelpError, encode};
use frame::{answer, frame};
use resend::{Replay, Sent};

/// A bound RELP source.
pub struct Relp {
    listener: TcpListener,
    max_connections: usize,
    sessions: Sessions,
    tls: Option<TlsAcceptor>,
}

/// What the source's sessions share: what recent sessions spooled, and the last session
/// number given out.
#[derive(Clone)]
struct Sessions {
    sent: Arc<Mutex<Sent>>,
    last: Arc<AtomicU64>,
}

impl Sessions {
    /// A number for a new session: the time it opened (microseconds), made larger than
    /// every number given out or remembered, so a clock set back reuses none.
    fn open(&self) -> u64 {
        let now = now_micros().max(1) as u64;
        let prev = self
            .last
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
                Some(now.max(last + 1))
            })
            .unwrap_or(0);
        now.max(prev + 1)
    }
}

/// Bytes read at a time.
const READ: usize = 64 * 1024;

/// What the server offers in its answer to `open`.
const OFFERS: &str = "200 OK\nrelp_version=0\nrelp_software=kansoku\ncommands=syslog";

impl Relp {
    /// Binds the listener; `sent` is what the source's sessions spooled before this
    /// start (committed with the lake, plus what the spool still holds).
    pub async fn bind(cfg: &SourceConfig, sent: Sent) -> Result<(Relp, SocketAddr), ServeError> {
        let tls = super::tls::acceptor(cfg)?;
        let (listener, local) = super::bind_tcp(cfg).await?;
        let last = sent.last_session();
        Ok((
            Relp {
                listener,
                max_connections: cfg.max_connections,
                sessions: Sessions {
                    sent: Arc::new(Mutex::new(sent)),
                    last: Arc::new(AtomicU64::new(last)),
                },
                tls,
            },
            local,
        ))
    }

    /// Accepts sessions until shutdown.
    pub async fn run(self, env: SourceEnv) {
        super::accept_each(&self.listener, self.max_connections, &env, |stream| {
            let env = env.clone();
            let sessions = self.sessions.clone();
            let tls = self.tls.clone();
            async move {
                let done = match tls {
                    None => session(stream, &env, &sessions).await,
                    Some(acceptor) => match super::tls::handshake(&acceptor, stream, &env).await {
                        Some(tls_stream) => session(tls_stream, &env, &sessions).await,
                        None => Ok(()),
                    },
                };
                if let Err(why) = done {
                    env.counters().rejected.fetch_add(1, Ordering::Relaxed);
                    let cause = std::error::Error::source(&why)
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default();
                    eprintln!(
                        "kansoku serve: {}: RELP session closed: {why}{cause}",
                        env.name
                    );
                }
            }
        })
        .await;
    }
}

/// A session's state between reads.
struct Session {
    /// Its number (see [`Sessions::open`]).
    id: u64,
    /// Whether `open` was received.
    opened: bool,
    /// Where it stands against earlier sessions' messages.
    replay: Replay,
    /// Messages spooled so far.
    seq: u64,
}

/// What the frames of one read ask for.
#[derive(Default)]
struct Batch {
    /// Bytes of the buffer they took.
    used: usize,
    /// Encoded spool records of the new messages.
    spooled: Vec<u8>,
    /// Transaction numbers of the syslog frames, answered after the append.
    waiting: Vec<u64>,
    /// (number in the session, digest) of each message in `spooled`.
    noted: Vec<(u64, u128)>,
    /// Messages recognised as resent and not spooled again.
    resent: u64,
    /// Answers to other frames, sent after those to syslog frames.
    replies: Vec<u8>,
    /// `close` was received.
    close: bool,
}

impl Session {
    /// Takes the whole frames at the start of `buf`.
    fn frames(
        &mut self,
        buf: &[u8],
        env: &SourceEnv,
        sessions: &Sessions,
        now: i64,
    ) -> Result<Batch, RelpError> {
        // Room for the largest message, its header and the frame around it.
        let max_data = env.max_message + 1024;
        let sent = sessions.sent.lock().unwrap_or_else(PoisonError::into_inner);
        let mut b = Batch::default();
        while let Some((f, len)) = frame(&buf[b.used..], max_data)? {
            b.used += len;
            match f.command {
                "syslog" if self.opened => {
                    b.waiting.push(f.txnr);
                    let Some(p) = env.prepare(f.data, true, now) else {
                        continue;
                    };
                    let digest = resend::digest(p.ts, p.msg);
                    if sent.resent(self.id, &mut self.replay, digest) {
                        b.resent += 1;
                        continue;
                    }
                    self.seq += 1;
                    record::encode(
                        &mut b.spooled,
                        &env.name,
                        p.ts,
                        (0, self.id, self.seq),
                        p.msg,
                    );
                    b.noted.push((self.seq, digest));
                }
                "open" => {
                    self.opened = true;
                    answer(&mut b.replies, f.txnr, OFFERS);
                }
                "close" => {
                    answer(&mut b.replies, f.txnr, "");
                    b.close = true;
                    break;
                }
                "syslog" => answer(&mut b.replies, f.txnr, "500 no open session"),
                other => answer(
                    &mut b.replies,
                    f.txnr,
                    &format!("500 unknown command {other}"),
                ),
            }
        }
        Ok(b)
    }
}

async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    env: &SourceEnv,
    sessions: &Sessions,
) -> Result<(), RelpError> {
    let mut state = Session {
        id: sessions.open(),
        opened: false,
        replay: Replay::Start,
        seq: 0,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(READ);
    let mut partial = None;
    let stop = stopped(env.shutdown.clone());
    tokio::pin!(stop);
    loop {
        while env.spool_full() {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                () = &mut stop => return Ok(()),
            }
        }
        let start = buf.len();
        buf.resize(start + READ, 0);
        let n = tokio::select! {
            n = super::read_or_idle(&mut stream, &mut buf[start..], env.idle, partial, env) => n,
            () = &mut stop => {
                // Tell the client to stop sending; what it had no answer for, it resends.
                let _ = stream.write_all(b"0 serverclose 0\n").await;
                return Ok(());
            }
        };
        buf.truncate(start + n);
        if n == 0 {
            return Ok(());
        }
        let b = state.frames(&buf, env, sessions, now_micros())?;
        buf.drain(..b.used);
        partial = super::frame_begun(buf.len(), b.used, partial);
        let mut acks = Vec::new();
        if !b.waiting.is_empty() {
            let result = if b.spooled.is_empty() {
                Ok(())
            } else {
                env.append(b.spooled).await
            };
            let c = env.counters();
            c.resent.fetch_add(b.resent, Ordering::Relaxed);
            let taken = b.noted.len() as u64;
            let text = match &result {
                Ok(()) => {
                    c.accepted.fetch_add(taken, Ordering::Relaxed);
                    let mut sent = sessions.sent.lock().unwrap_or_else(PoisonError::into_inner);
                    for (seq, digest) in b.noted {
                        sent.note(state.id, seq, digest);
                    }
                    drop(sent);
                    // Spooled, not yet answered: the sender will send these again.
                    fail::fail_point!("relp.spooled", |_| std::process::abort());
                    "200 OK".to_string()
                }
                Err(e) => {
                    c.dropped.fetch_add(taken, Ordering::Relaxed);
                    format!("500 not stored: {e}")
                }
            };
            for txnr in b.waiting {
                answer(&mut acks, txnr, &text);
            }
        }
        acks.extend_from_slice(&b.replies);
        if !acks.is_empty() {
            stream.write_all(&acks).await.map_err(RelpError::Answer)?;
        }
        if b.close {
            return Ok(());
        }
    }
}
