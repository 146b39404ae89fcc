//! The plan as text for the response team.

use std::fmt::Write as _;

use chrono_tz::Tz;

use super::plan::{Method, Plan};

/// Hours as `3.5 h`.
pub fn fmt_hours(h: f64) -> String {
    let r = (h * 100.0).round() / 100.0;
    format!("{r} h")
}

/// The plan as text; times in `tz`.
pub fn text(plan: &Plan, tz: Tz) -> String {
    let t = |d: chrono::DateTime<chrono::FixedOffset>| {
        d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Recovery plan at {} ({tz}), {} system(s) worked on at once\n",
        t(plan.now),
        plan.parallel
    );
    let _ = writeln!(s, "Restore order:");
    for (pos, id) in plan.order.iter().enumerate() {
        let Some(p) = plan.systems.iter().find(|p| &p.id == id) else {
            continue;
        };
        let method = if p.method == Method::Restore {
            "restore"
        } else {
            "rebuild"
        };
        let _ = writeln!(
            s,
            "  {:>2}. {:<16} {method:<8} {:>8}  start +{}  ETA {}{}  ({})",
            pos + 1,
            p.id,
            fmt_hours(p.hours),
            fmt_hours(p.start_hours.unwrap_or(0.0)),
            p.eta.map_or("-".into(), t),
            if p.waited_for_team {
                ", waited for a free team"
            } else {
                ""
            },
            p.reason
        );
    }
    for p in plan.systems.iter().filter(|p| p.blocked.is_some()) {
        let _ = writeln!(
            s,
            "   -. {:<16} no ETA: {}",
            p.id,
            p.blocked.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(s, "\nBusiness functions:");
    for f in &plan.functions {
        let state = match (f.down, f.eta) {
            (false, _) => "up".to_string(),
            (true, Some(eta)) => format!(
                "back {} (+{})",
                t(eta),
                fmt_hours(f.eta_hours.unwrap_or(0.0))
            ),
            (true, None) => "no ETA (blocked)".to_string(),
        };
        let _ = write!(s, "  {:<16} {state}", f.name);
        if let Some(c) = f.cost_until_eta.filter(|_| f.down) {
            let _ = write!(s, ", downtime cost until then {c:.0} {}", plan.currency);
        }
        if !f.critical_path.is_empty() {
            let _ = write!(s, ", critical path {}", f.critical_path.join(" → "));
        }
        s.push('\n');
    }
    if !plan.stops.is_empty() {
        let _ = writeln!(s, "\nStop now:");
        for st in &plan.stops {
            let _ = writeln!(
                s,
                "  {} ({} is down): {}",
                st.function, st.system, st.action
            );
        }
    }
    if !plan.warnings.is_empty() {
        let _ = writeln!(s, "\nWarnings:");
        for w in &plan.warnings {
            let _ = writeln!(s, "  ! {w}");
        }
    }
    if !plan.contacts.is_empty() {
        let _ = writeln!(s, "\nContact:");
        for c in &plan.contacts {
            let reach = [c.contact.phone.as_deref(), c.contact.email.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                s,
                "  {} ({}, {}) {reach}",
                c.contact.name, c.contact.role, c.system
            );
        }
    }
    s
}
