//! Parsing a rule's variable list: `ARGS|!ARGS:foo|&TX:bar|REQUEST_HEADERS:/^x-/`.

use crate::rule::{Exclusion, Selector, Target, Var};

/// Targets and exclusions of one variable list.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Variables inspected.
    pub targets: Vec<Target>,
    /// `!VAR:key` members left out.
    pub exclusions: Vec<Exclusion>,
}

/// Why a variable list does not parse.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A variable SecLang does not have.
    #[error("unknown variable {0}")]
    UnknownVariable(String),
    /// A `/regex/` selector that does not compile.
    #[error("bad selector /{pattern}/")]
    Selector {
        /// The pattern.
        pattern: String,
        /// The cause.
        #[source]
        source: regex::Error,
    },
}

/// Parses a variable list. `|` separates items except inside a `/regex/` selector.
pub fn parse(list: &str) -> Result<Parsed, TargetError> {
    let mut out = Parsed::default();
    for item in split_items(list) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (exclude, item) = match item.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, item),
        };
        let (count, item) = match item.strip_prefix('&') {
            Some(r) => (true, r),
            None => (false, item),
        };
        let (name, sel) = match item.split_once(':') {
            Some((n, s)) => (n, Some(s)),
            None => (item, None),
        };
        let var =
            Var::from_name(name).ok_or_else(|| TargetError::UnknownVariable(name.to_owned()))?;
        let selector = match sel {
            None => Selector::All,
            Some(s) => selector(s)?,
        };
        if exclude {
            out.exclusions.push(Exclusion { var, selector });
        } else {
            out.targets.push(Target {
                var,
                selector,
                count,
            });
        }
    }
    Ok(out)
}

fn selector(s: &str) -> Result<Selector, TargetError> {
    let s = s.trim();
    let s = s
        .strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(s);
    if s.len() >= 2 && s.starts_with('/') && s.ends_with('/') {
        let pat = &s[1..s.len() - 1];
        // `XML:/*` is an XPath, not a regex; XML is always empty here.
        let re = regex::bytes::RegexBuilder::new(pat)
            .case_insensitive(true)
            .unicode(false)
            .build()
            .map_err(|source| TargetError::Selector {
                pattern: pat.to_owned(),
                source,
            })?;
        return Ok(Selector::Regex(re));
    }
    if s == "/*" {
        return Ok(Selector::All);
    }
    Ok(Selector::Key(s.to_ascii_lowercase()))
}

fn split_items(list: &str) -> Vec<&str> {
    let bytes = list.as_bytes();
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_regex = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_regex => i += 1,
            b'/' => {
                // A selector regex starts right after `:` or `:'`.
                let prev = if i > 0 { bytes[i - 1] } else { 0 };
                // `XML:/*` and `XML://@*` are XPath expressions, not regexes.
                let xpath = matches!(bytes.get(i + 1), Some(b'*' | b'/'));
                if !in_regex && !xpath && (prev == b':' || prev == b'\'') {
                    in_regex = true;
                } else if in_regex {
                    in_regex = false;
                }
            }
            b'|' if !in_regex => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    items.push(&list[start..]);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_with_exclusions_counts_and_regexes() {
        let p = parse("REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|&TX:x|ARGS:/^(a|b)$/|XML:/*")
            .expect("parses");
        assert_eq!(p.targets.len(), 4);
        assert_eq!(p.exclusions.len(), 1);
        assert!(p.targets[1].count);
        match &p.targets[2].selector {
            Selector::Regex(re) => assert!(re.is_match(b"B")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(p.targets[3].selector, Selector::All));
    }

    #[test]
    fn an_xpath_selector_does_not_swallow_the_next_target() {
        let p = parse("XML:/*|ARGS|XML://@*|REQUEST_HEADERS:/^x-/").expect("parses");
        let vars: Vec<&str> = p.targets.iter().map(|t| t.var.name()).collect();
        assert_eq!(vars, vec!["XML", "ARGS", "XML", "REQUEST_HEADERS"]);
        assert!(matches!(p.targets[3].selector, Selector::Regex(_)));
    }

    #[test]
    fn quoted_regex_selector() {
        let p = parse("&TX:'/WEB_ATTACK/'").expect("parses");
        assert!(matches!(p.targets[0].selector, Selector::Regex(_)));
    }

    #[test]
    fn unknown_variable_is_an_error() {
        assert!(parse("NOPE").is_err());
    }
}
