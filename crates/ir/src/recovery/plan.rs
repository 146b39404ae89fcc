//! The recovery plan: restore or rebuild per system, the order, and the ETAs.
//!
//! * **Restore or rebuild.** A system is rebuilt when it has no backup, when its backup
//!   was never verified by a test restore, when the backup was taken after the
//!   compromise began (it may hold the attacker's changes), or when the backup is older
//!   than the RPO, its age measured up to the start of the compromise (or to now when
//!   that is unknown). Otherwise it is restored, taking the measured restore time.
//! * **Order.** A system can start once everything it depends on is back. Among the
//!   systems that can start, the one with the highest *effective* criticality goes
//!   first: a system inherits the highest criticality of every system that needs it,
//!   so a low-criticality directory server that the order database needs is treated as
//!   critical. Ties go by own criticality, then id, so the order is deterministic.
//! * **ETAs.** At most `settings.parallel` systems are worked on at once (list
//!   scheduling: whenever a team is free it takes the first system that can start). A
//!   function is back when every system serving it is; its critical path is the chain
//!   of systems that decided that time.
//! * Systems in a dependency cycle, and everything that depends on them, get no ETA: the
//!   cycle is named so someone decides which link to break.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;

use super::inventory::{Criticality, Inventory, SystemState};
use super::order::{blocked_by_cycle, effective_criticality, find_cycles, schedule};
use crate::case::Contact;

/// Restore, rebuild, or nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// From the last backup.
    Restore,
    /// From scratch.
    Rebuild,
    /// Already up (or marked done).
    Up,
}

/// One system in the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemPlan {
    /// System id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Restore or rebuild.
    pub method: Method,
    /// Why.
    pub reason: String,
    /// Work hours.
    pub hours: f64,
    /// Position in the restore order (1-based), `None` when up or blocked.
    pub position: Option<usize>,
    /// Criticality used for ordering (inherited from dependents).
    pub effective_criticality: Criticality,
    /// Hours from now when work starts.
    pub start_hours: Option<f64>,
    /// Hours from now when it is back.
    pub eta_hours: Option<f64>,
    /// When it is back.
    pub eta: Option<DateTime<FixedOffset>>,
    /// Whether it waited for a free team after its dependencies were back.
    pub waited_for_team: bool,
    /// Set when it cannot be scheduled: the cycle or blocked dependency.
    pub blocked: Option<String>,
}

/// One business function in the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionPlan {
    /// Function id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether any of its systems is not up.
    pub down: bool,
    /// Hours from now until it is back (0 when up; `None` when blocked).
    pub eta_hours: Option<f64>,
    /// When it is back.
    pub eta: Option<DateTime<FixedOffset>>,
    /// Systems, first to last, on the chain that decides the ETA.
    pub critical_path: Vec<String>,
    /// Cost of downtime from now until the ETA.
    pub cost_until_eta: Option<f64>,
}

/// A stop condition that holds now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stop {
    /// Function id.
    pub function: String,
    /// The system whose state triggers it.
    pub system: String,
    /// What to do.
    pub action: String,
}

/// Someone to contact, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactItem {
    /// Who.
    pub contact: Contact,
    /// For which system.
    pub system: String,
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The time the plan was computed for.
    pub now: DateTime<FixedOffset>,
    /// Systems worked on at once.
    pub parallel: usize,
    /// Restore order (system ids).
    pub order: Vec<String>,
    /// Every system, in inventory order.
    pub systems: Vec<SystemPlan>,
    /// Every function, in inventory order.
    pub functions: Vec<FunctionPlan>,
    /// Things to fix in the inventory or the plan.
    pub warnings: Vec<String>,
    /// Stop conditions that hold now.
    pub stops: Vec<Stop>,
    /// People to contact.
    pub contacts: Vec<ContactItem>,
    /// Currency of the costs.
    pub currency: String,
}

fn hours(h: f64) -> Duration {
    Duration::milliseconds((h * 3_600_000.0).round() as i64)
}

/// Computes the plan at `now`; systems in `done` count as up.
pub fn plan(inv: &Inventory, now: DateTime<FixedOffset>, done: &BTreeSet<String>) -> Plan {
    let index: BTreeMap<&str, usize> = inv
        .systems
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut warnings = Vec::new();
    let deps: Vec<Vec<usize>> = inv
        .systems
        .iter()
        .map(|s| {
            s.depends_on
                .iter()
                .filter_map(|d| {
                    let found = index.get(d.as_str()).copied();
                    if found.is_none() {
                        warnings.push(format!(
                            "{}: depends on unknown system {d:?} (ignored)",
                            s.id
                        ));
                    }
                    found
                })
                .collect()
        })
        .collect();
    let up: Vec<bool> = inv
        .systems
        .iter()
        .map(|s| s.state == SystemState::Up || done.contains(&s.id))
        .collect();
    let (cycles, in_cycle) = find_cycles(inv, &deps);
    for c in &cycles {
        warnings.push(format!(
            "dependency cycle: {}; these systems get no ETA until a link is broken",
            c.join(" → ")
        ));
    }
    let blocked = blocked_by_cycle(&deps, &in_cycle, &up, inv);
    let effective = effective_criticality(inv, &deps);
    let mut systems: Vec<SystemPlan> = inv
        .systems
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (method, reason, h) =
                decide(s, up[i], inv.settings.compromise_started.unwrap_or(now));
            SystemPlan {
                id: s.id.clone(),
                name: s.display_name().into(),
                method,
                reason,
                hours: h,
                position: None,
                effective_criticality: effective[i],
                start_hours: up[i].then_some(0.0),
                eta_hours: up[i].then_some(0.0),
                eta: None,
                waited_for_team: false,
                blocked: blocked[i].clone(),
            }
        })
        .collect();
    let order = schedule(&mut systems, &deps, inv.settings.parallel.max(1), &up);
    for (pos, &i) in order.iter().enumerate() {
        systems[i].position = Some(pos + 1);
    }
    for sp in &mut systems {
        sp.eta = sp.eta_hours.map(|h| now + hours(h));
    }
    for (i, s) in inv.systems.iter().enumerate() {
        system_warnings(s, &systems[i], up[i], &mut warnings);
    }
    let functions = inv
        .functions
        .iter()
        .map(|f| function_plan(f, inv, &systems, &deps, &up, now))
        .collect();
    let stops = stops_now(inv, &up, &index, &mut warnings);
    let contacts = contacts(inv, &up);
    Plan {
        now,
        parallel: inv.settings.parallel.max(1),
        order: order.iter().map(|&i| inv.systems[i].id.clone()).collect(),
        systems,
        functions,
        warnings,
        stops,
        contacts,
        currency: inv.settings.currency.clone(),
    }
}

fn decide(
    s: &super::inventory::System,
    up: bool,
    reference: DateTime<FixedOffset>,
) -> (Method, String, f64) {
    if up {
        return (Method::Up, "up".into(), 0.0);
    }
    let rebuild = |why: String| (Method::Rebuild, why, s.rebuild_hours);
    let Some(b) = &s.backup else {
        return rebuild("no backup".into());
    };
    if !b.verified {
        return rebuild("backup never verified by a test restore".into());
    }
    if b.taken >= reference {
        return rebuild(format!(
            "backup taken {} after the compromise began",
            b.taken.format("%Y-%m-%d %H:%M %:z")
        ));
    }
    let age = (reference - b.taken).num_minutes() as f64 / 60.0;
    if let Some(rpo) = s.rpo_hours
        && age > rpo
    {
        return rebuild(format!(
            "backup is {age:.1} h old, older than the RPO of {rpo} h"
        ));
    }
    (
        Method::Restore,
        format!("verified backup {age:.1} h old, within the RPO"),
        b.restore_hours,
    )
}

fn system_warnings(s: &super::inventory::System, p: &SystemPlan, up: bool, out: &mut Vec<String>) {
    if let (Some(rto), Some(mtpd)) = (s.rto_hours, s.mtpd_hours)
        && rto > mtpd
    {
        out.push(format!(
            "{}: RTO {rto} h is longer than the MTPD {mtpd} h: the business cannot wait that long",
            s.id
        ));
    }
    if s.owner.trim().is_empty() {
        out.push(format!("{}: no owner", s.id));
    }
    if s.docs.trim().is_empty() {
        out.push(format!("{}: no recovery documentation", s.id));
    }
    if up {
        return;
    }
    if let Some(eta) = p.eta_hours {
        if let Some(rto) = s.rto_hours.filter(|&r| eta > r) {
            out.push(format!(
                "{}: ETA {eta} h is beyond its RTO of {rto} h",
                s.id
            ));
        }
        if let Some(mtpd) = s.mtpd_hours.filter(|&m| eta > m) {
            out.push(format!(
                "{}: ETA {eta} h is beyond its MTPD of {mtpd} h",
                s.id
            ));
        }
    }
}

fn function_plan(
    f: &super::inventory::Function,
    inv: &Inventory,
    systems: &[SystemPlan],
    deps: &[Vec<usize>],
    up: &[bool],
    now: DateTime<FixedOffset>,
) -> FunctionPlan {
    let members: Vec<usize> = (0..systems.len())
        .filter(|&i| inv.systems[i].functions.contains(&f.id))
        .collect();
    let down = members.iter().any(|&i| !up[i]);
    let eta_hours = members
        .iter()
        .try_fold(0.0f64, |acc, &i| systems[i].eta_hours.map(|e| acc.max(e)));
    let mut path = Vec::new();
    if down && eta_hours.is_some() {
        // Walk back from the last system along the dependency that came back last.
        let last = members
            .iter()
            .copied()
            .filter(|&i| !up[i])
            .max_by(|&a, &b| {
                systems[a]
                    .eta_hours
                    .unwrap_or(0.0)
                    .total_cmp(&systems[b].eta_hours.unwrap_or(0.0))
                    .then(systems[b].id.cmp(&systems[a].id))
            });
        let mut cur = last;
        while let Some(i) = cur {
            path.push(systems[i].id.clone());
            cur = deps[i]
                .iter()
                .copied()
                .filter(|&d| !up[d])
                .max_by(|&a, &b| {
                    systems[a]
                        .eta_hours
                        .unwrap_or(0.0)
                        .total_cmp(&systems[b].eta_hours.unwrap_or(0.0))
                });
        }
        path.reverse();
    }
    FunctionPlan {
        id: f.id.clone(),
        name: if f.name.is_empty() {
            f.id.clone()
        } else {
            f.name.clone()
        },
        down,
        eta_hours,
        eta: eta_hours.map(|h| now + hours(h)),
        critical_path: path,
        cost_until_eta: eta_hours.map(|h| h * f.cost_per_hour),
    }
}

fn stops_now(
    inv: &Inventory,
    up: &[bool],
    index: &BTreeMap<&str, usize>,
    warnings: &mut Vec<String>,
) -> Vec<Stop> {
    let mut out = Vec::new();
    for f in &inv.functions {
        for c in &f.stop {
            let Some(&i) = index.get(c.system.as_str()) else {
                warnings.push(format!(
                    "function {}: stop condition names unknown system {:?}",
                    f.id, c.system
                ));
                continue;
            };
            let holds = match c.when {
                SystemState::Up => up[i],
                SystemState::Down => !up[i],
                SystemState::Compromised => {
                    !up[i] && inv.systems[i].state == SystemState::Compromised
                }
            };
            if holds {
                out.push(Stop {
                    function: f.id.clone(),
                    system: c.system.clone(),
                    action: c.action.clone(),
                });
            }
        }
    }
    out
}

fn contacts(inv: &Inventory, up: &[bool]) -> Vec<ContactItem> {
    let mut out: Vec<ContactItem> = Vec::new();
    for (i, s) in inv.systems.iter().enumerate() {
        if up[i] {
            continue;
        }
        let owner = (!s.owner.trim().is_empty()).then(|| Contact {
            role: "owner".into(),
            name: s.owner.clone(),
            email: None,
            phone: None,
        });
        for c in owner.into_iter().chain(s.contacts.iter().cloned()) {
            if !out
                .iter()
                .any(|o| o.contact.name == c.name && o.contact.role == c.role && o.system == s.id)
            {
                out.push(ContactItem {
                    contact: c,
                    system: s.id.clone(),
                });
            }
        }
    }
    out
}
