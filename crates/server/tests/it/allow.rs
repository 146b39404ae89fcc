//! Allow-lists: a source that accepts only 192.0.2.1 refuses this test's loopback sender
//! on every network kind (TCP closed at accept, UDP dropped, HTTP closed before a
//! request is read), counts each refusal in `kansoku_senders_denied_total`, and stores
//! nothing of it, while the same kinds without a list, or with a list that names
//! 127.0.0.1, store what they get.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use crate::common::*;

const SOURCES: &str = r#"
[[source]]
name = "tcp-closed"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
allow = ["192.0.2.1/32"]
[[source]]
name = "udp-closed"
kind = "syslog-udp"
listen = "127.0.0.1:0"
format = "combined"
allow = ["192.0.2.1/32", "2001:db8::/32"]
[[source]]
name = "http-closed"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
allow = ["192.0.2.1"]
[[source]]
name = "relp-closed"
kind = "relp"
listen = "127.0.0.1:0"
format = "combined"
allow = ["192.0.2.1/32"]
[[source]]
name = "tcp-open"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "tcp-listed"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
allow = ["192.0.2.0/24", "127.0.0.1"]
[[source]]
name = "udp-open"
kind = "syslog-udp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "http-open"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
"#;

fn syslog(path: &str) -> String {
    format!(
        "<13>Oct  1 01:00:00 web1 nginx: {}\n",
        combined("198.51.100.7", path)
    )
}

/// Sends one line on a new TCP connection; returns what the server wrote back before it
/// closed the connection (nothing, for syslog). The read ends when the server closes.
fn tcp(addr: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The server may have closed it already: a refused write is an answer too.
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    s.read_to_end(&mut out).map(|_| out)
}

#[test]
fn a_source_refuses_senders_outside_its_allow_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let server = start(&config_text(&data, SOURCES));
    let board = server.addr("dashboard").to_string();
    let denied = |source: &str| {
        metric(
            &board,
            &format!("kansoku_senders_denied_total{{source=\"{source}\""),
        )
    };

    // TCP syslog: the server closes the connection without reading the line. Which
    // error the client sees (none, a reset) depends on timing; that it ends does not.
    let err = tcp(server.addr("tcp-closed"), syslog("/tcp-closed").as_bytes());
    assert!(
        err.as_ref().map_or_else(
            |e| e.kind() != std::io::ErrorKind::WouldBlock
                && e.kind() != std::io::ErrorKind::TimedOut,
            Vec::is_empty
        ),
        "the server closes the connection: {err:?}"
    );
    wait_for(30, "the TCP refusal counted", || denied("tcp-closed") >= 1);

    // RELP: the sender does not even get an answer to `open`.
    let open = kansoku_server::sources::relp::encode(1, "open", b"relp_version=0\ncommands=syslog");
    let answer = tcp(server.addr("relp-closed"), &open).unwrap_or_default();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    wait_for(30, "the RELP refusal counted", || {
        denied("relp-closed") >= 1
    });

    // HTTP: the connection is closed before a request is read, so no status at all.
    let line = combined("198.51.100.7", "/http-closed");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{line}",
        line.len()
    );
    let answer = tcp(server.addr("http-closed"), request.as_bytes()).unwrap_or_default();
    assert!(
        answer.is_empty(),
        "no answer from outside the list: {}",
        String::from_utf8_lossy(&answer)
    );
    wait_for(30, "the HTTP refusal counted", || {
        denied("http-closed") >= 1
    });

    // UDP: every datagram from outside the list is dropped and counted.
    let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
    for i in 0..5 {
        udp.send_to(
            syslog(&format!("/udp-closed/{i}")).as_bytes(),
            server.addr("udp-closed"),
        )
        .expect("send");
    }
    wait_for(30, "five datagrams counted as denied", || {
        denied("udp-closed") >= 5
    });

    // The same kinds without a list, or with one naming 127.0.0.1, store.
    tcp(server.addr("tcp-open"), syslog("/tcp-open").as_bytes()).expect("tcp-open");
    tcp(server.addr("tcp-listed"), syslog("/tcp-listed").as_bytes()).expect("tcp-listed");
    let (status, _, body) = http(
        server.addr("http-open"),
        "POST",
        "/",
        &[],
        combined("198.51.100.7", "/http-open").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    wait_for(30, "the open UDP source's line", || {
        let _ = udp.send_to(syslog("/udp-open").as_bytes(), server.addr("udp-open"));
        metric(&board, "kansoku_events_accepted_total{source=\"udp-open\"") >= 1
    });
    wait_for(30, "the open sources' lines accepted", || {
        ["tcp-open", "tcp-listed", "http-open"].iter().all(|s| {
            metric(
                &board,
                &format!("kansoku_events_accepted_total{{source=\"{s}\""),
            ) >= 1
        })
    });
    for s in ["tcp-open", "tcp-listed", "udp-open", "http-open"] {
        assert_eq!(denied(s), 0, "{s} denied nobody");
    }
    for s in ["tcp-closed", "udp-closed", "http-closed", "relp-closed"] {
        let received = metric(
            &board,
            &format!("kansoku_events_received_total{{source=\"{s}\""),
        );
        assert_eq!(received, 0, "{s} read nothing from outside its list");
    }
    let (_, _, text) = http(&board, "GET", "/metrics", &[], b"");
    assert!(
        text.contains("# TYPE kansoku_senders_denied_total counter"),
        "{text}"
    );

    server.stop();
    let mut sources = column(&data, "SELECT DISTINCT source FROM http");
    sources.sort();
    assert_eq!(sources, ["http-open", "tcp-listed", "tcp-open", "udp-open"]);
    let closed = column(
        &data,
        "SELECT count(*) FROM http WHERE path LIKE '%closed%'",
    );
    assert_eq!(closed, ["0"]);
}

/// A bad entry stops the server before anything listens, with the source and the entry
/// named; so does a list on a `file` source, which has no senders.
#[test]
fn a_bad_allow_entry_is_refused_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let text = config_text(
        &data,
        "[[source]]\nname = \"edge\"\nkind = \"syslog-udp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nallow = [\"192.0.2.0/24\", \"192.0.2.0/40\"]\n",
    );
    let err = kansoku_server::ServeConfig::parse(&text).expect_err("a /40");
    assert!(
        matches!(&err, kansoku_server::ServeError::Allow { name, entry, .. } if name == "edge" && entry == "192.0.2.0/40"),
        "{err:?}"
    );
    let text = config_text(
        &data,
        "[[source]]\nname = \"log\"\nkind = \"file\"\npath = \"access.log\"\nformat = \"combined\"\nallow = [\"127.0.0.1\"]\n",
    );
    let err = kansoku_server::ServeConfig::parse(&text)
        .expect_err("allow on a file")
        .to_string();
    assert!(
        err.contains("\"log\"") && err.contains("network sources"),
        "{err}"
    );
}
