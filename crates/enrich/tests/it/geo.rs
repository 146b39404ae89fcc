//! IP → country from tables the tests write (tor-geoipdb text format, a broken .mmdb).

use std::net::IpAddr;

use kansoku_enrich::geo::{CountryCode, GeoError, GeoTable, TOR_GEOIPDB_ATTRIBUTION};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn cc(s: &str) -> Option<CountryCode> {
    CountryCode::new(s)
}

/// geoip and geoip6 in Debian's layout, ranges deliberately out of order.
fn tables(dir: &std::path::Path) -> [std::path::PathBuf; 2] {
    let v4 = dir.join("geoip");
    let v6 = dir.join("geoip6");
    let ipv4 = |s: &str| u32::from(s.parse::<std::net::Ipv4Addr>().expect("v4"));
    let text4 = format!(
        "# Last updated based on test data\n{},{},DE\n{},{},JP\n{},{},??\nnot,a,line\n{},{},us\n",
        ipv4("198.51.100.0"),
        ipv4("198.51.100.127"),
        ipv4("192.0.2.0"),
        ipv4("192.0.2.255"),
        ipv4("203.0.113.0"),
        ipv4("203.0.113.255"),
        ipv4("198.51.100.128"),
        ipv4("198.51.100.255"),
    );
    std::fs::write(&v4, text4).expect("write geoip");
    std::fs::write(
        &v6,
        "# geoip6\n2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,JP\n2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,FR\n",
    )
    .expect("write geoip6");
    [v4, v6]
}

#[test]
fn tor_geoipdb_text_tables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let geo = GeoTable::load(&tables(dir.path())).expect("valid tables");
    let cases = [
        ("192.0.2.0", cc("JP")),
        ("192.0.2.255", cc("JP")),
        ("192.0.3.0", None),
        ("198.51.100.127", cc("DE")),
        ("198.51.100.128", cc("US")),
        ("203.0.113.9", None),
        ("0.0.0.0", None),
        ("255.255.255.255", None),
        ("::ffff:192.0.2.5", cc("JP")),
        ("2001:db8::1", cc("JP")),
        ("2001:db8:1:ffff::1", cc("FR")),
        ("2001:db8:2::1", None),
        ("::", None),
    ];
    for (addr, want) in cases {
        assert_eq!(geo.country(ip(addr)), want, "{addr}");
    }
    assert_eq!(geo.skipped_lines(), 1);
    assert_eq!(geo.attribution(), [TOR_GEOIPDB_ATTRIBUTION.to_owned()]);
    assert!(TOR_GEOIPDB_ATTRIBUTION.contains("CC BY-SA 4.0"));
}

#[test]
fn no_table_means_unknown_not_failure() {
    let geo = GeoTable::default();
    assert!(geo.is_empty());
    assert_eq!(geo.country(ip("192.0.2.1")), None);
    assert!(geo.attribution().is_empty());
    let none: [&str; 0] = [];
    assert!(GeoTable::load(&none).expect("nothing to load").is_empty());
}

#[test]
fn unusable_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("absent");
    assert!(matches!(
        GeoTable::load(&[&missing]),
        Err(GeoError::Io { .. })
    ));

    let mmdb = dir.path().join("broken.mmdb");
    std::fs::write(&mmdb, b"\x00\x01 not a database").expect("write");
    let err = GeoTable::load(&[&mmdb]).expect_err("broken mmdb");
    assert!(matches!(err, GeoError::Mmdb { .. }));
    assert!(err.to_string().contains("broken.mmdb"), "{err}");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello\nworld\n").expect("write");
    assert!(matches!(
        GeoTable::load(&[&text]),
        Err(GeoError::NoRanges { .. })
    ));
}
