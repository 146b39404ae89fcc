//! Sigma rules of logsource category `webserver`, loaded unmodified.
//!
//! Field mapping (W3C extended log names as Sigma uses them → zones; values compared
//! case-insensitively as logged, without extra decoding, as Sigma intends):
//!
//! | Sigma field | zone(s) |
//! |---|---|
//! | `cs-method` | `method` |
//! | `cs-uri-stem` | `path` |
//! | `cs-uri-query`, `cs-uri`, `c-uri` | `uri` (target as logged) and `query` (Sigma rules often put path fragments under `cs-uri-query`) |
//! | `cs-user-agent` | `user_agent` |
//! | `cs-referer` | `referer` |
//! | `sc-status` | `status` |
//! | `cs-host` | `host` |
//! | `c-ip` | `client_ip` |
//! | keywords | `uri`, `query`, `user_agent`, `referer`, `method`, `status` |
//!
//! A field kansoku's `http` records do not have (`cs-username`, `cs-content-type`,
//! `cs-cookie`…) makes its selection false; the rule still loads and a warning names
//! the field. Modifiers: `contains`, `startswith`, `endswith`, `all`, `re` (with `i`,
//! `m`, `s`), `base64`, `base64offset`, `cidr`, `windash`. Conditions: the full grammar
//! (`and`, `or`, `not`, parentheses, `1 of`/`all of`/`any of` with wildcards and `them`);
//! aggregations (`| count()`) are unsupported and reported.
//!
//! Report category: see [`category::for_rule`].

pub mod category;
mod condition;
mod detection;

use serde_yaml::Value;

use crate::error::LoadWarning;
use crate::model::{Rule, RuleSource, Severity};

/// Outcome of reading one Sigma file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Parsed {
    /// A webserver rule, with warnings about parts that can never match.
    Rule(Box<Rule>, Vec<LoadWarning>),
    /// A rule for another log source (ignored).
    NotWebserver,
    /// A webserver rule that cannot be loaded, and exactly why.
    Broken(LoadWarning),
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|i| text(Some(i)))
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Reads one Sigma rule file.
pub fn parse_file(file: &str, src: &str) -> Parsed {
    let doc: Value = match serde_yaml::from_str(src) {
        Ok(v) => v,
        Err(e) => {
            return Parsed::Broken(LoadWarning {
                file: file.into(),
                line: e.location().map(|l| l.line()),
                rule_id: None,
                message: format!("not YAML: {e}"),
            });
        }
    };
    let category = doc
        .get("logsource")
        .and_then(|l| l.get("category"))
        .and_then(Value::as_str);
    if category != Some("webserver") {
        return Parsed::NotWebserver;
    }
    let id = text(doc.get("id"));
    let broken = |message: String| {
        Parsed::Broken(LoadWarning {
            file: file.into(),
            line: None,
            rule_id: (!id.is_empty()).then(|| id.clone()),
            message,
        })
    };
    if id.is_empty() {
        return broken("no `id`".into());
    }
    let Some(detection) = doc.get("detection").and_then(Value::as_mapping) else {
        return broken("no `detection` map".into());
    };
    let built = match detection::build(detection) {
        Ok(b) => b,
        Err(e) => return broken(e),
    };
    let title = text(doc.get("title"));
    let tags = list(doc.get("tags"));
    let description = text(doc.get("description"));
    let category = category::for_rule(&title, &tags);
    let warnings = built
        .unknown_fields
        .iter()
        .map(|f| LoadWarning {
            file: file.into(),
            line: None,
            rule_id: Some(id.clone()),
            message: format!("field `{f}` is not in http records: selections using it never match"),
        })
        .collect();
    let rule = Rule {
        id,
        title,
        category,
        severity: Severity::from_name(&text(doc.get("level"))).unwrap_or(Severity::Medium),
        tool: None,
        description: description.trim().to_string(),
        why: list(doc.get("falsepositives"))
            .iter()
            .map(|f| format!("False positives: {f}"))
            .collect::<Vec<_>>()
            .join("; "),
        references: list(doc.get("references")),
        tags,
        checks: built.checks,
        condition: built.condition,
        window: None,
        examples_match: Vec::new(),
        examples_no_match: Vec::new(),
        source: RuleSource::Sigma,
        file: file.into(),
    };
    Parsed::Rule(Box::new(rule), warnings)
}
