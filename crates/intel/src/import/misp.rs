//! MISP feeds: a folder with `manifest.json` naming its events (`<uuid>.json`, each
//! `{"Event": {…}}`), or one event file. Address attributes (`ip-src`, `ip-dst`, and
//! their `|port` forms, also inside objects; not deleted) become indicators valid from
//! the attribute's `first_seen` (else the event's date) until `--expires`, or without
//! expiry: MISP attributes carry sightings, not validity.

use std::path::Path;

use kansoku_event::intel::IntelIndicator;
use serde_json::Value;

use crate::IntelError;
use crate::import::{ImportOptions, Parsed, canonical, stem};
use crate::model::parse_time;

const ADDRESS_TYPES: &[&str] = &["ip-src", "ip-dst", "ip-src|port", "ip-dst|port"];

/// Reads a feed folder or an event file.
pub fn read(path: &Path, opts: &ImportOptions) -> Result<Parsed, IntelError> {
    let mut out = Parsed::default();
    if path.is_dir() {
        let manifest_path = path.join("manifest.json");
        let manifest: Value = read_json(&manifest_path)?;
        let Some(events) = manifest.as_object() else {
            return Err(IntelError::format(&manifest_path, "not a JSON object"));
        };
        for uuid in events.keys() {
            if uuid.contains(['/', '\\']) || uuid.starts_with('.') {
                out.malformed.push(format!(
                    "{}: bad event uuid {uuid:?}",
                    manifest_path.display()
                ));
                continue;
            }
            let p = path.join(format!("{uuid}.json"));
            match read_json(&p) {
                Ok(v) => read_event(&p, &v, opts, &mut out),
                Err(e) => out.malformed.push(e.to_string()),
            }
        }
    } else {
        let v = read_json(path)?;
        read_event(path, &v, opts, &mut out);
    }
    Ok(out)
}

fn read_json(path: &Path) -> Result<Value, IntelError> {
    let bytes = std::fs::read(path).map_err(|e| IntelError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| IntelError::format(path, format!("not JSON: {e}")))
}

fn read_event(path: &Path, v: &Value, opts: &ImportOptions, out: &mut Parsed) {
    let e = v.get("Event").unwrap_or(v);
    if !e.is_object() {
        out.malformed
            .push(format!("{}: no Event object", path.display()));
        return;
    }
    let list = opts
        .name
        .clone()
        .or_else(|| e["Orgc"]["name"].as_str().map(str::to_string))
        .or_else(|| e["info"].as_str().map(str::to_string))
        .unwrap_or_else(|| stem(path));
    let event_from = e["date"].as_str().and_then(parse_time).or(opts.valid_from);
    let mut attrs: Vec<&Value> = e["Attribute"].as_array().into_iter().flatten().collect();
    for o in e["Object"].as_array().into_iter().flatten() {
        attrs.extend(o["Attribute"].as_array().into_iter().flatten());
    }
    for a in attrs {
        let kind = a["type"].as_str().unwrap_or("");
        if !ADDRESS_TYPES.contains(&kind) || a["deleted"] == Value::Bool(true) {
            out.skipped += 1;
            continue;
        }
        let raw = a["value"].as_str().unwrap_or("");
        let ip = if kind.ends_with("|port") {
            raw.split('|').next().unwrap_or("")
        } else {
            raw
        };
        let Some(value) = canonical(ip) else {
            out.malformed.push(format!(
                "{}: {kind} {raw:?} is not an address",
                path.display()
            ));
            continue;
        };
        let from = a["first_seen"]
            .as_str()
            .and_then(parse_time)
            .or(event_from)
            .or_else(|| {
                a["timestamp"]
                    .as_str()
                    .and_then(|t| t.parse::<i64>().ok())
                    .map(|s| s * 1_000_000)
            });
        let Some(valid_from) = from else {
            out.malformed
                .push(format!("{}: {raw}: no date", path.display()));
            continue;
        };
        out.indicators.push(IntelIndicator {
            list: list.clone(),
            value,
            valid_from,
            valid_until: None,
            ref_id: a["uuid"].as_str().map(str::to_string),
            source: path.display().to_string(),
        });
    }
}
