//! The inventory file (`INVENTORY.toml`): systems, business functions, settings.
//!
//! ```toml
//! [settings]
//! parallel = 2                                   # systems worked on at once
//! compromise_started = "2026-10-01T03:00:00+09:00"
//!
//! [[function]]
//! id = "orders"
//! name = "受注"
//! cost_per_hour = 400000
//! stop = [{ system = "order-db", when = "compromised", action = "Stop taking orders" }]
//!
//! [[system]]
//! id = "order-db"
//! owner = "Tanaka"
//! functions = ["orders"]
//! criticality = "critical"
//! depends_on = ["ad"]
//! rto_hours = 8
//! rpo_hours = 24
//! mtpd_hours = 48
//! rebuild_hours = 10
//! backup = { taken = "2026-09-30T23:00:00+09:00", verified = true, restore_hours = 3 }
//! ```

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::IrError;
use crate::case::Contact;

/// The whole inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// How the plan is computed.
    #[serde(default)]
    pub settings: Settings,
    /// Business functions.
    #[serde(default, rename = "function")]
    pub functions: Vec<Function>,
    /// Systems.
    #[serde(default, rename = "system")]
    pub systems: Vec<System>,
}

/// Plan settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// How many systems can be restored or rebuilt at the same time (teams, hands,
    /// restore bandwidth). 1 means strictly one after another.
    pub parallel: usize,
    /// When the compromise began, as far as known: a backup taken after it may hold the
    /// attacker's changes, and backup age (against the RPO) is measured up to it.
    pub compromise_started: Option<DateTime<FixedOffset>>,
    /// Currency of `cost_per_hour` (for display only).
    pub currency: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            parallel: 1,
            compromise_started: None,
            currency: "JPY".into(),
        }
    }
}

/// A business function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    /// Stable id, referred to by systems.
    pub id: String,
    /// Name shown to executives.
    #[serde(default)]
    pub name: String,
    /// What an hour of downtime costs.
    #[serde(default)]
    pub cost_per_hour: f64,
    /// Conditions under which the function must be stopped.
    #[serde(default)]
    pub stop: Vec<StopCondition>,
}

/// "When SYSTEM is STATE, do ACTION."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopCondition {
    /// System id.
    pub system: String,
    /// The state that triggers it.
    pub when: SystemState,
    /// What to do.
    pub action: String,
}

/// The state of a system now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemState {
    /// Working and trusted.
    Up,
    /// Not working.
    #[default]
    Down,
    /// Under the attacker's control or encrypted (also down).
    Compromised,
}

/// How much a system matters.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// The business stops without it.
    Critical,
    /// Needed within the day.
    High,
    /// Needed within days.
    #[default]
    Medium,
    /// Can wait.
    Low,
}

/// The last backup of a system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// When it was taken.
    pub taken: DateTime<FixedOffset>,
    /// Whether a restore of it was tested.
    #[serde(default)]
    pub verified: bool,
    /// Measured restore duration, hours.
    pub restore_hours: f64,
}

/// A system to bring back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    /// Stable id.
    pub id: String,
    /// Display name [default: the id].
    #[serde(default)]
    pub name: String,
    /// Who owns it.
    #[serde(default)]
    pub owner: String,
    /// Business functions it serves.
    #[serde(default)]
    pub functions: Vec<String>,
    /// How much it matters.
    #[serde(default)]
    pub criticality: Criticality,
    /// Systems that must run before it can come back.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Recovery time objective, hours.
    pub rto_hours: Option<f64>,
    /// Recovery point objective (acceptable data loss), hours.
    pub rpo_hours: Option<f64>,
    /// Maximum tolerable period of disruption, hours.
    pub mtpd_hours: Option<f64>,
    /// Current state.
    #[serde(default)]
    pub state: SystemState,
    /// Last backup, if any.
    pub backup: Option<Backup>,
    /// Hours to rebuild it from scratch.
    pub rebuild_hours: f64,
    /// Link to its recovery documentation.
    #[serde(default)]
    pub docs: String,
    /// Owner, vendor and partners to notify.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

impl System {
    /// The name, or the id when there is none.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

impl Inventory {
    /// Reads and checks an inventory file.
    pub fn load(path: &Path) -> Result<Inventory, IrError> {
        let text = std::fs::read_to_string(path).map_err(|e| IrError::io(path, e))?;
        let inv: Inventory =
            toml::from_str(&text).map_err(|e| IrError::format(path, e.to_string()))?;
        let mut ids = std::collections::HashSet::new();
        for s in &inv.systems {
            if !ids.insert(s.id.as_str()) {
                return Err(IrError::format(
                    path,
                    format!("system {:?} is listed twice", s.id),
                ));
            }
            let hours = [
                Some(s.rebuild_hours),
                s.backup.as_ref().map(|b| b.restore_hours),
            ];
            if hours
                .into_iter()
                .flatten()
                .any(|h| !h.is_finite() || h < 0.0)
            {
                return Err(IrError::format(
                    path,
                    format!("system {:?}: durations must be zero or more hours", s.id),
                ));
            }
        }
        if inv.settings.parallel == 0 {
            return Err(IrError::format(
                path,
                "settings.parallel must be at least 1",
            ));
        }
        Ok(inv)
    }
}
