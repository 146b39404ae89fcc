//! `evidence export`: one tar archive holding a case's evidence, custody log, public key
//! and a manifest, that verifies on another machine. The signing key stays behind.
//!
//! `verify_archive` unpacks regular files and folders only, by relative paths without
//! `..`, into a temporary folder: links, absolute paths and devices are findings, never
//! created, so nothing is read or written through them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::{CASE_FILE, Case};
use crate::custody::{Action, Custody, HEAD_FILE, LOG_FILE, PUB_FILE};
use crate::evidence::{self, EVIDENCE_DIR};
use crate::keystore::KeyStore;
use crate::verify::{Finding, VerifyOptions, VerifyReport, verify_dir};

/// The manifest's file name in the archive.
pub const MANIFEST: &str = "manifest.json";

/// `manifest.json`: what the archive holds, for a reader without kansoku.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Case name (the archive's top folder).
    pub case: String,
    /// When the archive was written.
    pub exported: String,
    /// Who wrote it.
    pub exported_by: String,
    /// Fingerprint of the custody key.
    pub key_fingerprint: Option<String>,
    /// Custody entries in the archive.
    pub entries: usize,
    /// Every evidence record.
    pub evidence: Vec<evidence::EvidenceRecord>,
}

/// Writes `out` (a tar file); the export itself is recorded in the custody log first,
/// so the archive's log ends with it.
pub fn export(
    case: &mut Case,
    store: &KeyStore,
    out: &Path,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Manifest, IrError> {
    let custody = Custody::open_or_init(case, store, actor, now)?;
    let archive_name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    custody.append(
        actor,
        Action::Exported,
        serde_json::json!({"archive": archive_name}),
        now,
    )?;
    let manifest = Manifest {
        case: case.meta.name.clone(),
        exported: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        exported_by: actor.into(),
        key_fingerprint: case.meta.key_fingerprint.clone(),
        entries: crate::custody::read_log(&case.dir)?.len(),
        evidence: evidence::records(&case.dir)?,
    };
    let file = std::fs::File::create(out).map_err(|e| IrError::io(out, e))?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
    tar.follow_symlinks(false);
    let top = PathBuf::from(&case.meta.name);
    let io = |e| IrError::io(out, e);
    for name in [CASE_FILE, LOG_FILE, HEAD_FILE, PUB_FILE] {
        let p = case.dir.join(name);
        if p.is_file() {
            tar.append_path_with_name(&p, top.join(name)).map_err(io)?;
        }
    }
    let ev = case.dir.join(EVIDENCE_DIR);
    if ev.is_dir() {
        tar.append_dir_all(top.join(EVIDENCE_DIR), &ev)
            .map_err(io)?;
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| IrError::Invalid(e.to_string()))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(now.timestamp().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, top.join(MANIFEST), json.as_slice())
        .map_err(io)?;
    let inner = tar.into_inner().map_err(io)?;
    inner
        .into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    Ok(manifest)
}

/// Unpacks `archive` into a temporary folder and verifies it: every file, the chain,
/// and that the manifest agrees with the log. Records kept in place on the machine that
/// wrote the archive are not looked for on this one.
pub fn verify_archive(archive: &Path, opts: &VerifyOptions<'_>) -> Result<VerifyReport, IrError> {
    let tmp = tempfile::tempdir().map_err(|e| IrError::io(archive, e))?;
    let refused = unpack(archive, tmp.path())?;
    let top: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .map_err(|e| IrError::io(tmp.path(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(CASE_FILE).is_file())
        .collect();
    let [dir] = top.as_slice() else {
        if refused.is_empty() {
            return Err(IrError::format(
                archive,
                "expected one case folder with case.toml at the top",
            ));
        }
        return Ok(VerifyReport {
            findings: refused,
            ..VerifyReport::default()
        });
    };
    let opts = VerifyOptions {
        in_place: false,
        ..*opts
    };
    let mut report = verify_dir(dir, &opts)?;
    report.findings.splice(0..0, refused);
    let manifest_path = dir.join(MANIFEST);
    let manifest: Manifest = match std::fs::read(&manifest_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            report.find(Finding::HeadMismatch {
                detail: format!("{MANIFEST}: {e}"),
            });
            return Ok(report);
        }
    };
    let records = evidence::records(dir)?;
    if manifest.evidence != records {
        report.findings.push(Finding::HeadMismatch {
            detail: format!("{MANIFEST} lists other evidence records than the custody log"),
        });
    }
    if manifest.key_fingerprint != report.key_fingerprint {
        report.findings.push(Finding::KeySwapped {
            found: report.key_fingerprint.clone().unwrap_or_default(),
            recorded: manifest.key_fingerprint.clone().unwrap_or_default(),
            place: MANIFEST.into(),
        });
    }
    Ok(report)
}

/// Unpacks the regular files and folders of `archive` under `to`, and returns a finding
/// for every other entry. No link is ever created, so no later entry can be written
/// through one, and nothing is read through one.
fn unpack(archive: &Path, to: &Path) -> Result<Vec<Finding>, IrError> {
    let unreadable =
        |e: std::io::Error| IrError::format(archive, format!("not a readable tar archive: {e}"));
    let file = std::fs::File::open(archive).map_err(|e| IrError::io(archive, e))?;
    let mut tar = tar::Archive::new(std::io::BufReader::new(file));
    let mut refused = Vec::new();
    for entry in tar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let shown = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut refuse = |reason: String| {
            refused.push(Finding::ArchiveEntryRefused {
                path: shown.clone(),
                reason,
            });
        };
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName
        ) {
            continue;
        }
        let path = entry.path().map_err(unreadable)?.into_owned();
        let Some(rel) = relative(&path) else {
            refuse(if path.has_root() {
                "absolute path".into()
            } else {
                "a `..` or drive in the path".into()
            });
            continue;
        };
        if rel.as_os_str().is_empty() {
            // `./` itself: the destination.
            continue;
        }
        let dest = to.join(&rel);
        match kind {
            tar::EntryType::Directory => {
                if let Err(e) = std::fs::create_dir_all(&dest) {
                    refuse(format!("cannot be made a folder ({e})"));
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = dest.parent()
                    && let Err(e) = std::fs::create_dir_all(parent)
                {
                    refuse(format!("its folder cannot be made ({e})"));
                    continue;
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(&dest) {
                    Ok(mut f) => {
                        std::io::copy(&mut entry, &mut f).map_err(|e| IrError::io(&dest, e))?;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        refuse("the path appears twice".into());
                    }
                    Err(e) => refuse(format!("cannot be written ({e})")),
                }
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                refuse(format!("a link to {target:?}"));
            }
            other => refuse(format!("not a regular file or folder ({other:?})")),
        }
    }
    Ok(refused)
}

/// `path` as plain names under the destination (a leading `./` dropped); `None` when it
/// is absolute or climbs with `..`.
fn relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::Normal(n) => out.push(n),
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}
