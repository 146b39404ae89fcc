//! STIX 2.1 bundle. Ids are name-based UUIDs (v5) of what they describe, so exporting
//! the same period again yields the same ids; cyber-observables use the STIX namespace
//! and their `value` as the specification prescribes.

use serde_json::{Value, json};

use crate::export::{category_summary, valid_until};
use crate::model::{IndicatorSet, Tlp, rfc3339};
use crate::uuid::{KANSOKU_NAMESPACE, STIX_SCO_NAMESPACE, v5};

/// The STIX 2.1 predefined TLP marking definition of a level (STIX 2.1 §7.2.1.4).
pub fn tlp_marking(tlp: Tlp) -> Value {
    let (id, name, level) = match tlp {
        Tlp::Clear => ("613f2e26-407d-48c7-9eca-b8e91df99dc9", "TLP:WHITE", "white"),
        Tlp::Green => ("34098fce-860f-48ae-8e50-ebd3cc5e41da", "TLP:GREEN", "green"),
        Tlp::Amber => ("f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER", "amber"),
        Tlp::Red => ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "TLP:RED", "red"),
    };
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{id}"),
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": name,
        "definition": { "tlp": level },
    })
}

/// `created`/`modified` precision: milliseconds.
fn millis(t: i64) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A string literal of a STIX pattern.
fn pattern_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

struct Common {
    created: String,
    modified: String,
    identity: String,
    marking: String,
    scope: String,
}

impl Common {
    fn sdo(&self, kind: &str, key: &str) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), json!(kind));
        m.insert("spec_version".into(), json!("2.1"));
        m.insert(
            "id".into(),
            json!(format!(
                "{kind}--{}",
                v5(&KANSOKU_NAMESPACE, &format!("{kind}|{}|{key}", self.scope))
            )),
        );
        m.insert("created".into(), json!(self.created));
        m.insert("modified".into(), json!(self.modified));
        m.insert("created_by_ref".into(), json!(self.identity));
        m.insert("object_marking_refs".into(), json!([self.marking]));
        m
    }
}

/// The bundle of an indicator set.
pub fn bundle(set: &IndicatorSet) -> Value {
    let marking = tlp_marking(set.tlp);
    let marking_id = marking["id"].as_str().unwrap_or_default().to_string();
    let identity_id = format!(
        "identity--{}",
        v5(
            &KANSOKU_NAMESPACE,
            &format!("identity|{}", set.organisation)
        )
    );
    let c = Common {
        created: millis(set.from),
        modified: millis(set.created.max(set.from)),
        identity: identity_id.clone(),
        marking: marking_id.clone(),
        scope: format!("{}|{}|{}", set.organisation, set.from, set.to),
    };
    let mut objects = vec![
        marking,
        json!({
            "type": "identity",
            "spec_version": "2.1",
            "id": identity_id,
            "created": c.created,
            "modified": c.modified,
            "name": set.organisation,
            "identity_class": "organization",
            "object_marking_refs": [marking_id],
        }),
    ];
    for s in &set.sources {
        let v6 = s.ip.contains(':');
        let sco_type = if v6 { "ipv6-addr" } else { "ipv4-addr" };
        let value_json = serde_json::to_string(&json!({ "value": s.ip })).unwrap_or_default();
        let sco_id = format!("{sco_type}--{}", v5(&STIX_SCO_NAMESPACE, &value_json));
        objects.push(json!({
            "type": sco_type,
            "spec_version": "2.1",
            "id": sco_id,
            "value": s.ip,
        }));
        let mut labels: Vec<String> = s.categories.keys().cloned().collect();
        if s.tor_exit {
            labels.push("tor-exit".into());
        }
        let mut description = format!(
            "{} requests with a detection between {} and {}: {}.",
            s.count,
            rfc3339(s.first_seen),
            rfc3339(s.last_seen),
            category_summary(&s.categories)
        );
        if s.tor_exit {
            description.push_str(" Seen as a Tor exit at the time.");
        }
        if !s.tools.is_empty() {
            let tools: Vec<&str> = s.tools.iter().map(String::as_str).collect();
            description.push_str(&format!(" Tools: {}.", tools.join(", ")));
        }
        let mut ind = c.sdo("indicator", &format!("ip|{}", s.ip));
        let ind_id = ind["id"].clone();
        ind.insert("name".into(), json!(format!("Attack source {}", s.ip)));
        ind.insert("description".into(), json!(description));
        ind.insert("indicator_types".into(), json!(["malicious-activity"]));
        ind.insert(
            "pattern".into(),
            json!(format!("[{sco_type}:value = {}]", pattern_string(&s.ip))),
        );
        ind.insert("pattern_type".into(), json!("stix"));
        ind.insert("pattern_version".into(), json!("2.1"));
        ind.insert("valid_from".into(), json!(rfc3339(s.first_seen)));
        ind.insert(
            "valid_until".into(),
            json!(rfc3339(valid_until(set, s.first_seen, s.last_seen))),
        );
        if !labels.is_empty() {
            ind.insert("labels".into(), json!(labels));
        }
        objects.push(Value::Object(ind));
        let mut od = c.sdo("observed-data", &format!("ip|{}", s.ip));
        let od_id = od["id"].clone();
        od.insert("first_observed".into(), json!(rfc3339(s.first_seen)));
        od.insert("last_observed".into(), json!(rfc3339(s.last_seen)));
        od.insert("number_observed".into(), json!(count(s.count)));
        od.insert("object_refs".into(), json!([sco_id]));
        objects.push(Value::Object(od));
        let mut si = c.sdo("sighting", &format!("ip|{}", s.ip));
        si.insert("sighting_of_ref".into(), ind_id);
        si.insert("observed_data_refs".into(), json!([od_id]));
        si.insert("where_sighted_refs".into(), json!([c.identity]));
        si.insert("first_seen".into(), json!(rfc3339(s.first_seen)));
        si.insert("last_seen".into(), json!(rfc3339(s.last_seen)));
        si.insert("count".into(), json!(count(s.count)));
        objects.push(Value::Object(si));
    }
    for p in &set.paths {
        let cats: Vec<&str> = p.categories.iter().map(String::as_str).collect();
        let pattern = format!(
            "[network-traffic:extensions.'http-request-ext'.request_value = {}]",
            pattern_string(&p.path)
        );
        push_with_sighting(
            &c,
            &mut objects,
            &format!("path|{}", p.path),
            json!({
                "name": format!("Attack path {}", p.path),
                "description": format!("Requested {} times by attacks ({}).", p.count, cats.join(", ")),
                "indicator_types": ["anomalous-activity"],
                "pattern": pattern,
                "valid_from": rfc3339(p.first_seen),
                "labels": cats,
            }),
            (p.first_seen, p.last_seen, p.count),
        );
    }
    for a in &set.agents {
        let pattern = format!(
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {}]",
            pattern_string(&a.user_agent)
        );
        push_with_sighting(
            &c,
            &mut objects,
            &format!("ua|{}|{}", a.tool, a.user_agent),
            json!({
                "name": format!("User agent of {}", a.tool),
                "description": format!("Sent {} times by the attack tool {}.", a.count, a.tool),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "valid_from": rfc3339(a.first_seen),
                "labels": [a.tool],
            }),
            (a.first_seen, a.last_seen, a.count),
        );
    }
    for l in &set.leaks {
        let mut group = c.sdo("intrusion-set", &format!("group|{}", l.group));
        let group_id = group["id"].clone();
        group.insert("name".into(), json!(l.group));
        group.insert(
            "description".into(),
            json!("Ransomware group with a leak site."),
        );
        let mut victim = c.sdo("identity", &format!("victim|{}", l.victim));
        let victim_id = victim["id"].clone();
        victim.insert("name".into(), json!(l.victim));
        victim.insert("identity_class".into(), json!("organization"));
        let mut rel = c.sdo("relationship", &format!("leak|{}|{}", l.group, l.victim));
        rel.insert("relationship_type".into(), json!("targets"));
        rel.insert("source_ref".into(), group_id);
        rel.insert("target_ref".into(), victim_id);
        rel.insert(
            "start_time".into(),
            json!(rfc3339(l.published.unwrap_or(l.discovered))),
        );
        let published = l.published.map_or("unknown".to_string(), rfc3339);
        let mut desc = format!(
            "Listed as a victim on the leak site of {} (published {published}, discovered {}).",
            l.group,
            rfc3339(l.discovered)
        );
        if let Some(country) = &l.country {
            desc.push_str(&format!(" Country: {country}."));
        }
        rel.insert("description".into(), json!(desc));
        for o in [group, victim, rel] {
            if !objects.iter().any(|x| x["id"] == o["id"]) {
                objects.push(Value::Object(o));
            }
        }
    }
    json!({
        "type": "bundle",
        "id": format!("bundle--{}", v5(&KANSOKU_NAMESPACE, &format!("bundle|{}", c.scope))),
        "objects": objects,
    })
}

fn count(n: u64) -> u64 {
    n.clamp(1, 999_999_999)
}

fn push_with_sighting(
    c: &Common,
    objects: &mut Vec<Value>,
    key: &str,
    fields: Value,
    (first, last, n): (i64, i64, u64),
) {
    let mut ind = c.sdo("indicator", key);
    if let Value::Object(f) = fields {
        ind.extend(f);
    }
    ind.insert("pattern_type".into(), json!("stix"));
    ind.insert("pattern_version".into(), json!("2.1"));
    let ind_id = ind["id"].clone();
    objects.push(Value::Object(ind));
    let mut si = c.sdo("sighting", key);
    si.insert("sighting_of_ref".into(), ind_id);
    si.insert("where_sighted_refs".into(), json!([c.identity]));
    si.insert("first_seen".into(), json!(rfc3339(first)));
    si.insert("last_seen".into(), json!(rfc3339(last)));
    si.insert("count".into(), json!(count(n)));
    objects.push(Value::Object(si));
}
