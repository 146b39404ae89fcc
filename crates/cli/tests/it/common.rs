//! Helpers: running the binary, generating logs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary, with its custody key store under the target folder, never the user's home.
pub fn kansoku() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kansoku"));
    cmd.env("KANSOKU_KEY_DIR", test_key_dir());
    cmd
}

/// The key store the tests' `case new` writes to: one for the whole test run (keys are
/// named by fingerprint and anchors by case folder, so tests do not meet).
pub fn test_key_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kansoku-keys")
}

/// Runs kansoku with `--data data` and the arguments; returns the output.
pub fn run(data: &Path, args: &[&str]) -> Output {
    kansoku()
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("kansoku runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A single number answered by `kansoku sql`.
pub fn sql_number(data: &Path, query: &str) -> i64 {
    let out = run(data, &["sql", query, "--format", "csv"]);
    assert!(out.status.success(), "sql failed: {}", stderr(&out));
    let text = stdout(&out);
    text.lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number in {text:?}"))
}

/// `n` combined-format lines over several days, every line distinct; line i has
/// client 10.x.y.z derived from i and path /page/i.
pub fn combined_log(n: usize) -> String {
    let mut s = String::with_capacity(n * 200);
    let days = ["16/Sep/2026", "17/Sep/2026", "18/Sep/2026"];
    for i in 0..n {
        let day = days[i * days.len() / n.max(1)];
        let (h, m, sec) = ((i / 3600) % 24, (i / 60) % 60, i % 60);
        let _ = writeln!(
            s,
            "10.{}.{}.{} - - [{day}:{h:02}:{m:02}:{sec:02} +0900] \"GET /page/{i}?q=item{i} HTTP/1.1\" 200 {} \"https://shop.example.jp/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\"",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            1000 + i % 5000
        );
    }
    s
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// Every rejected line under `<data>/rejects/`, as the files hold them.
pub fn rejects_text(data: &Path) -> String {
    std::fs::read_dir(data.join("rejects"))
        .map(|dir| {
            dir.flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

/// A system program by name: from `PATH`, else from `/usr/sbin` (where Debian puts
/// `logrotate` and `rsyslogd`, and which a non-root `PATH` often lacks).
pub fn system_program(name: &str) -> PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        .unwrap_or(false);
    if !on_path && sbin.is_file() {
        sbin
    } else {
        PathBuf::from(name)
    }
}

/// `../shared/data/<sub>` (beside the checkout, or `/work/shared/data`), when there.
/// Missing, the test goes on without it, with a note, unless `KANSOKU_REQUIRE_SHARED=1`
/// (`.ci/run` sets it): then CI was told the real corpora are there, and a test that went
/// on without them would pass without checking what it says it checks.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let found = [beside, PathBuf::from("/work/shared/data")]
        .into_iter()
        .map(|d| d.join(sub))
        .find(|p| p.exists());
    if found.is_none() {
        let required = std::env::var("KANSOKU_REQUIRE_SHARED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "shared/data/{sub} is missing and KANSOKU_REQUIRE_SHARED=1 says it must be there"
        );
        eprintln!("note: shared/data/{sub} not found; going on without it");
    }
    found
}

/// A port nobody listens on now (the kernel's pick; released before use).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
