//! Compiles rules into an [`Engine`]: decoded-buffer slots (one per zone and transform
//! chain), one Aho–Corasick automaton over every literal needle of every rule, one
//! `RegexSet` per slot for regex checks with no literal to gate them, and the list of
//! rules that must run on every request (pure negations).

use std::net::IpAddr;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use memchr::memmem;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::error::LoadError;
use crate::gate::regex_needles;
use crate::model::{Check, Expr, Op, Rule, Transforms, Zone};

/// Where a check reads one of its zones.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// A decoded whole-field buffer.
    Slot(u16),
    /// Each query argument value, decoded with `arg_chains[i]`.
    Args(u8),
}

/// A check ready to run.
#[derive(Debug)]
pub(crate) struct CompiledCheck {
    pub zones: Vec<(Zone, Target)>,
    pub op: Op,
    pub all: bool,
    pub values: Vec<Vec<u8>>,
    pub finders: Vec<memmem::Finder<'static>>,
    pub regexes: Vec<Regex>,
    pub nets: Vec<(IpAddr, u8)>,
}

/// Rules compiled for one pass over a request.
#[derive(Debug)]
pub(crate) struct Engine {
    /// Local rule → index in the rule set.
    pub rules: Vec<usize>,
    /// Decoded buffers a request needs, sorted by zone.
    pub slots: Vec<(Zone, Transforms)>,
    /// Whether a slot is searched by the automaton.
    pub scan: Vec<bool>,
    /// Chains used on the `args` zone.
    pub arg_chains: Vec<Transforms>,
    /// Checks of all rules, flattened; rule `r` owns `checks[first_check[r]..]`.
    pub checks: Vec<CompiledCheck>,
    pub first_check: Vec<usize>,
    pub exprs: Vec<Expr>,
    pub ac: Option<AhoCorasick>,
    /// Per automaton pattern: (slot, local rule) pairs it makes a candidate.
    pub entries: Vec<Vec<(u16, u32)>>,
    /// Per slot: regexes with no literal gate, and the local rule of each.
    pub regex_sets: Vec<Option<(RegexSet, Vec<u32>)>>,
    /// Rules evaluated on every request.
    pub always: Vec<u32>,
}

/// How a check can make its rule a candidate.
enum Gate {
    Needles(Vec<Vec<u8>>),
    Regex(Vec<String>),
}

fn check_gate(check: &Check) -> Option<Gate> {
    match check.op {
        Op::Cidr => None,
        Op::Regex => {
            let lower = check.transforms.has(Transforms::LOWERCASE);
            let squeezed = check.transforms.has(Transforms::SQUEEZE);
            let mut needles = Vec::new();
            for v in &check.values {
                match regex_needles(v, lower, squeezed) {
                    Some(n) => needles.extend(n),
                    None if check.all => continue,
                    None => return Some(Gate::Regex(check.values.clone())),
                }
                if check.all {
                    break;
                }
            }
            if needles.is_empty() {
                Some(Gate::Regex(check.values.clone()))
            } else {
                Some(Gate::Needles(needles))
            }
        }
        _ => {
            if check.values.iter().any(String::is_empty) {
                return None;
            }
            let values: Vec<Vec<u8>> = if check.all {
                check
                    .values
                    .iter()
                    .max_by_key(|v| v.len())
                    .map(|v| vec![v.as_bytes().to_vec()])
                    .unwrap_or_default()
            } else {
                check.values.iter().map(|v| v.as_bytes().to_vec()).collect()
            };
            Some(Gate::Needles(values))
        }
    }
}

fn gate_score(g: &Gate) -> usize {
    match g {
        Gate::Needles(n) => 1 + n.iter().map(Vec::len).min().unwrap_or(0),
        Gate::Regex(_) => 1,
    }
}

/// Picks the checks whose hits are necessary for `expr` to hold: the most selective
/// branch of an `and`, every branch of an `or`, nothing under a `not`.
fn gate_of(expr: &Expr, checks: &[Check]) -> Option<(Vec<usize>, usize)> {
    match expr {
        Expr::Check(i) => check_gate(&checks[*i]).map(|g| (vec![*i], gate_score(&g))),
        Expr::Not(_) => None,
        Expr::And(es) => es
            .iter()
            .filter_map(|e| gate_of(e, checks))
            .max_by_key(|(_, s)| *s),
        Expr::Or(es) => {
            let mut all = Vec::new();
            let mut score = usize::MAX;
            for e in es {
                let (c, s) = gate_of(e, checks)?;
                all.extend(c);
                score = score.min(s);
            }
            (!es.is_empty()).then_some((all, score))
        }
    }
}

/// Rule regexes run in ASCII mode: `\w`, `\b`, `\s` stay byte classes, so the lazy DFA
/// never has to give up on Unicode word boundaries, and invalid UTF-8 (decoded `%c0%ae`)
/// can still match.
pub(crate) fn ascii_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).unicode(false).build()
}

fn parse_cidr(v: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = v.split_once('/').unwrap_or((v, ""));
    let ip: IpAddr = ip.trim().parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = if bits.is_empty() {
        max
    } else {
        bits.trim().parse().ok()?
    };
    (bits <= max).then_some((ip, bits))
}

impl Engine {
    /// Compiles `rules` (indices into `all`).
    pub fn build(all: &[Rule], rules: Vec<usize>) -> Result<Engine, LoadError> {
        let mut slots: Vec<(Zone, Transforms)> = Vec::new();
        let mut arg_chains: Vec<Transforms> = Vec::new();
        for &r in &rules {
            for c in &all[r].checks {
                for &z in &c.zones {
                    let key = if z == Zone::Args {
                        if !arg_chains.contains(&c.transforms) {
                            arg_chains.push(c.transforms);
                        }
                        (Zone::Query, c.transforms)
                    } else {
                        (z, c.transforms)
                    };
                    if !slots.contains(&key) {
                        slots.push(key);
                    }
                }
            }
        }
        slots.sort();
        let slot_of =
            |key: (Zone, Transforms)| slots.iter().position(|s| *s == key).unwrap_or(0) as u16;
        let mut checks = Vec::new();
        let mut first_check = Vec::new();
        let mut exprs = Vec::new();
        let mut needles: Vec<Vec<u8>> = Vec::new();
        let mut entries: Vec<Vec<(u16, u32)>> = Vec::new();
        let mut set_patterns: Vec<Vec<(String, u32)>> = vec![Vec::new(); slots.len()];
        let mut always = Vec::new();
        let mut scan = vec![false; slots.len()];
        for (local, &r) in rules.iter().enumerate() {
            let rule = &all[r];
            first_check.push(checks.len());
            exprs.push(rule.condition.clone());
            for c in &rule.checks {
                checks.push(compile_check(c, &slot_of, &arg_chains)?);
            }
            let gate_slots = |c: &Check| -> Vec<u16> {
                c.zones
                    .iter()
                    .map(|&z| {
                        slot_of((if z == Zone::Args { Zone::Query } else { z }, c.transforms))
                    })
                    .collect()
            };
            match gate_of(&rule.condition, &rule.checks) {
                None => always.push(local as u32),
                Some((gate_checks, _)) => {
                    for ci in gate_checks {
                        let c = &rule.checks[ci];
                        match check_gate(c) {
                            Some(Gate::Needles(ns)) => {
                                for n in ns {
                                    let p = match needles.iter().position(|x| *x == n) {
                                        Some(p) => p,
                                        None => {
                                            needles.push(n);
                                            entries.push(Vec::new());
                                            needles.len() - 1
                                        }
                                    };
                                    for s in gate_slots(c) {
                                        scan[s as usize] = true;
                                        if !entries[p].contains(&(s, local as u32)) {
                                            entries[p].push((s, local as u32));
                                        }
                                    }
                                }
                            }
                            Some(Gate::Regex(res)) => {
                                for s in gate_slots(c) {
                                    for re in &res {
                                        set_patterns[s as usize].push((re.clone(), local as u32));
                                    }
                                }
                            }
                            None => {}
                        }
                    }
                }
            }
        }
        let ac = if needles.is_empty() {
            None
        } else {
            let build = |kind| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(&needles)
            };
            Some(
                build(Some(AhoCorasickKind::DFA))
                    .or_else(|_| build(None))
                    .map_err(|e| LoadError::Compile(e.to_string()))?,
            )
        };
        let mut regex_sets = Vec::new();
        for pats in set_patterns {
            if pats.is_empty() {
                regex_sets.push(None);
                continue;
            }
            let set = RegexSetBuilder::new(pats.iter().map(|(p, _)| p.as_str()))
                .unicode(false)
                .build()
                .map_err(|e| LoadError::Compile(e.to_string()))?;
            regex_sets.push(Some((set, pats.into_iter().map(|(_, r)| r).collect())));
        }
        Ok(Engine {
            rules,
            slots,
            scan,
            arg_chains,
            checks,
            first_check,
            exprs,
            ac,
            entries,
            regex_sets,
            always,
        })
    }
}

fn compile_check(
    c: &Check,
    slot_of: &impl Fn((Zone, Transforms)) -> u16,
    arg_chains: &[Transforms],
) -> Result<CompiledCheck, LoadError> {
    let zones = c
        .zones
        .iter()
        .map(|&z| {
            let t = if z == Zone::Args {
                Target::Args(
                    arg_chains
                        .iter()
                        .position(|t| *t == c.transforms)
                        .unwrap_or(0) as u8,
                )
            } else {
                Target::Slot(slot_of((z, c.transforms)))
            };
            (z, t)
        })
        .collect();
    let mut out = CompiledCheck {
        zones,
        op: c.op,
        all: c.all,
        values: c.values.iter().map(|v| v.as_bytes().to_vec()).collect(),
        finders: Vec::new(),
        regexes: Vec::new(),
        nets: Vec::new(),
    };
    match c.op {
        Op::Contains => {
            out.finders = c
                .values
                .iter()
                .map(|v| memmem::Finder::new(v.as_bytes()).into_owned())
                .collect()
        }
        Op::Regex => {
            for v in &c.values {
                out.regexes.push(
                    ascii_regex(v).map_err(|e| LoadError::Compile(format!("regex `{v}`: {e}")))?,
                );
            }
        }
        Op::Cidr => out.nets = c.values.iter().filter_map(|v| parse_cidr(v)).collect(),
        _ => {}
    }
    Ok(out)
}
