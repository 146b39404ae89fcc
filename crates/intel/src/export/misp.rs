//! A MISP feed folder: `manifest.json` (event uuid → event summary), one
//! `<uuid>.json` per event (`{"Event": {…}}`), and `hashes.csv` (MD5 of each attribute
//! value, event uuid), the layout MISP's "feed" subscription and PyMISP's feed
//! generator use. One export is one event.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::IntelError;
use crate::export::{category_summary, valid_until};
use crate::model::{IndicatorSet, Tlp, rfc3339};
use crate::uuid::{KANSOKU_NAMESPACE, v5};

/// What [`write_feed`] wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedSummary {
    /// The event's uuid (its file is `<uuid>.json`).
    pub event_uuid: String,
    /// Attributes in the event.
    pub attributes: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
}

fn tlp_colour(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "#ffffff",
        Tlp::Green => "#33FF00",
        Tlp::Amber => "#FFC000",
        Tlp::Red => "#FF2B2B",
    }
}

fn secs(t: i64) -> String {
    (t.div_euclid(1_000_000)).to_string()
}

/// The event of an indicator set: `{"Event": {…}}`.
pub fn event(set: &IndicatorSet) -> Value {
    let scope = format!("{}|{}|{}", set.organisation, set.from, set.to);
    let uuid = v5(&KANSOKU_NAMESPACE, &format!("misp-event|{scope}"));
    let ts = secs(set.created.max(set.from));
    let tags = json!([
        { "name": format!("tlp:{}", set.tlp.as_str()), "colour": tlp_colour(set.tlp) },
        { "name": "kansoku:observation", "colour": "#0088cc" },
    ]);
    let mut attrs = Vec::new();
    let mut attr = |kind: &str,
                    category: &str,
                    value: &str,
                    to_ids: bool,
                    comment: String,
                    first: i64,
                    last: i64| {
        attrs.push(json!({
            "uuid": v5(&KANSOKU_NAMESPACE, &format!("misp-attr|{scope}|{kind}|{value}")),
            "type": kind,
            "category": category,
            "value": value,
            "to_ids": to_ids,
            "comment": comment,
            "timestamp": ts,
            "first_seen": rfc3339(first),
            "last_seen": rfc3339(last),
            "distribution": "5",
            "disable_correlation": false,
            "deleted": false,
        }));
    };
    for s in &set.sources {
        let mut comment = format!("{} attacks: {}", s.count, category_summary(&s.categories));
        if s.tor_exit {
            comment.push_str("; Tor exit");
        }
        if !s.tools.is_empty() {
            let tools: Vec<&str> = s.tools.iter().map(String::as_str).collect();
            comment.push_str(&format!("; tools: {}", tools.join(", ")));
        }
        comment.push_str(&format!(
            "; valid until {}",
            rfc3339(valid_until(set, s.first_seen, s.last_seen))
        ));
        attr(
            "ip-src",
            "Network activity",
            &s.ip,
            true,
            comment,
            s.first_seen,
            s.last_seen,
        );
    }
    for p in &set.paths {
        let cats: Vec<&str> = p.categories.iter().map(String::as_str).collect();
        attr(
            "uri",
            "Network activity",
            &p.path,
            false,
            format!("{} attack requests ({})", p.count, cats.join(", ")),
            p.first_seen,
            p.last_seen,
        );
    }
    for a in &set.agents {
        attr(
            "user-agent",
            "Network activity",
            &a.user_agent,
            true,
            format!("{}: {} requests", a.tool, a.count),
            a.first_seen,
            a.last_seen,
        );
    }
    for l in &set.leaks {
        let published = l.published.map_or("unknown".to_string(), rfc3339);
        let mut comment = format!(
            "leak site of {}: published {published}, discovered {}",
            l.group,
            rfc3339(l.discovered)
        );
        if let Some(c) = &l.country {
            comment.push_str(&format!(", country {c}"));
        }
        let first = l.published.unwrap_or(l.discovered);
        attr(
            "target-org",
            "Targeting data",
            &l.victim,
            false,
            comment,
            first.min(l.discovered),
            l.discovered,
        );
    }
    let day = |t: i64| {
        chrono::DateTime::from_timestamp_micros(t)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string()
    };
    json!({ "Event": {
        "uuid": uuid,
        "info": format!(
            "kansoku observations {} – {} ({})",
            day(set.from),
            day(set.to - 1),
            set.organisation
        ),
        "date": day(set.from),
        "timestamp": ts,
        "publish_timestamp": ts,
        "published": true,
        "analysis": "2",
        "threat_level_id": "3",
        "distribution": "0",
        "Orgc": { "name": set.organisation, "uuid": v5(&KANSOKU_NAMESPACE, &format!("org|{}", set.organisation)) },
        "Tag": tags,
        "Attribute": attrs,
    }})
}

/// Writes the feed of `set` into `dir` (created if needed). An existing feed keeps its
/// other events: the manifest is merged, so a folder can collect one event per period.
pub fn write_feed(set: &IndicatorSet, dir: &Path) -> Result<FeedSummary, IntelError> {
    std::fs::create_dir_all(dir).map_err(|e| IntelError::io(dir, e))?;
    let ev = event(set);
    let e = &ev["Event"];
    let uuid = e["uuid"].as_str().unwrap_or_default().to_string();
    let manifest_path = dir.join("manifest.json");
    let mut manifest = match std::fs::read(&manifest_path) {
        Ok(b) => serde_json::from_slice::<Value>(&b)
            .map_err(|err| IntelError::format(&manifest_path, err.to_string()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(err) => return Err(IntelError::io(&manifest_path, err)),
    };
    let Some(m) = manifest.as_object_mut() else {
        return Err(IntelError::format(&manifest_path, "not a JSON object"));
    };
    m.insert(
        uuid.clone(),
        json!({
            "Orgc": e["Orgc"],
            "Tag": e["Tag"],
            "info": e["info"],
            "date": e["date"],
            "analysis": 2,
            "threat_level_id": 3,
            "timestamp": e["timestamp"].as_str().and_then(|t| t.parse::<i64>().ok()).unwrap_or(0),
        }),
    );
    let ids: Vec<String> = m.keys().cloned().collect();
    let event_path = dir.join(format!("{uuid}.json"));
    write_json(&event_path, &ev)?;
    write_json(&manifest_path, &manifest)?;
    // hashes.csv lists every event's attributes; rewrite it from all events of the folder.
    let hashes_path = dir.join("hashes.csv");
    let mut lines = String::new();
    for id in &ids {
        let p = dir.join(format!("{id}.json"));
        let Ok(b) = std::fs::read(&p) else { continue };
        let Ok(v) = serde_json::from_slice::<Value>(&b) else {
            continue;
        };
        for a in v["Event"]["Attribute"].as_array().into_iter().flatten() {
            if let Some(value) = a["value"].as_str() {
                lines.push_str(&format!("{},{id}\n", md5_hex(value)));
            }
        }
    }
    write_bytes(&hashes_path, lines.as_bytes())?;
    Ok(FeedSummary {
        event_uuid: uuid,
        attributes: e["Attribute"].as_array().map_or(0, Vec::len),
        files: vec![manifest_path, event_path, hashes_path],
    })
}

fn md5_hex(s: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(s.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

fn write_json(path: &Path, v: &Value) -> Result<(), IntelError> {
    let text = serde_json::to_vec_pretty(v).map_err(|e| IntelError::format(path, e.to_string()))?;
    write_bytes(path, &text)
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), IntelError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| IntelError::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| IntelError::io(&tmp, e))?;
    f.sync_all().map_err(|e| IntelError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| IntelError::io(path, e))
}
