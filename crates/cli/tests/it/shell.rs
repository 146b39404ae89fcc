//! Shell integration as a user meets it: completions and man pages from the binary, the
//! exit codes `--help` documents.

use crate::common::{kansoku, run, stderr, stdout, write};

#[test]
fn help_documents_the_exit_codes() {
    let out = kansoku().arg("--help").output().expect("runs");
    assert!(out.status.success());
    let help = stdout(&out);
    for line in [
        "Exit codes:",
        "0  success",
        "1  failure",
        "2  usage error",
        "3  finished, but some input was rejected",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
}

#[test]
fn exit_codes_are_the_documented_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // 2: usage.
    let out = kansoku().arg("--no-such-option").output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = kansoku().args(["ingest"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2), "missing path: {}", stderr(&out));
    // 1: failure, with what to do.
    let missing = dir.path().join("nowhere.toml");
    let out = kansoku()
        .arg("--config")
        .arg(&missing)
        .arg("status")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nowhere.toml"), "{}", stderr(&out));
    // 0: every line stored.
    let good = write(
        dir.path(),
        "good.log",
        "203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8\"\n",
    );
    let out = run(&data, &["ingest", good.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // 3: finished, but a line was rejected.
    let mixed = write(
        dir.path(),
        "mixed.log",
        "203.0.113.9 - - [01/Oct/2026:10:00:01 +0900] \"GET /a HTTP/1.1\" 200 1 \"-\" \"curl/8\"\nthis is not an access log line\n",
    );
    let out = run(
        &data,
        &[
            "ingest",
            mixed.to_str().expect("utf-8"),
            "--format",
            "combined",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("rejected 1"), "{}", stderr(&out));
}

#[test]
fn completions_and_man_from_the_binary() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = kansoku()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        for cmd in ["ingest", "report", "completions", "config"] {
            assert!(text.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    let out = kansoku()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "unknown shell is a usage error");

    let dir = tempfile::tempdir().expect("temp dir");
    let out = kansoku()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    for page in [
        "kansoku.1",
        "kansoku-ingest.1",
        "kansoku-config-check.1",
        "kansoku-rules-list.1",
    ] {
        assert!(dir.path().join(page).is_file(), "{page} missing");
    }
    let out = kansoku().arg("man").output().expect("runs");
    assert!(
        stdout(&out).starts_with(".ie") || stdout(&out).contains(".TH"),
        "roff on stdout"
    );
}

/// Every listing command takes `--format table|json|ndjson|csv`; checked on cases,
/// evidence, case counts, the lake's status and the rules, with the same case in each form.
#[test]
fn listings_take_every_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let ok = |args: &[&str]| {
        let out = run(&data, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    ok(&[
        "case",
        "new",
        "acme-2026-10",
        "--type",
        "ransomware",
        "--learned",
        "2026-10-02 18:30",
    ]);
    let file = write(
        dir.path(),
        "vpn.log",
        "2026-10-01T02:14:00Z login taro from 203.0.113.9\n",
    );
    ok(&[
        "evidence",
        "add",
        "acme-2026-10",
        file.to_str().expect("utf-8"),
        "--kind",
        "vpn",
        "--handler",
        "sato",
    ]);

    let csv = ok(&["case", "list", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("name,type,learned,opened_by"), "{csv}");
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("acme-2026-10,ransomware,2026-10-02T18:30:00+09:00,")),
        "{csv}"
    );
    let ndjson = ok(&["case", "list", "--format", "ndjson"]);
    let one: serde_json::Value = serde_json::from_str(ndjson.trim()).expect("one JSON object");
    assert_eq!(one["name"], "acme-2026-10");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["case", "list", "--json"])).expect("JSON");
    assert_eq!(json[0]["name"], "acme-2026-10");
    let table = ok(&["case", "list"]);
    assert!(
        table
            .lines()
            .next()
            .is_some_and(|h| h
                .split_whitespace()
                .eq(["name", "type", "learned", "opened_by"])),
        "{table}"
    );

    let ev = ok(&["evidence", "list", "acme-2026-10", "--format", "csv"]);
    assert!(
        ev.starts_with("id,kind,handler,host,source_path,sha256\n"),
        "{ev}"
    );
    assert!(
        ev.lines().nth(1).is_some_and(
            |l| l.contains(",vpn,sato,") && l.ends_with(|c: char| c.is_ascii_hexdigit())
        ),
        "{ev}"
    );

    let stats = ok(&["case", "stats", "--format", "csv"]);
    assert!(stats.starts_with("year,ransomware,"), "{stats}");
    assert!(
        stats
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("2026,1,")),
        "{stats}"
    );

    let status = ok(&["status", "--format", "csv"]);
    assert!(
        status.starts_with("table,rows,files,days,first_day,last_day,tenants\n"),
        "{status}"
    );
    assert!(status.contains("\nhttp,0,0,0,,,0\n"), "{status}");

    let rules = ok(&["rules", "list", "--format", "ndjson"]);
    assert!(rules.lines().count() > 50, "{rules}");
    for line in rules.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
}

/// `kansoku completions zsh | head -1`: the reader closes the pipe early; kansoku stops
/// quietly with 0 instead of printing a panic.
#[test]
fn a_closed_pipe_is_not_a_crash() {
    for args in [&["completions", "zsh"][..], &["rules", "list"], &["man"]] {
        let mut child = kansoku()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("waits");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// The subcommands `kansoku [CMD] --help` lists.
fn subcommands(path: &[&str]) -> Vec<String> {
    let out = kansoku().args(path).arg("--help").output().expect("runs");
    let help = stdout(&out);
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(String::from)
        .collect()
}

/// Every command and subcommand: in each shell's completions, with its own man page, and
/// an `Example:` in its `--help`.
#[test]
fn every_command_has_completions_a_man_page_and_an_example() {
    let completions: Vec<(&str, String)> = ["bash", "zsh", "fish"]
        .into_iter()
        .map(|sh| {
            let out = kansoku().args(["completions", sh]).output().expect("runs");
            (sh, stdout(&out))
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = kansoku()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));

    let top = subcommands(&[]);
    assert!(top.len() >= 20, "{top:?}");
    let mut leaves = Vec::new();
    for cmd in &top {
        let subs = subcommands(&[cmd]);
        if subs.is_empty() {
            leaves.push(vec![cmd.clone()]);
        }
        for s in subs {
            leaves.push(vec![cmd.clone(), s]);
        }
    }
    for path in &leaves {
        let name = format!("kansoku-{}.1", path.join("-"));
        assert!(dir.path().join(&name).is_file(), "no man page {name}");
        let last = path.last().expect("non-empty");
        for (sh, text) in &completions {
            assert!(
                text.contains(last.as_str()),
                "{sh} completions lack {path:?}"
            );
        }
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let out = kansoku().args(&args).arg("--help").output().expect("runs");
        assert!(
            stdout(&out).contains("Example"),
            "`kansoku {} --help` has no example",
            args.join(" ")
        );
    }
}
