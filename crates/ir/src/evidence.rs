//! The evidence register: files copied into a case (or recorded where they are) with
//! their digests, each addition an entry of the custody log ([`crate::custody`]).
//!
//! Copies go to `evidence/<id>/<file name>` through a temporary file, hashed on the way
//! (SHA-256, SHA-1, MD5) in bounded memory, and are made read-only. Folders are read
//! recursively in name order. A symbolic link is followed only when it points inside
//! the folder being added (or is itself named on the command line), and the record says
//! it was followed; a link pointing elsewhere is refused and listed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::Case;
use crate::custody::{Action, Custody, read_log};
use crate::digest;
use crate::keystore::KeyStore;

/// Folder of the copies inside a case.
pub const EVIDENCE_DIR: &str = "evidence";

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A server's logs or files.
    Server,
    /// A PC's.
    Client,
    /// A VPN gateway's.
    Vpn,
    /// A firewall's.
    Firewall,
    /// Antivirus or EDR logs.
    Av,
    /// Anything else.
    Other,
}

impl std::str::FromStr for EvidenceKind {
    type Err = IrError;
    fn from_str(s: &str) -> Result<EvidenceKind, IrError> {
        Ok(match s {
            "server" => EvidenceKind::Server,
            "client" => EvidenceKind::Client,
            "vpn" => EvidenceKind::Vpn,
            "firewall" => EvidenceKind::Firewall,
            "av" => EvidenceKind::Av,
            "other" => EvidenceKind::Other,
            _ => {
                return Err(IrError::Invalid(format!(
                    "unknown evidence kind {s:?}: expected server, client, vpn, firewall, av or other"
                )));
            }
        })
    }
}

/// One registered piece of evidence (the `data` of an `evidence_added` or
/// `evidence_imported` custody entry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    /// `E0001`, `E0002`, ... in order of registration.
    pub id: String,
    /// Where it came from.
    pub kind: EvidenceKind,
    /// Who handled it.
    pub handler: String,
    /// The machine it was taken from.
    pub host: String,
    /// Its path there.
    pub source_path: String,
    /// Path of the copy inside the case (`evidence/E0001/access.log`); `None` when it
    /// was recorded in place (`--no-copy`) or imported from another tool's log.
    pub stored: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Last modification time of the source, when known.
    pub modified: Option<String>,
    /// When it was acquired (copied, recorded, or as the other tool says).
    pub acquired: String,
    /// SHA-256, hex.
    pub sha256: Option<String>,
    /// SHA-1, hex.
    pub sha1: Option<String>,
    /// MD5, hex.
    pub md5: Option<String>,
    /// `link -> target` when a symbolic link was followed to reach the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed_symlink: Option<String>,
    /// For imported records: the tool, the log's evidence id and line (`kape E0002 line 7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}

/// What `evidence add` is told.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// Kind of every file.
    pub kind: EvidenceKind,
    /// Who handles them.
    pub handler: String,
    /// Source machine [default: this machine's host name].
    pub host: Option<String>,
    /// Record the files where they are instead of copying them.
    pub no_copy: bool,
}

/// What `evidence add` did.
#[derive(Debug, Default)]
pub struct AddOutcome {
    /// Records registered, in order.
    pub added: Vec<EvidenceRecord>,
    /// Paths refused, with the reason (links leaving the folder, devices, sockets).
    pub refused: Vec<String>,
    /// Files registered before with the same content from the same host and path (an
    /// interrupted `evidence add` run again): `E0001 /var/log/...`. Not copied again.
    pub already: Vec<String>,
    /// Copies an interrupted registration left without a custody entry, discarded
    /// before their number was used again.
    pub discarded: Vec<String>,
}

/// This machine's host name, for records without `--host`.
pub fn local_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Every evidence record of a case, in registration order.
pub fn records(dir: &Path) -> Result<Vec<EvidenceRecord>, IrError> {
    Ok(read_log(dir)?
        .into_iter()
        .filter_map(|(_, e)| e.ok())
        .filter(|e| matches!(e.action, Action::EvidenceAdded | Action::EvidenceImported))
        .filter_map(|e| serde_json::from_value(e.data).ok())
        .collect())
}

pub(crate) fn next_id(dir: &Path) -> Result<usize, IrError> {
    Ok(records(dir)?.len() + 1)
}

/// Registers the files under `paths` (files or folders), signing with `store`'s key.
pub fn add(
    case: &mut Case,
    store: &KeyStore,
    paths: &[PathBuf],
    opts: &AddOptions,
    now: DateTime<Utc>,
) -> Result<AddOutcome, IrError> {
    let custody = Custody::open_or_init(case, store, &opts.handler, now)?;
    let mut files = Vec::new();
    let mut out = AddOutcome::default();
    for p in paths {
        collect(p, &mut files, &mut out.refused)?;
    }
    let host = opts.host.clone().unwrap_or_else(local_host);
    let known = records(&case.dir)?;
    for (path, followed) in files {
        if let Some(id) = registered_before(&known, &path, &host)? {
            out.already.push(format!("{id} {}", path.display()));
            continue;
        }
        let id = format!("E{:04}", next_id(&case.dir)?);
        out.discarded
            .extend(discard_unregistered_copy(&case.dir, &id)?);
        let record = register(case, &id, &path, followed, &host, opts, now)?;
        fail::fail_point!("ir.evidence.copied", |_| std::process::abort());
        let data = serde_json::to_value(&record)
            .map_err(|e| IrError::Invalid(format!("evidence record: {e}")))?;
        custody.append(&opts.handler, Action::EvidenceAdded, data, now)?;
        out.added.push(record);
    }
    Ok(out)
}

/// The id of a record of the same file (host, path, size and SHA-256), so that running an
/// interrupted `evidence add` again registers each file once. A file that changed since
/// is registered again: that is new evidence.
fn registered_before(
    known: &[EvidenceRecord],
    path: &Path,
    host: &str,
) -> Result<Option<String>, IrError> {
    let shown = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| IrError::io(path, e))?
        .len();
    let mut same = known
        .iter()
        .filter(|r| r.host == host && r.source_path == shown && r.size == Some(size))
        .peekable();
    if same.peek().is_none() {
        return Ok(None);
    }
    let sha256 = digest::of_file(path)?.sha256;
    Ok(same
        .find(|r| r.sha256.as_deref() == Some(sha256.as_str()))
        .map(|r| r.id.clone()))
}

/// `evidence/<id>/` before `<id>` is registered can only be the copy of a registration
/// that stopped between copying and its custody entry: it is removed, and named.
fn discard_unregistered_copy(case_dir: &Path, id: &str) -> Result<Vec<String>, IrError> {
    let dir = case_dir.join(EVIDENCE_DIR).join(id);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| IrError::io(&dir, e))? {
        let entry = entry.map_err(|e| IrError::io(&dir, e))?;
        names.push(format!(
            "{EVIDENCE_DIR}/{id}/{}",
            entry.file_name().to_string_lossy()
        ));
    }
    std::fs::remove_dir_all(&dir).map_err(|e| IrError::io(&dir, e))?;
    Ok(names)
}

/// Lists the regular files under `path`, with the link followed to reach each, if any.
fn collect(
    path: &Path,
    files: &mut Vec<(PathBuf, Option<String>)>,
    refused: &mut Vec<String>,
) -> Result<(), IrError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| IrError::io(path, e))?;
    let mut followed = None;
    let target = if meta.file_type().is_symlink() {
        // Named on the command line: the user chose it, so it is followed and said so.
        let t = std::fs::canonicalize(path).map_err(|e| IrError::io(path, e))?;
        followed = Some(format!("{} -> {}", path.display(), t.display()));
        t
    } else {
        path.to_path_buf()
    };
    let tmeta = std::fs::metadata(&target).map_err(|e| IrError::io(&target, e))?;
    if tmeta.is_file() {
        files.push((
            std::path::absolute(path).unwrap_or(path.to_path_buf()),
            followed,
        ));
    } else if tmeta.is_dir() {
        let root = std::fs::canonicalize(&target).map_err(|e| IrError::io(&target, e))?;
        let mut seen = HashSet::new();
        walk(&root, &root, &mut seen, files, refused)?;
    } else {
        refused.push(format!("{}: not a regular file or folder", path.display()));
    }
    Ok(())
}

fn walk(
    root: &Path,
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<(PathBuf, Option<String>)>,
    refused: &mut Vec<String>,
) -> Result<(), IrError> {
    if !seen.insert(dir.to_path_buf()) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| IrError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let meta = std::fs::symlink_metadata(&p).map_err(|e| IrError::io(&p, e))?;
        let (real, followed) = if meta.file_type().is_symlink() {
            match std::fs::canonicalize(&p) {
                Ok(t) if t.starts_with(root) => {
                    let note = format!("{} -> {}", p.display(), t.display());
                    (t, Some(note))
                }
                Ok(t) => {
                    refused.push(format!(
                        "{}: symbolic link to {} leaves {}; not followed",
                        p.display(),
                        t.display(),
                        root.display()
                    ));
                    continue;
                }
                Err(e) => {
                    refused.push(format!("{}: broken symbolic link ({e})", p.display()));
                    continue;
                }
            }
        } else {
            (p.clone(), None)
        };
        let m = std::fs::metadata(&real).map_err(|e| IrError::io(&real, e))?;
        if m.is_dir() {
            walk(root, &real, seen, files, refused)?;
        } else if m.is_file() {
            files.push((if followed.is_some() { p } else { real }, followed));
        } else {
            refused.push(format!("{}: not a regular file", p.display()));
        }
    }
    Ok(())
}

fn register(
    case: &Case,
    id: &str,
    path: &Path,
    followed: Option<String>,
    host: &str,
    opts: &AddOptions,
    now: DateTime<Utc>,
) -> Result<EvidenceRecord, IrError> {
    let meta = std::fs::metadata(path).map_err(|e| IrError::io(path, e))?;
    let modified = meta
        .modified()
        .ok()
        .map(|t| DateTime::<Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let input = std::fs::File::open(path).map_err(|e| IrError::io(path, e))?;
    let (digests, stored) = if opts.no_copy {
        (digest::stream(input, None, path)?, None)
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().replace(['/', '\\'], "_"))
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .unwrap_or_else(|| "file".into());
        let rel = format!("{EVIDENCE_DIR}/{id}/{name}");
        let dest_dir = case.dir.join(EVIDENCE_DIR).join(id);
        std::fs::create_dir_all(&dest_dir).map_err(|e| IrError::io(&dest_dir, e))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(&dest_dir).map_err(|e| IrError::io(&dest_dir, e))?;
        let d = digest::stream(input, Some(tmp.as_file_mut()), path)?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| IrError::io(&dest_dir, e))?;
        let dest = case.dir.join(&rel);
        tmp.persist_noclobber(&dest)
            .map_err(|e| IrError::io(&dest, e.error))?;
        let mut perms = std::fs::metadata(&dest)
            .map_err(|e| IrError::io(&dest, e))?
            .permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&dest, perms).map_err(|e| IrError::io(&dest, e))?;
        (d, Some(rel))
    };
    Ok(EvidenceRecord {
        id: id.into(),
        kind: opts.kind,
        handler: opts.handler.clone(),
        host: host.into(),
        source_path: path.display().to_string(),
        stored,
        size: Some(digests.size),
        modified,
        acquired: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        sha256: Some(digests.sha256),
        sha1: Some(digests.sha1),
        md5: Some(digests.md5),
        followed_symlink: followed,
        imported_from: None,
    })
}
