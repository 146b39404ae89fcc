//! First-response checklists, shipped as data (`checklists/*.toml` in this crate), and
//! what a case has done of them (`<case>/checklist.toml`).
//!
//! Each step belongs to one phase: preserve & investigate (保全・調査), recover (復旧),
//! disclose & report (公表・報告). A case uses the list of its type: ransomware for
//! ransomware cases, web-compromise for web compromises and data leaks; other types
//! name a list explicitly.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::{Case, CaseType, write_atomic};

/// Progress file in the case folder.
pub const STATE_FILE: &str = "checklist.toml";

const LISTS: [(&str, &str); 2] = [
    ("ransomware", include_str!("../checklists/ransomware.toml")),
    (
        "web-compromise",
        include_str!("../checklists/web-compromise.toml"),
    ),
];

/// A phase of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// 保全・調査.
    Preserve,
    /// 復旧.
    Recover,
    /// 公表・報告.
    Report,
}

impl Phase {
    /// Heading (en, ja).
    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Phase::Preserve => ("Preserve & investigate", "保全・調査"),
            Phase::Recover => ("Recover", "復旧"),
            Phase::Report => ("Disclose & report", "公表・報告"),
        }
    }
}

/// One step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Stable id.
    pub id: String,
    /// Phase.
    pub phase: Phase,
    /// What to do, in English.
    pub en: String,
    /// What to do, in Japanese.
    pub ja: String,
}

/// A checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// Its name.
    pub name: String,
    /// Steps in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

/// The names of the shipped lists.
pub fn names() -> Vec<&'static str> {
    LISTS.iter().map(|(n, _)| *n).collect()
}

/// A shipped list by name.
pub fn by_name(name: &str) -> Result<Checklist, IrError> {
    let (_, text) = LISTS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        IrError::Invalid(format!(
            "no checklist {name:?}: choose one of {}",
            names().join(", ")
        ))
    })?;
    toml::from_str(text).map_err(|e| IrError::Invalid(format!("checklist {name}: {e}")))
}

/// The list for a case type, if one fits.
pub fn for_type(t: CaseType) -> Option<&'static str> {
    match t {
        CaseType::Ransomware => Some("ransomware"),
        CaseType::WebCompromise | CaseType::DataLeak => Some("web-compromise"),
        CaseType::Ddos | CaseType::Other => None,
    }
}

/// What a case has done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// The list in use.
    #[serde(default)]
    pub list: String,
    /// Step id → when it was done and by whom.
    #[serde(default)]
    pub done: BTreeMap<String, Done>,
}

/// A finished step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Done {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// By whom.
    pub by: String,
}

/// The case's list and progress; `list` overrides the type's list (and is remembered).
pub fn load(case: &Case, list: Option<&str>) -> Result<(Checklist, Progress), IrError> {
    let path = case.dir.join(STATE_FILE);
    let mut progress: Progress = match std::fs::read_to_string(&path) {
        Ok(t) => toml::from_str(&t).map_err(|e| IrError::format(&path, e.to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Progress::default(),
        Err(e) => return Err(IrError::io(&path, e)),
    };
    let name = match (list, progress.list.as_str(), for_type(case.meta.case_type)) {
        (Some(l), _, _) => l.to_string(),
        (None, l, _) if !l.is_empty() => l.to_string(),
        (None, _, Some(l)) => l.to_string(),
        (None, _, None) => {
            return Err(IrError::Invalid(format!(
                "no checklist for {} cases: choose one with --list ({})",
                case.meta.case_type.as_str(),
                names().join(", ")
            )));
        }
    };
    let checklist = by_name(&name)?;
    progress.list = name;
    Ok((checklist, progress))
}

/// Marks steps done and saves; unknown ids are refused, naming the valid ones.
pub fn mark_done(
    case: &Case,
    checklist: &Checklist,
    progress: &mut Progress,
    ids: &[String],
    by: &str,
    now: DateTime<FixedOffset>,
) -> Result<(), IrError> {
    for id in ids {
        if !checklist.steps.iter().any(|s| &s.id == id) {
            let valid: Vec<&str> = checklist.steps.iter().map(|s| s.id.as_str()).collect();
            return Err(IrError::Invalid(format!(
                "no step {id:?} in the {} checklist (steps: {})",
                checklist.name,
                valid.join(", ")
            )));
        }
        progress.done.entry(id.clone()).or_insert(Done {
            at: now,
            by: by.into(),
        });
    }
    let text = toml::to_string(progress).map_err(|e| IrError::Invalid(e.to_string()))?;
    write_atomic(&case.dir.join(STATE_FILE), text.as_bytes())
}
