//! Firewall logs through `kansoku ingest` into the `net` table: rows, direction, service,
//! action, rejects with line numbers, exactly-once on re-ingest.

use std::fmt::Write as _;
use std::path::Path;

use crate::common::*;

/// A UFW kern.log of `n` packets, a third each on 2026-10-05, 06 and 07 just after
/// midnight JST (so the previous UTC day): every third to Telnet, every third to
/// WS-Discovery, the rest to HTTPS and allowed; every 25th is from one internal host to
/// another, every other tenth outbound (from the internal 203.0.113.10 to outside).
fn ufw_log(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let day = 5 + i * 3 / n;
        let (h, m, sec) = ((i / 3600) % 24, (i / 60) % 60, i % 60);
        let (src, dst) = if i % 25 == 0 {
            ("192.0.2.20".to_string(), "203.0.113.10".to_string())
        } else if i % 10 == 0 {
            (
                "203.0.113.10".to_string(),
                format!("198.51.100.{}", i % 200),
            )
        } else {
            (
                format!("198.51.100.{}", i % 200),
                "203.0.113.10".to_string(),
            )
        };
        let (prefix, proto, dport, len) = match i % 3 {
            0 => ("UFW BLOCK", "TCP", 23, 60),
            1 => ("UFW BLOCK", "UDP", 3702, 684),
            _ => ("UFW ALLOW", "TCP", 443, 52),
        };
        let _ = writeln!(
            s,
            "Oct {day:>2} {h:02}:{m:02}:{sec:02} gw kernel: [{i}.000001] [{prefix}] IN=eth0 OUT= \
             MAC=00:16:3e:5a:1c:01:00:1b:21:3a:4f:02:08:00 SRC={src} DST={dst} LEN={len} TOS=0x00 \
             PREC=0x00 TTL=52 ID={i} PROTO={proto} SPT={} DPT={dport} WINDOW=64240 RES=0x00 SYN URGP=0",
            1024 + i % 60000
        );
    }
    s
}

fn config(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "kansoku.toml",
        "[network]\ninternal = [\"203.0.113.0/24\", \"192.0.2.0/24\"]\n\n[firewall]\ntimezone = \"Asia/Tokyo\"\n",
    )
}

fn ingest(data: &Path, conf: &Path, path: &Path) -> std::process::Output {
    kansoku()
        .arg("--config")
        .arg(conf)
        .arg("--data")
        .arg(data)
        .args(["ingest", path.to_str().expect("utf8")])
        .output()
        .expect("kansoku runs")
}

/// `kansoku sql` rows as CSV lines after the header.
fn rows(data: &Path, query: &str) -> Vec<String> {
    let out = run(data, &["sql", query, "--format", "csv"]);
    assert!(out.status.success(), "sql failed: {}", stderr(&out));
    stdout(&out).lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn netfilter_log_fills_the_net_table_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let conf = config(dir.path());
    let mut text = ufw_log(300);
    // Lines 301..303: a kernel message, a broken address, a truncated line.
    text.push_str("Oct  7 23:00:00 gw kernel: [99.0] usb 1-1: new high-speed USB device\n");
    text.push_str("Oct  7 23:00:01 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.999 DST=203.0.113.10 PROTO=TCP SPT=1 DPT=23\n");
    text.push_str("Oct  7 23:00:02 gw kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16\n");
    let log = write(dir.path(), "kern.log", &text);
    // The syslog times carry no year: the file's modification time supplies it.
    let mtime = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_791_936_000); // 2026-10-14
    std::fs::File::options()
        .write(true)
        .open(&log)
        .and_then(|f| f.set_modified(mtime))
        .expect("set mtime");

    let out = ingest(&data, &conf, &log);
    assert_eq!(
        out.status.code(),
        Some(3),
        "rejects give exit code 3: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("300 stored") && err.contains("3 rejected"),
        "{err}"
    );
    assert_eq!(sql_number(&data, "SELECT count(*) FROM net"), 300);
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 0);

    assert_eq!(
        rows(
            &data,
            "SELECT direction, count(*) FROM net GROUP BY direction ORDER BY direction"
        ),
        ["inbound,264", "internal,12", "outbound,24"]
    );
    assert_eq!(
        rows(
            &data,
            "SELECT proto, dst_port, service, action, count(*) FROM net \
             GROUP BY 1, 2, 3, 4 ORDER BY 2"
        ),
        [
            "tcp,23,telnet,drop,100",
            "tcp,443,https,allow,100",
            "udp,3702,ws-discovery,drop,100"
        ]
    );
    assert_eq!(
        rows(
            &data,
            "SELECT CAST(ts AS BIGINT), src_ip, rule, in_iface, device, bytes, packets, source_line, \
             tor_exit IS NULL, src_country IS NULL FROM net WHERE source_line = 2"
        ),
        ["1791126001000000,198.51.100.1,UFW BLOCK,eth0,gw,684,1,2,true,true"]
    );
    assert_eq!(
        rows(
            &data,
            "SELECT day, count(*) FROM net GROUP BY day ORDER BY day"
        ),
        ["2026-10-04,100", "2026-10-05,100", "2026-10-06,100"]
    );

    let rejects: Vec<String> = std::fs::read_dir(data.join("rejects"))
        .expect("rejects folder")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    let all = rejects.concat();
    for line in ["\"line\":301", "\"line\":302", "\"line\":303"] {
        assert!(all.contains(line), "{line} in {all}");
    }
    assert!(all.contains("not a netfilter LOG line"), "{all}");

    let again = ingest(&data, &conf, &log);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already ingested"),
        "{}",
        stderr(&again)
    );
    assert_eq!(sql_number(&data, "SELECT count(*) FROM net"), 300);
}

#[test]
fn each_firewall_format_is_detected_and_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let conf = config(dir.path());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../parse/tests/fixtures/firewall");
    // (file, stored, rejected) — the parse crate's tests say which line is which.
    for (file, stored, rejected) in [
        ("filterlog.log", 6, 3),
        ("fortigate.log", 3, 3),
        ("paloalto.log", 3, 3),
    ] {
        let path = fixtures.join(file);
        let out = ingest(&data, &conf, &path);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{file}: {err}");
        assert!(
            err.contains(&format!("{stored} stored"))
                && err.contains(&format!("{rejected} rejected")),
            "{file}: {err}"
        );
    }
    assert_eq!(
        rows(
            &data,
            "SELECT service, count(*) FROM net WHERE service IS NOT NULL GROUP BY 1 ORDER BY 1"
        ),
        ["https,2", "smb,1", "telnet,3", "ws-discovery,4"]
    );
    // 203.0.113.0/24 is internal: traffic to it is inbound, from 192.168.1.20 (not
    // configured) to outside is unknown unless an interface tells.
    assert_eq!(
        sql_number(
            &data,
            "SELECT count(*) FROM net WHERE dst_ip LIKE '203.0.113.%' AND direction = 'inbound'"
        ),
        7
    );
}
