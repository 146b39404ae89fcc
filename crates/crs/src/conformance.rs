//! CRS's own regression tests (the go-ftw / ftw YAML format), run on the stages a log can
//! show. A stage is run when the request it sends is one kansoku would rebuild from a log
//! line: method, target and protocol; the headers access logs carry (Host, User-Agent,
//! Referer); and a form body, as a WAF audit log carries it. Content negotiation headers
//! (Accept, Accept-Encoding, Connection, ...) and a form body's Content-Type and
//! Content-Length are dropped, as a log drops them, unless the rule under test reads them
//! or (for a rule that reads every header) their value is unusual, i.e. the payload. Every
//! other stage is counted as skipped, with its reason.
//!
//! A stage passes when every rule id its `log_contains` names is logged and no id its
//! `no_log_contains` names is.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::rule::{Selector, Var};
use crate::{Crs, Request, Scratch};

/// Headers an access log shows.
const LOG_HEADERS: &[&str] = &["host", "user-agent", "referer"];
/// Headers a log drops that only negotiate the response.
const NEGOTIATION_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "connection",
    "keep-alive",
    "proxy-connection",
    "cache-control",
    "pragma",
    "te",
    "upgrade-insecure-requests",
];

/// One runnable stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The test file (e.g. `REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml`).
    pub file: String,
    /// The rule file it tests (the folder name).
    pub rule_file: String,
    /// `test_title`.
    pub title: String,
    /// Method.
    pub method: Vec<u8>,
    /// Request target.
    pub uri: Vec<u8>,
    /// Protocol.
    pub version: Vec<u8>,
    /// Log-visible headers.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Form body.
    pub body: Option<Vec<u8>>,
    /// Ids that must be logged.
    pub expect: Vec<u32>,
    /// Ids that must not.
    pub forbid: Vec<u32>,
}

/// A stage not run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// The test file.
    pub file: String,
    /// The rule file it tests.
    pub rule_file: String,
    /// `test_title`.
    pub title: String,
    /// Why a log cannot show it.
    pub reason: String,
}

/// Every stage of a regression test folder, split into runnable and skipped.
#[derive(Debug, Default)]
pub struct Suite {
    /// Stages run.
    pub stages: Vec<Stage>,
    /// Stages skipped, with reasons.
    pub skipped: Vec<Skipped>,
}

/// Why the tests could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A test file is not YAML.
    #[error("{path}: {source}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_yaml::Error,
    },
    /// No test was found.
    #[error("{0}: no regression test files (*.yaml) found")]
    Empty(PathBuf),
}

/// Raw stage read from YAML before the log-visibility decision.
struct RawStage {
    file: String,
    rule_file: String,
    title: String,
    input: Value,
    expect: Vec<u32>,
    forbid: Vec<u32>,
}

impl Suite {
    /// Reads every `*.yaml` under `dir` and decides, with the rules of `crs` (which
    /// headers the rule under test reads), which stages a log can show.
    pub fn read(dir: &Path, crs: &Crs) -> Result<Suite, SuiteError> {
        let mut files = Vec::new();
        collect(dir, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(SuiteError::Empty(dir.to_path_buf()));
        }
        let mut raw = Vec::new();
        for path in &files {
            let text = std::fs::read(path).map_err(|source| SuiteError::Read {
                path: path.clone(),
                source,
            })?;
            let doc: Value = serde_yaml::from_slice(&text).map_err(|source| SuiteError::Yaml {
                path: path.clone(),
                source,
            })?;
            let rel = path.strip_prefix(dir).unwrap_or(path);
            let file = rel.display().to_string();
            let rule_file = rel
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for test in seq(doc.get("tests")) {
                let title = str_of(test.get("test_title")).unwrap_or_default();
                for stage in seq(test.get("stages")) {
                    let stage = stage.get("stage").unwrap_or(stage);
                    let input = stage.get("input").cloned().unwrap_or(Value::Null);
                    let output = stage.get("output").cloned().unwrap_or(Value::Null);
                    raw.push(RawStage {
                        file: file.clone(),
                        rule_file: rule_file.clone(),
                        title: title.clone(),
                        input,
                        expect: ids(str_of(output.get("log_contains")).as_deref()),
                        forbid: ids(str_of(output.get("no_log_contains")).as_deref()),
                    });
                }
            }
        }
        // How often each (header, value) appears: a value seen fewer than five times in
        // the whole corpus is taken as the test's payload, not as a client's default.
        let mut common: HashMap<(String, String), usize> = HashMap::new();
        for r in &raw {
            if let Some(Value::Mapping(h)) = r.input.get("headers") {
                for (k, v) in h {
                    if let (Some(k), Some(v)) = (k.as_str(), str_of(Some(v))) {
                        *common.entry((k.to_ascii_lowercase(), v)).or_default() += 1;
                    }
                }
            }
        }
        let reads = header_reads(crs);
        let mut suite = Suite::default();
        for r in raw {
            match visible(&r, &crs.report().invisible_headers, &reads, &common) {
                Ok(stage) => suite.stages.push(stage),
                Err(reason) => suite.skipped.push(Skipped {
                    file: r.file,
                    rule_file: r.rule_file,
                    title: r.title,
                    reason: reason.to_string(),
                }),
            }
        }
        Ok(suite)
    }
}

/// What a rule reads of the request headers: named headers, and whether it reads all.
#[derive(Default)]
struct HeaderReads {
    named: HashSet<String>,
    all: bool,
}

fn header_reads(crs: &Crs) -> HashMap<u32, HeaderReads> {
    let mut out: HashMap<u32, HeaderReads> = HashMap::new();
    for (id, h) in &crs.report().dropped_header_targets {
        out.entry(*id).or_default().named.insert(h.clone());
    }
    for rule in crs.rules() {
        let entry = out.entry(rule.id).or_default();
        for link in &rule.links {
            for t in &link.targets {
                if !matches!(t.var, Var::RequestHeaders | Var::RequestHeadersNames) {
                    continue;
                }
                match &t.selector {
                    Selector::Key(k) => {
                        entry.named.insert(k.clone());
                    }
                    _ => entry.all = true,
                }
            }
        }
    }
    out
}

/// Why a log cannot show a stage.
#[derive(Debug, thiserror::Error)]
enum NotVisible {
    #[error("no rule id expected or forbidden")]
    NoExpectation,
    #[error("raw request (not a parsed request a log shows)")]
    RawRequest,
    #[error("multi-part body")]
    MultiPartBody,
    #[error("rule {0} is off for logs: it {1}")]
    RuleOff(u32, String),
    #[error("body of type {0}")]
    BodyType(String),
    #[error("header {0} (not in logs)")]
    Header(String),
    #[error("the rule under test reads {0}, which logs drop")]
    ReadsDropped(String),
    #[error("unusual {0} value (the payload) read by a rule that logs drop")]
    UnusualValue(String),
}

fn visible(
    r: &RawStage,
    blind: &[(u32, String)],
    reads: &HashMap<u32, HeaderReads>,
    common: &HashMap<(String, String), usize>,
) -> Result<Stage, NotVisible> {
    if r.expect.is_empty() && r.forbid.is_empty() {
        return Err(NotVisible::NoExpectation);
    }
    let input = &r.input;
    if input.get("raw_request").is_some() || input.get("encoded_request").is_some() {
        return Err(NotVisible::RawRequest);
    }
    let method = str_of(input.get("method")).unwrap_or_else(|| "GET".into());
    let uri = str_of(input.get("uri")).unwrap_or_else(|| "/".into());
    let version = str_of(input.get("version")).unwrap_or_else(|| "HTTP/1.1".into());
    let body = match input.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(NotVisible::MultiPartBody),
    };
    let under_test: Vec<u32> = r.expect.iter().chain(&r.forbid).copied().collect();
    if let Some((id, why)) = blind.iter().find(|(id, _)| r.expect.contains(id)) {
        return Err(NotVisible::RuleOff(*id, why.clone()));
    }
    let reads_header = |h: &str| {
        under_test
            .iter()
            .any(|id| reads.get(id).is_some_and(|x| x.named.contains(h)))
    };
    let reads_all = under_test
        .iter()
        .any(|id| reads.get(id).is_some_and(|x| x.all));
    let mut headers = Vec::new();
    if let Some(Value::Mapping(h)) = input.get("headers") {
        for (k, v) in h {
            let (Some(k), Some(v)) = (k.as_str(), str_of(Some(v))) else {
                continue;
            };
            let lower = k.to_ascii_lowercase();
            if LOG_HEADERS.contains(&lower.as_str()) {
                headers.push((k.as_bytes().to_vec(), v.into_bytes()));
                continue;
            }
            let body_header = matches!(lower.as_str(), "content-type" | "content-length");
            if body_header && body.is_some() {
                if lower == "content-type"
                    && !v
                        .to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded")
                {
                    return Err(NotVisible::BodyType(v));
                }
            } else if !NEGOTIATION_HEADERS.contains(&lower.as_str()) {
                return Err(NotVisible::Header(k.to_owned()));
            }
            if reads_header(&lower) {
                return Err(NotVisible::ReadsDropped(k.to_owned()));
            }
            let seen = common.get(&(lower, v.clone())).copied().unwrap_or(0);
            if reads_all && seen < 5 {
                return Err(NotVisible::UnusualValue(k.to_owned()));
            }
        }
    }
    Ok(Stage {
        file: r.file.clone(),
        rule_file: r.rule_file.clone(),
        title: r.title.clone(),
        method: method.into_bytes(),
        uri: uri.into_bytes(),
        version: version.into_bytes(),
        headers,
        body: body.map(String::into_bytes),
        expect: r.expect.clone(),
        forbid: r.forbid.clone(),
    })
}

/// The outcome of one stage.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Index into [`Suite::stages`].
    pub stage: usize,
    /// Whether it passed.
    pub passed: bool,
    /// Expected ids not logged.
    pub missing: Vec<u32>,
    /// Forbidden ids logged.
    pub unwanted: Vec<u32>,
}

/// Per rule file: stages passed, run and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Stages passed.
    pub passed: usize,
    /// Stages run.
    pub run: usize,
    /// Stages skipped as not log-visible.
    pub skipped: usize,
}

/// Runs every stage; returns the outcome of each.
pub fn run(crs: &Crs, suite: &Suite) -> Vec<Outcome> {
    let mut scratch = Scratch::default();
    suite
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let headers = s
                .headers
                .iter()
                .map(|(k, v)| (k.as_slice(), v.as_slice()))
                .collect();
            let req = Request {
                method: &s.method,
                uri: &s.uri,
                protocol: &s.version,
                headers,
                body: s.body.as_deref(),
                remote_addr: b"127.0.0.1",
                status: None,
            };
            let verdict = crs.evaluate(&req, &mut scratch);
            let logged: HashSet<u32> = verdict.matches.iter().map(|m| m.id).collect();
            let missing: Vec<u32> = s
                .expect
                .iter()
                .copied()
                .filter(|id| !logged.contains(id))
                .collect();
            let unwanted: Vec<u32> = s
                .forbid
                .iter()
                .copied()
                .filter(|id| logged.contains(id))
                .collect();
            Outcome {
                stage: i,
                passed: missing.is_empty() && unwanted.is_empty(),
                missing,
                unwanted,
            }
        })
        .collect()
}

/// Tallies outcomes per rule file (skips included).
pub fn tally(suite: &Suite, outcomes: &[Outcome]) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for o in outcomes {
        let t = out
            .entry(suite.stages[o.stage].rule_file.clone())
            .or_default();
        t.run += 1;
        t.passed += usize::from(o.passed);
    }
    for s in &suite.skipped {
        out.entry(s.rule_file.clone()).or_default().skipped += 1;
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SuiteError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

fn seq(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_sequence)
        .map(|s| s.iter())
        .into_iter()
        .flatten()
}

fn str_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Every run of six digits in an expectation (`id "942100"`).
fn ids(s: Option<&str>) -> Vec<u32> {
    let Some(s) = s else {
        return Vec::new();
    };
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6
                && let Ok(n) = s[start..i].parse()
            {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectation_ids() {
        assert_eq!(ids(Some("id \"942100\"")), vec![942100]);
        assert_eq!(ids(Some("id:920100")), vec![920100]);
        assert_eq!(ids(Some("id \"skeletonid\"")), Vec::<u32>::new());
        assert_eq!(ids(None), Vec::<u32>::new());
    }
}
