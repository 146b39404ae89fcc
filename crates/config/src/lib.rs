//! `kansoku.toml`: the settings every command shares. Every field's `///` comment is its
//! user documentation, and `kansoku config reference` is generated from these types.
//!
//! This crate only reads and types the file; what the settings compile to (the rules, the
//! tenant map, the networks) is built by `kansoku_pipeline::config::Context::new`.
//!
//! ```
//! let config = kansoku_config::Config::parse("data_dir = \"lake\"\n[report]\nlang = \"en\"\n")
//!     .expect("valid");
//! assert_eq!(config.report.lang, "en");
//! assert_eq!(config.engine, "embedded");
//! ```
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

use kansoku_enrich::tenant::TenantRule;
use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder holding the lake, checkpoints and rejected lines.
    pub data_dir: PathBuf,
    /// Where queries run: `embedded` (DataFusion in this process) or `df://HOST:PORT`, a
    /// Ballista scheduler whose executors read `data_dir` at the same path (needs a
    /// kansoku built with the `ballista` feature; see docs/cluster.md).
    pub engine: String,
    /// Tenant map: which customer each record belongs to (by host, address or file).
    #[serde(rename = "tenant")]
    pub tenants: Vec<TenantRule>,
    /// Detection settings.
    pub detect: DetectConfig,
    /// Report defaults.
    pub report: ReportConfig,
    /// Which networks and interfaces are the monitored (internal) side, for the `net`
    /// table's `direction`.
    pub network: NetworkConfig,
    /// How firewall logs are read.
    pub firewall: FirewallConfig,
    /// Tor exit attribution and geolocation at ingest.
    pub enrich: EnrichConfig,
    /// Which event times are believed.
    pub time: TimeConfig,
}

/// `[time]`: an event dated far ahead of this machine's clock comes from a forged header
/// or a broken clock. Stored, it would open a partition for its day and keep alerts of its
/// kind "recently sent" until that day; so ingest and `serve` set it aside in the rejects,
/// with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TimeConfig {
    /// Seconds an event's time may be ahead of this machine's clock (clock drift between
    /// hosts, time zones logged wrong by an hour).
    pub max_future_skew_secs: u64,
}

impl Default for TimeConfig {
    fn default() -> Self {
        TimeConfig {
            max_future_skew_secs: 3600,
        }
    }
}

/// `[network]`: what is inside. A flow from outside to an internal address is `inbound`,
/// the reverse `outbound`, between internal addresses `internal`. When the addresses do
/// not tell (NAT: the firewall logs its public address), the interfaces decide: a packet
/// that came in on an external interface is `inbound`, one that left by it `outbound`.
/// Nothing configured → `unknown`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Internal networks as CIDR blocks or addresses (`["192.0.2.0/24", "2001:db8::/32"]`),
    /// including public addresses of your own servers.
    pub internal: Vec<String>,
    /// Interfaces facing the internet (`["eth0", "wan1", "ethernet1/1", "igb0"]`).
    pub external_interfaces: Vec<String>,
}

/// `[firewall]`: reading firewall logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FirewallConfig {
    /// Time zone (IANA name, `Asia/Tokyo`) of firewall times written without an offset
    /// (BSD syslog, PAN-OS, FortiGate without `tz=`); empty = UTC. A BSD syslog time has
    /// no year either: it takes the latest year that keeps it before the file's
    /// modification time (now, for stdin).
    pub timezone: String,
    /// User-defined CSV/JSON formats (`[[firewall.mapping]]`), used with `--format NAME`.
    pub mapping: Vec<kansoku_parse::firewall::FieldMapping>,
}

/// `[enrich]`: attribution added to every `http` and `net` row at ingest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// An address counts as a Tor exit at time t when an imported list (`kansoku tor
    /// import`) saw it as one within this many hours of t.
    pub tor_window_hours: u32,
    /// Offline IP-to-country tables for `src_country`: Debian tor-geoipdb text files
    /// (`/usr/share/tor/geoip`, `/usr/share/tor/geoip6`) and/or a MaxMind-format `.mmdb`.
    /// None → `src_country` stays empty (unless the log itself names the country).
    pub geoip: Vec<PathBuf>,
}

impl Default for EnrichConfig {
    fn default() -> Self {
        EnrichConfig {
            tor_window_hours: 24,
            geoip: Vec::new(),
        }
    }
}

/// `[detect]`: which rules run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DetectConfig {
    /// Extra folders of native YAML rules, loaded after the built-in pack.
    pub rules: Vec<PathBuf>,
    /// Folders of Sigma rules (logsource category `webserver`).
    pub sigma: Vec<PathBuf>,
    /// Fail when any rule file is broken, instead of skipping it with a warning.
    pub strict: bool,
    /// The OWASP Core Rule Set, run beside the rules: `"auto"` (Debian's
    /// `/usr/share/modsecurity-crs` when the `modsecurity-crs` package is installed),
    /// `"off"`, or a CRS folder (Debian's layout or a release folder with `rules/`).
    pub crs: String,
    /// CRS paranoia level, 1 (fewest false positives) to 4.
    pub crs_paranoia_level: u8,
    /// CRS inbound anomaly score at which a request counts as an attack (CRS's default 5:
    /// one critical rule).
    pub crs_threshold: i64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            rules: Vec::new(),
            sigma: Vec::new(),
            strict: false,
            crs: "auto".into(),
            crs_paranoia_level: 1,
            crs_threshold: 5,
        }
    }
}

/// Where Debian's `modsecurity-crs` package installs the Core Rule Set.
pub const DEBIAN_CRS_DIR: &str = "/usr/share/modsecurity-crs";

impl DetectConfig {
    /// The CRS folder to load, if any: `crs = "off"` → none; `"auto"` (or empty) →
    /// Debian's folder when it holds rules; otherwise the folder named.
    pub fn crs_dir(&self) -> Option<PathBuf> {
        match self.crs.trim() {
            "off" | "false" | "no" => None,
            "auto" | "" => {
                let dir = PathBuf::from(DEBIAN_CRS_DIR);
                dir.join("rules").is_dir().then_some(dir)
            }
            path => Some(PathBuf::from(path)),
        }
    }
}

/// `[report]`: defaults for `kansoku report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Report language: `ja` or `en`.
    pub lang: String,
    /// Time zone of the report (IANA name); empty = Asia/Tokyo for `ja`, UTC for `en`.
    pub timezone: String,
    /// Organisation name shown in the report header.
    pub organisation: String,
    /// Episodes of spike hours explained in full and numbered on the hourly chart (the
    /// most notable first); the others are listed in one table.
    pub spikes: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            lang: "ja".into(),
            timezone: String::new(),
            organisation: String::new(),
            spikes: 3,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("kansoku-data"),
            engine: "embedded".to_string(),
            tenants: Vec::new(),
            detect: DetectConfig::default(),
            report: ReportConfig::default(),
            network: NetworkConfig::default(),
            firewall: FirewallConfig::default(),
            enrich: EnrichConfig::default(),
            time: TimeConfig::default(),
        }
    }
}

/// A configuration problem, with the file and line when known.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys or bad values.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parser's message, which names line and column.
        message: String,
    },
    /// The tenant map is invalid.
    #[error(transparent)]
    Tenant(#[from] kansoku_enrich::tenant::TenantError),
    /// Rules could not be loaded.
    #[error("rules: {0}")]
    Rules(String),
    /// `[network]`, `[firewall]` or `[enrich]` holds a bad value, or a geo table is unreadable.
    #[error("{0}")]
    Enrich(String),
}

impl Config {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.into(),
            message,
        })
    }

    /// Parses configuration text; the error message names line and column.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line() {
        let err = Config::parse("data_dir = \"x\"\n\n[detect]\nstrictt = true\n")
            .expect_err("unknown key");
        assert!(err.contains("strictt"), "{err}");
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn tenants_parse() {
        let c = Config::parse("[[tenant]]\nname = \"shop\"\nhosts = [\"shop.example.jp\"]\n")
            .expect("valid");
        assert_eq!(c.tenants[0].name, "shop");
        assert_eq!(c.data_dir, PathBuf::from("kansoku-data"));
    }
}
