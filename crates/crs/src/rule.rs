//! The compiled rule model: what a `SecRule`, `SecAction` or `SecMarker` becomes after
//! loading. Everything a request needs is resolved here once (targets parsed, operator
//! compiled, transformations looked up, `skipAfter` turned into a position), so running a
//! request allocates as little as it can.

use crate::operator::Operator;
use crate::transform::Transform;

/// A variable a rule inspects (`ARGS`, `REQUEST_HEADERS`, `TX`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Var {
    /// `ARGS`: query-string and body arguments.
    Args,
    /// `ARGS_GET`.
    ArgsGet,
    /// `ARGS_POST`.
    ArgsPost,
    /// `ARGS_NAMES`.
    ArgsNames,
    /// `ARGS_GET_NAMES`.
    ArgsGetNames,
    /// `ARGS_POST_NAMES`.
    ArgsPostNames,
    /// `ARGS_COMBINED_SIZE`.
    ArgsCombinedSize,
    /// `REQUEST_HEADERS`.
    RequestHeaders,
    /// `REQUEST_HEADERS_NAMES`.
    RequestHeadersNames,
    /// `REQUEST_COOKIES`.
    RequestCookies,
    /// `REQUEST_COOKIES_NAMES`.
    RequestCookiesNames,
    /// `REQUEST_URI`: path and query, without scheme or host.
    RequestUri,
    /// `REQUEST_URI_RAW`: the request target as sent.
    RequestUriRaw,
    /// `REQUEST_FILENAME`: the path without the query.
    RequestFilename,
    /// `REQUEST_BASENAME`: the last segment of the path.
    RequestBasename,
    /// `REQUEST_LINE`.
    RequestLine,
    /// `REQUEST_METHOD`.
    RequestMethod,
    /// `REQUEST_PROTOCOL`.
    RequestProtocol,
    /// `QUERY_STRING`.
    QueryString,
    /// `REQUEST_BODY`.
    RequestBody,
    /// `REQBODY_PROCESSOR`.
    ReqbodyProcessor,
    /// `REQBODY_ERROR`.
    ReqbodyError,
    /// `REMOTE_ADDR`.
    RemoteAddr,
    /// `RESPONSE_STATUS`.
    ResponseStatus,
    /// `TX`: the transaction's variables.
    Tx,
    /// `MATCHED_VAR`.
    MatchedVar,
    /// `MATCHED_VAR_NAME`.
    MatchedVarName,
    /// `MATCHED_VARS`.
    MatchedVars,
    /// `MATCHED_VARS_NAMES`.
    MatchedVarsNames,
    /// `FILES`, `FILES_NAMES`, `XML`, `MULTIPART_*`, ...: variables a log never fills.
    /// They exist (so rules load) and are always empty.
    Empty(EmptyVar),
    /// `IP`, `GEO`, `UNIQUE_ID`, `DURATION`, ...: known but not provided; always empty.
    Unavailable(UnavailableVar),
}

/// Variables that exist in SecLang but that a request rebuilt from a log line never has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum EmptyVar {
    Files,
    FilesNames,
    FilesCombinedSize,
    Xml,
    MultipartPartHeaders,
    MultipartStrictError,
    MultipartUnmatchedBoundary,
    ResponseBody,
    ResponseHeaders,
}

/// Variables kansoku knows but does not fill: persistent collections and per-server data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UnavailableVar {
    Ip,
    Geo,
    UniqueId,
    Duration,
    Session,
    User,
    Global,
    Resource,
}

impl Var {
    /// Looks up a variable by its SecLang name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Var> {
        let upper = name.to_ascii_uppercase();
        Some(match upper.as_str() {
            "ARGS" => Var::Args,
            "ARGS_GET" => Var::ArgsGet,
            "ARGS_POST" => Var::ArgsPost,
            "ARGS_NAMES" => Var::ArgsNames,
            "ARGS_GET_NAMES" => Var::ArgsGetNames,
            "ARGS_POST_NAMES" => Var::ArgsPostNames,
            "ARGS_COMBINED_SIZE" => Var::ArgsCombinedSize,
            "REQUEST_HEADERS" => Var::RequestHeaders,
            "REQUEST_HEADERS_NAMES" => Var::RequestHeadersNames,
            "REQUEST_COOKIES" => Var::RequestCookies,
            "REQUEST_COOKIES_NAMES" => Var::RequestCookiesNames,
            "REQUEST_URI" => Var::RequestUri,
            "REQUEST_URI_RAW" => Var::RequestUriRaw,
            "REQUEST_FILENAME" => Var::RequestFilename,
            "REQUEST_BASENAME" => Var::RequestBasename,
            "REQUEST_LINE" => Var::RequestLine,
            "REQUEST_METHOD" => Var::RequestMethod,
            "REQUEST_PROTOCOL" => Var::RequestProtocol,
            "QUERY_STRING" => Var::QueryString,
            "REQUEST_BODY" => Var::RequestBody,
            "REQBODY_PROCESSOR" => Var::ReqbodyProcessor,
            "REQBODY_ERROR" | "REQBODY_PROCESSOR_ERROR" => Var::ReqbodyError,
            "REMOTE_ADDR" => Var::RemoteAddr,
            "RESPONSE_STATUS" => Var::ResponseStatus,
            "TX" => Var::Tx,
            "MATCHED_VAR" => Var::MatchedVar,
            "MATCHED_VAR_NAME" => Var::MatchedVarName,
            "MATCHED_VARS" => Var::MatchedVars,
            "MATCHED_VARS_NAMES" => Var::MatchedVarsNames,
            "FILES" => Var::Empty(EmptyVar::Files),
            "FILES_NAMES" => Var::Empty(EmptyVar::FilesNames),
            "FILES_COMBINED_SIZE" => Var::Empty(EmptyVar::FilesCombinedSize),
            "XML" => Var::Empty(EmptyVar::Xml),
            "MULTIPART_PART_HEADERS" => Var::Empty(EmptyVar::MultipartPartHeaders),
            "MULTIPART_STRICT_ERROR" => Var::Empty(EmptyVar::MultipartStrictError),
            "MULTIPART_UNMATCHED_BOUNDARY" => Var::Empty(EmptyVar::MultipartUnmatchedBoundary),
            "RESPONSE_BODY" => Var::Empty(EmptyVar::ResponseBody),
            "RESPONSE_HEADERS" => Var::Empty(EmptyVar::ResponseHeaders),
            "IP" => Var::Unavailable(UnavailableVar::Ip),
            "GEO" => Var::Unavailable(UnavailableVar::Geo),
            "UNIQUE_ID" => Var::Unavailable(UnavailableVar::UniqueId),
            "DURATION" => Var::Unavailable(UnavailableVar::Duration),
            "SESSION" => Var::Unavailable(UnavailableVar::Session),
            "USER" => Var::Unavailable(UnavailableVar::User),
            "GLOBAL" => Var::Unavailable(UnavailableVar::Global),
            "RESOURCE" => Var::Unavailable(UnavailableVar::Resource),
            _ => return None,
        })
    }

    /// The SecLang name, as used in `MATCHED_VAR_NAME` (`ARGS:id`).
    pub fn name(self) -> &'static str {
        match self {
            Var::Args => "ARGS",
            Var::ArgsGet => "ARGS_GET",
            Var::ArgsPost => "ARGS_POST",
            Var::ArgsNames => "ARGS_NAMES",
            Var::ArgsGetNames => "ARGS_GET_NAMES",
            Var::ArgsPostNames => "ARGS_POST_NAMES",
            Var::ArgsCombinedSize => "ARGS_COMBINED_SIZE",
            Var::RequestHeaders => "REQUEST_HEADERS",
            Var::RequestHeadersNames => "REQUEST_HEADERS_NAMES",
            Var::RequestCookies => "REQUEST_COOKIES",
            Var::RequestCookiesNames => "REQUEST_COOKIES_NAMES",
            Var::RequestUri => "REQUEST_URI",
            Var::RequestUriRaw => "REQUEST_URI_RAW",
            Var::RequestFilename => "REQUEST_FILENAME",
            Var::RequestBasename => "REQUEST_BASENAME",
            Var::RequestLine => "REQUEST_LINE",
            Var::RequestMethod => "REQUEST_METHOD",
            Var::RequestProtocol => "REQUEST_PROTOCOL",
            Var::QueryString => "QUERY_STRING",
            Var::RequestBody => "REQUEST_BODY",
            Var::ReqbodyProcessor => "REQBODY_PROCESSOR",
            Var::ReqbodyError => "REQBODY_ERROR",
            Var::RemoteAddr => "REMOTE_ADDR",
            Var::ResponseStatus => "RESPONSE_STATUS",
            Var::Tx => "TX",
            Var::MatchedVar => "MATCHED_VAR",
            Var::MatchedVarName => "MATCHED_VAR_NAME",
            Var::MatchedVars => "MATCHED_VARS",
            Var::MatchedVarsNames => "MATCHED_VARS_NAMES",
            Var::Empty(e) => match e {
                EmptyVar::Files => "FILES",
                EmptyVar::FilesNames => "FILES_NAMES",
                EmptyVar::FilesCombinedSize => "FILES_COMBINED_SIZE",
                EmptyVar::Xml => "XML",
                EmptyVar::MultipartPartHeaders => "MULTIPART_PART_HEADERS",
                EmptyVar::MultipartStrictError => "MULTIPART_STRICT_ERROR",
                EmptyVar::MultipartUnmatchedBoundary => "MULTIPART_UNMATCHED_BOUNDARY",
                EmptyVar::ResponseBody => "RESPONSE_BODY",
                EmptyVar::ResponseHeaders => "RESPONSE_HEADERS",
            },
            Var::Unavailable(u) => match u {
                UnavailableVar::Ip => "IP",
                UnavailableVar::Geo => "GEO",
                UnavailableVar::UniqueId => "UNIQUE_ID",
                UnavailableVar::Duration => "DURATION",
                UnavailableVar::Session => "SESSION",
                UnavailableVar::User => "USER",
                UnavailableVar::Global => "GLOBAL",
                UnavailableVar::Resource => "RESOURCE",
            },
        }
    }

    /// Whether the variable is a collection (takes `:selector`) rather than a scalar.
    pub fn is_collection(self) -> bool {
        matches!(
            self,
            Var::Args
                | Var::ArgsGet
                | Var::ArgsPost
                | Var::ArgsNames
                | Var::ArgsGetNames
                | Var::ArgsPostNames
                | Var::RequestHeaders
                | Var::RequestHeadersNames
                | Var::RequestCookies
                | Var::RequestCookiesNames
                | Var::Tx
                | Var::MatchedVars
                | Var::MatchedVarsNames
                | Var::Empty(_)
                | Var::Unavailable(_)
        )
    }
}

/// Which members of a collection a target names.
#[derive(Debug, Clone)]
pub enum Selector {
    /// The whole collection.
    All,
    /// One key, compared case-insensitively (stored lowercase).
    Key(String),
    /// Keys matching a regular expression (`ARGS:/^id_/`).
    Regex(regex::bytes::Regex),
}

impl Selector {
    /// Whether a member's key is selected.
    pub fn selects(&self, key: &[u8]) -> bool {
        match self {
            Selector::All => true,
            Selector::Key(k) => key.eq_ignore_ascii_case(k.as_bytes()),
            Selector::Regex(re) => re.is_match(key),
        }
    }
}

/// One target of a rule: `ARGS`, `ARGS:id`, `&TX:foo`, `REQUEST_HEADERS:/^x-/`.
#[derive(Debug, Clone)]
pub struct Target {
    /// The variable.
    pub var: Var,
    /// The members selected.
    pub selector: Selector,
    /// `&VAR`: the rule sees the number of members instead of their values.
    pub count: bool,
}

/// A `!VAR:key` exclusion: members removed from a rule's targets.
#[derive(Debug, Clone)]
pub struct Exclusion {
    /// The variable.
    pub var: Var,
    /// The members excluded (never `All` in CRS, but allowed).
    pub selector: Selector,
}

/// How `setvar` changes a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOp {
    /// `name=value`.
    Set,
    /// `name=+value`.
    Add,
    /// `name=-value`.
    Sub,
    /// `!name`.
    Delete,
}

/// One `setvar` action (only the `TX` collection is kept; others are accepted and ignored).
#[derive(Debug, Clone)]
pub struct SetVar {
    /// Lowercased variable name within `TX` (may hold a macro, e.g. `%{rule.id}`).
    pub name: Text,
    /// The change.
    pub op: SetOp,
    /// The value, with macros.
    pub value: Text,
}

/// Text with `%{...}` macros, split at load time.
#[derive(Debug, Clone, Default)]
pub struct Text(pub Vec<Piece>);

/// One part of a [`Text`].
#[derive(Debug, Clone)]
pub enum Piece {
    /// Literal bytes.
    Lit(Vec<u8>),
    /// `%{collection.key}` or `%{VARIABLE}` (names lowercased).
    Macro {
        /// The variable (`tx`, `matched_var`, `request_headers`, `rule`, ...).
        var: String,
        /// The key after the dot, if any.
        key: Option<String>,
    },
}

impl Text {
    /// Splits `s` at its macros.
    pub fn parse(s: &str) -> Text {
        let mut pieces = Vec::new();
        let mut lit = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find("%{") {
            let Some(len) = rest[start + 2..].find('}') else {
                break;
            };
            lit.extend_from_slice(&rest.as_bytes()[..start]);
            let inner = &rest[start + 2..start + 2 + len];
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let (var, key) = match inner.split_once('.') {
                Some((v, k)) => (v.to_ascii_lowercase(), Some(k.to_ascii_lowercase())),
                None => match inner.split_once(':') {
                    Some((v, k)) => (v.to_ascii_lowercase(), Some(k.to_ascii_lowercase())),
                    None => (inner.to_ascii_lowercase(), None),
                },
            };
            pieces.push(Piece::Macro { var, key });
            rest = &rest[start + 2 + len + 1..];
        }
        lit.extend_from_slice(rest.as_bytes());
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Text(pieces)
    }

    /// The text when it holds no macro.
    pub fn literal(&self) -> Option<&[u8]> {
        match self.0.as_slice() {
            [] => Some(b""),
            [Piece::Lit(l)] => Some(l),
            _ => None,
        }
    }

    /// Whether the text holds a macro.
    pub fn has_macro(&self) -> bool {
        self.literal().is_none()
    }
}

/// A `ctl:` action kansoku acts on.
#[derive(Debug, Clone)]
pub enum Ctl {
    /// `ctl:ruleRemoveById=ID` or a range `A-B`.
    RemoveById(u32, u32),
    /// `ctl:ruleRemoveByTag=TAG`.
    RemoveByTag(String),
    /// `ctl:ruleRemoveTargetById=ID;VAR:key` (or a range of ids `A-B`).
    RemoveTargetById(u32, u32, Exclusion),
    /// `ctl:ruleRemoveTargetByTag=TAG;VAR:key`.
    RemoveTargetByTag(String, Exclusion),
    /// `ctl:ruleEngine=Off`: stops the evaluation of this request.
    EngineOff,
}

/// What happens when a rule (whole chain) matches, for flow: only `skipAfter`/`skip` and
/// `allow` change anything, since kansoku never blocks (it reads logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the next rule.
    Next,
    /// `skipAfter:MARKER`, resolved per phase at load to the index after the marker.
    SkipAfter(String),
    /// `skip:N`: skip the next N rules (chains count as one).
    Skip(usize),
    /// `allow`: stop the phase (the request is let through).
    Allow,
}

/// One link of a rule: a `SecRule` (or the single link of a `SecAction`).
#[derive(Debug, Clone)]
pub struct Link {
    /// Targets.
    pub targets: Vec<Target>,
    /// Exclusions (`!VAR:key`) written in the rule.
    pub exclusions: Vec<Exclusion>,
    /// Operator (`SecAction` gets an unconditional match).
    pub op: Operator,
    /// `!@op`.
    pub negated: bool,
    /// Transformations in order.
    pub transforms: Vec<Transform>,
    /// Index of this transformation chain in the rule set's chain table (for caching).
    pub chain_key: usize,
    /// `capture`.
    pub capture: bool,
    /// `multiMatch`.
    pub multi_match: bool,
    /// `setvar` actions.
    pub setvars: Vec<SetVar>,
    /// `ctl:` actions.
    pub ctls: Vec<Ctl>,
    /// A number unique in the rule set (set when loading finishes).
    pub uid: u64,
    /// Whether the link's answer for a value depends on that value alone: request
    /// variables only (no `TX`, `MATCHED_*`, counts), no macro in the operator. Such
    /// answers are remembered across requests (set at finish).
    pub pure: bool,
}

/// A rule: a chain of links with the metadata of its first.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `id`, 0 for chain-less markers and rules without one.
    pub id: u32,
    /// Phase 1–5.
    pub phase: u8,
    /// `msg`, with macros.
    pub msg: Option<Text>,
    /// `logdata`, with macros.
    pub logdata: Option<Text>,
    /// `tag`s.
    pub tags: Vec<String>,
    /// `severity`, as written (`CRITICAL` or `2`).
    pub severity: Option<String>,
    /// Whether a match is logged (`log`, not `nolog`).
    pub log: bool,
    /// Flow after a match of the whole chain.
    pub flow: Flow,
    /// The links, first to last.
    pub links: Vec<Link>,
    /// File and line where the rule starts (for messages).
    pub origin: String,
}

/// An entry of a phase's run list.
#[derive(Debug, Clone)]
pub enum Step {
    /// A rule, by index in the rule set.
    Rule(usize),
    /// A `SecMarker`.
    Marker(String),
}
