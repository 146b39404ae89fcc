//! `labels.tsv` is the ground truth for evaluation: each row must point at the line it
//! describes, and every attack line must have a row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::{SMALL, combined, lines, small_dataset};

struct Row {
    file: String,
    line: usize,
    category: String,
    src_ip: String,
}

fn rows(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("labels.tsv")).expect("labels.tsv");
    let mut it = text.lines();
    assert_eq!(it.next(), Some("file\tline\tcategory\tsrc_ip"));
    it.map(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 4, "{l}");
        Row {
            file: f[0].into(),
            line: f[1].parse().expect("line number"),
            category: f[2].into(),
            src_ip: f[3].into(),
        }
    })
    .collect()
}

/// Source address and the text a detector would read, for any web or WAF line.
fn source_of(format: &str, line: &str) -> String {
    match format {
        "combined" => combined(line).expect("combined").ip,
        "modsec-json" => {
            let v: Value = serde_json::from_str(line).expect("json");
            v["transaction"]["client_ip"].as_str().expect("ip").into()
        }
        _ => {
            let v: Value = serde_json::from_str(line).expect("json");
            v["httpRequest"]["clientIp"].as_str().expect("ip").into()
        }
    }
}

#[test]
fn every_label_points_at_its_line_and_every_attack_line_is_labelled() {
    let (dir, manifest) = small_dataset(21, SMALL);
    let labels = rows(dir.path());
    assert!(labels.len() > 500, "{} labels", labels.len());
    let mut by_file: BTreeMap<&str, BTreeMap<usize, &Row>> = BTreeMap::new();
    for r in &labels {
        assert!(
            kansoku_event::Category::from_id(&r.category).is_some(),
            "{}",
            r.category
        );
        by_file.entry(&r.file).or_default().insert(r.line, r);
    }
    for f in manifest
        .files
        .iter()
        .filter(|f| ["combined", "modsec-json", "aws-waf"].contains(&f.format.as_str()))
    {
        let name = f.path.to_str().expect("UTF-8");
        let file_labels = by_file.remove(name).unwrap_or_default();
        for (i, line) in lines(dir.path(), &f.path).iter().enumerate() {
            let src = source_of(&f.format, line);
            // Visitors come from 100.64.0.0/10 and attackers from documentation ranges,
            // so the address alone says whether a line must carry a label.
            let attacker = !src.starts_with("100.");
            match file_labels.get(&(i + 1)) {
                Some(row) => assert_eq!(row.src_ip, src, "{name}:{}", i + 1),
                None => assert!(!attacker, "{name}:{} unlabelled attack: {line}", i + 1),
            }
            if let Some(row) = file_labels.get(&(i + 1)) {
                check_category(&row.category, line);
            }
        }
        assert!(
            file_labels.keys().all(|n| *n as u64 <= f.lines),
            "{name}: label past the end"
        );
    }
    assert!(
        by_file.is_empty(),
        "labels for unknown files: {:?}",
        by_file.keys()
    );
}

/// The category is visible in the line itself, as a detector would see it.
fn check_category(category: &str, line: &str) {
    let l = line.to_lowercase();
    let ok = match category {
        "log4shell" => l.contains("${") || l.contains("%24%7b"),
        "fortios_sslvpn" => l.contains("/remote/"),
        "wordpress_config" => l.contains("wp-"),
        "scanner" => true,
        "sqli" => ["select", "or", "and", "sleep", "waitfor", "'", "%27", "--"]
            .iter()
            .any(|n| l.contains(n)),
        _ => true,
    };
    assert!(ok, "{category}: {line}");
}

#[test]
fn labels_cover_the_categories_of_the_report() {
    let (dir, _) = small_dataset(21, 0.2);
    let cats: BTreeSet<String> = rows(dir.path()).into_iter().map(|r| r.category).collect();
    for c in [
        "sqli",
        "log4shell",
        "scanner",
        "admin_iis",
        "admin_oracle",
        "credential_probe",
        "fortios_sslvpn",
        "wordpress_config",
        "xss",
        "path_traversal",
        "rce",
        "webshell",
    ] {
        assert!(cats.contains(c), "no {c} in {cats:?}");
    }
}
