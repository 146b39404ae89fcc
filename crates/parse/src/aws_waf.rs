//! AWS WAF logs (as delivered to S3, CloudWatch Logs or Firehose), one JSON object per
//! line: `timestamp` (ms), `action`, `terminatingRuleId`, `ruleGroupList`,
//! `nonTerminatingMatchingRules`, `httpRequest{clientIp,country,headers,uri,args,..}`.
//!
//! Rule ids are the terminating rule (unless it is `Default_Action`), then the rules that
//! matched inside rule groups, then the counted (non-terminating) rules. AWS gives no
//! message text; a rule's match details (`conditionType`, `location`, `matchedData`)
//! become its message when present.

use kansoku_event::HttpRequest;
use serde_json::Value;

use crate::json::{header, object, text, uint};
use crate::text::set_target;
use crate::{ParseError, Parsed, Parser, time};

/// Reads AWS WAF log lines. Stateless between lines.
#[derive(Debug, Clone, Default)]
pub struct AwsWafParser;

#[derive(Default)]
struct Rules {
    ids: Vec<String>,
    messages: Vec<String>,
}

impl Rules {
    fn add(&mut self, id: Option<String>, details: Option<&Value>) {
        let Some(id) = id.filter(|i| i != "Default_Action") else {
            return;
        };
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
        for d in details.and_then(Value::as_array).into_iter().flatten() {
            let cond = text(d.get("conditionType")).unwrap_or_default();
            let loc = text(d.get("location")).unwrap_or_default();
            let data: Vec<String> = d
                .get("matchedData")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| text(Some(v)))
                .collect();
            self.messages.push(
                format!("{cond} in {loc}: {}", data.join(" "))
                    .trim()
                    .to_string(),
            );
        }
    }

    /// Rules listed as `[{"ruleId":..}]`.
    fn add_list(&mut self, list: Option<&Value>) {
        for r in list.and_then(Value::as_array).into_iter().flatten() {
            self.add(text(r.get("ruleId")), r.get("ruleMatchDetails"));
        }
    }
}

impl AwsWafParser {
    /// Parses one line into a record.
    pub fn parse_line(&self, line: &[u8]) -> Result<HttpRequest, ParseError> {
        let root = object(line)?;
        let Some(Value::Object(req)) = root.get("httpRequest") else {
            return Err(ParseError::Malformed("no `httpRequest` object".into()));
        };
        let ms = uint(root.get("timestamp"))
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| ParseError::Timestamp("no numeric `timestamp`".into()))?;
        let headers = req.get("headers");
        let mut rec = HttpRequest {
            ts: time::epoch_units(ms, 1000)?,
            src_ip: text(req.get("clientIp")),
            src_country: text(req.get("country")),
            method: text(req.get("httpMethod")),
            protocol: text(req.get("httpVersion")),
            host: header(headers, "Host"),
            user_agent: header(headers, "User-Agent"),
            referer: header(headers, "Referer"),
            x_forwarded_for: header(headers, "X-Forwarded-For"),
            status: uint(root.get("responseCodeSent")).and_then(|s| u16::try_from(s).ok()),
            waf_action: text(root.get("action")).map(|a| a.to_ascii_lowercase()),
            ..Default::default()
        };
        let uri = text(req.get("uri")).unwrap_or_default();
        let target = match text(req.get("args")) {
            Some(args) => format!("{uri}?{args}"),
            None => uri,
        };
        if !target.is_empty() {
            set_target(&mut rec, target.as_bytes(), target.as_bytes());
        }
        let mut rules = Rules::default();
        rules.add(
            text(root.get("terminatingRuleId")),
            root.get("terminatingRuleMatchDetails"),
        );
        for g in root
            .get("ruleGroupList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = g.get("terminatingRule").filter(|t| t.is_object()) {
                rules.add(text(t.get("ruleId")), t.get("ruleMatchDetails"));
            }
            rules.add_list(g.get("nonTerminatingMatchingRules"));
        }
        rules.add_list(root.get("nonTerminatingMatchingRules"));
        rec.waf_rule_ids = rules.ids;
        rec.waf_messages = rules.messages;
        Ok(rec)
    }
}

impl Parser for AwsWafParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed>) {
        crate::feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = r#"{"timestamp":1709254800123,"formatVersion":1,"webaclId":"arn:aws:wafv2:ap-northeast-1:111122223333:regional/webacl/shop/0a1b","terminatingRuleId":"AWS-AWSManagedRulesSQLiRuleSet","terminatingRuleType":"MANAGED_RULE_GROUP","action":"BLOCK","terminatingRuleMatchDetails":[{"conditionType":"SQL_INJECTION","sensitivityLevel":"HIGH","location":"QUERY_STRING","matchedData":["1","OR","1"]}],"httpSourceName":"ALB","httpSourceId":"111122223333-app/shop/0a1b","ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesSQLiRuleSet","terminatingRule":{"ruleId":"SQLi_QUERYARGUMENTS","action":"BLOCK","ruleMatchDetails":null},"nonTerminatingMatchingRules":[],"excludedRules":null}],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[{"ruleId":"CountBadBots","action":"COUNT"}],"requestHeadersInserted":null,"responseCodeSent":null,"httpRequest":{"clientIp":"198.51.100.9","country":"NL","headers":[{"name":"Host","value":"shop.example.jp"},{"name":"User-Agent","value":"sqlmap/1.7"}],"uri":"/products","args":"id=1%20OR%201=1","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"1-65e1a5b0"}}"#;

    #[test]
    fn blocked_request() {
        let r = AwsWafParser
            .parse_line(BLOCK.as_bytes())
            .expect("valid record");
        assert_eq!(r.ts, 1_709_254_800_123_000);
        assert_eq!(r.src_ip.as_deref(), Some("198.51.100.9"));
        assert_eq!(r.src_country.as_deref(), Some("NL"));
        assert_eq!(r.host.as_deref(), Some("shop.example.jp"));
        assert_eq!(r.user_agent.as_deref(), Some("sqlmap/1.7"));
        assert_eq!(r.path.as_deref(), Some("/products"));
        assert_eq!(r.query.as_deref(), Some("id=1 OR 1=1"));
        assert_eq!(r.waf_action.as_deref(), Some("block"));
        assert_eq!(
            r.waf_rule_ids,
            [
                "AWS-AWSManagedRulesSQLiRuleSet",
                "SQLi_QUERYARGUMENTS",
                "CountBadBots"
            ]
        );
        assert_eq!(r.waf_messages, ["SQL_INJECTION in QUERY_STRING: 1 OR 1"]);
        assert_eq!(r.status, None);
    }

    #[test]
    fn allowed_request_has_no_rules() {
        let allow = r#"{"timestamp":1709254800000,"terminatingRuleId":"Default_Action","action":"ALLOW","ruleGroupList":[],"nonTerminatingMatchingRules":[],"responseCodeSent":200,"httpRequest":{"clientIp":"192.0.2.1","country":"JP","headers":[],"uri":"/","args":"","httpVersion":"HTTP/2.0","httpMethod":"GET"}}"#;
        let r = AwsWafParser
            .parse_line(allow.as_bytes())
            .expect("valid record");
        assert_eq!(r.waf_action.as_deref(), Some("allow"));
        assert!(r.waf_rule_ids.is_empty());
        assert_eq!((r.path.as_deref(), r.query.as_deref()), (Some("/"), None));
        assert_eq!(r.status, Some(200));
    }

    #[test]
    fn rejected_lines() {
        for line in [
            &br#"{"timestamp":1}"#[..],
            br#"{"httpRequest":{}}"#,
            br#"{"timestamp":"soon","httpRequest":{}}"#,
            b"not json",
        ] {
            assert!(
                AwsWafParser.parse_line(line).is_err(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
