//! Every source kind into the lake: syslog over TCP (both framings, RFC 3164 and 5424),
//! UDP, HTTP push, and a tailed file across rename and copytruncate rotation and a restart.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};

use crate::common::*;

fn sources(log: &std::path::Path) -> String {
    format!(
        r#"
[[source]]
name = "tcp"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
tenant = "shop"
[[source]]
name = "udp"
kind = "syslog-udp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "push"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
tenant = "blog"
[[source]]
name = "tail"
kind = "file"
path = {log:?}
format = "combined"
poll_ms = 20
rotate_wait_ms = 300
"#
    )
}

#[test]
fn every_source_reaches_the_lake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        format!(
            "{}\n{}\n",
            combined("192.0.2.1", "/tail/1"),
            combined("192.0.2.1", "/tail/2")
        ),
    )
    .expect("log");
    let text = config_text(&data, &sources(&log));
    let server = start(&text);

    // TCP, octet counting, RFC 5424 carrying an nginx line (one connection)...
    let mut tcp = TcpStream::connect(server.addr("tcp")).expect("tcp");
    for i in 0..3 {
        let msg = format!(
            "<190>1 2026-10-01T01:00:00Z web1 nginx - - - {}",
            combined("203.0.113.5", &format!("/tcp5424/{i}"))
        );
        write!(tcp, "{} {msg}", msg.len()).expect("send");
    }
    drop(tcp);
    // ...and newline framing with RFC 3164 headers (another connection).
    let mut tcp = TcpStream::connect(server.addr("tcp")).expect("tcp");
    for i in 0..3 {
        writeln!(
            tcp,
            "<190>Oct  1 01:00:00 web1 nginx[77]: {}",
            combined("203.0.113.6", &format!("/tcp3164/{i}"))
        )
        .expect("send");
    }
    // A broken line is rejected, the connection goes on.
    writeln!(
        tcp,
        "<190>Oct  1 01:00:00 web1 nginx: this is not an access log line"
    )
    .expect("send");
    drop(tcp);
    // ...and raw access-log lines without a syslog header (`tail -F access.log | nc`):
    // they begin with digits, which were taken for an octet count.
    let mut tcp = TcpStream::connect(server.addr("tcp")).expect("tcp");
    for i in 0..3 {
        writeln!(tcp, "{}", combined("203.0.113.7", &format!("/tcpraw/{i}"))).expect("send");
    }
    drop(tcp);
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    for i in 0..3 {
        let msg = format!(
            "<14>Oct  1 01:00:00 fw1 nginx: {}",
            combined("198.51.100.7", &format!("/udp/{i}"))
        );
        udp.send_to(msg.as_bytes(), server.addr("udp"))
            .expect("udp send");
    }
    let body = (0..3)
        .map(|i| combined("198.51.100.8", &format!("/push/{i}")))
        .collect::<Vec<_>>()
        .join("\n");
    let (status, _, answer) = http(
        server.addr("push"),
        "POST",
        "/",
        &[("Content-Type", "text/plain")],
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"accepted\":3"), "{answer}");
    let (status, headers, _) = http(server.addr("push"), "GET", "/", &[], b"");
    assert_eq!(
        (status, headers.get("allow").map(String::as_str)),
        (405, Some("POST"))
    );

    // Rotation by rename: the old file's rest is read, then the new file from its start.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open");
    writeln!(f, "{}", combined("192.0.2.1", "/tail/3")).expect("append");
    drop(f);
    wait_for(30, "tail/3 read", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tail\"",
        ) >= 3
    });
    std::fs::rename(&log, dir.path().join("access.log.1")).expect("rotate");
    std::fs::write(&log, format!("{}\n", combined("192.0.2.1", "/tail/4"))).expect("new file");
    wait_for(30, "tail/4 read", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tail\"",
        ) >= 4
    });
    // Rotation by copytruncate: the file shrinks, reading starts again at 0.
    std::fs::write(&log, format!("{}\n", combined("192.0.2.1", "/tail/5"))).expect("truncate");
    wait_for(30, "tail/5 read", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tail\"",
        ) >= 5
    });
    wait_for(30, "udp", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"udp\"",
        ) >= 3
    });
    wait_for(30, "the raw TCP lines", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tcp\"",
        ) >= 10
    });
    let summary = server.stop();
    assert_eq!(summary.accepted, 3 + 4 + 3 + 3 + 3 + 5);

    // Lines written while the server is down are read after the restart, once.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open");
    writeln!(f, "{}", combined("192.0.2.1", "/tail/6")).expect("append");
    drop(f);
    let server = start(&text);
    wait_for(30, "tail/6 read", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tail\"",
        ) >= 1
    });
    let again = server.stop();
    assert_eq!(again.accepted, 1, "only the new line is read again");

    let mut paths = column(&data, "SELECT path FROM http ORDER BY path");
    paths.sort();
    let mut expected: Vec<String> = Vec::new();
    for (prefix, n) in [
        ("tcp5424", 3),
        ("tcp3164", 3),
        ("tcpraw", 3),
        ("udp", 3),
        ("push", 3),
    ] {
        expected.extend((0..n).map(|i| format!("/{prefix}/{i}")));
    }
    expected.extend((1..=6).map(|i| format!("/tail/{i}")));
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(
        column(
            &data,
            "SELECT DISTINCT tenant FROM http WHERE source = 'tcp'"
        ),
        ["shop"]
    );
    assert_eq!(
        column(
            &data,
            "SELECT DISTINCT tenant FROM http WHERE source = 'push'"
        ),
        ["blog"]
    );
    assert_eq!(
        column(
            &data,
            "SELECT DISTINCT tenant FROM http WHERE source = 'udp'"
        ),
        ["default"]
    );
    // The rejected line is set aside with its source.
    let rejects: String = std::fs::read_dir(data.join("rejects"))
        .expect("rejects")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        rejects.contains("this is not an access log line")
            && rejects.contains("\"source\":\"tcp\""),
        "{rejects}"
    );
    // Graceful shutdown flushed everything: no segment is left.
    let left: Vec<_> = std::fs::read_dir(data.join("spool"))
        .expect("spool")
        .flatten()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Firewall logs over syslog reach the `net` table with what batch ingest adds
/// (service, direction, device from the syslog header), and the dashboard's firewall
/// section shows them.
#[test]
fn firewall_syslog_becomes_net_rows_with_service_and_direction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[network]\ninternal = [\"192.0.2.0/24\"]\n[[source]]\nname = \"fw\"\nkind = \"syslog-udp\"\nlisten = \"127.0.0.1:0\"\nformat = \"netfilter\"\ntenant = \"shop\"\n";
    let server = start(&config_text(&data, extra));
    let board = server.addr("dashboard").to_string();
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let stamp = chrono::Utc::now().format("%b %e %H:%M:%S");
    for (i, port) in [23, 23, 3389].iter().enumerate() {
        let msg = format!(
            "<4>{stamp} fw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.{i} DST=192.0.2.10 LEN=60 PROTO=TCP SPT=5123{i} DPT={port}"
        );
        udp.send_to(msg.as_bytes(), server.addr("fw"))
            .expect("send");
    }
    wait_for(30, "a flush", || {
        metric(&board, "kansoku_flush_seconds_count") >= 1
    });
    wait_for(30, "3 net rows", || {
        std::fs::read_dir(data.join("lake").join("net")).is_ok()
            && column(&data, "SELECT count(*) FROM net") == ["3"]
    });
    let rows = column(
        &data,
        "SELECT concat_ws(' ', service, direction, device, tenant, source, action) FROM net ORDER BY src_ip",
    );
    assert_eq!(
        rows,
        [
            "telnet inbound fw1 shop fw drop",
            "telnet inbound fw1 shop fw drop",
            "rdp inbound fw1 shop fw drop"
        ]
    );
    let (status, _, page) = http(&board, "GET", "/report/firewall?days=1", &[], b"");
    assert_eq!(status, 200);
    assert!(!page.contains("No firewall logs for this period"), "{page}");
    assert!(page.contains("telnet"), "{page}");
    server.stop();
}

/// Live rows are attributed to Tor exits as batch ingest attributes them, with
/// lists imported while the server runs (`kansoku tor import` writes the `tor_exit` table).
#[test]
fn tor_lists_imported_while_serving_attribute_the_next_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n";
    let server = start(&config_text(&data, extra));
    let line = |path: &str| combined("198.51.100.99", path) + "\n";
    let stored = |n: u64| {
        wait_for(30, "rows in the lake", || {
            std::fs::read_dir(data.join("lake").join("http")).is_ok()
                && column(&data, "SELECT count(*) FROM http") == [n.to_string()]
        })
    };
    assert_eq!(
        http(
            server.addr("push"),
            "POST",
            "/",
            &[],
            line("/before").as_bytes()
        )
        .0,
        200
    );
    stored(1);
    // `combined` lines are at 2026-10-01T01:00:00Z; the list saw the address then.
    let ts = 1_790_816_400_000_000;
    let mut list = kansoku_event::tor::TorExitBatchBuilder::with_capacity(1);
    list.push(&kansoku_event::tor::TorExitInterval {
        ip: "198.51.100.99".into(),
        first_seen: ts,
        last_seen: ts,
        fingerprint: None,
    });
    let lake = kansoku_lake::Lake::open(&data).expect("lake");
    lake.write_batch(
        kansoku_event::table::TOR_EXIT,
        "import-1",
        &list.finish(),
        None,
    )
    .expect("tor list");
    assert_eq!(
        http(
            server.addr("push"),
            "POST",
            "/",
            &[],
            line("/after").as_bytes()
        )
        .0,
        200
    );
    stored(2);
    server.stop();
    let rows = column(
        &data,
        "SELECT concat_ws(' ', path, coalesce(CAST(tor_exit AS VARCHAR), 'unknown')) FROM http ORDER BY path",
    );
    // Before any list: unknown, as in batch ingest; after the import: a Tor exit.
    assert_eq!(rows, ["/after true", "/before unknown"]);
}

/// The web server writes to its renamed log until it reopens it: those lines were lost
/// when the tail left the old file at its first end after the rename. And a rotation
/// while kansoku was down left the old file's unread tail behind.
#[test]
fn a_renamed_file_is_read_until_quiet_and_a_rotation_while_down_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let log = dir.path().join("access.log");
    let rotated = dir.path().join("access.log.1");
    let append = |path: &std::path::Path, from: usize, to: usize| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        for i in from..to {
            writeln!(f, "{}", combined("192.0.2.5", &format!("/gen/{i}"))).expect("append");
        }
    };
    let text = config_text(
        &data,
        &format!(
            "[[source]]\nname = \"tail\"\nkind = \"file\"\npath = {log:?}\nformat = \"combined\"\npoll_ms = 20\nrotate_wait_ms = 4000\n"
        ),
    );
    let accepted = |server: &Running| {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tail\"",
        )
    };
    append(&log, 0, 5);
    let server = start(&text);
    wait_for(30, "the first lines", || accepted(&server) >= 5);
    // Rotation: renamed, a new file created, and the writer still on the old one.
    std::fs::rename(&log, &rotated).expect("rename");
    append(&log, 100, 102);
    append(&rotated, 5, 8);
    wait_for(60, "the old file's late lines and the new file", || {
        accepted(&server) >= 10
    });
    assert_eq!(server.stop().accepted, 10);

    // Down: more lines in the current file, then a rotation, then a new file.
    append(&log, 102, 104);
    std::fs::rename(&log, &rotated).expect("rename while down");
    append(&log, 200, 201);
    let server = start(&text);
    wait_for(
        60,
        "the unread tail of the old file and the new file",
        || accepted(&server) >= 3,
    );
    assert_eq!(server.stop().accepted, 3);

    let mut paths = column(&data, "SELECT path FROM http");
    paths.sort();
    let mut expected: Vec<String> = (0..8)
        .chain(100..104)
        .chain(200..201)
        .map(|i| format!("/gen/{i}"))
        .collect();
    expected.sort();
    assert_eq!(paths, expected, "every line of every generation, once");
}

/// Anyone who reached an HTTP source wrote records, alerts and shared indicators: a source
/// with a token takes only requests that carry it, and one that listens beyond loopback
/// must have one.
#[test]
fn an_http_source_with_a_token_refuses_requests_without_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let source = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\ntoken = \"push-token-0123456789\"\n";
    let server = start(&config_text(&data, source));
    let line = combined("198.51.100.8", "/with-token");
    let (status, _, _) = http(server.addr("push"), "POST", "/", &[], line.as_bytes());
    assert_eq!(status, 401, "no token");
    let (status, _, _) = http(
        server.addr("push"),
        "POST",
        "/",
        &[("Authorization", "Bearer wrong-token-0123456789")],
        line.as_bytes(),
    );
    assert_eq!(status, 401, "a wrong token");
    let (status, _, answer) = http(
        server.addr("push"),
        "POST",
        "/",
        &[("Authorization", "Bearer push-token-0123456789")],
        line.as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    server.stop();
    assert_eq!(column(&data, "SELECT path FROM http"), ["/with-token"]);

    let open = config_text(
        &data,
        "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"0.0.0.0:0\"\nformat = \"combined\"\n",
    );
    let err = kansoku_server::ServeConfig::parse(&open)
        .expect_err("beyond loopback without a token")
        .to_string();
    assert!(err.contains("needs a token"), "{err}");
}
