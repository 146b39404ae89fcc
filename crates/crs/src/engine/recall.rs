//! Answers remembered across requests, so that a log's many similar requests are not
//! walked through every rule again.
//!
//! - **The same request** (up to what the rules read of the client address) gets the
//!   verdict it got before (`Compiled::request_key`).
//! - **A request of a known shape** (the same variables with the same keys, in the same
//!   order) whose values pass what an earlier walk of that shape read of them gets that
//!   walk's verdict. The walk notes, per member, either that only pure links read it and
//!   none matched (the member is *clean*: any other value those links also do not match
//!   leaves every step of the walk as it was), or that its value counted (a link matched
//!   it, a bounded regex gave up on it, a link that is not pure or a macro read it): then
//!   the value must be the same. By induction over the steps, a request that passes walks
//!   the same rules to the same matches, so the verdict is the same. Checking a new
//!   value runs only the few pure links that read its member, not the whole rule set.

use std::hash::{BuildHasher, Hasher};

use super::{Scratch, Verdict, memo_key, remember_no_match};
use crate::load::Compiled;
use crate::operator::Outcome;
use crate::request::Request;

/// How a walk read one member of the request.
#[derive(Debug, Default)]
pub(super) struct Touch {
    /// Its value counted: a later request must have the same.
    exact: bool,
    /// The pure links that read it and did not match, in walk order.
    links: Vec<u64>,
}

impl Touch {
    /// Clears the notes for a request of `members` members.
    pub(super) fn reset(touch: &mut Vec<Touch>, members: usize) {
        touch.resize_with(members, Touch::default);
        for t in touch.iter_mut() {
            t.exact = false;
            t.links.clear();
        }
    }

    /// A pure link read member `id` and did not match.
    pub(super) fn clean(touch: &mut [Touch], id: u32, uid: u64) {
        if let Some(t) = touch.get_mut(id as usize) {
            t.links.push(uid);
        }
    }

    /// Member `id`'s value counted.
    pub(super) fn exact(touch: &mut [Touch], id: u32) {
        if let Some(t) = touch.get_mut(id as usize) {
            t.exact = true;
        }
    }
}

/// Walks remembered by request shape.
///
/// Per shape, walks are grouped by which members counted (their ids); within a group, by
/// those members' values. A request of the shape looks up, in each group, the walk with
/// its values there, then checks its other members against the pure links that read them
/// in that walk. Two walks of one group with the same counted values are the same walk, so
/// one is kept per key.
#[derive(Default)]
pub(super) struct Shapes {
    by_shape: foldhash::HashMap<u64, Vec<Group>>,
    /// Lists of pure links that read a member in some walk, by their hash.
    lists: foldhash::HashMap<u64, Box<[u64]>>,
    /// (link list, value) pairs known to match none of the list's links.
    clean: foldhash::HashSet<u64>,
    /// Walks remembered in all.
    walks: usize,
}

/// The walks of one shape in which the same members counted.
struct Group {
    /// Member ids whose values counted.
    counted: Box<[u32]>,
    /// By a hash of those members' values.
    walks: foldhash::HashMap<u64, Walk>,
}

/// A remembered walk: the link list each other member must pass, and the verdict.
struct Walk {
    /// (member id, hash of the list of pure links that read it).
    clean: Box<[(u32, u64)]>,
    verdict: Verdict,
}

/// Groups remembered per shape (the oldest is dropped).
const GROUPS: usize = 16;
/// Walks remembered per thread before the memory is reset.
const WALK_LIMIT: usize = 1 << 15;
/// (link list, value) pairs remembered as clean per thread before the memory is reset.
const CLEAN_LIMIT: usize = 1 << 20;

impl Compiled {
    /// A 128-bit hash of everything the rules can read of `req`.
    pub(super) fn request_key(&self, req: &Request<'_>) -> u128 {
        let mut lo = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7501).build_hasher();
        let mut hi = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7502).build_hasher();
        let mut both = |b: &[u8]| {
            lo.write(b);
            lo.write_usize(b.len());
            hi.write(b);
            hi.write_usize(b.len());
        };
        both(req.method);
        both(req.uri);
        both(req.protocol);
        for (k, v) in &req.headers {
            both(k);
            both(v);
        }
        match req.body {
            Some(b) => both(b),
            None => both(b"\0none"),
        }
        if self.reads_status {
            both(&req.status.unwrap_or(0).to_le_bytes());
        }
        match &self.address_tests {
            Some(ops) => {
                for op in ops {
                    let hit = op.run(req.remote_addr, None, None) == Outcome::Match;
                    both(&[u8::from(hit)]);
                }
            }
            None => both(req.remote_addr),
        }
        u128::from(lo.finish()) << 64 | u128::from(hi.finish())
    }

    /// The verdict of an earlier walk of this shape whose conditions the request in
    /// `s.vars` meets, if any.
    pub(super) fn recall(&self, shape: u64, s: &mut Scratch) -> Option<Verdict> {
        let groups = s.shapes.by_shape.remove(&shape)?;
        let mut found = None;
        for g in &groups {
            let key = values_hash(&g.counted, s);
            if let Some(w) = g.walks.get(&key)
                && w.clean.iter().all(|&(id, set)| self.clean_for(id, set, s))
            {
                found = Some(w.verdict.clone());
                break;
            }
        }
        s.shapes.by_shape.insert(shape, groups);
        found
    }

    /// Notes the walk just made of the request in `s.vars`, which gave `verdict`.
    pub(super) fn remember(&self, shape: u64, s: &mut Scratch, verdict: &Verdict) {
        let mut counted = Vec::new();
        let mut clean = Vec::new();
        for id in 0..s.vars.members.len() {
            let id32 = u32::try_from(id).unwrap_or(u32::MAX);
            match s.touch.get(id) {
                Some(t) if !t.exact => {
                    let set = list_hash(&t.links);
                    if !t.links.is_empty() {
                        s.shapes
                            .lists
                            .entry(set)
                            .or_insert_with(|| t.links.as_slice().into());
                        clean.push((id32, set));
                    }
                }
                _ => counted.push(id32),
            }
        }
        let key = values_hash(&counted, s);
        let shapes = &mut s.shapes;
        if shapes.walks >= WALK_LIMIT {
            shapes.by_shape.clear();
            shapes.lists.clear();
            shapes.walks = 0;
        }
        let groups = shapes.by_shape.entry(shape).or_default();
        let g = match groups.iter().position(|g| *g.counted == *counted) {
            Some(i) => &mut groups[i],
            None => {
                if groups.len() >= GROUPS {
                    shapes.walks -= groups.remove(0).walks.len();
                }
                groups.push(Group {
                    counted: counted.into(),
                    walks: foldhash::HashMap::default(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        let walk = Walk {
            clean: clean.into(),
            verdict: verdict.clone(),
        };
        if g.walks.insert(key, walk).is_none() {
            shapes.walks += 1;
        }
    }

    /// Whether member `id`'s value matches none of the links of list `set`.
    fn clean_for(&self, id: u32, set: u64, s: &mut Scratch) -> bool {
        let value = s.vars.hash(id);
        let key = set.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ value;
        if s.shapes.clean.contains(&key) {
            return true;
        }
        let Some(links) = s.shapes.lists.get(&set).cloned() else {
            return false;
        };
        for &uid in &links {
            let memo = memo_key(uid, value);
            if s.memo.contains(&memo) {
                continue;
            }
            if !self.pure_no_match(uid, id, s) {
                return false;
            }
            remember_no_match(&mut s.memo, memo);
        }
        if s.shapes.clean.len() >= CLEAN_LIMIT {
            s.shapes.clean.clear();
        }
        s.shapes.clean.insert(key);
        true
    }

    /// Runs pure link `uid` on member `id`: whether it does not match (a bounded regex
    /// that gives up counts as a match here: the walk must see it).
    fn pure_no_match(&self, uid: u64, id: u32, s: &mut Scratch) -> bool {
        let Some(&(r, l)) = uid
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.links_by_uid.get(i))
        else {
            return false;
        };
        let link = &self.rules[r].links[l];
        if !link.pure {
            return false;
        }
        let Some(member) = s.vars.members.get(id as usize) else {
            return false;
        };
        self.candidates(link, &member.value, Some(id), &mut s.cache)
            .iter()
            .all(|value| match link.op.run(value, None, None) {
                Outcome::LimitHit => false,
                outcome => (outcome == Outcome::Match) == link.negated,
            })
    }
}

/// A 64-bit hash of the values of members `ids` of the request in `s.vars`.
fn values_hash(ids: &[u32], s: &Scratch) -> u64 {
    let mut h = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7505).build_hasher();
    for &id in ids {
        h.write_u64(s.vars.hash(id));
    }
    h.finish()
}

/// A 64-bit hash of a list of link uids.
fn list_hash(links: &[u64]) -> u64 {
    let mut h = foldhash::fast::FixedState::with_seed(0x6b61_6e73_6f6b_7504).build_hasher();
    for &l in links {
        h.write_u64(l);
    }
    h.write_usize(links.len());
    h.finish()
}
