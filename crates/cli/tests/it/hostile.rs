//! Hostile input. kansoku reads what attackers write; each test feeds the binary
//! one kind of hostile bytes and checks what a user sees: a clear error or a reject, never
//! a crash, never an escape sequence reaching the terminal, never a write outside the
//! place the user named.

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use crate::common::*;

const ESC: u8 = 0x1b;

fn has_esc(bytes: &[u8]) -> bool {
    bytes.contains(&ESC) || bytes.contains(&0x07)
}

fn line(path: &str, agent: &str) -> String {
    format!(
        "203.0.113.7 - - [16/Sep/2026:10:00:00 +0900] \"GET {path} HTTP/1.1\" 404 12 \"-\" \"{agent}\"\n"
    )
}

fn ingest(data: &Path, args: &[&str]) -> Output {
    let mut all = vec!["ingest"];
    all.extend_from_slice(args);
    run(data, &all)
}

fn rejects(data: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(data.join("rejects")).expect("rejects folder") {
        let text = std::fs::read_to_string(e.expect("entry").path()).expect("read rejects");
        for l in text.lines() {
            out.push(serde_json::from_str(l).expect("reject is JSON"));
        }
    }
    out
}

#[test]
fn escape_sequences_in_logged_fields_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // An OSC title change with BEL, a screen clear, a colour and a right-to-left override.
    let path = "/x\x1b]0;owned\x07\x1b[2J/\u{202e}gpj.exe";
    let agent = "sqlmap\x1b[31mred\x1b[0m";
    // The file's name carries an escape too: `status` and ingest's summary print it.
    let log = write(
        dir.path(),
        "evil\x1b[2J.log",
        &(line(path, agent) + &line("/ok", "curl/8.0")),
    );
    let out = ingest(&data, &[log.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!has_esc(&out.stderr), "ingest summary: {:?}", stderr(&out));

    let table = run(
        &data,
        &["sql", "SELECT path, user_agent FROM http ORDER BY path"],
    );
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(!has_esc(&table.stdout), "{:?}", stdout(&table));
    let text = stdout(&table);
    assert!(
        text.contains(r"/x\u{1b}]0;owned\u{7}\u{1b}[2J/\u{202e}gpj.exe"),
        "{text}"
    );
    assert!(text.contains(r"sqlmap\u{1b}[31mred\u{1b}[0m"), "{text}");

    // Piped CSV and JSON are data: the stored bytes come back exactly (JSON escapes them).
    let csv = run(
        &data,
        &[
            "sql",
            "SELECT user_agent FROM http WHERE path <> '/ok'",
            "--format",
            "csv",
        ],
    );
    assert_eq!(stdout(&csv), format!("user_agent\n{agent}\n"));
    let json = run(
        &data,
        &[
            "sql",
            "SELECT path FROM http WHERE path <> '/ok'",
            "--format",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(rows[0]["path"], path);

    let status = run(&data, &["status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(!has_esc(&status.stdout), "{:?}", stdout(&status));
    assert!(stdout(&status).contains(r"evil\u{1b}[2J.log"));

    let explain = run(&data, &["explain", line(path, agent).trim_end()]);
    assert!(explain.status.success(), "{}", stderr(&explain));
    assert!(!has_esc(&explain.stdout), "{:?}", stdout(&explain));
    assert!(stdout(&explain).contains(r"GET /x\u{1b}]0;owned"));

    // Error messages quote what the user (or a log) gave: cleaned too.
    let missing = ingest(&data, &["/nonexistent/\x1b]0;owned\x07.log"]);
    assert!(!missing.status.success());
    assert!(!has_esc(&missing.stderr), "{:?}", stderr(&missing));
    assert!(stderr(&missing).contains(r"\u{1b}]0;owned\u{7}"));
}

#[test]
fn a_very_long_line_is_rejected_with_its_number_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // 8 MiB on one line (eight times the longest line a parser takes), between good lines.
    let long = format!(
        "203.0.113.7 - - \"GET /{} HTTP/1.1\"\n",
        "A".repeat(8 << 20)
    );
    let text = line("/first", "curl") + &long + &line("/third", "curl");
    let log = write(dir.path(), "long.log", &text);
    let out = ingest(
        &data,
        &[log.to_str().expect("utf8"), "--format", "combined"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 2);
    let r = rejects(&data);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["line"], 2);
    let reason = r[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("long"), "{reason}");
    // Only the head of the line is kept for the reject record, not 8 MiB.
    assert!(r[0].to_string().len() < 64 * 1024);
}

#[test]
fn deeply_nested_json_is_rejected_per_line_in_every_json_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!(
        "{{\"a\":{}1{}}}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    for format in ["modsec-json", "aws-waf", "ecs-ndjson"] {
        let data = dir.path().join(format!("data-{format}"));
        let log = write(dir.path(), &format!("{format}.json"), &deep);
        let out = ingest(&data, &[log.to_str().expect("utf8"), "--format", format]);
        assert_eq!(out.status.code(), Some(3), "{format}: {}", stderr(&out));
        let r = rejects(&data);
        assert_eq!(r.len(), 1, "{format}");
        let reason = r[0]["reason"].as_str().expect("reason");
        assert!(reason.contains("recursion limit"), "{format}: {reason}");
    }
    // Detection of the format reads the same line: no overflow there either.
    let data = dir.path().join("data-detect");
    let log = write(dir.path(), "detect.json", &deep);
    let out = ingest(&data, &[log.to_str().expect("utf8")]);
    assert!(out.status.code().is_some(), "killed by a signal");
    assert!(!stderr(&out).contains("overflow"), "{}", stderr(&out));

    // A leak feed and an Onionoo document nested as deep: a clear error, exit 1 or 3.
    let feed = write(dir.path(), "feed.json", &deep);
    let out = run(
        &dir.path().join("data-leaks"),
        &["leaks", "import", feed.to_str().expect("utf8")],
    );
    assert!(matches!(out.status.code(), Some(1 | 3)), "{}", stderr(&out));
    assert!(stderr(&out).contains("recursion limit"), "{}", stderr(&out));
    let onionoo = write(
        dir.path(),
        "details.json",
        &format!(
            "{{\"relays\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    let out = run(
        &dir.path().join("data-tor"),
        &["tor", "import", onionoo.to_str().expect("utf8")],
    );
    assert!(matches!(out.status.code(), Some(0..=3)), "{}", stderr(&out));
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(text).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn a_gzip_bomb_stops_with_a_clear_error_and_the_limit_is_configurable() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 24 MiB of one repeated line packs into a few tens of KB: ~1000×, past the default 200×.
    let one = line("/health", "probe");
    let lines = (24 << 20) / one.len();
    let bomb = gzip(one.repeat(lines).as_bytes());
    assert!(bomb.len() < 200 * 1024, "{} bytes", bomb.len());
    let path = dir.path().join("access.log.gz");
    std::fs::write(&path, &bomb).expect("write");

    let data = dir.path().join("data");
    let out = ingest(&data, &[path.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("decompression bomb") && err.contains("--max-gzip-ratio"),
        "{err}"
    );
    // Stopped after the ratio-free allowance (16 MiB), well before the end.
    let stored = sql_number(&data, "SELECT count(*) FROM http");
    assert!(stored < lines as i64 * 3 / 4, "{stored} of {lines}");

    // A genuine, very repetitive file: the user lifts the limit and gets every line.
    let data = dir.path().join("data-unbounded");
    let out = ingest(
        &data,
        &[path.to_str().expect("utf8"), "--max-gzip-ratio", "0"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), lines as i64);
}

#[test]
fn invalid_utf8_is_stored_lossily_and_bad_config_bytes_are_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut bytes = line("/caf\u{e9}", "ok").into_bytes();
    bytes.extend_from_slice(b"203.0.113.8 - - [16/Sep/2026:10:00:01 +0900] \"GET /\xff\xfe/x HTTP/1.1\" 200 1 \"-\" \"agent\xc3\x28\"\n");
    bytes.extend_from_slice(b"\xff\xff\xff\xff not a log line at all \x00\x01\n");
    let log = dir.path().join("utf8.log");
    std::fs::write(&log, &bytes).expect("write");
    let out = ingest(
        &data,
        &[log.to_str().expect("utf8"), "--format", "combined"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(sql_number(&data, "SELECT count(*) FROM http"), 2);
    let csv = run(
        &data,
        &[
            "sql",
            "SELECT path, user_agent FROM http WHERE src_ip = '203.0.113.8'",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        stdout(&csv),
        "path,user_agent\n/\u{fffd}\u{fffd}/x,agent\u{fffd}(\n"
    );
    // The reject keeps the raw bytes (hex) so nothing is lost.
    let r = rejects(&data);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["line"], 3);
    assert!(r[0].to_string().contains("ffffffff"), "{:?}", r[0]);

    let config = dir.path().join("kansoku.toml");
    std::fs::write(&config, b"data_dir = \"/tmp/\xff\xfe\"\n").expect("write");
    let out = kansoku()
        .arg("--config")
        .arg(&config)
        .arg("status")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("kansoku.toml"), "{}", stderr(&out));
}

#[test]
fn case_names_that_leave_the_cases_folder_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    for name in [
        "../escape",
        "..",
        ".",
        "/tmp/abs",
        "a/b",
        ".hidden",
        "x\\..\\y",
        "evil\x1b[2J",
        "",
    ] {
        let out = run(&data, &["case", "new", name, "--type", "other"]);
        assert_eq!(out.status.code(), Some(1), "{name:?}: {}", stderr(&out));
        assert!(!has_esc(&out.stderr), "{name:?}");
    }
    assert!(!dir.path().join("escape").exists());
    assert!(!Path::new("/tmp/abs").exists() || Path::new("/tmp/abs").is_dir());
    let cases = data.join("cases");
    let made = std::fs::read_dir(&cases).map_or(0, |d| d.count());
    assert_eq!(made, 0, "a refused name left a folder");
}

#[test]
fn evidence_symlinks_leaving_the_folder_are_refused_and_records_cannot_point_outside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let out = run(&data, &["case", "new", "acme", "--type", "other"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = write(dir.path(), "secret.txt", "not evidence\n");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    write(&logs, "vpn.log", "login taro\n");
    std::os::unix::fs::symlink(&secret, logs.join("innocent.log")).expect("symlink");
    std::os::unix::fs::symlink(logs.join("vpn.log"), logs.join("inside.log")).expect("symlink");
    let out = run(
        &data,
        &[
            "evidence",
            "add",
            "acme",
            logs.to_str().expect("utf8"),
            "--kind",
            "vpn",
            "--handler",
            "sato",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        said.contains("innocent.log") && said.contains("not followed"),
        "{said}"
    );
    let copies = walk_files(&data.join("cases/acme/evidence"));
    assert!(
        copies
            .iter()
            .all(|p| std::fs::read_to_string(p).is_ok_and(|t| t != "not evidence\n")),
        "{copies:?}"
    );
    assert_eq!(
        copies.len(),
        2,
        "vpn.log and the link inside the folder: {copies:?}"
    );

    // A copy swapped for a link to a file outside (as a hostile archive could unpack):
    // verify names it and does not read through it.
    let copy = copies
        .iter()
        .find(|p| p.ends_with("vpn.log"))
        .expect("the copy of vpn.log");
    std::fs::remove_file(copy).expect("rm");
    std::os::unix::fs::symlink(&secret, copy).expect("symlink");
    let out = run(&data, &["evidence", "verify", "acme"]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("outside the evidence folder; not read"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // A custody log edited to point a record at a file outside the case: verify names
    // it and does not read it.
    let log = data.join("cases/acme/custody.jsonl");
    let text = std::fs::read_to_string(&log).expect("custody");
    let first_copy = text
        .split("\"stored\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a stored path")
        .to_string();
    let hostile = text.replace(&first_copy, "evidence/../../../../secret.txt");
    std::fs::write(&log, hostile).expect("write");
    let out = run(&data, &["evidence", "verify", "acme"]);
    assert!(!out.status.success());
    assert!(
        stdout(&out).contains("outside the evidence folder; not read"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

fn walk_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn report_out_replaces_a_planted_symlink_instead_of_writing_through_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(dir.path(), "a.log", &combined_log(50));
    let out = ingest(&data, &[log.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let victim = write(dir.path(), "victim.txt", "precious\n");
    let target = dir.path().join("report.md");
    std::os::unix::fs::symlink(&victim, &target).expect("symlink");
    let out = run(
        &data,
        &[
            "report",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-18",
            "--lang",
            "en",
            "--out",
            target.to_str().expect("utf8"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n"
    );
    let meta = std::fs::symlink_metadata(&target).expect("report");
    assert!(meta.is_file(), "the link was replaced by the report");
    let md = std::fs::read_to_string(&target).expect("md");
    assert!(md.len() > 100 && md.contains("16 Sep 2026"), "{md}");

    // A folder as --out, or a folder that does not exist: a message, nothing written.
    for bad in [
        dir.path().to_path_buf(),
        dir.path().join("no/such/dir/r.md"),
    ] {
        let out = run(&data, &["report", "--out", bad.to_str().expect("utf8")]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(bad.to_str().expect("utf8")),
            "{}",
            stderr(&out)
        );
    }
}

/// One tar entry whose name is written raw into the header (`tar::Builder` refuses `..`,
/// an attacker's tool does not).
fn raw_entry(
    tar: &mut tar::Builder<Vec<u8>>,
    name: &str,
    kind: tar::EntryType,
    link: &str,
    data: &[u8],
) {
    let mut h = tar::Header::new_gnu();
    let gnu = h.as_gnu_mut().expect("gnu header");
    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
    gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_cksum();
    tar.append(&h, data).expect("append");
}

/// `evidence verify --archive` on a hostile archive: entries climbing out with `..`, an
/// absolute path, and a symlink to a folder outside followed by a file through it. Nothing
/// may be written outside the archive's scratch folder; each refused entry is named.
#[test]
fn a_hostile_evidence_archive_writes_nothing_outside_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).expect("outside dir");
    let mut tar = tar::Builder::new(Vec::new());
    let climb = format!("../../../../../..{}/climbed.txt", outside.display());
    raw_entry(&mut tar, &climb, tar::EntryType::Regular, "", b"climbed");
    let absolute = format!("{}/absolute.txt", outside.display());
    raw_entry(
        &mut tar,
        &absolute,
        tar::EntryType::Regular,
        "",
        b"absolute",
    );
    raw_entry(
        &mut tar,
        "acme/link",
        tar::EntryType::Symlink,
        &outside.display().to_string(),
        b"",
    );
    raw_entry(
        &mut tar,
        "acme/link/through.txt",
        tar::EntryType::Regular,
        "",
        b"through",
    );
    raw_entry(
        &mut tar,
        "acme/case.toml",
        tar::EntryType::Regular,
        "",
        b"name = \"acme\"\n",
    );
    let archive = dir.path().join("hostile.tar");
    std::fs::write(&archive, tar.into_inner().expect("tar bytes")).expect("write tar");

    let out = run(
        &dir.path().join("data"),
        &[
            "evidence",
            "verify",
            "--archive",
            archive.to_str().expect("utf-8"),
        ],
    );
    let err = stderr(&out);
    let said = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{said}{err}");
    assert!(!err.contains("panicked"), "{err}");
    for why in [
        "refused: a `..` or drive in the path; not unpacked",
        "refused: absolute path; not unpacked",
        "\"acme/link\" refused: a link to",
    ] {
        assert!(said.contains(why), "says {why:?}: {said}");
    }
    let written: Vec<_> = std::fs::read_dir(&outside).expect("outside").collect();
    assert!(
        written.is_empty(),
        "files written outside: {written:?}; {said}{err}"
    );
}

/// What kansoku keeps (lake, checkpoints, rejects) is its user's only, whatever the
/// shell's umask: a log of attacks and the evidence around it are not for every account
/// on the host.
#[test]
fn what_kansoku_writes_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = write(
        dir.path(),
        "access.log",
        &format!("{}\nnot a log line\n", line("/private", "curl/8")),
    );
    let out = ingest(&data, &[log.to_str().expect("utf8")]);
    assert!(out.status.code().is_some(), "{}", stderr(&out));
    let mut seen = 0;
    let mut open = Vec::new();
    let mut stack = vec![data.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let meta = e.metadata().expect("metadata");
            seen += 1;
            if meta.permissions().mode() & 0o077 != 0 {
                open.push(format!(
                    "{} {:o}",
                    e.path().display(),
                    meta.permissions().mode()
                ));
            }
            if meta.is_dir() {
                stack.push(e.path());
            }
        }
    }
    assert!(seen > 5, "the lake, checkpoints and rejects were written");
    assert!(open.is_empty(), "readable by group or others: {open:?}");
}
