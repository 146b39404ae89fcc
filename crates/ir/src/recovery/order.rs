//! The order of the recovery work over the dependency graph: cycles and what they block,
//! the criticality a system inherits from what needs it, and the list scheduling that
//! gives each system its start and ETA. [`super::plan`] decides what each system needs.

use super::inventory::{Criticality, Inventory};
use super::plan::SystemPlan;

/// Cycles named as paths (`a → b → a`), and whether each system is on one.
pub(super) fn find_cycles(inv: &Inventory, deps: &[Vec<usize>]) -> (Vec<Vec<String>>, Vec<bool>) {
    fn dfs(
        i: usize,
        deps: &[Vec<usize>],
        color: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        color[i] = 1;
        stack.push(i);
        let mut next = deps[i].clone();
        next.sort_unstable();
        for d in next {
            match color[d] {
                0 => dfs(d, deps, color, stack, found),
                1 => {
                    let from = stack.iter().position(|&x| x == d).unwrap_or(0);
                    found.push(stack[from..].to_vec());
                }
                _ => {}
            }
        }
        stack.pop();
        color[i] = 2;
    }
    let n = inv.systems.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| inv.systems[a].id.cmp(&inv.systems[b].id));
    let (mut color, mut found) = (vec![0u8; n], Vec::new());
    for i in order {
        if color[i] == 0 {
            dfs(i, deps, &mut color, &mut Vec::new(), &mut found);
        }
    }
    let mut in_cycle = vec![false; n];
    let named = found
        .into_iter()
        .map(|c| {
            for &i in &c {
                in_cycle[i] = true;
            }
            let mut names: Vec<String> = c.iter().map(|&i| inv.systems[i].id.clone()).collect();
            names.push(inv.systems[c[0]].id.clone());
            names
        })
        .collect();
    (named, in_cycle)
}

/// Why each system that is not up cannot be scheduled: on a cycle, or waiting for one.
pub(super) fn blocked_by_cycle(
    deps: &[Vec<usize>],
    in_cycle: &[bool],
    up: &[bool],
    inv: &Inventory,
) -> Vec<Option<String>> {
    let n = deps.len();
    let mut blocked: Vec<Option<String>> = (0..n)
        .map(|i| (in_cycle[i] && !up[i]).then(|| "in a dependency cycle".to_string()))
        .collect();
    // Propagate until nothing changes: inventories are small.
    loop {
        let mut changed = false;
        for (i, ds) in deps.iter().enumerate() {
            if blocked[i].is_some() || up[i] {
                continue;
            }
            if let Some(&d) = ds.iter().find(|&&d| blocked[d].is_some()) {
                blocked[i] = Some(format!("waits for {}, which is blocked", inv.systems[d].id));
                changed = true;
            }
        }
        if !changed {
            return blocked;
        }
    }
}

/// Each system's own criticality, raised to the highest of every system that needs it.
pub(super) fn effective_criticality(inv: &Inventory, deps: &[Vec<usize>]) -> Vec<Criticality> {
    let mut eff: Vec<Criticality> = inv.systems.iter().map(|s| s.criticality).collect();
    // A dependency is at least as critical as anything needing it; iterate to a fixed
    // point (bounded by the number of systems, so cycles terminate).
    for _ in 0..inv.systems.len() {
        let mut changed = false;
        for (i, ds) in deps.iter().enumerate() {
            for &d in ds {
                if eff[i] < eff[d] {
                    eff[d] = eff[i];
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    eff
}

/// List scheduling with `parallel` teams; fills start/eta hours, returns the order.
pub(super) fn schedule(
    systems: &mut [SystemPlan],
    deps: &[Vec<usize>],
    parallel: usize,
    up: &[bool],
) -> Vec<usize> {
    let n = systems.len();
    let mut finish: Vec<Option<f64>> = (0..n).map(|i| up[i].then_some(0.0)).collect();
    let mut started = vec![false; n];
    let mut running: Vec<usize> = Vec::new();
    let mut order = Vec::new();
    let mut t = 0.0f64;
    loop {
        let mut ready: Vec<usize> = (0..n)
            .filter(|&i| !up[i] && !started[i] && systems[i].blocked.is_none())
            .filter(|&i| {
                deps[i]
                    .iter()
                    .all(|&d| finish[d].is_some_and(|f| f <= t) && !running.contains(&d))
            })
            .collect();
        ready.sort_by(|&a, &b| {
            (systems[a].effective_criticality, &systems[a].id)
                .cmp(&(systems[b].effective_criticality, &systems[b].id))
        });
        for i in ready {
            if running.len() >= parallel {
                break;
            }
            started[i] = true;
            running.push(i);
            order.push(i);
            let deps_back = deps[i]
                .iter()
                .filter_map(|&d| finish[d])
                .fold(0.0, f64::max);
            systems[i].waited_for_team = t > deps_back + 1e-9;
            systems[i].start_hours = Some(t);
            finish[i] = Some(t + systems[i].hours);
        }
        let Some(next) = running
            .iter()
            .filter_map(|&i| finish[i])
            .min_by(f64::total_cmp)
        else {
            break;
        };
        t = next;
        running.retain(|&i| finish[i].is_some_and(|f| f > t + 1e-9));
    }
    for (i, sp) in systems.iter_mut().enumerate() {
        if started[i] || up[i] {
            sp.eta_hours = finish[i];
        }
    }
    order
}
