//! The OWASP Core Rule Set beside the rule pack: each request is rebuilt for
//! [`kansoku_crs`] from the record's fields (method, target, protocol, Host, User-Agent,
//! Referer, X-Forwarded-For, the body when the source logs it, the status), and counts as
//! an attack when its inbound anomaly score reaches the threshold, as CRS would block it.
//! Each rule that added to the score is then kept in `rule_ids` as `crs-<id>`, with its
//! category from its `attack-*` tag ([`kansoku_crs::category`]).

use std::path::PathBuf;
use std::sync::Arc;

use kansoku_crs::{Crs, Request, Scratch, Verdict};
use kansoku_event::HttpRequest;

use crate::matcher::Hit;
use crate::model::Zone;

/// Where CRS is and how it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CrsOptions {
    /// The CRS folder (Debian's `/usr/share/modsecurity-crs`, or a release folder).
    pub dir: PathBuf,
    /// Paranoia level 1–4.
    pub paranoia_level: u8,
    /// Inbound anomaly score threshold.
    pub threshold: i64,
}

impl CrsOptions {
    /// Loads the rule set.
    pub fn load(&self) -> Result<Crs, kansoku_crs::LoadError> {
        let opts = kansoku_crs::LoadOptions {
            paranoia_level: self.paranoia_level,
            inbound_threshold: self.threshold,
            ..kansoku_crs::LoadOptions::default()
        };
        Crs::load(&self.dir, &opts)
    }
}

/// The rule id kansoku stores for a CRS rule.
pub fn rule_id(id: u32) -> String {
    format!("crs-{id}")
}

/// A CRS rule as `kansoku rules list` and `rules show` present it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrsRuleInfo {
    /// `crs-<id>`.
    pub id: String,
    /// kansoku's category, from the rule's `attack-*` tag.
    pub category: &'static str,
    /// CRS's severity, lowercase (`critical`, `warning`, ...).
    pub severity: String,
    /// The rule's `msg`.
    pub title: String,
    /// From its `paranoia-level/N` tag.
    pub paranoia_level: Option<u8>,
    /// File and line of the rule.
    pub origin: String,
    /// Its tags.
    pub tags: Vec<String>,
}

impl CrsRuleInfo {
    /// The rule's documentation as Markdown (what `kansoku rules show crs-<id>` prints).
    pub fn doc_markdown(&self) -> String {
        let pl = self
            .paranoia_level
            .map_or_else(|| "-".to_owned(), |p| p.to_string());
        format!(
            "# {}: {}\n\nOWASP Core Rule Set rule, run by kansoku's CRS engine; counted as an \
             attack when a request's anomaly score reaches the threshold.\n\n\
             - category: {}\n- severity: {}\n- paranoia level: {}\n- defined at: {}\n- tags: {}\n",
            self.id,
            self.title,
            self.category,
            self.severity,
            pl,
            self.origin,
            self.tags.join(", ")
        )
    }
}

/// The CRS rules that can add to a request's score (active, with an `attack-*` tag and a
/// message, not the evaluation rules), in file order.
pub fn listed(crs: &Crs) -> Vec<CrsRuleInfo> {
    crs.rules()
        .iter()
        .enumerate()
        .filter(|(i, r)| crs.is_active(*i) && r.id != 0 && contributes(r))
        .map(|(_, r)| CrsRuleInfo {
            id: rule_id(r.id),
            category: kansoku_crs::category(&r.tags),
            severity: r.severity.clone().unwrap_or_default().to_ascii_lowercase(),
            title: r
                .msg
                .as_ref()
                .and_then(kansoku_crs::rule::Text::literal)
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_default(),
            paranoia_level: r
                .tags
                .iter()
                .find_map(|t| t.strip_prefix("paranoia-level/")?.parse().ok()),
            origin: r.origin.clone(),
            tags: r.tags.clone(),
        })
        .filter(|r| !r.title.is_empty())
        .collect()
}

/// Runs CRS on requests; one per thread.
pub(crate) struct CrsMatcher {
    crs: Arc<Crs>,
    scratch: Scratch,
    uri: Vec<u8>,
}

impl std::fmt::Debug for CrsMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrsMatcher").finish_non_exhaustive()
    }
}

impl CrsMatcher {
    pub(crate) fn new(crs: Arc<Crs>) -> CrsMatcher {
        CrsMatcher {
            crs,
            scratch: Scratch::default(),
            uri: Vec::new(),
        }
    }

    fn run(&mut self, req: &HttpRequest) -> Verdict {
        self.uri.clear();
        match (&req.raw_uri, &req.path) {
            (Some(raw), _) => self.uri.extend_from_slice(raw.as_bytes()),
            (None, Some(path)) => {
                self.uri.extend_from_slice(path.as_bytes());
                if let Some(q) = &req.query {
                    self.uri.push(b'?');
                    self.uri.extend_from_slice(q.as_bytes());
                }
            }
            (None, None) => self.uri.push(b'/'),
        }
        let mut headers: Vec<(&[u8], &[u8])> = Vec::with_capacity(4);
        if req.host.as_deref().is_none_or(|h| h.is_empty() || h == "-") {
            // Most access-log formats do not record the Host header; every HTTP/1.1
            // request has one. A neutral name keeps CRS's missing-Host rules (920280)
            // from firing on what the log simply did not write down.
            headers.push((b"Host", b"localhost"));
        }
        for (name, value) in [
            (&b"Host"[..], &req.host),
            (b"User-Agent", &req.user_agent),
            (b"Referer", &req.referer),
            (b"X-Forwarded-For", &req.x_forwarded_for),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty() && *v != "-") {
                headers.push((name, v.as_bytes()));
            }
        }
        let request = Request {
            method: req.method.as_deref().unwrap_or("GET").as_bytes(),
            uri: &self.uri,
            protocol: req.protocol.as_deref().unwrap_or("").as_bytes(),
            headers,
            body: req.body.as_deref().map(str::as_bytes),
            remote_addr: req.src_ip.as_deref().unwrap_or("").as_bytes(),
            status: req.status,
        };
        self.crs.evaluate(&request, &mut self.scratch)
    }

    /// Adds the rules of an attack (score at the threshold) to the record.
    pub(crate) fn apply(&mut self, req: &mut HttpRequest) {
        let verdict = self.run(req);
        if !verdict.attack || served_by_policy(&self.crs, &verdict, req.status) {
            return;
        }
        for m in &verdict.matches {
            let Some(rule) = self.crs.rule(m.rule) else {
                continue;
            };
            if !contributes(rule) {
                continue;
            }
            let id = rule_id(m.id);
            if !req.rule_ids.contains(&id) {
                req.rule_ids.push(id);
            }
            let cat = kansoku_crs::category(&rule.tags);
            if !req.categories.iter().any(|c| c == cat) {
                req.categories.push(cat.to_owned());
            }
        }
    }

    /// What each contributing rule matched, for `kansoku explain`.
    pub(crate) fn explain(&mut self, req: &HttpRequest) -> Vec<Hit> {
        let verdict = self.run(req);
        let mut hits = Vec::new();
        for m in &verdict.matches {
            let Some(rule) = self.crs.rule(m.rule) else {
                continue;
            };
            if !contributes(rule) {
                continue;
            }
            let transforms = rule
                .links
                .first()
                .map(|l| l.transforms.iter().map(|t| t.name()).collect())
                .unwrap_or_default();
            hits.push(Hit {
                rule_id: rule_id(m.id),
                category: kansoku_crs::category(&rule.tags).to_owned(),
                zone: zone_of(&m.var),
                transforms,
                decoded: String::from_utf8_lossy(&m.value).into_owned(),
                matched: if m.data.is_empty() {
                    m.msg.clone()
                } else {
                    format!("{} ({})", m.msg, m.data)
                },
            });
        }
        if !verdict.attack && !hits.is_empty() {
            // Below the threshold nothing is stored; say so rather than hide the rules.
            for h in &mut hits {
                h.matched = format!(
                    "{} [score {} below threshold {}: not stored]",
                    h.matched,
                    verdict.score,
                    self.crs.threshold()
                );
            }
        }
        hits
    }
}

/// Rules that judge only the kind of file a path names (CRS's policy of restricted
/// extensions, 920440, and backup or working files, 920500). A WAF blocks such requests
/// before the server answers; in a log, a 2xx or 304 answer says the site serves that file
/// to anyone: the site's own content, not an attack (as for probes of known paths).
const PATH_POLICY_RULES: [u32; 2] = [920440, 920500];

/// Whether every contributing rule is a path-policy rule and the server answered 2xx/304.
fn served_by_policy(crs: &Crs, verdict: &Verdict, status: Option<u16>) -> bool {
    let served = status.is_some_and(|s| (200..300).contains(&s) || s == 304);
    served
        && verdict.matches.iter().all(|m| {
            PATH_POLICY_RULES.contains(&m.id) || crs.rule(m.rule).is_none_or(|r| !contributes(r))
        })
}

/// Rules that add to the anomaly score carry an `attack-*` tag. The blocking evaluation
/// (949xxx, 959xxx) and correlation (980xxx) rules judge the total; they are not kept,
/// though CRS tags 949110 `attack-generic`.
fn contributes(rule: &kansoku_crs::rule::Rule) -> bool {
    let evaluation = matches!(rule.id, 949_000..=949_999 | 959_000..=959_999 | 980_000..=980_999);
    !evaluation && rule.tags.iter().any(|t| t.starts_with("attack-"))
}

fn zone_of(var: &str) -> Zone {
    let (name, key) = var.split_once(':').unwrap_or((var, ""));
    match name {
        "ARGS" | "ARGS_GET" | "ARGS_NAMES" | "ARGS_GET_NAMES" => Zone::Args,
        "ARGS_POST" | "ARGS_POST_NAMES" | "REQUEST_BODY" => Zone::Body,
        "QUERY_STRING" => Zone::Query,
        "REQUEST_FILENAME" | "REQUEST_BASENAME" => Zone::Path,
        "REQUEST_METHOD" => Zone::Method,
        "RESPONSE_STATUS" => Zone::Status,
        "REQUEST_HEADERS" if key.eq_ignore_ascii_case("user-agent") => Zone::UserAgent,
        "REQUEST_HEADERS" if key.eq_ignore_ascii_case("referer") => Zone::Referer,
        "REQUEST_HEADERS" if key.eq_ignore_ascii_case("host") => Zone::Host,
        "REQUEST_HEADERS" | "REQUEST_HEADERS_NAMES" => Zone::Headers,
        "REMOTE_ADDR" => Zone::ClientIp,
        _ => Zone::Uri,
    }
}
