//! STIX 2.1 bundles: every non-revoked `indicator` with a STIX pattern made only of
//! `ipv4-addr:value` / `ipv6-addr:value` comparisons (`=` or `ISSUBSET`) joined by `OR`
//! becomes one network indicator per address, valid from `valid_from` to `valid_until`.
//! Indicators with other patterns are counted as skipped.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use kansoku_event::intel::IntelIndicator;
use regex::Regex;
use serde_json::Value;

use crate::IntelError;
use crate::import::{ImportOptions, Parsed, canonical, stem};
use crate::model::parse_time;

static COMPARISON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:ipv4-addr|ipv6-addr):value\s*(?:=|ISSUBSET)\s*'((?:[^'\\]|\\.)*)'")
        .expect("valid regex")
});

/// The addresses a pattern names, when it is only address comparisons joined by `OR`.
pub fn pattern_addresses(pattern: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    for c in COMPARISON.captures_iter(pattern) {
        values.push(c.get(1)?.as_str().replace("\\'", "'").replace("\\\\", "\\"));
    }
    let rest = COMPARISON.replace_all(pattern, " ");
    let rest = rest.replace(['[', ']', '(', ')'], " ");
    let only_or = rest.split_whitespace().all(|t| t == "OR");
    (only_or && !values.is_empty()).then_some(values)
}

/// Reads a bundle (or a single object, or a JSON array of objects).
pub fn read(path: &Path, opts: &ImportOptions) -> Result<Parsed, IntelError> {
    let bytes = std::fs::read(path).map_err(|e| IntelError::io(path, e))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| IntelError::format(path, format!("not JSON: {e}")))?;
    let objects: Vec<&Value> = match &v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bundle") => o
            .get("objects")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Value::Object(_) => vec![&v],
        _ => return Err(IntelError::format(path, "not a STIX bundle or object")),
    };
    let identities: HashMap<&str, &str> = objects
        .iter()
        .filter(|o| o["type"] == "identity")
        .filter_map(|o| Some((o["id"].as_str()?, o["name"].as_str()?)))
        .collect();
    let mut out = Parsed::default();
    for o in objects {
        if o["type"] != "indicator" {
            continue;
        }
        let id = o["id"].as_str().unwrap_or("indicator");
        if o["revoked"] == Value::Bool(true) {
            out.skipped += 1;
            continue;
        }
        if o["pattern_type"].as_str().is_some_and(|t| t != "stix") {
            out.skipped += 1;
            continue;
        }
        let Some(values) = o["pattern"].as_str().and_then(pattern_addresses) else {
            out.skipped += 1;
            continue;
        };
        let Some(valid_from) = o["valid_from"]
            .as_str()
            .and_then(parse_time)
            .or(opts.valid_from)
        else {
            out.malformed
                .push(format!("{}: {id}: no valid_from", path.display()));
            continue;
        };
        let valid_until = match o.get("valid_until").and_then(Value::as_str) {
            Some(t) => match parse_time(t) {
                Some(t) => Some(t),
                None => {
                    out.malformed
                        .push(format!("{}: {id}: bad valid_until {t:?}", path.display()));
                    continue;
                }
            },
            None => None,
        };
        let list = opts
            .name
            .clone()
            .or_else(|| {
                o["created_by_ref"]
                    .as_str()
                    .and_then(|r| identities.get(r))
                    .map(|n| n.to_string())
            })
            .unwrap_or_else(|| stem(path));
        for value in values {
            match canonical(&value) {
                Some(value) => out.indicators.push(IntelIndicator {
                    list: list.clone(),
                    value,
                    valid_from,
                    valid_until,
                    ref_id: Some(id.to_string()),
                    source: path.display().to_string(),
                }),
                None => out.malformed.push(format!(
                    "{}: {id}: {value:?} is not an address",
                    path.display()
                )),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            pattern_addresses("[ipv4-addr:value = '198.51.100.7']"),
            Some(vec!["198.51.100.7".into()])
        );
        assert_eq!(
            pattern_addresses(
                "[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv6-addr:value = '2001:db8::1']"
            ),
            Some(vec!["198.51.100.0/24".into(), "2001:db8::1".into()])
        );
        assert_eq!(
            pattern_addresses(
                "[ipv4-addr:value = '198.51.100.7'] AND [domain-name:value = 'x.example']"
            ),
            None
        );
        assert_eq!(pattern_addresses("[file:hashes.MD5 = 'abc']"), None);
    }
}
