//! Integration tests of kansoku-detect, built into one binary.

mod builtin;
mod crs;
mod decoder_props;
mod engine;
mod probes;
mod sigma;
mod windows;

use std::path::PathBuf;

/// `../shared/data/<sub>` (beside the checkout, or `/work/shared/data`), when there.
/// Missing, the test skips with a note, unless `KANSOKU_REQUIRE_SHARED=1` (`.ci/run` sets
/// it): then CI was told the real corpora are there, and a test that skipped would pass
/// without checking anything.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let found = [beside, PathBuf::from("/work/shared/data")]
        .into_iter()
        .map(|d| d.join(sub))
        .find(|p| p.exists());
    if found.is_none() {
        let required = std::env::var("KANSOKU_REQUIRE_SHARED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "shared/data/{sub} is missing and KANSOKU_REQUIRE_SHARED=1 says it must be there"
        );
        eprintln!("note: shared/data/{sub} not found; skipping this real-data test");
    }
    found
}
