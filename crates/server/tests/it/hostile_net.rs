//! Clients who aim at the server itself: a flood of idle connections must not lock real
//! senders out, on the flooded source or on another one, and must not hold up shutdown;
//! senders dripping a syslog message a byte at a time lose their slots as well; a
//! web page that rebinds its name to the dashboard's address gets 421; a guessable short
//! token is refused before anything listens.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::common::*;

mod slow_http;

/// The test process holds the flood's sockets and the server's: more than the usual soft
/// limit of 1,024 descriptors.
fn raise_descriptor_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(max) = limit.maximum {
        limit.current = Some(max.min(65_536));
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// Rows stored in the lake under `data` for `path`.
fn stored(data: &std::path::Path, path: &str) -> u64 {
    column(
        data,
        &format!("SELECT count(*) FROM http WHERE path = '{path}'"),
    )
    .first()
    .and_then(|n| n.parse::<u64>().ok())
    .unwrap_or(0)
}

/// Sends one syslog line on a new connection and waits until the server closes it.
fn send(addr: &str, path: &str) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    let line = format!(
        "<13>Oct  1 01:00:00 web1 nginx: {}\n",
        combined("198.51.100.7", path)
    );
    let _ = s.write_all(line.as_bytes());
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = s.read(&mut [0u8; 16]);
}

#[test]
fn a_flood_of_idle_connections_does_not_lock_out_real_senders() {
    raise_descriptor_limit();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"flooded\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nmax_connections = 64\nidle_timeout_secs = 1\n[[source]]\nname = \"other\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n";
    let server = start(&config_text(&data, extra));
    let flooded = server.addr("flooded").to_string();
    let board = server.addr("dashboard").to_string();
    // A thousand connections that never send a byte.
    let idle: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(&flooded).ok())
        .collect();
    assert!(idle.len() >= 900, "only {} connections opened", idle.len());
    let stored = |path: &str| stored(&data, path);
    // Another source is untouched by the flood.
    send(server.addr("other"), "/other");
    wait_for(30, "the other source's line", || stored("/other") == 1);
    // On the flooded source, a real sender gets in: the excess was closed at once, and
    // the slots the flood held are freed by the idle timeout.
    wait_for(30, "a real sender's line through the flood", || {
        send(&flooded, "/real");
        stored("/real") >= 1
    });
    let count = |what: &str| {
        metric(
            &board,
            &format!("kansoku_connections_{what}_total{{source=\"flooded\""),
        )
    };
    // Every flood socket is either closed at once (no slot) or, holding a slot, closed
    // after the idle timeout; how many of each depends on the machine's speed.
    wait_for(30, "every flood connection closed by the server", || {
        count("refused") + count("idle_closed") >= idle.len() as u64
    });
    let (refused, idle_closed) = (count("refused"), count("idle_closed"));
    assert!(refused >= 1, "no connection was closed at once");
    assert!(idle_closed >= 1, "no idle connection was closed");
    // Shutdown does not wait for the flood's sockets, still open on this side.
    let summary = server.stop();
    assert!(summary.stored >= 2);
    drop(idle);
    println!(
        "hostile_net: 1000 idle connections, {refused} closed at once, {idle_closed} closed idle; real senders stored"
    );
}

#[test]
fn senders_dripping_syslog_a_byte_at_a_time_lose_their_slots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let extra = "[[source]]\nname = \"dripped\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nmax_connections = 4\nidle_timeout_secs = 1\n";
    let server = start(&config_text(&data, extra));
    let addr = server.addr("dripped").to_string();
    let board = server.addr("dashboard").to_string();
    // Four senders take every slot and each sends a byte every 200 ms, never a newline:
    // the idle timeout alone would never fire.
    let started = std::time::Instant::now();
    // Connected here, in order, so that they hold the slots before the real sender comes.
    let drippers: Vec<_> = (0..4)
        .map(|_| TcpStream::connect(&addr).expect("connects"))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|mut s| {
            std::thread::spawn(move || {
                let begun = std::time::Instant::now();
                while begun.elapsed() < Duration::from_secs(20) {
                    if s.write_all(b"x").is_err() {
                        return Some(begun.elapsed());
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                None
            })
        })
        .collect();
    let stored = |path: &str| stored(&data, path);
    wait_for(30, "a real sender's line past the drippers", || {
        send(&addr, "/past-the-drip");
        stored("/past-the-drip") >= 1
    });
    for d in drippers {
        let cut = d.join().expect("dripper thread");
        let cut = cut.expect("a dripping sender was never cut off");
        assert!(cut < Duration::from_secs(10), "cut off only after {cut:?}");
    }
    let slow = metric(
        &board,
        "kansoku_connections_slow_closed_total{source=\"dripped\"",
    );
    assert!(slow >= 4, "{slow} dripping connections counted as slow");
    let summary = server.stop();
    assert!(summary.stored >= 1);
    println!(
        "hostile_net: 4 syslog drippers cut off as slow, a real sender stored after {:?}",
        started.elapsed()
    );
}

/// One raw HTTP/1.1 request on a new connection, with the `Host` given (none when
/// `None`) and `extra` header lines; returns the status and the body.
fn request(addr: &str, method: &str, path: &str, host: Option<&str>, extra: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let body = if method == "POST" { "token=guess" } else { "" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\n{host}{extra}Connection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Every route of the dashboard, with the method it answers.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/alerts"),
    ("GET", "/report/hourly"),
    ("GET", "/api/overview"),
    ("GET", "/api/alerts"),
    ("GET", "/api/chart"),
    ("GET", "/events"),
    ("GET", "/metrics"),
    ("GET", "/static/dashboard.js"),
    ("GET", "/nowhere"),
    ("POST", "/login"),
];

/// A page on attacker.example points its name at 127.0.0.1 (DNS rebinding) and reads
/// the dashboard as its own site: its requests carry `Host: attacker.example`. With or
/// without a token, every route answers 421 before anything else, as it does to a request
/// without `Host`; requests for localhost, the listen address or a configured name pass.
#[test]
fn dns_rebinding_gets_421_with_and_without_a_token() {
    const TOKEN: &str = "rebinding-test-token-0123";
    let bearer = format!("Authorization: Bearer {TOKEN}\r\n");
    for token in [None, Some(TOKEN)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = data_dir(&dir);
        let dashboard = match token {
            Some(t) => format!("hosts = [\"SOC.example.jp\"]\ntoken = \"{t}\"\n"),
            None => "hosts = [\"SOC.example.jp\"]\n".to_string(),
        };
        let text = config_text(&data, "").replace(
            "listen = \"127.0.0.1:0\"\n[alerts]",
            &format!("listen = \"127.0.0.1:0\"\n{dashboard}[alerts]"),
        );
        let server = start(&text);
        let board = server.addr("dashboard").to_string();
        let port = board.rsplit(':').next().expect("port").to_string();
        let attacker = format!("attacker.example:{port}");
        let auth = if token.is_some() { bearer.as_str() } else { "" };
        let what = if token.is_some() {
            "with a token"
        } else {
            "without a token"
        };

        let (status, body) = request(&board, "GET", "/api/alerts", Some(&attacker), auth);
        assert_eq!(status, 421, "{what}: {body}");
        assert!(body.contains("misdirected request"), "{what}: {body}");
        assert!(!body.contains("attacker"), "the name is not echoed: {body}");
        for (method, path) in ROUTES {
            let (status, _) = request(&board, method, path, Some(&attacker), auth);
            assert_eq!(status, 421, "{what}: {method} {path} for attacker.example");
            let (status, _) = request(&board, method, path, None, auth);
            assert_eq!(status, 421, "{what}: {method} {path} without Host");
        }
        // Names that only look like an allowed one.
        for host in [
            "localhost.attacker.example",
            "soc.example.jp.attacker.example",
        ] {
            let (status, _) = request(&board, "GET", "/api/alerts", Some(host), auth);
            assert_eq!(status, 421, "{what}: {host}");
        }

        for host in [
            format!("localhost:{port}"),
            board.clone(),
            "soc.example.JP".to_string(),
            format!("soc.example.jp:{port}"),
        ] {
            let (status, body) = request(&board, "GET", "/api/alerts", Some(&host), auth);
            assert_eq!(status, 200, "{what}: Host {host}: {body}");
            assert!(body.starts_with('['), "{what}: Host {host}: {body}");
        }
        if token.is_some() {
            // The right name is not enough: the token is still required.
            let host = format!("localhost:{port}");
            let (status, _) = request(&board, "GET", "/api/alerts", Some(&host), "");
            assert_eq!(status, 401, "a known name without the token");
        }
        let host = format!("127.0.0.1:{port}");
        let (_, metrics) = request(&board, "GET", "/metrics", Some(&host), auth);
        let refused = metrics
            .lines()
            .find_map(|l| l.strip_prefix("kansoku_dashboard_misdirected_total "))
            .and_then(|n| n.parse::<u64>().ok());
        assert_eq!(
            refused,
            Some(3 + 2 * ROUTES.len() as u64),
            "{what}: every 421 counted"
        );
        server.stop();
    }
}

/// A token shorter than 16 characters is refused wherever it comes from, by the
/// configuration check (`serve --check`) and at start-up, with the key named: an inline
/// dashboard `token` of one character used to be accepted.
#[test]
fn a_short_token_is_refused_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let with_dashboard = |line: &str| {
        config_text(&data, "").replace(
            "listen = \"127.0.0.1:0\"\n[alerts]",
            &format!("listen = \"127.0.0.1:0\"\n{line}\n[alerts]"),
        )
    };
    for (line, key) in [
        ("token = \"x\"", "[dashboard] token"),
        ("token = \"\"", "[dashboard] token"),
        ("token = \"   padded-short   \"", "[dashboard] token"),
    ] {
        let err = kansoku_server::ServeConfig::parse(&with_dashboard(line))
            .expect_err(line)
            .to_string();
        assert!(
            err.contains(key) && err.contains("at least 16 characters"),
            "{line}: {err}"
        );
    }
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "short\n").expect("token");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let line = format!("token_file = {:?}", token_file.to_string_lossy());
    let err = kansoku_server::ServeConfig::parse(&with_dashboard(&line))
        .expect_err("a short token file")
        .to_string();
    assert!(
        err.contains("[dashboard] token_file") && err.contains("at least 16 characters"),
        "{err}"
    );
    let push = "[[source]]\nname = \"push\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\ntoken = \"short\"\n";
    let err = kansoku_server::ServeConfig::parse(&config_text(&data, push))
        .expect_err("a short source token")
        .to_string();
    assert!(
        err.contains("\"push\"") && err.contains("token must have at least 16 characters"),
        "{err}"
    );

    // Start-up checks again what it is given, however the configuration was built.
    let mut config = kansoku_server::ServeConfig::parse(&config_text(&data, "")).expect("valid");
    config.dashboard.token = Some("x".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let err = rt
        .block_on(kansoku_server::run(config, async {}))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("[dashboard] token") && err.contains("at least 16 characters"),
        "{err}"
    );
}
