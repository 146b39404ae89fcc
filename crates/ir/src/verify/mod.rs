//! `evidence verify`: every evidence file against its record, the custody log entry by
//! entry, `case.toml` against the digest the log last recorded, naming exactly what
//! changed; and what anchors the signing key outside the case ([`Anchoring`]).
//!
//! A case that verifies is only *self-consistent* until something outside it vouches for
//! its key: the fingerprint printed at `case new` given as `--key-fingerprint`, or, on the
//! machine that writes the case, the key store ([`crate::keystore`]), which also holds the
//! log to the head it last wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::IrError;
use crate::case::Case;
use crate::custody::{
    self, Entry, GENESIS, KEY_FILE, PUB_FILE, fingerprint, last_case_digest, read_log,
    read_public_key,
};
use crate::digest;
use crate::evidence::{EVIDENCE_DIR, EvidenceRecord};
use crate::keystore::{Anchor, KeyStore};

mod finding;
pub use finding::Finding;

/// What is checked, and against what.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The key fingerprint received out of band (printed at `case new`), if any.
    pub expected_key: Option<&'a str>,
    /// This machine's key store, consulted for the key and the head it last wrote.
    pub store: Option<&'a KeyStore>,
    /// The folder is the case on this machine: records kept in place (`--no-copy`) are
    /// hashed where they are. Off for archives and copies, whose paths name another
    /// machine's files (a hostile archive would otherwise have this one's read).
    pub in_place: bool,
}

/// What vouches for the signing key from outside the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Anchoring {
    /// The fingerprint given (received out of band) is the signing key's.
    Fingerprint,
    /// This machine's key store holds the signing key, and for a case in place the head
    /// it last wrote.
    KeyStore {
        /// The store folder.
        store: String,
    },
    /// Nothing outside the case: it is self-consistent only.
    NotAnchored {
        /// Why, and what to do.
        reason: String,
    },
}

impl Default for Anchoring {
    fn default() -> Anchoring {
        Anchoring::NotAnchored {
            reason: "no key fingerprint given".into(),
        }
    }
}

/// The result of a verification.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: usize,
    /// Evidence files hashed.
    pub files_checked: usize,
    /// Records not checkable here (recorded in place on another machine).
    pub skipped: Vec<String>,
    /// Everything that is not as recorded; empty means the case is self-consistent.
    pub findings: Vec<Finding>,
    /// Fingerprint of the public key used.
    pub key_fingerprint: Option<String>,
    /// Hash of the last entry (send it to someone outside the team to pin the log).
    pub head_hash: Option<String>,
    /// What anchors the key outside the case.
    pub anchor: Anchoring,
}

impl VerifyReport {
    /// Whether nothing changed (the case is at least self-consistent).
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// Whether something outside the case vouches for its key.
    pub fn anchored(&self) -> bool {
        !matches!(self.anchor, Anchoring::NotAnchored { .. })
    }

    /// Adds a finding unless it is there already (two checks may see one deletion).
    pub(crate) fn find(&mut self, f: Finding) {
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }
}

/// Verifies a case folder (in place, copied, or unpacked from an archive).
pub fn verify_dir(dir: &Path, opts: &VerifyOptions<'_>) -> Result<VerifyReport, IrError> {
    let mut report = VerifyReport::default();
    // case.toml is as hostile as the rest of the folder: unreadable is a finding.
    let case = match Case::load(dir) {
        Ok(c) => Some(c),
        Err(e) => {
            report.find(Finding::CaseFileUnreadable {
                message: e.to_string(),
            });
            None
        }
    };
    let lines = read_log(dir)?;
    let recorded_case = last_case_digest(&lines);
    let mut entries: Vec<(usize, Entry)> = Vec::new();
    for (line, e) in lines {
        match e {
            Ok(e) => entries.push((line, e)),
            Err(message) => report
                .findings
                .push(Finding::EntryUnreadable { line, message }),
        }
    }
    report.entries = entries.len();
    let key = match read_public_key(&dir.join(PUB_FILE)) {
        Ok(k) => Some(k),
        Err(e) => {
            report.findings.push(Finding::KeyUnreadable {
                message: e.to_string(),
            });
            None
        }
    };
    if let Some(key) = &key {
        let found = fingerprint(key);
        let first = entries
            .iter()
            .find(|(_, e)| e.index == 0)
            .and_then(|(_, e)| e.key_fingerprint.clone());
        for (recorded, place) in [
            (
                case.as_ref().and_then(|c| c.meta.key_fingerprint.clone()),
                "case.toml",
            ),
            (first, "custody entry 0"),
            (opts.expected_key.map(String::from), "the fingerprint given"),
        ] {
            if let Some(recorded) = recorded.filter(|r| *r != found) {
                report.findings.push(Finding::KeySwapped {
                    found: found.clone(),
                    recorded,
                    place: place.into(),
                });
            }
        }
        report.key_fingerprint = Some(found);
    }
    check_chain(&entries, key.as_ref(), &mut report);
    check_head(dir, &entries, key.as_ref(), &mut report)?;
    match (&case, recorded_case) {
        (Some(case), Some(recorded)) if case.digest() != recorded => {
            let index = entries
                .iter()
                .filter(|(_, e)| e.case_sha256.is_some())
                .map(|(_, e)| e.index)
                .next_back()
                .unwrap_or_default();
            report.find(Finding::CaseFileChanged { index });
        }
        (Some(_), None) if !entries.is_empty() => report.skipped.push(format!(
            "{}: no custody entry records it (case opened by an older kansoku); \
             `kansoku case sign NAME` records it",
            crate::case::CASE_FILE
        )),
        _ => {}
    }
    anchor(dir, &entries, opts, &mut report)?;
    let records: Vec<EvidenceRecord> = entries
        .iter()
        .filter(|(_, e)| {
            matches!(
                e.action,
                custody::Action::EvidenceAdded | custody::Action::EvidenceImported
            )
        })
        .filter_map(|(_, e)| serde_json::from_value(e.data.clone()).ok())
        .collect();
    check_files(dir, &records, opts.in_place, &mut report)?;
    Ok(report)
}

/// Decides [`VerifyReport::anchor`], and holds a case in place to the head the key store
/// last recorded for its folder.
fn anchor(
    dir: &Path,
    entries: &[(usize, Entry)],
    opts: &VerifyOptions<'_>,
    report: &mut VerifyReport,
) -> Result<(), IrError> {
    let Some(found) = report.key_fingerprint.clone() else {
        report.anchor = Anchoring::NotAnchored {
            reason: "the public key is unreadable".into(),
        };
        return Ok(());
    };
    let mut anchor = Anchoring::NotAnchored {
        reason: match opts.store {
            Some(store) => format!(
                "no --key-fingerprint given, and the key store {} does not hold this key",
                store.dir().display()
            ),
            None => "no --key-fingerprint given".into(),
        },
    };
    if let Some(store) = opts.store {
        let by_folder = if opts.in_place {
            store.anchor_for_folder(dir)?
        } else {
            None
        };
        if let Some(a) = &by_folder {
            if a.fingerprint == found {
                held_to_anchor(a, store, entries, report);
            } else {
                report.find(Finding::KeySwapped {
                    found: found.clone(),
                    recorded: a.fingerprint.clone(),
                    place: format!("the key store {}", store.dir().display()),
                });
            }
        }
        let key_held = store.signing_key(&found)?.is_some();
        if key_held && by_folder.is_none_or(|a| a.fingerprint == found) {
            anchor = Anchoring::KeyStore {
                store: store.dir().display().to_string(),
            };
        }
    }
    if let Some(expected) = opts.expected_key
        && expected == found
    {
        anchor = Anchoring::Fingerprint;
    }
    // A secret key in the folder was there for anyone who could edit the log.
    if std::fs::symlink_metadata(dir.join(KEY_FILE)).is_ok() {
        anchor = Anchoring::NotAnchored {
            reason: format!(
                "the signing key is inside the case folder ({KEY_FILE}, as kansoku kept it \
                 before the key store), so whoever could edit the log could re-sign it; the next \
                 change to the case (`kansoku case sign NAME`) moves it to the key store"
            ),
        };
    }
    report.anchor = anchor;
    Ok(())
}

/// The log must still hold the last entry this machine signed, unchanged: a log cut short
/// with an older `custody.head` put back is otherwise self-consistent.
fn held_to_anchor(
    a: &Anchor,
    store: &KeyStore,
    entries: &[(usize, Entry)],
    report: &mut VerifyReport,
) {
    if a.entries == 0 {
        return;
    }
    let count = entries.iter().map(|(_, e)| e.index + 1).max().unwrap_or(0);
    let last = a.entries - 1;
    let at = entries
        .iter()
        .find(|(_, e)| e.index == last)
        .map(|(_, e)| e);
    let detail = match at {
        None => {
            for index in count..a.entries {
                report.find(Finding::EntryDeleted { index });
            }
            format!(
                "the key store {} recorded {} entries ending in {}, the log holds {count}: it was cut short and an older head put back",
                store.dir().display(),
                a.entries,
                a.head
            )
        }
        Some(e) if e.hash != a.head => format!(
            "entry {last} is not the one this machine signed (the key store {} recorded {}): the log was rewritten",
            store.dir().display(),
            a.head
        ),
        Some(_) => return,
    };
    report.find(Finding::HeadMismatch { detail });
}

fn check_chain(
    entries: &[(usize, Entry)],
    key: Option<&ed25519_dalek::VerifyingKey>,
    report: &mut VerifyReport,
) {
    let mut by_index: BTreeMap<u64, &Entry> = BTreeMap::new();
    let mut first_line: BTreeMap<u64, usize> = BTreeMap::new();
    for (line, e) in entries {
        by_index.entry(e.index).or_insert(e);
        first_line.entry(e.index).or_insert(*line);
    }
    for (pos, (line, e)) in entries.iter().enumerate() {
        if let Some(&first) = first_line.get(&e.index)
            && first != *line
        {
            // A signed line copied verbatim is valid on its own: only its place betrays it.
            report.findings.push(Finding::EntryDuplicated {
                index: e.index,
                line: *line,
                first_line: first,
            });
            continue;
        }
        if e.body_hash() != e.hash {
            report.findings.push(Finding::EntryModified {
                index: e.index,
                line: *line,
            });
        } else if key.is_some_and(|k| !e.signed_by(k)) {
            report.findings.push(Finding::BadSignature {
                index: e.index,
                line: *line,
            });
        }
        if let Some((_, before)) = pos.checked_sub(1).and_then(|p| entries.get(p))
            && before.index > e.index
        {
            report.findings.push(Finding::Reordered {
                index: e.index,
                line: *line,
                after: before.index,
            });
        }
        let expected_prev = match e.index {
            0 => Some(GENESIS.to_string()),
            i => by_index.get(&(i - 1)).map(|p| p.hash.clone()),
        };
        if expected_prev.is_some_and(|p| p != e.prev) {
            report.findings.push(Finding::ChainBroken {
                index: e.index,
                line: *line,
            });
        }
    }
    let present: BTreeSet<u64> = by_index.keys().copied().collect();
    if let Some(&max) = present.last() {
        for i in 0..max {
            if !present.contains(&i) {
                report.findings.push(Finding::EntryDeleted { index: i });
            }
        }
    }
    report.head_hash = by_index.values().next_back().map(|e| e.hash.clone());
}

fn check_head(
    dir: &Path,
    entries: &[(usize, Entry)],
    key: Option<&ed25519_dalek::VerifyingKey>,
    report: &mut VerifyReport,
) -> Result<(), IrError> {
    let Some(head) = custody::read_head(dir)? else {
        if !entries.is_empty() {
            report.findings.push(Finding::HeadMismatch {
                detail: format!("{} is missing", custody::HEAD_FILE),
            });
        }
        return Ok(());
    };
    if key.is_some_and(|k| !custody::head_signed_by(&head, k)) {
        report.findings.push(Finding::HeadMismatch {
            detail: "bad signature".into(),
        });
    }
    let last = entries.iter().map(|(_, e)| e).max_by_key(|e| e.index);
    let count = last.map_or(0, |e| e.index + 1);
    if head.entries > count {
        for index in count..head.entries {
            report.findings.push(Finding::EntryDeleted { index });
        }
        report.findings.push(Finding::HeadMismatch {
            detail: format!(
                "records {} entries, the log ends after {count}: the last entries were deleted",
                head.entries
            ),
        });
    } else if head.entries < count {
        report.findings.push(Finding::HeadMismatch {
            detail: format!("records {} entries, the log holds {count}: entries were appended without the case key", head.entries),
        });
    } else if last.is_some_and(|e| e.hash != head.hash) {
        report.findings.push(Finding::HeadMismatch {
            detail: "the last entry is not the one the head records".into(),
        });
    }
    Ok(())
}

/// Whether a recorded copy path stays inside `evidence/`: relative, plain names only.
fn inside_evidence(rel: &str) -> bool {
    let p = Path::new(rel);
    p.starts_with(EVIDENCE_DIR)
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Whether any part of `rel` below `dir` is a symbolic link.
fn through_link(dir: &Path, rel: &str) -> bool {
    let mut p = dir.to_path_buf();
    Path::new(rel).components().any(|c| {
        p.push(c);
        std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink())
    })
}

fn check_files(
    dir: &Path,
    records: &[EvidenceRecord],
    in_place: bool,
    report: &mut VerifyReport,
) -> Result<(), IrError> {
    let mut registered = BTreeSet::new();
    for r in records {
        let (path, shown) = match &r.stored {
            // A copy is a regular file under evidence/; a link there (from an unpacked
            // archive) would make verify read, and report on, a file outside the case.
            Some(rel) if !inside_evidence(rel) || through_link(dir, rel) => {
                report.findings.push(Finding::PathOutsideCase {
                    id: r.id.clone(),
                    path: rel.clone(),
                });
                continue;
            }
            Some(rel) => {
                registered.insert(rel.clone());
                (dir.join(rel), rel.clone())
            }
            None => {
                let p = Path::new(&r.source_path);
                if let Some(from) = &r.imported_from {
                    // Another tool's claim about a file on another machine: nothing here to hash.
                    report.skipped.push(format!(
                        "{}: hash from {from}; the file is not in the case",
                        r.id
                    ));
                    continue;
                }
                if !in_place {
                    report.skipped.push(format!(
                        "{}: recorded in place at {}:{}, not in this copy of the case; not read",
                        r.id, r.host, r.source_path
                    ));
                    continue;
                }
                if !p.is_file() {
                    report.skipped.push(format!(
                        "{}: recorded in place at {}:{}, not reachable here",
                        r.id, r.host, r.source_path
                    ));
                    continue;
                }
                (p.to_path_buf(), r.source_path.clone())
            }
        };
        if !path.is_file() {
            report.findings.push(Finding::FileMissing {
                id: r.id.clone(),
                path: shown,
            });
            continue;
        }
        let d = digest::of_file(&path)?;
        report.files_checked += 1;
        let mut diffs = Vec::new();
        for (name, recorded, now) in [
            ("SHA-256", &r.sha256, &d.sha256),
            ("SHA-1", &r.sha1, &d.sha1),
            ("MD5", &r.md5, &d.md5),
        ] {
            if let Some(rec) = recorded
                && !rec.eq_ignore_ascii_case(now)
            {
                diffs.push(format!("{name} recorded {rec}, now {now}"));
            }
        }
        if let Some(size) = r.size
            && size != d.size
        {
            diffs.push(format!("size recorded {size}, now {}", d.size));
        }
        if !diffs.is_empty() {
            report.findings.push(Finding::FileChanged {
                id: r.id.clone(),
                path: shown,
                detail: diffs.join("; "),
            });
        }
    }
    let ev = dir.join(EVIDENCE_DIR);
    if ev.is_dir() {
        let mut stack = vec![ev];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).map_err(|e| IrError::io(&d, e))? {
                let entry = entry.map_err(|e| IrError::io(&d, e))?;
                let p = entry.path();
                // Not through links: a planted link to a folder would walk outside the case.
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(dir) {
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    if !registered.contains(&rel) {
                        report
                            .findings
                            .push(Finding::FileUnregistered { path: rel });
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::inside_evidence;

    /// A custody record (from a hostile archive) cannot point verify at files
    /// outside the case.
    #[test]
    fn recorded_copies_must_stay_in_the_evidence_folder() {
        assert!(inside_evidence("evidence/E0001/vpn.log"));
        assert!(inside_evidence("evidence/E0002/sub/dir/x"));
        assert!(!inside_evidence("evidence/../../../etc/passwd"));
        assert!(!inside_evidence("/etc/passwd"));
        assert!(!inside_evidence("case.toml"));
        assert!(!inside_evidence("keys/custody.key"));
        assert!(!inside_evidence("./evidence/E0001/x"));
    }
}
