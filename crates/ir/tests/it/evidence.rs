//! Evidence register and custody chain: the tamper tests.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use kansoku_ir::case::{Case, CaseType, Cases, NewCase};
use kansoku_ir::custody::{self, Entry, GENESIS, LOG_FILE, PUB_FILE};
use kansoku_ir::digest::hex;
use kansoku_ir::evidence::{self, AddOptions, EvidenceKind};
use kansoku_ir::export::{export, verify_archive};
use kansoku_ir::keystore::KeyStore;
use kansoku_ir::verify::{Finding, VerifyOptions, verify_dir};
use sha2::Digest;

fn now() -> DateTime<Utc> {
    "2026-10-03T01:00:00Z".parse().expect("time")
}

fn opts() -> AddOptions {
    AddOptions {
        kind: EvidenceKind::Server,
        handler: "suzuki".into(),
        host: Some("web01".into()),
        no_copy: false,
    }
}

/// The key store of a test: `<root>/keys`, never the user's.
pub fn store(root: &Path) -> KeyStore {
    KeyStore::new(root.join("keys"))
}

/// The store of a case made by [`case_with_evidence`] (`<root>/data/cases/<name>`).
fn store_of(case_dir: &Path) -> KeyStore {
    store(&case_dir.join("../../.."))
}

/// A case holding three files: a.log, sub/b.log and a link inside the folder.
pub fn case_with_evidence(root: &Path) -> (Cases, Case) {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("sub")).expect("mkdir");
    std::fs::write(src.join("a.log"), "line 1\nline 2\n").expect("a");
    std::fs::write(src.join("sub/b.log"), vec![7u8; 3 << 20]).expect("b");
    std::fs::write(root.join("outside.txt"), "secret").expect("outside");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("outside.txt"), src.join("escape.txt")).expect("link");
        std::os::unix::fs::symlink(src.join("a.log"), src.join("sub/inside.log")).expect("link");
    }
    let cases = Cases::new(&root.join("data"));
    let mut case = cases
        .create(&NewCase::new("c1", CaseType::Ransomware, "suzuki"), now())
        .expect("case");
    let out = evidence::add(&mut case, &store(root), &[src], &opts(), now()).expect("add");
    #[cfg(unix)]
    {
        assert_eq!(out.added.len(), 3, "{:?}", out.added);
        assert_eq!(out.refused.len(), 1, "{:?}", out.refused);
        assert!(
            out.refused[0].contains("escape.txt") && out.refused[0].contains("not followed"),
            "{:?}",
            out.refused
        );
        let followed = out
            .added
            .iter()
            .find(|r| r.followed_symlink.is_some())
            .expect("followed link");
        assert!(
            followed.source_path.ends_with("sub/inside.log"),
            "{followed:?}"
        );
    }
    (cases, case)
}

/// What in-place verification on the machine that wrote the case finds.
fn findings(dir: &Path) -> Vec<Finding> {
    let store = store_of(dir);
    let opts = VerifyOptions {
        store: Some(&store),
        in_place: true,
        ..VerifyOptions::default()
    };
    verify_dir(dir, &opts).expect("verify").findings
}

/// What the folder says about itself, with nothing from outside it.
fn self_check(dir: &Path) -> Vec<Finding> {
    let opts = VerifyOptions {
        in_place: true,
        ..VerifyOptions::default()
    };
    verify_dir(dir, &opts).expect("verify").findings
}

fn log_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(LOG_FILE))
        .expect("log")
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join(LOG_FILE), lines.join("\n") + "\n").expect("write log");
}

#[test]
fn records_carry_three_digests_size_and_source() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let records = evidence::records(&case.dir).expect("records");
    let a = records
        .iter()
        .find(|r| r.source_path.ends_with("src/a.log"))
        .expect("a.log");
    assert_eq!(a.id, "E0001");
    assert_eq!(
        a.sha256.as_deref(),
        Some(hex(&sha2::Sha256::digest(b"line 1\nline 2\n")).as_str())
    );
    assert_eq!(
        a.md5.as_deref(),
        Some(hex(&md5::Md5::digest(b"line 1\nline 2\n")).as_str())
    );
    assert_eq!(
        a.sha1.as_deref(),
        Some(hex(&sha1::Sha1::digest(b"line 1\nline 2\n")).as_str())
    );
    assert_eq!(a.size, Some(14));
    assert_eq!((a.host.as_str(), a.handler.as_str()), ("web01", "suzuki"));
    assert_eq!(a.stored.as_deref(), Some("evidence/E0001/a.log"));
    let b = records
        .iter()
        .find(|r| r.source_path.ends_with("sub/b.log"))
        .expect("b.log");
    assert_eq!(b.size, Some(3 << 20));
    assert_eq!(
        b.sha256.as_deref(),
        Some(hex(&sha2::Sha256::digest(vec![7u8; 3 << 20])).as_str())
    );
    assert_eq!(
        std::fs::read(case.dir.join(b.stored.as_deref().expect("stored")))
            .expect("copy")
            .len(),
        3 << 20
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let fp = case.meta.key_fingerprint.as_deref().expect("fingerprint");
        let hex = fp.strip_prefix("sha256:").expect("sha256:");
        let keys = tmp.path().join("keys");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&keys.join(format!("{hex}.key"))), 0o600);
        assert_eq!(mode(&keys), 0o700);
    }
    assert!(
        !case.dir.join("keys/custody.key").exists(),
        "the signing key lives outside the case"
    );
    let report = verify_dir(
        &case.dir,
        &VerifyOptions {
            store: Some(&store(tmp.path())),
            in_place: true,
            ..VerifyOptions::default()
        },
    )
    .expect("verify");
    assert!(report.ok(), "{:?}", report.findings);
    assert!(report.anchored(), "{:?}", report.anchor);
    assert_eq!(report.files_checked, records.len());
    // case_opened + one entry per file.
    assert_eq!(report.entries, records.len() + 1);
}

#[test]
fn one_changed_byte_names_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let path = case.dir.join("evidence/E0001/a.log");
    let mut perms = std::fs::metadata(&path).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).expect("chmod");
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[3] ^= 1;
    std::fs::write(&path, bytes).expect("write");
    let f = findings(&case.dir);
    assert_eq!(f.len(), 1, "{f:?}");
    let msg = f[0].to_string();
    assert!(
        msg.starts_with("evidence E0001 (evidence/E0001/a.log) changed: SHA-256 recorded"),
        "{msg}"
    );
    assert!(msg.contains("MD5 recorded"), "{msg}");
    assert!(
        !msg.contains("size"),
        "same size, so no size finding: {msg}"
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let mut lines = log_lines(&case.dir);
    lines.remove(1);
    write_lines(&case.dir, &lines);
    let f = findings(&case.dir);
    assert!(f.contains(&Finding::EntryDeleted { index: 1 }), "{f:?}");
    assert!(
        f.iter()
            .any(|x| x.to_string() == "custody entry 1 was deleted"),
        "{f:?}"
    );
}

#[test]
fn a_deleted_last_entry_is_caught_by_the_signed_head() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let mut lines = log_lines(&case.dir);
    let last = lines.len() as u64 - 1;
    lines.pop();
    write_lines(&case.dir, &lines);
    let f = findings(&case.dir);
    assert!(f.contains(&Finding::EntryDeleted { index: last }), "{f:?}");
    // The file that entry registered is now in no record.
    assert!(
        f.iter()
            .any(|x| matches!(x, Finding::FileUnregistered { .. })),
        "{f:?}"
    );
}

#[test]
fn reordered_entries_are_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let mut lines = log_lines(&case.dir);
    lines.swap(1, 2);
    write_lines(&case.dir, &lines);
    let f = findings(&case.dir);
    assert!(
        f.contains(&Finding::Reordered {
            index: 1,
            line: 3,
            after: 2
        }),
        "{f:?}"
    );
    assert!(
        !f.iter().any(|x| matches!(
            x,
            Finding::EntryDeleted { .. } | Finding::BadSignature { .. }
        )),
        "{f:?}"
    );
}

#[test]
fn an_edited_entry_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let mut lines = log_lines(&case.dir);
    lines[2] = lines[2].replace("suzuki", "tanaka");
    write_lines(&case.dir, &lines);
    let f = findings(&case.dir);
    assert!(
        f.contains(&Finding::EntryModified { index: 2, line: 3 }),
        "{f:?}"
    );
}

fn resign(dir: &Path, key: &SigningKey, fingerprint: &str) {
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for line in log_lines(dir) {
        let mut e: Entry = serde_json::from_str(&line).expect("entry");
        if e.index == 0 {
            e.key_fingerprint = Some(fingerprint.into());
        }
        e.prev = prev;
        e.hash = e.body_hash();
        e.sig = hex(&key.sign(e.hash.as_bytes()).to_bytes());
        prev = e.hash.clone();
        out.push(serde_json::to_string(&e).expect("json"));
    }
    write_lines(dir, &out);
}

#[test]
fn a_swapped_public_key_is_named_even_when_the_whole_chain_is_re_signed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, case) = case_with_evidence(tmp.path());
    let other = SigningKey::from_bytes(&[42u8; 32]);
    let fp = custody::fingerprint(&other.verifying_key());
    // Only the key file swapped: every signature fails and the fingerprints disagree.
    let original = std::fs::read(case.dir.join(PUB_FILE)).expect("pub");
    std::fs::write(
        case.dir.join(PUB_FILE),
        hex(other.verifying_key().as_bytes()),
    )
    .expect("swap");
    let f = self_check(&case.dir);
    assert!(
        f.iter()
            .any(|x| matches!(x, Finding::BadSignature { index: 0, .. })),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|x| x.to_string().starts_with("public key swapped")),
        "{f:?}"
    );
    // The attacker re-signs the whole chain with their key: case.toml still names the
    // original key, so the swap is still reported, and nothing else is.
    resign(&case.dir, &other, &fp);
    let f = self_check(&case.dir);
    let swapped: Vec<_> = f
        .iter()
        .filter(|x| matches!(x, Finding::KeySwapped { .. }))
        .collect();
    assert_eq!(swapped.len(), 1, "{f:?}");
    assert!(
        swapped[0].to_string().contains("case.toml records sha256:"),
        "{}",
        swapped[0]
    );
    assert!(
        !f.iter().any(|x| matches!(
            x,
            Finding::BadSignature { .. } | Finding::ChainBroken { .. }
        )),
        "{f:?}"
    );
    std::fs::write(case.dir.join(PUB_FILE), original).expect("restore");
}

fn unpack(archive: &Path, to: &Path) -> PathBuf {
    let file = std::fs::File::open(archive).expect("archive");
    tar::Archive::new(file).unpack(to).expect("unpack");
    to.join("c1")
}

#[test]
fn an_untouched_case_verifies_after_export_and_unpacking_elsewhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cases, mut case) = case_with_evidence(tmp.path());
    let out = tmp.path().join("c1.tar");
    let keys = store(tmp.path());
    let manifest = export(&mut case, &keys, &out, "suzuki", now()).expect("export");
    assert_eq!(
        manifest.evidence.len(),
        evidence::records(&case.dir).expect("records").len()
    );
    let given = VerifyOptions {
        expected_key: manifest.key_fingerprint.as_deref(),
        ..VerifyOptions::default()
    };
    let report = verify_archive(&out, &given).expect("verify archive");
    assert!(report.ok(), "{:?}", report.findings);
    assert!(report.anchored(), "{:?}", report.anchor);
    assert!(report.files_checked >= 2);
    // Elsewhere: unpacked into another folder, with no signing key.
    let elsewhere = tempfile::tempdir().expect("tmp2");
    let dir = unpack(&out, elsewhere.path());
    assert!(
        !dir.join("keys/custody.key").exists(),
        "the signing key must stay behind"
    );
    let report = verify_dir(&dir, &given).expect("verify unpacked");
    assert!(report.ok(), "{:?}", report.findings);
    // The case itself still verifies, with the export recorded.
    assert!(findings(&cases.open("c1").expect("open").dir).is_empty());
    // A fingerprint received out of band that differs is reported.
    let other = VerifyOptions {
        expected_key: Some("sha256:00"),
        ..VerifyOptions::default()
    };
    let report = verify_archive(&out, &other).expect("verify");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.to_string().contains("the fingerprint given")),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_tampered_archive_fails_verification() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, mut case) = case_with_evidence(tmp.path());
    let out = tmp.path().join("c1.tar");
    export(&mut case, &store(tmp.path()), &out, "suzuki", now()).expect("export");
    let mut bytes = std::fs::read(&out).expect("tar");
    // Flip a byte of the first copy of a.log's content in the archive (a.log and the
    // followed link inside.log hold it).
    let at = bytes
        .windows(6)
        .position(|w| w == b"line 1")
        .expect("content in tar");
    bytes[at] = b'L';
    std::fs::write(&out, bytes).expect("write");
    let report = verify_archive(&out, &VerifyOptions::default()).expect("verify");
    assert!(
        report.findings.iter().any(
            |f| matches!(f, Finding::FileChanged { id, .. } if id == "E0001" || id == "E0003")
        ),
        "{:?}",
        report.findings
    );
}

#[test]
fn no_copy_records_in_place_and_detects_a_later_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let src = tmp.path().join("fw.log");
    std::fs::write(&src, "deny tcp 203.0.113.9\n").expect("src");
    let cases = Cases::new(&tmp.path().join("data"));
    let mut case = cases
        .create(&NewCase::new("c2", CaseType::Other, "x"), now())
        .expect("case");
    let o = AddOptions {
        kind: EvidenceKind::Firewall,
        no_copy: true,
        ..opts()
    };
    let out = evidence::add(
        &mut case,
        &store(tmp.path()),
        std::slice::from_ref(&src),
        &o,
        now(),
    )
    .expect("add");
    assert_eq!(out.added[0].stored, None);
    assert!(!case.dir.join("evidence").exists());
    assert!(findings(&case.dir).is_empty());
    std::fs::write(&src, "deny tcp 203.0.113.10\n").expect("change");
    let f = findings(&case.dir);
    assert!(
        f.iter()
            .any(|x| x.to_string().contains("size recorded 21, now 22")),
        "{f:?}"
    );
}
