//! Probe lists over real log lines: the distributed CMS hunt of the elastic Apache log
//! (a checked-in excerpt, and the whole log when `../shared/data` is there).

use kansoku_detect::probes::is_probe_rule;
use kansoku_detect::{RuleSet, Windows};
use kansoku_event::HttpRequest;
use kansoku_parse::Format;

/// Requests of a combined-format log read by the production parser, `#` lines dropped,
/// each matched and passed through the windows as `kansoku eval` does.
fn matched(rules: &RuleSet, text: &str) -> Vec<HttpRequest> {
    let mut parser = Format::Combined.parser().expect("combined parser");
    let mut parsed = Vec::new();
    let lines = text.lines().filter(|l| !l.starts_with('#'));
    for (n, line) in lines.enumerate() {
        parser.feed(line.as_bytes(), n as u64 + 1, &mut parsed);
    }
    parser.finish(&mut parsed);
    let mut m = rules.matcher();
    let mut windows = Windows::new(rules);
    parsed
        .into_iter()
        .map(|p| {
            let mut req = p.record.expect("every line of the log parses");
            m.apply(&mut req);
            windows.observe(&mut req);
            req
        })
        .collect()
}

fn probe_rules(req: &HttpRequest) -> Vec<&str> {
    req.rule_ids
        .iter()
        .map(String::as_str)
        .filter(|id| is_probe_rule(id))
        .collect()
}

#[test]
fn the_elastic_excerpt_flags_every_probe_and_nothing_else() {
    let text = include_str!("../fixtures/elastic-probes.log");
    let rules = RuleSet::builtin().expect("loads");
    let requests = matched(&rules, text);
    // In fixture order; `None`: not a probe, and flagged by nothing.
    let expected: &[Option<&str>] = &[
        Some("probe-wordpress"),   // 893  /wp-login.php
        Some("probe-joomla"),      // 894  /administrator/
        Some("probe-admin-login"), // 895  /admin.php
        Some("probe-wordpress"),   // 1408 /wp-login.php?action=register
        Some("probe-drupal"),      // 1625 /node/add/blog
        Some("probe-wordpress"),   // 2170 /wordpress/wp-admin/
        Some("probe-wordpress"),   // 2192 /blog/wp-admin/
        Some("probe-wordpress"),   // 2230 /wp-admin/
        Some("probe-wordpress"),   // 2260 /wp/wp-admin/
        Some("probe-joomla"),      // 3137 /administrator/index.php
        Some("probe-drupal"),      // 3860 /user/register
        Some("probe-wordpress"),   // 5966 /wp-login.php
        Some("probe-joomla"),      // 5969 /administrator/
        Some("probe-admin-login"), // 5970 /admin.php
        Some("probe-web-editors"), // 8034 …html/fckeditor/editor/fckeditor.html
        Some("probe-web-editors"), // 8036 …html/js/fckeditor/editor/fckeditor.html
        None,                      // 475  /projects/pmbackup/ 200
        None,                      // 535  /misc/sample.log 200
        None,                      // 1034 /apple-touch-icon.png 404
        None,                      // 1481 /projects/securitrack/config.xml 404
        None,                      // 2439 /browserconfig.xml 404
        None,                      // 8686 /svnweb/xpathtool/ 403
    ];
    assert_eq!(requests.len(), expected.len());
    for (req, want) in requests.iter().zip(expected) {
        let path = req.path.as_deref().unwrap_or("");
        match want {
            Some(id) => assert_eq!(probe_rules(req), [*id], "{path}"),
            None => assert!(req.rule_ids.is_empty(), "{path}: {:?}", req.rule_ids),
        }
    }
}

/// The whole log: every request of the hunt is flagged by a probe list, and no probe
/// rule flags a request the site answered with anything but 403, 404 or 410.
#[test]
fn the_whole_elastic_log_flags_the_hunt_and_only_missing_paths() {
    let Some(path) = crate::shared_data("access-logs/elastic-apache_logs.log") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("readable");
    let rules = RuleSet::builtin().expect("loads");
    let hunted = [
        "/wp-admin/",
        "/blog/wp-admin/",
        "/wordpress/wp-admin/",
        "/wp/wp-admin/",
        "/wp-login.php",
        "/administrator/",
        "/administrator/index.php",
        "/admin.php",
        "/user/register",
        "/node/add/blog",
    ];
    let mut hunt = 0;
    let mut probes = 0;
    for req in matched(&rules, &text) {
        let path = req.path.as_deref().unwrap_or("");
        let is_probe = !probe_rules(&req).is_empty();
        probes += usize::from(is_probe);
        if hunted.contains(&path) || path.to_ascii_lowercase().contains("fckeditor") {
            hunt += 1;
            assert!(is_probe, "line {}: {path} not flagged", req.source_line);
        }
        if is_probe {
            let status = req.status.unwrap_or(0);
            assert!(
                [403, 404, 410].contains(&status),
                "line {}: {path} answered {status}",
                req.source_line
            );
        }
    }
    // 47 requests of the WordPress/Joomla/Drupal hunt and 8 FCKeditor probes.
    assert_eq!(hunt, 55);
    assert_eq!(probes, hunt, "probe lines beyond the hunt");
}
