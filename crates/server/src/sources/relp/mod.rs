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

pub mod resend;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;
use crate::spool::record;
use resend::{Replay, Sent};

/// A bound RELP source.
pub struct Relp {
    listener: TcpListener,
    max_connections: usize,
    sessions: Sessions,
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
            },
            local,
        ))
    }

    /// Accepts sessions until shutdown.
    pub async fn run(self, env: SourceEnv) {
        super::accept_each(&self.listener, self.max_connections, &env, |stream| {
            let env = env.clone();
            let sessions = self.sessions.clone();
            async move {
                if let Err(why) = session(stream, &env, &sessions).await {
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

/// A frame as a client writes it: `TXNR COMMAND LEN [SP DATA] LF`.
pub fn encode(txnr: u64, command: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{txnr} {command} {}", data.len()).into_bytes();
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data);
    }
    out.push(b'\n');
    out
}

/// Why a byte stream is not (or no longer) a RELP session; the session is then closed.
#[derive(Debug, thiserror::Error)]
pub enum RelpError {
    /// A field of the frame header is empty.
    #[error("empty {0}")]
    Empty(&'static str),
    /// A field of the frame header is longer than it may be.
    #[error("{what} longer than {max} bytes")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its bound.
        max: usize,
    },
    /// A numeric field is not a number.
    #[error("{0} is not a number")]
    NotANumber(&'static str),
    /// The command is not a word of letters.
    #[error("the command is not a word")]
    Command,
    /// A separator or part is missing.
    #[error("no {0}")]
    Missing(&'static str),
    /// A frame announces more data than a message may have.
    #[error("a frame of {len} bytes (more than {max})")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The frame's data is not followed by its newline.
    #[error("the frame does not end with a newline")]
    NoNewline,
    /// The answers could not be sent.
    #[error("answering the client")]
    Answer(#[source] std::io::Error),
}

/// One RELP frame, borrowed from the read buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Transaction number, echoed in the answer.
    pub txnr: u64,
    /// `open`, `syslog`, `close`, …
    pub command: &'a str,
    /// The frame's data.
    pub data: &'a [u8],
}

/// The first frame in `buf` and the bytes it takes, `Ok(None)` when it is not complete
/// yet, or why the stream cannot be a RELP stream (the session is then closed).
pub fn frame(buf: &[u8], max_data: usize) -> Result<Option<(Frame<'_>, usize)>, RelpError> {
    let mut pos = 0;
    let Some(txnr) = field(buf, &mut pos, "transaction number", 9)? else {
        return Ok(None);
    };
    let txnr = number(txnr).ok_or(RelpError::NotANumber("transaction number"))?;
    if !space(buf, &mut pos) {
        return Err(RelpError::Missing("command after the transaction number"));
    }
    let Some(command) = field(buf, &mut pos, "command", 32)? else {
        return Ok(None);
    };
    let command = std::str::from_utf8(command)
        .ok()
        .filter(|c| c.bytes().all(|b| b.is_ascii_alphabetic()))
        .ok_or(RelpError::Command)?;
    if !space(buf, &mut pos) {
        return Err(RelpError::Missing("data length after the command"));
    }
    let Some(len) = field(buf, &mut pos, "data length", 9)? else {
        return Ok(None);
    };
    let len = number(len).ok_or(RelpError::NotANumber("data length"))? as usize;
    if len > max_data {
        return Err(RelpError::TooLarge { len, max: max_data });
    }
    let data = if len == 0 {
        &buf[pos..pos]
    } else {
        if pos == buf.len() {
            return Ok(None);
        }
        if !space(buf, &mut pos) {
            return Err(RelpError::Missing("data after the data length"));
        }
        let Some(data) = buf.get(pos..pos + len) else {
            return Ok(None);
        };
        pos += len;
        data
    };
    match buf.get(pos) {
        None => Ok(None),
        Some(b'\n') => Ok(Some((
            Frame {
                txnr,
                command,
                data,
            },
            pos + 1,
        ))),
        Some(_) => Err(RelpError::NoNewline),
    }
}

/// The bytes from `pos` to the next space or newline (at most `max`), moving `pos` there;
/// `Ok(None)` when the buffer ends first.
fn field<'a>(
    buf: &'a [u8],
    pos: &mut usize,
    what: &'static str,
    max: usize,
) -> Result<Option<&'a [u8]>, RelpError> {
    let rest = &buf[*pos..];
    match rest
        .iter()
        .take(max + 1)
        .position(|&b| b == b' ' || b == b'\n')
    {
        Some(0) => Err(RelpError::Empty(what)),
        Some(n) => {
            *pos += n;
            Ok(Some(&rest[..n]))
        }
        None if rest.len() > max => Err(RelpError::TooLong { what, max }),
        None => Ok(None),
    }
}

/// Steps over the space at `pos`, if there is one.
fn space(buf: &[u8], pos: &mut usize) -> bool {
    let there = buf.get(*pos) == Some(&b' ');
    if there {
        *pos += 1;
    }
    there
}

fn number(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The answer to transaction `txnr`: `TXNR rsp LEN [SP TEXT] LF`.
fn answer(out: &mut Vec<u8>, txnr: u64, text: &str) {
    if text.is_empty() {
        out.extend_from_slice(format!("{txnr} rsp 0\n").as_bytes());
    } else {
        out.extend_from_slice(format!("{txnr} rsp {} {text}\n", text.len()).as_bytes());
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
            n = super::read_or_idle(&mut stream, &mut buf[start..], env.idle, env) => n,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_across_any_split() {
        let offers = b"relp_version=0\nrelp_software=librelp,1.11.0\ncommands=syslog";
        let bytes = [
            encode(1, "open", offers),
            encode(
                2,
                "syslog",
                b"<13>Oct  1 01:00:00 web1 nginx: a line\nwith a newline",
            ),
            encode(3, "close", b""),
        ]
        .concat();
        let mut got = Vec::new();
        let mut used = 0;
        while let Some((f, n)) = frame(&bytes[used..], 1000).expect("valid") {
            got.push((f.txnr, f.command.to_string(), f.data.len()));
            used += n;
        }
        assert_eq!(used, bytes.len());
        assert_eq!(
            got,
            [
                (1, "open".into(), offers.len()),
                (2, "syslog".into(), 53),
                (3, "close".into(), 0)
            ]
        );
        for cut in 0..bytes.len() {
            // A prefix yields the frames it holds whole and waits for the rest.
            let mut used = 0;
            let mut whole = 0;
            while let Some((_, n)) = frame(&bytes[used..cut], 1000).expect("a prefix is valid") {
                used += n;
                whole += 1;
            }
            assert!(whole <= 3, "cut {cut}");
        }
    }

    #[test]
    fn hostile_frames_are_refused() {
        for bad in [
            &b"x open 0\n"[..],
            b"1 op3n 0\n",
            b"1 syslog 99999999999 a\n",
            b"1 syslog 5 <13>abc\n",
            b"1 syslog 3 abcX",
            b"1234567890123 open 0\n",
        ] {
            assert!(
                frame(bad, 1000).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(frame(b"1 syslog 2000 ", 1000).is_err(), "over the bound");
    }
}
