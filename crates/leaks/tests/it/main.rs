//! Integration tests: fixtures from real and synthetic feeds (see
//! `tests/fixtures/README.md` for their sources and licences).

#[cfg(feature = "lake")]
mod crawl;
mod feed_props;
mod fixtures_import;
mod real_data;
mod stats;

use std::path::PathBuf;

use kansoku_leaks::{ImportOptions, ImportResult, import};

/// Path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture feeds, in import order.
pub const ALL_FIXTURES: &[&str] = &[
    "ransomwatch_excerpt.json",
    "ransomware_live_excerpt.json",
    "ransomware_live_v2_synthetic.json",
    "ransomlook_synthetic.json",
];

/// Options independent of the machine: no Public Suffix List, no name list.
pub fn offline() -> ImportOptions {
    ImportOptions {
        public_suffix_list: None,
        ..ImportOptions::default()
    }
}

/// Imports every fixture feed.
pub fn import_all(opts: &ImportOptions) -> ImportResult {
    let paths: Vec<PathBuf> = ALL_FIXTURES.iter().map(|f| fixture(f)).collect();
    import(&paths, opts).expect("fixtures import")
}
