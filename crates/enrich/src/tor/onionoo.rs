//! Onionoo `details` documents (`{"relays": [...]}`).
//!
//! A relay counts when its `flags` contain `Exit` or it lists `exit_addresses`. Its
//! addresses are `exit_addresses` (Onionoo: "used for exiting in the past 24 hours"),
//! else, for an `Exit`-flagged relay, the addresses of `or_addresses`. The observation
//! spans the 24 hours before `last_seen`, and never starts before `first_seen`.
//! Each relay is checked on its own, so one odd entry costs that entry only.

use std::io::Read;
use std::net::IpAddr;

use serde_json::Value;

use super::time::DAY;
use super::{Observation, TorError, TorImport, parse_datetime};

/// Reads an Onionoo `details` document.
pub fn parse_onionoo<R: Read>(reader: R) -> Result<TorImport, TorError> {
    let doc: Value = serde_json::from_reader(reader).map_err(|e| TorError::Json(e.to_string()))?;
    let Some(relays) = doc.get("relays").and_then(Value::as_array) else {
        return Err(TorError::Json("no \"relays\" array".into()));
    };
    let mut import = TorImport {
        files: 1,
        ..Default::default()
    };
    for (i, relay) in relays.iter().enumerate() {
        relay_into(relay, i as u64 + 1, &mut import);
    }
    Ok(import)
}

fn strings(relay: &Value, key: &str) -> Vec<String> {
    relay
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `1.2.3.4:9001` or `[2001:db8::1]:9001` → the address.
fn or_address(s: &str) -> Option<IpAddr> {
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    s.rsplit_once(':').map_or(s, |(a, _)| a).parse().ok()
}

fn relay_into(relay: &Value, n: u64, import: &mut TorImport) {
    let exit_addresses = strings(relay, "exit_addresses");
    let is_exit = strings(relay, "flags").iter().any(|f| f == "Exit");
    if !is_exit && exit_addresses.is_empty() {
        return;
    }
    import.relays += 1;
    let Some(last) = relay
        .get("last_seen")
        .and_then(Value::as_str)
        .and_then(parse_datetime)
    else {
        return import.reject(None, n, "exit relay without a valid last_seen");
    };
    let first_seen = relay
        .get("first_seen")
        .and_then(Value::as_str)
        .and_then(parse_datetime)
        .unwrap_or(i64::MIN);
    let first = (last - DAY).max(first_seen).min(last);
    let fingerprint = relay
        .get("fingerprint")
        .and_then(Value::as_str)
        .map(|fp| import.intern(fp));
    let addresses: Vec<Option<IpAddr>> = if exit_addresses.is_empty() {
        strings(relay, "or_addresses")
            .iter()
            .map(|a| or_address(a))
            .collect()
    } else {
        exit_addresses.iter().map(|a| a.parse().ok()).collect()
    };
    if addresses.is_empty() {
        return import.reject(None, n, "exit relay without addresses");
    }
    for ip in addresses {
        match ip {
            Some(ip) => import.observations.push(Observation {
                ip,
                first,
                last,
                fingerprint: fingerprint.clone(),
            }),
            None => import.reject(None, n, "bad address"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_relays_only_with_their_addresses() {
        let doc = r#"{"version":"9.0","relays":[
          {"nickname":"a","fingerprint":"AAAA","or_addresses":["192.0.2.1:9001"],
           "exit_addresses":["198.51.100.7"],"last_seen":"2024-03-12 13:00:00",
           "first_seen":"2024-03-12 02:00:00","flags":["Exit","Fast","Running"]},
          {"nickname":"b","fingerprint":"BBBB","or_addresses":["192.0.2.2:443","[2001:db8::2]:443"],
           "last_seen":"2024-03-12 13:00:00","first_seen":"2020-01-01 00:00:00","flags":["Exit"]},
          {"nickname":"guard","fingerprint":"CCCC","or_addresses":["192.0.2.3:443"],
           "last_seen":"2024-03-12 13:00:00","flags":["Guard","Running"]},
          {"nickname":"broken","flags":["Exit"],"or_addresses":["192.0.2.4:1"]},
          {"nickname":"odd","flags":"Exit"}
        ]}"#;
        let import = parse_onionoo(doc.as_bytes()).expect("valid json");
        assert_eq!(import.relays, 3);
        let ips: Vec<String> = import
            .observations
            .iter()
            .map(|o| o.ip.to_string())
            .collect();
        assert_eq!(ips, ["198.51.100.7", "192.0.2.2", "2001:db8::2"]);
        let last = parse_datetime("2024-03-12 13:00:00").expect("t");
        let a = &import.observations[0];
        assert_eq!(a.first, parse_datetime("2024-03-12 02:00:00").expect("t"));
        assert_eq!(a.last, last);
        assert_eq!(import.observations[1].first, last - DAY);
        assert_eq!(import.malformed_lines[0].line, 4);
        assert_eq!(import.malformed, 1);
    }

    #[test]
    fn not_onionoo_is_an_error() {
        assert!(matches!(
            parse_onionoo(&b"{\"x\":1}"[..]),
            Err(TorError::Json(_))
        ));
        assert!(matches!(
            parse_onionoo(&b"{\"relays\":["[..]),
            Err(TorError::Json(_))
        ));
    }
}
