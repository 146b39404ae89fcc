//! HTTP push: `POST` a body of NDJSON or raw lines (any path), one record per line in the
//! source's format. The answer is `200` with the counts once every line is in the spool;
//! `503` with `Retry-After` while the spool is over its bound (nothing of that body was
//! kept, so the client sends it again); `413` for a body over `max_body_bytes`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use super::{SourceEnv, now_micros, stopped};
use crate::ServeError;
use crate::config::SourceConfig;

/// A bound HTTP source.
pub struct HttpSource {
    listener: TcpListener,
    max_body: usize,
    token: Option<String>,
}

/// What each request sees.
struct Push {
    env: SourceEnv,
    token: Option<String>,
}

impl HttpSource {
    /// Binds the listener.
    pub async fn bind(cfg: &SourceConfig) -> Result<(HttpSource, SocketAddr), ServeError> {
        let (listener, local) = super::bind_tcp(cfg).await?;
        Ok((
            HttpSource {
                listener,
                max_body: cfg.max_body_bytes,
                token: cfg.token.clone(),
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
                env,
                token: self.token,
            }));
        let _ = axum::serve(self.listener, app)
            .with_graceful_shutdown(stop)
            .await;
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
