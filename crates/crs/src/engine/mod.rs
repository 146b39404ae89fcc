//! Running a loaded rule set on one request: phases 1 and 2 (what a request carries),
//! rules in order, chains link by link, `skipAfter` jumps, `setvar` and `capture` into the
//! transaction's `TX` collection, `ctl:` removals, and anomaly scoring. Nothing blocks:
//! kansoku reads logs, so every rule runs as `SecRuleEngine DetectionOnly` would.

/// tmp
mod actions;
mod recall;
mod values;

use std::collections::{BTreeMap, HashMap};

use crate::load::Compiled;
use crate::operator::{Operator, Outcome, atoi, run_pattern};
use crate::pcre::Pattern;
use crate::request::{Request, Vars};
use crate::rule::{Exclusion, Flow, Link, Rule, Step, Var};

/// One rule that matched (its whole chain) and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// Index of the rule in the rule set (for [`crate::Crs::rule`]).
    pub rule: usize,
    /// The rule's id.
    pub id: u32,
    /// `msg`, expanded.
    pub msg: String,
    /// `logdata`, expanded.
    pub data: String,
    /// Name of the variable that matched last (`ARGS:id`).
    pub var: String,
    /// Its value after transformations (at most 256 bytes).
    pub value: Vec<u8>,
}

/// The result of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Rules that matched and log, in the order they ran.
    pub matches: Vec<RuleMatch>,
    /// The inbound anomaly score CRS computed (`tx.anomaly_score` in CRS 3,
    /// `tx.blocking_inbound_anomaly_score` in CRS 4).
    pub score: i64,
    /// Whether the score reaches the configured threshold (CRS would have blocked).
    pub attack: bool,
    /// Bounded regexes that gave up on this request (each counted as no match).
    pub limit_hits: u32,
}

/// Per-thread working memory, reused across requests.
#[derive(Default)]
pub struct Scratch {
    vars: Vars,
    tx: BTreeMap<Vec<u8>, Vec<u8>>,
    cache: HashMap<(u32, u32), Option<Vec<u8>>>,
    caps: Vec<Option<Vec<u8>>>,
    ids: Vec<u32>,
    removed_ids: Vec<(u32, u32)>,
    removed_tags: Vec<String>,
    removed_targets: Vec<(Scope, Exclusion)>,
    matched_var: Vec<u8>,
    matched_name: Vec<u8>,
    matched_vars: Vec<(Vec<u8>, Vec<u8>)>,
    link_matches: Vec<(Vec<u8>, Vec<u8>)>,
    rx_cache: HashMap<Vec<u8>, Option<Pattern>>,
    limit_hits: u32,
    engine_off: bool,
    vals: Vec<Val>,
    /// (pure link, value) pairs known not to match, across requests.
    memo: foldhash::HashSet<u64>,
    /// Verdicts of requests seen before, by a 128-bit hash of what the rules read.
    verdicts: foldhash::HashMap<u128, Verdict>,
    /// Per `TX` variable: the request members its value came from.
    taint: HashMap<Vec<u8>, Vec<u32>>,
    /// Per member of the request being walked: how the walk read it.
    touch: Vec<recall::Touch>,
    /// Verdicts by request shape, and what a request's values must satisfy to get them.
    shapes: recall::Shapes,
    /// The rule set the remembered answers belong to.
    identity: u64,
    /// The state after phase 1's request-independent first steps.
    prefix: Option<Prefix>,
}

/// What phase 1's request-independent first steps leave behind.
struct Prefix {
    /// The matches they log (the same for every request).
    matches: Vec<RuleMatch>,
    tx: BTreeMap<Vec<u8>, Vec<u8>>,
    matched_var: Vec<u8>,
    matched_name: Vec<u8>,
    matched_vars: Vec<(Vec<u8>, Vec<u8>)>,
    next: usize,
}

/// Verdicts remembered per thread before the memory is reset.
const VERDICT_LIMIT: usize = 1 << 16;

#[derive(Debug, Clone)]
enum Scope {
    Ids(u32, u32),
    Tag(String),
}

enum Val {
    /// A member of the request's variables, and the variable it was read as.
    Member(u32, Var),
    Owned(Vec<u8>, Vec<u8>),
}

impl Compiled {
    /// Runs phases 1 and 2 on `req`. `threshold` decides [`Verdict::attack`].
    pub fn evaluate(&self, req: &Request<'_>, s: &mut Scratch, threshold: i64) -> Verdict {
        // A verdict depends on the request alone: the same request (up to what the rules
        // read of the client address) gets the verdict it got before.
        if s.identity != self.identity {
            // Answers remembered for another rule set mean nothing here.
            s.memo.clear();
            s.verdicts.clear();
            s.shapes = recall::Shapes::default();
            s.prefix = None;
            s.identity = self.identity;
        }
        let key = self.request_key(req);
        if let Some(v) = s.verdicts.get(&key) {
            return v.clone();
        }
        s.vars.fill(req);
        s.cache.clear();
        // A request of a shape seen before whose values pass what the walk then read of
        // them (see `recall`) gets that walk's verdict without walking.
        let shape = s.vars.shape();
        let verdict = match self.recall(shape, s) {
            Some(v) => v,
            None => {
                let v = self.evaluate_fresh(s, threshold);
                self.remember(shape, s, &v);
                v
            }
        };
        if s.verdicts.len() >= VERDICT_LIMIT {
            s.verdicts.clear();
        }
        s.verdicts.insert(key, verdict.clone());
        verdict
    }

    fn evaluate_fresh(&self, s: &mut Scratch, threshold: i64) -> Verdict {
        recall::Touch::reset(&mut s.touch, s.vars.members.len());
        s.tx.clear();
        s.taint.clear();
        s.removed_ids.clear();
        s.removed_tags.clear();
        s.removed_targets.clear();
        s.matched_var.clear();
        s.matched_name.clear();
        s.matched_vars.clear();
        s.limit_hits = 0;
        s.engine_off = false;
        let mut verdict = Verdict::default();
        let start = self.after_prefix(s, &mut verdict);
        for (p, phase) in self.phases[..2].iter().enumerate() {
            let from = if p == 0 { start } else { 0 };
            self.walk(phase, from, usize::MAX, s, &mut verdict);
        }
        let score = ["blocking_inbound_anomaly_score", "anomaly_score"]
            .iter()
            .find(|k| s.tx.contains_key(k.as_bytes()));
        if let Some(k) = score {
            actions::count_tx(k.as_bytes(), s);
        }
        verdict.score = score
            .and_then(|k| s.tx.get(k.as_bytes()))
            .map_or(0, |v| atoi(v));
        verdict.attack = verdict.score >= threshold && threshold > 0;
        verdict.limit_hits = s.limit_hits;
        verdict
    }

    /// Runs a phase's steps from `i` until the end or until the step `stop`; returns the
    /// step reached.
    fn walk(
        &self,
        phase: &crate::load::Phase,
        mut i: usize,
        stop: usize,
        s: &mut Scratch,
        verdict: &mut Verdict,
    ) -> usize {
        while i < phase.steps.len() && i < stop && !s.engine_off {
            let Step::Rule(r) = phase.steps[i] else {
                i += 1;
                continue;
            };
            let rule = &self.rules[r];
            if self.removed_at_run_time(rule, s) || !self.run_rule(r, rule, s, verdict) {
                i += 1;
                continue;
            }
            match &rule.flow {
                Flow::Next => i += 1,
                Flow::SkipAfter(_) => i = phase.jumps[i].unwrap_or(i + 1),
                Flow::Skip(n) => {
                    let mut left = *n;
                    i += 1;
                    while left > 0 && i < phase.steps.len() {
                        if matches!(phase.steps[i], Step::Rule(_)) {
                            left -= 1;
                        }
                        i += 1;
                    }
                }
                Flow::Allow => return phase.steps.len(),
            }
        }
        i
    }

    /// The first steps of phase 1 read nothing of the request (CRS's initialisation:
    /// `SecAction`s and rules on `TX` only, see [`Compiled::prefix`]): they leave the same
    /// `TX` for every request. They run once per thread; later requests start from the
    /// state they left. Returns the phase-1 step to go on from.
    fn after_prefix(&self, s: &mut Scratch, verdict: &mut Verdict) -> usize {
        if self.prefix == 0 {
            return 0;
        }
        if let Some(p) = &s.prefix {
            verdict.matches.extend(p.matches.iter().cloned());
            s.tx.clone_from(&p.tx);
            s.matched_var.clone_from(&p.matched_var);
            s.matched_name.clone_from(&p.matched_name);
            s.matched_vars.clone_from(&p.matched_vars);
            return p.next;
        }
        let before = verdict.matches.len();
        let next = self.walk(&self.phases[0], 0, self.prefix, s, verdict);
        s.prefix = Some(Prefix {
            matches: verdict.matches[before..].to_vec(),
            tx: s.tx.clone(),
            matched_var: s.matched_var.clone(),
            matched_name: s.matched_name.clone(),
            matched_vars: s.matched_vars.clone(),
            next,
        });
        next
    }

    fn removed_at_run_time(&self, rule: &Rule, s: &Scratch) -> bool {
        s.removed_ids
            .iter()
            .any(|&(a, b)| (a..=b).contains(&rule.id))
            || s.removed_tags
                .iter()
                .any(|t| rule.tags.iter().any(|rt| rt == t))
    }

    /// Whether the whole chain matched; logs the match when it did.
    fn run_rule(&self, index: usize, rule: &Rule, s: &mut Scratch, verdict: &mut Verdict) -> bool {
        s.matched_vars.clear();
        for link in &rule.links {
            if !self.run_link(rule, link, s) {
                return false;
            }
        }
        if rule.log {
            // What a logged match says is part of the verdict: the values it shows count.
            let msg = rule
                .msg
                .as_ref()
                .map(|t| lossy(&actions::expand_counted(t, rule, s)))
                .unwrap_or_default();
            let data = rule
                .logdata
                .as_ref()
                .map(|t| lossy(&actions::expand_counted(t, rule, s)))
                .unwrap_or_default();
            let mut value = s.matched_var.clone();
            value.truncate(256);
            verdict.matches.push(RuleMatch {
                rule: index,
                id: rule.id,
                msg,
                data,
                var: lossy(&s.matched_name),
                value,
            });
        }
        true
    }

    fn run_link(&self, rule: &Rule, link: &Link, s: &mut Scratch) -> bool {
        // Operator parameter with macros: expanded once per link run.
        let param = link
            .op
            .macro_param()
            .map(|t| actions::expand_counted(t, rule, s));
        let dynamic_rx = match (&link.op, &param) {
            (Operator::RxMacro(_), Some(p)) => {
                if !s.rx_cache.contains_key(p) {
                    let compiled = Pattern::new(&lossy(p)).ok();
                    if s.rx_cache.len() > 256 {
                        s.rx_cache.clear();
                    }
                    s.rx_cache.insert(p.clone(), compiled);
                }
                s.rx_cache.get(p).cloned().flatten()
            }
            _ => None,
        };
        let mut values = std::mem::take(&mut s.vals);
        values.clear();
        self.values(rule, link, s, &mut values);
        if link.targets.is_empty() {
            // SecAction: one unconditional match.
            values.push(Val::Owned(Vec::new(), Vec::new()));
        }
        s.link_matches.clear();
        let mut any = false;
        for val in values.drain(..) {
            // A pure link gives the same answer for the same value in every request: a
            // value it did not match before is not looked at again.
            let memo = match &val {
                Val::Member(id, _) if link.pure => {
                    let key = memo_key(link.uid, s.vars.hash(*id));
                    if s.memo.contains(&key) {
                        recall::Touch::clean(&mut s.touch, *id, link.uid);
                        continue;
                    }
                    Some(key)
                }
                Val::Member(id, _) => {
                    recall::Touch::exact(&mut s.touch, *id);
                    None
                }
                _ => None,
            };
            let candidates = {
                let (original, id): (&[u8], Option<u32>) = match &val {
                    Val::Member(id, _) => (&s.vars.members[*id as usize].value, Some(*id)),
                    Val::Owned(_, value) => (value, None),
                };
                self.candidates(link, original, id, &mut s.cache)
            };
            let mut matched_any = false;
            let mut limit = false;
            for value in candidates {
                s.caps.clear();
                let want_caps = link.capture && !link.negated;
                let outcome = match (&link.op, &dynamic_rx) {
                    (Operator::RxMacro(_), Some(p)) => {
                        run_pattern(p, &value, want_caps.then_some(&mut s.caps))
                    }
                    (Operator::RxMacro(_), None) => Outcome::NoMatch,
                    (op, _) => op.run(&value, param.as_deref(), want_caps.then_some(&mut s.caps)),
                };
                if outcome == Outcome::LimitHit {
                    s.limit_hits += 1;
                    limit = true;
                }
                let matched =
                    (outcome == Outcome::Match) != link.negated && outcome != Outcome::LimitHit;
                if !matched {
                    continue;
                }
                matched_any = true;
                if want_caps {
                    // As ModSecurity: TX:0..n for the groups up to the last that took
                    // part (empty for one skipped on the way), none above it.
                    let last = s.caps.iter().rposition(Option::is_some);
                    for k in 0..10u8 {
                        let key = [b'0' + k];
                        match (last, s.caps.get(usize::from(k))) {
                            (Some(l), Some(c)) if usize::from(k) <= l => {
                                s.tx.insert(key.to_vec(), c.clone().unwrap_or_default());
                            }
                            _ => {
                                s.tx.remove(&key[..]);
                            }
                        }
                    }
                }
                let name = match &val {
                    Val::Member(id, var) => {
                        values::member_name(*var, &s.vars.members[*id as usize].key)
                    }
                    Val::Owned(name, _) => name.clone(),
                };
                s.matched_var.clone_from(&value);
                s.matched_name.clone_from(&name);
                s.link_matches.push((name, value));
                for sv in &link.setvars {
                    actions::setvar(sv, rule, s);
                }
                for c in &link.ctls {
                    actions::ctl(c, s);
                }
                if !link.multi_match {
                    break;
                }
            }
            any |= matched_any;
            if let (Some(key), Val::Member(id, _)) = (memo, &val) {
                if matched_any || limit {
                    recall::Touch::exact(&mut s.touch, *id);
                } else {
                    recall::Touch::clean(&mut s.touch, *id, link.uid);
                    remember_no_match(&mut s.memo, key);
                }
            }
        }
        s.vals = values;
        if any {
            s.matched_vars = std::mem::take(&mut s.link_matches);
        }
        any
    }
}

/// Values remembered as not matching a pure link, per thread, before the memory is reset.
const MEMO_LIMIT: usize = 1 << 20;

/// The key under which `memo` remembers that a value does not match a pure link.
fn memo_key(uid: u64, value_hash: u64) -> u64 {
    uid.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ value_hash
}

fn remember_no_match(memo: &mut foldhash::HashSet<u64>, key: u64) {
    if memo.len() >= MEMO_LIMIT {
        memo.clear();
    }
    memo.insert(key);
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
