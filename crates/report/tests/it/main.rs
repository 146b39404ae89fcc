//! Integration tests of kansoku-report, one binary (see STYLE.md).

mod escaping;
mod html;
mod locale;
mod schema;
mod snapshots;
