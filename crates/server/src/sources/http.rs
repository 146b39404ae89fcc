//! HTTP push: `POST` a body of NDJSON or raw lines (any path), one record per line in the
//! source's format. The body is streamed into the spool as it arrives, a batch of lines
//! at a time, never held whole. Answers:
//!
//! * `200` with the counts once every line is in the spool;
//! * `503` with `Retry-After` when the request arrives while the spool (or this source's
//!   share of it) is over its bound: nothing of that body is read or kept, so the client
//!   sends it again. The bound is checked when a request starts; a body begun below it
//!   is taken whole (the spool may overshoot by what the open requests carry, each at most
//!   `max_body_bytes`), since answering 503 halfway would leave its first lines stored
//!   and the client, sending it all again, would store them twice;
//! * `413` for a body over `max_body_bytes`: at once, before reading, when its
//!   `Content-Length` says so;
//! * `408` when the body does not arrive whole within `body_timeout_secs` (the
//!   connection is then closed).
//!
//! A body cut short after lines were spooled (a chunked body found over
//! `max_body_bytes`, the body timeout, a spool write error, the connection lost) keeps
//! the complete lines read before the cut, and the answer (`413`, `408`, `503`) says how
//! many in its JSON `accepted`, so a client that resends from there stores nothing twice.
//!
//! Connections go through the shared HTTP gate ([`super::gate`]): allow-list, connection
//! cap, header, body and idle timeouts, shutdown deadline. With `tls_cert` / `tls_key` the
//! source speaks HTTPS only, each handshake in its connection's task (a slow or silent
//! client holds up no other), and with `tls_client_ca` only clients with a certificate
//! those CAs signed get a request through.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::gate::{Conn, Counters, HttpListener, Limits};
use super::{SourceEnv, now_micros};
use crate::ServeError;
use crate::config::SourceConfig;

/// A bound HTTP source.
pub struct HttpSource {
    listener: TcpListener,
    max_body: usize,
    token: Option<String>,
    tls: Option<TlsAcceptor>,
    limits: Limits,
}

/// What each request sees.
struct Push {
    env: SourceEnv,
    token: Option<String>,
    max_body: usize,
}

/// Encoded records gathered before they are handed to the spool.
const BATCH: usize = 256 * 1024;

impl HttpSource {
    /// Binds the listener; `shutdown` is the deadline for requests in progress at
    /// shutdown (`shutdown_timeout_secs`).
    pub async fn bind(
        cfg: &SourceConfig,
        shutdown: Duration,
    ) -> Result<(HttpSource, SocketAddr), ServeError> {
        let tls = super::tls::acceptor(cfg)?;
        let (listener, local) = super::bind_tcp(cfg).await?;
        Ok((
            HttpSource {
                listener,
                max_body: cfg.max_body_bytes,
                token: cfg.token.clone(),
                tls,
                limits: Limits {
                    max_connections: cfg.max_connections,
                    header: Duration::from_secs(cfg.header_timeout_secs),
                    body: Duration::from_secs(cfg.body_timeout_secs),
                    idle: Duration::from_secs(cfg.idle_timeout_secs),
                    shutdown,
                },
            },
            local,
        ))
    }

    /// Serves until shutdown; requests in progress are finished first, within the
    /// shutdown deadline.
    pub async fn run(self, env: SourceEnv) {
        let app = Router::new().fallback(push).with_state(Arc::new(Push {
            env: env.clone(),
            token: self.token,
            max_body: self.max_body,
        }));
        let counters = Counters::source(Arc::clone(&env.metrics), &env.name);
        let stop = env.shutdown.clone();
        let admit = {
            let env = env.clone();
            move |peer: SocketAddr| env.admits(peer)
        };
        let name = format!("source {:?}", env.name);
        let tls = self.tls.map(Arc::new);
        HttpListener {
            listener: self.listener,
            app,
            limits: self.limits,
            counters,
            admit,
            wrap: move |s: TcpStream| {
                let (tls, env) = (tls.clone(), env.clone());
                async move {
                    match tls {
                        None => Some(Box::new(s) as Conn),
                        Some(acceptor) => super::tls::handshake(&acceptor, s, &env)
                            .await
                            .map(|t| Box::new(t) as Conn),
                    }
                }
            },
            name,
        }
        .run(stop)
        .await;
    }
}

async fn push(
    State(push): State<Arc<Push>>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    body: Body,
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
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > push.max_body as u64) {
        return too_large(env, &Taken::default());
    }
    if env.spool_full() {
        // Not read: its lines are unknown (so not counted) and the client sends them again.
        return busy(env, "the spool is full", None);
    }
    let mut taken = Taken::default();
    match stream_in(env, body, push.max_body, &mut taken).await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            taken.json(None),
        )
            .into_response(),
        Err(Cut::TooLarge) => too_large(env, &taken),
        Err(Cut::Spool(why)) => busy(env, &why, Some(&taken)),
        Err(Cut::TimedOut) => (
            StatusCode::REQUEST_TIMEOUT,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CONNECTION, "close"),
            ],
            taken.json(Some("the body did not arrive within body_timeout_secs")),
        )
            .into_response(),
        Err(Cut::Broken(why)) => (
            StatusCode::BAD_REQUEST,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CONNECTION, "close"),
            ],
            taken.json(Some(&why)),
        )
            .into_response(),
    }
}

/// What a body gave so far.
#[derive(Default)]
struct Taken {
    /// Lines now in the spool.
    accepted: u64,
    /// Lines refused (too long, or blank after the header is cut).
    rejected: u64,
}

impl Taken {
    fn json(&self, error: Option<&str>) -> String {
        let mut body = serde_json::json!({
            "accepted": self.accepted,
            "rejected": self.rejected,
        });
        if let Some(e) = error {
            body["error"] = e.into();
        }
        format!("{body}\n")
    }
}

/// Why a body was not taken to its end.
enum Cut {
    TooLarge,
    TimedOut,
    Spool(String),
    Broken(String),
}

/// Reads `body` line by line into the spool, a [`BATCH`] at a time; counts in `taken`
/// what is in the spool. A line longer than `max_message_bytes` is rejected without
/// being held whole; the last line needs no newline.
async fn stream_in(
    env: &SourceEnv,
    body: Body,
    max_body: usize,
    taken: &mut Taken,
) -> Result<(), Cut> {
    let mut frames = body.into_data_stream();
    let now = now_micros();
    let mut line: Vec<u8> = Vec::new();
    let mut too_long = false;
    let mut out = Vec::new();
    let mut pending = Taken::default();
    let mut read = 0usize;
    loop {
        let chunk = match frames.next().await {
            None => break,
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => {
                flush(env, &mut out, &mut pending, taken).await?;
                return Err(if super::deadline::is_body_timeout(&e) {
                    Cut::TimedOut
                } else {
                    Cut::Broken(e.to_string())
                });
            }
        };
        read += chunk.len();
        if read > max_body {
            flush(env, &mut out, &mut pending, taken).await?;
            return Err(Cut::TooLarge);
        }
        for piece in chunk.split_inclusive(|&b| b == b'\n') {
            let (text, ends) = match piece.strip_suffix(b"\n") {
                Some(t) => (t, true),
                None => (piece, false),
            };
            if !too_long {
                line.extend_from_slice(text);
                // One byte over is enough to know (a final `\r` is cut later).
                if line.len() > env.max_message + 1 {
                    too_long = true;
                    line.clear();
                }
            }
            if ends {
                take(env, &mut out, &line, too_long, now, &mut pending);
                line.clear();
                too_long = false;
                if out.len() >= BATCH {
                    flush(env, &mut out, &mut pending, taken).await?;
                }
            }
        }
    }
    if !line.is_empty() || too_long {
        take(env, &mut out, &line, too_long, now, &mut pending);
    }
    flush(env, &mut out, &mut pending, taken).await
}

/// Encodes one line (a too-long one is counted and dropped).
fn take(
    env: &SourceEnv,
    out: &mut Vec<u8>,
    line: &[u8],
    too_long: bool,
    now: i64,
    pending: &mut Taken,
) {
    if too_long {
        let c = env.counters();
        c.received.fetch_add(1, Ordering::Relaxed);
        c.rejected.fetch_add(1, Ordering::Relaxed);
        pending.rejected += 1;
        return;
    }
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return;
    }
    if env.take(out, line, false, now) {
        pending.accepted += 1;
    } else {
        pending.rejected += 1;
    }
}

/// Hands the gathered records to the spool; on success they count as taken.
async fn flush(
    env: &SourceEnv,
    out: &mut Vec<u8>,
    pending: &mut Taken,
    taken: &mut Taken,
) -> Result<(), Cut> {
    let c = env.counters();
    let result = env.append(std::mem::take(out)).await;
    taken.rejected += std::mem::take(&mut pending.rejected);
    let accepted = std::mem::take(&mut pending.accepted);
    match result {
        Ok(()) => {
            c.accepted.fetch_add(accepted, Ordering::Relaxed);
            taken.accepted += accepted;
            Ok(())
        }
        Err(e) => {
            c.dropped.fetch_add(accepted, Ordering::Relaxed);
            Err(Cut::Spool(e.to_string()))
        }
    }
}

fn too_large(env: &SourceEnv, taken: &Taken) -> Response {
    env.counters().rejected.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONNECTION, "close"),
        ],
        taken.json(Some("the body is over max_body_bytes")),
    )
        .into_response()
}

/// `503` + `Retry-After`; with the counts when part of the body was kept.
fn busy(env: &SourceEnv, why: &str, taken: Option<&Taken>) -> Response {
    let retry = [(header::RETRY_AFTER, env.retry_after.to_string())];
    match taken {
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            retry,
            format!("{why}; retry later\n"),
        )
            .into_response(),
        Some(t) => (
            StatusCode::SERVICE_UNAVAILABLE,
            retry,
            [(header::CONTENT_TYPE, "application/json")],
            t.json(Some(&format!("{why}; retry later"))),
        )
            .into_response(),
    }
}
