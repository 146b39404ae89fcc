//! The token check: a bearer header compared in constant time, or the cookie of a login
//! session. Without either every route answers 401; pages get the login form with it, so
//! a browser can log in: the form's POST opens a server-side session and sets its random
//! id (never the token) in an HttpOnly, SameSite=Strict cookie that expires.

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
pub const COOKIE: &str = "kansoku_session";

/// How long a login lasts.
pub const SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// Sessions open at most (the oldest expired ones go first; past it, a login fails).
const MAX_SESSIONS: usize = 1_000;

/// Server-side sessions: a login gets a random id for its cookie, never the token itself,
/// so a leaked cookie expires and the token stays out of the browser. Ids live in memory:
/// a restart logs everyone out.
#[derive(Default)]
pub struct Sessions(std::sync::Mutex<HashMap<String, Instant>>);

impl Sessions {
    /// A new session's id (256 random bits, hex), or `None` when no randomness is
    /// available or too many sessions are open.
    fn open(&self) -> Option<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).ok()?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, expires| *expires > Instant::now());
        if map.len() >= MAX_SESSIONS {
            return None;
        }
        map.insert(id.clone(), Instant::now() + SESSION_TTL);
        Some(id)
    }

    /// Whether `id` names an open, unexpired session.
    fn valid(&self, id: &str) -> bool {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(id).is_some_and(|expires| *expires > Instant::now())
    }
}

/// Equality whose time depends only on the lengths, not on where the bytes differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer token and the session cookies a request carries.
fn presented(headers: &HeaderMap) -> (Option<String>, Vec<String>) {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let mut sessions = Vec::new();
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some(id) = part.trim().strip_prefix(&format!("{COOKIE}=")) {
                sessions.push(id.to_string());
            }
        }
    }
    (bearer, sessions)
}

/// Whether the request carries the token as a bearer header, or the cookie of an open
/// session (always true when no token is configured).
pub fn authorised(board: &Board, headers: &HeaderMap) -> bool {
    match &board.token {
        None => true,
        Some(token) => {
            let (bearer, sessions) = presented(headers);
            bearer.is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
                || sessions.iter().any(|id| board.sessions.valid(id))
        }
    }
}

/// Middleware: lets through authorised requests and the login POST; 401 for the rest.
/// (Requests for another host name never get here: see [`super::host`].)
pub async fn require_token(State(board): State<Arc<Board>>, req: Request, next: Next) -> Response {
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
    let Some(id) = board.sessions.open() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "no session can be opened now (too many open, or no randomness); use the bearer token\n",
        )
            .into_response();
    };
    // Secure over HTTPS: the browser then never sends the session over plain HTTP.
    let secure = if board.tls { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        SESSION_TTL.as_secs()
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

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!constant_time_eq(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!constant_time_eq(b"short", b"shorter"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=b; kansoku_session=xyz".parse().expect("header"),
        );
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().expect("header"));
        assert_eq!(presented(&h), (Some("abc".into()), vec!["xyz".to_string()]));
    }

    #[test]
    fn sessions_are_random_and_known_only_once_opened() {
        let s = Sessions::default();
        let a = s.open().expect("a session");
        let b = s.open().expect("another");
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(s.valid(&a) && s.valid(&b));
        assert!(!s.valid("0123456789abcdef"));
    }
}
