//! `[dashboard]`: where the dashboard listens, who may read it, and its connection bounds.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{default_body_timeout_secs, default_header_timeout_secs, default_idle_timeout_secs};
use crate::ServeError;

/// `[dashboard]`: the web dashboard, its API and `/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// `ADDRESS:PORT`; loopback by default. Any address other than 127.0.0.1 or ::1
    /// requires a token.
    pub listen: String,
    /// Access token (bearer header or login form), at least 16 characters; prefer
    /// `token_file`.
    pub token: Option<String>,
    /// File holding the access token (its first line, at least 16 characters; mode 600).
    pub token_file: Option<PathBuf>,
    /// Host names the dashboard answers to, besides `localhost`, `127.0.0.1`, `[::1]` and
    /// the address it listens on (`hosts = ["soc.example.jp"]`; a port is ignored). A
    /// request whose `Host` is anything else gets 421, token or not: a web page that
    /// points its own name at this address (DNS rebinding) sends that name and is refused.
    pub hosts: Vec<String>,
    /// PEM certificate chain: with it and `tls_key` the dashboard speaks HTTPS only
    /// (rustls), and its login cookie is marked `Secure`. Off loopback, set both: the
    /// token and the session cookie otherwise cross the network readable.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert`; mode 600.
    pub tls_key: Option<PathBuf>,
    /// Most connections served at once; one more is closed as soon as it is accepted
    /// (`kansoku_connections_refused_total{source="dashboard"}`).
    pub max_connections: usize,
    /// A connection on which nothing moves either way for this many seconds is closed;
    /// 0 = never. The live stream (`/events`) sends a keep-alive every 15 s.
    pub idle_timeout_secs: u64,
    /// Seconds a client has to send a request's line and headers (also the longest a
    /// connection may wait between requests).
    pub header_timeout_secs: u64,
    /// Seconds a request's body (the login form) has to arrive whole.
    pub body_timeout_secs: u64,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            listen: "127.0.0.1:8470".into(),
            token: None,
            token_file: None,
            hosts: Vec::new(),
            tls_cert: None,
            tls_key: None,
            max_connections: 64,
            idle_timeout_secs: default_idle_timeout_secs(),
            header_timeout_secs: default_header_timeout_secs(),
            body_timeout_secs: default_body_timeout_secs(),
        }
    }
}

impl DashboardConfig {
    /// Checks the pairs and bounds serde cannot.
    pub fn check(&self) -> Result<(), ServeError> {
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(ServeError::Config(
                "[dashboard] tls_cert and tls_key go together".into(),
            ));
        }
        if self.header_timeout_secs == 0 || self.body_timeout_secs == 0 {
            return Err(ServeError::Config(
                "[dashboard] header_timeout_secs and body_timeout_secs must be at least 1".into(),
            ));
        }
        if self.max_connections == 0 {
            return Err(ServeError::Config(
                "[dashboard] max_connections must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Whether the dashboard speaks HTTPS.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }
}
