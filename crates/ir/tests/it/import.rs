//! KAPE CopyLog.csv, UAC acquisition logs and hash lists as evidence records.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kansoku_ir::case::{CaseType, Cases, NewCase};
use kansoku_ir::evidence::{AddOptions, EvidenceKind, records};
use kansoku_ir::import::{Tool, import};
use kansoku_ir::keystore::KeyStore;
use kansoku_ir::verify::{VerifyOptions, verify_dir};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> DateTime<Utc> {
    "2026-10-03T01:00:00Z".parse().expect("time")
}

fn opts(kind: EvidenceKind) -> AddOptions {
    AddOptions {
        kind,
        handler: "suzuki".into(),
        host: Some("pc-17".into()),
        no_copy: false,
    }
}

#[test]
fn kape_copylog_rows_become_records_and_bad_rows_are_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = Cases::new(tmp.path());
    let mut case = cases
        .create(&NewCase::new("k", CaseType::Ransomware, "suzuki"), now())
        .expect("case");
    let out = import(
        &mut case,
        &KeyStore::new(tmp.path().join("keys")),
        &fixture("CopyLog.csv"),
        Tool::Kape,
        &opts(EvidenceKind::Client),
        now(),
    )
    .expect("import");
    let log = out.log.expect("the CopyLog itself is evidence");
    assert_eq!(
        (log.id.as_str(), log.stored.as_deref()),
        ("E0001", Some("evidence/E0001/CopyLog.csv"))
    );
    assert_eq!(out.imported.len(), 2);
    let a = &out.imported[0];
    assert_eq!(
        a.source_path,
        r"C:\Windows\System32\winevt\Logs\Security.evtx"
    );
    assert_eq!(
        a.sha1.as_deref(),
        Some("3f786850e387550fdab836ed7e6dc881de23001b")
    );
    assert_eq!((a.size, a.host.as_str()), (Some(69632), "pc-17"));
    assert_eq!(a.acquired, "2026-10-02 01:10:11.1234567");
    assert_eq!(a.imported_from.as_deref(), Some("kape E0001 line 2"));
    assert_eq!(
        out.imported[1].source_path,
        r"C:\Users\taro\AppData\Roaming\Microsoft\Windows\Recent\report, final.lnk"
    );
    assert_eq!(out.rejected.len(), 2, "{:?}", out.rejected);
    assert_eq!(out.rejected[0].0, 4);
    assert!(out.rejected[0].1.contains("not-a-sha1"));
    assert_eq!(out.rejected[1].0, 5);
    assert_eq!(records(&case.dir).expect("records").len(), 3);
    // The imported files are not here: skipped, not failed.
    let report = verify_dir(&case.dir, &VerifyOptions::default()).expect("verify");
    assert!(report.ok(), "{:?}", report.findings);
    assert_eq!(report.skipped.len(), 2);
}

#[test]
fn uac_acquisition_log_gives_the_output_file_and_its_md5() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = Cases::new(tmp.path());
    let mut case = cases
        .create(&NewCase::new("u", CaseType::WebCompromise, "suzuki"), now())
        .expect("case");
    let out = import(
        &mut case,
        &KeyStore::new(tmp.path().join("keys")),
        &fixture("uac-web01-linux-20261002011500.log"),
        Tool::Uac,
        &opts(EvidenceKind::Server),
        now(),
    )
    .expect("import");
    assert_eq!(out.imported.len(), 1);
    let r = &out.imported[0];
    assert_eq!(r.source_path, "uac-web01-linux-20261002011500.tar.gz");
    assert_eq!(r.md5.as_deref(), Some("0f343b0931126a20f133d67c2b018a3b"));
    assert_eq!((r.host.as_str(), r.handler.as_str()), ("web01", "Yamada"));
    assert_eq!(r.acquired, "Fri Oct  2 01:15:00 UTC 2026");
    assert_eq!(r.imported_from.as_deref(), Some("uac E0001 line 21"));
    // Not a UAC log: refused with the reason.
    let err = import(
        &mut case,
        &KeyStore::new(tmp.path().join("keys")),
        &fixture("CopyLog.csv"),
        Tool::Uac,
        &opts(EvidenceKind::Server),
        now(),
    )
    .expect_err("not uac");
    assert!(
        err.to_string().contains("not a UAC acquisition log"),
        "{err}"
    );
}

#[test]
fn hash_lists_by_digest_length() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = Cases::new(tmp.path());
    let mut case = cases
        .create(&NewCase::new("h", CaseType::Other, "suzuki"), now())
        .expect("case");
    let out = import(
        &mut case,
        &KeyStore::new(tmp.path().join("keys")),
        &fixture("hash_executables.sha1"),
        Tool::HashList,
        &opts(EvidenceKind::Server),
        now(),
    )
    .expect("import");
    let paths: Vec<_> = out
        .imported
        .iter()
        .map(|r| (r.source_path.as_str(), r.sha1.is_some()))
        .collect();
    assert_eq!(paths, [("/usr/bin/ls", true), ("/usr/sbin/sshd", true)]);
    assert_eq!(
        out.rejected,
        [(
            3,
            "\"zz\" is not an MD5, SHA-1 or SHA-256 digest".to_string()
        )]
    );
}
