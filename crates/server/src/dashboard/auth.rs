//! The token check: a bearer header or the login cookie, compared in constant time.
//! Without a valid token every route answers 401; pages get the login form with it, so a
//! browser can log in, and the form's POST sets an HttpOnly, SameSite=Strict cookie.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::Form;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::Board;

/// Name of the login cookie.
pub const COOKIE: &str = "kansoku_token";

/// Equality whose time depends only on the lengths, not on where the bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn presented(headers: &HeaderMap) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        out.push(t.trim().to_string());
    }
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some(t) = part.trim().strip_prefix(&format!("{COOKIE}=")) {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// Whether the request carries the token (always true when none is configured).
pub fn authorised(board: &Board, headers: &HeaderMap) -> bool {
    match &board.token {
        None => true,
        Some(token) => presented(headers)
            .iter()
            .any(|t| constant_time_eq(t.as_bytes(), token.as_bytes())),
    }
}

/// Whether a `Host` header names this machine's loopback (`127.0.0.1`, `localhost`,
/// `[::1]`, with any port). A page on another site that rebinds its own name to 127.0.0.1
/// (DNS rebinding) reaches a loopback dashboard with its own name in `Host`.
pub fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(n, _)| n),
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "::1"
    )
}

/// Middleware: lets through authorised requests and the login POST; 401 for the rest.
/// Without a token (a loopback dashboard) only requests addressed to loopback pass.
pub async fn require_token(State(board): State<Arc<Board>>, req: Request, next: Next) -> Response {
    if board.token.is_none()
        && let Some(host) = req.headers().get(header::HOST)
        && !host.to_str().is_ok_and(loopback_host)
    {
        return (
            StatusCode::FORBIDDEN,
            "this dashboard answers only requests addressed to 127.0.0.1, localhost or [::1]\n",
        )
            .into_response();
    }
    let login = req.method() == Method::POST && req.uri().path() == "/login";
    if login || authorised(&board, req.headers()) {
        return next.run(req).await;
    }
    let page = req.method() == Method::GET
        && !req.uri().path().starts_with("/api/")
        && !req.uri().path().starts_with("/static/")
        && req.uri().path() != "/events"
        && req.uri().path() != "/metrics";
    let mut res = if page {
        Html(login_page(false)).into_response()
    } else {
        "a token is required (Authorization: Bearer TOKEN)\n".into_response()
    };
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"kansoku\""),
    );
    res
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct Login {
    token: String,
}

/// Failed logins allowed per client address within [`LOCKOUT`]; the next attempt, right
/// or wrong, is answered 429 until the window has passed.
pub const MAX_FAILURES: u32 = 5;

/// The window of the login rate limit.
pub const LOCKOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Addresses remembered at most (a flood of addresses forgets the oldest windows).
const ADDRESSES: usize = 10_000;

/// Failed logins per client address: (failures, start of the window).
#[derive(Default)]
pub struct Attempts(std::sync::Mutex<HashMap<IpAddr, (u32, Instant)>>);

impl Attempts {
    /// Seconds to wait when `ip` is locked out now.
    fn locked(&self, ip: IpAddr) -> Option<u64> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (n, since) = map.get(&ip)?;
        let left = LOCKOUT.checked_sub(since.elapsed())?;
        (*n >= MAX_FAILURES).then(|| left.as_secs().max(1))
    }

    fn failed(&self, ip: IpAddr) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= ADDRESSES {
            map.retain(|_, (_, since)| since.elapsed() < LOCKOUT);
        }
        let e = map.entry(ip).or_insert((0, Instant::now()));
        if e.1.elapsed() >= LOCKOUT {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    fn succeeded(&self, ip: IpAddr) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&ip);
    }
}

/// `POST /login`: sets the cookie on the right token, 401 with the form otherwise; after
/// [`MAX_FAILURES`] failures from one address within [`LOCKOUT`], 429 with `Retry-After`.
pub async fn login(
    State(board): State<Arc<Board>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<Login>,
) -> Response {
    let ip = peer.ip();
    if let Some(wait) = board.logins.locked(ip) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            "too many failed logins from this address; wait and try again\n",
        )
            .into_response();
    }
    let ok = match &board.token {
        None => true,
        Some(t) => constant_time_eq(form.token.trim().as_bytes(), t.as_bytes()),
    };
    if !ok {
        board.logins.failed(ip);
        let mut res = Html(login_page(true)).into_response();
        *res.status_mut() = StatusCode::UNAUTHORIZED;
        return res;
    }
    board.logins.succeeded(ip);
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
        form.token.trim()
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, cookie),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}

fn login_page(failed: bool) -> String {
    let msg = if failed {
        r#"<p class="error">That token is not valid.</p>"#
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kansoku — log in</title><link rel="stylesheet" href="/static/dashboard.css"></head><body><main class="login"><h1>kansoku 観測</h1>{msg}<form method="post" action="/login"><label>Access token <input type="password" name="token" autocomplete="current-password" required></label><button type="submit">Log in</button></form></main></body></html>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DNS rebinding: without a token, a request that names another host is refused.
    #[test]
    fn only_loopback_names_pass_without_a_token() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8470",
            "localhost:8470",
            "LOCALHOST",
            "[::1]:8470",
            "[::1]",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:8470",
            "x",
            "127.0.0.1.evil.example",
            "localhost.evil",
            "[::2]:1",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=b; kansoku_token=xyz".parse().expect("header"),
        );
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().expect("header"));
        assert_eq!(presented(&h), ["abc", "xyz"]);
    }
}
