//! The native YAML rule format (one rule per YAML document; a file may hold several,
//! separated by `---`). See `rules/README.md` for the field reference.

use std::collections::BTreeMap;

use kansoku_event::{Category, HttpRequest};
use serde::Deserialize;

use crate::error::LoadWarning;
use crate::example;
use crate::model::{
    Check, Example, Expr, Op, Rule, RuleSource, Severity, Transforms, Window, Zone,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDoc {
    id: String,
    title: String,
    category: String,
    severity: String,
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    zones: Option<Vec<String>>,
    #[serde(default)]
    transforms: Option<Vec<String>>,
    #[serde(default)]
    condition: Option<String>,
    matchers: Vec<MatcherDoc>,
    #[serde(default)]
    window: Option<WindowDoc>,
    #[serde(default)]
    examples: ExamplesDoc,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatcherDoc {
    #[serde(default)]
    zones: Option<Vec<String>>,
    #[serde(default)]
    transforms: Option<Vec<String>>,
    #[serde(default)]
    contains: Option<OneOrMany>,
    #[serde(default)]
    prefix: Option<OneOrMany>,
    #[serde(default)]
    suffix: Option<OneOrMany>,
    #[serde(default)]
    equals: Option<OneOrMany>,
    #[serde(default)]
    regex: Option<OneOrMany>,
    #[serde(default)]
    list: Option<Vec<String>>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    not: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowDoc {
    span: String,
    threshold: usize,
    #[serde(default)]
    distinct: Option<String>,
    #[serde(default)]
    status: Vec<u16>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExamplesDoc {
    #[serde(default, rename = "match")]
    must_match: Vec<ExampleDoc>,
    #[serde(default)]
    no_match: Vec<ExampleDoc>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ExampleDoc {
    Line(String),
    Fields(BTreeMap<String, serde_yaml::Value>),
}

/// Parses every rule in one native YAML file. Each broken document becomes a warning
/// naming the file, its line and (when readable) the rule id.
pub fn parse_file(file: &str, text: &str) -> (Vec<Rule>, Vec<LoadWarning>) {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (start_line, doc) in split_documents(text) {
        if doc
            .trim()
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            continue;
        }
        let warn = |line: Option<usize>, message: String| LoadWarning {
            file: file.to_string(),
            line: line.or(Some(start_line)),
            rule_id: scan_id(doc),
            message,
        };
        match serde_yaml::from_str::<RuleDoc>(doc) {
            Ok(parsed) => match build(parsed, file) {
                Ok(rule) => rules.push(rule),
                Err(message) => warnings.push(warn(None, message)),
            },
            Err(e) => {
                let line = e.location().map(|l| start_line + l.line() - 1);
                warnings.push(warn(line, e.to_string()));
            }
        }
    }
    (rules, warnings)
}

/// Splits a multi-document YAML text at `---` lines, with each document's first line.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            docs.push((start_line, &text[start..offset]));
            start = offset + line.len();
            start_line = n + 2;
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start..]));
    docs
}

fn scan_id(doc: &str) -> Option<String> {
    doc.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
}

fn parse_zones(names: &[String]) -> Result<Vec<Zone>, String> {
    names
        .iter()
        .map(|n| Zone::from_name(n).ok_or_else(|| format!("unknown zone `{n}`")))
        .collect()
}

fn parse_transforms(names: &[String]) -> Result<Transforms, String> {
    let mut t = 0;
    for n in names {
        if n == "none" {
            continue;
        }
        t |= Transforms::flag(n).ok_or_else(|| format!("unknown transform `{n}`"))?;
    }
    Ok(Transforms(t))
}

/// Parses `30s`, `5m`, `2h` (or bare seconds) into microseconds.
pub fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let (num, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult)?.checked_mul(1_000_000)
}

fn build(doc: RuleDoc, file: &str) -> Result<Rule, String> {
    let category = Category::from_id(&doc.category)
        .ok_or_else(|| format!("unknown category `{}`", doc.category))?;
    let severity = Severity::from_name(&doc.severity)
        .ok_or_else(|| format!("unknown severity `{}`", doc.severity))?;
    let default_zones = match &doc.zones {
        Some(z) => parse_zones(z)?,
        None => vec![Zone::Path, Zone::Query],
    };
    let default_chain = match &doc.transforms {
        Some(t) => parse_transforms(t)?,
        None => Transforms::DEFAULT,
    };
    if doc.matchers.is_empty() {
        return Err("a rule needs at least one matcher".into());
    }
    let mut checks = Vec::new();
    let mut terms = Vec::new();
    for m in doc.matchers {
        let zones = match &m.zones {
            Some(z) => parse_zones(z)?,
            None => default_zones.clone(),
        };
        let transforms = match &m.transforms {
            Some(t) => parse_transforms(t)?,
            None => default_chain,
        };
        let mut ops = Vec::new();
        for (op, v) in [
            (Op::Contains, m.contains),
            (Op::Prefix, m.prefix),
            (Op::Suffix, m.suffix),
            (Op::Equals, m.equals),
            (Op::Regex, m.regex),
        ] {
            if let Some(v) = v {
                ops.push((op, v.into_vec()));
            }
        }
        if let Some(list) = m.list {
            ops.push((Op::Equals, list));
        }
        let [(op, values)] = <[_; 1]>::try_from(ops).map_err(|_| {
            "each matcher needs exactly one of contains, prefix, suffix, equals, regex, list"
                .to_string()
        })?;
        if values.is_empty() {
            return Err(format!("empty `{}` matcher", op.as_str()));
        }
        let values = if op == Op::Regex {
            for v in &values {
                crate::compile::ascii_regex(v).map_err(|e| format!("bad regex `{v}`: {e}"))?;
            }
            values
        } else if transforms.has(Transforms::LOWERCASE) {
            values.into_iter().map(|v| v.to_ascii_lowercase()).collect()
        } else {
            values
        };
        let idx = checks.len();
        checks.push(Check {
            zones,
            transforms,
            op,
            values,
            all: m.all,
        });
        let term = Expr::Check(idx);
        terms.push(if m.not {
            Expr::Not(Box::new(term))
        } else {
            term
        });
    }
    let condition = match doc.condition.as_deref() {
        None | Some("all") => Expr::And(terms),
        Some("any") => Expr::Or(terms),
        Some(other) => return Err(format!("condition must be `all` or `any`, not `{other}`")),
    };
    let window = match doc.window {
        None => None,
        Some(w) => Some(Window {
            span_micros: parse_span(&w.span)
                .ok_or_else(|| format!("bad window span `{}`", w.span))?,
            threshold: w.threshold.max(1),
            distinct: match w.distinct {
                Some(z) => Some(Zone::from_name(&z).ok_or_else(|| format!("unknown zone `{z}`"))?),
                None => None,
            },
            statuses: w.status,
        }),
    };
    let examples = |docs: Vec<ExampleDoc>| -> Result<Vec<Example>, String> {
        docs.into_iter().map(build_example).collect()
    };
    Ok(Rule {
        id: doc.id,
        title: doc.title,
        category,
        severity,
        tool: doc.tool.map(|t| t.to_ascii_lowercase()),
        description: doc.description.trim().to_string(),
        why: doc.why.trim().to_string(),
        references: doc.references,
        tags: doc.tags,
        checks,
        condition,
        window,
        examples_match: examples(doc.examples.must_match)?,
        examples_no_match: examples(doc.examples.no_match)?,
        source: RuleSource::Native,
        file: file.to_string(),
    })
}

fn build_example(doc: ExampleDoc) -> Result<Example, String> {
    match doc {
        ExampleDoc::Line(line) => Ok(Example {
            request: example::from_line(&line),
            text: line,
        }),
        ExampleDoc::Fields(map) => {
            let text = serde_yaml::to_string(&map)
                .unwrap_or_default()
                .trim()
                .replace('\n', ", ");
            let mut req: HttpRequest = example::from_line("/");
            for (key, value) in map {
                let s = match &value {
                    serde_yaml::Value::String(s) => s.clone(),
                    serde_yaml::Value::Number(n) => n.to_string(),
                    other => {
                        return Err(format!("example field `{key}` must be text, not {other:?}"));
                    }
                };
                match key.as_str() {
                    "line" | "request" => {
                        let r = example::from_line(&s);
                        req.method = r.method;
                        req.path = r.path;
                        req.query = r.query;
                        req.raw_uri = r.raw_uri;
                    }
                    "path" | "target" | "uri" => example::set_target(&mut req, &s),
                    "method" => req.method = Some(s),
                    "user_agent" => req.user_agent = Some(s),
                    "referer" => req.referer = Some(s),
                    "host" => req.host = Some(s),
                    "body" => req.body = Some(s),
                    "x_forwarded_for" | "headers" => req.x_forwarded_for = Some(s),
                    "src_ip" | "client_ip" => req.src_ip = Some(s),
                    "status" => {
                        req.status =
                            Some(s.parse().map_err(|_| format!("bad example status `{s}`"))?)
                    }
                    other => return Err(format!("unknown example field `{other}`")),
                }
            }
            Ok(Example { text, request: req })
        }
    }
}
