//! What ingest adds to rows from configuration and lists: a flow's direction and service,
//! a source's country (offline geo table), and whether it was a Tor exit at the time
//! (the lake's `tor_exit` intervals, loaded once per run).

use std::net::IpAddr;
use std::str::FromStr;

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use chrono_tz::Tz;
use kansoku_enrich::geo::GeoTable;
use kansoku_enrich::net::Cidr;
use kansoku_enrich::service::{Transport, service_name};
use kansoku_enrich::tor::TorIndex;
use kansoku_event::net::Direction;
use kansoku_event::tor::{TorExitInterval, col};
use kansoku_event::{Micros, NetFlow, table};
use kansoku_lake::{Lake, LakeError};
use kansoku_parse::firewall::FieldMapping;
use kansoku_parse::{Format, ParseError};

use crate::config::{Config, ConfigError};

/// The compiled `[network]`, `[firewall]` and `[enrich]` settings.
#[derive(Debug)]
pub struct Settings {
    internal: Vec<Cidr>,
    external_interfaces: Vec<String>,
    /// Zone of firewall times written without an offset.
    pub zone: Tz,
    mappings: Vec<FieldMapping>,
    geo: GeoTable,
    /// Half-width of the Tor attribution window, microseconds.
    pub tor_window: Micros,
    /// How far ahead of the clock an event's time may be, microseconds (`[time]`).
    max_future_skew: Micros,
}

impl Settings {
    pub(crate) fn new(config: &Config) -> Result<Settings, ConfigError> {
        let bad = ConfigError::Enrich;
        let internal = config
            .network
            .internal
            .iter()
            .map(|c| {
                Cidr::parse(c).ok_or_else(|| {
                    bad(format!(
                        "[network] internal: {c:?} is not an address or CIDR block"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let zone = match config.firewall.timezone.trim() {
            "" => Tz::UTC,
            z => Tz::from_str(z)
                .map_err(|_| bad(format!("[firewall] timezone: unknown time zone {z:?}")))?,
        };
        for m in &config.firewall.mapping {
            m.validate().map_err(|e| bad(e.to_string()))?;
        }
        let geo = if config.enrich.geoip.is_empty() {
            GeoTable::default()
        } else {
            GeoTable::load(config.enrich.geoip.as_slice())
                .map_err(|e| bad(format!("[enrich] geoip: {e}")))?
        };
        Ok(Settings {
            internal,
            external_interfaces: config.network.external_interfaces.clone(),
            zone,
            mappings: config.firewall.mapping.clone(),
            geo,
            tor_window: i64::from(config.enrich.tor_window_hours) * 3_600_000_000,
            max_future_skew: i64::try_from(config.time.max_future_skew_secs)
                .unwrap_or(i64::MAX / 2_000_000)
                .saturating_mul(1_000_000),
        })
    }

    /// Why an event dated `ts` cannot have happened by `now` (more than `[time]
    /// max_future_skew_secs` ahead), or `None` when its time is believable.
    pub fn future_time(&self, ts: i64, now: i64) -> Option<String> {
        let ahead = ts.saturating_sub(now);
        (ahead > self.max_future_skew).then(|| {
            let when = chrono::DateTime::from_timestamp_micros(ts)
                .map_or_else(|| ts.to_string(), |t| t.to_rfc3339());
            format!(
                "time {when} is {} h ahead of this machine's clock (more than [time] max_future_skew_secs = {} s): a forged header or a broken clock",
                ahead / 3_600_000_000,
                self.max_future_skew / 1_000_000
            )
        })
    }

    /// The format named on the command line: a `[[firewall.mapping]]` name, else a built-in one.
    pub fn format(&self, name: &str) -> Result<Format, ParseError> {
        match self.mappings.iter().find(|m| m.name == name.trim()) {
            Some(m) => Ok(Format::Mapped(Box::new(m.clone()))),
            None => Format::from_name(name),
        }
    }

    fn is_internal(&self, ip: Option<&str>) -> Option<bool> {
        let ip: IpAddr = ip?.parse().ok()?;
        Some(self.internal.iter().any(|c| c.contains(ip)))
    }

    /// Which way a flow went: by addresses when internal networks are configured and
    /// one side is inside, else by external interfaces, else `unknown`.
    pub fn direction(&self, f: &NetFlow) -> Direction {
        if !self.internal.is_empty() {
            match (
                self.is_internal(f.src_ip.as_deref()),
                self.is_internal(f.dst_ip.as_deref()),
            ) {
                (Some(true), Some(true)) => return Direction::Internal,
                (Some(false), Some(true)) => return Direction::Inbound,
                (Some(true), Some(false)) => return Direction::Outbound,
                _ => {}
            }
        }
        let external = |iface: &Option<String>| {
            iface
                .as_deref()
                .is_some_and(|i| self.external_interfaces.iter().any(|e| e == i))
        };
        if external(&f.in_iface) {
            Direction::Inbound
        } else if external(&f.out_iface) {
            Direction::Outbound
        } else {
            Direction::Unknown
        }
    }

    /// The service a flow's destination port stands for (TCP and UDP only).
    pub fn service(f: &NetFlow) -> Option<String> {
        let transport = Transport::from_str(f.proto.as_deref()?).ok()?;
        service_name(f.dst_port?, transport).map(|s| s.name.to_string())
    }

    /// The country of an address, from the configured geo table.
    pub fn country(&self, ip: Option<&str>) -> Option<String> {
        if self.geo.is_empty() {
            return None;
        }
        let ip: IpAddr = ip?.parse().ok()?;
        self.geo.country(ip).map(|c| c.as_str().to_string())
    }

    /// Licence notices of the loaded geo tables, for reports.
    pub fn geo_attribution(&self) -> &[String] {
        self.geo.attribution()
    }
}

/// Tor exit intervals of the lake, as one index for a whole ingest run.
#[derive(Debug, Default)]
pub struct TorAttribution {
    index: Option<TorIndex>,
}

impl TorAttribution {
    /// Loads the `tor_exit` table; with no row, attribution answers `None` (unknown).
    pub fn load(lake: &Lake, window: Micros) -> Result<TorAttribution, LakeError> {
        let rows = read_intervals(lake)?;
        if rows.is_empty() {
            return Ok(TorAttribution::default());
        }
        Ok(TorAttribution {
            index: Some(TorIndex::from_intervals(&rows, window)),
        })
    }

    /// An attribution from an index built elsewhere (tests, benchmarks).
    pub fn from_index(index: TorIndex) -> TorAttribution {
        TorAttribution { index: Some(index) }
    }

    /// Whether `ip` was a Tor exit at `ts`: `None` when no list was ever imported.
    pub fn tor_exit(&self, ip: Option<&str>, ts: Micros) -> Option<bool> {
        let index = self.index.as_ref()?;
        Some(ip.is_some_and(|ip| index.is_exit_str(ip, ts)))
    }

    /// Distinct exit addresses loaded.
    pub fn addresses(&self) -> usize {
        self.index.as_ref().map_or(0, TorIndex::len)
    }
}

/// Every row of the lake's `tor_exit` table.
pub fn read_intervals(lake: &Lake) -> Result<Vec<TorExitInterval>, LakeError> {
    let mut rows = Vec::new();
    for batch in lake.read_table(table::TOR_EXIT)? {
        let (Some(ip), Some(first), Some(last), Some(fp)) = (
            batch.column_by_name(col::IP),
            batch.column_by_name(col::FIRST_SEEN),
            batch.column_by_name(col::LAST_SEEN),
            batch.column_by_name(col::FINGERPRINT),
        ) else {
            continue;
        };
        let (Some(ip), Some(first), Some(last), Some(fp)) = (
            ip.as_string_opt::<i32>(),
            first.as_primitive_opt::<TimestampMicrosecondType>(),
            last.as_primitive_opt::<TimestampMicrosecondType>(),
            fp.as_string_opt::<i32>(),
        ) else {
            continue;
        };
        for i in 0..batch.num_rows() {
            rows.push(TorExitInterval {
                ip: ip.value(i).to_string(),
                first_seen: first.value(i),
                last_seen: last.value(i),
                fingerprint: fp.is_valid(i).then(|| fp.value(i).to_string()),
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> Settings {
        Settings::new(&Config::parse(toml).expect("valid config")).expect("valid settings")
    }

    fn flow(src: &str, dst: &str, inn: Option<&str>, out: Option<&str>) -> NetFlow {
        NetFlow {
            src_ip: Some(src.into()),
            dst_ip: Some(dst.into()),
            in_iface: inn.map(Into::into),
            out_iface: out.map(Into::into),
            ..NetFlow::default()
        }
    }

    #[test]
    fn direction_by_networks_then_interfaces() {
        let s = settings(
            "[network]\ninternal = [\"192.0.2.0/24\", \"2001:db8::/32\"]\nexternal_interfaces = [\"wan1\"]\n",
        );
        use Direction::*;
        let cases = [
            (
                flow("198.51.100.7", "192.0.2.10", Some("eth0"), None),
                Inbound,
            ),
            (flow("192.0.2.10", "198.51.100.7", None, None), Outbound),
            (flow("192.0.2.10", "192.0.2.11", None, None), Internal),
            (flow("2001:db9::1", "2001:db8::10", None, None), Inbound),
            // NAT: both sides look external; the interface decides.
            (
                flow("198.51.100.7", "203.0.113.1", Some("wan1"), None),
                Inbound,
            ),
            (
                flow("198.51.100.7", "203.0.113.1", Some("lan"), Some("wan1")),
                Outbound,
            ),
            (
                flow("198.51.100.7", "203.0.113.1", Some("lan"), None),
                Unknown,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(s.direction(&f), want, "{f:?}");
        }
        let nothing_configured = settings("");
        assert_eq!(
            nothing_configured.direction(&flow("198.51.100.7", "192.0.2.10", Some("eth0"), None)),
            Unknown
        );
    }

    #[test]
    fn services_need_tcp_or_udp() {
        let mut f = flow("198.51.100.7", "192.0.2.10", None, None);
        f.dst_port = Some(3702);
        f.proto = Some("udp".into());
        assert_eq!(Settings::service(&f).as_deref(), Some("ws-discovery"));
        f.proto = Some("tcp".into());
        assert_eq!(Settings::service(&f), None);
        f.proto = Some("icmp".into());
        assert_eq!(Settings::service(&f), None);
    }

    #[test]
    fn bad_settings_are_named() {
        for (toml, needle) in [
            ("[network]\ninternal = [\"192.0.2.0/33\"]\n", "192.0.2.0/33"),
            ("[firewall]\ntimezone = \"Mars/Olympus\"\n", "Mars/Olympus"),
            ("[enrich]\ngeoip = [\"/nonexistent/geoip\"]\n", "geoip"),
        ] {
            let err = Settings::new(&Config::parse(toml).expect("parses")).expect_err(needle);
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn no_list_means_unknown_not_false() {
        let none = TorAttribution::default();
        assert_eq!(none.tor_exit(Some("192.0.2.1"), 0), None);
        let index = TorIndex::new(
            [kansoku_enrich::tor::Observation {
                ip: "192.0.2.1".parse().expect("ip"),
                first: 0,
                last: 0,
                fingerprint: None,
            }],
            10,
        );
        let some = TorAttribution::from_index(index);
        assert_eq!(some.tor_exit(Some("192.0.2.1"), 10), Some(true));
        assert_eq!(some.tor_exit(Some("192.0.2.1"), 11), Some(false));
        assert_eq!(some.tor_exit(None, 0), Some(false));
    }
}
