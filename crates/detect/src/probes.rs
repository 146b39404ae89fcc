//! Probe lists (`rules/probes/*.txt`): well-known paths of products and developer
//! artefacts (admin and login pages, consoles, installers, repository metadata, logs). A
//! request for one of them that the site answers 403, 404 or 410 is a probe: the site
//! does not have the thing, so whoever asks for it is looking for it on every site. A path
//! the site answers 2xx or 3xx is the site's own and never flagged here.
//!
//! Each list becomes one ordinary [`Rule`] (`probe-<file stem>`, its category and
//! severity from the list's header), so its matches are stored, listed, documented and
//! explained like any other rule's. Whether a path is served by the same host to someone
//! else needs state across requests: the report's campaign query decides that, not the
//! per-line matcher.
//!
//! # List format
//!
//! ```text
//! # title: WordPress login, admin or installer page requested on a site without it
//! # category: wordpress_config
//! # severity: low
//! # why: why a probe of these paths matters
//! # source: where the paths come from (one line per source; at least one)
//! # reference: https://… (optional, repeatable)
//! # no_match: /a/path/answered/404/that/must/not/be/flagged (optional, repeatable)
//! # Any other comment line is commentary.
//! /wp-login.php        the exact path
//! /wp-admin/           the directory itself: /wp-admin or /wp-admin/
//! /.git/*              the directory and everything below it
//! */wp-login.php       the name under any directory (/blog/wp-login.php too)
//! */wp-admin/          the directory under any folder (/blog/wp-admin, /blog/wp-admin/)
//! ```
//!
//! Paths are compared after URL decoding, path normalisation (`//`, `/./`, `/../`) and
//! ASCII lowercasing, without the query string; entries must be written lowercase and
//! normalised (a test checks).

use crate::error::LoadWarning;
use crate::example;
use crate::model::{
    Category, Check, Example, Expr, Op, Rule, RuleSource, Severity, Transforms, Zone,
};

/// Prefix of the id of every rule made from a probe list (`probe-wordpress`); the
/// report's campaign query finds probe detections by it.
pub const PROBE_RULE_PREFIX: &str = "probe-";

/// Response statuses that make a request for a listed path a probe.
pub const PROBE_STATUSES: [u16; 3] = [403, 404, 410];

/// The tag every probe rule carries.
pub const PROBE_TAG: &str = "probe";

/// Whether `rule_id` names a rule made from a probe list.
pub fn is_probe_rule(rule_id: &str) -> bool {
    rule_id.starts_with(PROBE_RULE_PREFIX)
}

/// How one list entry matches a request path (already decoded, normalised, lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `/x`: the path is `/x`.
    Exact(String),
    /// `/x/`: the path is `/x` or `/x/` (held without the slash).
    Dir(String),
    /// `/x/*`: `/x`, or anything under `/x/` (held without the slash).
    Tree(String),
    /// `*/x`: the path ends with `/x` (held as `/x`).
    Anywhere(String),
    /// `*/x/`: the path ends with `/x` or `/x/` (held as `/x`).
    AnywhereDir(String),
}

impl Entry {
    /// A concrete path this entry matches (for the rule's inline examples).
    fn example_path(&self) -> String {
        match self {
            Entry::Exact(p) => p.clone(),
            Entry::Dir(p) => format!("{p}/"),
            Entry::Tree(p) => format!("{p}/index.php"),
            Entry::Anywhere(p) => format!("/app{p}"),
            Entry::AnywhereDir(p) => format!("/app{p}/"),
        }
    }

    fn kind(&self) -> u8 {
        match self {
            Entry::Exact(_) => 0,
            Entry::Dir(_) => 1,
            Entry::Tree(_) => 2,
            Entry::Anywhere(_) => 3,
            Entry::AnywhereDir(_) => 4,
        }
    }
}

/// Why a probe-list line is not an entry.
#[derive(Debug, PartialEq, thiserror::Error)]
enum EntryError {
    #[error(
        "entry `{0}`: no spaces, `?`, `#` or `%` (paths are matched decoded, without the query)"
    )]
    Character(String),
    #[error("entry `{0}` must be lowercase (requests are lowercased)")]
    Uppercase(String),
    #[error("entry `{0}`: write /path, /dir/, /dir/*, */name or */dir/")]
    Form(String),
    #[error("entry `{0}` is not a normalised path (`//`, `/./`, `/../` or a trailing `/.`)")]
    NotNormalised(String),
}

/// Reads one entry line.
fn parse_entry(text: &str) -> Result<Entry, EntryError> {
    if text
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b"?#%".contains(&b))
    {
        return Err(EntryError::Character(text.into()));
    }
    if text != text.to_ascii_lowercase() {
        return Err(EntryError::Uppercase(text.into()));
    }
    let (anywhere, rest) = match text.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (tree, rest) = match rest.strip_suffix("/*") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let (dir, body) = match rest.strip_suffix('/') {
        Some(r) if !tree => (true, r),
        _ => (false, rest),
    };
    if !body.starts_with('/') || body.len() < 2 || body.contains('*') || anywhere && tree {
        return Err(EntryError::Form(text.into()));
    }
    let mut normal = Vec::new();
    crate::transform::normalize_path(body.as_bytes(), &mut normal);
    if normal != body.as_bytes() {
        return Err(EntryError::NotNormalised(text.into()));
    }
    let body = body.to_string();
    Ok(match (anywhere, tree, dir) {
        (true, _, true) => Entry::AnywhereDir(body),
        (true, _, false) => Entry::Anywhere(body),
        (false, true, _) => Entry::Tree(body),
        (false, false, true) => Entry::Dir(body),
        (false, false, false) => Entry::Exact(body),
    })
}

/// A probe list read from its file.
#[derive(Debug, Clone)]
struct ProbeList {
    file: String,
    id: String,
    title: String,
    category: Category,
    severity: Severity,
    why: String,
    sources: Vec<String>,
    references: Vec<String>,
    no_match: Vec<String>,
    entries: Vec<Entry>,
}

const KEYS: [&str; 7] = [
    "title",
    "category",
    "severity",
    "why",
    "source",
    "reference",
    "no_match",
];

/// The list's rule id from its file name: `rules/probes/iis-admin.txt` → `probe-iis-admin`.
fn list_id(file: &str) -> Option<String> {
    let name = file.rsplit('/').next()?;
    let stem = name.strip_suffix(".txt")?;
    let ok = !stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| format!("{PROBE_RULE_PREFIX}{stem}"))
}

/// Parses one list. Every problem is a warning naming the file and line; a list with any
/// problem is not loaded (a half-read list would flag less than its file says).
fn parse_list(file: &str, text: &str) -> Result<ProbeList, Vec<LoadWarning>> {
    let id = list_id(file);
    let mut problems = Vec::new();
    let mut warn = |line: Option<usize>, message: String| {
        problems.push(LoadWarning {
            file: file.to_string(),
            line,
            rule_id: id.clone(),
            message,
        })
    };
    if id.is_none() {
        warn(
            None,
            "a probe list is named `<kind>.txt`, lowercase letters, digits and `-`".into(),
        );
    }
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((key, value)) = comment.trim().split_once(':')
                && let Some(key) = KEYS.iter().find(|k| **k == key.trim())
            {
                fields.push((key, value.trim().to_string()));
            }
            continue;
        }
        let entry_text = line.split(" #").next().unwrap_or(line).trim();
        match parse_entry(entry_text) {
            Ok(e) if entries.contains(&e) => {
                warn(Some(n + 1), format!("duplicate entry `{entry_text}`"));
            }
            Ok(e) => entries.push(e),
            Err(e) => warn(Some(n + 1), e.to_string()),
        }
    }
    let one = |key: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let many = |key: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, v)| *k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    let mut need = |key: &str| {
        let v = one(key);
        if v.is_none() {
            warn(None, format!("the header has no `# {key}:` line"));
        }
        v.unwrap_or_default()
    };
    let title = need("title");
    let why = need("why");
    let category_name = need("category");
    let severity_name = need("severity");
    let category = Category::from_id(&category_name);
    let severity = Severity::from_name(&severity_name);
    let sources = many("source");
    if category.is_none() && !category_name.is_empty() {
        warn(None, format!("unknown category `{category_name}`"));
    }
    if severity.is_none() && !severity_name.is_empty() {
        warn(None, format!("unknown severity `{severity_name}`"));
    }
    if sources.is_empty() {
        warn(
            None,
            "the header names no `# source:`: say where the paths come from".into(),
        );
    }
    if entries.is_empty() {
        warn(None, "the list has no paths".into());
    }
    match (id, category, severity) {
        (Some(id), Some(category), Some(severity)) if problems.is_empty() => Ok(ProbeList {
            file: file.to_string(),
            id,
            title,
            category,
            severity,
            why,
            sources,
            references: many("reference"),
            no_match: many("no_match"),
            entries,
        }),
        _ => Err(problems),
    }
}

/// The transforms a probe path is compared after: those of the built-in path rules (so the
/// decoded buffer is shared), normalisation included.
const CHAIN: Transforms = Transforms(
    Transforms::URL_DECODE
        | Transforms::HTML
        | Transforms::PATH
        | Transforms::SQUEEZE
        | Transforms::LOWERCASE,
);

fn request(path: &str, status: u16) -> Example {
    let mut req = example::from_line(path);
    req.status = Some(status);
    Example {
        text: format!("GET {path} → {status}"),
        request: req,
    }
}

impl ProbeList {
    fn into_rule(self) -> Rule {
        let (mut equals, mut prefix, mut suffix) = (Vec::new(), Vec::new(), Vec::new());
        for e in &self.entries {
            match e {
                Entry::Exact(p) => equals.push(p.clone()),
                Entry::Dir(p) => {
                    equals.push(p.clone());
                    equals.push(format!("{p}/"));
                }
                Entry::Tree(p) => {
                    equals.push(p.clone());
                    prefix.push(format!("{p}/"));
                }
                Entry::Anywhere(p) => suffix.push(p.clone()),
                Entry::AnywhereDir(p) => {
                    suffix.push(p.clone());
                    suffix.push(format!("{p}/"));
                }
            }
        }
        let mut checks = Vec::new();
        for (op, values) in [
            (Op::Equals, equals),
            (Op::Prefix, prefix),
            (Op::Suffix, suffix),
        ] {
            if !values.is_empty() {
                checks.push(Check {
                    zones: vec![Zone::Path],
                    transforms: CHAIN,
                    op,
                    values,
                    all: false,
                });
            }
        }
        let path_terms: Vec<Expr> = (0..checks.len()).map(Expr::Check).collect();
        checks.push(Check {
            zones: vec![Zone::Status],
            transforms: Transforms(0),
            op: Op::Equals,
            values: PROBE_STATUSES.iter().map(u16::to_string).collect(),
            all: false,
        });
        let condition = Expr::And(vec![Expr::Or(path_terms), Expr::Check(checks.len() - 1)]);

        // Examples: the first entries answered 404, 403 and 410 and the first of every
        // other kind of entry; the first entry served (200, 301); the header's no_match.
        let mut examples_match = Vec::new();
        let mut kinds = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let status = PROBE_STATUSES[[1, 0, 2][i % 3]];
            if i < 3 || !kinds.contains(&e.kind()) {
                examples_match.push(request(&e.example_path(), status));
            }
            kinds.push(e.kind());
        }
        let first = self
            .entries
            .first()
            .map(Entry::example_path)
            .unwrap_or_default();
        let mut examples_no_match = vec![request(&first, 200), request(&first, 301)];
        examples_no_match.extend(self.no_match.iter().map(|p| request(p, 404)));

        let description = format!(
            "A request for one of the {} paths of `{}` answered 403, 404 or 410 (the site does not have it). Paths from: {}.",
            self.entries.len(),
            self.file,
            self.sources.join("; ")
        );
        let mut references = self.sources;
        references.extend(self.references);
        Rule {
            id: self.id,
            title: self.title,
            category: self.category,
            severity: self.severity,
            tool: None,
            description,
            why: self.why,
            references,
            tags: vec![PROBE_TAG.to_string()],
            checks,
            condition,
            window: None,
            examples_match,
            examples_no_match,
            source: RuleSource::Native,
            file: self.file,
        }
    }
}

/// The rules of probe lists given as (path under `rules/`, text).
pub(crate) fn rules_of(lists: &[(&str, &str)]) -> (Vec<Rule>, Vec<LoadWarning>) {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (path, text) in lists {
        match parse_list(&format!("rules/{path}"), text) {
            Ok(list) => rules.push(list.into_rule()),
            Err(w) => warnings.extend(w),
        }
    }
    (rules, warnings)
}

#[cfg(test)]
mod tests;
