//! The custody log: every action on a case's evidence, append-only, hash-chained and
//! signed with Ed25519.
//!
//! `custody.jsonl` holds one JSON [`Entry`] per line. An entry's `hash` is the SHA-256 of
//! its body (every field but `hash` and `sig`, serialised in field order with sorted
//! object keys), its `prev` is the previous entry's hash (64 zeros for the first), and
//! `sig` is the Ed25519 signature of the hash. The first entry also carries the public
//! key's fingerprint, which `case.toml` repeats, so a swapped `keys/custody.pub` is
//! noticed. `custody.head` records the number of entries and the last hash (signed), so
//! a deleted last entry is noticed too. Every change to `case.toml` (the opening, a note,
//! `case sign` after an edit) is an entry carrying the digest of the new content
//! ([`Case::digest`]), so an edit nobody recorded is noticed.
//!
//! The signing key lives outside the case, in the user's key store
//! ([`crate::keystore`]), which also remembers the head this machine last wrote: a log
//! that does not extend it is not appended to. Whoever can edit the case folder cannot
//! re-sign it; whoever holds the key store can, so the fingerprint printed at `case new`
//! goes to someone outside the team, and `evidence verify --key-fingerprint` checks a
//! case or archive against it.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::{Case, write_atomic};
use crate::digest::{hex, sha256_hex, unhex};
use crate::keystore::{Anchor, KeyStore, absolute_folder, read_signing_key};

/// The log file in the case folder.
pub const LOG_FILE: &str = "custody.jsonl";
/// The signed head (entry count and last hash).
pub const HEAD_FILE: &str = "custody.head";
/// Where kansoku before the key store kept the signing key (hex seed), inside the case.
/// Such a key is moved to the key store at the next append; `verify` calls a case that
/// still holds one not anchored.
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
    /// `case.toml` was edited and the edit recorded (`case sign`).
    CaseUpdated,
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
            Action::CaseUpdated => "case_updated",
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
    /// Digest of `case.toml` after this entry ([`Case::digest`]); entries that changed
    /// the case only (opening, note, `case sign`). Absent from logs of older kansoku.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_sha256: Option<String>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    case_sha256: Option<&'a str>,
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
            case_sha256: self.case_sha256.as_deref(),
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

/// A case's custody log, open for appending.
#[derive(Debug)]
pub struct Custody {
    dir: PathBuf,
    case: String,
    key: SigningKey,
    store: KeyStore,
}

impl Custody {
    /// Opens the log of `case` with its key from `store`, starting it (new key pair in
    /// the store, first entry, fingerprint in `case.toml`) when the case has none yet.
    /// A key an older kansoku kept inside the case is moved to the store first. A log
    /// that does not extend the head this machine last wrote is refused
    /// ([`IrError::CustodyRolledBack`]).
    pub fn open_or_init(
        case: &mut Case,
        store: &KeyStore,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Custody, IrError> {
        let legacy = case.dir.join(KEY_FILE);
        if std::fs::symlink_metadata(&legacy).is_ok() {
            adopt_legacy_key(case, store, &legacy)?;
        }
        if let Some(fp) = case.meta.key_fingerprint.clone() {
            // case.toml is in the folder: the store says which key this machine signs
            // this folder's log with.
            if let Some(anchor) = store.anchor_for_folder(&case.dir)?
                && anchor.fingerprint != fp
            {
                return Err(IrError::KeyChanged {
                    case: case.meta.name.clone(),
                    named: fp,
                    signed: anchor.fingerprint,
                });
            }
            let key = store
                .signing_key(&fp)?
                .ok_or_else(|| IrError::KeyNotInStore {
                    case: case.meta.name.clone(),
                    fingerprint: fp.clone(),
                    store: store.dir().to_path_buf(),
                })?;
            let custody = Custody {
                dir: case.dir.clone(),
                case: case.meta.name.clone(),
                key,
                store: store.clone(),
            };
            custody.finish_head()?;
            custody.check_anchor(&fp)?;
            if read_log(&case.dir)?.is_empty() {
                // Stopped between naming the key in case.toml and the first entry.
                custody.open_log(case, actor, now)?;
            }
            return Ok(custody);
        }
        if !read_log(&case.dir)?.is_empty() {
            return Err(IrError::format(
                &case.dir.join(crate::case::CASE_FILE),
                "names no custody key, but the custody log has entries; run `kansoku evidence verify`",
            ));
        }
        let key = store.create()?;
        let public = key.verifying_key();
        let keys = case.dir.join("keys");
        std::fs::create_dir_all(&keys).map_err(|e| IrError::io(&keys, e))?;
        write_atomic(
            &case.dir.join(PUB_FILE),
            format!("{}\n", hex(public.as_bytes())).as_bytes(),
        )?;
        let fp = fingerprint(&public);
        case.meta.key_fingerprint = Some(fp.clone());
        case.save()?;
        let custody = Custody {
            dir: case.dir.clone(),
            case: case.meta.name.clone(),
            key,
            store: store.clone(),
        };
        custody.open_log(case, actor, now)?;
        Ok(custody)
    }

    /// The first entry: the key's fingerprint and the digest of `case.toml`.
    fn open_log(&self, case: &Case, actor: &str, now: DateTime<Utc>) -> Result<Entry, IrError> {
        let data =
            serde_json::json!({"case": case.meta.name, "type": case.meta.case_type.as_str()});
        self.append_with(
            actor,
            Action::CaseOpened,
            data,
            (Some(self.fingerprint()), Some(case.digest())),
            now,
        )
    }

    /// The fingerprint of the signing key.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key.verifying_key())
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

    /// Refuses a log that lacks the last entry this machine recorded in the store, or has
    /// another in its place; brings the store's anchor up to a log that extends it (an
    /// append that stopped before recording it).
    fn check_anchor(&self, fp: &str) -> Result<(), IrError> {
        let Some(anchor) = self.store.anchor(fp)? else {
            return Ok(());
        };
        let entries = read_log(&self.dir)?;
        let signed: Vec<&Entry> = entries
            .iter()
            .filter_map(|(_, e)| e.as_ref().ok())
            .filter(|e| e.hash == e.body_hash() && e.signed_by(&self.key.verifying_key()))
            .collect();
        let extends = anchor.entries == 0
            || signed
                .iter()
                .any(|e| e.index + 1 == anchor.entries && e.hash == anchor.head);
        if !extends {
            return Err(IrError::CustodyRolledBack {
                case: self.case.clone(),
                entries: anchor.entries,
                head: anchor.head,
            });
        }
        if let Some(head) = read_head(&self.dir)?
            && head.entries > anchor.entries
            && head_signed_by(&head, &self.key.verifying_key())
            && signed
                .iter()
                .any(|e| e.index + 1 == head.entries && e.hash == head.hash)
        {
            self.record_anchor(head.entries, &head.hash)?;
        }
        Ok(())
    }

    fn record_anchor(&self, entries: u64, head: &str) -> Result<(), IrError> {
        self.store.record(&Anchor {
            fingerprint: self.fingerprint(),
            case: self.case.clone(),
            folder: absolute_folder(&self.dir),
            entries,
            head: head.into(),
        })
    }

    fn write_head(&self, last: &Entry) -> Result<(), IrError> {
        let message = Head::message(last.index + 1, &last.hash);
        let head = Head {
            entries: last.index + 1,
            hash: last.hash.clone(),
            sig: hex(&self.key.sign(message.as_bytes()).to_bytes()),
        };
        let head_json = serde_json::to_string(&head).unwrap_or_default();
        write_atomic(&self.dir.join(HEAD_FILE), head_json.as_bytes())?;
        fail::fail_point!("ir.custody.head_written", |_| std::process::abort());
        self.record_anchor(head.entries, &head.hash)
    }

    /// Appends one signed entry and returns it.
    pub fn append(
        &self,
        actor: &str,
        action: Action,
        data: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Entry, IrError> {
        self.append_with(actor, action, data, (None, None), now)
    }

    /// Appends an entry for a change to `case.toml` (already saved), carrying its digest.
    pub fn append_case_change(
        &self,
        case: &Case,
        actor: &str,
        action: Action,
        data: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<Entry, IrError> {
        self.append_with(actor, action, data, (None, Some(case.digest())), now)
    }

    /// The `case.toml` digest the log last recorded, if any entry carries one (logs of
    /// older kansoku do not).
    pub fn recorded_case_digest(&self) -> Result<Option<String>, IrError> {
        Ok(last_case_digest(&read_log(&self.dir)?))
    }

    fn append_with(
        &self,
        actor: &str,
        action: Action,
        data: serde_json::Value,
        (key_fingerprint, case_sha256): (Option<String>, Option<String>),
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
            case_sha256,
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
        Ok(entry)
    }
}

/// Moves the signing key an older kansoku kept in the case to the store: written and
/// synced there before the copy in the case goes. Only the key `case.toml` names, as a
/// regular file: a planted key would otherwise become one this machine signs with.
fn adopt_legacy_key(case: &Case, store: &KeyStore, legacy: &Path) -> Result<(), IrError> {
    let meta = std::fs::symlink_metadata(legacy).map_err(|e| IrError::io(legacy, e))?;
    if !meta.is_file() {
        return Err(IrError::format(legacy, "not a regular file; not read"));
    }
    let key = read_signing_key(legacy)?;
    let fp = fingerprint(&key.verifying_key());
    if case.meta.key_fingerprint.as_deref() != Some(fp.as_str()) {
        return Err(IrError::format(
            legacy,
            format!(
                "holds key {fp}, not the key case.toml names ({}); not used",
                case.meta.key_fingerprint.as_deref().unwrap_or("none")
            ),
        ));
    }
    store.adopt(&key)?;
    std::fs::remove_file(legacy).map_err(|e| IrError::io(legacy, e))
}

/// The `case.toml` digest of the last entry that carries one.
pub fn last_case_digest(lines: &[LogLine]) -> Option<String> {
    lines
        .iter()
        .filter_map(|(_, e)| e.as_ref().ok())
        .filter_map(|e| e.case_sha256.clone())
        .next_back()
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
/// back-dated silently: the log shows when it was written. Refused when `case.toml`
/// holds an edit the log has not recorded ([`IrError::CaseFileChanged`]): the note's
/// entry would sign it.
pub fn add_note(
    case: &mut Case,
    store: &KeyStore,
    note: crate::case::Note,
    now: DateTime<Utc>,
) -> Result<(), IrError> {
    let custody = Custody::open_or_init(case, store, &note.author, now)?;
    if custody
        .recorded_case_digest()?
        .is_some_and(|d| d != case.digest())
    {
        return Err(IrError::CaseFileChanged(case.meta.name.clone()));
    }
    let data = serde_json::json!({"at": note.at.to_rfc3339(), "text": note.text});
    let author = note.author.clone();
    case.add_note(note)?;
    custody.append_case_change(case, &author, Action::Note, data, now)?;
    Ok(())
}

/// Records `case.toml` as it now is (after an edit by hand: contacts, partners, facts,
/// the time of learning) in the custody log, with the whole content as the entry's data
/// so the log keeps every version. `None` when the log already records this content.
pub fn sign_case(
    case: &mut Case,
    store: &KeyStore,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<Entry>, IrError> {
    let custody = Custody::open_or_init(case, store, actor, now)?;
    if custody.recorded_case_digest()?.as_deref() == Some(case.digest().as_str()) {
        return Ok(None);
    }
    let data = serde_json::to_value(&case.meta)
        .map_err(|e| IrError::Invalid(format!("case.toml: {e}")))?;
    custody
        .append_case_change(case, actor, Action::CaseUpdated, data, now)
        .map(Some)
}
