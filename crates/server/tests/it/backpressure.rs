//! When flushing falls behind (here: the test holds the lake's exclusive lock, as a
//! compaction would, so no segment can be flushed), the spool fills to its bound; then HTTP
//! answers 503 with Retry-After, UDP drops are counted, TCP stops reading; once flushing
//! resumes everything accepted reaches the lake. (Shares are off here: the spool as a
//! whole fills; `cli/tests/it/serve.rs` tests the per-source share.)

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use crate::common::*;

#[test]
fn a_full_spool_pushes_back_and_loses_nothing_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let text = config_text(
        &data,
        r#"
[[source]]
name = "push"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "udp"
kind = "syslog-udp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "tcp"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
"#,
    )
    .replace(
        "flush_after_ms = 200",
        "flush_after_ms = 100\nsegment_bytes = 16384\nmax_bytes = 65536\nretry_after_secs = 3\nsource_share = 1.0",
    );
    std::fs::create_dir_all(&data).expect("data");
    let lake = kansoku_lake::Lake::open(&data).expect("lake");
    let server = start(&text);
    let board = server.addr("dashboard").to_string();
    let lock = lake.lock_exclusive().expect("exclusive lock");

    let mut accepted_http = 0u64;
    let mut refused = None;
    for batch in 0..200 {
        let body: String = (0..50)
            .map(|i| combined("198.51.100.8", &format!("/push/{batch}/{i}")) + "\n")
            .collect();
        let (status, headers, _) = http(server.addr("push"), "POST", "/", &[], body.as_bytes());
        match status {
            200 => accepted_http += 50,
            503 => {
                refused = headers.get("retry-after").cloned();
                break;
            }
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!(
        refused.as_deref(),
        Some("3"),
        "503 with Retry-After once full"
    );
    assert!(accepted_http > 0);
    // UDP while full: counted as dropped.
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    for i in 0..20 {
        udp.send_to(
            format!("<14>{}", combined("192.0.2.9", &format!("/udp/{i}"))).as_bytes(),
            server.addr("udp"),
        )
        .expect("send");
    }
    wait_for(30, "udp drops counted", || {
        metric(&board, "kansoku_events_dropped_total{source=\"udp\"") == 20
    });
    // TCP while full: the server does not read, so nothing is accepted yet.
    let mut tcp = TcpStream::connect(server.addr("tcp")).expect("tcp");
    for i in 0..100 {
        writeln!(tcp, "<14>{}", combined("192.0.2.10", &format!("/tcp/{i}"))).expect("send");
    }
    tcp.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        metric(&board, "kansoku_events_accepted_total{source=\"tcp\""),
        0
    );
    assert!(metric(&board, "kansoku_spool_bytes") >= 65536);

    // Flushing resumes: the spool drains, TCP is read, HTTP is accepted again.
    drop(lock);
    wait_for(60, "tcp read after the spool drained", || {
        metric(&board, "kansoku_events_accepted_total{source=\"tcp\"") == 100
    });
    drop(tcp);
    let (status, _, _) = http(
        server.addr("push"),
        "POST",
        "/",
        &[],
        combined("198.51.100.8", "/push/after").as_bytes(),
    );
    assert_eq!(status, 200);
    server.stop();
    let stored = column(&data, "SELECT count(*) FROM http WHERE source = 'push'");
    assert_eq!(stored, [(accepted_http + 1).to_string()]);
    assert_eq!(
        column(&data, "SELECT count(*) FROM http WHERE source = 'tcp'"),
        ["100"]
    );
    assert_eq!(
        column(&data, "SELECT count(*) FROM http WHERE source = 'udp'"),
        ["0"]
    );
}
