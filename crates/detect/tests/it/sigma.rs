//! Sigma webserver rules: fixtures copied from SigmaHQ (DRL 1.1, see
//! `tests/fixtures/sigma/`), and the full shared set when it is present.

use std::path::{Path, PathBuf};

use kansoku_detect::sigma::category::for_rule;

use kansoku_detect::example::from_line;
use kansoku_detect::{LoadOptions, RuleSet};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigma")
}

fn load(dir: PathBuf) -> (RuleSet, Vec<kansoku_detect::LoadWarning>) {
    RuleSet::load(&LoadOptions {
        builtin: false,
        sigma_dirs: vec![dir],
        ..LoadOptions::default()
    })
    .expect("loads")
}

#[test]
fn fixture_rules_load_and_match_like_sigma_says() {
    let (rules, warnings) = load(fixtures());
    assert_eq!(rules.rules().len(), 4);
    // cs-username is not in http records: reported, the rule still loads.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("cs-username"));
    let mut m = rules.matcher();
    let table: &[(&str, u16, Option<&str>)] = &[
        (
            "GET /vpn/../vpns/cfg/smb.conf HTTP/1.1",
            200,
            Some("ac5a6409-8c89-44c2-8d64-668c29a2d756"),
        ),
        (
            "GET /vpns/portal/scripts/newbm.pl HTTP/1.1",
            200,
            Some("ac5a6409-8c89-44c2-8d64-668c29a2d756"),
        ),
        ("GET /vpns/portal/scripts/newbm.js HTTP/1.1", 200, None),
        (
            "GET /repo/.git/HEAD HTTP/1.1",
            200,
            Some("953d460b-f810-420a-97a2-cfca4c98e602"),
        ),
        (
            "GET /page?name={{7*7}} HTTP/1.1",
            200,
            Some("ada3bc4f-f0fd-42b9-ba91-e105e8af7342"),
        ),
        ("POST /page?name={{7*7}} HTTP/1.1", 200, None),
        (
            "POST /ecp/DDI/DDIService.svc/SetObject?schema=ResetOAB&VirtualDirectory=x$ HTTP/1.1",
            200,
            Some("effee1f6-a932-4297-a81f-acb44064fa3a"),
        ),
        ("GET /index.html HTTP/1.1", 200, None),
    ];
    for (line, status, want) in table {
        let mut r = from_line(line);
        r.status = Some(*status);
        let titles: Vec<String> = m
            .matching_rules(&r)
            .iter()
            .map(|r| format!("{} {}", r.id, r.title))
            .collect();
        match want {
            Some(w) => assert!(
                titles.iter().any(|t| t.starts_with(w)),
                "{line}: expected {w}, got {titles:?}"
            ),
            None => assert!(
                titles.is_empty(),
                "{line}: expected nothing, got {titles:?}"
            ),
        }
    }
    let citrix = rules
        .rule("ac5a6409-8c89-44c2-8d64-668c29a2d756")
        .expect("loaded under its UUID");
    assert_eq!(citrix.category.as_str(), "rce");
}

#[test]
fn all_shared_sigma_webserver_rules_load() {
    let Some(dir) = crate::shared_data("sigma-web") else {
        return;
    };
    let (rules, warnings) = load(dir);
    for w in &warnings {
        eprintln!("sigma: {w}");
    }
    let broken: Vec<_> = warnings
        .iter()
        .filter(|w| !w.message.contains("is not in http records"))
        .collect();
    assert!(broken.is_empty(), "rules that did not load: {broken:?}");
    assert_eq!(rules.rules().len(), 86);
    // The pinned table is the one these rules get: same ids, titles and categories.
    let pinned = pinned_categories();
    for rule in rules.rules() {
        let row = pinned
            .iter()
            .find(|r| r.id == rule.id)
            .unwrap_or_else(|| panic!("{} {} is not in the pinned table", rule.id, rule.title));
        assert_eq!(row.title, rule.title, "{}", rule.id);
        assert_eq!(
            row.category,
            rule.category.as_str(),
            "{} {}",
            rule.id,
            rule.title
        );
    }
}

/// One row of `tests/fixtures/sigma-categories.tsv`.
struct Pinned {
    id: String,
    title: String,
    tags: Vec<String>,
    category: String,
}

fn pinned_categories() -> Vec<Pinned> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigma-categories.tsv");
    std::fs::read_to_string(path)
        .expect("fixture")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            Pinned {
                id: f[0].into(),
                title: f[1].into(),
                tags: f[2].split_whitespace().map(str::to_string).collect(),
                category: f[3].into(),
            }
        })
        .collect()
}

/// The category of every one of the 86 Sigma webserver rules, from their ids, titles and
/// tags (no rule files needed). Before tags were read first and titles by whole words,
/// "Source Code Enumeration" was `rce` ("Source" holds "rce") and the FortiOS
/// CVE-2018-13379 rule was `rce` too (its `attack.t1190` tag).
#[test]
fn the_category_of_each_sigma_webserver_rule_is_pinned() {
    let pinned = pinned_categories();
    assert_eq!(pinned.len(), 86);
    let wrong: Vec<String> = pinned
        .iter()
        .filter_map(|r| {
            let got = for_rule(&r.title, &r.tags);
            (got.as_str() != r.category).then(|| {
                format!(
                    "{} {}: {} (pinned {})",
                    r.id,
                    r.title,
                    got.as_str(),
                    r.category
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    let category_of = |id: &str| {
        pinned
            .iter()
            .find(|r| r.id.starts_with(id))
            .map(|r| r.category.as_str())
    };
    assert_eq!(category_of("953d460b"), Some("credential_probe"));
    assert_eq!(category_of("a2e97350"), Some("fortios_sslvpn"));
}
