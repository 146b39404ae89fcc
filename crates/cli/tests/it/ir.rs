//! The incident-response commands end to end: case, evidence, deadlines, recovery,
//! timeline, checklist.

use std::path::Path;

use crate::common::{run, stderr, stdout};

fn ok(data: &Path, args: &[&str]) -> String {
    let out = run(data, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn new_case(data: &Path) {
    ok(
        data,
        &[
            "case",
            "new",
            "acme",
            "--type",
            "ransomware",
            "--who",
            "sato",
            "--learned",
            "2028-01-31 23:30",
            "--personal-data",
            "--unauthorised-purpose",
            "--people",
            "1500",
        ],
    );
}

#[test]
fn cases_are_opened_listed_shown_and_counted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    new_case(data);
    let bad = run(data, &["case", "new", "../x", "--type", "other"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("invalid case name \"../x\": it contains a path separator"),
        "{}",
        stderr(&bad)
    );
    let bad = run(data, &["case", "new", "y", "--type", "worm"]);
    assert!(
        stderr(&bad).contains("unknown case type \"worm\""),
        "{}",
        stderr(&bad)
    );
    let list = ok(data, &["case", "list"]);
    assert!(
        list.contains("acme") && list.contains("2028-01-31T23:30:00+09:00"),
        "{list}"
    );
    let show = ok(data, &["case", "show", "acme"]);
    assert!(
        show.contains("key_fingerprint = \"sha256:"),
        "custody started at opening: {show}"
    );
    let stats = ok(data, &["case", "stats"]);
    assert!(
        stats
            .lines()
            .any(|l| l.starts_with("2028") && l.split_whitespace().any(|c| c == "100.0")),
        "{stats}"
    );
    // Report section 6 appears once the data folder holds cases.
    let md = ok(
        data,
        &[
            "report",
            "--from",
            "2028-01-01",
            "--to",
            "2028-01-31",
            "--lang",
            "en",
            "--format",
            "md",
            "--out",
            "-",
        ],
    );
    assert!(md.contains("Incidents handled by type and year"), "{md}");
    assert!(md.contains("| 2028 |"), "{md}");
}

#[test]
fn evidence_verifies_until_a_byte_changes_and_exports_verify_elsewhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    new_case(&data);
    let log = tmp.path().join("vpn.log");
    std::fs::write(&log, "login taro 203.0.113.9\n").expect("log");
    let added = ok(
        &data,
        &[
            "evidence",
            "add",
            "acme",
            log.to_str().expect("utf8"),
            "--kind",
            "vpn",
            "--handler",
            "sato",
            "--host",
            "vpn01",
        ],
    );
    assert!(added.starts_with("E0001  "), "{added}");
    let v = ok(&data, &["evidence", "verify", "acme"]);
    assert!(
        v.starts_with("OK: 2 custody entries, 1 files checked"),
        "{v}"
    );
    let archive = tmp.path().join("acme.tar");
    ok(
        &data,
        &[
            "evidence",
            "export",
            "acme",
            archive.to_str().expect("utf8"),
        ],
    );
    let v = ok(
        &data,
        &[
            "evidence",
            "verify",
            "--archive",
            archive.to_str().expect("utf8"),
        ],
    );
    assert!(v.starts_with("OK: 3 custody entries"), "{v}");

    let copy = data.join("cases/acme/evidence/E0001/vpn.log");
    let mut perms = std::fs::metadata(&copy).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&copy, perms).expect("chmod");
    std::fs::write(&copy, "login hana 203.0.113.9\n").expect("tamper");
    let out = run(&data, &["evidence", "verify", "acme"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("FAIL evidence E0001 (evidence/E0001/vpn.log) changed: SHA-256 recorded"),
        "{}",
        stdout(&out)
    );
    // The archive written before the change still verifies.
    ok(
        &data,
        &[
            "evidence",
            "verify",
            "--archive",
            archive.to_str().expect("utf8"),
        ],
    );
}

#[test]
fn deadlines_and_the_draft() {
    let tmp = tempfile::tempdir().expect("tmp");
    new_case(tmp.path());
    // Learned 2028-01-31 JST, attack → 60 days: Jan 31 + 59 = Mar 30; day 5 = Feb 4.
    let d = ok(tmp.path(), &["deadlines", "acme"]);
    assert!(
        d.contains("by 2028-02-04 (end of day), aim for 2028-02-02"),
        "{d}"
    );
    assert!(d.contains("by 2028-03-30 (end of day)"), "{d}");
    let d = ok(
        tmp.path(),
        &["deadlines", "acme", "--count-from", "next-day"],
    );
    assert!(d.contains("by 2028-03-31 (end of day)"), "{d}");
    let draft = ok(tmp.path(), &["deadlines", "acme", "--draft", "ja"]);
    assert!(
        draft.contains("## 3. 漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数")
            && draft.contains("1500人"),
        "{draft}"
    );
}

#[test]
fn recovery_plan_and_status_page() {
    let tmp = tempfile::tempdir().expect("tmp");
    let inv = tmp.path().join("inv.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ir/tests/fixtures/chain.toml"),
        &inv,
    )
    .expect("fixture");
    let inv_s = inv.to_str().expect("utf8");
    let plan = ok(
        tmp.path(),
        &["recovery", "plan", inv_s, "--now", "2026-10-03 09:00"],
    );
    assert!(plan.contains(" 1. net "), "{plan}");
    assert!(
        plan.contains("受注") && plan.contains("back 2026-10-03 21:00 (+12 h)"),
        "{plan}"
    );
    assert!(plan.contains("critical path net → ad → db → web"), "{plan}");
    let json = ok(
        tmp.path(),
        &[
            "recovery",
            "plan",
            inv_s,
            "--now",
            "2026-10-03 09:00",
            "--parallel",
            "1",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let order: Vec<&str> = v["order"]
        .as_array()
        .expect("order")
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    assert_eq!(order, ["net", "ad", "db", "web", "mail", "wiki"]);
    let out = run(
        tmp.path(),
        &[
            "recovery",
            "status",
            inv_s,
            "--done",
            "net",
            "--done",
            "ad",
            "--now",
            "2026-10-03 09:00",
            "--lang",
            "en",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(tmp.path().join("inv.status.en.html")).expect("page");
    assert!(
        html.contains("<strong>2 / 6</strong> systems back"),
        "{html}"
    );
    assert!(tmp.path().join("inv.state.toml").is_file());
    let bad = run(tmp.path(), &["recovery", "status", inv_s, "--done", "nope"]);
    assert!(
        stderr(&bad).contains("--done \"nope\": no such system"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn timeline_csv_and_checklist() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path();
    new_case(data);
    ok(
        data,
        &[
            "case",
            "note",
            "acme",
            "ransom note found on fs01, \"README.txt\"",
            "--author",
            "sato",
            "--at",
            "2028-01-31 22:00",
        ],
    );
    let c = ok(data, &["timeline", "acme", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(c.as_bytes());
    let headers = r.headers().expect("headers").clone();
    for k in ["message", "datetime", "timestamp_desc"] {
        assert!(headers.iter().any(|h| h == k), "{headers:?}");
    }
    let rows: Vec<_> = r.records().map(|x| x.expect("row")).collect();
    assert!(
        rows.iter().any(|row| row
            .iter()
            .any(|f| f == "ransom note found on fs01, \"README.txt\"")),
        "{c}"
    );
    let text = ok(data, &["timeline", "acme"]);
    assert!(
        text.contains("2028-01-31 22:00:00 +09:00  [note   ] ransom note found"),
        "{text}"
    );
    let cl = ok(
        data,
        &[
            "case",
            "checklist",
            "acme",
            "--done",
            "isolate",
            "--lang",
            "en",
        ],
    );
    assert!(cl.starts_with("ransomware (1/15 done)"), "{cl}");
    assert!(
        cl.contains("[x] isolate") && cl.contains("[ ] ransom-note"),
        "{cl}"
    );
}

/// The fingerprint printed at `case new` anchors `evidence verify`: 0 against it, 5
/// ("self-consistent only, not anchored") with nothing outside the case to compare, 1 once
/// case.toml is edited without `case sign`.
#[test]
fn verify_is_anchored_by_the_fingerprint_printed_at_case_new() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let out = run(
        &data,
        &["case", "new", "acme", "--type", "other", "--who", "sato"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    let fp = said
        .lines()
        .find_map(|l| l.strip_prefix("custody key fingerprint: "))
        .unwrap_or_else(|| panic!("no fingerprint printed: {said}"))
        .to_string();
    assert!(
        !data.join("cases/acme/keys/custody.key").exists(),
        "the signing key is not in the case"
    );
    // Another machine: an empty key store, given with --key-dir after the subcommand.
    let empty = tmp.path().join("other-machine-keys");
    let empty_s = empty.to_str().expect("utf8");
    let out = run(&data, &["evidence", "verify", "acme", "--key-dir", empty_s]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("self-consistent only, not anchored: 1 custody entries"),
        "{}",
        stdout(&out)
    );
    let out = run(
        &data,
        &[
            "evidence",
            "verify",
            "acme",
            "--key-dir",
            empty_s,
            "--key-fingerprint",
            &fp,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("anchored by the key fingerprint given"),
        "{}",
        stdout(&out)
    );
    // This machine: its key store anchors the case it opened.
    let v = ok(&data, &["evidence", "verify", "acme"]);
    assert!(v.contains("anchored by this machine's key store"), "{v}");

    // The time of learning moved by hand: verify fails until the edit is signed.
    let toml = data.join("cases/acme/case.toml");
    let text = std::fs::read_to_string(&toml).expect("case.toml");
    let edited: String = text
        .lines()
        .map(|l| match l.starts_with("learned = ") {
            true => "learned = \"2026-01-01T00:00:00+09:00\"\n".to_string(),
            false => format!("{l}\n"),
        })
        .collect();
    std::fs::write(&toml, edited).expect("edit");
    let out = run(
        &data,
        &["evidence", "verify", "acme", "--key-fingerprint", &fp],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("FAIL case.toml changed since custody entry 0 recorded it"),
        "{}",
        stdout(&out)
    );
    let out = run(&data, &["case", "note", "acme", "x", "--author", "sato"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("kansoku case sign acme"),
        "{}",
        stderr(&out)
    );
    ok(&data, &["case", "sign", "acme", "--who", "sato"]);
    let v = ok(
        &data,
        &["evidence", "verify", "acme", "--key-fingerprint", &fp],
    );
    assert!(v.starts_with("OK: 2 custody entries"), "{v}");
}
