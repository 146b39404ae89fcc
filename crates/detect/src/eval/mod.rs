//! The quality benchmark behind `kansoku eval`: runs the rules over labelled public
//! corpora (`/work/shared/data` layout) and reports, per category, recall, false
//! positives and cost per line.
//!
//! - libinjection `sqli-*.txt` / `xss-*.txt`: each payload as the value of a query
//!   parameter, raw (as the file has it) and URL-encoded once more; recall = share flagged
//!   with the expected category.
//! - libinjection `false_positives.txt`: the same placement; how many are flagged as sqli/xss.
//! - the elastic Apache log (10,000 real lines): every flagged line is listed.
//! - CrowdSec hub tests: each test's log through the rules and windows; a test passes when
//!   a line is flagged with a category its scenario maps to ([`scenario_categories`]).

mod line;
/// EVAL-ONLY combined/ALB/Traefik/Envoy line splitter (the real parsers live in `parse`).
pub use line::split as split_line;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use kansoku_event::{Category, HttpRequest};

pub use report::{CorpusResult, CrowdsecResult, EvalReport, FlaggedLine};

use crate::example::set_target;
use crate::ruleset::{Matcher, RuleSet};
use crate::window::Windows;

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A corpus file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn read(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn payloads(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request carrying `payload` as the value of query parameter `q`.
pub fn payload_request(payload: &str) -> HttpRequest {
    let mut req = HttpRequest {
        tenant: "default".into(),
        method: Some("GET".into()),
        src_ip: Some("198.51.100.7".into()),
        status: Some(200),
        user_agent: Some(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0".into(),
        ),
        ..Default::default()
    };
    set_target(&mut req, &format!("/search?lang=en&q={payload}"));
    req
}

/// Which of our categories a CrowdSec scenario corresponds to (empty: none of ours).
pub fn scenario_categories(scenario: &str) -> Vec<Category> {
    use Category::*;
    let s = scenario
        .rsplit('/')
        .next()
        .unwrap_or(scenario)
        .trim_end_matches(".yaml");
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
        "http-bad-user-agent" | "http-probing" | "ltsich/http-w00tw00t" | "http-w00tw00t" => {
            vec![Scanner]
        }
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

fn flagged_as(req: &HttpRequest, cat: Category) -> bool {
    req.categories.iter().any(|c| c == cat.as_str())
}

fn run_payloads(
    rules: &RuleSet,
    dir: &Path,
    prefix: &str,
    cat: Category,
) -> Result<Vec<CorpusResult>, EvalError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| EvalError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".txt"))
        })
        .collect();
    files.sort();
    let mut m = rules.matcher();
    let mut out = Vec::new();
    for encoded in [false, true] {
        let mut res = CorpusResult::new(
            format!(
                "{prefix}* ({})",
                if encoded { "url-encoded" } else { "raw" }
            ),
            cat,
        );
        let start = Instant::now();
        for f in &files {
            let text = read(f)?;
            for p in payloads(&text) {
                let req = matched_payload(&mut m, p, encoded);
                res.total += 1;
                if flagged_as(&req, cat) {
                    res.hits += 1;
                } else if res.misses.len() < 400 {
                    res.misses.push(p.to_string());
                }
            }
        }
        res.nanos = start.elapsed().as_nanos();
        out.push(res);
    }
    Ok(out)
}

/// The payload placed in a query parameter (URL-encoded or raw), after matching.
fn matched_payload(m: &mut Matcher, payload: &str, encoded: bool) -> HttpRequest {
    let value = if encoded {
        percent_encode(payload)
    } else {
        payload.to_string()
    };
    let mut req = payload_request(&value);
    m.apply(&mut req);
    req
}

/// Runs the whole benchmark over `data` (the folder holding `payloads/`, `access-logs/`
/// and `crowdsec-hub-tests/`) with `rules`.
pub fn run(rules: &RuleSet, data: &Path) -> Result<EvalReport, EvalError> {
    let lib = data.join("payloads/libinjection");
    let mut report = EvalReport::default();
    report
        .corpora
        .extend(run_payloads(rules, &lib, "sqli-", Category::Sqli)?);
    report
        .corpora
        .extend(run_payloads(rules, &lib, "xss-", Category::Xss)?);

    let mut m = rules.matcher();
    let fp_text = read(&lib.join("false_positives.txt"))?;
    for cat in [Category::Sqli, Category::Xss] {
        for encoded in [false, true] {
            let how = if encoded { "url-encoded" } else { "raw" };
            let mut res = CorpusResult::new(format!("false_positives ({how})"), cat);
            let start = Instant::now();
            for p in payloads(&fp_text) {
                let req = matched_payload(&mut m, p, encoded);
                res.total += 1;
                if flagged_as(&req, cat) {
                    res.hits += 1;
                    res.misses
                        .push(format!("{p}  → {}", req.rule_ids.join(",")));
                }
            }
            res.nanos = start.elapsed().as_nanos();
            report.false_positives.push(res);
        }
    }

    let elastic = read(&data.join("access-logs/elastic-apache_logs.log"))?;
    let mut windows = Windows::new(rules);
    let start = Instant::now();
    for (n, l) in elastic.lines().enumerate() {
        let Some(mut req) = line::split(l, n as u64 + 1) else {
            continue;
        };
        m.apply(&mut req);
        windows.observe(&mut req);
        report.elastic_lines += 1;
        if !req.categories.is_empty() {
            report.elastic_flagged.push(FlaggedLine {
                line: n + 1,
                text: l.to_string(),
                categories: req.categories,
                rule_ids: req.rule_ids,
            });
        }
    }
    report.elastic_nanos = start.elapsed().as_nanos();

    let hub = data.join("crowdsec-hub-tests");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&hub)
        .map_err(|source| EvalError::Io {
            path: hub.clone(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("config.yaml").exists())
        .collect();
    tests.sort();
    for t in tests {
        let config = read(&t.join("config.yaml"))?;
        let scenarios: Vec<String> = config
            .lines()
            .skip_while(|l| !l.starts_with("scenarios:"))
            .skip(1)
            .take_while(|l| l.starts_with("- ") || l.starts_with("  -"))
            .map(|l| l.trim().trim_start_matches("- ").trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let log_file = config
            .lines()
            .find_map(|l| l.strip_prefix("log_file:"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let name = t
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        for scenario in scenarios {
            let expected = scenario_categories(&scenario);
            if expected.is_empty() {
                continue;
            }
            let text = read(&t.join(&log_file)).unwrap_or_default();
            let mut windows = Windows::new(rules);
            let mut res = CrowdsecResult {
                test: name.clone(),
                scenario: scenario.clone(),
                expected: expected.clone(),
                ..Default::default()
            };
            for (n, l) in text.lines().enumerate() {
                let Some(mut req) = line::split(l, n as u64 + 1) else {
                    continue;
                };
                res.lines += 1;
                m.apply(&mut req);
                windows.observe(&mut req);
                if expected.iter().any(|c| flagged_as(&req, *c)) {
                    res.flagged += 1;
                } else if res.missed.len() < 3 {
                    res.missed.push(l.chars().take(200).collect());
                }
            }
            report.crowdsec.push(res);
        }
    }
    Ok(report)
}
