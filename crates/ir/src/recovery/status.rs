//! `recovery status`: progress beside the inventory, and the executive status page.
//!
//! Progress is kept in `<inventory>.state.toml` next to the inventory (`[done]`, one
//! system id per line with the time it came back), so the plan can be recomputed at any
//! time with the finished systems counted as up. The page is one HTML file with inline
//! CSS, no script and a Content-Security-Policy that forbids scripts; every string from
//! the inventory is escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use kansoku_report::escape::html as esc;
use serde::{Deserialize, Serialize};

use super::inventory::Inventory;
use super::plan::Plan;
use crate::IrError;
use crate::case::write_atomic;

/// Recorded progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// Systems back, with the time each came back.
    #[serde(default)]
    pub done: BTreeMap<String, DateTime<FixedOffset>>,
}

impl Progress {
    /// The state file of `inventory` (`plan.toml` → `plan.state.toml`).
    pub fn path_for(inventory: &Path) -> PathBuf {
        let stem = inventory
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        inventory.with_file_name(format!("{stem}.state.toml"))
    }

    /// Reads the state file; empty when there is none.
    pub fn load(path: &Path) -> Result<Progress, IrError> {
        match std::fs::read_to_string(path) {
            Ok(t) => toml::from_str(&t).map_err(|e| IrError::format(path, e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Progress::default()),
            Err(e) => Err(IrError::io(path, e)),
        }
    }

    /// Marks systems as back at `now`; unknown ids are refused.
    pub fn mark_done(
        &mut self,
        inv: &Inventory,
        ids: &[String],
        now: DateTime<FixedOffset>,
    ) -> Result<(), IrError> {
        for id in ids {
            if !inv.systems.iter().any(|s| &s.id == id) {
                return Err(IrError::Invalid(format!(
                    "--done {id:?}: no such system in the inventory"
                )));
            }
            self.done.entry(id.clone()).or_insert(now);
        }
        Ok(())
    }

    /// Writes the state file.
    pub fn save(&self, path: &Path) -> Result<(), IrError> {
        let text = toml::to_string(self).map_err(|e| IrError::Invalid(e.to_string()))?;
        write_atomic(path, text.as_bytes())
    }

    /// The ids marked done.
    pub fn done_ids(&self) -> BTreeSet<String> {
        self.done.keys().cloned().collect()
    }
}

/// Page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageLang {
    /// Japanese.
    Ja,
    /// English.
    En,
}

struct Words {
    title: &'static str,
    as_of: &'static str,
    back_of: &'static str,
    functions: &'static str,
    function: &'static str,
    state: &'static str,
    expected: &'static str,
    down: &'static str,
    up: &'static str,
    unknown: &'static str,
    still_down: &'static str,
    back: &'static str,
    system: &'static str,
    since: &'static str,
    stops: &'static str,
    cost: &'static str,
}

const JA: Words = Words {
    title: "復旧状況",
    as_of: "時点",
    back_of: "システム復旧済み",
    functions: "業務ごとの状況",
    function: "業務",
    state: "状態",
    expected: "復旧見込み",
    down: "停止中",
    up: "稼働中",
    unknown: "見込み未定",
    still_down: "停止中のシステム",
    back: "復旧済みのシステム",
    system: "システム",
    since: "復旧日時",
    stops: "停止措置の実施中",
    cost: "見込み損失（復旧まで）",
};

const EN: Words = Words {
    title: "Recovery status",
    as_of: "as of",
    back_of: "systems back",
    functions: "Business functions",
    function: "Function",
    state: "State",
    expected: "Expected back",
    down: "Down",
    up: "Up",
    unknown: "No estimate yet",
    still_down: "Systems still down",
    back: "Systems back",
    system: "System",
    since: "Back since",
    stops: "Stop measures in force",
    cost: "Expected downtime cost until back",
};

/// The executive status page.
pub fn page(plan: &Plan, progress: &Progress, tz: Tz, lang: PageLang) -> String {
    let w = if lang == PageLang::Ja { &JA } else { &EN };
    let t =
        |d: DateTime<FixedOffset>| esc(&d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
    let total = plan.systems.len();
    let back = plan
        .systems
        .iter()
        .filter(|s| s.method == super::plan::Method::Up)
        .count();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>\
body{{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}}\
table{{border-collapse:collapse;width:100%;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}\
.down{{color:#b00;font-weight:bold}}.up{{color:#070}}.stop{{background:#fee;padding:.5em;border-left:4px solid #b00}}\
</style></head><body>\n",
        if lang == PageLang::Ja { "ja" } else { "en" },
        w.title
    );
    let _ = writeln!(
        s,
        "<h1>{}</h1><p>{} {} ({})</p>",
        w.title,
        t(plan.now),
        w.as_of,
        esc(tz.name())
    );
    let _ = writeln!(
        s,
        "<p class=\"summary\"><strong>{back} / {total}</strong> {}</p>",
        w.back_of
    );
    if !plan.stops.is_empty() {
        let _ = writeln!(s, "<div class=\"stop\"><h2>{}</h2><ul>", w.stops);
        for st in &plan.stops {
            let _ = writeln!(s, "<li>{}: {}</li>", esc(&st.function), esc(&st.action));
        }
        s.push_str("</ul></div>\n");
    }
    let _ = writeln!(
        s,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.functions, w.function, w.state, w.expected, w.cost
    );
    for f in &plan.functions {
        let (class, state) = if f.down {
            ("down", w.down)
        } else {
            ("up", w.up)
        };
        let eta = match (f.down, f.eta) {
            (false, _) => "—".to_string(),
            (true, Some(e)) => t(e),
            (true, None) => w.unknown.to_string(),
        };
        let cost = f
            .cost_until_eta
            .filter(|_| f.down)
            .map_or("—".into(), |c| format!("{c:.0} {}", esc(&plan.currency)));
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"{class}\">{state}</td><td>{eta}</td><td>{cost}</td></tr>",
            esc(&f.name)
        );
    }
    s.push_str("</table>\n");
    let _ = writeln!(
        s,
        "<h2>{}</h2><table class=\"still-down\"><tr><th>{}</th><th>{}</th></tr>",
        w.still_down, w.system, w.expected
    );
    for p in plan
        .systems
        .iter()
        .filter(|p| p.method != super::plan::Method::Up)
    {
        let eta = p.eta.map_or(w.unknown.to_string(), t);
        let _ = writeln!(s, "<tr><td>{}</td><td>{eta}</td></tr>", esc(&p.name));
    }
    s.push_str("</table>\n");
    let _ = writeln!(
        s,
        "<h2>{}</h2><table class=\"back\"><tr><th>{}</th><th>{}</th></tr>",
        w.back, w.system, w.since
    );
    for p in plan
        .systems
        .iter()
        .filter(|p| p.method == super::plan::Method::Up)
    {
        let since = progress.done.get(&p.id).map_or("—".to_string(), |d| t(*d));
        let _ = writeln!(s, "<tr><td>{}</td><td>{since}</td></tr>", esc(&p.name));
    }
    s.push_str("</table>\n</body></html>\n");
    s
}
