//! The rule model shared by native YAML rules and imported Sigma rules: a rule is a
//! boolean expression over checks, each check testing one or more zones of a request
//! after a chain of transforms.

use std::fmt;

pub use kansoku_event::Category;

/// Part of a request a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Zone {
    /// Request path (as the parser decoded it).
    Path,
    /// Whole query string without `?`.
    Query,
    /// Each query parameter value, decoded on its own.
    Args,
    /// Request target exactly as logged (`raw_uri`, or path and query joined).
    Uri,
    /// User-Agent header.
    UserAgent,
    /// Referer header.
    Referer,
    /// HTTP method.
    Method,
    /// Response status, as decimal text.
    Status,
    /// Virtual host.
    Host,
    /// Logged request headers (today only `X-Forwarded-For`).
    Headers,
    /// Request body, when the source logs it.
    Body,
    /// Client address (used by Sigma's `c-ip`).
    ClientIp,
}

impl Zone {
    /// Every zone, in display order.
    pub const ALL: [Zone; 12] = [
        Zone::Path,
        Zone::Query,
        Zone::Args,
        Zone::Uri,
        Zone::UserAgent,
        Zone::Referer,
        Zone::Method,
        Zone::Status,
        Zone::Host,
        Zone::Headers,
        Zone::Body,
        Zone::ClientIp,
    ];

    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Path => "path",
            Zone::Query => "query",
            Zone::Args => "args",
            Zone::Uri => "uri",
            Zone::UserAgent => "user_agent",
            Zone::Referer => "referer",
            Zone::Method => "method",
            Zone::Status => "status",
            Zone::Host => "host",
            Zone::Headers => "headers",
            Zone::Body => "body",
            Zone::ClientIp => "client_ip",
        }
    }

    /// Parses a zone name from a rule file.
    pub fn from_name(name: &str) -> Option<Zone> {
        Zone::ALL.into_iter().find(|z| z.as_str() == name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of transforms, always applied in one canonical order (URL-decode, HTML-entity
/// decode, path normalisation, comment/whitespace squeeze, lowercase), so that two rules
/// listing the same transforms share one decoded buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Transforms(pub u8);

impl Transforms {
    /// Percent-decoding, repeated while it changes something (double encoding), with `%uXXXX`.
    pub const URL_DECODE: u8 = 1;
    /// `+` becomes a space (form encoding); applied with URL decoding.
    pub const PLUS: u8 = 2;
    /// HTML entities (`&lt;`, `&#60;`, `&#x3c;`) decoded.
    pub const HTML: u8 = 4;
    /// Backslashes to slashes, `//` squeezed, `/./` and `/../` resolved.
    pub const PATH: u8 = 8;
    /// `/**/` and other SQL comments to one space, whitespace runs to one space.
    pub const SQUEEZE: u8 = 16;
    /// ASCII lowercase.
    pub const LOWERCASE: u8 = 32;

    const NAMES: [(&'static str, u8); 6] = [
        ("url_decode", Self::URL_DECODE),
        ("plus_to_space", Self::PLUS),
        ("html_entity_decode", Self::HTML),
        ("normalize_path", Self::PATH),
        ("squeeze", Self::SQUEEZE),
        ("lowercase", Self::LOWERCASE),
    ];

    /// The chain native rules get when they name none: everything a WAF would undo.
    pub const DEFAULT: Transforms =
        Transforms(Self::URL_DECODE | Self::PLUS | Self::HTML | Self::SQUEEZE | Self::LOWERCASE);

    /// Parses one transform name; `None` when unknown.
    pub fn flag(name: &str) -> Option<u8> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// Whether `flag` is part of this chain.
    pub fn has(self, flag: u8) -> bool {
        self.0 & flag != 0
    }

    /// Names of the transforms in the chain, in application order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(_, f)| self.has(*f))
            .map(|(n, _)| *n)
            .collect()
    }
}

/// How a check compares a zone's decoded text with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// The value occurs anywhere.
    Contains,
    /// The text starts with the value.
    Prefix,
    /// The text ends with the value.
    Suffix,
    /// The text equals the value (a `list` is an `equals` over many values).
    Equals,
    /// The regular expression matches (linear-time `regex` crate syntax).
    Regex,
    /// The client address lies in a CIDR block (Sigma `cidr`).
    Cidr,
}

impl Op {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Contains => "contains",
            Op::Prefix => "prefix",
            Op::Suffix => "suffix",
            Op::Equals => "equals",
            Op::Regex => "regex",
            Op::Cidr => "cidr",
        }
    }
}

/// One test of some zones against some values.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Zones looked at; the check holds when any zone holds.
    pub zones: Vec<Zone>,
    /// Transforms applied to each zone before comparing.
    pub transforms: Transforms,
    /// Comparison.
    pub op: Op,
    /// Values compared (already transformed like the text where that makes sense).
    pub values: Vec<String>,
    /// Whether all values must match (default: any).
    pub all: bool,
}

/// A boolean expression over a rule's checks (indices into [`Rule::checks`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// One check.
    Check(usize),
    /// Negation.
    Not(Box<Expr>),
    /// All must hold (true when empty).
    And(Vec<Expr>),
    /// One must hold (false when empty).
    Or(Vec<Expr>),
}

/// What a window rule counts per (tenant, source address).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Length of the sliding window, microseconds.
    pub span_micros: i64,
    /// Threshold: the rule fires when the count reaches it.
    pub threshold: usize,
    /// Count distinct values of this zone instead of requests.
    pub distinct: Option<Zone>,
    /// Only requests with one of these statuses count (empty: all).
    pub statuses: Vec<u16>,
}

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Parses `info|informational|low|medium|high|critical`.
    pub fn from_name(name: &str) -> Option<Severity> {
        Some(match name.to_ascii_lowercase().as_str() {
            "info" | "informational" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleSource {
    /// A kansoku YAML rule (built in or from a rules folder).
    Native,
    /// An imported Sigma rule.
    Sigma,
}

/// One inline example request and whether it must match.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The request as written in the rule file (for messages).
    pub text: String,
    /// The request built from it.
    pub request: kansoku_event::HttpRequest,
}

/// A compiled-ready detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id stored in `rule_ids` (a Sigma rule keeps its UUID).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Report category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// Attack tool this rule recognises (lowercase), stored in `tool`.
    pub tool: Option<String>,
    /// What the rule flags (rule documentation).
    pub description: String,
    /// Why it matters (rule documentation).
    pub why: String,
    /// References (advisories, CVEs, write-ups).
    pub references: Vec<String>,
    /// Tags (Sigma tags, or native free-form).
    pub tags: Vec<String>,
    /// Checks the condition refers to.
    pub checks: Vec<Check>,
    /// When the rule matches one request.
    pub condition: Expr,
    /// Behavioural window, for rules that fire on a pattern over time.
    pub window: Option<Window>,
    /// Requests that must match.
    pub examples_match: Vec<Example>,
    /// Requests that must not match.
    pub examples_no_match: Vec<Example>,
    /// Where the rule came from.
    pub source: RuleSource,
    /// File the rule was loaded from (`rules/…` for built-in ones).
    pub file: String,
}
