//! Parsing what a directive's arguments hold: phases, id ranges, the operator string,
//! `setvar` and `ctl:` actions, tag patterns; and the typed reasons a directive is refused.

use super::targets::{self, TargetError};
use crate::rule::{Ctl, Exclusion, SetOp, SetVar, Text};

/// Why a directive is malformed (carried by [`super::LoadError::Syntax`]).
#[derive(Debug, thiserror::Error)]
pub enum SyntaxError {
    /// A required argument is missing.
    #[error("{0}")]
    Missing(&'static str),
    /// An `id:` that is not a number.
    #[error("bad id {0}")]
    BadId(String),
    /// A `phase:` that is not 1–5 or a phase name.
    #[error("bad phase {0}")]
    BadPhase(String),
    /// A rule id or range that is not a number.
    #[error("bad rule id {0}")]
    BadRuleId(String),
    /// A `t:` kansoku does not know.
    #[error("unknown transformation t:{0}")]
    UnknownTransform(String),
    /// A malformed `ctl:` action.
    #[error("malformed ctl:{0}")]
    Ctl(String),
    /// A variable list that does not parse.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A tag or message pattern that does not compile.
    #[error("bad pattern {pattern}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// The cause.
        #[source]
        source: regex::Error,
    },
}

pub(super) fn parse_phase(v: &str) -> Option<u8> {
    match v.trim().to_ascii_lowercase().as_str() {
        "request" => Some(2),
        "response" => Some(4),
        "logging" => Some(5),
        n => n.parse().ok().filter(|p| (1..=5).contains(p)),
    }
}

pub(super) fn id_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let n = s.parse().ok()?;
            Some((n, n))
        }
    }
}

pub(super) fn tag_regex(pat: &str) -> Result<regex::bytes::Regex, SyntaxError> {
    regex::bytes::RegexBuilder::new(pat)
        .case_insensitive(true)
        .build()
        .map_err(|source| SyntaxError::Pattern {
            pattern: pat.to_owned(),
            source,
        })
}

/// `"!@rx foo"` → (negated, "rx", "foo"); a string without `@` is an `@rx`.
pub(super) fn split_operator(op: &str) -> (bool, &str, &str) {
    let (negated, rest) = match op.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, op),
    };
    match rest.strip_prefix('@') {
        Some(r) => match r.split_once(|c: char| c.is_ascii_whitespace()) {
            Some((name, param)) => (negated, name, param),
            None => (negated, r, ""),
        },
        None => (negated, "rx", rest),
    }
}

pub(super) fn parse_setvar(v: &str) -> Option<SetVar> {
    let v = v.trim();
    let (delete, v) = match v.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, v),
    };
    let (name, value) = v.split_once('=').unwrap_or((v, ""));
    let (coll, key) = name.split_once('.')?;
    if !coll.eq_ignore_ascii_case("tx") {
        return None;
    }
    let (op, value) = if delete {
        (SetOp::Delete, "")
    } else if let Some(r) = value.strip_prefix('+') {
        (SetOp::Add, r)
    } else if let Some(r) = value.strip_prefix('-') {
        (SetOp::Sub, r)
    } else {
        (SetOp::Set, value)
    };
    Some(SetVar {
        name: Text::parse(&key.to_ascii_lowercase()),
        op,
        value: Text::parse(value),
    })
}

pub(super) fn parse_ctl(v: &str) -> Result<Option<Ctl>, SyntaxError> {
    let Some((name, value)) = v.split_once('=') else {
        return Ok(None);
    };
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim();
    let bad = || SyntaxError::Ctl(v.to_owned());
    let target = |rest: &str| -> Result<Exclusion, SyntaxError> {
        let parsed = targets::parse(rest)?;
        let t = parsed.targets.into_iter().next().ok_or_else(bad)?;
        Ok(Exclusion {
            var: t.var,
            selector: t.selector,
        })
    };
    Ok(Some(match name.as_str() {
        "ruleremovebyid" => {
            let (a, b) = id_range(value).ok_or_else(bad)?;
            Ctl::RemoveById(a, b)
        }
        "ruleremovebytag" => Ctl::RemoveByTag(value.to_owned()),
        "ruleremovetargetbyid" => {
            let (id, rest) = value.split_once(';').ok_or_else(bad)?;
            let (a, b) = id_range(id).ok_or_else(bad)?;
            Ctl::RemoveTargetById(a, b, target(rest)?)
        }
        "ruleremovetargetbytag" => {
            let (tag, rest) = value.split_once(';').ok_or_else(bad)?;
            Ctl::RemoveTargetByTag(tag.trim().to_owned(), target(rest)?)
        }
        "ruleengine" if value.eq_ignore_ascii_case("off") => Ctl::EngineOff,
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_split() {
        assert_eq!(split_operator("!@rx ^a b$"), (true, "rx", "^a b$"));
        assert_eq!(split_operator("@detectSQLi"), (false, "detectSQLi", ""));
        assert_eq!(split_operator("^GET$"), (false, "rx", "^GET$"));
    }

    #[test]
    fn setvar_forms() {
        let s = parse_setvar("tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}").expect("tx");
        assert_eq!(s.op, SetOp::Add);
        assert!(s.value.has_macro());
        let s = parse_setvar("!tx.foo").expect("tx");
        assert_eq!(s.op, SetOp::Delete);
        assert!(parse_setvar("ip.reput_block_flag=1").is_none());
    }
}
