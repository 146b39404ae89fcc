//! `kansoku tor import` on the real excerpts of `crates/enrich/tests/fixtures/tor/`, and
//! time-aware attribution of `http` and `net` rows at ingest.

use std::path::{Path, PathBuf};

use crate::common::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../enrich/tests/fixtures/tor")
        .join(name)
}

fn import_json(data: &Path, files: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["tor".to_string(), "import".into(), "--json".into()];
    args.extend(files.iter().map(|f| fixture(f).display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("JSON summary")
}

#[test]
fn each_list_format_imports_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let files = [
        "exit-addresses_2024-03-12.excerpt.txt",
        "exit-list-2018-11.excerpt.tar",
        "exit-list-2018-11.excerpt.tar.xz",
        "tor-exit-ips_2022-10-15.excerpt.lst",
        "onionoo-details.json",
    ];
    let got = import_json(&data, &files);
    let figures: Vec<(String, u64, u64, u64, u64)> = got
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap_or(u64::MAX);
            (
                f["format"].as_str().unwrap_or("?").to_string(),
                n("relays"),
                n("addresses"),
                n("ipv6_addresses"),
                n("files"),
            )
        })
        .collect();
    // Hand counts of the excerpts: 4 ExitNode blocks with 6 addresses; two hourly lists of
    // the same 3 relays each (the .tar.xz holds the same two); 8 bulk addresses, 3 of them
    // IPv6; two exit relays with 3 addresses, one IPv6.
    assert_eq!(
        figures,
        [
            ("exit-addresses".into(), 4, 6, 0, 1),
            ("archive".into(), 6, 3, 0, 2),
            ("archive".into(), 6, 3, 0, 2),
            ("bulk".into(), 0, 8, 3, 1),
            ("onionoo".into(), 2, 3, 1, 1),
        ]
    );
    // The .tar.xz repeats the .tar: nothing of it is new.
    assert!(got[1]["intervals_added"].as_u64() > Some(0));
    assert_eq!(got[2]["intervals_added"].as_u64(), Some(0));
    let rows = sql_number(&data, "SELECT count(*) FROM tor_exit");
    assert!(rows > 0);

    let again = import_json(&data, &files);
    for f in &again {
        assert_eq!(f["intervals_added"].as_u64(), Some(0), "{f}");
    }
    assert_eq!(sql_number(&data, "SELECT count(*) FROM tor_exit"), rows);
    assert_eq!(
        sql_number(
            &data,
            "SELECT count(*) FROM tor_exit WHERE ip = '2001:470:1:908::9001'"
        ),
        1,
        "IPv6 addresses are stored in canonical form"
    );
}

/// A combined log: the exit 185.241.208.232 (seen 2024-03-12 08:10:51 UTC) 10 hours
/// later, 3 days later, and an address never listed.
const ACCESS: &str = "\
185.241.208.232 - - [12/Mar/2024:18:10:51 +0000] \"GET /?id=1%27%20OR%201=1-- HTTP/1.1\" 200 10 \"-\" \"sqlmap/1.7\"
185.241.208.232 - - [15/Mar/2024:08:10:51 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"curl/8\"
192.0.2.77 - - [12/Mar/2024:18:10:51 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"curl/8\"
";

fn tor_column(data: &Path, table: &str) -> Vec<String> {
    let out = run(
        data,
        &[
            "sql",
            &format!("SELECT src_ip, CAST(tor_exit AS VARCHAR) FROM {table} ORDER BY source_line"),
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn attribution_is_time_aware_and_unknown_without_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = write(dir.path(), "access.log", ACCESS);
    let fw = write(
        dir.path(),
        "kern.log",
        "2024-03-12T20:00:00+00:00 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=185.241.208.232 DST=203.0.113.10 LEN=60 PROTO=TCP SPT=4444 DPT=23\n",
    );
    let logs = [log.to_str().expect("utf8"), fw.to_str().expect("utf8")];

    // No list imported: unknown, not false.
    let none = dir.path().join("none");
    assert!(run(&none, &["ingest", logs[0], logs[1]]).status.success());
    assert_eq!(
        tor_column(&none, "http"),
        ["185.241.208.232,", "185.241.208.232,", "192.0.2.77,"]
    );

    // Default window ±24 h: ten hours later is an exit, three days later is not.
    let data = dir.path().join("data");
    import_json(&data, &["exit-addresses_2024-03-12.excerpt.txt"]);
    assert!(run(&data, &["ingest", logs[0], logs[1]]).status.success());
    assert_eq!(
        tor_column(&data, "http"),
        [
            "185.241.208.232,true",
            "185.241.208.232,false",
            "192.0.2.77,false"
        ]
    );
    assert_eq!(tor_column(&data, "net"), ["185.241.208.232,true"]);

    // A one-hour window: ten hours later is no longer an exit.
    let narrow = dir.path().join("narrow");
    let conf = write(
        dir.path(),
        "narrow.toml",
        "[enrich]\ntor_window_hours = 1\n",
    );
    import_json(&narrow, &["exit-addresses_2024-03-12.excerpt.txt"]);
    let out = kansoku()
        .arg("--config")
        .arg(&conf)
        .arg("--data")
        .arg(&narrow)
        .args(["ingest", logs[0]])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        tor_column(&narrow, "http"),
        [
            "185.241.208.232,false",
            "185.241.208.232,false",
            "192.0.2.77,false"
        ]
    );
}

#[test]
fn country_comes_from_a_configured_geoip_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // tor-geoipdb text form: 185.241.208.0 - 185.241.208.255 → PL.
    let geo = write(
        dir.path(),
        "geoip",
        "# test table\n3119632384,3119632639,PL\n",
    );
    let conf = write(
        dir.path(),
        "kansoku.toml",
        &format!("[enrich]\ngeoip = [{:?}]\n", geo.display().to_string()),
    );
    let log = write(dir.path(), "access.log", ACCESS);
    let out = kansoku()
        .arg("--config")
        .arg(&conf)
        .arg("--data")
        .arg(&data)
        .args(["ingest", log.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let got = run(
        &data,
        &[
            "sql",
            "SELECT coalesce(src_country, 'unknown') FROM http ORDER BY source_line",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        stdout(&got).lines().skip(1).collect::<Vec<_>>(),
        ["PL", "PL", "unknown"]
    );
}
