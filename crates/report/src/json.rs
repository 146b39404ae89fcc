//! JSON rendering; the shape is described by `schema/report.schema.json`.

use crate::model::Report;

/// The JSON Schema (draft 2020-12) of [`render_json`]'s output, version
/// [`crate::model::SCHEMA_VERSION`].
pub const SCHEMA: &str = include_str!("../schema/report.schema.json");

/// Renders the report as pretty-printed JSON (UTF-8, stable field order).
pub fn render_json(report: &Report) -> String {
    // Serialising plain data (no maps with non-string keys, no failing Serialize impls)
    // cannot fail; an empty object would still be valid JSON should it ever.
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_owned())
}
