//! `kansoku intel`: export → import round trips that mark exactly the exported
//! sources, time-aware matching of blocklists, the privacy of default exports, and the
//! report's line on attacks from sources already known to others.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;

const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0";

/// A log of one tenant (`acmeshop`, by file) with attacks from public, private and
/// internal addresses, a path naming the tenant, a benign client, and one attack after
/// the exported period.
fn attack_log() -> String {
    let line = |ip: &str, t: &str, path: &str, ua: &str| {
        format!("{ip} - - [{t} +0000] \"GET {path} HTTP/1.1\" 404 0 \"-\" \"{ua}\"\n")
    };
    let mut s = String::new();
    s += &line("198.51.100.20", "16/Sep/2026:00:59:00", "/index.html", UA);
    s += &line(
        "198.51.100.7",
        "16/Sep/2026:01:00:00",
        "/item?id=1%27%20UNION%20SELECT%20password%20FROM%20users--",
        UA,
    );
    s += &line("198.51.100.7", "16/Sep/2026:01:05:00", "/.env", UA);
    s += &line(
        "203.0.113.9",
        "16/Sep/2026:02:00:00",
        "/.git/config",
        "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)",
    );
    s += &line(
        "2001:db8::77",
        "16/Sep/2026:03:00:00",
        "/wp-config.php.bak",
        UA,
    );
    s += &line(
        "198.51.100.8",
        "17/Sep/2026:04:00:00",
        "/acmeshop-backup/.env",
        UA,
    );
    s += &line("10.0.0.5", "17/Sep/2026:05:00:00", "/.env", UA);
    s += &line("192.0.2.50", "17/Sep/2026:06:00:00", "/.git/config", UA);
    s += &line("198.51.100.20", "17/Sep/2026:07:00:00", "/about.html", UA);
    s += &line("198.51.100.99", "20/Sep/2026:01:00:00", "/.env", UA);
    s
}

/// The sources an export with default options must contain (and nothing else).
const EXPORTED: &[&str] = &[
    "198.51.100.7",
    "198.51.100.8",
    "203.0.113.9",
    "2001:db8::77",
];

struct Lab {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
    log: PathBuf,
}

impl Lab {
    fn new() -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let log = write(&root, "access.log", &attack_log());
        let config = write(
            &root,
            "kansoku.toml",
            "[[tenant]]\nname = \"acmeshop\"\nhosts = [\"shop.example.jp\"]\nfiles = [\"*access.log\"]\n\n[network]\ninternal = [\"192.0.2.0/24\"]\n\n[report]\norganisation = \"Example CSIRT\"\n",
        );
        Lab {
            _dir: dir,
            root,
            config,
            log,
        }
    }

    /// Runs kansoku with this lab's configuration and the data folder `data`.
    fn run(&self, data: &str, args: &[&str]) -> std::process::Output {
        kansoku()
            .arg("--config")
            .arg(&self.config)
            .arg("--data")
            .arg(self.root.join(data))
            .args(args)
            .output()
            .expect("kansoku runs")
    }

    fn ok(&self, data: &str, args: &[&str]) -> String {
        let out = self.run(data, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    fn ingest(&self, data: &str) {
        self.ok(data, &["ingest", &self.log.display().to_string()]);
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }

    /// Source addresses `intel matches` reports for the whole log.
    fn matched(&self, data: &str) -> (BTreeSet<String>, serde_json::Value) {
        let matches = |format: &str| {
            self.ok(
                data,
                &[
                    "intel",
                    "matches",
                    "--from",
                    "2026-09-01",
                    "--to",
                    "2026-09-30",
                    "--format",
                    format,
                ],
            )
        };
        let text = matches("json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let ips: BTreeSet<String> = v["matches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["src_ip"].as_str().map(str::to_string))
            .collect();
        // The CSV form lists the same sources (every listing comes in four formats).
        let csv = matches("csv");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("table,src_ip,rows,attacks,lists"),
            "{csv}"
        );
        let csv_ips: BTreeSet<String> = lines
            .filter_map(|l| l.split(',').nth(1).map(str::to_string))
            .collect();
        assert_eq!(csv_ips, ips, "{csv}");
        (ips, v)
    }
}

fn set(ips: &[&str]) -> BTreeSet<String> {
    ips.iter().map(|s| s.to_string()).collect()
}

/// The addresses of a STIX bundle's ipv4-addr/ipv6-addr objects.
fn stix_sources(path: &Path) -> BTreeSet<String> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("bundle")).expect("JSON");
    v["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["type"] == "ipv4-addr" || o["type"] == "ipv6-addr")
        .filter_map(|o| o["value"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn stix_round_trip_marks_exactly_the_exported_sources() {
    let lab = Lab::new();
    lab.ingest("a");
    let bundle = lab.path("sep.stix.json");
    lab.ok(
        "a",
        &[
            "intel",
            "export",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-17",
            "--out",
            &bundle,
        ],
    );
    let exported = stix_sources(Path::new(&bundle));
    assert_eq!(exported, set(EXPORTED));

    // A fresh lake with the same log: before the import nothing is marked.
    lab.ingest("b");
    assert!(lab.matched("b").0.is_empty());
    let out = lab.ok("b", &["intel", "import", &bundle, "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(summary[0]["added"], 4, "{out}");
    assert_eq!(summary[0]["lists"][0], "Example CSIRT");
    let (marked, v) = lab.matched("b");
    assert_eq!(marked, exported);
    // 198.51.100.99 attacked after the exported period: not a source of the export.
    assert!(!marked.contains("198.51.100.99"));
    assert_eq!(v["known_attacks"]["known"], 5, "{v}");
    assert_eq!(v["known_attacks"]["attacks"], 8, "{v}");
    // Importing again adds nothing.
    let again: serde_json::Value =
        serde_json::from_str(&lab.ok("b", &["intel", "import", &bundle, "--json"])).expect("JSON");
    assert_eq!(
        (again[0]["added"].as_u64(), again[0]["known"].as_u64()),
        (Some(0), Some(4))
    );

    // The same lake works too.
    lab.ok("a", &["intel", "import", &bundle]);
    assert_eq!(lab.matched("a").0, exported);
}

#[test]
fn misp_feed_round_trip_and_layout() {
    let lab = Lab::new();
    lab.ingest("a");
    let feed = lab.path("feed");
    lab.ok(
        "a",
        &[
            "intel",
            "export",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-17",
            "--format",
            "misp",
            "--out",
            &feed,
        ],
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(&feed).join("manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    let uuid = manifest
        .as_object()
        .and_then(|m| m.keys().next().cloned())
        .expect("one event");
    assert_eq!(manifest[&uuid]["Tag"][0]["name"], "tlp:amber");
    let event: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(&feed).join(format!("{uuid}.json"))).expect("event"),
    )
    .expect("JSON");
    let ips: BTreeSet<String> = event["Event"]["Attribute"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["type"] == "ip-src")
        .filter_map(|a| a["value"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ips, set(EXPORTED));
    let hashes = std::fs::read_to_string(Path::new(&feed).join("hashes.csv")).expect("hashes");
    // md5("198.51.100.7")
    assert!(
        hashes.lines().any(|l| l.ends_with(&format!(",{uuid}"))),
        "{hashes}"
    );
    lab.ingest("b");
    lab.ok("b", &["intel", "import", &feed]);
    assert_eq!(lab.matched("b").0, set(EXPORTED));
}

#[test]
fn blocklists_count_only_while_valid() {
    let lab = Lab::new();
    lab.ingest("a");
    let list = write(
        &lab.root,
        "drop.txt",
        "; partner list\n198.51.100.0/24 ; SBL1\n203.0.113.9\nnot-an-address\n",
    );
    let list = list.display().to_string();
    // Valid from the 17th: 198.51.100.7 attacked only on the 16th; 198.51.100.8 on the 17th.
    let out = lab.run(
        "a",
        &[
            "intel",
            "import",
            &list,
            "--name",
            "partner",
            "--valid-from",
            "2026-09-17",
            "--expires",
            "2026-09-18",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "a malformed line: {}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("drop.txt:4"), "{}", stdout(&out));
    let (marked, _) = lab.matched("a");
    assert_eq!(marked, set(&["198.51.100.20", "198.51.100.8"]));
    // The 20th is after the expiry: 198.51.100.99 is not marked.
    let missing = lab.run("a", &["intel", "import", &list]);
    assert!(
        !missing.status.success(),
        "a blocklist without --name is refused"
    );
    assert!(stderr(&missing).contains("--name"), "{}", stderr(&missing));
}

#[test]
fn default_exports_hold_no_tenant_names_or_internal_addresses() {
    let lab = Lab::new();
    lab.ingest("a");
    let period = ["--from", "2026-09-16", "--to", "2026-09-17"];
    let private = ["acmeshop", "shop.example.jp", "10.0.0.5", "192.0.2.50"];
    let mut files = Vec::new();
    for (format, name) in [
        ("stix", "x.json"),
        ("csv", "x.csv"),
        ("ndjson", "x.ndjson"),
        ("misp", "feed"),
    ] {
        let out = lab.path(name);
        let mut args = vec!["intel", "export", "--format", format, "--out", &out];
        args.extend(period);
        let o = lab.run("a", &args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("withheld"), "{}", stderr(&o));
        files.push(PathBuf::from(out));
    }
    let mut texts = Vec::new();
    for f in &files {
        if f.is_dir() {
            for e in std::fs::read_dir(f).expect("feed") {
                texts.push(std::fs::read_to_string(e.expect("entry").path()).expect("text"));
            }
        } else {
            texts.push(std::fs::read_to_string(f).expect("text"));
        }
    }
    for t in &texts {
        for p in private {
            assert!(!t.to_lowercase().contains(p), "{p} leaked into an export");
        }
    }
    // hashes.csv and manifest.json name no addresses; the stix, csv, ndjson and event
    // files each carry the public source.
    assert!(
        texts.iter().filter(|t| t.contains("198.51.100.7")).count() >= 4,
        "the public source is exported"
    );
    // The filter is what keeps them out: with --include-private they are there.
    let all = lab.path("all.json");
    let mut args = vec!["intel", "export", "--include-private", "--out", &all];
    args.extend(period);
    lab.ok("a", &args);
    let all = std::fs::read_to_string(&all).expect("bundle");
    assert!(
        all.contains("10.0.0.5") && all.contains("192.0.2.50") && all.contains("acmeshop-backup")
    );
}

#[test]
fn stix_export_has_the_markings_and_objects_of_the_issue() {
    let lab = Lab::new();
    lab.ingest("a");
    let bundle = lab.path("red.json");
    lab.ok(
        "a",
        &[
            "intel",
            "export",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-17",
            "--tlp",
            "red",
            "--out",
            &bundle,
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("bundle")).expect("JSON");
    let objects = v["objects"].as_array().expect("objects");
    let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["type"].as_str()).collect();
    for k in [
        "identity",
        "indicator",
        "observed-data",
        "sighting",
        "marking-definition",
    ] {
        assert!(kinds.contains(k), "{k} in {kinds:?}");
    }
    let red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
    assert!(objects.iter().any(|o| o["id"] == red));
    assert!(
        objects
            .iter()
            .filter(|o| o["type"] == "indicator")
            .all(|o| o["object_marking_refs"][0] == red)
    );
    let nikto = objects.iter().find(|o| {
        o["type"] == "indicator" && o["pattern"].as_str().is_some_and(|p| p.contains("Nikto"))
    });
    assert!(nikto.is_some(), "the Nikto user agent is an indicator");
    // Same period, same ids.
    let again = lab.path("again.json");
    lab.ok(
        "a",
        &[
            "intel",
            "export",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-17",
            "--tlp",
            "red",
            "--out",
            &again,
        ],
    );
    let w: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&again).expect("bundle")).expect("JSON");
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(ids(&v), ids(&w));
}

#[test]
fn report_says_how_many_attacks_came_from_known_sources() {
    let lab = Lab::new();
    lab.ingest("a");
    let list = write(&lab.root, "known.txt", "198.51.100.7\n")
        .display()
        .to_string();
    lab.ok(
        "a",
        &[
            "intel",
            "import",
            &list,
            "--name",
            "partner",
            "--valid-from",
            "2026-09-01",
        ],
    );
    let md = lab.path("r.md");
    lab.ok(
        "a",
        &[
            "report",
            "--from",
            "2026-09-16",
            "--to",
            "2026-09-17",
            "--lang",
            "en",
            "--tz",
            "UTC",
            "--format",
            "md",
            "--out",
            &md,
        ],
    );
    let text = std::fs::read_to_string(&md).expect("report");
    assert!(
        text.contains("2 of 7 attacks"),
        "{}",
        text.lines()
            .filter(|l| l.contains("attacks"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(text.contains("partner"));
}
