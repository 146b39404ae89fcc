//! Loading a rule set: finding CRS's files as installed (Debian's layout or a CRS release
//! folder), reading every directive CRS uses, and compiling rules into per-phase run
//! lists. What cannot run on a log (unsupported operators, variables a log never fills,
//! patterns that do not compile) is collected in a [`LoadReport`], never silently.

mod actions;
mod files;
mod lexer;
mod targets;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use actions::SyntaxError;
pub use files::crs_files;
use files::glob;
pub use lexer::Directive;
pub use targets::TargetError;

use actions::{id_range, parse_ctl, parse_phase, parse_setvar, split_operator, tag_regex};

use crate::operator::Operator;
use crate::rule::{Flow, Link, Piece, Rule, Step, Text, Var};
use crate::transform::Transform;

/// Settings kansoku adds to CRS's own setup.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Paranoia level 1–4 (`tx.paranoia_level`, and `tx.executing_paranoia_level`).
    pub paranoia_level: u8,
    /// Inbound anomaly score at which a request counts as an attack
    /// (`tx.inbound_anomaly_score_threshold`).
    pub inbound_threshold: i64,
    /// Extra SecLang text loaded after CRS (site exclusions, `SecRuleRemoveById`, ...).
    pub extra: Option<String>,
    /// Request headers the logs show (lowercase), or `None` when they show every header (a
    /// WAF audit log). A rule target naming another header is dropped, and a rule left
    /// with nothing it can see, or that counts such a header (`&REQUEST_HEADERS:Accept`,
    /// whose absence in a log means nothing), is disabled and listed in the report.
    pub visible_headers: Option<Vec<String>>,
}

/// Headers access logs carry in the formats kansoku reads.
pub const ACCESS_LOG_HEADERS: &[&str] = &["host", "user-agent", "referer", "x-forwarded-for"];

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            paranoia_level: 1,
            inbound_threshold: 5,
            extra: None,
            visible_headers: Some(ACCESS_LOG_HEADERS.iter().map(|h| (*h).to_owned()).collect()),
        }
    }
}

/// Why loading failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The folder holds no CRS layout kansoku knows.
    #[error(
        "{0}: not a Core Rule Set folder (expected rules/*.conf, or owasp-crs.load as Debian installs it)"
    )]
    NotCrs(PathBuf),
    /// A directive is malformed.
    #[error("{file}:{line}: {reason}")]
    Syntax {
        /// The file.
        file: String,
        /// The line the directive starts on.
        line: usize,
        /// What is wrong.
        #[source]
        reason: SyntaxError,
    },
    /// Includes nest too deep (a loop).
    #[error("{0}: includes nest more than 16 deep")]
    IncludeDepth(PathBuf),
}

/// What loading found that a log cannot run, rule by rule. Printed by `kansoku crs check`
/// and at start-up, once.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Files read, in order.
    pub files: Vec<PathBuf>,
    /// Rules loaded (a chain counts once), markers excluded.
    pub rules: usize,
    /// Rules of phases 1 and 2 (the ones a request from a log runs).
    pub request_rules: usize,
    /// Rules disabled because a pattern or data file failed: (id, reason).
    pub disabled: Vec<(u32, String)>,
    /// Rules whose pattern needs bounded backtracking.
    pub backtracking: Vec<u32>,
    /// Operators kansoku does not run, with the rules that use them.
    pub unsupported_operators: BTreeMap<String, Vec<u32>>,
    /// Variables a log never fills, with the rules of phases 1–2 that read them (those
    /// rules can only see an empty variable; response phases never run on a log).
    pub log_invisible: BTreeMap<String, Vec<u32>>,
    /// Directives read but without effect on logs (engine settings, audit log, ...).
    pub ignored_directives: BTreeMap<String, usize>,
    /// Actions read but without effect (`expirevar`, `initcol`, `ctl:auditLogParts`, ...).
    pub ignored_actions: BTreeMap<String, usize>,
    /// Rules removed by `SecRuleRemoveById/ByTag/ByMsg`.
    pub removed: usize,
    /// Rules disabled because they read only headers logs do not show, or count one.
    pub invisible_headers: Vec<(u32, String)>,
    /// Header targets dropped from rules (rule id, lowercase header name).
    pub dropped_header_targets: Vec<(u32, String)>,
}

/// A loaded rule set (see [`crate::Crs`]).
#[derive(Debug, Clone)]
pub struct Compiled {
    /// All rules, in file order.
    pub rules: Vec<Rule>,
    /// Run list per phase (index 0 = phase 1), with `skipAfter` jumps resolved.
    pub phases: Vec<Phase>,
    /// Distinct transformation chains (a link's `chain_key` indexes this).
    pub chains: Vec<Vec<Transform>>,
    /// What loading found.
    pub report: LoadReport,
    /// How the client address enters a request's verdict: `Some(ops)` when every rule of
    /// phases 1–2 that reads `REMOTE_ADDR` tests it with a fixed `@ipMatch` list (the
    /// verdict then depends on those answers, not on the address), `None` when a rule
    /// reads it otherwise.
    pub address_tests: Option<Vec<Operator>>,
    /// Whether a rule of phases 1–2 reads `RESPONSE_STATUS`.
    pub reads_status: bool,
    /// Per rule: whether it runs (not removed, not turned off for logs, not disabled).
    pub active: Vec<bool>,
    /// How many of phase 1's first steps read nothing of the request: markers, and rules
    /// that read only `TX` (or nothing), expand only `TX` and rule macros and have no
    /// `ctl`. CRS's initialisation (901) is such a prefix; the engine runs it once
    /// per thread and starts later requests from the state it left.
    pub prefix: usize,
    /// A number no other rule set of this process has: a [`crate::Scratch`] remembers
    /// answers for one rule set only, and forgets them when used with another.
    pub identity: u64,
    /// Per link `uid` (less one): the rule and the link within it.
    pub links_by_uid: Vec<(usize, usize)>,
}

/// Source of [`Compiled::identity`].
static IDENTITIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// One phase's run list.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Rules and markers in order.
    pub steps: Vec<Step>,
    /// For each step holding a rule with `skipAfter`, the step to continue at.
    pub jumps: Vec<Option<usize>>,
}

/// Directives that configure a web server's engine and mean nothing for a log.
const ENGINE_DIRECTIVES: &[&str] = &[
    "seccomponentsignature",
    "seccollectiontimeout",
    "secruleengine",
    "secrequestbodyaccess",
    "secrequestbodylimit",
    "secrequestbodynofileslimit",
    "secrequestbodyinmemorylimit",
    "secrequestbodylimitaction",
    "secrequestbodyjsondepthlimit",
    "secargumentslimit",
    "secpcrematchlimit",
    "secpcrematchlimitrecursion",
    "secresponsebodyaccess",
    "secresponsebodymimetype",
    "secresponsebodylimit",
    "secresponsebodylimitaction",
    "sectmpdir",
    "secdatadir",
    "secauditengine",
    "secauditlog",
    "secauditlogparts",
    "secauditlogtype",
    "secauditlogstoragedir",
    "secauditlogrelevantstatus",
    "secauditlogformat",
    "secargumentseparator",
    "seccookieformat",
    "secunicodemapfile",
    "secstatusengine",
    "secdebuglog",
    "secdebugloglevel",
    "secgeolookupdb",
    "secuploaddir",
    "secuploadkeepfiles",
    "secuploadfilemode",
    "sectmpsaveuploadedfiles",
    "secserversignature",
    "secwebappid",
    "secsensorid",
    "sechttpblkey",
    "secxmlexternalentity",
];

struct Defaults {
    transforms: Vec<Transform>,
    log: bool,
}

/// Builds a rule set from files (and the extra text of `opts`).
pub struct Loader {
    rules: Vec<Rule>,
    removed: Vec<bool>,
    order: Vec<Step>,
    chains: Vec<Vec<Transform>>,
    chain_ids: HashMap<Vec<Transform>, usize>,
    defaults: HashMap<u8, Defaults>,
    report: LoadReport,
    /// A rule whose last link asked for `chain`: the next `SecRule` continues it.
    open_chain: Option<usize>,
    /// Text loaded right after the first `crs-setup.conf*` file (or before the first rule
    /// file when there is none).
    after_setup: Option<String>,
}

impl Default for Loader {
    fn default() -> Self {
        Self::new()
    }
}

impl Loader {
    /// An empty loader.
    pub fn new() -> Loader {
        Loader {
            rules: Vec::new(),
            removed: Vec::new(),
            order: Vec::new(),
            chains: Vec::new(),
            chain_ids: HashMap::new(),
            defaults: HashMap::new(),
            report: LoadReport::default(),
            open_chain: None,
            after_setup: None,
        }
    }

    /// Loads `text` right after CRS's `crs-setup.conf` (kansoku's paranoia level and
    /// threshold, which must win over the file's), or before the first `REQUEST-*` file
    /// when no setup file is read.
    pub fn after_setup(&mut self, text: String) {
        self.after_setup = Some(text);
    }

    fn insert_settings(&mut self, dir: &Path) -> Result<(), LoadError> {
        if let Some(text) = self.after_setup.take() {
            self.text(&text, "kansoku settings", dir)?;
        }
        Ok(())
    }

    /// Loads one file (following its includes).
    pub fn file(&mut self, path: &Path) -> Result<(), LoadError> {
        self.file_at(path, 0)
    }

    fn file_at(&mut self, path: &Path, depth: usize) -> Result<(), LoadError> {
        if depth > 16 {
            return Err(LoadError::IncludeDepth(path.to_path_buf()));
        }
        let text = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8_lossy(&text);
        self.report.files.push(path.to_path_buf());
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let name = path.display().to_string();
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if file_name.starts_with("REQUEST-") || file_name.starts_with("RESPONSE-") {
            self.insert_settings(&dir)?;
        }
        for d in lexer::directives(&text) {
            self.directive(&d, &dir, &name, depth)?;
        }
        if file_name.starts_with("crs-setup.conf") {
            self.insert_settings(&dir)?;
        }
        Ok(())
    }

    /// Loads SecLang text given inline (`origin` names it in messages; `dir` resolves data
    /// files and includes).
    pub fn text(&mut self, text: &str, origin: &str, dir: &Path) -> Result<(), LoadError> {
        for d in lexer::directives(text) {
            self.directive(&d, dir, origin, 0)?;
        }
        Ok(())
    }

    fn syntax(file: &str, d: &Directive, reason: impl Into<SyntaxError>) -> LoadError {
        LoadError::Syntax {
            file: file.to_owned(),
            line: d.line,
            reason: reason.into(),
        }
    }

    fn directive(
        &mut self,
        d: &Directive,
        dir: &Path,
        file: &str,
        depth: usize,
    ) -> Result<(), LoadError> {
        let lower = d.name.to_ascii_lowercase();
        match lower.as_str() {
            "include" | "includeoptional" => {
                let Some(target) = d.args.first() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("Include without a path"),
                    ));
                };
                let target = Path::new(target);
                let target = if target.is_absolute() {
                    target.to_path_buf()
                } else {
                    dir.join(target)
                };
                let optional = lower == "includeoptional";
                let name = target
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let files = if name.contains(['*', '?']) {
                    let parent = target.parent().unwrap_or(Path::new("."));
                    if optional && !parent.is_dir() {
                        Vec::new()
                    } else {
                        glob(parent, &name)?
                    }
                } else if optional && !target.exists() {
                    Vec::new()
                } else {
                    vec![target]
                };
                for f in files {
                    self.file_at(&f, depth + 1)?;
                }
            }
            "secrule" => {
                let [vars, op, rest @ ..] = d.args.as_slice() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("SecRule needs variables and an operator"),
                    ));
                };
                let actions = rest.first().map(String::as_str).unwrap_or("");
                self.rule(Some((vars, op)), actions, dir, file, d)?;
            }
            "secaction" => {
                let actions = d.args.first().map(String::as_str).unwrap_or("");
                self.rule(None, actions, dir, file, d)?;
            }
            "secmarker" => {
                let Some(name) = d.args.first() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("SecMarker without a name"),
                    ));
                };
                self.order.push(Step::Marker(name.clone()));
            }
            "secdefaultaction" => {
                let actions = lexer::actions(d.args.first().map(String::as_str).unwrap_or(""));
                let mut phase = 2;
                let mut defaults = Defaults {
                    transforms: Vec::new(),
                    log: true,
                };
                for (name, value) in &actions {
                    match (name.to_ascii_lowercase().as_str(), value) {
                        ("phase", Some(v)) => phase = parse_phase(v).unwrap_or(2),
                        ("nolog", _) => defaults.log = false,
                        ("log", _) => defaults.log = true,
                        ("t", Some(v)) => {
                            if v.eq_ignore_ascii_case("none") {
                                defaults.transforms.clear();
                            } else if let Some(t) = Transform::from_name(v) {
                                defaults.transforms.push(t);
                            }
                        }
                        _ => {}
                    }
                }
                self.defaults.insert(phase, defaults);
            }
            "secruleremovebyid" => {
                let ranges: Vec<(u32, u32)> = d
                    .args
                    .iter()
                    .flat_map(|a| a.split([' ', ',']))
                    .filter_map(id_range)
                    .collect();
                self.remove(|r| ranges.iter().any(|&(a, b)| (a..=b).contains(&r.id)));
            }
            "secruleremovebytag" => {
                let Some(pat) = d.args.first() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("SecRuleRemoveByTag without a tag"),
                    ));
                };
                let re = tag_regex(pat).map_err(|e| Self::syntax(file, d, e))?;
                self.remove(|r| r.tags.iter().any(|t| re.is_match(t.as_bytes())));
            }
            "secruleremovebymsg" => {
                let Some(pat) = d.args.first() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("SecRuleRemoveByMsg without a message"),
                    ));
                };
                let re = tag_regex(pat).map_err(|e| Self::syntax(file, d, e))?;
                self.remove(|r| {
                    r.msg
                        .as_ref()
                        .and_then(Text::literal)
                        .is_some_and(|m| re.is_match(m))
                });
            }
            "secruleupdatetargetbyid" => {
                let [id, targets, ..] = d.args.as_slice() else {
                    return Err(Self::syntax(
                        file,
                        d,
                        SyntaxError::Missing("SecRuleUpdateTargetById needs an id and targets"),
                    ));
                };
                let Some((a, b)) = id_range(id) else {
                    return Err(Self::syntax(file, d, SyntaxError::BadRuleId(id.clone())));
                };
                let parsed = targets::parse(targets).map_err(|e| Self::syntax(file, d, e))?;
                for (rule, removed) in self.rules.iter_mut().zip(&self.removed) {
                    if *removed || !(a..=b).contains(&rule.id) {
                        continue;
                    }
                    if let Some(first) = rule.links.first_mut() {
                        first.targets.extend(parsed.targets.iter().cloned());
                        first.exclusions.extend(parsed.exclusions.iter().cloned());
                    }
                }
            }
            other => {
                if !ENGINE_DIRECTIVES.contains(&other) {
                    // Unknown to kansoku: say so, once per name, and go on (the rule set
                    // still loads; nothing that matches requests is skipped silently,
                    // since only SecRule/SecAction hold rules).
                }
                *self
                    .report
                    .ignored_directives
                    .entry(d.name.clone())
                    .or_default() += 1;
            }
        }
        Ok(())
    }

    fn remove(&mut self, pred: impl Fn(&Rule) -> bool) {
        for (rule, removed) in self.rules.iter().zip(self.removed.iter_mut()) {
            if !*removed && pred(rule) {
                *removed = true;
                self.report.removed += 1;
            }
        }
    }

    fn chain_key(&mut self, transforms: &[Transform]) -> usize {
        if let Some(&k) = self.chain_ids.get(transforms) {
            return k;
        }
        let k = self.chains.len();
        self.chains.push(transforms.to_vec());
        self.chain_ids.insert(transforms.to_vec(), k);
        k
    }

    fn rule(
        &mut self,
        rule: Option<(&String, &String)>,
        actions: &str,
        dir: &Path,
        file: &str,
        d: &Directive,
    ) -> Result<(), LoadError> {
        let origin = format!("{file}:{}", d.line);
        let continuing = self.open_chain.take();
        let actions = lexer::actions(actions);

        // Rule-level metadata (only the first link's count).
        let mut id = 0u32;
        let mut phase: Option<u8> = None;
        let mut msg = None;
        let mut logdata = None;
        let mut tags = Vec::new();
        let mut severity = None;
        let mut log: Option<bool> = None;
        let mut flow = Flow::Next;
        let mut chain = false;
        // Link-level.
        let mut transforms: Option<Vec<Transform>> = None;
        let mut capture = false;
        let mut multi_match = false;
        let mut setvars = Vec::new();
        let mut ctls = Vec::new();

        for (name, value) in &actions {
            let v = value.as_deref().unwrap_or("");
            match name.to_ascii_lowercase().as_str() {
                "id" => {
                    id = v
                        .trim()
                        .parse()
                        .map_err(|_| Self::syntax(file, d, SyntaxError::BadId(v.to_owned())))?
                }
                "phase" => {
                    phase = Some(parse_phase(v).ok_or_else(|| {
                        Self::syntax(file, d, SyntaxError::BadPhase(v.to_owned()))
                    })?)
                }
                "msg" => msg = Some(Text::parse(v)),
                "logdata" => logdata = Some(Text::parse(v)),
                "tag" => tags.push(v.to_owned()),
                "severity" => severity = Some(v.to_owned()),
                "log" => log = Some(true),
                "nolog" => log = Some(false),
                "chain" => chain = true,
                "skipafter" => flow = Flow::SkipAfter(v.to_owned()),
                "skip" => flow = Flow::Skip(v.trim().parse().unwrap_or(0)),
                "allow" => flow = Flow::Allow,
                "capture" => capture = true,
                "multimatch" => multi_match = true,
                "t" => {
                    let list = transforms.get_or_insert_with(Vec::new);
                    if v.eq_ignore_ascii_case("none") {
                        list.clear();
                    } else {
                        let t = Transform::from_name(v).ok_or_else(|| {
                            Self::syntax(file, d, SyntaxError::UnknownTransform(v.to_owned()))
                        })?;
                        list.push(t);
                    }
                }
                "setvar" => {
                    if let Some(sv) = parse_setvar(v) {
                        setvars.push(sv);
                    } else {
                        *self
                            .report
                            .ignored_actions
                            .entry("setvar (not TX)".into())
                            .or_default() += 1;
                    }
                }
                "ctl" => match parse_ctl(v) {
                    Ok(Some(c)) => ctls.push(c),
                    Ok(None) => {
                        let key = format!("ctl:{}", v.split('=').next().unwrap_or(v));
                        *self.report.ignored_actions.entry(key).or_default() += 1;
                    }
                    Err(e) => return Err(Self::syntax(file, d, e)),
                },
                "pass"
                | "block"
                | "deny"
                | "drop"
                | "ver"
                | "rev"
                | "maturity"
                | "accuracy"
                | "auditlog"
                | "noauditlog"
                | "status"
                | "sanitisematched"
                | "sanitisearg"
                | "sanitiseresponseheader"
                | "sanitiserequestheader"
                | "sanitisematchedbytes" => {}
                other => {
                    *self
                        .report
                        .ignored_actions
                        .entry(other.to_owned())
                        .or_default() += 1;
                }
            }
        }

        let defaults_phase = phase.unwrap_or_else(|| {
            continuing
                .and_then(|i| self.rules.get(i))
                .map_or(2, |r| r.phase)
        });
        let default = self.defaults.get(&defaults_phase);
        let transforms =
            transforms.unwrap_or_else(|| default.map(|d| d.transforms.clone()).unwrap_or_default());
        let default_log = default.is_none_or(|d| d.log);
        let chain_key = self.chain_key(&transforms);

        let mut disabled: Option<String> = None;
        let (targets, exclusions, op, negated) = match rule {
            None => (Vec::new(), Vec::new(), Operator::Unconditional, false),
            Some((vars, op)) => {
                let parsed = targets::parse(vars).map_err(|e| Self::syntax(file, d, e))?;
                let (negated, name, param) = split_operator(op);
                let op = match Operator::compile(name, param, dir) {
                    Ok(op) => op,
                    Err(e) => {
                        disabled = Some(e.to_string());
                        Operator::NoMatch
                    }
                };
                (parsed.targets, parsed.exclusions, op, negated)
            }
        };
        let link = Link {
            targets,
            exclusions,
            op,
            negated,
            transforms,
            chain_key,
            capture,
            multi_match,
            setvars,
            ctls,
            uid: 0,
            pure: false,
        };

        let index = match continuing {
            Some(i) => {
                self.rules[i].links.push(link);
                i
            }
            None => {
                let phase = phase.unwrap_or(2);
                self.rules.push(Rule {
                    id,
                    phase,
                    msg,
                    logdata,
                    tags,
                    severity,
                    log: log.unwrap_or(default_log),
                    flow,
                    links: vec![link],
                    origin,
                });
                self.removed.push(false);
                let i = self.rules.len() - 1;
                self.order.push(Step::Rule(i));
                i
            }
        };
        let rule_id = self.rules[index].id;
        if let Some(reason) = disabled {
            self.report.disabled.push((rule_id, reason));
            self.removed[index] = true;
        }
        if let Some(link) = self.rules[index].links.last().cloned() {
            self.note_link(rule_id, &link);
        }
        if chain {
            self.open_chain = Some(index);
        }
        Ok(())
    }

    fn note_link(&mut self, id: u32, link: &Link) {
        match &link.op {
            Operator::Unsupported(name) => self
                .report
                .unsupported_operators
                .entry(format!("@{name}"))
                .or_default()
                .push(id),
            Operator::Rx(p) if p.engine() == crate::pcre::Engine::Backtracking => {
                self.report.backtracking.push(id)
            }
            _ => {}
        }
        let request_phase = self
            .rules
            .iter()
            .rev()
            .find(|r| r.id == id)
            .is_none_or(|r| r.phase <= 2);
        for t in link.targets.iter().filter(|_| request_phase) {
            if matches!(t.var, Var::Empty(_) | Var::Unavailable(_)) {
                let list = self
                    .report
                    .log_invisible
                    .entry(t.var.name().to_owned())
                    .or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }
    }

    /// Drops targets naming headers outside `visible` (lowercase names); disables rules
    /// left blind, or counting such a header. Call before [`Loader::finish`].
    pub fn restrict_headers(&mut self, visible: &[String]) {
        use crate::rule::Selector;
        for (rule, removed) in self.rules.iter_mut().zip(self.removed.iter_mut()) {
            if *removed {
                continue;
            }
            let mut blind: Option<String> = None;
            for link in &mut rule.links {
                let before = link.targets.len();
                let mut counted = None;
                let dropped = &mut self.report.dropped_header_targets;
                link.targets.retain(|t| {
                    let Selector::Key(k) = &t.selector else {
                        return true;
                    };
                    if t.var != Var::RequestHeaders || visible.contains(k) {
                        return true;
                    }
                    if t.count {
                        counted = Some(k.clone());
                    }
                    if !dropped.iter().any(|(id, h)| *id == rule.id && h == k) {
                        dropped.push((rule.id, k.clone()));
                    }
                    false
                });
                if let Some(k) = counted {
                    blind = Some(format!("counts the header {k}, which logs do not show"));
                } else if before > 0 && link.targets.is_empty() {
                    blind = Some("reads only headers logs do not show".into());
                }
            }
            if let Some(reason) = blind {
                *removed = true;
                self.report.invisible_headers.push((rule.id, reason));
            }
        }
    }

    /// Finishes loading: per-phase run lists with `skipAfter` resolved.
    pub fn finish(mut self) -> Compiled {
        if let Some(text) = self.after_setup.take() {
            // Nothing CRS-like was read; the settings still apply.
            let _ = self.text(&text, "kansoku settings", Path::new("."));
        }
        let mut uid = 0u64;
        let mut links_by_uid = Vec::new();
        for (r, rule) in self.rules.iter_mut().enumerate() {
            for (l, link) in rule.links.iter_mut().enumerate() {
                uid += 1;
                link.uid = uid;
                links_by_uid.push((r, l));
                link.pure = link.op.macro_param().is_none()
                    && !matches!(link.op, Operator::RxMacro(_))
                    && !link.targets.is_empty()
                    && link.targets.iter().all(|t| {
                        !t.count
                            && !matches!(
                                t.var,
                                Var::Tx
                                    | Var::MatchedVar
                                    | Var::MatchedVarName
                                    | Var::MatchedVars
                                    | Var::MatchedVarsNames
                            )
                    });
            }
        }
        let mut phases = Vec::new();
        for p in 1..=5u8 {
            let steps: Vec<Step> = self
                .order
                .iter()
                .filter(|s| match s {
                    Step::Rule(i) => !self.removed[*i] && self.rules[*i].phase == p,
                    Step::Marker(_) => true,
                })
                .cloned()
                .collect();
            let jumps = steps
                .iter()
                .enumerate()
                .map(|(i, s)| match s {
                    Step::Rule(r) => match &self.rules[*r].flow {
                        // The first marker of that name after this rule; one before it (or
                        // missing) ends the phase, as ModSecurity does.
                        Flow::SkipAfter(m) => Some(
                            steps[i + 1..]
                                .iter()
                                .position(|s| matches!(s, Step::Marker(n) if n == m))
                                .map_or(steps.len(), |k| i + 1 + k + 1),
                        ),
                        _ => None,
                    },
                    Step::Marker(_) => None,
                })
                .collect();
            phases.push(Phase { steps, jumps });
        }
        self.report.rules = self.removed.iter().filter(|r| !**r).count();
        self.report.request_rules = self
            .rules
            .iter()
            .zip(&self.removed)
            .filter(|(r, rm)| !**rm && r.phase <= 2)
            .count();
        let mut address_tests = Some(Vec::new());
        let mut reads_status = false;
        for (rule, removed) in self.rules.iter().zip(&self.removed) {
            if *removed || rule.phase > 2 {
                continue;
            }
            for link in &rule.links {
                for t in &link.targets {
                    reads_status |= t.var == Var::ResponseStatus;
                    if t.var != Var::RemoteAddr {
                        continue;
                    }
                    match (&link.op, &mut address_tests) {
                        (Operator::IpMatch(_), Some(ops))
                            if link.transforms.is_empty() && !t.count =>
                        {
                            ops.push(link.op.clone())
                        }
                        _ => address_tests = None,
                    }
                }
            }
        }
        let active = self.removed.iter().map(|r| !r).collect();
        let tx_only = |t: &Text| {
            t.0.iter()
                .all(|p| !matches!(p, Piece::Macro { var, .. } if var != "tx" && var != "rule"))
        };
        let constant = |r: &Rule| {
            r.links.iter().all(|l| {
                l.ctls.is_empty()
                    && l.targets.iter().all(|t| t.var == Var::Tx)
                    && l.op.macro_param().is_none_or(tx_only)
                    && !matches!(&l.op, Operator::RxMacro(t) if !tx_only(t))
                    && l.setvars
                        .iter()
                        .all(|v| tx_only(&v.name) && tx_only(&v.value))
            })
        };
        let prefix = phases.first().map_or(0, |p: &Phase| {
            p.steps
                .iter()
                .take_while(|s| match s {
                    Step::Marker(_) => true,
                    Step::Rule(i) => constant(&self.rules[*i]),
                })
                .count()
        });
        Compiled {
            links_by_uid,
            rules: self.rules,
            phases,
            chains: self.chains,
            report: self.report,
            address_tests,
            reads_status,
            active,
            prefix,
            identity: IDENTITIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_after_lands_after_its_marker_in_the_same_phase() {
        let mut l = Loader::new();
        let text = r#"
SecRule ARGS "@rx a" "id:1,phase:1,pass,skipAfter:END"
SecRule ARGS "@rx b" "id:2,phase:1,pass"
SecMarker END
SecRule ARGS "@rx c" "id:3,phase:1,pass"
"#;
        l.text(text, "t", Path::new(".")).expect("loads");
        let c = l.finish();
        let p = &c.phases[0];
        // steps: rule1, rule2, END, rule3
        assert_eq!(p.jumps[0], Some(3));
        assert_eq!(c.report.rules, 3);
    }
}
