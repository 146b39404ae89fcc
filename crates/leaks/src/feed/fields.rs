//! Field access shared by the format modules: strings that may be absent, empty or of
//! the wrong type, and timestamps.

use serde_json::{Map, Value};

use kansoku_event::Micros;

use super::EntryError;
use super::time::parse_time;

/// A string field; absent, `null` and blank count as absent.
pub(super) fn opt_str(
    entry: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<String>, EntryError> {
    match entry.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let t = s.trim();
            Ok((!t.is_empty()).then(|| t.to_string()))
        }
        Some(_) => Err(EntryError::NotAString { field }),
    }
}

/// A string field that must be present and not blank.
pub(super) fn req_str(
    entry: &Map<String, Value>,
    field: &'static str,
) -> Result<String, EntryError> {
    opt_str(entry, field)?.ok_or(EntryError::Missing(field))
}

/// A time field; absent or blank is `None`, unreadable is an error.
pub(super) fn opt_time(
    entry: &Map<String, Value>,
    field: &'static str,
) -> Result<Option<Micros>, EntryError> {
    match opt_str(entry, field)? {
        None => Ok(None),
        Some(s) => parse_time(&s)
            .map(Some)
            .ok_or(EntryError::Time { field, value: s }),
    }
}

/// The first of several string fields that is present.
pub(super) fn first_str(
    entry: &Map<String, Value>,
    fields: &[&'static str],
) -> Result<Option<String>, EntryError> {
    for field in fields {
        if let Some(s) = opt_str(entry, field)? {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

/// Whether any of `wanted` is among `keys`.
pub(super) fn has_any(keys: &super::Keys, wanted: &[&str]) -> bool {
    wanted.iter().any(|k| keys.contains(*k))
}
