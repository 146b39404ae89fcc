//! Behavioural rules: a window rule's matchers say which requests count; the window
//! counts them (or distinct values of a zone) per (tenant, source address) over a
//! sliding time span, and fires when the threshold is reached. Once fired, every request
//! of that source is marked until the span has passed without a new firing.

use std::collections::VecDeque;
use std::hash::{BuildHasher as _, Hash, Hasher};

use foldhash::HashMap;
use foldhash::fast::RandomState;

use kansoku_event::HttpRequest;

use crate::matcher::Scratch;
use crate::model::Zone;
use crate::ruleset::{RuleSet, record};

#[derive(Debug, Default)]
struct KeyState {
    events: VecDeque<(i64, u64)>,
    distinct: HashMap<u64, u32>,
}

/// Sliding windows over the rule set's window rules. Feed it in time order from one thread.
#[derive(Debug)]
pub struct Windows {
    set: RuleSet,
    scratch: Scratch,
    state: HashMap<(u32, u64), KeyState>,
    /// Source key → (local rule, marked until) for windows that fired.
    active: HashMap<u64, Vec<(u32, i64)>>,
    observed: u64,
    max_span: i64,
    /// Keys are 64-bit digests of attacker-chosen text (source address, path); a seed
    /// chosen per run keeps anyone from crafting two that collide.
    seed: RandomState,
}

fn key_hash(seed: &RandomState, req: &HttpRequest) -> u64 {
    let mut h = seed.build_hasher();
    req.tenant.hash(&mut h);
    req.src_ip.hash(&mut h);
    h.finish()
}

fn zone_value(seed: &RandomState, req: &HttpRequest, zone: Zone) -> u64 {
    let mut h = seed.build_hasher();
    match zone {
        Zone::Path => req.path.hash(&mut h),
        Zone::Query | Zone::Args => req.query.hash(&mut h),
        Zone::Uri => (&req.path, &req.query).hash(&mut h),
        Zone::UserAgent => req.user_agent.hash(&mut h),
        Zone::Referer => req.referer.hash(&mut h),
        Zone::Method => req.method.hash(&mut h),
        Zone::Status => req.status.hash(&mut h),
        Zone::Host => req.host.hash(&mut h),
        Zone::Headers => req.x_forwarded_for.hash(&mut h),
        Zone::Body => req.body.hash(&mut h),
        Zone::ClientIp => req.src_ip.hash(&mut h),
    }
    h.finish()
}

impl Windows {
    /// Windows for the window rules of `rules`.
    pub fn new(rules: &RuleSet) -> Windows {
        let max_span = rules
            .rules()
            .iter()
            .filter_map(|r| r.window.as_ref())
            .map(|w| w.span_micros)
            .max()
            .unwrap_or(0);
        Windows {
            set: rules.clone(),
            scratch: Scratch::default(),
            state: HashMap::default(),
            active: HashMap::default(),
            observed: 0,
            max_span,
            seed: RandomState::default(),
        }
    }

    /// Observes one request (after [`crate::Matcher::apply`]); when a window rule's
    /// threshold is reached for the request's (tenant, source address), the rule is added
    /// to this request and to later requests of that source while the window lasts.
    pub fn observe(&mut self, req: &mut HttpRequest) {
        let inner = self.set.inner.clone();
        let eng = &inner.windowed;
        if eng.rules.is_empty() {
            return;
        }
        let key = key_hash(&self.seed, req);
        let ts = req.ts;
        if let Some(list) = self.active.get_mut(&key) {
            list.retain(|&(_, until)| until >= ts);
            for &(local, _) in list.iter() {
                record(req, &inner.rules[eng.rules[local as usize]]);
            }
            if list.is_empty() {
                self.active.remove(&key);
            }
        }
        self.scratch.run(eng, req);
        let matched = std::mem::take(&mut self.scratch.matched);
        for &local in &matched {
            let rule = &inner.rules[eng.rules[local as usize]];
            let Some(w) = &rule.window else { continue };
            if !w.statuses.is_empty() && !req.status.is_some_and(|s| w.statuses.contains(&s)) {
                continue;
            }
            let value = w.distinct.map_or(0, |z| zone_value(&self.seed, req, z));
            let st = self.state.entry((local, key)).or_default();
            st.events.push_back((ts, value));
            *st.distinct.entry(value).or_insert(0) += 1;
            while let Some(&(old, v)) = st.events.front() {
                if old > ts - w.span_micros {
                    break;
                }
                st.events.pop_front();
                if let Some(n) = st.distinct.get_mut(&v) {
                    *n -= 1;
                    if *n == 0 {
                        st.distinct.remove(&v);
                    }
                }
            }
            let count = if w.distinct.is_some() {
                st.distinct.len()
            } else {
                st.events.len()
            };
            if count >= w.threshold {
                record(req, rule);
                let list = self.active.entry(key).or_default();
                let until = ts + w.span_micros;
                match list.iter_mut().find(|(l, _)| *l == local) {
                    Some(entry) => entry.1 = until,
                    None => list.push((local, until)),
                }
            }
        }
        self.scratch.matched = matched;
        self.observed += 1;
        if self.observed.is_multiple_of(8192) {
            let horizon = ts - self.max_span;
            self.state
                .retain(|_, st| st.events.back().is_some_and(|&(t, _)| t > horizon));
            self.active
                .retain(|_, list| list.iter().any(|&(_, until)| until >= ts));
        }
    }
}
