use super::*;

/// A blocked SQL injection as ModSecurity 2.9 writes it (parts ABCFHZ).
const BLOCKED: &str = r#"--7f3a21c0-A--
[02/Mar/2024:08:00:01.250000 +0900] ZeJ1Aa1AV2oonr8Z9ZoDTgAAAAE 203.0.113.7 40112 10.0.0.8 443
--7f3a21c0-B--
POST /login.php?next=%2Fadmin HTTP/1.1
Host: www.example.jp
User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)
Content-Type: application/x-www-form-urlencoded
Content-Length: 33

--7f3a21c0-C--
user=admin'--&pass=x' OR '1'='1
--7f3a21c0-F--
HTTP/1.1 403 Forbidden
Content-Length: 199
Content-Type: text/html; charset=iso-8859-1

--7f3a21c0-E--
<html><body>Forbidden</body></html>
--7f3a21c0-H--
Message: Warning. detected SQLi using libinjection with fingerprint 's&1' [file "/crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"] [line "65"] [id "942100"] [msg "SQL Injection Attack Detected via libinjection"] [data "Matched Data: s&1 found within ARGS:pass"] [severity "CRITICAL"] [ver "OWASP_CRS/3.3.5"]
Message: Access denied with code 403 (phase 2). Operator GE matched 5 at TX:anomaly_score. [file "/crs/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "93"] [id "949110"] [msg "Inbound Anomaly Score Exceeded (Total Score: 5)"] [severity "CRITICAL"]
Action: Intercepted (phase 2)
Stopwatch: 1709334001250000 2301 (- - -)
Producer: ModSecurity for Apache/2.9.7 (http://www.modsecurity.org/); OWASP_CRS/3.3.5.
Server: Apache
Engine-Mode: "ENABLED"

--7f3a21c0-Z--
"#;

/// A clean request logged by libmodsecurity v3 (three-dash headers, no H messages).
const V3_CLEAN: &str = r#"---b3Xq1Rzk---A--
[05/Mar/2024:10:00:00 +0000] 170963280012.123456 192.0.2.44 55012 10.0.0.9 80
---b3Xq1Rzk---B--
GET /index.html HTTP/1.1
Host: shop.example.jp

---b3Xq1Rzk---F--
HTTP/1.1 200
---b3Xq1Rzk---Z--
"#;

fn run(text: &str) -> Vec<Parsed> {
    let mut p = ModsecNativeParser::default();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        p.feed(line.as_bytes(), i as u64 + 1, &mut out);
    }
    p.finish(&mut out);
    out
}

#[test]
fn blocked_record() {
    let out = run(BLOCKED);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].line, 1);
    let r = out[0].record.as_ref().expect("valid record");
    assert_eq!(r.ts, 1_709_334_001_250_000);
    assert_eq!(r.src_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(r.dst_ip.as_deref(), Some("10.0.0.8"));
    assert_eq!(r.method.as_deref(), Some("POST"));
    assert_eq!(r.path.as_deref(), Some("/login.php"));
    assert_eq!(r.query.as_deref(), Some("next=/admin"));
    assert_eq!(r.host.as_deref(), Some("www.example.jp"));
    assert_eq!(
        r.user_agent.as_deref(),
        Some("sqlmap/1.7.2#stable (https://sqlmap.org)")
    );
    assert_eq!(r.body.as_deref(), Some("user=admin'--&pass=x' OR '1'='1"));
    assert_eq!((r.status, r.bytes), (Some(403), Some(199)));
    assert_eq!(r.waf_rule_ids, ["942100", "949110"]);
    assert_eq!(
        r.waf_messages[1],
        "Inbound Anomaly Score Exceeded (Total Score: 5)"
    );
    assert_eq!(r.waf_severity.as_deref(), Some("CRITICAL"));
    assert_eq!(r.waf_action.as_deref(), Some("block"));
}

#[test]
fn v3_headers_and_several_records() {
    let text = format!("{V3_CLEAN}\n{BLOCKED}\n{V3_CLEAN}");
    let out = run(&text);
    let lines: Vec<u64> = out.iter().map(|p| p.line).collect();
    assert_eq!(lines, [1, 11, 40]);
    let r = out[0].record.as_ref().expect("valid record");
    assert_eq!(r.status, Some(200));
    assert_eq!(r.waf_action, None);
    assert_eq!(r.path.as_deref(), Some("/index.html"));
}

#[test]
fn idle_only_between_records() {
    let mut p = ModsecNativeParser::default();
    let mut out = Vec::new();
    let mut idle = Vec::new();
    for (i, line) in V3_CLEAN.lines().enumerate() {
        p.feed(line.as_bytes(), i as u64 + 1, &mut out);
        idle.push(p.idle());
    }
    assert!(idle[..idle.len() - 1].iter().all(|i| !i));
    assert!(p.idle());
}

#[test]
fn broken_input() {
    // Cut before Z: an error at finish naming the record's first line.
    let cut: String = BLOCKED.lines().take(12).map(|l| format!("{l}\n")).collect();
    let out = run(&cut);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].line, 1);
    assert!(matches!(&out[0].record, Err(ParseError::Malformed(m)) if m.contains("7f3a21c0")));

    // A new A before Z: the first record is an error, the second is kept.
    let out = run(&format!("{cut}{V3_CLEAN}"));
    assert!(out[0].record.is_err());
    assert!(out[1].record.is_ok());

    // Junk before the first record: one error for the run, then the record.
    let out = run(&format!("garbage\nmore garbage\n{V3_CLEAN}"));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].line, 1);
    assert!(out[0].record.is_err());
    assert!(out[1].record.is_ok());

    // A record whose A section is unreadable.
    let out = run("--aa-A--\nnot a header\n--aa-Z--\n");
    assert!(out[0].record.is_err());
}

#[test]
fn section_headers() {
    assert_eq!(
        section_header(b"--7f3a21c0-A--"),
        Some((&b"7f3a21c0"[..], b'A'))
    );
    assert_eq!(
        section_header(b"---b3Xq1Rzk---Z--"),
        Some((&b"b3Xq1Rzk"[..], b'Z'))
    );
    assert_eq!(section_header(b"--7f3a21c0-a--"), None);
    assert_eq!(section_header(b"-----"), None);
    assert_eq!(section_header(b"--"), None);
}
