//! Each file is in the format the manifest names, readable by an independent reader,
//! and the notes say what the data is.

use std::collections::{BTreeMap, BTreeSet};

use kansoku_demo::DemoManifest;
use serde_json::Value;

use crate::support::{SMALL, combined, lines, small_dataset};

#[test]
fn combined_logs_parse_line_by_line_in_local_time() {
    let (dir, manifest) = small_dataset(11, SMALL);
    let combined_files: Vec<_> = manifest
        .files
        .iter()
        .filter(|f| f.format == "combined")
        .collect();
    assert_eq!(combined_files.len(), 6, "two tenants × three months");
    assert!(combined_files.iter().any(|f| f.gzip) && combined_files.iter().any(|f| !f.gzip));
    for f in combined_files {
        let all = lines(dir.path(), &f.path);
        assert_eq!(all.len() as u64, f.lines);
        for (i, line) in all.iter().enumerate() {
            let c = combined(line).unwrap_or_else(|| {
                panic!("{}:{} is not combined: {line}", f.path.display(), i + 1)
            });
            assert!(c.time.ends_with(" +0900"), "{line}");
        }
    }
}

#[test]
fn waf_logs_are_one_json_object_per_line() {
    let (dir, manifest) = small_dataset(11, SMALL);
    for f in manifest.files.iter().filter(|f| f.format == "modsec-json") {
        for line in lines(dir.path(), &f.path) {
            let v: Value = serde_json::from_str(&line).expect("ModSecurity JSON");
            let t = &v["transaction"];
            assert!(t["client_ip"].is_string() && t["request"]["uri"].is_string());
            assert!(t["messages"].as_array().is_some_and(|m| !m.is_empty()));
        }
    }
    let mut actions = BTreeSet::new();
    for f in manifest.files.iter().filter(|f| f.format == "aws-waf") {
        assert!(f.gzip);
        for line in lines(dir.path(), &f.path) {
            let v: Value = serde_json::from_str(&line).expect("AWS WAF JSON");
            assert!(v["timestamp"].is_i64() && v["httpRequest"]["clientIp"].is_string());
            actions.insert(v["action"].as_str().expect("action").to_string());
        }
    }
    assert_eq!(actions, BTreeSet::from(["ALLOW".into(), "BLOCK".into()]));
}

#[test]
fn firewall_logs_are_netfilter_lines_with_telnet_rising() {
    let (dir, manifest) = small_dataset(11, 0.2);
    let mut telnet_per_file = Vec::new();
    for f in manifest.files.iter().filter(|f| f.format == "netfilter") {
        let all = lines(dir.path(), &f.path);
        for line in &all {
            assert!(
                line.contains(" fw1 kernel: [") && line.contains(" IN=eth0 OUT= "),
                "{line}"
            );
            assert!(
                line.contains(" SRC=") && line.contains(" DST=192.0.2.1"),
                "{line}"
            );
            assert!(
                line.contains(" PROTO=TCP ") || line.contains(" PROTO=UDP "),
                "{line}"
            );
        }
        telnet_per_file.push(all.iter().filter(|l| l.contains(" DPT=23 ")).count());
    }
    assert_eq!(telnet_per_file.len(), 3);
    assert!(
        telnet_per_file[2] > 2 * telnet_per_file[0],
        "{telnet_per_file:?}"
    );
}

#[test]
fn leak_posts_are_ransomwatch_json_with_japanese_victims() {
    let (dir, manifest) = small_dataset(11, SMALL);
    let f = manifest
        .files
        .iter()
        .find(|f| f.format == "ransomwatch")
        .expect("posts file");
    let text = std::fs::read_to_string(dir.path().join(&f.path)).expect("read posts");
    let posts: Vec<BTreeMap<String, String>> = serde_json::from_str(&text).expect("posts.json");
    let groups: BTreeSet<&str> = posts.iter().map(|p| p["group_name"].as_str()).collect();
    assert_eq!(groups.len(), 6, "{groups:?}");
    for p in &posts {
        assert_eq!(p.len(), 3, "{p:?}");
        let d = &p["discovered"];
        chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S%.6f").expect("discovered");
    }
    assert!(posts.iter().any(|p| p["post_title"].ends_with(".co.jp")));
    assert!(posts.iter().any(|p| p["post_title"].contains("株式会社")));
}

#[test]
fn tor_lists_cover_every_day_in_tordnsel_format() {
    let (dir, manifest) = small_dataset(11, SMALL);
    let lists: Vec<_> = manifest
        .files
        .iter()
        .filter(|f| f.format == "tor-exit-addresses")
        .collect();
    assert_eq!(lists.len(), 31 + 30 + 31);
    for f in lists {
        let text = lines(dir.path(), &f.path);
        assert_eq!(text[0], "@type tordnsel 1.0");
        assert!(text[1].starts_with("Downloaded 2026-"));
        assert!(text.iter().any(|l| l.starts_with("ExitAddress 203.0.113.")));
    }
}

#[test]
fn notes_say_the_data_is_synthetic_and_give_the_seed() {
    let (dir, manifest) = small_dataset(4242, SMALL);
    let readme = std::fs::read_to_string(dir.path().join("README.txt")).expect("README");
    assert!(readme.contains("SYNTHETIC") && readme.contains("合成データ"));
    assert!(readme.contains("seed: 4242"));
    let json = std::fs::read_to_string(dir.path().join("manifest.json")).expect("manifest");
    let read: DemoManifest = serde_json::from_str(&json).expect("manifest parses");
    assert_eq!(read, manifest);
    assert!(read.synthetic);
    let tenants: BTreeSet<&str> = read.files.iter().map(|f| f.tenant.as_str()).collect();
    assert!(tenants.len() >= 4, "{tenants:?}");
}
