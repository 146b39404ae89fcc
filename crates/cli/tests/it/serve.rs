//! `kansoku serve` killed with SIGKILL mid-stream, then restarted, holds every
//! acknowledged event exactly once; SIGTERM flushes and exits cleanly.
//!
//! Events go over real UDP, TCP and HTTP sockets on 127.0.0.1 (ephemeral ports, read from
//! the listen file) and through a tailed file. "Acknowledged": an HTTP POST answered 200;
//! a TCP or UDP message counted in `kansoku_events_accepted_total` before the kill (TCP
//! messages of one connection are spooled in order, so the first N are the accepted ones);
//! a line written to the tailed file (the file itself is durable).

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;

pub fn line(ip: &str, path: &str) -> String {
    format!(
        r#"{ip} - - [01/Oct/2026:10:00:00 +0900] "GET {path} HTTP/1.1" 200 12 "-" "Mozilla/5.0""#
    )
}

pub struct Server {
    pub child: Child,
    pub addrs: HashMap<String, String>,
}

/// A test that fails between `start` and its own kill must not leave `kansoku serve`
/// running: an orphan keeps the test harness's output pipe open and CI hangs on it.
/// A test that already stopped its server (to check the exit or a restart) is left be.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Stops the server as systemd does (SIGTERM: the spool drains to the lake) and checks
/// that it exits cleanly.
pub fn terminate(server: &mut Server, what: &str) {
    let pid = server.child.id().to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "{what}: SIGTERM exit {status:?}");
}

pub fn start(config: &Path, data: &Path) -> Server {
    start_with(config, data, &[])
}

// The child moves into `Server`, whose `Drop` kills and waits it; clippy cannot see that.
#[allow(clippy::zombie_processes)]
/// `start` with environment variables set (`FAILPOINTS`).
pub fn start_with(config: &Path, data: &Path, env: &[(&str, &str)]) -> Server {
    let listen = data.join("serve").join("listening.json");
    let _ = std::fs::remove_file(&listen);
    let child = kansoku()
        .args(["--config", config.to_str().expect("utf8"), "serve"])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn kansoku serve");
    // From here on the child is owned by `server`, so every exit path kills it.
    let mut server = Server {
        child,
        addrs: HashMap::new(),
    };
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(bytes) = std::fs::read(&listen)
            && let Ok(list) = serde_json::from_slice::<Vec<serde_json::Value>>(&bytes)
        {
            let addrs = list
                .iter()
                .map(|l| {
                    (
                        l["name"].as_str().unwrap_or_default().to_string(),
                        l["addr"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            server.addrs = addrs;
            return server;
        }
        assert!(Instant::now() < until, "kansoku serve did not start");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Posts `body`; the status code, or `None` when the server is gone.
pub fn post(addr: &str, body: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_whitespace().nth(1)?.parse().ok()
}

fn accepted(dashboard: &str, source: &str) -> u64 {
    let Ok(mut s) = TcpStream::connect(dashboard) else {
        return 0;
    };
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let prefix = format!("kansoku_events_accepted_total{{source=\"{source}\"");
    out.lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn config(dir: &Path, data: &Path, log: &Path) -> PathBuf {
    let text = format!(
        r#"data_dir = {data:?}
[spool]
flush_after_ms = 150
segment_bytes = 32768
[dashboard]
listen = "127.0.0.1:0"
[alerts]
stdout = false
[[source]]
name = "tcp"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "udp"
kind = "syslog-udp"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "http"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
[[source]]
name = "file"
kind = "file"
path = {log:?}
format = "combined"
poll_ms = 20
"#
    );
    write(dir, "serve.toml", &text)
}

#[test]
fn sigkill_mid_stream_then_restart_keeps_every_acknowledged_event_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = dir.path().join("access.log");
    std::fs::write(&log, "").expect("log");
    let cfg = config(dir.path(), &data, &log);
    let mut server = start(&cfg, &data);
    let board = server.addrs["dashboard"].clone();

    // Senders run until the kill; each records what was acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let http_posts = Arc::new(AtomicUsize::new(0));
    let http_acked = {
        let (addr, stop) = (server.addrs["http"].clone(), Arc::clone(&stop));
        let posts = Arc::clone(&http_posts);
        std::thread::spawn(move || {
            let mut acked = Vec::new();
            let mut batch = 0;
            while !stop.load(Ordering::Relaxed) {
                let paths: Vec<String> = (0..20).map(|i| format!("/http/{batch}/{i}")).collect();
                let body: String = paths
                    .iter()
                    .map(|p| line("198.51.100.1", p) + "\n")
                    .collect();
                if post(&addr, &body) == Some(200) {
                    acked.extend(paths);
                    posts.fetch_add(1, Ordering::Relaxed);
                }
                batch += 1;
            }
            acked
        })
    };
    let tcp_sent = {
        let (addr, stop) = (server.addrs["tcp"].clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(&addr).expect("tcp");
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let msg = format!(
                    "<190>1 2026-10-01T01:00:00Z web1 nginx - - - {}",
                    line("203.0.113.1", &format!("/tcp/{n}"))
                );
                // Octet counting: a message may carry any byte, newlines included.
                if write!(s, "{} {msg}", msg.len()).is_err() {
                    break;
                }
                n += 1;
                if n.is_multiple_of(200) {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            n
        })
    };
    let udp_sent = {
        let (addr, stop) = (server.addrs["udp"].clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let s = UdpSocket::bind("127.0.0.1:0").expect("udp");
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let msg = format!(
                    "<14>Oct  1 01:00:00 fw1 nginx: {}",
                    line("192.0.2.1", &format!("/udp/{n}"))
                );
                let _ = s.send_to(msg.as_bytes(), &addr);
                n += 1;
                std::thread::sleep(Duration::from_micros(300));
            }
            n
        })
    };
    let mut file_lines = 0u64;
    let append = |from: u64, to: u64| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .expect("log");
        for i in from..to {
            writeln!(f, "{}", line("192.0.2.2", &format!("/file/{i}"))).expect("append");
        }
    };
    // Feed the file until every source has had events accepted (polled, so a slow
    // machine only takes longer), then read what was accepted and kill at once:
    // everything counted is durable already.
    let until = Instant::now() + Duration::from_secs(120);
    while accepted(&board, "tcp") <= 100
        || accepted(&board, "udp") <= 10
        || http_posts.load(Ordering::Relaxed) == 0
        || file_lines < 500
    {
        assert!(
            Instant::now() < until,
            "the sources took no events: tcp {} udp {} http {}",
            accepted(&board, "tcp"),
            accepted(&board, "udp"),
            http_posts.load(Ordering::Relaxed)
        );
        append(file_lines, file_lines + 50);
        file_lines += 50;
        std::thread::sleep(Duration::from_millis(30));
    }
    let tcp_accepted = accepted(&board, "tcp");
    let udp_accepted = accepted(&board, "udp");
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    stop.store(true, Ordering::Relaxed);
    let http_acked = http_acked.join().expect("http sender");
    let tcp_sent = tcp_sent.join().expect("tcp sender");
    let udp_sent = udp_sent.join().expect("udp sender");
    // While it is down, the file grows; the restart must pick up exactly where it was.
    append(file_lines, file_lines + 100);
    file_lines += 100;

    let mut server = start(&cfg, &data);
    let board = server.addrs["dashboard"].clone();
    let until = Instant::now() + Duration::from_secs(60);
    while accepted(&board, "file") == 0 {
        assert!(Instant::now() < until, "the tail did not resume");
        std::thread::sleep(Duration::from_millis(25));
    }
    // Graceful stop: SIGTERM flushes the spool and exits 0.
    terminate(&mut server, "restarted server");
    let left: Vec<_> = std::fs::read_dir(data.join("spool"))
        .expect("spool")
        .flatten()
        .collect();
    assert!(left.is_empty(), "spool drained at shutdown: {left:?}");

    let out = run(
        &data,
        &["sql", "SELECT source, path FROM http", "--format", "csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in stdout(&out).lines().skip(1) {
        if let Some((_, path)) = row.split_once(',') {
            *seen.entry(path.to_string()).or_insert(0) += 1;
        }
    }
    let dups: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).take(5).collect();
    assert!(dups.is_empty(), "stored twice: {dups:?}");
    let missing_http: Vec<_> = http_acked
        .iter()
        .filter(|p| !seen.contains_key(*p))
        .take(5)
        .collect();
    assert!(
        missing_http.is_empty(),
        "acknowledged HTTP events lost: {missing_http:?}"
    );
    let missing_tcp: Vec<_> = (0..tcp_accepted)
        .filter(|i| !seen.contains_key(&format!("/tcp/{i}")))
        .take(5)
        .collect();
    assert!(
        missing_tcp.is_empty(),
        "accepted TCP messages lost: {missing_tcp:?}"
    );
    let udp_stored = (0..udp_sent)
        .filter(|i| seen.contains_key(&format!("/udp/{i}")))
        .count() as u64;
    assert!(
        udp_stored >= udp_accepted,
        "UDP: {udp_stored} stored, {udp_accepted} accepted before the kill"
    );
    let files: HashSet<u64> = (0..file_lines)
        .filter(|i| seen.contains_key(&format!("/file/{i}")))
        .collect();
    assert_eq!(
        files.len() as u64,
        file_lines,
        "every line of the tailed file, once"
    );
    println!(
        "killed with {tcp_accepted} of {tcp_sent} TCP, {} HTTP, {udp_accepted} of {udp_sent} UDP accepted; {file_lines} file lines; lake holds {} events, none twice",
        http_acked.len(),
        seen.len()
    );
}

/// `kansoku sql` answered with CSV rows (header dropped); `None` while the query fails
/// (no `alert` table yet).
fn sql_rows(data: &Path, query: &str) -> Option<Vec<String>> {
    let out = run(data, &["sql", query, "--format", "csv"]);
    out.status
        .success()
        .then(|| stdout(&out).lines().skip(1).map(str::to_owned).collect())
}

pub fn metric_of(dashboard: &str, prefix: &str) -> u64 {
    let Ok(mut s) = TcpStream::connect(dashboard) else {
        return 0;
    };
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A campaign that goes on after SIGKILL and restart updates the alert raised
/// before the kill (same id, next revision); it is not raised a second time.
#[test]
fn sigkill_after_an_alert_then_restart_updates_it_instead_of_raising_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let text = format!(
        r#"data_dir = {data:?}
[spool]
flush_after_ms = 100
[dashboard]
listen = "127.0.0.1:0"
[alerts]
stdout = false
suppress_secs = 1800
update_every_secs = 60
[[alerts.threshold]]
category = "*"
count = 3
window_secs = 600
[[source]]
name = "http"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
tenant = "shop"
"#
    );
    let cfg = write(dir.path(), "serve.toml", &text);
    let attack = |time: &str, n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "203.0.113.7 - - [01/Oct/2026:{time} +0900] \"GET /?id=1%27%20UNION%20SELECT%20password%20FROM%20users--{i} HTTP/1.1\" 200 1 \"-\" \"-\"\n"
                )
            })
            .collect()
    };
    let ids = |data: &Path| {
        sql_rows(
            data,
            "SELECT DISTINCT id FROM alert WHERE kind = 'threshold' ORDER BY id",
        )
    };

    let mut server = start(&cfg, &data);
    assert_eq!(
        post(&server.addrs["http"], &attack("10:00:00", 5)),
        Some(200)
    );
    // The raise reaches the alert table at once; then the process dies without warning.
    let until = Instant::now() + Duration::from_secs(60);
    let first = loop {
        if let Some(ids) = ids(&data).filter(|i| !i.is_empty()) {
            break ids;
        }
        assert!(Instant::now() < until, "no alert in the table");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(first.len(), 1, "{first:?}");
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();

    // Five minutes later (event time), the same source goes on.
    let mut server = start(&cfg, &data);
    let board = server.addrs["dashboard"].clone();
    assert_eq!(
        post(&server.addrs["http"], &attack("10:05:00", 3)),
        Some(200)
    );
    let until = Instant::now() + Duration::from_secs(60);
    while metric_of(
        &board,
        "kansoku_alerts_total{kind=\"threshold\",event=\"updated\"",
    ) == 0
    {
        assert!(
            Instant::now() < until,
            "the campaign did not update its alert"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        metric_of(
            &board,
            "kansoku_alerts_total{kind=\"threshold\",event=\"raised\""
        ),
        0,
        "raised again after the restart"
    );
    terminate(&mut server, "restarted server");
    assert_eq!(ids(&data), Some(first.clone()), "one alert across the kill");
    let latest = sql_rows(
        &data,
        "SELECT revision, count FROM alert WHERE kind = 'threshold' ORDER BY revision DESC LIMIT 1",
    )
    .unwrap_or_default();
    // Raised at the third event (count 3; the next two, in the same second, were not
    // worth an update and died with the process); the restart's first event updates it.
    assert_eq!(latest, ["1,4"], "latest state of {first:?}");
}

/// A full disk made the flusher fail and the server exit, so a service manager restarted
/// it in a loop. Now the segment stays in the spool and is tried again until the lake takes
/// writes (the first eight attempts fail with ENOSPC through a test hook), and every
/// tailed line arrives once, without a restart; a `spool_flush` alert says so.
#[test]
fn a_full_disk_keeps_events_in_the_spool_and_loses_none_when_space_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = dir.path().join("access.log");
    let n = 300;
    let text: String = (0..n)
        .map(|i| line("192.0.2.8", &format!("/disk/{i}")) + "\n")
        .collect();
    std::fs::write(&log, text).expect("log");
    std::fs::create_dir_all(&data).expect("data");
    let cfg = write(
        &data,
        "serve.toml",
        &format!(
            "data_dir = {data:?}\n[spool]\nflush_after_ms = 10\nsegment_bytes = 8192\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"file\"\nkind = \"file\"\npath = {log:?}\nformat = \"combined\"\npoll_ms = 10\n"
        ),
    );
    let mut server = start_with(&cfg, &data, &[("FAILPOINTS", "lake.batch.enospc=8*return")]);
    let board = server.addrs["dashboard"].clone();
    let until = Instant::now() + Duration::from_secs(120);
    while metric_of(&board, "kansoku_flush_failures_total") < 8 {
        assert!(Instant::now() < until, "the flushes did not fail as set");
        assert!(
            server.child.try_wait().expect("wait").is_none(),
            "serve exited"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    while sql_rows(&data, "SELECT count(*) FROM http").and_then(|r| r.first().cloned())
        != Some(n.to_string())
    {
        assert!(
            Instant::now() < until,
            "the lake did not catch up once space returned"
        );
        assert!(
            server.child.try_wait().expect("wait").is_none(),
            "serve exited"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The gauge is cleared just after the commit the query saw: wait for it, do not race it.
    while metric_of(&board, "kansoku_flush_failing") != 0 {
        assert!(Instant::now() < until, "kansoku_flush_failing stayed 1");
        std::thread::sleep(Duration::from_millis(20));
    }
    terminate(&mut server, "restarted server");
    assert_eq!(
        sql_rows(&data, "SELECT count(DISTINCT path) FROM http"),
        Some(vec![n.to_string()]),
        "each line once"
    );
    // The operator heard of it as an alert, raised while failing and resolved after.
    let alert = sql_rows(
        &data,
        "SELECT concat_ws(' ', severity, CAST(revision > 0 AS VARCHAR), CAST(count >= 8 AS VARCHAR), substr(summary, 1, 8)) FROM alert WHERE kind = 'spool_flush'",
    );
    assert_eq!(alert, Some(vec!["critical true true resolved".to_string()]));
}

/// One loud (or hostile) source filled the whole spool while the lake could not take
/// writes, and every other source was turned away with it. Past its share of the spool it
/// now holds back alone.
#[test]
fn a_loud_source_holds_back_alone_past_its_share_of_the_spool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data");
    let cfg = write(
        &data,
        "serve.toml",
        &format!(
            "data_dir = {data:?}\n[spool]\nflush_after_ms = 10\nsegment_bytes = 8192\nmax_bytes = 65536\nsource_share = 0.5\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"loud\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n[[source]]\nname = \"quiet\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n"
        ),
    );
    // Nothing reaches the lake: the spool only fills.
    let mut server = start_with(&cfg, &data, &[("FAILPOINTS", "lake.batch.enospc=return")]);
    let loud = server.addrs["loud"].clone();
    let body: String = (0..10)
        .map(|i| line("198.51.100.66", &format!("/loud/{i}")) + "\n")
        .collect();
    let mut held_back = false;
    for _ in 0..200 {
        if post(&loud, &body) == Some(503) {
            held_back = true;
            break;
        }
    }
    assert!(held_back, "the loud source was never held back");
    let quiet = line("198.51.100.7", "/quiet");
    assert_eq!(
        post(&server.addrs["quiet"], &quiet),
        Some(200),
        "the quiet source was turned away with the loud one"
    );
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// `--crs DIR` and `--no-crs`, like the other rule options, reach the live rules: a CRS
/// folder that does not exist fails `serve --check`, `--no-crs` passes it.
#[test]
fn rule_options_reach_serve() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let cfg = write(
        dir.path(),
        "serve.toml",
        &format!(
            "data_dir = {data:?}\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[[source]]\nname = \"tcp\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n"
        ),
    );
    let cfg = cfg.to_str().expect("utf8");
    let missing = dir.path().join("no-such-crs");
    let out = kansoku()
        .args([
            "--config",
            cfg,
            "--crs",
            missing.to_str().expect("utf8"),
            "serve",
            "--check",
        ])
        .output()
        .expect("run");
    assert!(
        !out.status.success(),
        "a missing CRS folder must fail the check"
    );
    assert!(stderr(&out).contains("Core Rule Set"), "{}", stderr(&out));
    let out = kansoku()
        .args(["--config", cfg, "--no-crs", "serve", "--check"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `serve --check` prints one WARNING line per source that anyone who reaches it can
/// write through (here a UDP source on every address with no allow-list), and none for a
/// source that lists its senders or one on loopback; the check still passes.
#[test]
fn serve_check_warns_about_a_source_open_to_anyone() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let cfg = write(
        dir.path(),
        "serve.toml",
        &format!(
            r#"data_dir = {data:?}
[[source]]
name = "open-udp"
kind = "syslog-udp"
listen = "0.0.0.0:0"
format = "combined"
[[source]]
name = "listed-tcp"
kind = "syslog-tcp"
listen = "0.0.0.0:0"
format = "combined"
allow = ["192.0.2.0/24"]
[[source]]
name = "local-relp"
kind = "relp"
listen = "127.0.0.1:0"
format = "combined"
"#
        ),
    );
    let out = kansoku()
        .args(["--config", cfg.to_str().expect("utf8"), "serve", "--check"])
        .output()
        .expect("run");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("WARNING")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("\"open-udp\"")
            && warnings[0].contains("0.0.0.0:0")
            && warnings[0].contains("allow = "),
        "{err}"
    );
    assert!(err.contains("valid (3 sources)"), "{err}");
}
