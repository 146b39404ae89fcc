//! WAF logs: ModSecurity v3 JSON audit records and AWS WAF JSON log records, one JSON
//! object per line, with the rule ids and messages each product really reports.

use kansoku_event::Category;
use serde_json::{Value, json};

use crate::clock;
use crate::request::Request;
use crate::rng::DemoRng;

/// A CRS rule as ModSecurity reports it.
struct CrsRule {
    id: &'static str,
    msg: &'static str,
    file: &'static str,
    line: &'static str,
    tag: &'static str,
}

const CRS_VERSION: &str = "OWASP_CRS/4.7.0";

fn crs_rule(cat: Category, req: &Request) -> CrsRule {
    let rule = |id, msg, file, line, tag| CrsRule {
        id,
        msg,
        file,
        line,
        tag,
    };
    let path = req.path();
    match cat {
        Category::Sqli => rule(
            "942100",
            "SQL Injection Attack Detected via libinjection",
            "REQUEST-942-APPLICATION-ATTACK-SQLI.conf",
            "46",
            "attack-sqli",
        ),
        Category::Xss => rule(
            "941100",
            "XSS Attack Detected via libinjection",
            "REQUEST-941-APPLICATION-ATTACK-XSS.conf",
            "55",
            "attack-xss",
        ),
        Category::Log4shell => rule(
            "944150",
            "Potential Remote Command Execution: Log4j / Log4shell",
            "REQUEST-944-APPLICATION-ATTACK-JAVA.conf",
            "255",
            "attack-rce",
        ),
        Category::PathTraversal | Category::FortiosSslvpn => rule(
            "930100",
            "Path Traversal Attack (/../) or (/.../)",
            "REQUEST-930-APPLICATION-ATTACK-LFI.conf",
            "48",
            "attack-lfi",
        ),
        Category::Rce if req.user_agent.starts_with("() {") => rule(
            "932170",
            "Remote Command Execution: Shellshock (CVE-2014-6271)",
            "REQUEST-932-APPLICATION-ATTACK-RCE.conf",
            "790",
            "attack-rce",
        ),
        Category::Rce | Category::Webshell => rule(
            "932160",
            "Remote Command Execution: Unix Shell Code Found",
            "REQUEST-932-APPLICATION-ATTACK-RCE.conf",
            "496",
            "attack-rce",
        ),
        _ if path.contains(".bak") || path.ends_with('~') || path.contains(".sw") => rule(
            "920440",
            "URL file extension is restricted by policy",
            "REQUEST-920-PROTOCOL-ENFORCEMENT.conf",
            "1127",
            "attack-protocol",
        ),
        _ => rule(
            "930130",
            "Restricted File Access Attempt",
            "REQUEST-930-APPLICATION-ATTACK-LFI.conf",
            "140",
            "attack-lfi",
        ),
    }
}

/// One ModSecurity v3 JSON audit record (`SecAuditLogFormat JSON`), blocked by the
/// anomaly-scoring rule after the detecting rule fired.
pub(crate) fn modsec_line(rng: &mut DemoRng, req: &Request, host: &str) -> String {
    let cat = req.attack.unwrap_or(Category::Other);
    let rule = crs_rule(cat, req);
    let crs_dir = "/usr/share/modsecurity-crs/rules/";
    let micros = rng.between(0, 999_999);
    let mut headers = json!({
        "Host": host,
        "User-Agent": req.user_agent,
        "Accept": "*/*",
    });
    if let Some(r) = &req.referer {
        headers["Referer"] = json!(r);
    }
    let record = json!({
        "transaction": {
            "client_ip": req.src.to_string(),
            "time_stamp": clock::ctime(req.ts_ms),
            "server_id": "5a1c0e8b7f3d2a6e9c4b1f0d8e7a6c5b4d3e2f1a",
            "client_port": rng.between(32_768, 60_999),
            "host_ip": "10.0.20.15",
            "host_port": 443,
            "unique_id": format!("{}{:03}.{micros:06}", req.ts_ms / 1000, rng.between(0, 999)),
            "request": {
                "method": req.method,
                "http_version": 1.1,
                "uri": req.target,
                "body": req.body.clone().unwrap_or_default(),
                "headers": headers,
            },
            "response": {
                "http_code": req.status,
                "headers": {
                    "Server": "nginx",
                    "Content-Type": "text/html",
                    "Content-Length": req.bytes.to_string(),
                    "Connection": "keep-alive",
                },
                "body": "",
            },
            "producer": {
                "modsecurity": "ModSecurity v3.0.14 (Linux)",
                "connector": "ModSecurity-nginx v1.0.4",
                "secrules_engine": "Enabled",
                "components": [format!("{CRS_VERSION}\"")],
            },
            "messages": [
                message(&rule, crs_dir, req, "2"),
                {
                    "message": "Inbound Anomaly Score Exceeded (Total Score: 5)",
                    "details": {
                        "match": "Matched \"Operator `Ge' with parameter `5' against variable `TX:BLOCKING_INBOUND_ANOMALY_SCORE' (Value: `5' )",
                        "reference": "",
                        "ruleId": "949110",
                        "file": format!("{crs_dir}REQUEST-949-BLOCKING-EVALUATION.conf"),
                        "lineNumber": "222",
                        "data": "",
                        "severity": "0",
                        "ver": CRS_VERSION,
                        "rev": "",
                        "tags": ["anomaly-evaluation", "OWASP_CRS"],
                        "maturity": "0",
                        "accuracy": "0",
                    },
                },
            ],
        }
    });
    record.to_string()
}

fn message(rule: &CrsRule, dir: &str, req: &Request, severity: &str) -> Value {
    let matched: String = if req.query().is_empty() {
        req.path().chars().take(60).collect()
    } else {
        req.query().chars().take(60).collect()
    };
    json!({
        "message": rule.msg,
        "details": {
            "match": format!("Matched \"Operator `Rx' with parameter `...' against variable `REQUEST_URI' (Value: `{matched}' )"),
            "reference": "o0,8v4,20",
            "ruleId": rule.id,
            "file": format!("{dir}{}", rule.file),
            "lineNumber": rule.line,
            "data": format!("Matched Data: {matched} found within REQUEST_URI"),
            "severity": severity,
            "ver": CRS_VERSION,
            "rev": "",
            "tags": ["application-multi", "language-multi", "platform-multi", rule.tag, "paranoia-level/1", "OWASP_CRS"],
            "maturity": "0",
            "accuracy": "0",
        }
    })
}

/// The AWS managed rule that terminates a request of this category, if one does: the
/// managed rule groups catch injections and Log4j lookups, but a plain request for an
/// admin console or a leftover backup passes, and only a detection rule notices it.
fn aws_rule(cat: Category, req: &Request) -> Option<(&'static str, &'static str)> {
    let in_header = req.query().is_empty();
    match cat {
        Category::Sqli => Some(("AWS-AWSManagedRulesSQLiRuleSet", "SQLi_QUERYARGUMENTS")),
        Category::Xss => Some((
            "AWS-AWSManagedRulesCommonRuleSet",
            "CrossSiteScripting_QUERYARGUMENTS",
        )),
        Category::PathTraversal => Some(("AWS-AWSManagedRulesCommonRuleSet", "GenericLFI_URIPATH")),
        Category::Log4shell if in_header => Some((
            "AWS-AWSManagedRulesKnownBadInputsRuleSet",
            "Log4JRCE_HEADER",
        )),
        Category::Log4shell => Some((
            "AWS-AWSManagedRulesKnownBadInputsRuleSet",
            "Log4JRCE_QUERYSTRING",
        )),
        Category::Rce => Some((
            "AWS-AWSManagedRulesUnixRuleSet",
            "UNIXShellCommandsVariables_QUERYARGUMENTS",
        )),
        _ => None,
    }
}

/// One AWS WAF log record. Ordinary requests and unmatched attacks are allowed by the
/// web ACL's default action; matched attacks are blocked by a managed rule group.
pub(crate) fn aws_waf_line(rng: &mut DemoRng, req: &Request, host: &str) -> String {
    let terminating = req.attack.and_then(|c| aws_rule(c, req));
    let (rule_id, rule_type, action) = match terminating {
        Some((group, _)) => (group, "MANAGED_RULE_GROUP", "BLOCK"),
        None => ("Default_Action", "REGULAR", "ALLOW"),
    };
    let mut headers = vec![
        json!({"name": "Host", "value": host}),
        json!({"name": "User-Agent", "value": req.user_agent}),
        json!({"name": "Accept", "value": "*/*"}),
    ];
    if let Some(r) = &req.referer {
        headers.push(json!({"name": "Referer", "value": r}));
    }
    let rule_groups: Vec<Value> = [
        "AWS#AWSManagedRulesCommonRuleSet",
        "AWS#AWSManagedRulesKnownBadInputsRuleSet",
        "AWS#AWSManagedRulesSQLiRuleSet",
        "AWS#AWSManagedRulesUnixRuleSet",
    ]
    .iter()
    .map(|g| {
        let terminating_rule = terminating
            .filter(|(group, _)| group.trim_start_matches("AWS-") == g.trim_start_matches("AWS#"))
            .map(|(_, rule)| json!({"ruleId": rule, "action": "BLOCK", "ruleMatchDetails": null}));
        json!({
            "ruleGroupId": g,
            "terminatingRule": terminating_rule,
            "nonTerminatingMatchingRules": [],
            "excludedRules": null,
        })
    })
    .collect();
    let country = if req.attack.is_some() {
        rng.pick(&["US", "NL", "DE", "SG", "CN", "RU", "BR", "VN"])
    } else {
        "JP"
    };
    let (path, args) = (req.path(), req.query());
    let record = json!({
        "timestamp": req.ts_ms,
        "formatVersion": 1,
        "webaclId": "arn:aws:wafv2:ap-northeast-1:123456789012:regional/webacl/portal-example-acl/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "terminatingRuleId": rule_id,
        "terminatingRuleType": rule_type,
        "action": action,
        "terminatingRuleMatchDetails": [],
        "httpSourceName": "ALB",
        "httpSourceId": "123456789012-app/portal-example-alb/1a2b3c4d5e6f7a8b",
        "ruleGroupList": rule_groups,
        "rateBasedRuleList": [],
        "nonTerminatingMatchingRules": [],
        "requestHeadersInserted": null,
        "responseCodeSent": null,
        "httpRequest": {
            "clientIp": req.src.to_string(),
            "country": country,
            "headers": headers,
            "uri": path,
            "args": args,
            "httpVersion": "HTTP/1.1",
            "httpMethod": req.method,
            "requestId": format!("1-{:08x}-{}", req.ts_ms / 1000, rng.hex(24)),
        },
        "labels": terminating
            .map(|(_, rule)| vec![json!({"name": format!("awswaf:managed:aws:{}", rule.to_lowercase())})])
            .unwrap_or_default(),
    });
    record.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn attack(cat: Category, target: &str) -> Request {
        Request {
            ts_ms: 1_789_534_800_000,
            src: Ipv4Addr::new(198, 51, 100, 5),
            method: "GET",
            target: target.into(),
            status: 403,
            bytes: 199,
            referer: None,
            user_agent: "curl/8.5.0".into(),
            body: None,
            attack: Some(cat),
        }
    }

    #[test]
    fn modsec_record_names_the_crs_rule_and_the_request() {
        let mut rng = DemoRng::stream(1, "t");
        let line = modsec_line(
            &mut rng,
            &attack(Category::Sqli, "/search?q=1%27"),
            "api.example.jp",
        );
        let v: Value = serde_json::from_str(&line).expect("valid JSON");
        let t = &v["transaction"];
        assert_eq!(t["client_ip"], "198.51.100.5");
        assert_eq!(t["time_stamp"], "Wed Sep 16 14:00:00 2026");
        assert_eq!(t["request"]["uri"], "/search?q=1%27");
        assert_eq!(t["response"]["http_code"], 403);
        assert_eq!(t["messages"][0]["details"]["ruleId"], "942100");
    }

    #[test]
    fn aws_waf_blocks_injections_and_lets_probes_through() {
        let mut rng = DemoRng::stream(1, "t");
        let sqli: Value = serde_json::from_str(&aws_waf_line(
            &mut rng,
            &attack(Category::Sqli, "/search?q=1%27"),
            "portal.example.com",
        ))
        .expect("valid JSON");
        assert_eq!(sqli["action"], "BLOCK");
        assert_eq!(sqli["httpRequest"]["uri"], "/search");
        assert_eq!(sqli["httpRequest"]["args"], "q=1%27");
        let probe: Value = serde_json::from_str(&aws_waf_line(
            &mut rng,
            &attack(Category::AdminOracle, "/em/console"),
            "portal.example.com",
        ))
        .expect("valid JSON");
        assert_eq!(probe["action"], "ALLOW");
        assert_eq!(probe["terminatingRuleId"], "Default_Action");
    }
}
