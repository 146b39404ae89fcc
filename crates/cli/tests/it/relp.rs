//! rsyslog (Debian's rsyslogd with `omrelp`) forwards a log file to `kansoku serve` over
//! RELP; kansoku is killed with SIGKILL mid-stream and restarted on the same port. rsyslog
//! sends again what kansoku never answered: every line reaches the lake, and a line can
//! only be there twice if it was spooled in the instant between the spool and the answer.

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

fn rsyslog(dir: &Path, input: &Path, port: &str) -> Rsyslog {
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
action(type="omrelp" target="127.0.0.1" port="{port}" template="RSYSLOG_TraditionalForwardFormat"
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
fn rsyslog_over_relp_loses_nothing_across_a_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let n = 4000;
    let input = dir.path().join("in.log");
    let text: String = (0..n)
        .map(|i| {
            format!(
                "203.0.113.{} - - [01/Oct/2026:10:00:00 +0900] \"GET /relp/{i} HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n",
                i % 250
            )
        })
        .collect();
    std::fs::write(&input, text).expect("input");
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
    let mut server = crate::serve::start(&cfg, &data);
    let addr = server.addrs["relp"].clone();
    let port = addr.rsplit(':').next().expect("port").to_string();
    let _rsyslog = rsyslog(dir.path(), &input, &port);

    // Kill once part of the file has arrived.
    let until = Instant::now() + Duration::from_secs(120);
    while paths(&data).len() < 200 {
        assert!(Instant::now() < until, "rsyslog sent nothing over RELP");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    let before = paths(&data).len();

    // Same port again: rsyslog reconnects and sends what was never answered.
    let cfg = config(&addr);
    let mut server = crate::serve::start(&cfg, &data);
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
    crate::serve::terminate(&mut server, "after the restart");
    let seen = paths(&data);
    let missing: Vec<_> = (0..n)
        .filter(|i| !seen.contains_key(&format!("/relp/{i}")))
        .take(5)
        .collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    let twice = seen.values().filter(|&&c| c > 1).count();
    // rsyslog keeps at most its window of unanswered frames (128 by default) in flight.
    assert!(twice <= 128, "{twice} lines stored twice");
    println!(
        "relp: {n} lines from rsyslog, {before} in the lake at the SIGKILL, all {n} after the restart; {twice} stored twice (spooled, not yet answered)"
    );
}
