//! What a matching link does besides matching: `setvar` into the transaction's `TX`,
//! `ctl:` removals, and the `%{...}` macros both expand.
//!
//! Each `TX` variable remembers which request members its value came from (through a
//! macro such as `%{REMOTE_ADDR}`), so that a member counts for a remembered verdict
//! (see `recall`) only when a value derived from it is read: by a rule, in a logged
//! message, or in the anomaly score.

use super::recall::Touch;
use super::{Scope, Scratch};
use crate::operator::atoi;
use crate::rule::{Ctl, Piece, Rule, SetOp, SetVar, Text, Var};

pub(super) fn setvar(sv: &SetVar, rule: &Rule, s: &mut Scratch) {
    let mut from = Vec::new();
    let name = expand(&sv.name, rule, s, &mut from).to_ascii_lowercase();
    // Which variable changes depends on the values in its name: they count.
    count(&from, s);
    from.clear();
    match sv.op {
        SetOp::Delete => {
            s.tx.remove(&name);
            s.taint.remove(&name);
        }
        SetOp::Set => {
            let v = expand(&sv.value, rule, s, &mut from);
            s.tx.insert(name.clone(), v);
            if from.is_empty() {
                s.taint.remove(&name);
            } else {
                s.taint.insert(name, from);
            }
        }
        SetOp::Add | SetOp::Sub => {
            let delta = atoi(&expand(&sv.value, rule, s, &mut from));
            let cur = s.tx.get(&name).map_or(0, |v| atoi(v));
            let new = if sv.op == SetOp::Add {
                cur.saturating_add(delta)
            } else {
                cur.saturating_sub(delta)
            };
            s.tx.insert(name.clone(), new.to_string().into_bytes());
            if !from.is_empty() {
                s.taint.entry(name).or_default().extend(from);
            }
        }
    }
}

pub(super) fn ctl(c: &Ctl, s: &mut Scratch) {
    match c {
        Ctl::RemoveById(a, b) => s.removed_ids.push((*a, *b)),
        Ctl::RemoveByTag(t) => s.removed_tags.push(t.clone()),
        Ctl::RemoveTargetById(a, b, e) => s.removed_targets.push((Scope::Ids(*a, *b), e.clone())),
        Ctl::RemoveTargetByTag(t, e) => s.removed_targets.push((Scope::Tag(t.clone()), e.clone())),
        Ctl::EngineOff => s.engine_off = true,
    }
}

/// Expands `t` where the result reaches the verdict or a decision (a logged message, an
/// operator's parameter): every member it read counts.
pub(super) fn expand_counted(t: &Text, rule: &Rule, s: &mut Scratch) -> Vec<u8> {
    let mut from = Vec::new();
    let out = expand(t, rule, s, &mut from);
    count(&from, s);
    out
}

/// The members the `TX` variable `key` was derived from count.
pub(super) fn count_tx(key: &[u8], s: &mut Scratch) {
    if let Some(from) = s.taint.get(key) {
        for &id in from {
            Touch::exact(&mut s.touch, id);
        }
    }
}

fn count(from: &[u32], s: &mut Scratch) {
    for &id in from {
        Touch::exact(&mut s.touch, id);
    }
}

/// Expands `%{...}` macros; adds to `from` the request members the result came from.
/// Unknown macros expand to nothing, as ModSecurity does.
fn expand(t: &Text, rule: &Rule, s: &Scratch, from: &mut Vec<u32>) -> Vec<u8> {
    if let Some(l) = t.literal() {
        return l.to_vec();
    }
    let mut out = Vec::new();
    for p in &t.0 {
        match p {
            Piece::Lit(l) => out.extend_from_slice(l),
            Piece::Macro { var, key } => match (var.as_str(), key.as_deref()) {
                ("tx", Some(k)) => {
                    if let Some(v) = s.tx.get(k.as_bytes()) {
                        out.extend_from_slice(v);
                    }
                    if let Some(t) = s.taint.get(k.as_bytes()) {
                        from.extend_from_slice(t);
                    }
                }
                ("matched_var", _) => out.extend_from_slice(&s.matched_var),
                ("matched_var_name", _) => out.extend_from_slice(&s.matched_name),
                ("rule", Some("id")) => out.extend_from_slice(rule.id.to_string().as_bytes()),
                ("rule", Some("msg")) => {
                    if let Some(m) = rule.msg.as_ref().and_then(Text::literal) {
                        out.extend_from_slice(m);
                    }
                }
                ("rule", Some("severity")) => {
                    if let Some(sev) = &rule.severity {
                        out.extend_from_slice(sev.as_bytes());
                    }
                }
                (name, key) => {
                    if let Some(v) = Var::from_name(name)
                        && let Some(id) = s.vars.find(v, key.map(str::as_bytes))
                    {
                        out.extend_from_slice(&s.vars.members[id as usize].value);
                        from.push(id);
                    }
                }
            },
        }
    }
    out
}
