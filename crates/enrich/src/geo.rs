//! IP address → country, from an offline table: Debian's `tor-geoipdb` text files
//! (`/usr/share/tor/geoip`: `INTLOW,INTHIGH,CC`; `geoip6`: `IPV6LOW,IPV6HIGH,CC`) or a
//! MaxMind-format `.mmdb` file.
//!
//! Geolocation is optional: an empty [`GeoTable`] answers `None` for every address and
//! the report says "country unknown". Text tables answer before `.mmdb` files; a lookup
//! is a binary search over sorted ranges.
//!
//! ```
//! use kansoku_enrich::geo::{CountryCode, GeoTable};
//!
//! let dir = std::env::temp_dir().join(format!("kansoku-geo-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).expect("temp dir");
//! let path = dir.join("geoip");
//! // 192.0.2.0 - 192.0.2.255 as integers.
//! std::fs::write(&path, "# test\n3221225984,3221226239,JP\n").expect("write");
//! let geo = GeoTable::load(&[&path]).expect("valid table");
//! assert_eq!(geo.country("192.0.2.7".parse().expect("ip")), CountryCode::new("JP"));
//! assert_eq!(GeoTable::default().country("192.0.2.7".parse().expect("ip")), None);
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

use maxminddb::{PathElement, Reader};

/// Licence notice for Debian's `tor-geoipdb` tables, which must accompany reports using them.
pub const TOR_GEOIPDB_ATTRIBUTION: &str = "IP-to-country data: IPFire Location Database \
(https://location.ipfire.org), as packaged in Debian's tor-geoipdb; licensed under \
CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/).";

/// Notice MaxMind's licence asks for when GeoLite2 data is used.
pub const GEOLITE2_ATTRIBUTION: &str = "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Two ASCII letters (any case), else `None`.
    pub fn new(code: &str) -> Option<CountryCode> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// The code as text (`JP`).
    pub fn as_str(&self) -> &str {
        // Built only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A table file that could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A `.mmdb` file is not a valid MaxMind database.
    #[error("{path}: not a valid MaxMind database: {message}")]
    Mmdb {
        /// The file.
        path: PathBuf,
        /// The reader's complaint.
        message: String,
    },
    /// A text file holds no `LOW,HIGH,CC` range at all.
    #[error("{path}: no LOW,HIGH,CC ranges (expected tor-geoipdb geoip/geoip6 or .mmdb)")]
    NoRanges {
        /// The file.
        path: PathBuf,
    },
}

/// IP-to-country ranges from one or more files; see the [module docs](self).
#[derive(Default)]
pub struct GeoTable {
    v4: Vec<(u32, u32, CountryCode)>,
    v6: Vec<(u128, u128, CountryCode)>,
    mmdb: Vec<Reader<Vec<u8>>>,
    attribution: Vec<String>,
    skipped: u64,
}

impl fmt::Debug for GeoTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoTable")
            .field("v4_ranges", &self.v4.len())
            .field("v6_ranges", &self.v6.len())
            .field("mmdb", &self.mmdb.len())
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl GeoTable {
    /// Loads `tor-geoipdb` text files and `.mmdb` files (told apart by content).
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<GeoTable, GeoError> {
        let mut table = GeoTable::default();
        for path in paths {
            let path = path.as_ref();
            let bytes = std::fs::read(path).map_err(|source| GeoError::Io {
                path: path.to_owned(),
                source,
            })?;
            if is_mmdb(path, &bytes) {
                table.add_mmdb(path, bytes)?;
            } else {
                table.add_text(path, &bytes)?;
            }
        }
        table.v4.sort_unstable();
        table.v6.sort_unstable();
        Ok(table)
    }

    fn add_mmdb(&mut self, path: &Path, bytes: Vec<u8>) -> Result<(), GeoError> {
        let reader = Reader::from_source(bytes).map_err(|e| GeoError::Mmdb {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let meta = reader.metadata();
        let notice = if meta.database_type.contains("GeoLite2") {
            GEOLITE2_ATTRIBUTION.to_owned()
        } else {
            let about = meta.description.get("en").map_or("", String::as_str);
            format!("IP-to-country data: {} {about}", meta.database_type)
                .trim_end()
                .to_owned()
        };
        self.note(notice);
        self.mmdb.push(reader);
        Ok(())
    }

    fn add_text(&mut self, path: &Path, bytes: &[u8]) -> Result<(), GeoError> {
        let text = String::from_utf8_lossy(bytes);
        let before = self.v4.len() + self.v6.len();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !self.add_range(line) {
                self.skipped += 1;
            }
        }
        if self.v4.len() + self.v6.len() == before {
            return Err(GeoError::NoRanges {
                path: path.to_owned(),
            });
        }
        self.note(TOR_GEOIPDB_ATTRIBUTION.to_owned());
        Ok(())
    }

    /// `INTLOW,INTHIGH,CC` or `IPV6LOW,IPV6HIGH,CC`; false when it is neither.
    fn add_range(&mut self, line: &str) -> bool {
        let mut fields = line.split(',').map(str::trim);
        let (Some(lo), Some(hi), Some(cc), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return false;
        };
        // "??" and similar placeholders mean "unknown": leave those addresses unattributed.
        let Some(cc) = CountryCode::new(cc) else {
            return cc == "??";
        };
        if let (Ok(lo), Ok(hi)) = (lo.parse::<u32>(), hi.parse::<u32>()) {
            if lo > hi {
                return false;
            }
            self.v4.push((lo, hi, cc));
            return true;
        }
        match (lo.parse::<Ipv6Addr>(), hi.parse::<Ipv6Addr>()) {
            (Ok(lo), Ok(hi)) if lo <= hi => {
                self.v6.push((u128::from(lo), u128::from(hi), cc));
                true
            }
            _ => false,
        }
    }

    fn note(&mut self, notice: String) {
        if !self.attribution.contains(&notice) {
            self.attribution.push(notice);
        }
    }

    /// The country of `ip`, or `None` when no table knows it.
    pub fn country(&self, ip: IpAddr) -> Option<CountryCode> {
        let ip = match ip {
            IpAddr::V6(a) => a.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let from_text = match ip {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        };
        from_text.or_else(|| self.mmdb.iter().find_map(|r| mmdb_country(r, ip)))
    }

    /// Licence notices of the loaded data, to print with every report that uses it.
    pub fn attribution(&self) -> &[String] {
        &self.attribution
    }

    /// Whether no table was loaded (every lookup answers `None`).
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty() && self.mmdb.is_empty()
    }

    /// Text lines that were neither comments nor ranges.
    pub fn skipped_lines(&self) -> u64 {
        self.skipped
    }
}

fn find<T: Ord + Copy>(ranges: &[(T, T, CountryCode)], ip: T) -> Option<CountryCode> {
    let i = ranges.partition_point(|r| r.0 <= ip);
    let r = ranges.get(i.checked_sub(1)?)?;
    (ip <= r.1).then_some(r.2)
}

fn mmdb_country(reader: &Reader<Vec<u8>>, ip: IpAddr) -> Option<CountryCode> {
    let found = reader.lookup(ip).ok()?;
    ["country", "registered_country"].iter().find_map(|key| {
        let path = [PathElement::Key(key), PathElement::Key("iso_code")];
        let code: Option<&str> = found.decode_path(&path).ok()?;
        code.and_then(CountryCode::new)
    })
}

/// MaxMind databases end with a metadata section introduced by this marker.
fn is_mmdb(path: &Path, bytes: &[u8]) -> bool {
    const MARKER: &[u8] = b"\xAB\xCD\xEFMaxMind.com";
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("mmdb"))
        || bytes[bytes.len().saturating_sub(128 * 1024)..]
            .windows(MARKER.len())
            .any(|w| w == MARKER)
}
