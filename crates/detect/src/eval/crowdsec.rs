//! CrowdSec hub tests as a recall corpus, judged by the hub's own expectations.
//!
//! Every scenario entry of every test's `config.yaml` is counted (quoted names included);
//! an entry that cannot be evaluated stays in the denominator with its reason. An entry is
//! evaluated when kansoku reads the test's log type and the scenario maps to one of our
//! categories. Its expectation comes from `scenario.assert`: the results raised by that
//! scenario and, in each, the events (requests) it holds, found in the log by request
//! path and source address. It passes when every one of those lines is flagged with one of
//! the scenario's categories; when the hub expects nothing from it, when no line is.

use std::path::Path;

use kansoku_event::{Category, HttpRequest};
use serde::Deserialize;

use super::{EvalError, LogReader, read};
use crate::ruleset::RuleSet;
use crate::window::Windows;

pub use super::report::{CrowdsecOutcome, CrowdsecResult};

/// Which of our categories a CrowdSec scenario corresponds to (empty: none of ours).
pub fn scenario_categories(scenario: &str) -> Vec<Category> {
    use Category::*;
    let s = scenario.rsplit('/').next().unwrap_or(scenario);
    match s {
        "http-sqli-probing" => vec![Sqli],
        "http-xss-probing" => vec![Xss],
        "http-path-traversal-probing"
        | "grafana-cve-2021-43798"
        | "jira_cve-2021-26086"
        | "pulse-secure-sslvpn-cve-2019-11510" => {
            vec![PathTraversal]
        }
        "http-sensitive-files" | "CVE-2023-49103" => vec![CredentialProbe],
        "http-bad-user-agent" | "http-probing" | "http-w00tw00t" => vec![Scanner],
        "apache_log4j2_cve-2021-44228" => vec![Log4shell],
        "fortinet-cve-2018-13379" => vec![FortiosSslvpn],
        "http-wordpress_wpconfig" => vec![WordpressConfig],
        "http-admin-interface-probing" => vec![AdminIis, AdminOracle, Scanner],
        "http-backdoors-attempts" => vec![Webshell],
        "http-cve-2021-41773" | "http-cve-2021-42013" | "f5-big-ip-cve-2020-5902" => {
            vec![PathTraversal, Rce]
        }
        "CVE-2017-9841"
        | "CVE-2022-26134"
        | "CVE-2022-42889"
        | "CVE-2022-44877"
        | "CVE-2022-46169"
        | "spring4shell_cve-2022-22965"
        | "thinkphp-cve-2018-20062"
        | "vmware-cve-2022-22954"
        | "CVE-2022-35914"
        | "CVE-2024-9474" => vec![Rce],
        _ => Vec::new(),
    }
}

/// A scenario as the hub names it in results (`crowdsecurity/http-probing`), from a
/// `config.yaml` entry, which may also be a path (`./scenarios/crowdsecurity/X.yaml`).
pub fn scenario_name(entry: &str) -> String {
    let s = entry.trim().trim_matches('"').trim();
    let s = s.strip_prefix("./").unwrap_or(s);
    let s = s.strip_prefix("scenarios/").unwrap_or(s);
    let s = s
        .strip_suffix(".yaml")
        .or_else(|| s.strip_suffix(".yml"))
        .unwrap_or(s);
    s.to_string()
}

/// The parts of a hub test's `config.yaml` the benchmark reads (the hub's format: unknown
/// keys are allowed).
#[derive(Debug, Default, Deserialize)]
struct TestConfig {
    #[serde(default)]
    scenarios: Vec<String>,
    #[serde(default)]
    log_file: String,
    #[serde(default)]
    log_type: String,
}

/// One request the hub expects a scenario's result to hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedEvent {
    /// `http_path` as the log has it (request target, or the whole request when malformed).
    pub path: Option<String>,
    /// `source_ip`.
    pub source_ip: Option<String>,
}

/// What `scenario.assert` says: the results, each with its scenario and events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expectation {
    /// `len(results) == N`, when stated.
    pub count: Option<usize>,
    /// Per result: its scenario (when stated) and its events, in order.
    pub results: Vec<(Option<String>, Vec<ExpectedEvent>)>,
}

impl Expectation {
    /// Reads the lines of a `scenario.assert` that locate requests; other lines (bucket
    /// metadata, remediation, sources) say nothing a per-request detector can be held to.
    pub fn parse(text: &str) -> Expectation {
        let mut e = Expectation::default();
        for line in text.lines().map(str::trim) {
            if let Some(n) = line.strip_prefix("len(results) == ") {
                e.count = n.trim().parse().ok();
                continue;
            }
            let Some(rest) = line.strip_prefix("results[") else {
                continue;
            };
            let Some((i, rest)) = rest.split_once(']') else {
                continue;
            };
            let Ok(i) = i.parse::<usize>() else { continue };
            if e.results.len() <= i {
                e.results.resize(i + 1, (None, Vec::new()));
            }
            if let Some(v) = rest.strip_prefix(".Overflow.Alert.GetScenario() == ") {
                e.results[i].0 = Some(go_string(v));
            } else if let Some(rest) = rest.strip_prefix(".Overflow.Alert.Events[") {
                let Some((j, rest)) = rest.split_once(']') else {
                    continue;
                };
                let Ok(j) = j.parse::<usize>() else { continue };
                let Some((key, value)) = rest
                    .strip_prefix(".GetMeta(\"")
                    .and_then(|r| r.split_once("\") == "))
                else {
                    continue;
                };
                let events = &mut e.results[i].1;
                if events.len() <= j {
                    events.resize(j + 1, ExpectedEvent::default());
                }
                match key {
                    "http_path" => events[j].path = Some(go_string(value)),
                    "source_ip" => events[j].source_ip = Some(go_string(value)),
                    _ => {}
                }
            }
        }
        e
    }

    /// The events `scenario` must raise. A scenario file may define several scenarios
    /// under names of their own (`CVE-2022-46169.yaml` raises `…-cmd` and `…-bf`), so a
    /// test feeding one file owns every result; in a test feeding several, a result
    /// belongs to the entry its name starts with. `None` when a result names no scenario
    /// and the test feeds several.
    fn events_of(&self, scenario: &str, only_scenario: bool) -> Option<Vec<ExpectedEvent>> {
        let mut out = Vec::new();
        for (name, events) in &self.results {
            match name {
                _ if only_scenario => out.extend(events.iter().cloned()),
                Some(n) if n.starts_with(scenario) => out.extend(events.iter().cloned()),
                Some(_) => {}
                None => return None,
            }
        }
        Some(out)
    }
}

/// A Go string literal's content (`"a\\x00"` → `a\x00`, as the log line has it).
fn go_string(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('\\' | '"')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The 1-based numbers of the lines holding `event`: its path as a whole token (between
/// quotes, spaces or the line's ends) and its source address.
fn lines_of(log: &str, event: &ExpectedEvent) -> Vec<u64> {
    let Some(path) = event.path.as_deref().filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let bounded = |line: &str| {
        line.match_indices(path).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + path.len()..].chars().next();
            matches!(before, None | Some('"' | ' ')) && matches!(after, None | Some('"' | ' '))
        })
    };
    log.lines()
        .enumerate()
        .filter(|(_, l)| bounded(l))
        .filter(|(_, l)| event.source_ip.as_deref().is_none_or(|ip| l.contains(ip)))
        .map(|(n, _)| n as u64 + 1)
        .collect()
}

/// Runs every hub test under `hub` (folders with a `config.yaml`), one result per
/// scenario entry, evaluable or not.
pub fn run(
    rules: &RuleSet,
    hub: &Path,
    reader: &dyn LogReader,
) -> Result<Vec<CrowdsecResult>, EvalError> {
    let mut tests: Vec<_> = std::fs::read_dir(hub)
        .map_err(|source| EvalError::Io {
            path: hub.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("config.yaml").exists())
        .collect();
    tests.sort();
    let mut out = Vec::new();
    for t in tests {
        out.extend(run_test(rules, &t, reader)?);
    }
    Ok(out)
}

fn run_test(
    rules: &RuleSet,
    dir: &Path,
    reader: &dyn LogReader,
) -> Result<Vec<CrowdsecResult>, EvalError> {
    let test = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let config_path = dir.join("config.yaml");
    let config: TestConfig =
        serde_yaml::from_str(&read(&config_path)?).map_err(|e| EvalError::Format {
            path: config_path.clone(),
            message: e.to_string(),
        })?;
    // `""` entries are the hub's parser-only tests: no scenario to count.
    let scenarios: Vec<String> = config
        .scenarios
        .iter()
        .map(|s| scenario_name(s))
        .filter(|s| !s.is_empty())
        .collect();
    if scenarios.is_empty() {
        return Ok(Vec::new());
    }
    let assert_path = dir.join("scenario.assert");
    let expectation = if assert_path.exists() {
        Some(Expectation::parse(&read(&assert_path)?))
    } else {
        None
    };
    let log = read(&dir.join(&config.log_file))?;
    let parsed = reader.read(&config.log_type, &log);
    let mut out = Vec::new();
    for scenario in &scenarios {
        let expected = scenario_categories(scenario);
        let mut res = CrowdsecResult {
            test: test.clone(),
            scenario: scenario.clone(),
            expected: expected.clone(),
            outcome: CrowdsecOutcome::NotEvaluable(String::new()),
        };
        let events = match &expectation {
            None => Err("the test has no scenario.assert".to_string()),
            Some(e) => e.events_of(scenario, scenarios.len() == 1).ok_or_else(|| {
                "scenario.assert does not say which scenario raised which result".to_string()
            }),
        };
        res.outcome = match (&parsed, expected.is_empty(), events) {
            (Err(why), _, _) => CrowdsecOutcome::NotEvaluable(why.clone()),
            (_, true, _) => {
                CrowdsecOutcome::NotEvaluable("the scenario maps to no kansoku category".into())
            }
            (_, _, Err(why)) => CrowdsecOutcome::NotEvaluable(why),
            (Ok(read), false, Ok(events)) => judge(rules, read, &log, &events, &expected),
        };
        out.push(res);
    }
    Ok(out)
}

/// Flags the log's requests and holds them to the expected events.
fn judge(
    rules: &RuleSet,
    read: &super::ReadLog,
    log: &str,
    events: &[ExpectedEvent],
    expected: &[Category],
) -> CrowdsecOutcome {
    if !events.is_empty() && events.iter().all(|e| e.path.is_none()) {
        return CrowdsecOutcome::NotEvaluable(
            "scenario.assert names no request path to find its lines by".into(),
        );
    }
    let mut m = rules.matcher();
    let mut windows = Windows::new(rules);
    let mut flagged_lines = std::collections::HashSet::new();
    for req in &read.requests {
        let mut req: HttpRequest = req.clone();
        m.apply(&mut req);
        windows.observe(&mut req);
        if expected
            .iter()
            .any(|c| req.categories.iter().any(|g| g == c.as_str()))
        {
            flagged_lines.insert(req.source_line);
        }
    }
    let mut flagged_expected = 0;
    let mut missed = Vec::new();
    for e in events {
        let lines = lines_of(log, e);
        if lines.iter().any(|n| flagged_lines.contains(n)) {
            flagged_expected += 1;
        } else if missed.len() < 3 {
            let path = e.path.as_deref().unwrap_or("");
            let path: String = path.chars().take(160).collect();
            missed.push(if lines.is_empty() {
                format!("{path} (not found in the log)")
            } else {
                path
            });
        }
    }
    CrowdsecOutcome::Evaluated {
        requests: read.requests.len(),
        rejected: read.rejected,
        expected_lines: events.len(),
        flagged_expected,
        flagged_total: flagged_lines.len(),
        missed,
    }
}

#[cfg(test)]
mod tests;
