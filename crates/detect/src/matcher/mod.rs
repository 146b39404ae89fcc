//! Running an [`Engine`] over one request: per zone, the candidate rules its text
//! wakes (remembered for texts seen before, else one automaton pass per distinct decoded
//! buffer plus the few ungated regexes), then only those rules are evaluated. A benign
//! request usually wakes none, and then no regex runs and nothing is decoded.

use std::net::IpAddr;

use kansoku_event::HttpRequest;

use crate::compile::{CompiledCheck, Engine, Target};
use crate::model::{Expr, Op, Transforms, Zone};
use crate::transform;

mod buffers;
mod cache;
use buffers::{Buffers, Src};
use cache::ZoneCache;
use std::ops::Range;

/// Per-thread buffers, grown once and reused for every request.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    buf: Buffers,
    tmp: Vec<u8>,
    cand: Vec<bool>,
    cand_list: Vec<u32>,
    /// Distinct buffers of the zone being searched.
    scanned: Vec<Src>,
    /// Candidates found in the zone being searched.
    found: Vec<u32>,
    /// Buffers searched for this request, with their needles (`hit_pats[from..to]`).
    root_hits: Vec<(Src, u32, u32)>,
    hit_pats: Vec<u32>,
    cache: ZoneCache,
    args: Vec<Vec<Vec<u8>>>,
    args_len: Vec<usize>,
    args_ready: Vec<bool>,
    memo: Vec<u8>,
    /// Local rules that matched the last request, in rule order.
    pub matched: Vec<u32>,
}

/// Where one check found its match (for `explain`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Rule id.
    pub rule_id: String,
    /// Report category of the rule.
    pub category: String,
    /// Zone the match is in.
    pub zone: Zone,
    /// Transforms applied before matching.
    pub transforms: Vec<&'static str>,
    /// The zone's decoded text (an argument's value for `args`).
    pub decoded: String,
    /// The decoded substring that matched (empty for negated or whole-value checks).
    pub matched: String,
}

impl Scratch {
    fn prepare(&mut self, eng: &Engine) {
        if self.cand.len() < eng.rules.len() {
            self.cand.resize(eng.rules.len(), false);
        }
        let k = eng.arg_chains.len();
        if self.args.len() < k {
            self.args.resize_with(k, Vec::new);
            self.args_len.resize(k, 0);
            self.args_ready.resize(k, false);
        }
        self.args_ready.iter_mut().for_each(|r| *r = false);
        self.buf.prepare(eng);
    }

    fn mark(&mut self, rule: u32) {
        if !self.cand[rule as usize] {
            self.cand[rule as usize] = true;
            self.cand_list.push(rule);
        }
    }

    fn find_candidates(&mut self, eng: &Engine, req: &HttpRequest) {
        self.cand_list.clear();
        for &r in &eng.always {
            self.mark(r);
        }
        self.cache.bind(std::ptr::from_ref(eng) as usize);
        self.root_hits.clear();
        self.hit_pats.clear();
        let n = eng.slots.len();
        let mut start = 0;
        while start < n {
            let zone = eng.slots[start].0;
            let end = (start..n).find(|&i| eng.slots[i].0 != zone).unwrap_or(n);
            let range = start..end;
            start = end;
            if !range
                .clone()
                .any(|s| eng.scan[s] || eng.regex_sets[s].is_some())
            {
                continue;
            }
            let Some(text) = self.buf.raw(req, zone) else {
                continue;
            };
            let h = cache::hash(zone, text);
            if let Some(rules) = self.cache.get(zone, h, text) {
                for &r in rules {
                    if !self.cand[r as usize] {
                        self.cand[r as usize] = true;
                        self.cand_list.push(r);
                    }
                }
                continue;
            }
            self.found.clear();
            self.zone_candidates(eng, req, range);
            self.found.sort_unstable();
            self.found.dedup();
            if let Some(text) = self.buf.raw(req, zone) {
                self.cache.put(zone, h, text, &self.found);
            }
            for i in 0..self.found.len() {
                self.mark(self.found[i]);
            }
        }
        for &r in &self.cand_list {
            self.cand[r as usize] = false;
        }
        self.cand_list.sort_unstable();
    }

    /// Collects in `found` the rules that the zone of slots `range` makes candidates.
    fn zone_candidates(&mut self, eng: &Engine, req: &HttpRequest, range: Range<usize>) {
        if let Some(ac) = &eng.ac {
            self.scanned.clear();
            for s in range.clone().filter(|&s| eng.scan[s]) {
                let root = self.buf.ensure(eng, req, s);
                if root != Src::Absent && !self.scanned.contains(&root) {
                    self.scanned.push(root);
                }
            }
            for &root in &self.scanned {
                // A buffer shared with a zone searched before (the path and a query-less
                // URI) is not searched again: its needles were recorded.
                let (from, to) = match self.root_hits.iter().find(|(r, _, _)| *r == root) {
                    Some(&(_, from, to)) => (from as usize, to as usize),
                    None => {
                        let from = self.hit_pats.len();
                        let Some(s) = range.clone().find(|&s| self.buf.src(s) == root) else {
                            continue;
                        };
                        let Some(text) = self.buf.peek(req, s) else {
                            continue;
                        };
                        // Most buffers hold no needle: the plain search says so without
                        // the bookkeeping of the overlapping one.
                        if ac.find(text).is_some() {
                            self.hit_pats.extend(
                                ac.find_overlapping_iter(text).map(|m| m.pattern().as_u32()),
                            );
                        }
                        let to = self.hit_pats.len();
                        self.root_hits.push((root, from as u32, to as u32));
                        (from, to)
                    }
                };
                for &p in &self.hit_pats[from..to] {
                    for &(slot, rule) in &eng.entries[p as usize] {
                        if range.contains(&(slot as usize)) && self.buf.src(slot as usize) == root {
                            self.found.push(rule);
                        }
                    }
                }
            }
        }
        for s in range {
            if let Some((set, owners)) = &eng.regex_sets[s]
                && let Some(buf) = self.buf.get(eng, req, s)
                // `is_match` stops early and allocates nothing; most texts end here.
                && set.is_match(buf)
            {
                self.found
                    .extend(set.matches(buf).iter().map(|i| owners[i]));
            }
        }
    }

    fn ensure_args(&mut self, eng: &Engine, req: &HttpRequest, k: usize) {
        if self.args_ready[k] {
            return;
        }
        self.args_ready[k] = true;
        let raw = match &req.raw_uri {
            Some(raw) => raw.split_once('?').map(|(_, q)| q),
            None => req.query.as_deref(),
        };
        let mut n = 0;
        if let Some(q) = raw {
            for piece in q.split('&') {
                let value = piece.split_once('=').map_or(piece, |(_, v)| v);
                if n == self.args[k].len() {
                    self.args[k].push(Vec::new());
                }
                transform::apply(
                    eng.arg_chains[k],
                    value.as_bytes(),
                    &mut self.args[k][n],
                    &mut self.tmp,
                );
                n += 1;
            }
        }
        self.args_len[k] = n;
    }

    /// Runs one check; on a match returns (zone, arg index or usize::MAX, span).
    fn check(
        &mut self,
        eng: &Engine,
        req: &HttpRequest,
        c: &CompiledCheck,
    ) -> Option<(Zone, usize, usize, usize)> {
        for &(zone, target) in &c.zones {
            match target {
                Target::Slot(s) => {
                    if let Some((a, b)) =
                        self.buf.get(eng, req, s as usize).and_then(|t| test(c, t))
                    {
                        return Some((zone, usize::MAX, a, b));
                    }
                }
                Target::Args(k) => {
                    let k = k as usize;
                    self.ensure_args(eng, req, k);
                    for i in 0..self.args_len[k] {
                        if let Some((a, b)) = test(c, &self.args[k][i]) {
                            return Some((zone, i, a, b));
                        }
                    }
                }
            }
        }
        None
    }

    fn eval(&mut self, eng: &Engine, req: &HttpRequest, base: usize, e: &Expr) -> bool {
        match e {
            Expr::Check(i) => {
                let i = *i;
                if self.memo[i] == 0 {
                    let hit = self.check(eng, req, &eng.checks[base + i]).is_some();
                    self.memo[i] = if hit { 2 } else { 1 };
                }
                self.memo[i] == 2
            }
            Expr::Not(inner) => !self.eval(eng, req, base, inner),
            Expr::And(es) => es.iter().all(|e| self.eval(eng, req, base, e)),
            Expr::Or(es) => es.iter().any(|e| self.eval(eng, req, base, e)),
        }
    }

    fn rule_matches(&mut self, eng: &Engine, req: &HttpRequest, local: usize) -> bool {
        let base = eng.first_check[local];
        let end = eng
            .first_check
            .get(local + 1)
            .copied()
            .unwrap_or(eng.checks.len());
        self.memo.clear();
        self.memo.resize(end - base, 0);
        self.eval(eng, req, base, &eng.exprs[local])
    }

    /// Fills `self.matched` with the local rules that match `req`.
    pub fn run(&mut self, eng: &Engine, req: &HttpRequest) {
        self.matched.clear();
        if eng.rules.is_empty() {
            return;
        }
        self.prepare(eng);
        self.find_candidates(eng, req);
        let cands = std::mem::take(&mut self.cand_list);
        for &r in &cands {
            if self.rule_matches(eng, req, r as usize) {
                self.matched.push(r);
            }
        }
        self.cand_list = cands;
    }

    /// Explains the checks of matched local rule `local` that hold.
    pub fn explain_rule(
        &mut self,
        eng: &Engine,
        req: &HttpRequest,
        local: usize,
        rule_id: &str,
        category: &str,
    ) -> Vec<Hit> {
        let base = eng.first_check[local];
        let end = eng
            .first_check
            .get(local + 1)
            .copied()
            .unwrap_or(eng.checks.len());
        let mut hits = Vec::new();
        for ci in base..end {
            let c = &eng.checks[ci];
            if let Some((zone, arg, a, b)) = self.check(eng, req, c) {
                let (text, chain) = match c.zones.iter().find(|(z, _)| *z == zone).map(|(_, t)| *t)
                {
                    Some(Target::Args(k)) => (
                        self.args[k as usize][arg].clone(),
                        eng.arg_chains[k as usize],
                    ),
                    Some(Target::Slot(s)) => (
                        self.buf
                            .get(eng, req, s as usize)
                            .unwrap_or_default()
                            .to_vec(),
                        eng.slots[s as usize].1,
                    ),
                    None => (Vec::new(), Transforms::default()),
                };
                hits.push(Hit {
                    rule_id: rule_id.to_string(),
                    category: category.to_string(),
                    zone,
                    transforms: chain.names(),
                    matched: String::from_utf8_lossy(text.get(a..b).unwrap_or_default())
                        .into_owned(),
                    decoded: String::from_utf8_lossy(&text).into_owned(),
                });
            }
        }
        hits
    }
}

fn test(c: &CompiledCheck, text: &[u8]) -> Option<(usize, usize)> {
    let mut first = None;
    let n = match c.op {
        Op::Regex => c.regexes.len(),
        Op::Cidr => c.nets.len(),
        _ => c.values.len(),
    };
    for i in 0..n {
        let hit = match c.op {
            Op::Contains => c.finders[i].find(text).map(|p| (p, p + c.values[i].len())),
            Op::Prefix => text
                .starts_with(&c.values[i])
                .then(|| (0, c.values[i].len())),
            Op::Suffix => text
                .ends_with(&c.values[i])
                .then(|| (text.len() - c.values[i].len(), text.len())),
            Op::Equals => (text == c.values[i].as_slice()).then_some((0, text.len())),
            Op::Regex => c.regexes[i].find(text).map(|m| (m.start(), m.end())),
            Op::Cidr => in_net(text, c.nets[i]).then_some((0, text.len())),
        };
        match (hit, c.all) {
            (Some(h), false) => return Some(h),
            (Some(h), true) => first = first.or(Some(h)),
            (None, true) => return None,
            (None, false) => {}
        }
    }
    first
}

fn in_net(text: &[u8], (net, bits): (IpAddr, u8)) -> bool {
    let Some(ip) = std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.trim().parse::<IpAddr>().ok())
    else {
        return false;
    };
    let (a, b, len) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let shift = len - u32::from(bits);
    shift >= len || (a >> shift) == (b >> shift)
}
