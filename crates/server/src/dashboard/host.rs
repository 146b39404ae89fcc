//! The `Host` check against DNS rebinding. A web page the analyst opens can point its own
//! name at the dashboard's address; the browser then treats the dashboard as that page's
//! own site and lets its script read every answer. Such requests still carry the page's
//! name in `Host`, so the dashboard answers only requests addressed to a name it knows —
//! the configured `[dashboard] hosts`, loopback, and the address it listens on — and
//! refuses the rest with 421 (Misdirected Request), token or not, before any other check.

use std::net::{Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Board;

/// The names a request may be addressed to, each as [`host_name`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    /// The `configured` names (entries that are not host names are skipped: the
    /// configuration check refuses them), loopback, and the literal address `bound`.
    pub fn new(configured: &[String], bound: SocketAddr) -> AllowedHosts {
        let mut names: Vec<String> = configured
            .iter()
            .map(String::as_str)
            .chain(["localhost", "127.0.0.1", "[::1]"])
            .filter_map(host_name)
            .collect();
        // As `host_name` writes an address: IPv6 without brackets, in its shortest form.
        names.push(bound.ip().to_string());
        names.sort();
        names.dedup();
        AllowedHosts(names)
    }

    /// Whether a `Host` value (port ignored, any case) names this dashboard.
    pub fn allows(&self, host: &str) -> bool {
        host_name(host).is_some_and(|name| self.0.contains(&name))
    }
}

/// The name in a `Host` value or a configured name: lower-cased, without its port, the
/// brackets of an IPv6 address or a final dot. `None` when it is no host name at all
/// (empty, a bad port, characters no name has).
pub fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return Some(v6.to_string());
    }
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            let v6 = inside.parse::<Ipv6Addr>().ok()?;
            return port_ok(after).then(|| v6.to_string());
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    (!name.is_empty() && name.bytes().all(plain)).then(|| name.to_ascii_lowercase())
}

/// Whether what follows `]` in a bracketed address is nothing or `:PORT`.
fn port_ok(after: &str) -> bool {
    match after.strip_prefix(':') {
        Some(port) => !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
        None => after.is_empty(),
    }
}

/// Whether every name the request is addressed to (each `Host` header and the authority
/// of an absolute URI, which HTTP/2 sends instead of `Host`) is allowed, and there is one.
fn addressed_here(hosts: &AllowedHosts, req: &Request) -> bool {
    let headers = req
        .headers()
        .get_all(header::HOST)
        .iter()
        .map(|v| v.to_str().ok());
    let authority = req.uri().authority().map(|a| Some(a.host()));
    let mut named = false;
    for host in headers.chain(authority) {
        match host {
            Some(h) if hosts.allows(h) => named = true,
            _ => return false,
        }
    }
    named
}

/// The answer to a request for another name; it never repeats the name it was sent.
pub const MISDIRECTED: &str = "misdirected request: this dashboard answers only to localhost, its listen address and the names in [dashboard] hosts\n";

/// Middleware, outside every other check: 421 for a request not addressed to this
/// dashboard, counted in `kansoku_dashboard_misdirected_total`.
pub async fn require_host(State(board): State<Arc<Board>>, req: Request, next: Next) -> Response {
    if addressed_here(&board.hosts, &req) {
        return next.run(req).await;
    }
    board
        .metrics
        .dashboard_misdirected
        .fetch_add(1, Ordering::Relaxed);
    (StatusCode::MISDIRECTED_REQUEST, MISDIRECTED).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DNS rebinding: a request that names another host is refused, whatever its case or
    /// port; loopback, the listen address and the configured names pass.
    #[test]
    fn only_known_names_pass() {
        let bound: SocketAddr = "192.0.2.10:8470".parse().expect("addr");
        let hosts = AllowedHosts::new(&["SOC.example.jp".into(), "bad name".into()], bound);
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8470",
            "localhost:8470",
            "LOCALHOST",
            "localhost.",
            "[::1]:8470",
            "[::1]",
            "[0:0::1]",
            "::1",
            "soc.example.jp",
            "Soc.Example.JP:443",
            "192.0.2.10:8470",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:8470",
            "x",
            "127.0.0.1.evil.example",
            "localhost.evil",
            "soc.example.jp.evil",
            "[::2]:1",
            "[::1]x",
            "[::1",
            "localhost:",
            "localhost:80x",
            "localhost:1:2",
            "local host",
            "bad name",
            "user@localhost",
            "192.0.2.11",
            "",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }

    #[test]
    fn an_ipv6_listen_address_is_known_in_brackets() {
        let bound: SocketAddr = "[2001:db8::1]:8470".parse().expect("addr");
        let hosts = AllowedHosts::new(&[], bound);
        assert!(hosts.allows("[2001:DB8:0::1]:8470"));
        assert!(!hosts.allows("[2001:db8::2]:8470"));
    }
}
