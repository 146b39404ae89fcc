//! Operators (`@rx`, `@pm`, `@detectSQLi`, ...): compiled once at load, run on a
//! transformed value. Operators whose parameter holds a macro (`@eq %{tx.x}`,
//! `@within %{tx.allowed_methods}`) get the expanded parameter from the engine.

use std::net::IpAddr;
use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::pcre::{Found, Pattern};
use crate::rule::Text;

/// A compiled operator.
#[derive(Debug, Clone)]
pub enum Operator {
    /// `@rx` with a fixed pattern.
    Rx(Box<Pattern>),
    /// `@rx` whose pattern holds a macro: expanded and compiled per value (cached).
    RxMacro(Text),
    /// `@pm` / `@pmFromFile`: case-insensitive phrase match.
    Pm(Box<AhoCorasick>),
    /// `@streq`.
    StrEq(Text),
    /// `@contains`.
    Contains(Text),
    /// `@containsWord`.
    ContainsWord(Text),
    /// `@beginsWith`.
    BeginsWith(Text),
    /// `@endsWith`.
    EndsWith(Text),
    /// `@within`: the value occurs in the parameter.
    Within(Text),
    /// Numeric comparisons.
    Num(NumOp, Text),
    /// `@validateByteRange`: matches when a byte lies outside the ranges.
    ValidateByteRange(Box<[bool; 256]>),
    /// `@validateUrlEncoding`: matches on a malformed `%` escape.
    ValidateUrlEncoding,
    /// `@validateUtf8Encoding`: matches on invalid UTF-8.
    ValidateUtf8Encoding,
    /// `@ipMatch` / `@ipMatchFromFile`.
    IpMatch(Vec<(IpAddr, u8)>),
    /// `@detectSQLi` (libinjection).
    DetectSqli,
    /// `@detectXSS` (libinjection).
    DetectXss,
    /// `@unconditionalMatch` (and `SecAction`).
    Unconditional,
    /// `@noMatch`.
    NoMatch,
    /// An operator kansoku does not run (`@rbl`, `@geoLookup`, ...): never matches; listed
    /// at load with the rules it disables.
    Unsupported(String),
}

/// `@eq`, `@ge`, `@gt`, `@le`, `@lt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum NumOp {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

/// What running an operator gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It matched.
    Match,
    /// It did not.
    NoMatch,
    /// A bounded regex gave up (counted; treated as no match).
    LimitHit,
}

/// Why an operator could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The `@rx` pattern failed.
    #[error(transparent)]
    Pattern(#[from] crate::pcre::PatternError),
    /// A data file could not be read.
    #[error("cannot read {path}: {source}")]
    DataFile {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bad parameter.
    #[error("@{op}: {reason}")]
    Param {
        /// The operator.
        op: String,
        /// What is wrong.
        reason: String,
    },
    /// The phrase automaton could not be built.
    #[error("@pm: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}

impl Operator {
    /// Compiles `@name param`; `dir` is the rule file's folder, for `@pmFromFile`.
    pub fn compile(name: &str, param: &str, dir: &Path) -> Result<Operator, OperatorError> {
        let lower = name.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "rx" => {
                if param.contains("%{") {
                    Operator::RxMacro(Text::parse(param))
                } else {
                    Operator::Rx(Box::new(Pattern::new(param)?))
                }
            }
            "pm" => pm(param.split_ascii_whitespace().map(str::to_owned).collect())?,
            "pmf" | "pmfromfile" => {
                let mut phrases = Vec::new();
                for file in param.split_ascii_whitespace() {
                    let path = dir.join(file);
                    let text = std::fs::read(&path).map_err(|source| OperatorError::DataFile {
                        path: path.display().to_string(),
                        source,
                    })?;
                    for line in text.split(|&b| b == b'\n') {
                        let line = line.trim_ascii();
                        if line.is_empty() || line.starts_with(b"#") {
                            continue;
                        }
                        phrases.push(String::from_utf8_lossy(line).into_owned());
                    }
                }
                pm(phrases)?
            }
            "streq" => Operator::StrEq(Text::parse(param)),
            "contains" => Operator::Contains(Text::parse(param)),
            "containsword" => Operator::ContainsWord(Text::parse(param)),
            "beginswith" => Operator::BeginsWith(Text::parse(param)),
            "endswith" => Operator::EndsWith(Text::parse(param)),
            "within" => Operator::Within(Text::parse(param)),
            "eq" => Operator::Num(NumOp::Eq, Text::parse(param)),
            "ge" => Operator::Num(NumOp::Ge, Text::parse(param)),
            "gt" => Operator::Num(NumOp::Gt, Text::parse(param)),
            "le" => Operator::Num(NumOp::Le, Text::parse(param)),
            "lt" => Operator::Num(NumOp::Lt, Text::parse(param)),
            "validatebyterange" => Operator::ValidateByteRange(byte_ranges(param)?),
            "validateurlencoding" => Operator::ValidateUrlEncoding,
            "validateutf8encoding" => Operator::ValidateUtf8Encoding,
            "ipmatch" => Operator::IpMatch(ip_list(param.split(','))?),
            "ipmatchfromfile" | "ipmatchf" => {
                let path = dir.join(param.trim());
                let text =
                    std::fs::read_to_string(&path).map_err(|source| OperatorError::DataFile {
                        path: path.display().to_string(),
                        source,
                    })?;
                Operator::IpMatch(ip_list(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#')),
                )?)
            }
            "detectsqli" => Operator::DetectSqli,
            "detectxss" => Operator::DetectXss,
            "unconditionalmatch" => Operator::Unconditional,
            "nomatch" => Operator::NoMatch,
            _ => Operator::Unsupported(name.to_owned()),
        })
    }

    /// The operator's parameter when it holds macros (the engine expands it first).
    pub fn macro_param(&self) -> Option<&Text> {
        match self {
            Operator::RxMacro(t)
            | Operator::StrEq(t)
            | Operator::Contains(t)
            | Operator::ContainsWord(t)
            | Operator::BeginsWith(t)
            | Operator::EndsWith(t)
            | Operator::Within(t)
            | Operator::Num(_, t) => t.has_macro().then_some(t),
            _ => None,
        }
    }

    /// Runs the operator on `value`. `param` is the expanded parameter for operators with
    /// macros (see [`Operator::macro_param`]); `caps`, when given, receives TX:0..9.
    /// `RxMacro` is run by the engine (it compiles the expanded pattern).
    pub fn run(
        &self,
        value: &[u8],
        param: Option<&[u8]>,
        caps: Option<&mut Vec<Option<Vec<u8>>>>,
    ) -> Outcome {
        let yes = |b: bool| if b { Outcome::Match } else { Outcome::NoMatch };
        match self {
            Operator::Rx(p) => run_pattern(p, value, caps),
            Operator::RxMacro(_) => Outcome::NoMatch,
            Operator::Pm(ac) => match ac.find(value) {
                Some(m) => {
                    if let Some(caps) = caps {
                        caps.clear();
                        caps.push(Some(value[m.start()..m.end()].to_vec()));
                    }
                    Outcome::Match
                }
                None => Outcome::NoMatch,
            },
            Operator::StrEq(t) => yes(value == text_of(t, param)),
            Operator::Contains(t) => yes(memchr::memmem::find(value, text_of(t, param)).is_some()),
            Operator::ContainsWord(t) => yes(contains_word(value, text_of(t, param))),
            Operator::BeginsWith(t) => yes(value.starts_with(text_of(t, param))),
            Operator::EndsWith(t) => yes(value.ends_with(text_of(t, param))),
            Operator::Within(t) => {
                let hay = text_of(t, param);
                yes(!value.is_empty() && memchr::memmem::find(hay, value).is_some())
            }
            Operator::Num(op, t) => {
                let (a, b) = (atoi(value), atoi(text_of(t, param)));
                yes(match op {
                    NumOp::Eq => a == b,
                    NumOp::Ge => a >= b,
                    NumOp::Gt => a > b,
                    NumOp::Le => a <= b,
                    NumOp::Lt => a < b,
                })
            }
            Operator::ValidateByteRange(ok) => yes(value.iter().any(|&b| !ok[b as usize])),
            Operator::ValidateUrlEncoding => yes(bad_url_encoding(value)),
            Operator::ValidateUtf8Encoding => yes(std::str::from_utf8(value).is_err()),
            Operator::IpMatch(nets) => {
                let ip = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.trim().parse::<IpAddr>().ok());
                yes(ip.is_some_and(|ip| nets.iter().any(|&(net, bits)| in_net(ip, net, bits))))
            }
            Operator::DetectSqli => {
                let r = libinjectionrs::detect_sqli(value);
                if r.is_injection() {
                    if let (Some(caps), Some(fp)) = (caps, r.fingerprint.as_ref()) {
                        caps.clear();
                        caps.push(Some(fp.as_bytes().to_vec()));
                    }
                    Outcome::Match
                } else {
                    Outcome::NoMatch
                }
            }
            Operator::DetectXss => yes(libinjectionrs::detect_xss(value).is_injection()),
            Operator::Unconditional => Outcome::Match,
            Operator::NoMatch | Operator::Unsupported(_) => Outcome::NoMatch,
        }
    }
}

/// An operator's parameter: the expanded one when it held macros, else its literal text.
fn text_of<'a>(t: &'a Text, param: Option<&'a [u8]>) -> &'a [u8] {
    param.unwrap_or_else(|| t.literal().unwrap_or_default())
}

/// Runs a compiled pattern, filling captures when asked.
pub fn run_pattern(p: &Pattern, value: &[u8], caps: Option<&mut Vec<Option<Vec<u8>>>>) -> Outcome {
    let found = match caps {
        Some(caps) => p.captures(value, caps),
        None => p.find(value),
    };
    match found {
        Found::Match => Outcome::Match,
        Found::None => Outcome::NoMatch,
        Found::LimitHit => Outcome::LimitHit,
    }
}

fn pm(phrases: Vec<String>) -> Result<Operator, OperatorError> {
    let phrases: Vec<String> = phrases.into_iter().filter(|p| !p.is_empty()).collect();
    if phrases.is_empty() {
        return Ok(Operator::NoMatch);
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(&phrases)?;
    Ok(Operator::Pm(Box::new(ac)))
}

/// ModSecurity's `atoi`: optional sign, then leading digits; anything else is 0.
pub(crate) fn atoi(s: &[u8]) -> i64 {
    let s = s.trim_ascii();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg { -n } else { n }
}

fn contains_word(hay: &[u8], word: &[u8]) -> bool {
    if word.is_empty() {
        return true;
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    memchr::memmem::find_iter(hay, word).any(|i| {
        let before = i == 0 || !is_word(hay[i - 1]);
        let after = hay.get(i + word.len()).is_none_or(|&b| !is_word(b));
        before && after
    })
}

fn bad_url_encoding(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            match (s.get(i + 1), s.get(i + 2)) {
                (Some(a), Some(b)) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => i += 3,
                _ => return true,
            }
        } else {
            i += 1;
        }
    }
    false
}

fn byte_ranges(param: &str) -> Result<Box<[bool; 256]>, OperatorError> {
    let mut ok = Box::new([false; 256]);
    let bad = |reason: String| OperatorError::Param {
        op: "validateByteRange".into(),
        reason,
    };
    for part in param.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: u8 = a
            .trim()
            .parse()
            .map_err(|_| bad(format!("bad range {part}")))?;
        let b: u8 = b
            .trim()
            .parse()
            .map_err(|_| bad(format!("bad range {part}")))?;
        if a > b {
            return Err(bad(format!("bad range {part}")));
        }
        for x in a..=b {
            ok[x as usize] = true;
        }
    }
    Ok(ok)
}

fn ip_list<'a>(items: impl Iterator<Item = &'a str>) -> Result<Vec<(IpAddr, u8)>, OperatorError> {
    let mut out = Vec::new();
    for item in items.map(str::trim).filter(|i| !i.is_empty()) {
        let bad = || OperatorError::Param {
            op: "ipMatch".into(),
            reason: format!("not an address or network: {item}"),
        };
        let (addr, bits) = match item.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().map_err(|_| bad())?)),
            None => (item, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return Err(bad());
        }
        out.push((ip, bits));
    }
    Ok(out)
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, param: &str) -> Operator {
        Operator::compile(name, param, Path::new(".")).expect("compiles")
    }

    #[test]
    fn numbers_follow_atoi() {
        assert_eq!(atoi(b"12abc"), 12);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(op("ge", "5").run(b"5", None, None), Outcome::Match);
        assert_eq!(op("lt", "2").run(b"1", None, None), Outcome::Match);
        assert_eq!(op("eq", "0").run(b"", None, None), Outcome::Match);
    }

    #[test]
    fn phrase_match_ignores_case() {
        let pm = op("pm", "nikto sqlmap");
        assert_eq!(pm.run(b"Mozilla (Nikto/2.1.6)", None, None), Outcome::Match);
        assert_eq!(pm.run(b"Mozilla/5.0", None, None), Outcome::NoMatch);
    }

    #[test]
    fn byte_range_and_encodings() {
        let r = op("validateByteRange", "32-126");
        assert_eq!(r.run(b"abc", None, None), Outcome::NoMatch);
        assert_eq!(r.run(b"a\x01c", None, None), Outcome::Match);
        let u = op("validateUrlEncoding", "");
        assert_eq!(u.run(b"a%2fb", None, None), Outcome::NoMatch);
        assert_eq!(u.run(b"a%zzb", None, None), Outcome::Match);
        assert_eq!(u.run(b"a%2", None, None), Outcome::Match);
        let v = op("validateUtf8Encoding", "");
        assert_eq!(v.run("日本".as_bytes(), None, None), Outcome::NoMatch);
        assert_eq!(v.run(b"\xc0\xaf", None, None), Outcome::Match);
    }

    #[test]
    fn within_is_a_substring_of_the_parameter() {
        let w = op("within", "GET HEAD POST");
        assert_eq!(w.run(b"HEAD", None, None), Outcome::Match);
        assert_eq!(w.run(b"PUT", None, None), Outcome::NoMatch);
        assert_eq!(w.run(b"", None, None), Outcome::NoMatch);
    }

    #[test]
    fn ip_match_takes_networks() {
        let m = op("ipMatch", "127.0.0.1,10.0.0.0/8,::1");
        assert_eq!(m.run(b"10.2.3.4", None, None), Outcome::Match);
        assert_eq!(m.run(b"11.2.3.4", None, None), Outcome::NoMatch);
        assert_eq!(m.run(b"::1", None, None), Outcome::Match);
        assert_eq!(m.run(b"not an ip", None, None), Outcome::NoMatch);
    }

    #[test]
    fn libinjection_operators() {
        let mut caps = Vec::new();
        assert_eq!(
            Operator::DetectSqli.run(b"1' OR '1'='1", None, Some(&mut caps)),
            Outcome::Match
        );
        assert!(caps[0].is_some());
        assert_eq!(
            Operator::DetectXss.run(b"<script>alert(1)</script>", None, None),
            Outcome::Match
        );
        assert_eq!(
            Operator::DetectSqli.run(b"hello world", None, None),
            Outcome::NoMatch
        );
    }

    #[test]
    fn contains_word_needs_boundaries() {
        assert!(contains_word(b"a select b", b"select"));
        assert!(!contains_word(b"selection", b"select"));
    }
}
