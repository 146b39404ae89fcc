//! The dashboard: an overview (live counts, detections per hour over the last 24 hours,
//! latest alerts), one page per report section over a recent window ([`sections`]), the
//! alert list, a JSON API, live updates by server-sent events, and `/metrics` for
//! Prometheus.
//!
//! Security: binds to 127.0.0.1 by default; on any other address the configuration must
//! give a token (and should give `tls_cert` / `tls_key`: HTTPS, the login cookie then
//! `Secure`), and when a token is set every page and API answers 401 without it
//! (`Authorization: Bearer TOKEN`, or the HttpOnly cookie the login form sets; compared in
//! constant time). Before that, every route answers 421 to a request whose `Host` is not
//! loopback, the listen address or a name of `[dashboard] hosts` ([`host`], against DNS
//! rebinding). Every answer carries a Content-Security-Policy that allows scripts and
//! styles from the dashboard itself only (no inline script), denies framing, and turns off
//! content sniffing. Every string that came from a log is escaped where it is shown.

pub(crate) mod auth;
pub mod host;
mod pages;
pub mod sections;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use kansoku_lake::Lake;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::alert::AlertFeed;
use crate::config::ServeConfig;
use crate::metrics::Metrics;
use crate::sources::gate::{Conn, Counters, HttpListener, Limits};
use crate::sources::tls;
use crate::{ServeError, config};

/// What the handlers share.
pub struct Board {
    /// Counters (live counts, hourly detections).
    pub metrics: Arc<Metrics>,
    /// Latest alerts and the live feed.
    pub feed: Arc<AlertFeed>,
    /// Token required on every request, when set.
    pub token: Option<String>,
    /// The lake (for the data folder shown on the overview).
    pub lake: Lake,
    /// Becomes `true` at shutdown; live streams end then.
    pub stop: watch::Receiver<bool>,
    /// Report sections computed per window.
    pub reports: sections::ReportCache,
    /// Failed logins per client address, for the login rate limit.
    pub logins: auth::Attempts,
    /// Open login sessions.
    pub sessions: auth::Sessions,
    /// The names requests may be addressed to (`Host`); others get 421.
    pub hosts: host::AllowedHosts,
    /// The dashboard speaks HTTPS: the login cookie is `Secure`.
    pub tls: bool,
}

/// A bound dashboard.
pub struct Dashboard {
    listener: TcpListener,
    addr: SocketAddr,
    board: Board,
    acceptor: Option<TlsAcceptor>,
    limits: Limits,
}

/// The policy sent with every answer.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

impl Dashboard {
    /// Binds the listener.
    pub async fn bind(
        config: &ServeConfig,
        lake: &Lake,
        metrics: Arc<Metrics>,
        feed: Arc<AlertFeed>,
        stop: watch::Receiver<bool>,
    ) -> Result<Dashboard, ServeError> {
        let addr: SocketAddr = config
            .dashboard
            .listen
            .parse()
            .map_err(|e| ServeError::Config(format!("[dashboard] listen: {e}")))?;
        let token = config.token()?;
        let d = &config.dashboard;
        d.check()?;
        let acceptor = match (&d.tls_cert, &d.tls_key) {
            (Some(cert), Some(key)) => Some(tls::load(cert, key, None, &|m| {
                ServeError::Config(format!("[dashboard] {m}"))
            })?),
            _ => None,
        };
        if !config::is_local(&addr) && token.is_none() {
            return Err(ServeError::Config(format!(
                "[dashboard] listen {addr}: a token is required off 127.0.0.1 and ::1"
            )));
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| ServeError::Bind("dashboard".into(), addr.to_string(), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ServeError::Bind("dashboard".into(), addr.to_string(), e))?;
        Ok(Dashboard {
            listener,
            addr,
            board: Board {
                metrics,
                feed,
                token,
                lake: lake.clone(),
                stop,
                reports: sections::ReportCache::default(),
                logins: auth::Attempts::default(),
                sessions: auth::Sessions::default(),
                hosts: host::AllowedHosts::new(&d.hosts, addr),
                tls: acceptor.is_some(),
            },
            acceptor,
            limits: Limits {
                max_connections: d.max_connections,
                header: Duration::from_secs(d.header_timeout_secs),
                body: Duration::from_secs(d.body_timeout_secs),
                idle: Duration::from_secs(d.idle_timeout_secs),
                shutdown: Duration::from_secs(config.shutdown_timeout_secs),
            },
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until shutdown, through the same gate as the `http` sources
    /// ([`crate::sources::gate`]): connection cap, header, body and idle timeouts, and the
    /// shutdown deadline.
    pub async fn run(self) {
        let stop = self.board.stop.clone();
        let counters = Counters::dashboard(Arc::clone(&self.board.metrics));
        let app = router(Arc::new(self.board));
        let admit = |_: SocketAddr| true;
        let name = "dashboard".to_string();
        let tls = self.acceptor.map(Arc::new);
        HttpListener {
            listener: self.listener,
            app,
            limits: self.limits,
            counters,
            admit,
            wrap: move |s: TcpStream| {
                let tls = tls.clone();
                async move {
                    let Some(acceptor) = tls else {
                        return Some(Box::new(s) as Conn);
                    };
                    match tls::accept_within(&acceptor, s).await {
                        Ok(t) => Some(Box::new(t) as Conn),
                        Err(why) => {
                            eprintln!("kansoku serve: dashboard: TLS handshake failed: {why}");
                            None
                        }
                    }
                }
            },
            name,
        }
        .run(stop)
        .await;
    }
}

/// The routes, behind the `Host` check, the token check and the security headers.
pub fn router(board: Arc<Board>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/report", get(sections::index))
        .route("/report/{id}", get(sections::section))
        .route("/alerts", get(pages::alerts))
        .route("/api/overview", get(pages::api_overview))
        .route("/api/alerts", get(pages::api_alerts))
        .route("/api/chart", get(pages::api_chart))
        .route("/events", get(pages::events))
        .route("/metrics", get(pages::metrics))
        .route("/static/dashboard.js", get(pages::script))
        .route("/static/dashboard.css", get(pages::style))
        .route("/login", post(auth::login))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&board),
            auth::require_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&board),
            host::require_host,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(board)
}

async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
