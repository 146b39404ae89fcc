//! Sigma search identifiers (field maps, lists of maps, keyword lists) → checks.

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use super::condition;
use crate::model::{Check, Expr, Op, Transforms, Zone};

/// A converted `detection` block.
pub struct Built {
    pub checks: Vec<Check>,
    pub condition: Expr,
    pub unknown_fields: Vec<String>,
}

const KEYWORD_ZONES: [Zone; 6] = [
    Zone::Uri,
    Zone::Query,
    Zone::UserAgent,
    Zone::Referer,
    Zone::Method,
    Zone::Status,
];

fn zones_for(field: &str) -> Option<Vec<Zone>> {
    Some(match field.to_ascii_lowercase().as_str() {
        "cs-method" => vec![Zone::Method],
        "cs-uri-stem" => vec![Zone::Path],
        "cs-uri-query" | "cs-uri" | "c-uri" => vec![Zone::Uri, Zone::Query],
        "cs-user-agent" | "c-useragent" => vec![Zone::UserAgent],
        "cs-referer" | "cs-referrer" => vec![Zone::Referer],
        "sc-status" => vec![Zone::Status],
        "cs-host" | "cs-server" => vec![Zone::Host],
        "c-ip" | "src_ip" => vec![Zone::ClientIp],
        _ => return None,
    })
}

fn scalar(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Null => Ok(None),
        other => Err(format!("unsupported value {other:?}")),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Sigma's `base64offset`: the three encodings of `value` at byte offsets 0, 1, 2, with
/// the characters that depend on neighbouring bytes cut off.
fn base64_offsets(value: &str) -> Vec<String> {
    let v = value.as_bytes();
    (0..3)
        .map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(v);
            let start = [0, 2, 3][i];
            let end_cut = [0, 3, 2][(v.len() + i) % 3];
            let full = base64(&padded);
            let stop = full.len().saturating_sub(end_cut);
            full.get(start..stop).unwrap_or("").to_string()
        })
        .collect()
}

/// A Sigma value with `*`/`?` wildcards as a regex (anchored at both ends).
fn wildcard_regex(value: &str) -> String {
    let mut re = String::from("^");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('*' | '?' | '\\')) => {
                let n = chars.next().unwrap_or('\\');
                re.push_str(&regex::escape(&n.to_string()));
            }
            '*' => re.push_str("(?s:.*)"),
            '?' => re.push_str("(?s:.)"),
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

fn has_wildcard(v: &str) -> bool {
    let b = v.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| (c == b'*' || c == b'?') && (i == 0 || b[i - 1] != b'\\'))
}

fn unescape(v: &str) -> String {
    v.replace("\\*", "*")
        .replace("\\?", "?")
        .replace("\\\\", "\\")
}

struct Ctx {
    checks: Vec<Check>,
    unknown: Vec<String>,
}

impl Ctx {
    fn push(&mut self, c: Check) -> Expr {
        self.checks.push(c);
        Expr::Check(self.checks.len() - 1)
    }

    /// One `field|mods: values` entry.
    fn field(&mut self, key: &str, value: &Value) -> Result<Expr, String> {
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or("");
        let mods: Vec<&str> = parts.collect();
        let values: Vec<Option<String>> = match value {
            Value::Sequence(items) => items.iter().map(scalar).collect::<Result<_, _>>()?,
            v => vec![scalar(v)?],
        };
        let zones = if field.is_empty() {
            Some(KEYWORD_ZONES.to_vec())
        } else {
            zones_for(field)
        };
        let Some(zones) = zones else {
            if !self.unknown.iter().any(|f| f == field) {
                self.unknown.push(field.to_string());
            }
            return Ok(Expr::Or(Vec::new()));
        };
        self.values(zones, &mods, values, field.is_empty())
    }

    fn values(
        &mut self,
        zones: Vec<Zone>,
        mods: &[&str],
        values: Vec<Option<String>>,
        keywords: bool,
    ) -> Result<Expr, String> {
        let mut op = Op::Equals;
        let mut all = false;
        let mut re_flags = String::new();
        let mut encode: Option<&str> = None;
        let mut windash = false;
        for m in mods {
            match *m {
                "contains" => op = Op::Contains,
                "startswith" => op = Op::Prefix,
                "endswith" => op = Op::Suffix,
                "all" => all = true,
                "re" => op = Op::Regex,
                "i" | "m" | "s" if op == Op::Regex => re_flags.push_str(m),
                "base64" | "base64offset" => encode = Some(m),
                "cidr" => op = Op::Cidr,
                "windash" => windash = true,
                other => return Err(format!("unsupported modifier `{other}`")),
            }
        }
        if keywords && op == Op::Equals {
            op = Op::Contains;
        }
        let mut terms = Vec::new();
        for v in values {
            let Some(v) = v else {
                // `field: null`: the field is absent or empty.
                let any = self.push(Check {
                    zones: vec![Zone::Query],
                    transforms: Transforms(0),
                    op: Op::Regex,
                    values: vec![".".into()],
                    all: false,
                });
                terms.push(Expr::Not(Box::new(any)));
                continue;
            };
            let mut variants = vec![v.clone()];
            if windash {
                for dash in ['/', '\u{2013}', '\u{2014}', '\u{2015}'] {
                    variants.push(v.replacen('-', &dash.to_string(), 1));
                }
            }
            match encode {
                Some("base64") => {
                    variants = variants.iter().map(|s| base64(s.as_bytes())).collect()
                }
                Some(_) => variants = variants.iter().flat_map(|s| base64_offsets(s)).collect(),
                None => {}
            }
            let mut alts = Vec::new();
            for var in variants {
                let check = match op {
                    Op::Regex => {
                        let re = if re_flags.is_empty() {
                            var
                        } else {
                            format!("(?{re_flags}){var}")
                        };
                        crate::compile::ascii_regex(&re).map_err(|e| {
                            format!("regex not supported by the linear-time engine: {e}")
                        })?;
                        Check {
                            zones: zones.clone(),
                            transforms: Transforms(0),
                            op,
                            values: vec![re],
                            all: false,
                        }
                    }
                    Op::Cidr => Check {
                        zones: vec![Zone::ClientIp],
                        transforms: Transforms(0),
                        op,
                        values: vec![var],
                        all: false,
                    },
                    _ if encode.is_none() && has_wildcard(&var) => {
                        let lower = var.to_ascii_lowercase();
                        let inner = wildcard_regex(&lower);
                        let re = match op {
                            Op::Contains => inner
                                .trim_start_matches('^')
                                .trim_end_matches('$')
                                .to_string(),
                            Op::Prefix => inner.trim_end_matches('$').to_string(),
                            Op::Suffix => inner.trim_start_matches('^').to_string(),
                            _ => inner,
                        };
                        Check {
                            zones: zones.clone(),
                            transforms: Transforms(Transforms::LOWERCASE),
                            op: Op::Regex,
                            values: vec![re],
                            all: false,
                        }
                    }
                    _ => {
                        // base64 output is case-sensitive; everything else compares lowercased.
                        let (t, val) = if encode.is_some() {
                            (Transforms(0), var)
                        } else {
                            (
                                Transforms(Transforms::LOWERCASE),
                                unescape(&var).to_ascii_lowercase(),
                            )
                        };
                        Check {
                            zones: zones.clone(),
                            transforms: t,
                            op,
                            values: vec![val],
                            all: false,
                        }
                    }
                };
                alts.push(self.push(check));
            }
            terms.push(if alts.len() == 1 {
                alts.remove(0)
            } else {
                Expr::Or(alts)
            });
        }
        Ok(if all {
            Expr::And(terms)
        } else {
            Expr::Or(terms)
        })
    }

    /// A search identifier's body.
    fn search(&mut self, v: &Value) -> Result<Expr, String> {
        match v {
            Value::Mapping(m) => self.map(m),
            Value::Sequence(items) if items.iter().all(|i| matches!(i, Value::Mapping(_))) => {
                let mut alts = Vec::new();
                for i in items {
                    if let Value::Mapping(m) = i {
                        alts.push(self.map(m)?);
                    }
                }
                Ok(Expr::Or(alts))
            }
            Value::Sequence(items) => {
                let values = items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?;
                self.values(KEYWORD_ZONES.to_vec(), &["contains"], values, true)
            }
            other => {
                let v = scalar(other)?;
                self.values(KEYWORD_ZONES.to_vec(), &["contains"], vec![v], true)
            }
        }
    }

    fn map(&mut self, m: &Mapping) -> Result<Expr, String> {
        let mut terms = Vec::new();
        for (k, v) in m {
            let key = k.as_str().ok_or("non-text field name")?;
            terms.push(self.field(key, v)?);
        }
        Ok(Expr::And(terms))
    }
}

/// Converts a `detection` block.
pub fn build(detection: &Mapping) -> Result<Built, String> {
    let mut ctx = Ctx {
        checks: Vec::new(),
        unknown: Vec::new(),
    };
    let mut searches = BTreeMap::new();
    let mut cond_text = None;
    for (k, v) in detection {
        let name = k.as_str().ok_or("non-text search identifier")?;
        match name {
            "condition" => {
                cond_text = Some(match v {
                    Value::String(s) => s.clone(),
                    Value::Sequence(items) if items.len() == 1 => {
                        scalar(&items[0])?.unwrap_or_default()
                    }
                    _ => return Err("unsupported condition: several conditions in a list".into()),
                })
            }
            "timeframe" => return Err("unsupported feature: `timeframe` (aggregation)".into()),
            _ => {
                let e = ctx.search(v)?;
                searches.insert(name.to_string(), e);
            }
        }
    }
    let cond_text = cond_text.ok_or("no `condition`")?;
    let condition = condition::parse(&cond_text, &searches)?;
    Ok(Built {
        checks: ctx.checks,
        condition,
        unknown_fields: ctx.unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_encodings() {
        assert_eq!(base64(b"whoami"), "d2hvYW1p");
        assert_eq!(base64(b"ab"), "YWI=");
        // Sigma's documented base64offset variants of "/bin/bash".
        assert_eq!(
            base64_offsets("/bin/bash"),
            vec!["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
    }

    #[test]
    fn wildcards_become_anchored_regexes() {
        let re = regex::Regex::new(&wildcard_regex("*/config/keystore/*.js*")).expect("valid");
        assert!(re.is_match("/a/config/keystore/x.js?y"));
        assert!(!re.is_match("/config/other"));
    }
}
