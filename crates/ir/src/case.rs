//! Cases: one folder per incident under `<data>/cases/<name>/`, described by `case.toml`.
//!
//! `case.toml` holds who opened the case, when the organisation learned of the incident,
//! the facts the reporting rules depend on ([`Facts`]), contacts, contractual reporting
//! duties to partners and notes. The evidence register and custody log live beside it
//! (see [`crate::evidence`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::IrError;

/// The metadata file of a case.
pub const CASE_FILE: &str = "case.toml";

/// What kind of incident a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseType {
    /// Files encrypted or stolen for ransom.
    Ransomware,
    /// A web site or web application taken over (defacement, web shell, skimmer).
    WebCompromise,
    /// Data disclosed or exfiltrated without encryption for ransom.
    DataLeak,
    /// Denial of service.
    Ddos,
    /// Anything else.
    Other,
}

impl CaseType {
    /// Every type, in the order reports list them.
    pub const ALL: [CaseType; 5] = [
        CaseType::Ransomware,
        CaseType::WebCompromise,
        CaseType::DataLeak,
        CaseType::Ddos,
        CaseType::Other,
    ];

    /// The name used on the command line and in `case.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::Ransomware => "ransomware",
            CaseType::WebCompromise => "web-compromise",
            CaseType::DataLeak => "data-leak",
            CaseType::Ddos => "ddos",
            CaseType::Other => "other",
        }
    }
}

impl std::str::FromStr for CaseType {
    type Err = IrError;
    fn from_str(s: &str) -> Result<CaseType, IrError> {
        CaseType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                IrError::Invalid(format!(
                    "unknown case type {s:?}: expected ransomware, web-compromise, data-leak, ddos or other"
                ))
            })
    }
}

/// The facts that decide the reporting duties ([`crate::deadlines`]). Unknown facts are
/// `false` until established; record them as soon as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Facts {
    /// Personal data is or may be involved.
    pub personal_data: bool,
    /// Sensitive personal data (要配慮個人情報: medical history, criminal record, ...).
    pub sensitive_data: bool,
    /// Data whose misuse may cause financial loss (card numbers, bank logins).
    pub financial_loss_risk: bool,
    /// Caused by an act with an unauthorised purpose (an attack, theft by an insider).
    pub unauthorised_purpose: bool,
    /// Number of people whose data is or may be involved, when known.
    pub people: Option<u64>,
}

/// Someone to reach during the response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Role in the response (`CISO`, `vendor`, `lawyer`).
    pub role: String,
    /// Name.
    pub name: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A reporting duty to a business partner under a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerDuty {
    /// Partner name.
    pub partner: String,
    /// Hours after learning of the incident by which the partner must be told.
    pub within_hours: u32,
    /// What the contract asks (clause, form, address).
    #[serde(default)]
    pub what: String,
}

/// A dated remark in the case (shown in the timeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// When what the note says happened (or was observed).
    pub at: DateTime<FixedOffset>,
    /// Who wrote it.
    pub author: String,
    /// The remark.
    pub text: String,
}

/// `case.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseMeta {
    /// Case name (also its folder name).
    pub name: String,
    /// Kind of incident.
    #[serde(rename = "type")]
    pub case_type: CaseType,
    /// Who opened the case.
    pub opened_by: String,
    /// When the case was opened.
    pub opened: DateTime<FixedOffset>,
    /// When the organisation learned of the incident: the start of every reporting
    /// deadline. Defaults to the opening time.
    pub learned: DateTime<FixedOffset>,
    /// One paragraph on what happened.
    #[serde(default)]
    pub summary: String,
    /// Fingerprint of the custody log's Ed25519 public key (`sha256:` + hex), the name of
    /// the signing key in the key store ([`crate::keystore`]). Written here, it only
    /// notices a swapped key file; the copy the handler keeps outside the case anchors it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    /// Facts for the reporting rules.
    #[serde(default)]
    pub facts: Facts,
    /// People to reach.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Contractual reporting duties.
    #[serde(default)]
    pub partners: Vec<PartnerDuty>,
    /// Dated notes.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// What `case new` is given.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Case name.
    pub name: String,
    /// Kind of incident.
    pub case_type: CaseType,
    /// Who opens it.
    pub who: String,
    /// When the organisation learned of it (default: now).
    pub learned: Option<DateTime<FixedOffset>>,
    /// Facts known so far.
    pub facts: Facts,
    /// Summary.
    pub summary: String,
}

impl NewCase {
    /// A case with no facts yet.
    pub fn new(name: &str, case_type: CaseType, who: &str) -> NewCase {
        NewCase {
            name: name.into(),
            case_type,
            who: who.into(),
            learned: None,
            facts: Facts::default(),
            summary: String::new(),
        }
    }
}

/// Checks that `name` can be a case folder: no separators, no `.`/`..`, no leading dot,
/// no control characters, no characters Windows refuses, at most 100 bytes.
pub fn validate_name(name: &str) -> Result<(), IrError> {
    let bad = |reason| {
        Err(IrError::InvalidName {
            name: name.into(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 100 {
        return bad("it is longer than 100 bytes");
    }
    if name.chars().any(|c| c == '/' || c == '\\') {
        return bad("it contains a path separator (/ or \\)");
    }
    if name.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    if name.starts_with('.') {
        return bad("it starts with a dot (., .. and hidden names are refused)");
    }
    if name.chars().any(|c| ":*?\"<>|".contains(c)) {
        return bad("it contains one of : * ? \" < > | (not portable to Windows)");
    }
    if name.trim() != name {
        return bad("it starts or ends with white space");
    }
    Ok(())
}

/// The cases folder of a data directory.
#[derive(Debug, Clone)]
pub struct Cases {
    root: PathBuf,
}

/// One case: its folder and metadata.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case folder.
    pub dir: PathBuf,
    /// `case.toml`.
    pub meta: CaseMeta,
}

/// The result of listing cases: the readable ones and what was wrong with the others.
#[derive(Debug, Default)]
pub struct CaseList {
    /// Cases, by name.
    pub cases: Vec<Case>,
    /// Folders whose `case.toml` could not be read.
    pub problems: Vec<IrError>,
}

impl Cases {
    /// The cases of the data directory `data` (`<data>/cases`).
    pub fn new(data: &Path) -> Cases {
        Cases {
            root: data.join("cases"),
        }
    }

    /// `<data>/cases`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a case folder and its `case.toml`; `now` is the opening time.
    pub fn create(&self, new: &NewCase, now: DateTime<Utc>) -> Result<Case, IrError> {
        validate_name(&new.name)?;
        std::fs::create_dir_all(&self.root).map_err(|e| IrError::io(&self.root, e))?;
        let dir = self.root.join(&new.name);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(IrError::CaseExists(new.name.clone()));
            }
            Err(e) => return Err(IrError::io(&dir, e)),
        }
        let opened = now.fixed_offset();
        let case = Case {
            dir,
            meta: CaseMeta {
                name: new.name.clone(),
                case_type: new.case_type,
                opened_by: new.who.clone(),
                opened,
                learned: new.learned.unwrap_or(opened),
                summary: new.summary.clone(),
                key_fingerprint: None,
                facts: new.facts.clone(),
                contacts: Vec::new(),
                partners: Vec::new(),
                notes: Vec::new(),
            },
        };
        case.save()?;
        Ok(case)
    }

    /// Opens the case called `name`.
    pub fn open(&self, name: &str) -> Result<Case, IrError> {
        validate_name(name)?;
        let dir = self.root.join(name);
        if !dir.join(CASE_FILE).is_file() {
            return Err(IrError::NoCase(name.into()));
        }
        Case::load(&dir)
    }

    /// Every case, by name; unreadable folders are reported, not fatal.
    pub fn list(&self) -> Result<CaseList, IrError> {
        let mut out = CaseList::default();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(IrError::io(&self.root, e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| IrError::io(&self.root, e))?;
            if !entry.path().join(CASE_FILE).is_file() {
                continue;
            }
            match Case::load(&entry.path()) {
                Ok(c) => out.cases.push(c),
                Err(e) => out.problems.push(e),
            }
        }
        out.cases.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
        Ok(out)
    }
}

impl Case {
    /// Reads `<dir>/case.toml`.
    pub fn load(dir: &Path) -> Result<Case, IrError> {
        let path = dir.join(CASE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| IrError::io(&path, e))?;
        let meta: CaseMeta =
            toml::from_str(&text).map_err(|e| IrError::format(&path, e.to_string()))?;
        Ok(Case {
            dir: dir.to_path_buf(),
            meta,
        })
    }

    /// Writes `case.toml` atomically (temporary file, then rename).
    pub fn save(&self) -> Result<(), IrError> {
        let text = toml::to_string_pretty(&self.meta)
            .map_err(|e| IrError::Invalid(format!("case.toml: {e}")))?;
        write_atomic(&self.dir.join(CASE_FILE), text.as_bytes())
    }

    /// SHA-256 of what `case.toml` says (its parsed content, so layout and comments do
    /// not count), as the custody log records it at every change.
    pub fn digest(&self) -> String {
        // Serialising the metadata (strings, numbers, times) cannot fail.
        crate::digest::sha256_hex(&serde_json::to_vec(&self.meta).unwrap_or_default())
    }

    /// Adds a dated note and saves.
    pub fn add_note(&mut self, note: Note) -> Result<(), IrError> {
        self.meta.notes.push(note);
        self.meta.notes.sort_by_key(|n| n.at);
        self.save()
    }
}

/// Writes `path` through a temporary file in the same folder and a rename, so a reader
/// never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IrError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| IrError::io(dir, e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| IrError::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| IrError::io(path, e))?;
    tmp.persist(path).map_err(|e| IrError::io(path, e.error))?;
    Ok(())
}
