//! Each exit-list format read from a small real excerpt (see `tests/fixtures/README.md`).

use kansoku_enrich::tor::{TorFormat, TorIndex, import_path, parse_date, parse_datetime};

use crate::fixture;

const H: i64 = 3_600_000_000;

#[test]
fn exit_addresses_snapshot() {
    let (format, import) =
        import_path(&fixture("tor/exit-addresses_2024-03-12.excerpt.txt"), None).expect("reads");
    assert_eq!(format, TorFormat::ExitAddresses);
    assert_eq!((import.relays, import.distinct_addresses()), (4, 6));
    assert_eq!(import.malformed, 0);
    let index = TorIndex::new(import.observations, TorIndex::DEFAULT_WINDOW);
    // One relay, three addresses seen at different times: each counts around its own time.
    let seen = parse_datetime("2024-03-10 19:17:37").expect("t");
    assert!(index.is_exit_str("189.147.193.202", seen + 23 * H));
    assert!(!index.is_exit_str("189.147.193.202", seen + 25 * H));
    assert!(index.is_exit_str("201.137.252.163", seen + 25 * H));
    let fp = index
        .intervals()
        .find(|i| i.ip == "185.241.208.232")
        .and_then(|i| i.fingerprint);
    assert_eq!(
        fp.as_deref(),
        Some("FE39F07EBE7870DCE124AB30DF3ABD0700A43F75")
    );
}

#[test]
fn collector_tar_and_tar_xz_agree() {
    let (f1, tar) = import_path(&fixture("tor/exit-list-2018-11.excerpt.tar"), None).expect("tar");
    let (f2, xz) =
        import_path(&fixture("tor/exit-list-2018-11.excerpt.tar.xz"), None).expect("tar.xz");
    assert_eq!((f1, f2), (TorFormat::Archive, TorFormat::Archive));
    assert_eq!((tar.files, tar.relays, tar.observations.len()), (2, 6, 6));
    assert_eq!(tar.malformed, 0);
    assert_eq!(tar.observations, xz.observations);
    assert_eq!((xz.files, xz.relays), (2, 6));
    // The same three relays in both hours: three addresses, each one interval.
    let index = TorIndex::new(tar.observations, TorIndex::DEFAULT_WINDOW);
    assert_eq!((index.len(), index.intervals().count()), (3, 3));
}

#[test]
fn bulk_list_dated_by_file_name_or_caller() {
    let path = fixture("tor/tor-exit-ips_2022-10-15.excerpt.lst");
    let (format, import) = import_path(&path, None).expect("dated by name");
    assert_eq!(format, TorFormat::BulkList);
    assert_eq!(
        (
            import.distinct_addresses(),
            import.distinct_ipv6_addresses()
        ),
        (8, 3)
    );
    let day = parse_date("2022-10-15").expect("d");
    assert_eq!(import.observations[0].first, day);
    let index = TorIndex::new(import.observations, TorIndex::DEFAULT_WINDOW);
    assert!(index.is_exit_str("2001:470:1:908::9001", day + 12 * H));
    assert!(index.is_exit_str("102.130.113.9", day - 23 * H));
    assert!(!index.is_exit_str("102.130.113.9", day + 49 * H));

    let other = parse_date("2023-01-01").expect("d");
    let (_, import) = import_path(&path, Some(other)).expect("dated by caller");
    assert_eq!(import.observations[0].first, other);
}

#[test]
fn onionoo_details() {
    let (format, import) = import_path(&fixture("tor/onionoo-details.json"), None).expect("json");
    assert_eq!(format, TorFormat::Onionoo);
    assert_eq!(import.relays, 2);
    let mut ips: Vec<String> = import
        .observations
        .iter()
        .map(|o| o.ip.to_string())
        .collect();
    ips.sort();
    assert_eq!(ips, ["185.241.208.232", "189.147.145.37", "2001:db8:1::37"]);
    let index = TorIndex::new(import.observations, 0);
    let t = parse_datetime("2024-03-12 11:00:00").expect("t");
    assert!(index.is_exit_str("185.241.208.232", t));
    // exitB was first seen at 10:00, so it is not an exit before then.
    assert!(!index.is_exit_str("189.147.145.37", t - 2 * H));
    assert!(!index.is_exit_str("192.0.2.44", t));
}

/// Any input, however damaged, yields an import or an error, never a panic: every
/// fixture truncated at many points and with bytes overwritten.
#[test]
fn damaged_inputs_never_panic() {
    let names = [
        "tor/exit-addresses_2024-03-12.excerpt.txt",
        "tor/exit-list-2018-11.excerpt.tar",
        "tor/exit-list-2018-11.excerpt.tar.xz",
        "tor/tor-exit-ips_2022-10-15.excerpt.lst",
        "tor/onionoo-details.json",
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for name in names {
        let bytes = std::fs::read(fixture(name)).expect("fixture");
        for step in 0..200 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut damaged = bytes.clone();
            if step % 2 == 0 {
                damaged.truncate(x as usize % (bytes.len() + 1));
            } else {
                for k in 0..4 {
                    let at = (x >> (k * 16)) as usize % damaged.len();
                    damaged[at] = (x >> (k * 8)) as u8;
                }
            }
            let _ = kansoku_enrich::tor::import(&damaged[..], Some(0));
        }
    }
}
