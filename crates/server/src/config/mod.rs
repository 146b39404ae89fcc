//! `serve.toml`: what `kansoku serve` listens on, where it spools, when it flushes, and
//! how it alerts. Every field's `///` comment is its user documentation; unknown keys are
//! errors, so a typo never silently falls back to a default.
//!
//! The file also holds the settings every command shares (`data_dir`, `[[tenant]]`,
//! `[detect]`, `[network]`, `[firewall]`, `[enrich]`), so one file describes a server
//! completely and live rows are enriched as `kansoku ingest` enriches them; see
//! `serve.example.toml`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kansoku_enrich::tenant::TenantRule;
use kansoku_parse::Format;
use kansoku_pipeline::config::{
    DetectConfig, EnrichConfig, FirewallConfig, NetworkConfig, TimeConfig,
};
use serde::{Deserialize, Serialize};

use crate::ServeError;
use crate::sources::allow::AllowList;

mod dashboard;
pub use dashboard::DashboardConfig;

/// The whole server configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Folder holding the lake, the spool and checkpoints (the same as `kansoku.toml`'s).
    pub data_dir: PathBuf,
    /// Tenant map, as in `kansoku.toml`: used for sources without a `tenant`.
    #[serde(rename = "tenant")]
    pub tenants: Vec<TenantRule>,
    /// Detection rules, as in `kansoku.toml`.
    pub detect: DetectConfig,
    /// Internal networks and external interfaces, as in `kansoku.toml`: the `direction`
    /// of firewall rows.
    pub network: NetworkConfig,
    /// Firewall time zone and `[[firewall.mapping]]` formats, as in `kansoku.toml`; a
    /// source's `format` may name a mapping.
    pub firewall: FirewallConfig,
    /// Tor attribution window and geo tables, as in `kansoku.toml`.
    pub enrich: EnrichConfig,
    /// Which event times are believed, as in `kansoku.toml`.
    pub time: TimeConfig,
    /// The durable spool between the sources and the lake.
    pub spool: SpoolConfig,
    /// The sources, one `[[source]]` table each; several may run at once.
    #[serde(rename = "source")]
    pub sources: Vec<SourceConfig>,
    /// The dashboard and `/metrics` listener.
    pub dashboard: DashboardConfig,
    /// Online alerting.
    pub alerts: crate::alert::AlertConfig,
    /// File to which the bound addresses are written as JSON once every listener is up
    /// (useful with port 0); empty = `<data_dir>/serve/listening.json`.
    pub listen_file: Option<PathBuf>,
    /// At shutdown, the longest the HTTP listeners (`http` sources, the dashboard) wait
    /// for requests in progress, in seconds; connections still open then are closed (a
    /// client cut off before its `200` sends its body again). Idle connections close at
    /// once, TCP sources stop at once; the spool is flushed to the lake after this.
    pub shutdown_timeout_secs: u64,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            data_dir: PathBuf::from("kansoku-data"),
            tenants: Vec::new(),
            detect: DetectConfig::default(),
            network: NetworkConfig::default(),
            firewall: FirewallConfig::default(),
            enrich: EnrichConfig::default(),
            time: TimeConfig::default(),
            spool: SpoolConfig::default(),
            sources: Vec::new(),
            dashboard: DashboardConfig::default(),
            alerts: crate::alert::AlertConfig::default(),
            listen_file: None,
            shutdown_timeout_secs: 10,
        }
    }
}

/// `[spool]`: durability, flush policy and bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpoolConfig {
    /// When the spool calls fsync: `always` (before every acknowledgement; events survive
    /// a power loss) or `never` (the kernel writes them back; events survive a crash or
    /// SIGKILL of the server, not a power loss or kernel panic).
    pub fsync: FsyncPolicy,
    /// A segment is closed and flushed to the lake once it holds this many bytes.
    pub segment_bytes: u64,
    /// ... or once its first event is this many milliseconds old.
    pub flush_after_ms: u64,
    /// Upper bound of unflushed spool bytes; above it TCP reads pause, HTTP answers 503
    /// with `Retry-After`, and UDP datagrams are dropped (and counted).
    pub max_bytes: u64,
    /// Seconds a client is told to wait (`Retry-After`) while the spool is full.
    pub retry_after_secs: u32,
    /// Share of `max_bytes` one source may hold unflushed when the server has several
    /// sources (0.5: half), so one loud or hostile source cannot fill the spool and turn
    /// every other away; past it, that source alone holds back. 1 turns shares off.
    pub source_share: f64,
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig {
            fsync: FsyncPolicy::Always,
            segment_bytes: 8 << 20,
            flush_after_ms: 2000,
            max_bytes: 1 << 30,
            retry_after_secs: 2,
            source_share: 0.5,
        }
    }
}

/// When the spool forces its writes to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// fsync before acknowledging (group commit: one fsync covers every waiting event).
    Always,
    /// Never fsync; rely on the kernel's write-back.
    Never,
}

/// The kind of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// Syslog over UDP (RFC 3164 or 5424), one message per datagram.
    SyslogUdp,
    /// Syslog over TCP, newline or octet-counting framing (RFC 6587), detected per connection.
    SyslogTcp,
    /// HTTP POST of NDJSON or raw lines, one record per line.
    Http,
    /// A file that is followed as it grows, across rotation.
    File,
    /// RELP (rsyslog's `omrelp`): each message acknowledged once it is in the spool.
    Relp,
}

/// `[[source]]`: one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Name of the source, stored in each record's `source` column; unique.
    pub name: String,
    /// `syslog-udp`, `syslog-tcp`, `relp`, `http` or `file`.
    pub kind: SourceKind,
    /// Format of the log message (the syslog MSG part, each HTTP line, each file line):
    /// one of `kansoku ingest --format`'s names, or `nginx:FORMAT` / `apache:FORMAT`.
    pub format: String,
    /// Tenant of every record of this source; when absent the tenant map decides.
    #[serde(default)]
    pub tenant: Option<String>,
    /// `ADDRESS:PORT` to listen on (network sources); port 0 picks a free port.
    #[serde(default)]
    pub listen: Option<String>,
    /// The file to follow (`file` sources).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Longest message, HTTP line or file line accepted, in bytes; longer ones are rejected.
    #[serde(default = "default_max_message")]
    pub max_message_bytes: usize,
    /// Largest HTTP request body, in bytes (`http` sources).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Token an `http` source requires (`Authorization: Bearer TOKEN`), at least 16
    /// characters; required when it listens off 127.0.0.1 and ::1, where anyone who
    /// reaches the port would otherwise write records, alerts and shared indicators.
    #[serde(default)]
    pub token: Option<String>,
    /// Most TCP connections served at once (`syslog-tcp`, `relp`, `http`); one more is
    /// closed as soon as it is accepted (counted in `kansoku_connections_refused_total`),
    /// so idle sockets cannot queue real senders behind them.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// A TCP connection (`syslog-tcp`, `relp`) that sends nothing for this many seconds,
    /// or takes longer than that to send one message from its first byte to its last (a
    /// sender dripping a byte at a time), is closed, freeing its slot (`http`: on which
    /// nothing moves either way, as with a client that stops reading its answer); 0 keeps
    /// idle connections forever.
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u64,
    /// Seconds an `http` client has to send a request's line and headers, on a new
    /// connection or between requests on a kept-alive one; a slower one is closed
    /// (`kansoku_connections_slow_closed_total`).
    #[serde(default = "default_header_timeout_secs")]
    pub header_timeout_secs: u64,
    /// Seconds an `http` request's body has to arrive whole, from its headers; a slower
    /// one (dripped a byte at a time) gets 408 and its connection is closed.
    #[serde(default = "default_body_timeout_secs")]
    pub body_timeout_secs: u64,
    /// How often a `file` source looks for new lines and rotation, in milliseconds.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// After a `file` source's path is renamed away (rotation), its old file is still read
    /// until no line has come for this many milliseconds: the web server writes there
    /// until it reopens its log (nginx on USR1, Apache on a graceful restart).
    #[serde(default = "default_rotate_wait_ms")]
    pub rotate_wait_ms: u64,
    /// Senders this source accepts, as addresses or CIDR blocks (`["192.0.2.0/24",
    /// "2001:db8::/32", "127.0.0.1"]`; network sources). A TCP connection from elsewhere is
    /// closed as soon as it is accepted, before a byte is read (or a TLS handshake
    /// started), and a UDP datagram from elsewhere is dropped; each is counted in
    /// `kansoku_senders_denied_total`, never logged. Absent: every sender.
    #[serde(default)]
    pub allow: Option<Vec<String>>,
    /// PEM certificate chain (`syslog-tcp`, `relp`, `http`): with it and `tls_key` the
    /// source speaks TLS only (syslog over TLS as in RFC 5425, RELP over TLS as rsyslog's
    /// `tls="on"`, HTTPS).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `tls_cert`; mode 600.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificates: when set, a TLS client must present a certificate they signed
    /// (mutual TLS); a client without one is refused during the handshake.
    #[serde(default)]
    pub tls_client_ca: Option<PathBuf>,
}

fn default_max_message() -> usize {
    64 * 1024
}
fn default_max_body() -> usize {
    16 << 20
}
fn default_max_connections() -> usize {
    256
}
pub(crate) fn default_idle_timeout_secs() -> u64 {
    300
}
pub(crate) fn default_header_timeout_secs() -> u64 {
    10
}
pub(crate) fn default_body_timeout_secs() -> u64 {
    60
}
fn default_poll_ms() -> u64 {
    250
}
fn default_rotate_wait_ms() -> u64 {
    30_000
}

impl SourceKind {
    /// The name written in `kind = "…"`.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::SyslogUdp => "syslog-udp",
            SourceKind::SyslogTcp => "syslog-tcp",
            SourceKind::Http => "http",
            SourceKind::File => "file",
            SourceKind::Relp => "relp",
        }
    }
}

impl SourceConfig {
    /// The parsed format: a `[[firewall.mapping]]` of `mappings` by name, else a built-in one.
    pub fn parsed_format(
        &self,
        mappings: &[kansoku_parse::firewall::FieldMapping],
    ) -> Result<Format, ServeError> {
        match mappings.iter().find(|m| m.name == self.format.trim()) {
            Some(m) => Ok(Format::Mapped(Box::new(m.clone()))),
            None => Format::from_name(&self.format).map_err(|e| self.invalid(e.to_string())),
        }
    }

    /// The parsed listen address.
    pub fn addr(&self) -> Result<SocketAddr, ServeError> {
        let listen = self
            .listen
            .as_deref()
            .ok_or_else(|| self.invalid("needs `listen = \"ADDRESS:PORT\"`".into()))?;
        listen
            .parse()
            .map_err(|e| self.invalid(format!("listen {listen:?}: {e}")))
    }

    /// The parsed `allow` list; `None` when the source accepts every sender.
    pub fn allow_list(&self) -> Result<Option<AllowList>, ServeError> {
        self.allow
            .as_deref()
            .map(|entries| AllowList::parse(&self.name, entries))
            .transpose()
    }

    /// Whether the source speaks TLS (`tls_cert` set).
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// Why anyone who reaches this source can write records through it, when so: it
    /// listens off loopback with no allow-list (or one that admits every address), no
    /// client certificate requirement and, for `http`, no token. `None` for a source that
    /// authenticates or restricts its senders, listens on loopback only, or is a file.
    pub fn open_to_anyone(&self) -> Option<String> {
        if self.kind == SourceKind::File {
            return None;
        }
        let addr = self.addr().ok()?;
        if addr.ip().to_canonical().is_loopback() {
            return None;
        }
        if let Ok(Some(list)) = self.allow_list()
            && !list.admits_everyone()
        {
            return None;
        }
        let client_cert = self.tls() && self.tls_client_ca.is_some();
        let (authenticated, fix) = match self.kind {
            SourceKind::SyslogUdp => (
                false,
                "UDP cannot authenticate: add allow = [\"ADDRESS/PREFIX\", …]",
            ),
            SourceKind::SyslogTcp | SourceKind::Relp => (
                client_cert,
                "add allow = [\"ADDRESS/PREFIX\", …], or TLS with client certificates (tls_cert, tls_key, tls_client_ca)",
            ),
            SourceKind::Http => (
                client_cert || self.token.is_some(),
                "add allow = [\"ADDRESS/PREFIX\", …], a token, or TLS with client certificates",
            ),
            SourceKind::File => (true, ""),
        };
        (!authenticated).then(|| {
            format!(
                "source {:?} ({}) listens on {addr} and accepts records from anyone who reaches it: {fix}",
                self.name,
                self.kind.name()
            )
        })
    }

    pub(crate) fn invalid(&self, message: String) -> ServeError {
        ServeError::Config(format!("source {:?}: {message}", self.name))
    }
}

/// A secret file (a token, a private key) must be readable by its owner only: a copy
/// anyone on the host can read is no secret. Refused with the fix when group or others
/// have any access.
pub fn private_file(path: &std::path::Path, what: &str) -> Result<(), ServeError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| ServeError::Config(format!("{what} {}: {e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ServeError::Config(format!(
            "{what} {} can be read by group or others (mode {mode:o}); make it private: chmod 600 {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

impl ServeConfig {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<ServeConfig, ServeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ServeError::Config(format!("{}: {e}", path.display())))?;
        let config = ServeConfig::parse(&text)
            .map_err(|e| ServeError::Config(format!("{}: {e}", path.display())))?;
        Ok(config)
    }

    /// Parses and checks configuration text; errors name the line or the source.
    pub fn parse(text: &str) -> Result<ServeConfig, ServeError> {
        let config: ServeConfig =
            toml::from_str(text).map_err(|e| ServeError::Config(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks what serde cannot: unique names, addresses, formats, paths, bounds.
    pub fn check(&self) -> Result<(), ServeError> {
        if !(self.spool.source_share > 0.0 && self.spool.source_share <= 1.0) {
            return Err(ServeError::Config(format!(
                "[spool] source_share = {}: a share between 0 (excluded) and 1",
                self.spool.source_share
            )));
        }
        let mut names = HashSet::new();
        for s in &self.sources {
            if s.name.is_empty() || s.name.len() > 200 {
                return Err(s.invalid("a name of 1 to 200 bytes is required".into()));
            }
            if !names.insert(&s.name) {
                return Err(s.invalid("the name is used twice".into()));
            }
            let format = s.parsed_format(&self.firewall.mapping)?;
            match s.kind {
                SourceKind::File => {
                    if s.path.is_none() {
                        return Err(s.invalid("needs `path = \"FILE\"`".into()));
                    }
                }
                SourceKind::Http if s.token.as_deref().is_some_and(too_short) => {
                    return Err(s.invalid(format!(
                        "token must have at least {MIN_TOKEN_CHARS} characters"
                    )));
                }
                SourceKind::Http if s.token.is_none() && !is_local(&s.addr()?) => {
                    return Err(s.invalid(format!(
                        "listens on {} (not 127.0.0.1 or ::1), so it needs a token = \"…\" (senders send Authorization: Bearer TOKEN)",
                        s.addr()?
                    )));
                }
                _ => {
                    s.addr()?;
                    if !format.line_oriented() {
                        return Err(s.invalid(format!(
                            "format {} spans several lines; only `file` sources can read it",
                            format.name()
                        )));
                    }
                }
            }
            if s.kind == SourceKind::File && s.allow.is_some() {
                return Err(s.invalid("`allow` is for network sources, not `file`".into()));
            }
            s.allow_list()?;
            let tls_keys = s.tls_cert.is_some() || s.tls_key.is_some() || s.tls_client_ca.is_some();
            if tls_keys && matches!(s.kind, SourceKind::SyslogUdp | SourceKind::File) {
                return Err(s.invalid(format!(
                    "`tls_cert`, `tls_key` and `tls_client_ca` are for syslog-tcp, relp and http sources, not {}",
                    s.kind.name()
                )));
            }
            if s.tls_client_ca.is_some() && !s.tls() {
                return Err(s.invalid("`tls_client_ca` needs `tls_cert` and `tls_key`".into()));
            }
            if s.tls_cert.is_some() != s.tls_key.is_some() {
                return Err(s.invalid("`tls_cert` and `tls_key` go together".into()));
            }
            if s.header_timeout_secs == 0 || s.body_timeout_secs == 0 {
                return Err(s.invalid(
                    "header_timeout_secs and body_timeout_secs must be at least 1".into(),
                ));
            }
            if s.max_message_bytes == 0 || s.max_message_bytes > kansoku_parse::MAX_LINE {
                return Err(s.invalid(format!(
                    "max_message_bytes must be between 1 and {}",
                    kansoku_parse::MAX_LINE
                )));
            }
        }
        if self.spool.segment_bytes < 4096 || self.spool.max_bytes < self.spool.segment_bytes {
            return Err(ServeError::Config(
                "[spool] segment_bytes must be at least 4096 and max_bytes at least segment_bytes"
                    .into(),
            ));
        }
        let addr: SocketAddr = self.dashboard.listen.parse().map_err(|e| {
            ServeError::Config(format!(
                "[dashboard] listen {:?}: {e}",
                self.dashboard.listen
            ))
        })?;
        // Checked on loopback too: a short token set there is as guessable.
        if self.token()?.is_none() && !is_local(&addr) {
            return Err(ServeError::Config(format!(
                "[dashboard] listen {addr} is not 127.0.0.1 or ::1, so a token is required (token_file = \"FILE\")"
            )));
        }
        self.dashboard.check()?;
        for name in &self.dashboard.hosts {
            if crate::dashboard::host::host_name(name).is_none() {
                return Err(ServeError::Config(format!(
                    "[dashboard] hosts: {name:?} is not a host name (write the name alone, as in hosts = [\"soc.example.jp\"])"
                )));
            }
        }
        self.alerts.check()?;
        Ok(())
    }

    /// One warning per source that anyone who reaches it can write records through
    /// ([`SourceConfig::open_to_anyone`]), and one for a dashboard off loopback without
    /// TLS; `serve --check` and start-up print them.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sources
            .iter()
            .filter_map(SourceConfig::open_to_anyone)
            .collect();
        if let Ok(addr) = self.dashboard.listen.parse::<SocketAddr>()
            && !addr.ip().to_canonical().is_loopback()
            && !self.dashboard.tls()
        {
            out.push(format!(
                "[dashboard] listens on {addr} over plain HTTP: its token and session cookie cross the network readable; set tls_cert and tls_key"
            ));
        }
        out
    }

    /// The dashboard token, read from `token_file` when set, else the inline `token`.
    /// Either way it must have at least [`MIN_TOKEN_CHARS`] characters; an empty inline
    /// `token = ""` is refused too rather than read as "no token".
    pub fn token(&self) -> Result<Option<String>, ServeError> {
        let (token, from) = match &self.dashboard.token_file {
            Some(f) => {
                private_file(f, "[dashboard] token_file")?;
                let text = std::fs::read_to_string(f).map_err(|e| {
                    ServeError::Config(format!("[dashboard] token_file {}: {e}", f.display()))
                })?;
                let t = text.lines().next().unwrap_or_default().trim().to_string();
                (
                    Some(t),
                    format!("[dashboard] token_file {}: its first line", f.display()),
                )
            }
            None => (
                self.dashboard
                    .token
                    .as_deref()
                    .map(|t| t.trim().to_string()),
                "[dashboard] token".to_string(),
            ),
        };
        match token {
            Some(t) if too_short(&t) => Err(ServeError::Config(format!(
                "{from}: the token must have at least {MIN_TOKEN_CHARS} characters"
            ))),
            t => Ok(t),
        }
    }

    /// The settings shared with the other commands, for compiling rules and tenants.
    pub fn pipeline_config(&self) -> kansoku_pipeline::Config {
        kansoku_pipeline::Config {
            data_dir: self.data_dir.clone(),
            tenants: self.tenants.clone(),
            detect: self.detect.clone(),
            network: self.network.clone(),
            firewall: self.firewall.clone(),
            enrich: self.enrich.clone(),
            time: self.time.clone(),
            ..kansoku_pipeline::Config::default()
        }
    }
}

/// Fewest characters of any token (dashboard or `http` source, inline or from a file).
pub const MIN_TOKEN_CHARS: usize = 16;

/// Whether a token is shorter than [`MIN_TOKEN_CHARS`]; surrounding blanks do not count,
/// since the bearer header and the login form are trimmed before comparing.
fn too_short(token: &str) -> bool {
    token.trim().chars().count() < MIN_TOKEN_CHARS
}

/// Whether the dashboard may run without a token on `addr`: exactly 127.0.0.1 or ::1.
pub fn is_local(addr: &SocketAddr) -> bool {
    match addr.ip() {
        std::net::IpAddr::V4(ip) => ip == std::net::Ipv4Addr::LOCALHOST,
        std::net::IpAddr::V6(ip) => ip == std::net::Ipv6Addr::LOCALHOST,
    }
}

#[cfg(test)]
mod tests;
