//! The dashboard: an overview (live counts, detections per hour over the last 24 hours,
//! latest alerts), one page per report section over a recent window ([`sections`]), the
//! alert list, a JSON API, live updates by server-sent events, and `/metrics` for
//! Prometheus.
//!
//! Security: binds to 127.0.0.1 by default; on any other address the configuration must
//! give a token, and when a token is set every page and API answers 401 without it
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

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use kansoku_lake::Lake;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::alert::AlertFeed;
use crate::config::ServeConfig;
use crate::metrics::Metrics;
use crate::sources::stopped;
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
}

/// A bound dashboard.
pub struct Dashboard {
    listener: TcpListener,
    addr: SocketAddr,
    board: Board,
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
                hosts: host::AllowedHosts::new(&config.dashboard.hosts, addr),
            },
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until shutdown.
    pub async fn run(self) {
        let stop = stopped(self.board.stop.clone());
        let app = router(Arc::new(self.board));
        let _ = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
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
