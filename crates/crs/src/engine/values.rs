//! What a rule link reads: the values of its targets (request members, `TX`, `MATCHED_*`,
//! counts), less exclusions, and each value after the link's transformations.

use std::collections::HashMap;

use super::{Scope, Scratch, Val, actions};
use crate::load::Compiled;
use crate::rule::{Link, Rule, Selector, Var};

impl Compiled {
    /// The values a link's operator runs on for one variable's value: the value after its
    /// transformations, or with `multiMatch` the value and each change along the way.
    pub(super) fn candidates(
        &self,
        link: &Link,
        original: &[u8],
        id: Option<u32>,
        cache: &mut HashMap<(u32, u32), Option<Vec<u8>>>,
    ) -> Vec<Vec<u8>> {
        if !link.multi_match {
            let key = id.map(|id| (id, link.chain_key));
            return vec![transformed(
                &self.chains[link.chain_key],
                key,
                original,
                cache,
            )];
        }
        let mut cur = original.to_vec();
        let mut out = vec![cur.clone()];
        for t in &self.chains[link.chain_key] {
            if let Some(next) = t.apply(&cur) {
                cur = next;
                out.push(cur.clone());
            }
        }
        out
    }

    pub(super) fn excluded(
        &self,
        rule: &Rule,
        link: &Link,
        var: Var,
        key: &[u8],
        s: &Scratch,
    ) -> bool {
        link.exclusions
            .iter()
            .any(|e| e.var == var && e.selector.selects(key))
            || s.removed_targets.iter().any(|(scope, e)| {
                let applies = match scope {
                    Scope::Ids(a, b) => (*a..=*b).contains(&rule.id),
                    Scope::Tag(t) => rule.tags.iter().any(|rt| rt == t),
                };
                applies && e.var == var && e.selector.selects(key)
            })
    }

    pub(super) fn values(&self, rule: &Rule, link: &Link, s: &mut Scratch, out: &mut Vec<Val>) {
        for t in &link.targets {
            let mut count = 0usize;
            match t.var {
                Var::Tx => {
                    let mut read = Vec::new();
                    let mut take = |k: &[u8], v: &[u8]| {
                        if self.excluded(rule, link, t.var, k, s) {
                            return;
                        }
                        count += 1;
                        if !t.count {
                            let mut name = b"TX:".to_vec();
                            name.extend_from_slice(k);
                            out.push(Val::Owned(name, v.to_vec()));
                            if s.taint.contains_key(k) {
                                read.push(k.to_vec());
                            }
                        }
                    };
                    match &t.selector {
                        Selector::Key(k) => {
                            if let Some(v) = s.tx.get(k.as_bytes()) {
                                take(k.as_bytes(), v);
                            }
                        }
                        sel => {
                            for (k, v) in &s.tx {
                                if sel.selects(k) {
                                    take(k, v);
                                }
                            }
                        }
                    }
                    // A rule reads values derived from the request: those members count.
                    for k in read {
                        actions::count_tx(&k, s);
                    }
                }
                Var::MatchedVar => {
                    count = usize::from(!s.matched_name.is_empty());
                    if !t.count && count == 1 {
                        out.push(Val::Owned(b"MATCHED_VAR".to_vec(), s.matched_var.clone()));
                    }
                }
                Var::MatchedVarName => {
                    count = usize::from(!s.matched_name.is_empty());
                    if !t.count && count == 1 {
                        out.push(Val::Owned(
                            b"MATCHED_VAR_NAME".to_vec(),
                            s.matched_name.clone(),
                        ));
                    }
                }
                Var::MatchedVars | Var::MatchedVarsNames => {
                    for (name, value) in &s.matched_vars {
                        if !t.selector.selects(name) {
                            continue;
                        }
                        count += 1;
                        if !t.count {
                            let v = if t.var == Var::MatchedVars {
                                value
                            } else {
                                name
                            };
                            out.push(Val::Owned(t.var.name().as_bytes().to_vec(), v.clone()));
                        }
                    }
                }
                Var::Empty(_) | Var::Unavailable(_) => {}
                var => {
                    s.ids.clear();
                    s.vars.ids(var, &mut s.ids);
                    for &id in &s.ids {
                        let m = &s.vars.members[id as usize];
                        if !t.selector.selects(&m.key) || self.excluded(rule, link, var, &m.key, s)
                        {
                            continue;
                        }
                        count += 1;
                        if !t.count {
                            out.push(Val::Member(id, var));
                        }
                    }
                }
            }
            if t.count {
                let mut name = b"&".to_vec();
                name.extend_from_slice(t.var.name().as_bytes());
                if let Selector::Key(k) = &t.selector {
                    name.push(b':');
                    name.extend_from_slice(k.as_bytes());
                }
                out.push(Val::Owned(name, count.to_string().into_bytes()));
            }
        }
    }
}

/// `ARGS:id`, `REQUEST_FILENAME`, ...
pub(super) fn member_name(var: Var, key: &[u8]) -> Vec<u8> {
    let mut name = var.name().as_bytes().to_vec();
    if var.is_collection() {
        name.push(b':');
        name.extend_from_slice(key);
    }
    name
}

/// A value after a link's transformations, cached per (member, chain) for the request.
pub(super) fn transformed(
    transforms: &[crate::transform::Transform],
    key: Option<(u32, usize)>,
    original: &[u8],
    cache: &mut HashMap<(u32, u32), Option<Vec<u8>>>,
) -> Vec<u8> {
    if transforms.is_empty() {
        return original.to_vec();
    }
    let key = key.map(|(id, chain)| (id, u32::try_from(chain).unwrap_or(u32::MAX)));
    if let Some(v) = key.and_then(|k| cache.get(&k)) {
        return v.clone().unwrap_or_else(|| original.to_vec());
    }
    let mut cur: Option<Vec<u8>> = None;
    for t in transforms {
        let input = cur.as_deref().unwrap_or(original);
        if let Some(next) = t.apply(input) {
            cur = Some(next);
        }
    }
    if let Some(k) = key {
        cache.insert(k, cur.clone());
    }
    cur.unwrap_or_else(|| original.to_vec())
}
