//! Integration tests of kansoku-enrich, one binary so the workspace links once.

mod geo;
mod tor_fixtures;
mod tor_props;
mod tor_real;

use std::path::PathBuf;

/// A file under `tests/fixtures/`.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
