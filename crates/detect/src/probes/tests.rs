//! The probe lists and the rules made from them.

use kansoku_event::HttpRequest;

use super::*;
use crate::builtin::PROBE_LISTS;
use crate::ruleset::RuleSet;

fn builtin() -> RuleSet {
    RuleSet::builtin().expect("the built-in pack, probe lists included, loads strictly")
}

fn request(target: &str, status: u16) -> HttpRequest {
    let mut req = example::from_line(&format!("GET {target} HTTP/1.1"));
    req.status = Some(status);
    req
}

/// The probe rules `target` answered `status` matches, sorted.
fn probes_of(rules: &RuleSet, target: &str, status: u16) -> Vec<String> {
    let mut m = rules.matcher();
    let mut ids: Vec<String> = m
        .matching_rules(&request(target, status))
        .into_iter()
        .map(|r| r.id.clone())
        .filter(|id| is_probe_rule(id))
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_list_parses_and_says_where_its_paths_come_from() {
    assert!(PROBE_LISTS.len() >= 9, "lists: {}", PROBE_LISTS.len());
    for (path, text) in PROBE_LISTS {
        let file = format!("rules/{path}");
        let list = parse_list(&file, text).unwrap_or_else(|w| {
            let w: Vec<String> = w.iter().map(ToString::to_string).collect();
            panic!("{file} does not load:\n{}", w.join("\n"))
        });
        assert!(!list.sources.is_empty(), "{file}: no source");
        for s in &list.sources {
            assert!(s.len() >= 20, "{file}: source `{s}` says too little");
        }
        // The provenance is the file's opening: a comment header before the first path.
        let first_path = text
            .lines()
            .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .unwrap_or(0);
        let header = text.lines().take(first_path).collect::<Vec<_>>().join("\n");
        for key in ["# title:", "# category:", "# source:", "# why:"] {
            assert!(header.contains(key), "{file}: `{key}` not in the header");
        }
        assert!(list.id.starts_with(PROBE_RULE_PREFIX), "{}", list.id);
        assert!(
            list.entries.len() >= 5,
            "{file}: only {}",
            list.entries.len()
        );
    }
}

#[test]
fn the_lists_named_by_the_issue_map_to_their_categories() {
    let rules = builtin();
    for (id, category) in [
        ("probe-wordpress", Category::WordpressConfig),
        ("probe-joomla", Category::CredentialProbe),
        ("probe-admin-login", Category::CredentialProbe),
        ("probe-iis-admin", Category::AdminIis),
        ("probe-exchange-sharepoint", Category::AdminIis),
        ("probe-oracle-consoles", Category::AdminOracle),
        ("probe-fortinet", Category::FortiosSslvpn),
        ("probe-vcs-build-artefacts", Category::CredentialProbe),
        ("probe-framework-logs", Category::CredentialProbe),
    ] {
        let rule = rules.rule(id).unwrap_or_else(|| panic!("no rule {id}"));
        assert_eq!(rule.category, category, "{id}");
        assert!(rule.tags.iter().any(|t| t == PROBE_TAG), "{id}");
        assert!(rule.file.starts_with("rules/probes/"), "{}", rule.file);
        let doc = rule.doc_markdown();
        assert!(doc.contains("### References"), "{id}: {doc}");
    }
}

#[test]
fn a_listed_path_is_a_probe_only_when_the_site_does_not_have_it() {
    let rules = builtin();
    // (target, status, probe rules expected)
    let table: &[(&str, u16, &[&str])] = &[
        ("/wp-admin/", 404, &["probe-wordpress"]),
        ("/wp-admin/", 410, &["probe-wordpress"]),
        ("/wp-admin/", 403, &["probe-wordpress"]),
        ("/wp-admin/", 200, &[]),
        ("/wp-admin/", 302, &[]),
        ("/wp-admin/", 500, &[]),
        ("/blog/wp-admin/", 404, &["probe-wordpress"]),
        ("/wordpress/wp-admin", 404, &["probe-wordpress"]),
        ("/wp/wp-admin/", 404, &["probe-wordpress"]),
        ("/wp-login.php?action=register", 404, &["probe-wordpress"]),
        ("/WP-Login.PHP", 404, &["probe-wordpress"]),
        ("/%77p-login.php", 404, &["probe-wordpress"]),
        ("//blog/./wp-login.php", 404, &["probe-wordpress"]),
        ("/wp-content/themes/a/style.css", 404, &[]),
        ("/administrator/", 404, &["probe-joomla"]),
        ("/administrator/index.php", 404, &["probe-joomla"]),
        ("/admin.php", 404, &["probe-admin-login"]),
        ("/admin", 404, &["probe-admin-login"]),
        ("/admin/", 404, &["probe-admin-login"]),
        // A generic folder is listed as itself, not as a subtree.
        ("/admin/images/logo.png", 404, &[]),
        ("/phpMyAdmin/index.php", 404, &["probe-admin-login"]),
        ("/user/register", 404, &["probe-drupal"]),
        ("/node/add/blog", 404, &["probe-drupal"]),
        // Never probes, whatever the status.
        ("/favicon.ico", 404, &[]),
        ("/robots.txt", 404, &[]),
        ("/apple-touch-icon-precomposed.png", 404, &[]),
        ("/browserconfig.xml", 404, &[]),
        ("/blog/geekery/some-article.html", 404, &[]),
    ];
    let mut wrong = Vec::new();
    for (target, status, want) in table {
        let got = probes_of(&rules, target, *status);
        if got != *want {
            wrong.push(format!("{target} → {status}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn product_consoles_and_developer_artefacts_are_probes_when_missing() {
    let rules = builtin();
    let table: &[(&str, &str)] = &[
        // Oracle E-Business Suite, APEX/ORDS, Access Manager, WebLogic.
        ("/OA_HTML/AppsLocalLogin.jsp", "probe-oracle-consoles"),
        ("/OA_HTML/RF.jsp", "probe-oracle-consoles"),
        ("/apex/f?p=4550:1", "probe-oracle-consoles"),
        ("/ords/apex_admin", "probe-oracle-consoles"),
        (
            "/oam/server/opensso/sessionservice",
            "probe-oracle-consoles",
        ),
        ("/oamconsole/", "probe-oracle-consoles"),
        ("/console/login/LoginForm.jsp", "probe-oracle-consoles"),
        ("/wls-wsat/CoordinatorPortType", "probe-oracle-consoles"),
        // Exchange and SharePoint.
        ("/owa/auth/logon.aspx", "probe-exchange-sharepoint"),
        ("/ecp/", "probe-exchange-sharepoint"),
        (
            "/autodiscover/autodiscover.json",
            "probe-exchange-sharepoint",
        ),
        ("/_layouts/15/ToolPane.aspx", "probe-exchange-sharepoint"),
        ("/_vti_bin/client.svc", "probe-exchange-sharepoint"),
        // FortiGate.
        ("/remote/login?lang=en", "probe-fortinet"),
        ("/remote/fgt_lang", "probe-fortinet"),
        ("/api/v2/cmdb/system/admin/admin", "probe-fortinet"),
        // IIS.
        ("/iisadmpwd/aexp2.htr", "probe-iis-admin"),
        ("/app/trace.axd", "probe-iis-admin"),
        // Version control, build and deployment files.
        ("/.git/HEAD", "probe-vcs-build-artefacts"),
        ("/static/.git/config", "probe-vcs-build-artefacts"),
        ("/.svn/entries", "probe-vcs-build-artefacts"),
        ("/.env", "probe-vcs-build-artefacts"),
        ("/api/.env", "probe-vcs-build-artefacts"),
        ("/composer.json", "probe-vcs-build-artefacts"),
        ("/package.json", "probe-vcs-build-artefacts"),
        ("/Dockerfile", "probe-vcs-build-artefacts"),
        ("/.DS_Store", "probe-vcs-build-artefacts"),
        // Framework logs and debug endpoints.
        ("/storage/logs/laravel.log", "probe-framework-logs"),
        ("/app/storage/logs/laravel.log", "probe-framework-logs"),
        ("/var/log/prod.log", "probe-framework-logs"),
        ("/actuator/env", "probe-framework-logs"),
        ("/_ignition/execute-solution", "probe-framework-logs"),
        // Upload components, relative to a page.
        (
            "/blog/a.html/admin/FCKeditor/editor/fckeditor.html",
            "probe-web-editors",
        ),
        ("/install.php", "probe-installers"),
    ];
    let mut wrong = Vec::new();
    for (target, id) in table {
        let got = probes_of(&rules, target, 404);
        if !got.iter().any(|g| g == id) {
            wrong.push(format!("{target} → 404: got {got:?}, want {id}"));
        }
        let served = probes_of(&rules, target, 200);
        if !served.is_empty() {
            wrong.push(format!("{target} → 200 (served): got {served:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_four_entry_forms_match_what_the_format_says() {
    let text = "# title: t\n# category: scanner\n# severity: low\n# why: w\n\
                # source: a test list written for this test\n\
                /exact.php\n/dir/\n/tree/*\n*/name.html\n*/folder/\n";
    let (rules, warnings) = rules_of(&[("probes/forms.txt", text)]);
    assert!(warnings.is_empty(), "{warnings:?}");
    let rules = RuleSet::from_rules(rules).expect("compiles");
    let table: &[(&str, bool)] = &[
        ("/exact.php", true),
        ("/exact.php/", false),
        ("/x/exact.php", false),
        ("/dir", true),
        ("/dir/", true),
        ("/dir/file", false),
        ("/tree", true),
        ("/tree/", true),
        ("/tree/a/b.txt", true),
        ("/treehouse", false),
        ("/name.html", true),
        ("/a/b/name.html", true),
        ("/a/surname.html", false),
        ("/folder", true),
        ("/a/folder/", true),
        ("/a/folder/x", false),
    ];
    for (target, want) in table {
        let got = !probes_of(&rules, target, 404).is_empty();
        assert_eq!(got, *want, "{target}");
    }
}

#[test]
fn a_list_without_provenance_or_with_a_bad_entry_does_not_load() {
    let no_source = "# title: t\n# category: scanner\n# severity: low\n# why: w\n/x\n";
    let (rules, warnings) = rules_of(&[("probes/a.txt", no_source)]);
    assert!(rules.is_empty());
    assert!(warnings[0].message.contains("source"), "{warnings:?}");

    let header = "# title: t\n# category: scanner\n# severity: low\n# why: w\n# source: s\n";
    for (entry, says) in [
        ("/Admin.php", "lowercase"),
        ("/a?b=1", "query"),
        ("admin.php", "write /path"),
        ("*/x/*", "write /path"),
        ("/a//b", "normalised"),
        ("/a/../b", "normalised"),
        ("/x\n/x", "duplicate"),
    ] {
        let (rules, warnings) = rules_of(&[("probes/b.txt", &format!("{header}{entry}\n"))]);
        assert!(rules.is_empty(), "{entry}");
        let w = warnings.first().map(|w| w.to_string()).unwrap_or_default();
        assert!(w.contains(says), "{entry}: {w}");
        assert!(w.contains("rules/probes/b.txt:"), "{entry}: {w}");
    }
    let (_, warnings) = rules_of(&[("probes/Bad Name.txt", &format!("{header}/x\n"))]);
    assert!(!warnings.is_empty());
    let (_, warnings) = rules_of(&[(
        "probes/c.txt",
        &header.replace("scanner", "no_such_category"),
    )]);
    assert!(
        warnings
            .iter()
            .any(|w| w.message.contains("unknown category")),
        "{warnings:?}"
    );
}

#[test]
fn explain_names_the_path_and_the_status() {
    let rules = builtin();
    let mut m = rules.matcher();
    let hits = m.explain(&request("/blog/wp-admin/", 404));
    let probe: Vec<_> = hits
        .iter()
        .filter(|h| h.rule_id == "probe-wordpress")
        .collect();
    assert!(
        probe
            .iter()
            .any(|h| h.zone == Zone::Path && h.matched == "/wp-admin/"),
        "{hits:?}"
    );
    assert!(
        probe
            .iter()
            .any(|h| h.zone == Zone::Status && h.matched == "404"),
        "{hits:?}"
    );
}
