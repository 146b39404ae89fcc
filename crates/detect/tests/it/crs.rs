//! CRS beside the rule pack, on a small CRS-shaped folder written by the test (no CRS
//! installation needed): what is stored for an attack, what is not.

use kansoku_detect::crs::CrsOptions;
use kansoku_detect::{LoadOptions, RuleSet};
use kansoku_event::HttpRequest;

/// Rules in CRS's shape: scores in TX, a blocking evaluation rule tagged like CRS's
/// 949110, a path-policy rule with 920440's id, and a missing-Host rule like 920280.
const RULES: &str = r#"
SecAction "id:901200,phase:1,nolog,pass,setvar:tx.anomaly_score=0"
SecRule &REQUEST_HEADERS:Host "@eq 0" "id:920280,phase:1,log,pass,tag:'attack-protocol',setvar:'tx.anomaly_score=+3'"
SecRule REQUEST_FILENAME "@rx \.(?:log|conf)$" "id:920440,phase:2,log,pass,tag:'attack-protocol',setvar:'tx.anomaly_score=+5'"
SecRule ARGS "@detectSQLi" "id:942100,phase:2,log,pass,msg:'SQL Injection Attack Detected via libinjection',severity:'CRITICAL',tag:'attack-sqli',tag:'paranoia-level/1',setvar:'tx.anomaly_score=+5'"
SecRule ARGS "@rx <script" "id:941100,phase:2,log,pass,tag:'attack-xss',setvar:'tx.anomaly_score=+3'"
SecRule TX:ANOMALY_SCORE "@ge %{tx.inbound_anomaly_score_threshold}" "id:949110,phase:2,log,pass,tag:'attack-generic'"
"#;

fn rules() -> (tempfile::TempDir, RuleSet) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("rules")).expect("rules dir");
    std::fs::write(dir.path().join("rules/REQUEST-900-TEST.conf"), RULES).expect("write");
    let opts = LoadOptions {
        crs: Some(CrsOptions {
            dir: dir.path().to_path_buf(),
            paranoia_level: 1,
            threshold: 5,
        }),
        ..LoadOptions::default()
    };
    let (set, _warnings) = RuleSet::load(&opts).expect("loads");
    (dir, set)
}

fn request(target: &str, status: u16) -> HttpRequest {
    let mut req = HttpRequest {
        method: Some("GET".into()),
        status: Some(status),
        src_ip: Some("198.51.100.7".into()),
        ..Default::default()
    };
    match target.split_once('?') {
        Some((p, q)) => {
            req.path = Some(p.into());
            req.query = Some(q.into());
        }
        None => req.path = Some(target.into()),
    }
    req
}

#[test]
fn an_attack_keeps_each_contributing_rule_but_not_the_evaluation() {
    let (_dir, set) = rules();
    let mut m = set.matcher();
    let mut req = request("/item?id=1%27%20OR%20%271%27%3D%271", 200);
    m.apply(&mut req);
    assert!(
        req.rule_ids.contains(&"crs-942100".to_string()),
        "{:?}",
        req.rule_ids
    );
    assert!(
        !req.rule_ids.iter().any(|r| r == "crs-949110"),
        "{:?}",
        req.rule_ids
    );
    assert!(req.categories.iter().any(|c| c == "sqli"));
}

#[test]
fn below_the_threshold_nothing_is_stored() {
    let (_dir, set) = rules();
    let mut m = set.matcher();
    let mut req = request("/item?q=%3Cscript", 200);
    m.apply(&mut req);
    assert!(
        !req.rule_ids.iter().any(|r| r.starts_with("crs-")),
        "{:?}",
        req.rule_ids
    );
    // explain still shows it, saying why it was not stored.
    let hits = m.explain(&req);
    assert!(
        hits.iter()
            .any(|h| h.rule_id == "crs-941100" && h.matched.contains("not stored"))
    );
}

#[test]
fn a_log_without_host_is_not_a_request_without_host() {
    let (_dir, set) = rules();
    let mut m = set.matcher();
    let mut req = request("/misc/sample.log", 404);
    m.apply(&mut req);
    // 920440 alone reaches 5; 920280 must not add to it for a log that records no Host.
    assert_eq!(req.rule_ids, vec!["crs-920440".to_string()]);
}

#[test]
fn a_restricted_extension_the_site_serves_is_its_own_file() {
    let (_dir, set) = rules();
    let mut m = set.matcher();
    for status in [200, 304] {
        let mut req = request("/files/dhcpd.conf", status);
        m.apply(&mut req);
        assert!(req.rule_ids.is_empty(), "{status}: {:?}", req.rule_ids);
    }
    let mut req = request("/files/dhcpd.conf", 403);
    m.apply(&mut req);
    assert_eq!(req.rule_ids, vec!["crs-920440".to_string()]);
}

#[test]
fn crs_rules_are_listed_with_their_message_and_category() {
    let (_dir, set) = rules();
    let listed = kansoku_detect::crs::listed(set.crs().expect("CRS loaded"));
    let ids: Vec<&str> = listed.iter().map(|r| r.id.as_str()).collect();
    // Rules without a message (the test's ones) are not listed; the evaluation rule never.
    assert!(!ids.contains(&"crs-949110"), "{ids:?}");
    assert!(!ids.contains(&"crs-901200"), "{ids:?}");
    assert_eq!(ids, vec!["crs-942100"]);
    let r = &listed[0];
    assert_eq!(r.category, "sqli");
    assert_eq!(r.severity, "critical");
    assert_eq!(r.paranoia_level, Some(1));
    assert!(
        r.doc_markdown()
            .contains("SQL Injection Attack Detected via libinjection")
    );
}
