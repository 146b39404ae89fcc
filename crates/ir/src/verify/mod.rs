//! `evidence verify`: every evidence file against its record, and the custody log
//! entry by entry, naming exactly what changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::IrError;
use crate::case::Case;
use crate::custody::{self, Entry, GENESIS, PUB_FILE, fingerprint, read_log, read_public_key};
use crate::digest;
use crate::evidence::{EVIDENCE_DIR, EvidenceRecord};

mod finding;
pub use finding::Finding;

/// The result of a verification.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    /// Entries read.
    pub entries: usize,
    /// Evidence files hashed.
    pub files_checked: usize,
    /// Records not checkable here (recorded in place on another machine).
    pub skipped: Vec<String>,
    /// Everything that is not as recorded; empty means the case verifies.
    pub findings: Vec<Finding>,
    /// Fingerprint of the public key used.
    pub key_fingerprint: Option<String>,
    /// Hash of the last entry (send it to someone outside the team to pin the log).
    pub head_hash: Option<String>,
}

impl VerifyReport {
    /// Whether nothing changed.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies a case folder (in place or unpacked from an archive); `expected_key` is a
/// fingerprint received out of band, if any.
pub fn verify_dir(dir: &Path, expected_key: Option<&str>) -> Result<VerifyReport, IrError> {
    let mut report = VerifyReport::default();
    let case = Case::load(dir)?;
    let lines = read_log(dir)?;
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
            (case.meta.key_fingerprint.clone(), "case.toml"),
            (first, "custody entry 0"),
            (expected_key.map(String::from), "the fingerprint given"),
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
    check_files(dir, &records, &mut report)?;
    Ok(report)
}

fn check_chain(
    entries: &[(usize, Entry)],
    key: Option<&ed25519_dalek::VerifyingKey>,
    report: &mut VerifyReport,
) {
    let by_index: BTreeMap<u64, &Entry> = entries.iter().map(|(_, e)| (e.index, e)).collect();
    for (pos, (line, e)) in entries.iter().enumerate() {
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
                let p = entry.map_err(|e| IrError::io(&d, e))?.path();
                if p.is_dir() {
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

    /// Issue 10: a custody record (from a hostile archive) cannot point verify at files
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
