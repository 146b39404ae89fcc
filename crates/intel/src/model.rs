//! What an export holds: the indicators kansoku observed over a period, independent of
//! the format they are written in.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use kansoku_event::Micros;
use serde::Serialize;

/// Traffic Light Protocol level chosen for an export (FIRST TLP; STIX 2.1 ships
/// marking definitions for these four).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tlp {
    /// TLP:CLEAR (TLP:WHITE in STIX 2.1's predefined markings): no restriction.
    Clear,
    /// TLP:GREEN: the community.
    Green,
    /// TLP:AMBER: the recipient's organisation and its clients, need to know (default).
    #[default]
    Amber,
    /// TLP:RED: the named recipients only.
    Red,
}

impl FromStr for Tlp {
    type Err = String;
    fn from_str(s: &str) -> Result<Tlp, String> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        match s {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "red" => Ok(Tlp::Red),
            _ => Err(format!(
                "unknown TLP level {s:?} (expected clear, green, amber or red)"
            )),
        }
    }
}

impl Tlp {
    /// The lower-case name used in MISP tags (`tlp:amber`) and STIX definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::Red => "red",
        }
    }
}

/// An address that sent attacks during the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceIndicator {
    /// Canonical address text.
    pub ip: String,
    /// First attack in the period.
    pub first_seen: Micros,
    /// Last attack in the period.
    pub last_seen: Micros,
    /// Requests with a detection.
    pub count: u64,
    /// Requests per report category.
    pub categories: BTreeMap<String, u64>,
    /// Whether any of those requests came while the address was a Tor exit.
    pub tor_exit: bool,
    /// Attack tools recognised in its requests.
    pub tools: BTreeSet<String>,
}

/// A request path that attacks asked for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PathIndicator {
    /// The path (no query string, no host).
    pub path: String,
    /// First request.
    pub first_seen: Micros,
    /// Last request.
    pub last_seen: Micros,
    /// Requests.
    pub count: u64,
    /// Categories of the detections on it.
    pub categories: BTreeSet<String>,
}

/// The user agent of a recognised attack tool.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentIndicator {
    /// Tool name (`nikto`, `sqlmap`).
    pub tool: String,
    /// The User-Agent header as sent.
    pub user_agent: String,
    /// First request.
    pub first_seen: Micros,
    /// Last request.
    pub last_seen: Micros,
    /// Requests.
    pub count: u64,
}

/// A victim listed on a ransomware group's leak site.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LeakObservation {
    /// Group (normalised name).
    pub group: String,
    /// Victim as posted.
    pub victim: String,
    /// When the group published the post, if known.
    pub published: Option<Micros>,
    /// When the post was first seen.
    pub discovered: Micros,
    /// Victim country (ISO code), if known.
    pub country: Option<String>,
}

/// Everything an export writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IndicatorSet {
    /// The reporting organisation (STIX identity, MISP Orgc).
    pub organisation: String,
    /// Start of the period (inclusive).
    pub from: Micros,
    /// End of the period (exclusive).
    pub to: Micros,
    /// When the export was made.
    pub created: Micros,
    /// Sharing level.
    pub tlp: Tlp,
    /// How long after its last sighting an exported source stays valid, microseconds.
    pub valid_for: Micros,
    /// Attacking addresses.
    pub sources: Vec<SourceIndicator>,
    /// Attack paths.
    pub paths: Vec<PathIndicator>,
    /// Tool user agents.
    pub agents: Vec<AgentIndicator>,
    /// Leak-site posts.
    pub leaks: Vec<LeakObservation>,
    /// What the privacy filter left out, by reason (`internal address`, `tenant name`).
    #[serde(skip)]
    pub withheld: BTreeMap<&'static str, u64>,
}

impl IndicatorSet {
    /// Number of indicators of every kind.
    pub fn len(&self) -> usize {
        self.sources.len() + self.paths.len() + self.agents.len() + self.leaks.len()
    }

    /// Whether the set holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A timestamp as RFC 3339 UTC with microseconds (`2026-09-16T01:02:03.000004Z`).
pub fn rfc3339(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Parses an RFC 3339 timestamp (with offset or `Z`) or a date (`YYYY-MM-DD`, midnight UTC).
pub fn parse_time(s: &str) -> Option<Micros> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
        return Some(t.and_utc().timestamp_micros());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .map(|d| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_names() {
        assert_eq!("TLP:AMBER".parse(), Ok(Tlp::Amber));
        assert_eq!("white".parse(), Ok(Tlp::Clear));
        assert!("purple".parse::<Tlp>().is_err());
    }

    #[test]
    fn times_round_trip() {
        let t = parse_time("2026-09-16T01:02:03.000004Z").expect("parses");
        assert_eq!(rfc3339(t), "2026-09-16T01:02:03.000004Z");
        assert_eq!(
            parse_time("2026-09-16"),
            parse_time("2026-09-16T00:00:00+00:00")
        );
        assert_eq!(parse_time("1600000000"), None);
    }
}
