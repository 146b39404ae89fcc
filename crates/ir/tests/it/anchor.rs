//! Evidence anchored outside the case: what verification says when whoever can edit the
//! case folder re-keys it, cuts the log short, copies a line, edits `case.toml` or plants
//! links in an archive; and that an untouched case verifies against the fingerprint
//! printed when it was opened.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, SigningKey};
use kansoku_ir::IrError;
use kansoku_ir::case::{CASE_FILE, Case, CaseType, Cases, NewCase, Note};
use kansoku_ir::custody::{
    self, Custody, Entry, GENESIS, HEAD_FILE, Head, KEY_FILE, LOG_FILE, PUB_FILE,
};
use kansoku_ir::digest::hex;
use kansoku_ir::evidence::{self, AddOptions, EvidenceKind};
use kansoku_ir::export::{export, verify_archive};
use kansoku_ir::keystore::KeyStore;
use kansoku_ir::verify::{Anchoring, Finding, VerifyOptions, VerifyReport, verify_dir};

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

/// A case opened as `case new` does (custody started at once), with one file of evidence;
/// the fingerprint the handler was shown.
struct Opened {
    root: PathBuf,
    case: Case,
    keys: KeyStore,
    fingerprint: String,
}

fn open_case(root: &Path) -> Opened {
    let keys = KeyStore::new(root.join("keys"));
    let cases = Cases::new(&root.join("data"));
    let mut case = cases
        .create(&NewCase::new("c1", CaseType::Ransomware, "suzuki"), now())
        .expect("case");
    let fingerprint = Custody::open_or_init(&mut case, &keys, "suzuki", now())
        .expect("custody")
        .fingerprint();
    add_file(&mut case, &keys, root, "a.log", "line 1\nline 2\n");
    Opened {
        root: root.to_path_buf(),
        case,
        keys,
        fingerprint,
    }
}

fn add_file(case: &mut Case, keys: &KeyStore, root: &Path, name: &str, text: &str) {
    let src = root.join(name);
    std::fs::write(&src, text).expect("source");
    evidence::add(case, keys, &[src], &opts(), now()).expect("add");
}

/// In place, on the machine that wrote the case, with the fingerprint when given.
fn in_place(o: &Opened, fingerprint: Option<&str>) -> VerifyReport {
    let opts = VerifyOptions {
        expected_key: fingerprint,
        store: Some(&o.keys),
        in_place: true,
    };
    verify_dir(&o.case.dir, &opts).expect("verify")
}

/// Elsewhere: no key store, only the fingerprint if given.
fn elsewhere(dir: &Path, fingerprint: Option<&str>) -> VerifyReport {
    let opts = VerifyOptions {
        expected_key: fingerprint,
        ..VerifyOptions::default()
    };
    verify_dir(dir, &opts).expect("verify")
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
fn an_untouched_case_verifies_against_the_fingerprint_printed_at_opening() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    assert!(!o.case.dir.join(KEY_FILE).exists(), "no key in the case");
    let r = elsewhere(&o.case.dir, Some(&o.fingerprint));
    assert!(r.ok() && r.anchor == Anchoring::Fingerprint, "{r:?}");
    let r = in_place(&o, None);
    assert!(
        r.ok() && matches!(r.anchor, Anchoring::KeyStore { .. }),
        "{r:?}"
    );
    // Nothing given and no store: nothing changed, but nothing vouches for the key.
    let r = elsewhere(&o.case.dir, None);
    assert!(r.ok() && !r.anchored(), "{r:?}");
    // The archive, on another machine, against the fingerprint.
    let tar = o.root.join("c1.tar");
    export(&mut o.case, &o.keys, &tar, "suzuki", now()).expect("export");
    let given = VerifyOptions {
        expected_key: Some(&o.fingerprint),
        ..VerifyOptions::default()
    };
    let r = verify_archive(&tar, &given).expect("verify archive");
    assert!(r.ok() && r.anchored(), "{r:?}");
    let r = verify_archive(&tar, &VerifyOptions::default()).expect("verify archive");
    assert!(r.ok() && !r.anchored(), "{r:?}");
}

/// Replaces the key everywhere the folder names it and signs everything again, as
/// whoever can edit the folder (but not reach the key store) can.
fn re_key(dir: &Path, key: &SigningKey) {
    let fp = custody::fingerprint(&key.verifying_key());
    let case_path = dir.join(CASE_FILE);
    let mut case = Case::load(dir).expect("case");
    case.meta.key_fingerprint = Some(fp.clone());
    case.save().expect("save");
    let digest = case.digest();
    std::fs::write(dir.join(PUB_FILE), hex(key.verifying_key().as_bytes())).expect("pub");
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for line in log_lines(dir) {
        let mut e: Entry = serde_json::from_str(&line).expect("entry");
        if e.index == 0 {
            e.key_fingerprint = Some(fp.clone());
        }
        if e.case_sha256.is_some() {
            e.case_sha256 = Some(digest.clone());
        }
        e.prev = prev;
        e.hash = e.body_hash();
        e.sig = hex(&key.sign(e.hash.as_bytes()).to_bytes());
        prev = e.hash.clone();
        out.push(serde_json::to_string(&e).expect("json"));
    }
    write_lines(dir, &out);
    let entries = out.len() as u64;
    let sig = hex(&key.sign(format!("{entries} {prev}").as_bytes()).to_bytes());
    let head = Head {
        entries,
        hash: prev,
        sig,
    };
    std::fs::write(
        dir.join(HEAD_FILE),
        serde_json::to_string(&head).expect("head"),
    )
    .expect("head");
    assert!(case_path.is_file());
}

#[test]
fn a_re_keyed_and_re_signed_case_fails_against_the_anchored_fingerprint() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = open_case(tmp.path());
    re_key(&o.case.dir, &SigningKey::from_bytes(&[42u8; 32]));
    // The folder alone cannot tell: it is consistent with itself, and says so.
    let r = elsewhere(&o.case.dir, None);
    assert!(r.ok() && !r.anchored(), "{r:?}");
    // Against the fingerprint printed at opening, it fails.
    let r = elsewhere(&o.case.dir, Some(&o.fingerprint));
    assert!(
        r.findings.iter().any(
            |f| matches!(f, Finding::KeySwapped { place, .. } if place == "the fingerprint given")
        ),
        "{r:?}"
    );
    assert!(!r.anchored(), "{r:?}");
    // In place, the key store remembers which key signs this folder.
    let r = in_place(&o, None);
    assert!(
        r.findings.iter().any(
            |f| matches!(f, Finding::KeySwapped { place, .. } if place.starts_with("the key store"))
        ),
        "{r:?}"
    );
    // And nothing is signed on top of it.
    let mut case = Case::load(&o.case.dir).expect("case");
    let err = evidence::add(&mut case, &o.keys, &[o.root.join("a.log")], &opts(), now())
        .expect_err("re-keyed case");
    assert!(
        matches!(
            err,
            IrError::KeyChanged { .. } | IrError::KeyNotInStore { .. }
        ),
        "{err}"
    );
}

#[test]
fn a_truncated_log_with_its_older_head_restored_fails() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    let old_head = std::fs::read(o.case.dir.join(HEAD_FILE)).expect("head");
    let kept = log_lines(&o.case.dir).len();
    let (keys, root) = (o.keys.clone(), o.root.clone());
    add_file(&mut o.case, &keys, &root, "b.log", "later evidence\n");
    // Cut the log back, put the older (validly signed) head back, and remove the copy
    // the cut entry registered: every file agrees with every other.
    let mut lines = log_lines(&o.case.dir);
    let cut = lines.len() as u64 - 1;
    lines.truncate(kept);
    write_lines(&o.case.dir, &lines);
    std::fs::write(o.case.dir.join(HEAD_FILE), old_head).expect("restore head");
    let copy = o.case.dir.join("evidence/E0002");
    for f in std::fs::read_dir(&copy).expect("copy").flatten() {
        let mut perms = f.metadata().expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(f.path(), perms).expect("chmod");
    }
    std::fs::remove_dir_all(&copy).expect("rm copy");
    let r = elsewhere(&o.case.dir, None);
    assert!(r.ok(), "self-consistent: {r:?}");
    let r = in_place(&o, Some(&o.fingerprint));
    assert!(
        r.findings.contains(&Finding::EntryDeleted { index: cut }),
        "{r:?}"
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.to_string().contains("older head put back")),
        "{r:?}"
    );
    // Nothing is appended to a log cut short.
    let err = evidence::add(&mut o.case, &keys, &[root.join("a.log")], &opts(), now())
        .expect_err("rolled back");
    assert!(matches!(err, IrError::CustodyRolledBack { .. }), "{err}");
}

#[test]
fn a_duplicated_line_fails() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = open_case(tmp.path());
    let mut lines = log_lines(&o.case.dir);
    let copy = lines[1].clone();
    lines.insert(2, copy);
    write_lines(&o.case.dir, &lines);
    for r in [
        elsewhere(&o.case.dir, Some(&o.fingerprint)),
        in_place(&o, None),
    ] {
        assert!(
            r.findings.contains(&Finding::EntryDuplicated {
                index: 1,
                line: 3,
                first_line: 2
            }),
            "{r:?}"
        );
    }
}

#[test]
fn an_edited_case_file_fails_until_the_edit_is_signed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    // Moving the time of learning moves every legal deadline.
    let path = o.case.dir.join(CASE_FILE);
    let text = std::fs::read_to_string(&path).expect("case.toml");
    let edited: String = text
        .lines()
        .map(|l| {
            if l.starts_with("learned = ") {
                "learned = \"2026-10-05T09:00:00+09:00\"\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_ne!(text, edited, "{text}");
    std::fs::write(&path, edited).expect("edit");
    let r = elsewhere(&o.case.dir, Some(&o.fingerprint));
    assert!(
        r.findings.contains(&Finding::CaseFileChanged { index: 0 }),
        "{r:?}"
    );
    // A note would sign the edit: refused.
    let mut case = Case::load(&o.case.dir).expect("case");
    let note = Note {
        at: now().fixed_offset(),
        author: "suzuki".into(),
        text: "x".into(),
    };
    let err = custody::add_note(&mut case, &o.keys, note, now()).expect_err("edited");
    assert!(matches!(err, IrError::CaseFileChanged(_)), "{err}");
    // The handler records the edit deliberately; the log keeps the new content.
    let entry = custody::sign_case(&mut case, &o.keys, "suzuki", now())
        .expect("sign")
        .expect("a new entry");
    assert_eq!(
        entry.data["learned"].as_str(),
        Some("2026-10-05T09:00:00+09:00")
    );
    o.case = case;
    let r = in_place(&o, Some(&o.fingerprint));
    assert!(r.ok() && r.anchored(), "{r:?}");
    assert!(
        custody::sign_case(&mut o.case, &o.keys, "suzuki", now())
            .expect("sign")
            .is_none(),
        "nothing new to record"
    );
}

/// An archive as `evidence export` writes it, with its copy of a.log replaced by a link
/// to a file outside holding the same bytes, plus an absolute path and a hard link.
#[test]
fn an_archive_with_links_and_absolute_paths_fails_and_writes_nothing_outside() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    let genuine = o.root.join("c1.tar");
    export(&mut o.case, &o.keys, &genuine, "suzuki", now()).expect("export");
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).expect("outside");
    let same = outside.join("a.log");
    std::fs::write(&same, "line 1\nline 2\n").expect("same bytes");
    let mut tar = tar::Builder::new(Vec::new());
    let mut read = tar::Archive::new(std::fs::File::open(&genuine).expect("tar"));
    for entry in read.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let path = entry.path().expect("path").into_owned();
        if path.ends_with("E0001/a.log") {
            raw(
                &mut tar,
                &path.to_string_lossy(),
                tar::EntryType::Symlink,
                &same,
            );
            continue;
        }
        let mut header = entry.header().clone();
        tar.append_data(&mut header, &path, &mut entry)
            .expect("copy entry");
    }
    raw(
        &mut tar,
        &outside.join("planted.txt").to_string_lossy(),
        tar::EntryType::Regular,
        Path::new(""),
    );
    raw(&mut tar, "c1/evidence/hard", tar::EntryType::Link, &same);
    let hostile = tmp.path().join("hostile.tar");
    std::fs::write(&hostile, tar.into_inner().expect("bytes")).expect("write");
    let given = VerifyOptions {
        expected_key: Some(&o.fingerprint),
        ..VerifyOptions::default()
    };
    let r = verify_archive(&hostile, &given).expect("verify");
    let refused: Vec<String> = r
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::ArchiveEntryRefused { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert!(refused.iter().any(|x| x.starts_with("a link to")), "{r:?}");
    assert!(refused.iter().any(|x| x == "absolute path"), "{r:?}");
    assert_eq!(refused.len(), 3, "{r:?}");
    // The link was not followed: a.log is missing, not "verified" through it.
    assert!(
        r.findings
            .iter()
            .any(|f| matches!(f, Finding::FileMissing { id, .. } if id == "E0001")),
        "{r:?}"
    );
    let written: Vec<_> = std::fs::read_dir(&outside)
        .expect("outside")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(written, ["a.log"], "nothing written outside");
}

fn raw(tar: &mut tar::Builder<Vec<u8>>, path: &str, kind: tar::EntryType, target: &Path) {
    // Built by hand: the tar crate's own setters refuse absolute and climbing paths.
    let mut h = tar::Header::new_gnu();
    let name = path.as_bytes();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    if kind != tar::EntryType::Regular {
        h.set_link_name(target).expect("link name");
    }
    h.set_mode(0o644);
    h.set_size(0);
    h.set_cksum();
    tar.append(&h, std::io::empty()).expect("append");
}

/// A record kept in place on the machine that wrote the archive names a path there:
/// verifying the archive here neither reads this machine's file at that path nor
/// reports on it.
#[test]
fn an_archive_does_not_hash_local_files_at_its_recorded_paths() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    let src = tmp.path().join("fw.log");
    std::fs::write(&src, "deny\n").expect("src");
    let in_place_opts = AddOptions {
        no_copy: true,
        ..opts()
    };
    evidence::add(
        &mut o.case,
        &o.keys,
        std::slice::from_ref(&src),
        &in_place_opts,
        now(),
    )
    .expect("add");
    let tar = tmp.path().join("c1.tar");
    export(&mut o.case, &o.keys, &tar, "suzuki", now()).expect("export");
    std::fs::write(&src, "changed on this machine\n").expect("change");
    let r = verify_archive(&tar, &VerifyOptions::default()).expect("verify");
    assert!(r.ok(), "{r:?}");
    assert!(
        r.skipped
            .iter()
            .any(|s| s.contains("not in this copy of the case; not read")),
        "{r:?}"
    );
    // In place, the same record is hashed where it is, and the change is seen.
    assert!(!in_place(&o, None).ok());
}

/// A case written before the key store: its key in the folder, entries without the
/// digest of case.toml. It verifies as not anchored, saying why, and the next change
/// moves the key to the store.
#[test]
fn a_case_of_an_older_kansoku_is_self_consistent_only_until_its_key_moves_out() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = open_case(tmp.path());
    // Rewrite it as the older kansoku wrote it: same key, in the folder; no digests.
    let key = o
        .keys
        .signing_key(&o.fingerprint)
        .expect("store")
        .expect("key");
    for f in std::fs::read_dir(o.keys.dir()).expect("keys").flatten() {
        std::fs::remove_file(f.path()).expect("rm");
    }
    let mut lines = Vec::new();
    for line in log_lines(&o.case.dir) {
        let mut e: Entry = serde_json::from_str(&line).expect("entry");
        e.case_sha256 = None;
        lines.push(serde_json::to_string(&e).expect("json"));
    }
    write_lines(&o.case.dir, &lines);
    re_key(&o.case.dir, &key);
    std::fs::write(o.case.dir.join(KEY_FILE), hex(key.as_bytes())).expect("legacy key");
    let r = in_place(&o, Some(&o.fingerprint));
    assert!(r.ok(), "{r:?}");
    match &r.anchor {
        Anchoring::NotAnchored { reason } => {
            assert!(reason.contains("inside the case folder"), "{reason}");
        }
        other => panic!("anchored: {other:?}"),
    }
    assert!(
        r.skipped
            .iter()
            .any(|s| s.contains("no custody entry records it")),
        "{r:?}"
    );
    let mut case = Case::load(&o.case.dir).expect("case");
    custody::sign_case(&mut case, &o.keys, "suzuki", now()).expect("sign");
    assert!(!o.case.dir.join(KEY_FILE).exists(), "moved to the store");
    let r = in_place(&o, Some(&o.fingerprint));
    assert!(r.ok() && r.anchored(), "{r:?}");
}

#[test]
#[cfg(unix)]
fn a_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let mut o = open_case(tmp.path());
    let hex = o.fingerprint.trim_start_matches("sha256:");
    let key = o.keys.dir().join(format!("{hex}.key"));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (keys, root) = (o.keys.clone(), o.root.clone());
    let err = evidence::add(&mut o.case, &keys, &[root.join("a.log")], &opts(), now())
        .expect_err("exposed key");
    assert!(
        matches!(err, IrError::KeyExposed { mode: 0o644, .. }),
        "{err}"
    );
}
