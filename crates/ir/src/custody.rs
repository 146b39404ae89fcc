//! The custody log: every action on a case's evidence, append-only, hash-chained and
//! signed with Ed25519.
//!
//! `custody.jsonl` holds one JSON [`Entry`] per line. An entry's `hash` is the SHA-256 of
//! its body (every field but `hash` and `sig`, serialised in field order with sorted
//! object keys), its `prev` is the previous entry's hash (64 zeros for the first), and
//! `sig` is the Ed25519 signature of the hash. The first entry also carries the public
//! key's fingerprint, which `case.toml` repeats, so a swapped `keys/custody.pub` is
//! noticed. `custody.head` records the number of entries and the last hash (signed), so
//! a deleted last entry is noticed too.
//!
//! The signing key lives in the case (`keys/custody.key`, mode 0600): it proves the log
//! was written by whoever holds the case, and catches edits by anyone who does not. To
//! guard against someone who can read the key, send the fingerprint and the head hash
//! that `evidence verify` prints to someone outside the team.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::{Case, write_atomic};
use crate::digest::{hex, sha256_hex, unhex};

/// The log file in the case folder.
pub const LOG_FILE: &str = "custody.jsonl";
/// The signed head (entry count and last hash).
pub const HEAD_FILE: &str = "custody.head";
/// The signing key (hex seed), mode 0600.
pub const KEY_FILE: &str = "keys/custody.key";
/// The public key (hex).
pub const PUB_FILE: &str = "keys/custody.pub";
/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The custody log was started (first entry).
    CaseOpened,
    /// A file was copied into the case or recorded in place.
    EvidenceAdded,
    /// A record taken from another tool's log (KAPE, UAC).
    EvidenceImported,
    /// The case was exported to an archive.
    Exported,
    /// A note was added.
    Note,
}

impl Action {
    /// The name in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CaseOpened => "case_opened",
            Action::EvidenceAdded => "evidence_added",
            Action::EvidenceImported => "evidence_imported",
            Action::Exported => "exported",
            Action::Note => "note",
        }
    }
}

/// One line of the custody log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in the log, from 0.
    pub index: u64,
    /// When the action happened (RFC 3339, UTC).
    pub time: String,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: Action,
    /// Details (an evidence record, an archive name, a note).
    pub data: serde_json::Value,
    /// Fingerprint of the signing key; first entry only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// Hash of the previous entry.
    pub prev: String,
    /// SHA-256 of this entry's body.
    pub hash: String,
    /// Ed25519 signature of `hash`, hex.
    pub sig: String,
}

#[derive(Serialize)]
struct Body<'a> {
    index: u64,
    time: &'a str,
    actor: &'a str,
    action: Action,
    data: &'a serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fingerprint: Option<&'a str>,
    prev: &'a str,
}

impl Entry {
    /// The hash this entry's body has (what `hash` should say).
    pub fn body_hash(&self) -> String {
        let body = Body {
            index: self.index,
            time: &self.time,
            actor: &self.actor,
            action: self.action,
            data: &self.data,
            key_fingerprint: self.key_fingerprint.as_deref(),
            prev: &self.prev,
        };
        // Serialising a struct of strings and a Value cannot fail.
        sha256_hex(&serde_json::to_vec(&body).unwrap_or_default())
    }

    /// Whether `sig` is `key`'s signature of `hash`.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        verify_sig(key, self.hash.as_bytes(), &self.sig)
    }
}

/// The signed head file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// Entries in the log.
    pub entries: u64,
    /// Hash of the last entry.
    pub hash: String,
    /// Signature of `"{entries} {hash}"`.
    pub sig: String,
}

impl Head {
    fn message(entries: u64, hash: &str) -> String {
        format!("{entries} {hash}")
    }
}

/// `sha256:` + hex SHA-256 of the public key bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    format!("sha256:{}", sha256_hex(key.as_bytes()))
}

fn verify_sig(key: &VerifyingKey, message: &[u8], sig_hex: &str) -> bool {
    let Some(bytes) = unhex(sig_hex) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

/// Reads a hex public key file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, IrError> {
    let text = std::fs::read_to_string(path).map_err(|e| IrError::io(path, e))?;
    let bytes: [u8; 32] = unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| IrError::format(path, "not a hex Ed25519 public key (64 hex digits)"))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| IrError::format(path, "not a valid Ed25519 public key"))
}

fn read_signing_key(path: &Path) -> Result<SigningKey, IrError> {
    let text = std::fs::read_to_string(path).map_err(|e| IrError::io(path, e))?;
    let bytes: [u8; 32] = unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| IrError::format(path, "not a hex Ed25519 signing key"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes a new secret file readable by its owner only.
fn write_secret(path: &Path, text: &str) -> Result<(), IrError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(|e| IrError::io(path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| IrError::io(path, e))
}

/// A case's custody log, open for appending.
#[derive(Debug)]
pub struct Custody {
    dir: PathBuf,
    key: SigningKey,
}

impl Custody {
    /// Opens the log of `case`, starting it (new key pair, first entry, fingerprint in
    /// `case.toml`) when the case has none yet.
    pub fn open_or_init(
        case: &mut Case,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Custody, IrError> {
        let key_path = case.dir.join(KEY_FILE);
        if key_path.exists() {
            let custody = Custody {
                dir: case.dir.clone(),
                key: read_signing_key(&key_path)?,
            };
            custody.finish_head()?;
            return Ok(custody);
        }
        let keys = case.dir.join("keys");
        std::fs::create_dir_all(&keys).map_err(|e| IrError::io(&keys, e))?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| IrError::Invalid(format!("no randomness for a signing key: {e}")))?;
        let key = SigningKey::from_bytes(&seed);
        write_secret(&key_path, &format!("{}\n", hex(&seed)))?;
        let public = key.verifying_key();
        write_atomic(
            &case.dir.join(PUB_FILE),
            format!("{}\n", hex(public.as_bytes())).as_bytes(),
        )?;
        let fp = fingerprint(&public);
        case.meta.key_fingerprint = Some(fp.clone());
        case.save()?;
        let custody = Custody {
            dir: case.dir.clone(),
            key,
        };
        let data =
            serde_json::json!({"case": case.meta.name, "type": case.meta.case_type.as_str()});
        custody.append_with(actor, Action::CaseOpened, data, Some(fp), now)?;
        Ok(custody)
    }

    /// Writes the head an append did not get to: the process stopped after the entry
    /// reached the log and before the head was replaced. Only when the head is exactly
    /// one entry behind and that entry is signed by this case's key and chained to the
    /// head; anything else is left for `evidence verify` to report.
    fn finish_head(&self) -> Result<(), IrError> {
        let entries = read_log(&self.dir)?;
        let Some((_, Ok(last))) = entries.last() else {
            return Ok(());
        };
        let public = self.key.verifying_key();
        // No head yet: the first entry's append stopped before it.
        let (count, hash) = match read_head(&self.dir)? {
            Some(head) if head_signed_by(&head, &public) => (head.entries, head.hash),
            Some(_) => return Ok(()),
            None => (0, GENESIS.to_string()),
        };
        let behind_by_one = last.index == count
            && last.prev == hash
            && last.hash == last.body_hash()
            && last.signed_by(&public);
        if behind_by_one {
            self.write_head(last)?;
        }
        Ok(())
    }

    fn write_head(&self, last: &Entry) -> Result<(), IrError> {
        let message = Head::message(last.index + 1, &last.hash);
        let head = Head {
            entries: last.index + 1,
            hash: last.hash.clone(),
            sig: hex(&self.key.sign(message.as_bytes()).to_bytes()),
        };
        let head_json = serde_json::to_string(&head).unwrap_or_default();
        write_atomic(&self.dir.join(HEAD_FILE), head_json.as_bytes())
    }

    /// Appends one signed entry and returns it.
    pub fn append(
        &self,
        actor: &str,
        action: Action,
        data: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Entry, IrError> {
        self.append_with(actor, action, data, None, now)
    }

    fn append_with(
        &self,
        actor: &str,
        action: Action,
        data: serde_json::Value,
        key_fingerprint: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Entry, IrError> {
        let path = self.dir.join(LOG_FILE);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| IrError::io(&path, e))?;
        // Two appends at once would fork the chain: hold the file's lock while reading
        // the last entry and writing the next.
        file.lock().map_err(|e| IrError::io(&path, e))?;
        let entries = read_log(&self.dir)?;
        let last = entries.iter().rev().find_map(|(_, e)| e.as_ref().ok());
        let (index, prev) = match last {
            Some(e) => (e.index + 1, e.hash.clone()),
            None => (0, GENESIS.to_string()),
        };
        let mut entry = Entry {
            index,
            time: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: actor.into(),
            action,
            data,
            key_fingerprint,
            prev,
            hash: String::new(),
            sig: String::new(),
        };
        entry.hash = entry.body_hash();
        entry.sig = hex(&self.key.sign(entry.hash.as_bytes()).to_bytes());
        let mut line = serde_json::to_string(&entry)
            .map_err(|e| IrError::Invalid(format!("custody entry: {e}")))?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| IrError::io(&path, e))?;
        fail::fail_point!("ir.custody.appended", |_| std::process::abort());
        self.write_head(&entry)?;
        fail::fail_point!("ir.custody.head_written", |_| std::process::abort());
        Ok(entry)
    }
}

/// One line of the log: its number (from 1) and the entry, or why it could not be read.
pub type LogLine = (usize, Result<Entry, String>);

/// The log's lines.
pub fn read_log(dir: &Path) -> Result<Vec<LogLine>, IrError> {
    let path = dir.join(LOG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(IrError::io(&path, e)),
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|e| e.to_string())))
        .collect())
}

/// Reads `custody.head`; `None` when there is none.
pub fn read_head(dir: &Path) -> Result<Option<Head>, IrError> {
    let path = dir.join(HEAD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| IrError::format(&path, e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(IrError::io(&path, e)),
    }
}

/// Whether the head's signature is `key`'s.
pub fn head_signed_by(head: &Head, key: &VerifyingKey) -> bool {
    verify_sig(
        key,
        Head::message(head.entries, &head.hash).as_bytes(),
        &head.sig,
    )
}

/// Adds a note to `case.toml` and records it in the custody log, so a note cannot be
/// back-dated silently: the log shows when it was written.
pub fn add_note(
    case: &mut Case,
    note: crate::case::Note,
    now: DateTime<Utc>,
) -> Result<(), IrError> {
    let custody = Custody::open_or_init(case, &note.author, now)?;
    let data = serde_json::json!({"at": note.at.to_rfc3339(), "text": note.text});
    let author = note.author.clone();
    case.add_note(note)?;
    custody.append(&author, Action::Note, data, now)?;
    Ok(())
}
