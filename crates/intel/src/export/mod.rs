//! Writing an [`IndicatorSet`]: one module per format.
//!
//! * [`stix`]: a STIX 2.1 bundle (identity, marking definition, and per source an
//!   indicator, observed-data and sighting; paths and tool user agents as indicators
//!   with sightings; leak posts as intrusion-set → targets → identity).
//! * [`misp`]: a MISP feed folder (`manifest.json`, `<uuid>.json`, `hashes.csv`).
//! * [`flat`]: CSV or NDJSON, one record per indicator.
//!
//! Every format writes the same indicators; to add one, add a module that takes
//! `&IndicatorSet` and register it in `kansoku intel export --format`.

pub mod flat;
pub mod misp;
pub mod stix;

use crate::model::IndicatorSet;

/// End of validity of an exported source: its last sighting plus the set's validity,
/// and always after `valid_from` (STIX requires it).
pub(crate) fn valid_until(set: &IndicatorSet, first: i64, last: i64) -> i64 {
    (last + set.valid_for).max(first + 1_000_000)
}

/// `sqli 3, scanner 2`
pub(crate) fn category_summary(c: &std::collections::BTreeMap<String, u64>) -> String {
    c.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
