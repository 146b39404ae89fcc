//! `case stats`: cases by type and year, and the ransomware share year over year.
//!
//! A case counts in the year (in the given time zone) in which the organisation learned
//! of the incident, not the year it was opened or closed, so a case opened on
//! 1 January for an attack found on 31 December belongs to the old year.

use std::collections::BTreeMap;

use chrono::Datelike;
use chrono_tz::Tz;
use serde::Serialize;

use crate::case::{CaseMeta, CaseType};

/// Counts of one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearCounts {
    /// Calendar year.
    pub year: i32,
    /// Cases per type, every type present (zero included), in [`CaseType::ALL`] order.
    pub by_type: Vec<(CaseType, u64)>,
    /// All cases of the year.
    pub total: u64,
    /// Ransomware cases as a percentage of the year's cases.
    pub ransomware_share: f64,
    /// Change of the share against the previous year with cases, in percentage points
    /// (`None` for the first year).
    pub share_change_points: Option<f64>,
}

/// Cases by type and year, oldest year first; years without cases between two years
/// with cases are left out (there is no share to compare).
pub fn by_type_and_year<'a>(
    cases: impl IntoIterator<Item = &'a CaseMeta>,
    tz: Tz,
) -> Vec<YearCounts> {
    let mut counts: BTreeMap<i32, BTreeMap<CaseType, u64>> = BTreeMap::new();
    for c in cases {
        let year = c.learned.with_timezone(&tz).year();
        *counts
            .entry(year)
            .or_default()
            .entry(c.case_type)
            .or_default() += 1;
    }
    let mut out: Vec<YearCounts> = Vec::new();
    for (year, types) in counts {
        let total: u64 = types.values().sum();
        let ransomware = types.get(&CaseType::Ransomware).copied().unwrap_or(0);
        let share = if total == 0 {
            0.0
        } else {
            100.0 * ransomware as f64 / total as f64
        };
        let share_change_points = out.last().map(|prev| share - prev.ransomware_share);
        out.push(YearCounts {
            year,
            by_type: CaseType::ALL
                .iter()
                .map(|t| (*t, types.get(t).copied().unwrap_or(0)))
                .collect(),
            total,
            ransomware_share: share,
            share_change_points,
        });
    }
    out
}
