//! Clients aimed at the HTTP listeners (an `http` source, the dashboard): a thousand idle
//! sockets, request headers and bodies dripped a byte at a time. The excess is closed at
//! once, the slow ones by their header or body timeout, real senders on the same source
//! and on another one still get their lines stored, bodies reach the spool while they
//! arrive, and shutdown ends within its deadline whatever is still open.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::*;

/// An `http` source `name` with `extra` keys.
fn http_source(name: &str, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n{extra}\n"
    )
}

/// The test configuration: `top` keys, `dashboard` keys, then `extra` tables.
fn config(data: &std::path::Path, top: &str, dashboard: &str, extra: &str) -> String {
    config_text(data, extra)
        .replacen("[spool]\n", &format!("{top}\n[spool]\n"), 1)
        .replace(
            "listen = \"127.0.0.1:0\"\n[alerts]",
            &format!("listen = \"127.0.0.1:0\"\n{dashboard}\n[alerts]"),
        )
}

/// What a dripping client saw.
struct Dripped {
    /// What the server answered, if anything.
    answer: String,
    /// The server closed the connection (a read saw its end or a write failed).
    closed: bool,
    /// Bytes dripped after the head before that.
    dripped: usize,
}

/// Connects to `addr`, sends `head` at once, then `drip` one byte every 100 ms (again
/// from its start when it runs out) until the server closes the connection, or 120 s
/// pass. `sent` counts the bytes sent.
fn drip(
    addr: &str,
    head: String,
    drip: &'static [u8],
    sent: Arc<AtomicUsize>,
) -> JoinHandle<Dripped> {
    let addr = addr.to_string();
    std::thread::spawn(move || {
        let mut answer = Vec::new();
        let Ok(mut s) = TcpStream::connect(&addr) else {
            return Dripped {
                answer: String::new(),
                closed: true,
                dripped: 0,
            };
        };
        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
        let mut closed = s.write_all(head.as_bytes()).is_err();
        sent.fetch_add(head.len(), Ordering::Relaxed);
        let until = Instant::now() + Duration::from_secs(120);
        let mut buf = [0u8; 4096];
        let mut dripped = 0;
        for b in drip.iter().cycle() {
            if closed || Instant::now() > until {
                break;
            }
            match s.read(&mut buf) {
                Ok(0) => closed = true,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
            if !closed && s.write_all(&[*b]).is_err() {
                closed = true;
            }
            dripped += 1;
            sent.fetch_add(1, Ordering::Relaxed);
        }
        Dripped {
            answer: String::from_utf8_lossy(&answer).into_owned(),
            closed,
            dripped,
        }
    })
}

/// A request line and headers for a body of `len` bytes, the body not included.
fn post_head(path: &str, len: usize) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len}\r\n\r\n")
}

/// `n` combined lines for paths `/{prefix}/0…`.
fn lines(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| combined("198.51.100.20", &format!("/{prefix}/{i}")) + "\n")
        .collect()
}

/// POSTs `body` on a new connection; the status, 0 when the server closed the
/// connection first (as it does to one beyond `max_connections`).
fn post(addr: &str, body: &str) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let request = post_head("/", body.len()) + body;
    if s.write_all(request.as_bytes()).is_err() {
        return 0;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn stored(data: &std::path::Path, like: &str) -> u64 {
    column(
        data,
        &format!("SELECT count(*) FROM http WHERE path LIKE '{like}'"),
    )
    .first()
    .and_then(|n| n.parse().ok())
    .unwrap_or(0)
}

#[test]
fn idle_and_slow_http_clients_are_cut_off_and_real_senders_get_through() {
    super::raise_descriptor_limit();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let limits = "max_connections = 64\nheader_timeout_secs = 1\nbody_timeout_secs = 2\nidle_timeout_secs = 2";
    let extra = http_source("push", limits) + &http_source("other", "");
    let board_limits = "header_timeout_secs = 1\nbody_timeout_secs = 2";
    let server = start(&config(&data, "", board_limits, &extra));
    let (push, board) = (server.addr("push").to_string(), server.addr("dashboard"));
    let started = Instant::now();

    let sent = Arc::new(AtomicUsize::new(0));
    // Headers that never end, on the source and on the dashboard.
    let slow_head = b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let head_drips = [
        drip(
            &push,
            "POST / HTTP/1.1\r\n".into(),
            slow_head,
            Arc::clone(&sent),
        ),
        drip(
            board,
            "GET / HTTP/1.1\r\n".into(),
            slow_head,
            Arc::clone(&sent),
        ),
    ];
    // A body whose first line comes at once, then a byte at a time.
    let first = lines("dripped", 1);
    let body_head = post_head("/", 1 << 20) + &first;
    let heads = "POST / HTTP/1.1\r\n".len() + "GET / HTTP/1.1\r\n".len() + body_head.len();
    let body_drip = drip(
        &push,
        body_head,
        b"198.51.100.20 - - [01/Oct/2026:10:00:00 +0900] \"GET /never HTTP/1.1\" 200 1",
        Arc::clone(&sent),
    );

    // The drips hold their slots before the flood takes the others.
    wait_for(30, "the drips under way", || {
        sent.load(Ordering::Relaxed) > heads + 3
    });
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(&push).ok())
        .collect();
    assert!(idle.len() >= 900, "only {} connections opened", idle.len());

    // A real sender on the flooded source gets in once the excess is closed and the
    // slots the flood held are freed by the header timeout.
    let body = lines("real", 3);
    wait_for(60, "a real sender's 200 through the flood", || {
        post(&push, &body) == 200
    });
    let other = lines("other", 2);
    let (status, _, answer) = http(server.addr("other"), "POST", "/", &[], other.as_bytes());
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"accepted\":2"), "{answer}");

    for d in head_drips {
        let d = d.join().expect("drip");
        // Served, then cut off (not refused at once: that would drip a byte or two).
        assert!(
            d.closed && d.dripped >= 5,
            "slow headers were not cut off ({} bytes): {:?}",
            d.dripped,
            d.answer
        );
    }
    let d = body_drip.join().expect("drip");
    assert!(d.closed, "a slow body was not cut off");
    assert!(d.answer.starts_with("HTTP/1.1 408"), "{}", d.answer);
    // The complete line before the cut is kept, and the answer says so.
    assert!(d.answer.contains("\"accepted\":1"), "{}", d.answer);

    let count = |what: &str, source: &str| {
        metric(
            board,
            &format!("kansoku_connections_{what}_total{{source=\"{source}\""),
        )
    };
    wait_for(60, "every flood connection closed by the server", || {
        count("refused", "push") + count("slow_closed", "push") + count("idle_closed", "push")
            >= idle.len() as u64
    });
    let (refused, slow) = (count("refused", "push"), count("slow_closed", "push"));
    assert!(refused >= 1, "no connection was closed at once");
    assert!(slow >= 2, "slow connections were not counted: {slow}");
    assert!(
        count("slow_closed", "dashboard") >= 1,
        "the dashboard's slow client"
    );
    let flood = started.elapsed();
    drop(idle);
    server.stop();
    assert_eq!(stored(&data, "/real/%"), 3);
    assert_eq!(stored(&data, "/other/%"), 2);
    assert_eq!(stored(&data, "/dripped/%"), 1);
    assert_eq!(stored(&data, "/never%"), 0);
    println!(
        "hostile_net: http flood of 1000 idle sockets + 3 drips: {refused} closed at once, {slow} closed slow, all closed in {:.1} s",
        flood.as_secs_f64()
    );
}

/// A body is taken into the spool while it arrives, not once it has ended; a declared
/// length over `max_body_bytes` gets 413 before a byte of it is read; a line over
/// `max_message_bytes` inside a body is rejected alone.
#[test]
fn a_push_body_reaches_the_spool_while_it_arrives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = http_source("push", "max_body_bytes = 4194304\nmax_message_bytes = 1024");
    let server = start(&config(&data, "", "", &extra));
    let (push, board) = (server.addr("push").to_string(), server.addr("dashboard"));

    let mut s = TcpStream::connect(&push).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(post_head("/", 5_000_000).as_bytes())
        .expect("head");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    let first = lines("stream", 4000);
    let long = "x".repeat(5000) + "\n";
    let last = lines("last", 1);
    let total = first.len() + long.len() + last.len();
    let mut s = TcpStream::connect(&push).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(post_head("/", total).as_bytes()).expect("head");
    s.write_all(first.as_bytes()).expect("first part");
    s.write_all(long.as_bytes()).expect("long line");
    s.flush().expect("flush");
    // The body is not complete, yet its lines are in the spool.
    wait_for(30, "lines spooled before the body ended", || {
        metric(board, "kansoku_events_accepted_total{source=\"push\"") >= 1000
    });
    s.write_all(last.as_bytes()).expect("last line");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"accepted\":4001") && answer.contains("\"rejected\":1"),
        "{answer}"
    );
    server.stop();
    assert_eq!(stored(&data, "/stream/%"), 4000);
    assert_eq!(stored(&data, "/last/%"), 1);
}

/// With timeouts far longer than the test, only the shutdown deadline can close a
/// request body still dripping, a login form still dripping and idle sockets: shutdown
/// ends within it, and what was acknowledged before is stored.
#[test]
fn shutdown_ends_within_its_deadline_with_slow_clients_open() {
    super::raise_descriptor_limit();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let patient = "header_timeout_secs = 600\nbody_timeout_secs = 600\nidle_timeout_secs = 600";
    let extra = http_source("push", patient)
        + "[[source]]\nname = \"tcp\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nidle_timeout_secs = 600\n";
    let server = start(&config(&data, "shutdown_timeout_secs = 1", patient, &extra));
    let (push, board, tcp) = (
        server.addr("push").to_string(),
        server.addr("dashboard").to_string(),
        server.addr("tcp").to_string(),
    );
    let body = lines("acked", 2);
    let (status, _, answer) = http(&push, "POST", "/", &[], body.as_bytes());
    assert_eq!(status, 200, "{answer}");
    let mut line = TcpStream::connect(&tcp).expect("tcp");
    line.write_all(format!("<13>Oct  1 01:00:00 web1 nginx: {}", lines("tcp", 1)).as_bytes())
        .expect("syslog line");
    wait_for(30, "the syslog line accepted", || {
        metric(&board, "kansoku_events_accepted_total{source=\"tcp\"") == 1
    });

    let idle: Vec<TcpStream> = [&push, &board, &tcp]
        .iter()
        .flat_map(|a| (0..20).filter_map(move |_| TcpStream::connect(a).ok()))
        .collect();
    let sent = Arc::new(AtomicUsize::new(0));
    let login = "POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\n";
    let heads = post_head("/", 1 << 20).len() + login.len();
    let drips = [
        drip(&push, post_head("/", 1 << 20), b"a", Arc::clone(&sent)),
        drip(&board, login.into(), b"t", Arc::clone(&sent)),
    ];
    wait_for(30, "both drips under way", || {
        sent.load(Ordering::Relaxed) > heads + 10
    });

    let started = Instant::now();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(server.stop());
    });
    let summary = done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("shutdown did not end (deadline 1 s; every other timeout 600 s)");
    let took = started.elapsed();
    for d in drips {
        assert!(
            d.join().expect("drip").closed,
            "a dripping client still open"
        );
    }
    drop(idle);
    drop(line);
    assert_eq!(stored(&data, "/acked/%"), 2);
    assert_eq!(stored(&data, "/tcp/%"), 1);
    assert!(summary.stored >= 3);
    println!(
        "hostile_net: shutdown with 60 idle sockets and 2 dripping requests took {:.2} s (deadline 1 s)",
        took.as_secs_f64()
    );
}
