//! Reading shared indicator sets: one module per format, each turning a file or folder
//! into network indicators ([`Parsed`]); [`crate::store`] writes them to the lake.
//!
//! * [`stix`]: STIX 2.1 bundles; indicators whose pattern compares `ipv4-addr:value` /
//!   `ipv6-addr:value` (`=` or `ISSUBSET`), joined by `OR`.
//! * [`misp`]: MISP feed folders (`manifest.json` + event files) or one event file;
//!   `ip-src`, `ip-dst` and `…|port` attributes, also inside objects.
//! * [`blocklist`]: one address or CIDR block per line, `#`/`;` comments.

pub mod blocklist;
pub mod misp;
pub mod stix;

use std::net::IpAddr;
use std::path::Path;

use kansoku_event::Micros;
use kansoku_event::intel::IntelIndicator;
use serde::Serialize;

use crate::IntelError;

/// A format of shared indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// STIX 2.1 bundle.
    Stix,
    /// MISP feed folder or event file.
    Misp,
    /// Plain IP/CIDR list.
    Blocklist,
}

impl ImportFormat {
    /// Parses `stix`, `misp` or `blocklist`.
    pub fn parse(s: &str) -> Option<ImportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stix" | "stix2" => Some(ImportFormat::Stix),
            "misp" => Some(ImportFormat::Misp),
            "blocklist" | "list" | "txt" => Some(ImportFormat::Blocklist),
            _ => None,
        }
    }

    /// Guesses the format: a folder is a MISP feed, a JSON file with `"Event"` a MISP
    /// event, other JSON STIX, anything else a blocklist.
    pub fn detect(path: &Path) -> Result<ImportFormat, IntelError> {
        if path.is_dir() {
            return Ok(ImportFormat::Misp);
        }
        let bytes = std::fs::read(path).map_err(|e| IntelError::io(path, e))?;
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let t = head.trim_start();
        if t.starts_with('{') || t.starts_with('[') {
            if t.contains("\"Event\"") {
                Ok(ImportFormat::Misp)
            } else {
                Ok(ImportFormat::Stix)
            }
        } else {
            Ok(ImportFormat::Blocklist)
        }
    }
}

/// Settings of one import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// List name; without one, the sharing organisation's name (STIX identity, MISP Orgc)
    /// or the file name. Required for blocklists.
    pub name: Option<String>,
    /// Start of validity where the source gives none (blocklists: default the file's
    /// modification time; MISP: the attribute's first_seen, else the event's date).
    pub valid_from: Option<Micros>,
    /// End of validity: caps every indicator's (none = as the source says, or no expiry).
    pub expires: Option<Micros>,
}

/// What one importer read.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The indicators.
    pub indicators: Vec<IntelIndicator>,
    /// Entries of other kinds (hashes, domains, patterns on other objects), skipped.
    pub skipped: u64,
    /// Entries that should be addresses but are not (`file:line: reason`).
    pub malformed: Vec<String>,
}

impl Parsed {
    /// Applies `--expires`; drops indicators whose validity ends before it starts.
    pub(crate) fn cap(&mut self, expires: Option<Micros>) {
        if let Some(e) = expires {
            for i in &mut self.indicators {
                i.valid_until = Some(i.valid_until.map_or(e, |u| u.min(e)));
            }
        }
        self.indicators
            .retain(|i| i.valid_until.is_none_or(|u| u >= i.valid_from));
    }
}

/// Reads `path` in `format`.
pub fn read(path: &Path, format: ImportFormat, opts: &ImportOptions) -> Result<Parsed, IntelError> {
    let mut parsed = match format {
        ImportFormat::Stix => stix::read(path, opts)?,
        ImportFormat::Misp => misp::read(path, opts)?,
        ImportFormat::Blocklist => blocklist::read(path, opts)?,
    };
    parsed.cap(opts.expires);
    Ok(parsed)
}

/// The canonical text of an address or CIDR block (`198.51.100.0/24`; a full-length
/// prefix is written as the bare address; host bits are cleared).
pub fn canonical(s: &str) -> Option<String> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (
            a.trim().parse::<IpAddr>().ok()?,
            Some(p.trim().parse::<u8>().ok()?),
        ),
        None => (s.parse::<IpAddr>().ok()?, None),
    };
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        a => a,
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return None;
    }
    if prefix == max {
        return Some(addr.to_string());
    }
    let net = crate::index::network(addr, prefix);
    Some(format!("{net}/{prefix}"))
}

/// The file name without extension, as a last-resort list name.
pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical("198.51.100.7").as_deref(), Some("198.51.100.7"));
        assert_eq!(
            canonical("198.51.100.7/32").as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            canonical("198.51.100.7/24").as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(
            canonical("2001:DB8::1/32").as_deref(),
            Some("2001:db8::/32")
        );
        assert_eq!(
            canonical("::ffff:198.51.100.7").as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(canonical("198.51.100.7/33"), None);
        assert_eq!(canonical("example.com"), None);
    }
}
