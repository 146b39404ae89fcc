//! HTTP push: `POST` a body of NDJSON or raw lines (any path), one record per line in the
//! source's format. The answer is `200` with the counts once every line is in the spool;
//! `503` with `Retry-After` while the spool is over its bound (nothing of that body was
//! kept, so the client sends it again); `413` for a body over `max_body_bytes`.
//!
//! Connections reach axum through a `Gate`: one from outside the source's allow-list is
//! closed as soon as it is accepted, before a byte is read; with `tls_cert` / `tls_key`
//! the source speaks HTTPS only, each handshake in its own task (a slow or silent client
//! holds up no other), and with `tls_client_ca` only clients with a certificate those CAs
//! signed get a request through.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;

/// A bound HTTP source.
pub struct HttpSource {
    listener: TcpListener,
    max_body: usize,
    token: Option<String>,
    tls: Option<TlsAcceptor>,
}

/// What each request sees.
struct Push {
    env: SourceEnv,
    token: Option<String>,
}

impl HttpSource {
    /// Binds the listener.
    pub async fn bind(cfg: &SourceConfig) -> Result<(HttpSource, SocketAddr), ServeError> {
        let tls = super::tls::acceptor(cfg)?;
        let (listener, local) = super::bind_tcp(cfg).await?;
        Ok((
            HttpSource {
                listener,
                max_body: cfg.max_body_bytes,
                token: cfg.token.clone(),
                tls,
            },
            local,
        ))
    }

    /// Serves until shutdown; requests in progress are finished first.
    pub async fn run(self, env: SourceEnv) {
        let stop = stopped(env.shutdown.clone());
        let app = Router::new()
            .fallback(push)
            .layer(DefaultBodyLimit::max(self.max_body))
            .with_state(Arc::new(Push {
                env: env.clone(),
                token: self.token,
            }));
        match self.tls {
            None => {
                let gate = Gate::open(self.listener, env, |s| async move { Some(s) });
                let _ = axum::serve(gate, app).with_graceful_shutdown(stop).await;
            }
            Some(acceptor) => {
                let acceptor = Arc::new(acceptor);
                let handshakes = env.clone();
                let gate = Gate::open(self.listener, env, move |s| {
                    let (acceptor, env) = (Arc::clone(&acceptor), handshakes.clone());
                    async move { super::tls::handshake(&acceptor, s, &env).await }
                });
                let _ = axum::serve(gate, app).with_graceful_shutdown(stop).await;
            }
        }
    }
}

/// The connections axum serves: those from inside the allow-list, once `wrap` (the TLS
/// handshake, or nothing) has made them ready. A task accepts and hands them over.
struct Gate<Io> {
    ready: mpsc::Receiver<(Io, SocketAddr)>,
    local: SocketAddr,
}

impl<Io: Send + 'static> Gate<Io> {
    fn open<F, Fut>(listener: TcpListener, env: SourceEnv, wrap: F) -> Gate<Io>
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = Option<Io>> + Send + 'static,
    {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            let stop = stopped(env.shutdown.clone());
            tokio::pin!(stop);
            loop {
                let (stream, peer) = tokio::select! {
                    r = listener.accept() => match r {
                        Ok((s, peer)) if env.admits(peer) => (s, peer),
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
                let _ = stream.set_nodelay(true);
                let (tx, work) = (tx.clone(), wrap(stream));
                tokio::spawn(async move {
                    if let Some(io) = work.await {
                        let _ = tx.send((io, peer)).await;
                    }
                });
            }
        });
        Gate { ready, local }
    }
}

impl<Io> axum::serve::Listener for Gate<Io>
where
    Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    type Io = Io;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Io, SocketAddr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task stopped: shutdown, which ends the serving too.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn push(
    State(push): State<Arc<Push>>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let env = &push.env;
    if let Some(token) = &push.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if !crate::dashboard::auth::constant_time_eq(given.as_bytes(), token.as_bytes()) {
            env.counters().rejected.fetch_add(1, Ordering::Relaxed);
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"kansoku\"")],
                "this source requires its token (Authorization: Bearer TOKEN)\n",
            )
                .into_response();
        }
    }
    if method != axum::http::Method::POST {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "POST NDJSON or log lines, one record per line\n",
        )
            .into_response();
    }
    let lines = body.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    if env.spool_full() {
        let n = lines.count() as u64;
        let c = env.counters();
        c.received.fetch_add(n, Ordering::Relaxed);
        c.dropped.fetch_add(n, Ordering::Relaxed);
        return busy(env, "the spool is full");
    }
    let now = now_micros();
    let mut out = Vec::with_capacity(body.len() + 64);
    let mut accepted = 0u64;
    let mut received = 0u64;
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        received += 1;
        accepted += u64::from(env.take(&mut out, line, false, now));
    }
    let c = env.counters();
    match env.append(out).await {
        Ok(()) => {
            c.accepted.fetch_add(accepted, Ordering::Relaxed);
            let body = serde_json::json!({
                "accepted": accepted,
                "rejected": received - accepted,
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                format!("{body}\n"),
            )
                .into_response()
        }
        Err(e) => {
            c.dropped.fetch_add(accepted, Ordering::Relaxed);
            busy(env, &e.to_string())
        }
    }
}

fn busy(env: &SourceEnv, why: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, env.retry_after.to_string())],
        format!("{why}; retry later\n"),
    )
        .into_response()
}
