//! NDJSON whose fields follow the Elastic Common Schema, nested (`{"url":{"path":..}}`),
//! dotted (`{"url.path":..}`) or mixed, as Filebeat, Logstash, Vector or an in-house
//! shipper write them. `@timestamp` (RFC 3339) is required.
//!
//! | ECS field | record field |
//! |---|---|
//! | `source.ip`, else `client.ip` | `src_ip` |
//! | `destination.ip`, else `server.ip` | `dst_ip` |
//! | `url.domain`, else `host.name` | `host` |
//! | `url.path` + `url.query`, else `url.original` | `path`, `query`, `raw_uri` |
//! | `http.request.method`, `http.version` | `method`, `protocol` |
//! | `http.response.status_code`, `http.response.body.bytes` | `status`, `bytes` |
//! | `user_agent.original`, `http.request.referrer` | `user_agent`, `referer` |
//! | `event.duration` (ns) | `request_time` (s) |
//! | `event.action`, `rule.id`, `rule.name` | `waf_action`, `waf_rule_ids`, `waf_messages` |
//! | `http.request.body.content` | `body` |
//! | `source.geo.country_iso_code` | `src_country` |

use kansoku_event::HttpRequest;
use serde_json::{Map, Value};

use crate::json::{lookup, object, protocol, text, uint};
use crate::text::set_target;
use crate::{ParseError, Parsed, Parser, time};

/// Reads ECS NDJSON lines. Stateless between lines.
#[derive(Debug, Clone, Default)]
pub struct EcsNdjsonParser;

fn get(o: &Map<String, Value>, paths: &[&str]) -> Option<String> {
    paths.iter().find_map(|p| text(lookup(o, p)))
}

/// Text values of a field that may hold one value or a list.
fn all(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// The target of `url.original`, which may be a full URL.
fn target_of(original: &str) -> &str {
    match original.find("://") {
        Some(i) => {
            let after = &original[i + 3..];
            after.find(['/', '?']).map_or("/", |j| &after[j..])
        }
        None => original,
    }
}

impl EcsNdjsonParser {
    /// Parses one line into a record.
    pub fn parse_line(&self, line: &[u8]) -> Result<HttpRequest, ParseError> {
        let o = object(line)?;
        let ts = match lookup(&o, "@timestamp") {
            Some(Value::String(s)) => time::rfc3339(s)?,
            Some(Value::Number(n)) => {
                let ms = n
                    .as_i64()
                    .ok_or_else(|| ParseError::Timestamp(n.to_string()))?;
                time::epoch_units(ms, 1000)?
            }
            _ => return Err(ParseError::Timestamp("no @timestamp".into())),
        };
        let mut rec = HttpRequest {
            ts,
            src_ip: get(&o, &["source.ip", "client.ip", "source.address"]),
            dst_ip: get(&o, &["destination.ip", "server.ip"]),
            host: get(&o, &["url.domain", "host.name"]),
            method: get(&o, &["http.request.method"]),
            protocol: protocol(lookup(&o, "http.version")),
            status: uint(lookup(&o, "http.response.status_code"))
                .and_then(|s| u16::try_from(s).ok()),
            bytes: uint(lookup(&o, "http.response.body.bytes")),
            user_agent: get(&o, &["user_agent.original"]),
            referer: get(&o, &["http.request.referrer"]),
            body: get(&o, &["http.request.body.content"]),
            waf_action: get(&o, &["event.action"]),
            waf_rule_ids: all(lookup(&o, "rule.id")),
            waf_messages: all(lookup(&o, "rule.name")),
            src_country: get(
                &o,
                &["source.geo.country_iso_code", "client.geo.country_iso_code"],
            ),
            ..Default::default()
        };
        rec.request_time = match lookup(&o, "event.duration") {
            Some(Value::Number(n)) => n.as_f64().map(|ns| ns / 1e9),
            _ => None,
        };
        let path = get(&o, &["url.path"]);
        let original = get(&o, &["url.original"]);
        if let Some(p) = path {
            let target = match get(&o, &["url.query"]) {
                Some(q) => format!("{p}?{q}"),
                None => p,
            };
            set_target(&mut rec, target.as_bytes(), target.as_bytes());
            if let Some(orig) = original
                && rec.raw_uri.is_none()
                && target_of(&orig) != target
            {
                rec.raw_uri = Some(orig);
            }
        } else if let Some(orig) = original {
            let t = target_of(&orig);
            set_target(&mut rec, t.as_bytes(), t.as_bytes());
        }
        let has_http = rec.src_ip.is_some() || rec.path.is_some() || rec.method.is_some();
        if !has_http {
            return Err(ParseError::Malformed(
                "no source.ip, url or http.request.method: not an HTTP event".into(),
            ));
        }
        Ok(rec)
    }
}

impl Parser for EcsNdjsonParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed>) {
        crate::feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_dotted_give_the_same_record() {
        let nested = r#"{"@timestamp":"2024-03-01T10:00:00.250+09:00","source":{"ip":"203.0.113.4","geo":{"country_iso_code":"DE"}},"destination":{"ip":"10.0.0.2"},"url":{"domain":"www.example.jp","path":"/wp-login.php","query":"log=admin%27--","original":"/wp-login.php?log=admin%27--"},"http":{"version":"1.1","request":{"method":"POST","referrer":"https://www.example.jp/","body":{"content":"pwd=x"}},"response":{"status_code":200,"body":{"bytes":4120}}},"user_agent":{"original":"WPScan v3.8.25"},"event":{"duration":12000000,"action":"block"},"rule":{"id":["100","200"],"name":"WordPress login probe"}}"#;
        let dotted = r#"{"@timestamp":"2024-03-01T01:00:00.250Z","source.ip":"203.0.113.4","source.geo.country_iso_code":"DE","destination.ip":"10.0.0.2","url.domain":"www.example.jp","url.path":"/wp-login.php","url.query":"log=admin%27--","url.original":"/wp-login.php?log=admin%27--","http.version":"1.1","http.request.method":"POST","http.request.referrer":"https://www.example.jp/","http.request.body.content":"pwd=x","http.response.status_code":200,"http.response.body.bytes":4120,"user_agent.original":"WPScan v3.8.25","event.duration":12000000,"event.action":"block","rule.id":["100","200"],"rule.name":"WordPress login probe"}"#;
        let a = EcsNdjsonParser
            .parse_line(nested.as_bytes())
            .expect("valid record");
        let b = EcsNdjsonParser
            .parse_line(dotted.as_bytes())
            .expect("valid record");
        assert_eq!(a, b);
        assert_eq!(a.ts, 1_709_254_800_250_000);
        assert_eq!(a.src_ip.as_deref(), Some("203.0.113.4"));
        assert_eq!(a.host.as_deref(), Some("www.example.jp"));
        assert_eq!(a.query.as_deref(), Some("log=admin'--"));
        assert_eq!(a.raw_uri.as_deref(), Some("/wp-login.php?log=admin%27--"));
        assert_eq!(a.protocol.as_deref(), Some("HTTP/1.1"));
        assert_eq!((a.status, a.bytes), (Some(200), Some(4120)));
        assert_eq!(a.request_time, Some(0.012));
        assert_eq!(a.waf_rule_ids, ["100", "200"]);
        assert_eq!(a.waf_messages, ["WordPress login probe"]);
        assert_eq!(a.body.as_deref(), Some("pwd=x"));
        assert_eq!(a.src_country.as_deref(), Some("DE"));
    }

    #[test]
    fn url_original_alone() {
        let line = r#"{"@timestamp":"2024-03-01T00:00:00Z","client.ip":"192.0.2.8","url.original":"https://h.example/a/b?c=d"}"#;
        let r = EcsNdjsonParser
            .parse_line(line.as_bytes())
            .expect("valid record");
        assert_eq!(
            (r.path.as_deref(), r.query.as_deref()),
            (Some("/a/b"), Some("c=d"))
        );
        assert_eq!(r.src_ip.as_deref(), Some("192.0.2.8"));
    }

    #[test]
    fn rejected_lines() {
        for line in [
            &br#"{"source.ip":"1.2.3.4"}"#[..],
            br#"{"@timestamp":"not a time","source.ip":"1.2.3.4"}"#,
            br#"{"@timestamp":"2024-03-01T00:00:00Z","message":"hello"}"#,
            b"",
        ] {
            assert!(
                EcsNdjsonParser.parse_line(line).is_err(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
