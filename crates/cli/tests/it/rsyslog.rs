//! Debian's rsyslogd forwards a log file to `kansoku serve`: over plain TCP (`omfwd`, both
//! framings), and over RELP (`omrelp`), where kansoku dies mid-stream at the worst moment
//! (messages spooled, not yet answered) and is restarted on the same port. rsyslog sends
//! again what kansoku never answered: every line reaches the lake exactly once, the
//! resent ones recognised as such.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

struct Rsyslog(Child);

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// rsyslogd following `input` and forwarding each line with `action` (an `omrelp` or
/// `omfwd` action without its closing parenthesis).
fn rsyslog_with(dir: &Path, input: &Path, action: &str) -> Rsyslog {
    let work = dir.join("rsyslog-work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let conf = write(
        dir,
        "rsyslog.conf",
        &format!(
            r#"global(workDirectory="{work}")
module(load="imfile" mode="polling" PollingInterval="1")
module(load="omrelp")
input(type="imfile" File="{input}" Tag="nginx:" Facility="local7" Severity="info")
{action}
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            work = work.display(),
            input = input.display(),
        ),
    );
    let child = Command::new(system_program("rsyslogd"))
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rsyslogd runs (Debian packages rsyslog and rsyslog-relp; .ci/run installs them)");
    Rsyslog(child)
}

fn rsyslog(dir: &Path, input: &Path, port: &str) -> Rsyslog {
    rsyslog_with(
        dir,
        input,
        &format!(
            r#"action(type="omrelp" target="127.0.0.1" port="{port}" template="RSYSLOG_TraditionalForwardFormat""#
        ),
    )
}

fn access_lines(n: usize, tag: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                "203.0.113.{} - - [01/Oct/2026:10:00:00 +0900] \"GET /{tag}/{i} HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n",
                i % 250
            )
        })
        .collect()
}

/// rsyslog's plain TCP forwarding (`omfwd`), in both of its framings: RFC 5424 messages
/// with octet counting, and traditional messages each ended by a newline.
#[test]
fn rsyslog_over_plain_tcp_is_stored_in_both_framings() {
    for (framing, template) in [
        ("octet-counted", "RSYSLOG_SyslogProtocol23Format"),
        ("traditional", "RSYSLOG_TraditionalForwardFormat"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("mkdir");
        let n = 1500;
        let input = dir.path().join("in.log");
        std::fs::write(&input, access_lines(n, framing)).expect("input");
        let cfg = write(
            &data,
            "serve.toml",
            &format!(
                "data_dir = {data:?}\n[spool]\nflush_after_ms = 20\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"tcp\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n"
            ),
        );
        let mut server = crate::serve::start(&cfg, &data);
        let port = server.addrs["tcp"]
            .rsplit(':')
            .next()
            .expect("port")
            .to_string();
        let _rsyslog = rsyslog_with(
            dir.path(),
            &input,
            &format!(
                r#"action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp" TCP_Framing="{framing}" template="{template}""#
            ),
        );
        let until = Instant::now() + Duration::from_secs(120);
        while paths(&data).len() < n {
            assert!(
                Instant::now() < until,
                "{framing}: {} of {n} lines arrived",
                paths(&data).len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        crate::serve::terminate(&mut server, framing);
        let seen = paths(&data);
        assert_eq!(seen.len(), n, "{framing}");
        assert!(
            seen.values().all(|&c| c == 1),
            "{framing}: a line stored twice"
        );
    }
}

fn paths(data: &Path) -> HashMap<String, u32> {
    let out = run(data, &["sql", "SELECT path FROM http", "--format", "csv"]);
    let mut seen = HashMap::new();
    if out.status.success() {
        for p in stdout(&out).lines().skip(1) {
            *seen.entry(p.to_string()).or_insert(0) += 1;
        }
    }
    seen
}

#[test]
fn rsyslog_over_relp_stores_every_line_once_across_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let n = 4000;
    let input = dir.path().join("in.log");
    std::fs::write(&input, access_lines(n, "relp")).expect("input");
    let config = |listen: &str| {
        write(
            &data,
            "serve.toml",
            &format!(
                "data_dir = {data:?}\n[spool]\nflush_after_ms = 20\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"relp\"\nkind = \"relp\"\nlisten = \"{listen}\"\nformat = \"combined\"\n"
            ),
        )
    };
    let cfg = config("127.0.0.1:0");
    // The 31st append of RELP messages dies between the spool and the answer.
    let mut server = crate::serve::start_with(
        &cfg,
        &data,
        &[("FAILPOINTS", "relp.spooled=30*off->return")],
    );
    let addr = server.addrs["relp"].clone();
    let port = addr.rsplit(':').next().expect("port").to_string();
    let _rsyslog = rsyslog(dir.path(), &input, &port);
    let until = Instant::now() + Duration::from_secs(120);
    let died = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < until,
            "kansoku did not reach the point between spool and answer"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        !died.success(),
        "kansoku was to abort at relp.spooled: {died:?}"
    );
    let before = paths(&data).len();

    // Same port again: rsyslog reconnects and sends what was never answered.
    let cfg = config(&addr);
    let mut server = crate::serve::start(&cfg, &data);
    let board = server.addrs["dashboard"].clone();
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        let seen = paths(&data);
        if seen.len() == n {
            break;
        }
        assert!(
            Instant::now() < until,
            "only {} of {n} lines arrived after the restart",
            seen.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let resent = crate::serve::metric_of(&board, "kansoku_events_resent_total");
    crate::serve::terminate(&mut server, "after the restart");
    let seen = paths(&data);
    let missing: Vec<_> = (0..n)
        .filter(|i| !seen.contains_key(&format!("/relp/{i}")))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    let twice: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    // The append that died was spooled and never answered: rsyslog sent it again.
    assert!(resent >= 1, "no message was recognised as resent");
    println!(
        "relp: {n} lines from rsyslog, {before} in the lake at the crash, all {n} once after the restart; {resent} resent messages recognised"
    );
}

/// A RELP client's frame: `TXNR COMMAND LEN [SP DATA] LF`.
fn frame(txnr: usize, command: &str, data: &str) -> String {
    if data.is_empty() {
        format!("{txnr} {command} 0\n")
    } else {
        format!("{txnr} {command} {} {data}\n", data.len())
    }
}

/// Opens a session, sends `lines` as syslog frames and reads every answer.
fn session(addr: &str, lines: &[usize]) {
    use std::io::{BufRead as _, BufReader, Write as _};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let mut out = frame(
        1,
        "open",
        "relp_version=0\nrelp_software=test\ncommands=syslog",
    );
    for (k, i) in lines.iter().enumerate() {
        let msg = format!(
            "<190>Oct  1 10:00:00 web1 nginx: 203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] \"GET /resent/{i} HTTP/1.1\" 200 12 \"-\" \"curl/8\""
        );
        out.push_str(&frame(k + 2, "syslog", &msg));
    }
    s.write_all(out.as_bytes()).expect("send");
    let mut answers = BufReader::new(s);
    let mut oks = 0;
    let mut line = String::new();
    while oks < lines.len() {
        line.clear();
        assert!(answers.read_line(&mut line).expect("answer") > 0, "closed");
        if line.contains(" rsp ") && line.contains("200 OK") && !line.contains("relp_version") {
            oks += 1;
        }
    }
    // Dropped without `close`: the session breaks, as when the network goes.
}

/// What a broken session spooled is remembered with the lake (`tails.json`), so the
/// sender's resend after a clean restart, when the spool is empty, is still recognised.
#[test]
fn a_resend_after_a_restart_is_recognised_from_the_committed_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let cfg = write(
        &data,
        "serve.toml",
        &format!(
            "data_dir = {data:?}\n[spool]\nflush_after_ms = 20\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n[[source]]\nname = \"relp\"\nkind = \"relp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n"
        ),
    );
    let mut server = crate::serve::start(&cfg, &data);
    session(&server.addrs["relp"], &(1..=10).collect::<Vec<_>>());
    crate::serve::terminate(&mut server, "first run");
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 10);
    assert!(
        !std::fs::read_dir(data.join("spool"))
            .expect("spool")
            .any(|e| e
                .map(|e| e.file_name().to_string_lossy().ends_with(".spool"))
                .unwrap_or(false)),
        "the spool is empty: the memory must come from the lake's side"
    );
    let mut server = crate::serve::start(&cfg, &data);
    // The sender had no answer for 6..=10: it sends them again, then new ones.
    session(&server.addrs["relp"], &[6, 7, 8, 9, 10, 11, 12]);
    let resent = crate::serve::metric_of(&server.addrs["dashboard"], "kansoku_events_resent_total");
    crate::serve::terminate(&mut server, "second run");
    assert_eq!(resent, 5);
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 12);
    assert_eq!(
        sql_number(&data, "SELECT count(DISTINCT path) FROM http"),
        12
    );
}
