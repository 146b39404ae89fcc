//! Evidence records from other collection tools' logs, with the hashes those tools
//! computed.
//!
//! * **KAPE** `CopyLog.csv`: one row per copied file. Columns read (by header name,
//!   any order): `CopiedTimestamp`, `SourceFile`, `DestinationFile`, `FileSize`,
//!   `SourceFileSha1`, `ModifiedOnUtc`; others (`DeferredCopy`, `CreatedOnUtc`,
//!   `LastAccessedOnUtc`, `CopyDuration`) are ignored. `SourceFile` and
//!   `SourceFileSha1` are required.
//! * **UAC** acquisition log (`uac-HOST-OS-TIMESTAMP.log`): `Hostname:`, `Examiner:`,
//!   `Acquisition started at:` and the output file's hash, either under
//!   `[Output File MD5 Computed Hash]` (UAC 2) or as labelled `MD5 checksum:`,
//!   `SHA1 checksum:`, `SHA256 checksum:` lines; the output file is named by a `File:`
//!   line, else it is the log's name with `.tar.gz` for `.log`.
//! * A **hash list** as `md5sum`/`sha1sum`/`sha256sum` write it (`HASH  PATH`), such as
//!   UAC's `hash_executables` lists; the algorithm follows from the digest's length.
//!
//! The tool's log is itself added to the case as evidence first, and each record names
//! it and the line it came from. A malformed row is counted and reported, not fatal.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::IrError;
use crate::case::Case;
use crate::custody::{Action, Custody};
use crate::evidence::{self, AddOptions, EvidenceRecord};
use crate::keystore::KeyStore;

/// Which tool wrote the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// KAPE `CopyLog.csv`.
    Kape,
    /// UAC acquisition log.
    Uac,
    /// `md5sum`-style hash list.
    HashList,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportOutcome {
    /// The tool log's own evidence record.
    pub log: Option<EvidenceRecord>,
    /// Records taken from it.
    pub imported: Vec<EvidenceRecord>,
    /// Lines set aside: (line number, why).
    pub rejected: Vec<(usize, String)>,
}

/// Imports `log` written by `tool` into `case`.
pub fn import(
    case: &mut Case,
    store: &KeyStore,
    log: &Path,
    tool: Tool,
    opts: &AddOptions,
    now: DateTime<Utc>,
) -> Result<ImportOutcome, IrError> {
    let text = std::fs::read(log).map_err(|e| IrError::io(log, e))?;
    let text =
        String::from_utf8_lossy(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text)).into_owned();
    let host = opts.host.clone().unwrap_or_else(evidence::local_host);
    let (rows, rejected) = match tool {
        Tool::Kape => kape(&text, log)?,
        Tool::Uac => uac(&text, log, &host)?,
        Tool::HashList => hash_list(&text),
    };
    let added = evidence::add(
        case,
        store,
        &[log.to_path_buf()],
        &AddOptions {
            no_copy: false,
            ..opts.clone()
        },
        now,
    )?;
    let log_record = added.added.into_iter().next();
    let log_id = log_record
        .as_ref()
        .map_or("?".to_string(), |r| r.id.clone());
    let custody = Custody::open_or_init(case, store, &opts.handler, now)?;
    let tool_name = match tool {
        Tool::Kape => "kape",
        Tool::Uac => "uac",
        Tool::HashList => "hash list",
    };
    let mut out = ImportOutcome {
        log: log_record,
        rejected,
        ..Default::default()
    };
    for row in rows {
        let record = EvidenceRecord {
            id: format!("E{:04}", evidence::next_id(&case.dir)?),
            kind: opts.kind,
            handler: row.handler.clone().unwrap_or_else(|| opts.handler.clone()),
            host: row.host.clone().unwrap_or_else(|| host.clone()),
            source_path: row.source,
            stored: None,
            size: row.size,
            modified: row.modified,
            acquired: row
                .acquired
                .unwrap_or_else(|| now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            sha256: row.sha256,
            sha1: row.sha1,
            md5: row.md5,
            followed_symlink: None,
            imported_from: Some(format!("{tool_name} {log_id} line {}", row.line)),
        };
        let data = serde_json::to_value(&record).map_err(|e| IrError::Invalid(e.to_string()))?;
        custody.append(&opts.handler, Action::EvidenceImported, data, now)?;
        out.imported.push(record);
    }
    Ok(out)
}

#[derive(Debug, Default)]
struct Row {
    line: usize,
    source: String,
    size: Option<u64>,
    modified: Option<String>,
    acquired: Option<String>,
    sha256: Option<String>,
    sha1: Option<String>,
    md5: Option<String>,
    host: Option<String>,
    handler: Option<String>,
}

type Parsed = (Vec<Row>, Vec<(usize, String)>);

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn kape(text: &str, path: &Path) -> Result<Parsed, IrError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| IrError::format(path, e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(src), Some(sha1)) = (col("SourceFile"), col("SourceFileSha1")) else {
        return Err(IrError::format(
            path,
            "not a KAPE CopyLog.csv: no SourceFile and SourceFileSha1 columns",
        ));
    };
    let (size, copied, modified) = (
        col("FileSize"),
        col("CopiedTimestamp"),
        col("ModifiedOnUtc"),
    );
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    for (i, rec) in reader.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| p.line() as usize);
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rejected.push((line, e.to_string()));
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let (Some(source), Some(hash)) = (get(Some(src)), get(Some(sha1))) else {
            rejected.push((line, "SourceFile or SourceFileSha1 is empty".into()));
            continue;
        };
        if !is_hex(hash, 40) {
            rejected.push((
                line,
                format!("SourceFileSha1 {hash:?} is not 40 hex digits"),
            ));
            continue;
        }
        rows.push(Row {
            line,
            source: source.into(),
            size: get(size).and_then(|s| s.parse().ok()),
            modified: get(modified).map(String::from),
            acquired: get(copied).map(String::from),
            sha1: Some(hash.to_ascii_lowercase()),
            ..Row::default()
        });
    }
    Ok((rows, rejected))
}

fn uac(text: &str, path: &Path, host: &str) -> Result<Parsed, IrError> {
    let mut row = Row {
        line: 1,
        ..Row::default()
    };
    let mut file = None;
    let mut bare_md5_next = false;
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if bare_md5_next && is_hex(l, 32) {
            row.md5 = Some(l.to_ascii_lowercase());
            row.line = i + 1;
        }
        bare_md5_next = l.eq_ignore_ascii_case("[Output File MD5 Computed Hash]");
        let Some((key, value)) = l.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "hostname" => row.host = Some(value.into()).filter(|v: &String| !v.is_empty()),
            "examiner" => row.handler = Some(value.into()).filter(|v: &String| !v.is_empty()),
            "acquisition started at" => row.acquired = Some(value.into()),
            "file" => file = Some(value.to_string()),
            "md5 checksum" if is_hex(value, 32) => {
                (row.md5, row.line) = (Some(value.to_ascii_lowercase()), i + 1)
            }
            "sha1 checksum" if is_hex(value, 40) => {
                (row.sha1, row.line) = (Some(value.to_ascii_lowercase()), i + 1)
            }
            "sha256 checksum" if is_hex(value, 64) => {
                (row.sha256, row.line) = (Some(value.to_ascii_lowercase()), i + 1)
            }
            _ => {}
        }
    }
    if row.md5.is_none() && row.sha1.is_none() && row.sha256.is_none() {
        return Err(IrError::format(
            path,
            "not a UAC acquisition log: no computed hash of the output file",
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let output = file.unwrap_or_else(|| match name.strip_suffix(".log") {
        Some(stem) => format!("{stem}.tar.gz"),
        None => name.clone(),
    });
    let beside = path.with_file_name(&output);
    row.source = if beside.is_file() {
        beside.display().to_string()
    } else {
        output
    };
    if row.host.is_none() {
        row.host = Some(host.into());
    }
    Ok((vec![row], Vec::new()))
}

fn hash_list(text: &str) -> Parsed {
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((hash, file)) = l.split_once(char::is_whitespace) else {
            rejected.push((i + 1, "expected HASH  PATH".into()));
            continue;
        };
        let file = file.trim_start().trim_start_matches('*');
        let hash = hash.to_ascii_lowercase();
        let mut row = Row {
            line: i + 1,
            source: file.into(),
            ..Row::default()
        };
        match hash.len() {
            32 if is_hex(&hash, 32) => row.md5 = Some(hash),
            40 if is_hex(&hash, 40) => row.sha1 = Some(hash),
            64 if is_hex(&hash, 64) => row.sha256 = Some(hash),
            _ => {
                rejected.push((
                    i + 1,
                    format!("{hash:?} is not an MD5, SHA-1 or SHA-256 digest"),
                ));
                continue;
            }
        }
        if file.is_empty() {
            rejected.push((i + 1, "no path after the digest".into()));
            continue;
        }
        rows.push(row);
    }
    (rows, rejected)
}
