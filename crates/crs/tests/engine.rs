//! The engine's SecLang semantics on small inline rule sets (no CRS installation needed):
//! chains, skipAfter, setvar and macros, capture, ctl removals, exclusions, counts,
//! multiMatch, transformations, and the anomaly threshold.

use std::path::Path;

use kansoku_crs::{Crs, LoadOptions, Request, Scratch, Verdict};

fn crs(text: &str) -> Crs {
    Crs::from_text(text, Path::new("."), &LoadOptions::default()).expect("rules load")
}

fn run(crs: &Crs, uri: &str, ua: &str) -> Verdict {
    let req = Request {
        method: b"GET",
        uri: uri.as_bytes(),
        protocol: b"HTTP/1.1",
        headers: vec![(b"Host", b"example.com"), (b"User-Agent", ua.as_bytes())],
        remote_addr: b"203.0.113.5",
        ..Default::default()
    };
    crs.evaluate(&req, &mut Scratch::default())
}

fn ids(v: &Verdict) -> Vec<u32> {
    v.matches.iter().map(|m| m.id).collect()
}

const SCORE: &str = r#"
SecRule TX:ANOMALY_SCORE "@ge %{tx.inbound_anomaly_score_threshold}" "id:900,phase:2,log,pass,msg:'Inbound Anomaly Score Exceeded (Total Score: %{TX.ANOMALY_SCORE})'"
"#;

#[test]
fn a_chain_logs_only_when_every_link_matches() {
    let c = crs(r#"
SecRule REQUEST_METHOD "@streq GET" "id:1,phase:1,log,pass,chain"
    SecRule ARGS:id "@rx ^\d+$" "t:none"
"#);
    assert_eq!(ids(&run(&c, "/?id=42", "ua")), vec![1]);
    assert!(ids(&run(&c, "/?id=x", "ua")).is_empty());
    assert!(ids(&run(&c, "/", "ua")).is_empty());
}

#[test]
fn skip_after_jumps_past_its_marker() {
    let c = crs(r#"
SecRule ARGS:skip "@streq 1" "id:1,phase:1,nolog,pass,skipAfter:END"
SecRule ARGS "@rx ." "id:2,phase:1,log,pass"
SecMarker END
SecRule ARGS "@rx ." "id:3,phase:1,log,pass"
"#);
    assert_eq!(ids(&run(&c, "/?skip=1", "ua")), vec![3]);
    assert_eq!(ids(&run(&c, "/?skip=0", "ua")), vec![2, 3]);
}

#[test]
fn setvar_scores_and_macros_reach_the_threshold() {
    let text = r#"
SecAction "id:10,phase:1,nolog,pass,setvar:tx.anomaly_score=0,setvar:tx.critical=5"
SecRule ARGS "@contains attack" "id:11,phase:2,log,pass,msg:'hit in %{MATCHED_VAR_NAME}',setvar:'tx.anomaly_score=+%{tx.critical}'"
"#
    .to_owned()
        + SCORE;
    let c = crs(&text);
    let v = run(&c, "/?a=attack", "ua");
    assert_eq!(v.score, 5);
    assert!(v.attack);
    assert_eq!(ids(&v), vec![11, 900]);
    assert_eq!(v.matches[0].msg, "hit in ARGS:a");
    assert_eq!(
        v.matches[1].msg,
        "Inbound Anomaly Score Exceeded (Total Score: 5)"
    );
    let v = run(&c, "/?a=calm", "ua");
    assert_eq!(v.score, 0);
    assert!(!v.attack);
}

#[test]
fn non_disruptive_actions_run_per_matched_variable() {
    let c = crs(r#"
SecRule ARGS "@contains x" "id:1,phase:2,log,pass,setvar:tx.anomaly_score=+2"
"#);
    assert_eq!(run(&c, "/?a=x&b=x&c=y", "ua").score, 4);
}

#[test]
fn capture_fills_tx_for_the_next_link() {
    let c = crs(r#"
SecRule ARGS:q "@rx ^(\w+)-(\w+)$" "id:1,phase:2,log,pass,capture,chain"
    SecRule TX:2 "@streq world" "t:none"
"#);
    assert_eq!(ids(&run(&c, "/?q=hello-world", "ua")), vec![1]);
    assert!(ids(&run(&c, "/?q=hello-there", "ua")).is_empty());
}

#[test]
fn exclusions_and_ctl_remove_targets() {
    let c = crs(r#"
SecRule REQUEST_FILENAME "@streq /login" "id:1,phase:1,nolog,pass,ctl:ruleRemoveTargetById=3;ARGS:password"
SecRule ARGS|!ARGS:token "@contains '" "id:2,phase:2,log,pass"
SecRule ARGS "@contains '" "id:3,phase:2,log,pass"
"#);
    // `token` is excluded from rule 2 in the rule itself.
    assert_eq!(ids(&run(&c, "/x?token=a'b", "ua")), vec![3]);
    // On /login the ctl removes `password` from rule 3 for this request only.
    assert_eq!(ids(&run(&c, "/login?password=a'b", "ua")), vec![2]);
    assert_eq!(ids(&run(&c, "/other?password=a'b", "ua")), vec![2, 3]);
}

#[test]
fn ctl_rule_remove_by_id_applies_to_the_rest_of_the_request() {
    let c = crs(r#"
SecRule REQUEST_FILENAME "@beginsWith /api/" "id:1,phase:1,nolog,pass,ctl:ruleRemoveById=2"
SecRule ARGS "@rx <" "id:2,phase:2,log,pass"
"#);
    assert!(ids(&run(&c, "/api/x?a=<", "ua")).is_empty());
    assert_eq!(ids(&run(&c, "/web/x?a=<", "ua")), vec![2]);
}

#[test]
fn counts_and_negation() {
    let c = crs(r#"
SecRule &ARGS "@gt 2" "id:1,phase:2,log,pass"
SecRule &ARGS:missing "@eq 0" "id:2,phase:2,log,pass"
SecRule REQUEST_METHOD "!@within GET HEAD" "id:3,phase:1,log,pass"
"#);
    assert_eq!(ids(&run(&c, "/?a=1&b=2&c=3", "ua")), vec![1, 2]);
    assert_eq!(ids(&run(&c, "/?a=1", "ua")), vec![2]);
}

#[test]
fn transformations_apply_in_order_and_t_none_resets() {
    let c = crs(r#"
SecDefaultAction "phase:2,log,pass,t:lowercase"
SecRule ARGS "@streq select" "id:1,phase:2,log,pass"
SecRule ARGS "@streq select" "id:2,phase:2,log,pass,t:none"
SecRule ARGS "@contains <script>" "id:3,phase:2,log,pass,t:none,t:urlDecodeUni,t:htmlEntityDecode,t:lowercase"
"#);
    assert_eq!(ids(&run(&c, "/?a=SELECT", "ua")), vec![1]);
    assert_eq!(
        ids(&run(&c, "/?a=%2526lt%3BScRiPt%2526gt%3B", "ua")),
        vec![3]
    );
}

#[test]
fn multi_match_tries_every_intermediate_value() {
    let c = crs(r#"
SecRule ARGS "@streq %41" "id:1,phase:2,log,pass,multiMatch,t:none,t:urlDecode"
SecRule ARGS "@streq %41" "id:2,phase:2,log,pass,t:none,t:urlDecode"
"#);
    // The decoded argument is `%41`; t:urlDecode makes it `A`: only multiMatch also tries
    // the value before the transformation.
    assert_eq!(ids(&run(&c, "/?a=%2541", "ua")), vec![1]);
    let c = crs(r#"
SecRule ARGS "@streq %2541" "id:1,phase:2,log,pass,multiMatch,t:none,t:urlDecode"
"#);
    assert!(
        ids(&run(&c, "/?a=%2541", "ua")).is_empty(),
        "args are decoded once before rules see them"
    );
}

#[test]
fn headers_a_log_does_not_show_turn_their_rules_off() {
    let c = crs(r#"
SecRule &REQUEST_HEADERS:Accept "@eq 0" "id:1,phase:1,log,pass"
SecRule REQUEST_HEADERS:Content-Type "@rx ^text/" "id:2,phase:1,log,pass"
SecRule REQUEST_HEADERS:User-Agent|REQUEST_HEADERS:Accept "@contains nikto" "id:3,phase:1,log,pass"
"#);
    assert_eq!(ids(&run(&c, "/", "Mozilla/5.0 (Nikto)")), Vec::<u32>::new());
    let c2 = crs(r#"
SecRule REQUEST_HEADERS:User-Agent|REQUEST_HEADERS:Accept "@contains Nikto" "id:3,phase:1,log,pass"
"#);
    assert_eq!(ids(&run(&c2, "/", "Mozilla/5.0 (Nikto)")), vec![3]);
    let off: Vec<u32> = c
        .report()
        .invisible_headers
        .iter()
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(off, vec![1, 2]);
}

#[test]
fn libinjection_and_phrase_operators() {
    let c = crs(r#"
SecRule ARGS "@detectSQLi" "id:1,phase:2,log,pass,capture,logdata:'fingerprint %{TX.0}'"
SecRule REQUEST_HEADERS:User-Agent "@pm nikto sqlmap" "id:2,phase:1,log,pass"
"#);
    let v = run(&c, "/?id=1'%20OR%20'1'='1", "sqlmap/1.7");
    assert_eq!(ids(&v), vec![2, 1]);
    assert!(
        v.matches[1].data.starts_with("fingerprint "),
        "{}",
        v.matches[1].data
    );
}

#[test]
fn malformed_rules_are_errors_with_file_and_line() {
    let err = Crs::from_text(
        "SecRule ARGS \"@rx a\" \"id:1,phase:2,t:noSuchTransform\"",
        Path::new("."),
        &LoadOptions::default(),
    )
    .expect_err("unknown transformation");
    let msg = err.to_string();
    assert!(
        msg.contains("inline rules:1") && msg.contains("noSuchTransform"),
        "{msg}"
    );
    assert!(
        Crs::from_text(
            "SecRule NOT_A_VAR \"@rx a\" \"id:1\"",
            Path::new("."),
            &LoadOptions::default()
        )
        .is_err()
    );
}

#[test]
fn hostile_rule_text_never_panics() {
    for text in [
        "SecRule",
        "SecRule ARGS",
        "SecRule ARGS \"@rx (\" \"id:1\"",
        "SecRule ARGS \"@validateByteRange 9-1\" \"id:1\"",
        "SecAction \"id:1,setvar:tx.a=+%{\"",
        "SecRule ARGS:/( \"@rx a\" \"id:1\"",
        "SecMarker",
        "Include /nonexistent/*.conf",
        "\"\\",
    ] {
        let _ = Crs::from_text(text, Path::new("."), &LoadOptions::default());
    }
}

#[test]
fn remembered_verdicts_still_depend_on_what_rules_read_of_the_address() {
    let c = crs(r#"
SecRule REMOTE_ADDR "@ipMatch 10.0.0.0/8" "id:1,phase:1,log,pass"
"#);
    let mut scratch = Scratch::default();
    let mut req = Request {
        method: b"GET",
        uri: b"/",
        remote_addr: b"10.1.2.3",
        ..Default::default()
    };
    assert_eq!(ids(&c.evaluate(&req, &mut scratch)), vec![1]);
    req.remote_addr = b"10.9.9.9";
    assert_eq!(ids(&c.evaluate(&req, &mut scratch)), vec![1]);
    req.remote_addr = b"192.0.2.1";
    assert!(ids(&c.evaluate(&req, &mut scratch)).is_empty());
    // A rule reading the address another way makes every address its own request.
    let c = crs(r#"
SecRule REMOTE_ADDR "@endsWith .7" "id:2,phase:1,log,pass"
"#);
    req.remote_addr = b"192.0.2.7";
    assert_eq!(ids(&c.evaluate(&req, &mut scratch)), vec![2]);
    req.remote_addr = b"192.0.2.8";
    assert!(ids(&c.evaluate(&req, &mut scratch)).is_empty());
}

#[test]
fn remembered_answers_do_not_leak_between_values() {
    let c = crs(r#"
SecRule ARGS "@rx ^evil$" "id:1,phase:2,log,pass"
"#);
    let mut scratch = Scratch::default();
    for (uri, want) in [
        ("/?a=good", false),
        ("/?a=evil", true),
        ("/?b=good&a=evil", true),
        ("/?a=good", false),
    ] {
        let req = Request {
            method: b"GET",
            uri: uri.as_bytes(),
            ..Default::default()
        };
        assert_eq!(
            !c.evaluate(&req, &mut scratch).matches.is_empty(),
            want,
            "{uri}"
        );
    }
}

#[test]
fn one_scratch_used_with_two_rule_sets_does_not_mix_their_answers() {
    let a = crs(r#"SecRule ARGS "@contains x" "id:1,phase:2,log,pass""#);
    let b = crs(r#"SecRule ARGS "@contains x" "id:2,phase:2,log,pass""#);
    let mut scratch = Scratch::default();
    let req = Request {
        method: b"GET",
        uri: b"/?a=x",
        ..Default::default()
    };
    assert_eq!(ids(&a.evaluate(&req, &mut scratch)), vec![1]);
    assert_eq!(ids(&b.evaluate(&req, &mut scratch)), vec![2]);
    assert_eq!(ids(&a.evaluate(&req, &mut scratch)), vec![1]);
}

#[test]
fn the_request_independent_start_runs_once_and_counts_for_every_request() {
    let c = crs(r#"
SecAction "id:1,phase:1,nolog,pass,setvar:tx.limit=2"
SecRule &TX:missing "@eq 0" "id:2,phase:1,log,pass,msg:'setup incomplete'"
SecRule ARGS "@contains x" "id:3,phase:2,log,pass,setvar:tx.hits=+1"
SecRule TX:hits "@ge %{tx.limit}" "id:4,phase:2,log,pass"
"#);
    let mut scratch = Scratch::default();
    for (uri, want) in [
        ("/?a=x&b=x", vec![2, 3, 4]),
        ("/?a=x", vec![2, 3]),
        ("/?a=y", vec![2]),
        ("/?a=x&b=x&c=y", vec![2, 3, 4]),
    ] {
        let req = Request {
            method: b"GET",
            uri: uri.as_bytes(),
            ..Default::default()
        };
        assert_eq!(ids(&c.evaluate(&req, &mut scratch)), want, "{uri}");
    }
}

#[test]
fn a_remembered_shape_holds_only_while_the_values_that_steered_its_walk_are_the_same() {
    // Rule 1 matching ARGS:a skips rule 2, which alone reads ARGS:b: when a matched, b's
    // value did not count; when a did not, b's does.
    let c = crs(r#"
SecRule ARGS:a "@streq x" "id:1,phase:2,log,pass,skipAfter:END"
SecRule ARGS:b "@rx evil" "id:2,phase:2,log,pass"
SecMarker END
"#);
    let mut scratch = Scratch::default();
    for (uri, want) in [
        ("/?a=x&b=evil", vec![1]),
        ("/?a=x&b=evil-too", vec![1]),
        ("/?a=y&b=evil", vec![2]),
        ("/?a=z&b=good", vec![]),
        ("/?a=w&b=more-evil", vec![2]),
        ("/?a=x&b=good", vec![1]),
    ] {
        let req = Request {
            method: b"GET",
            uri: uri.as_bytes(),
            ..Default::default()
        };
        assert_eq!(ids(&c.evaluate(&req, &mut scratch)), want, "{uri}");
    }
}

#[test]
fn a_value_read_through_a_macro_counts_for_a_remembered_shape() {
    // The User-Agent reaches the verdict only through `setvar` and `TX`.
    let c = crs(r#"
SecAction "id:1,phase:1,nolog,pass,setvar:tx.agent=%{REQUEST_HEADERS.User-Agent}"
SecRule TX:agent "@contains bad" "id:2,phase:1,log,pass"
"#);
    let mut scratch = Scratch::default();
    for (ua, want) in [
        ("good", vec![]),
        ("bad", vec![2]),
        ("fine", vec![]),
        ("very bad", vec![2]),
    ] {
        let req = Request {
            method: b"GET",
            uri: b"/",
            headers: vec![(b"User-Agent", ua.as_bytes())],
            ..Default::default()
        };
        assert_eq!(ids(&c.evaluate(&req, &mut scratch)), want, "{ua}");
    }
}

#[test]
fn a_remembered_shape_checks_new_values_against_the_links_that_read_them() {
    let c = crs(r#"
SecRule ARGS "@rx ^[0-9]+$" "id:1,phase:2,log,pass,chain"
    SecRule REQUEST_FILENAME "@endsWith .php" "setvar:tx.n=+1"
SecRule REQUEST_HEADERS:User-Agent "!@rx ^Mozilla" "id:2,phase:1,log,pass"
SecRule ARGS_NAMES "@streq debug" "id:3,phase:2,log,pass"
"#);
    let mut scratch = Scratch::default();
    for (uri, ua, want) in [
        ("/a.php?id=abc", "Mozilla/5.0", vec![]),
        ("/a.php?id=def", "Mozilla/5.1", vec![]),
        ("/a.php?id=123", "Mozilla/5.0", vec![1]),
        ("/b.php?id=ghi", "curl/8", vec![2]),
        ("/a.php?id=456", "Mozilla/5.2", vec![1]),
        ("/a.php?debug=1", "Mozilla/5.0", vec![1, 3]),
        ("/a.html?id=789", "Mozilla/5.0", vec![]),
        ("/a.php?id=jkl", "Mozilla/5.3", vec![]),
    ] {
        let req = Request {
            method: b"GET",
            uri: uri.as_bytes(),
            headers: vec![(b"User-Agent", ua.as_bytes())],
            ..Default::default()
        };
        let got = ids(&c.evaluate(&req, &mut scratch));
        let mut fresh = ids(&c.evaluate(&req, &mut Scratch::default()));
        assert_eq!(got, fresh, "{uri} {ua}: remembered and fresh differ");
        fresh.sort_unstable();
        let mut want = want;
        want.sort_unstable();
        assert_eq!(fresh, want, "{uri} {ua}");
    }
}
