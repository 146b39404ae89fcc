//! Syslog over TCP, newline or octet-counting framing, detected per connection.
//!
//! Each connection reads, frames, writes the messages to the spool, and only then reads
//! again: what the server has read is what it has acknowledged at the TCP level, and while
//! the spool is over its bound the connection stops reading, so the sender's TCP window
//! closes and it slows down (backpressure without loss). At most `max_connections` are
//! served at once; one more is closed as soon as it is accepted ([`super::accept_each`]).
//!
//! With `tls_cert` / `tls_key` set the source is syslog over TLS (RFC 5425): each
//! connection first completes a TLS handshake ([`super::tls::handshake`]); a client that
//! fails it (plain TCP on the TLS port, a bad client certificate) is counted as rejected
//! and closed. With `allow` set, a connection from elsewhere is closed before that.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::AsyncRead;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;
use crate::syslog::{Frame, Framer};

/// A bound TCP source.
pub struct SyslogTcp {
    listener: TcpListener,
    max_connections: usize,
    tls: Option<TlsAcceptor>,
}

/// Bytes read at a time.
const READ: usize = 64 * 1024;

impl SyslogTcp {
    /// Binds the listener.
    pub async fn bind(cfg: &SourceConfig) -> Result<(SyslogTcp, SocketAddr), ServeError> {
        let tls = super::tls::acceptor(cfg)?;
        let (listener, local) = super::bind_tcp(cfg).await?;
        Ok((
            SyslogTcp {
                listener,
                max_connections: cfg.max_connections,
                tls,
            },
            local,
        ))
    }

    /// Accepts connections until shutdown.
    pub async fn run(self, env: SourceEnv) {
        super::accept_each(&self.listener, self.max_connections, &env, |stream| {
            let env = env.clone();
            let tls = self.tls.clone();
            async move {
                match tls {
                    None => connection(stream, env).await,
                    Some(acceptor) => {
                        if let Some(tls_stream) =
                            super::tls::handshake(&acceptor, stream, &env).await
                        {
                            connection(tls_stream, env).await;
                        }
                    }
                }
            }
        })
        .await;
    }
}

async fn connection<S: AsyncRead + Unpin>(mut stream: S, env: SourceEnv) {
    let mut framer = Framer::new(env.max_message);
    let mut buf: Vec<u8> = Vec::with_capacity(READ);
    let mut partial = None;
    let stop = stopped(env.shutdown.clone());
    tokio::pin!(stop);
    loop {
        while env.spool_full() {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                () = &mut stop => return,
            }
        }
        let start = buf.len();
        buf.resize(start + READ, 0);
        let n = tokio::select! {
            n = super::read_or_idle(&mut stream, &mut buf[start..], env.idle, partial, &env) => n,
            () = &mut stop => return,
        };
        buf.truncate(start + n);
        let eof = n == 0;
        let now = now_micros();
        let mut out = Vec::new();
        let mut taken = 0u64;
        let mut broken = false;
        let used = framer.frames(&buf, |f| match f {
            Frame::Message(m) => taken += u64::from(env.take(&mut out, m, true, now)),
            Frame::TooLong(_) => {
                let c = env.counters();
                c.received.fetch_add(1, Ordering::Relaxed);
                c.rejected.fetch_add(1, Ordering::Relaxed);
            }
            Frame::Broken => broken = true,
        });
        buf.drain(..used);
        partial = super::frame_begun(buf.len(), used, partial);
        if eof && let Some(last) = framer.finish(&buf) {
            taken += u64::from(env.take(&mut out, last, true, now));
        }
        if taken > 0 {
            let c = env.counters();
            match env.append(out).await {
                Ok(()) => c.accepted.fetch_add(taken, Ordering::Relaxed),
                Err(e) => {
                    c.dropped.fetch_add(taken, Ordering::Relaxed);
                    eprintln!("kansoku serve: {}: {e}; closing the connection", env.name);
                    return;
                }
            };
        }
        if broken {
            let c = env.counters();
            c.rejected.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "kansoku serve: {}: a length prefix is not a number; closing the connection",
                env.name
            );
            return;
        }
        if eof {
            return;
        }
    }
}
