//! The quality benchmark behind `kansoku eval`: runs the rules over labelled public
//! corpora (`../shared/data` layout) and reports, per category, recall, false positives
//! and cost per line; [`floors`] holds the figures to the checked-in floors
//! (`rules/eval-floors.toml`) so that a regression fails CI.
//!
//! - libinjection `sqli-*.txt` / `xss-*.txt`: each payload as the value of a query
//!   parameter, raw (as the file has it) and URL-encoded once more; recall = share flagged
//!   with the expected category.
//! - libinjection `false_positives.txt`: the same placement; how many are flagged as sqli/xss.
//! - the elastic Apache log (10,000 real lines): every flagged line is listed, those a
//!   probe list flagged (`rules/probes/`) counted apart from the rest.
//! - CrowdSec hub tests ([`crowdsec`]): every scenario entry counted, each held to the
//!   hub's own `scenario.assert`.
//!
//! Logs are read by the production parsers, through a [`LogReader`] the caller supplies:
//! this crate depends on `event` only, and the CLI (which has `parse`) passes one.
//!
//! ```
//! use kansoku_detect::eval::{LogReader, ReadLog};
//!
//! /// Reads nothing: every hub test is then reported as not evaluable, with this reason.
//! struct NoParsers;
//! impl LogReader for NoParsers {
//!     fn read(&self, log_type: &str, _text: &str) -> Result<ReadLog, String> {
//!         Err(format!("no kansoku parser for {log_type} logs"))
//!     }
//! }
//! ```

pub mod crowdsec;
pub mod floors;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use kansoku_event::{Category, HttpRequest};

pub use report::{
    CorpusResult, CrowdsecOutcome, CrowdsecResult, CrsConformance, EvalReport, FlaggedLine,
};

use crate::example::set_target;
use crate::probes::is_probe_rule;
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
    /// A corpus file is not in the shape its source publishes.
    #[error("cannot read {path}: {message}")]
    Format {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Turns a corpus log into requests with kansoku's production parsers.
pub trait LogReader {
    /// The requests of `text`, a log of kind `log_type` (CrowdSec's names: `nginx`,
    /// `apache2`, `aws-alb`, `syslog`, …), or why kansoku cannot read such logs.
    fn read(&self, log_type: &str, text: &str) -> Result<ReadLog, String>;
}

/// A log read by a [`LogReader`].
#[derive(Debug, Clone, Default)]
pub struct ReadLog {
    /// The requests, each with its 1-based `source_line`.
    pub requests: Vec<HttpRequest>,
    /// Lines the parser rejected.
    pub rejected: usize,
}

pub(crate) fn read(path: &Path) -> Result<String, EvalError> {
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
/// and `crowdsec-hub-tests/`) with `rules`, reading logs with `reader`.
pub fn run(rules: &RuleSet, data: &Path, reader: &dyn LogReader) -> Result<EvalReport, EvalError> {
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

    let elastic_path = data.join("access-logs/elastic-apache_logs.log");
    let elastic = read(&elastic_path)?;
    let log = reader
        .read("apache2", &elastic)
        .map_err(|message| EvalError::Format {
            path: elastic_path,
            message,
        })?;
    let lines: Vec<&str> = elastic.lines().collect();
    let mut windows = Windows::new(rules);
    let start = Instant::now();
    for mut req in log.requests {
        m.apply(&mut req);
        windows.observe(&mut req);
        report.elastic_lines += 1;
        if !req.categories.is_empty() {
            let line = req.source_line as usize;
            report.elastic_flagged.push(FlaggedLine {
                line,
                text: lines
                    .get(line.wrapping_sub(1))
                    .copied()
                    .unwrap_or("")
                    .to_string(),
                probe: req.rule_ids.iter().any(|id| is_probe_rule(id)),
                categories: req.categories,
                rule_ids: req.rule_ids,
            });
        }
    }
    report.elastic_rejected = log.rejected;
    report.elastic_nanos = start.elapsed().as_nanos();

    report.crowdsec = crowdsec::run(rules, &data.join("crowdsec-hub-tests"), reader)?;
    if let Some(crs) = rules.crs() {
        report.crs = Some(crs_conformance(
            crs.dir(),
            &data.join("crs-3.3.4-regression-tests/tests/regression/tests"),
        )?);
    }
    Ok(report)
}

/// CRS's own regression tests on the stages a log can show, run as CRS's CI runs them:
/// paranoia level 4, with the argument limits and UTF-8 check crs-setup.conf offers.
pub fn crs_conformance(crs_dir: &Path, tests: &Path) -> Result<CrsConformance, EvalError> {
    use kansoku_crs::conformance::{self, Suite};
    let opts = kansoku_crs::LoadOptions {
        paranoia_level: 4,
        extra: Some(CONFORMANCE_SETTINGS.into()),
        ..kansoku_crs::LoadOptions::default()
    };
    let crs = kansoku_crs::Crs::load(crs_dir, &opts).map_err(|e| EvalError::Format {
        path: crs_dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let suite = Suite::read(tests, &crs).map_err(|e| EvalError::Format {
        path: tests.to_path_buf(),
        message: e.to_string(),
    })?;
    let outcomes = conformance::run(&crs, &suite);
    let failures = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| {
            let s = &suite.stages[o.stage];
            format!(
                "{}: missing {:?} unwanted {:?}",
                s.title, o.missing, o.unwanted
            )
        })
        .collect();
    Ok(CrsConformance {
        files: conformance::tally(&suite, &outcomes).into_iter().collect(),
        failures,
    })
}

/// What CRS's test setup turns on that Debian's crs-setup.conf leaves commented out.
pub const CONFORMANCE_SETTINGS: &str = "SecAction \"id:9000001,phase:1,nolog,pass,t:none,\
    setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.max_num_args=255,\
    setvar:tx.arg_name_length=100,setvar:tx.arg_length=400,setvar:tx.total_arg_length=64000\"";
