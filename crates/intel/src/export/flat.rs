//! CSV and NDJSON: one record per indicator, the same columns in both.

use std::io::Write;

use serde::Serialize;

use crate::IntelError;
use crate::export::valid_until;
use crate::model::{IndicatorSet, rfc3339};

/// One indicator as a flat record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlatRecord {
    /// `ip`, `path`, `user_agent` or `leak`.
    pub kind: &'static str,
    /// The address, path, user agent or victim.
    pub value: String,
    /// First sighting (RFC 3339).
    pub first_seen: String,
    /// Last sighting.
    pub last_seen: String,
    /// End of validity (sources only).
    pub valid_until: String,
    /// Requests.
    pub count: u64,
    /// Categories, `;`-separated (sources: `name:count`).
    pub categories: String,
    /// Whether a source was a Tor exit when it attacked.
    pub tor_exit: bool,
    /// Tools recognised, `;`-separated.
    pub tools: String,
    /// Leak-site group.
    pub group: String,
    /// Victim country of a leak post.
    pub country: String,
    /// TLP level of the export.
    pub tlp: &'static str,
}

/// The records of a set, in the order sources, paths, user agents, leaks.
pub fn records(set: &IndicatorSet) -> Vec<FlatRecord> {
    let tlp = set.tlp.as_str();
    let mut out = Vec::with_capacity(set.len());
    for s in &set.sources {
        out.push(FlatRecord {
            kind: "ip",
            value: s.ip.clone(),
            first_seen: rfc3339(s.first_seen),
            last_seen: rfc3339(s.last_seen),
            valid_until: rfc3339(valid_until(set, s.first_seen, s.last_seen)),
            count: s.count,
            categories: s
                .categories
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(";"),
            tor_exit: s.tor_exit,
            tools: s.tools.iter().cloned().collect::<Vec<_>>().join(";"),
            tlp,
            ..FlatRecord::default()
        });
    }
    for p in &set.paths {
        out.push(FlatRecord {
            kind: "path",
            value: p.path.clone(),
            first_seen: rfc3339(p.first_seen),
            last_seen: rfc3339(p.last_seen),
            count: p.count,
            categories: p.categories.iter().cloned().collect::<Vec<_>>().join(";"),
            tlp,
            ..FlatRecord::default()
        });
    }
    for a in &set.agents {
        out.push(FlatRecord {
            kind: "user_agent",
            value: a.user_agent.clone(),
            first_seen: rfc3339(a.first_seen),
            last_seen: rfc3339(a.last_seen),
            count: a.count,
            tools: a.tool.clone(),
            tlp,
            ..FlatRecord::default()
        });
    }
    for l in &set.leaks {
        out.push(FlatRecord {
            kind: "leak",
            value: l.victim.clone(),
            first_seen: rfc3339(l.published.unwrap_or(l.discovered)),
            last_seen: rfc3339(l.discovered),
            count: 1,
            group: l.group.clone(),
            country: l.country.clone().unwrap_or_default(),
            tlp,
            ..FlatRecord::default()
        });
    }
    out
}

/// Writes the set as CSV with a header line.
pub fn write_csv(set: &IndicatorSet, out: impl Write) -> Result<(), IntelError> {
    let mut w = csv::Writer::from_writer(out);
    for mut r in records(set) {
        // Values and names come from logs and leak sites: inert in a spreadsheet.
        for text in [
            &mut r.value,
            &mut r.categories,
            &mut r.tools,
            &mut r.group,
            &mut r.country,
        ] {
            if let std::borrow::Cow::Owned(safe) = kansoku_event::spreadsheet::safe_cell(text) {
                *text = safe;
            }
        }
        w.serialize(r)
            .map_err(|e| IntelError::Usage(format!("writing CSV: {e}")))?;
    }
    w.flush().map_err(|e| IntelError::io("-", e))
}

/// Writes the set as NDJSON, one object per line.
pub fn write_ndjson(set: &IndicatorSet, mut out: impl Write) -> Result<(), IntelError> {
    for r in records(set) {
        let line = serde_json::to_string(&r).map_err(|e| IntelError::Usage(e.to_string()))?;
        writeln!(out, "{line}").map_err(|e| IntelError::io("-", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentIndicator, LeakObservation};

    /// A user agent and a leak victim are written by attackers: a spreadsheet must not
    /// evaluate them.
    #[test]
    fn csv_cells_are_inert_in_a_spreadsheet() {
        let set = IndicatorSet {
            agents: vec![AgentIndicator {
                tool: "nikto".into(),
                user_agent: "=cmd|' /C calc'!A0".into(),
                ..AgentIndicator::default()
            }],
            leaks: vec![LeakObservation {
                group: "@lockbit".into(),
                victim: "+HYPERLINK(\"http://x\")".into(),
                ..LeakObservation::default()
            }],
            ..IndicatorSet::default()
        };
        let mut out = Vec::new();
        write_csv(&set, &mut out).expect("csv");
        let text = String::from_utf8(out).expect("utf8");
        for cell in text.lines().skip(1).flat_map(|l| l.split(',')) {
            let c = cell.trim_start_matches('"');
            assert!(!c.starts_with(['=', '+', '@']), "{cell:?} in {text}");
        }
        assert!(text.contains("'=cmd"), "{text}");
    }
}
