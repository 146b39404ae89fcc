//! The planted events are where the manifest says, on the tenant it names, and stand
//! out of the background; the background leaders change from month to month.

use std::collections::{BTreeMap, BTreeSet};

use kansoku_demo::{DemoManifest, PlantedEvent};

use crate::support::{SMALL, combined, lines, small_dataset};

fn planted<'a>(m: &'a DemoManifest, kind: &str) -> &'a PlantedEvent {
    m.planted
        .iter()
        .find(|p| p.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", m.planted))
}

/// Combined-log lines of every web file, with the file's tenant.
fn web_lines(dir: &std::path::Path, m: &DemoManifest) -> Vec<(String, String)> {
    m.files
        .iter()
        .filter(|f| f.format == "combined")
        .flat_map(|f| {
            lines(dir, &f.path)
                .into_iter()
                .map(move |l| (f.tenant.clone(), l))
        })
        .collect()
}

#[test]
fn campaign_hits_only_the_shop_on_its_afternoon() {
    let (dir, m) = small_dataset(31, SMALL);
    let p = planted(&m, "sqli_log4shell_campaign");
    assert_eq!(p.tenant, "shop-example");
    assert_eq!(p.start.to_rfc3339(), "2026-09-16T13:00:00+09:00");
    assert_eq!(p.end.to_rfc3339(), "2026-09-16T15:00:00+09:00");
    assert_eq!(p.categories, ["log4shell", "sqli"]);
    assert!((3..=6).contains(&p.src_ips.len()), "{:?}", p.src_ips);
    let sources: BTreeSet<&str> = p.src_ips.iter().map(String::as_str).collect();
    let mut seen = 0;
    let mut paths = BTreeSet::new();
    for (tenant, line) in web_lines(dir.path(), &m) {
        let c = combined(&line).expect("combined");
        if sources.contains(c.ip.as_str()) {
            assert_eq!(tenant, "shop-example", "{line}");
            assert!(
                c.time.starts_with("16/Sep/2026:13:") || c.time.starts_with("16/Sep/2026:14:"),
                "{line}"
            );
            paths.insert(c.target.split('?').next().unwrap_or("").to_string());
            seen += 1;
        }
    }
    assert_eq!(seen, p.events);
    assert!(paths.len() > 20, "across many pages: {paths:?}");
}

#[test]
fn nikto_scan_hits_corp_at_night_half_with_its_own_agent() {
    let (dir, m) = small_dataset(31, SMALL);
    let p = planted(&m, "nikto_scan");
    assert_eq!(p.tenant, "corp-example");
    assert_eq!(p.start.to_rfc3339(), "2026-10-07T02:00:00+09:00");
    let ip = p.src_ips.first().expect("one scanner");
    let mut total = 0;
    let mut nikto_agent = 0;
    let mut not_found = 0;
    for (tenant, line) in web_lines(dir.path(), &m) {
        let c = combined(&line).expect("combined");
        if &c.ip == ip {
            assert_eq!(tenant, "corp-example");
            assert!(c.time.starts_with("07/Oct/2026:02:"), "{line}");
            total += 1;
            nikto_agent += usize::from(
                c.user_agent
                    .starts_with("Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:"),
            );
            not_found += usize::from(c.status == 404);
        }
    }
    assert_eq!(total, p.events);
    assert_eq!(nikto_agent as u64, total / 2);
    assert!(not_found as u64 > total * 3 / 4);
}

/// Attack lines per JST hour (`dd/Mon/yyyy:HH`) in the combined logs.
fn attacks_per_hour(dir: &std::path::Path, m: &DemoManifest) -> BTreeMap<String, usize> {
    let mut per_hour = BTreeMap::new();
    for (_, line) in web_lines(dir, m) {
        let c = combined(&line).expect("combined");
        if !c.ip.starts_with("100.") {
            *per_hour.entry(c.time[..14].to_string()).or_insert(0) += 1;
        }
    }
    per_hour
}

#[test]
fn only_the_planted_hours_stand_out() {
    let (dir, m) = small_dataset(31, 0.2);
    let per_hour = attacks_per_hour(dir.path(), &m);
    let planted_hours = ["16/Sep/2026:13", "16/Sep/2026:14", "07/Oct/2026:02"];
    let background_max = per_hour
        .iter()
        .filter(|(h, _)| !planted_hours.contains(&h.as_str()))
        .map(|(_, n)| *n)
        .max()
        .expect("background attacks");
    for h in planted_hours {
        assert!(
            per_hour[h] > 10 * background_max,
            "{h}: {} vs background max {background_max}",
            per_hour[h]
        );
    }
}

#[test]
fn monthly_leaders_differ_outside_the_planted_events() {
    let (dir, m) = small_dataset(31, 0.2);
    let planted_sources: BTreeSet<&str> = m
        .planted
        .iter()
        .flat_map(|p| p.src_ips.iter().map(String::as_str))
        .collect();
    let text = std::fs::read_to_string(dir.path().join("labels.tsv")).expect("labels");
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in text.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if planted_sources.contains(f[3]) {
            continue;
        }
        let month = f[0]
            .rsplit('-')
            .next()
            .map(|s| &s[..2])
            .expect("month in name");
        *counts
            .entry((month.to_string(), f[2].to_string()))
            .or_insert(0) += 1;
    }
    let leader = |month: &str| {
        counts
            .iter()
            .filter(|((m, _), _)| m == month)
            .max_by_key(|(_, n)| **n)
            .map(|((_, c), _)| c.clone())
            .expect("attacks in month")
    };
    assert_eq!(leader("08"), "admin_iis");
    assert_eq!(leader("09"), "admin_oracle");
    assert_eq!(leader("10"), "credential_probe");
}

#[test]
fn tor_attacks_come_from_listed_exits() {
    let (dir, m) = small_dataset(31, 0.2);
    let text = std::fs::read_to_string(dir.path().join("labels.tsv")).expect("labels");
    let tor_rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|r| r.split('\t').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| {
            f[3].strip_prefix("203.0.113.")
                .and_then(|h| h.parse::<u8>().ok())
                .is_some_and(|h| (160..224).contains(&h))
        })
        .collect();
    assert!(tor_rows.len() > 20, "{} Tor attacks", tor_rows.len());
    let cats: BTreeSet<&str> = tor_rows.iter().map(|f| f[2].as_str()).collect();
    assert_eq!(
        cats,
        BTreeSet::from(["fortios_sslvpn", "sqli", "wordpress_config"])
    );
    let mut listed = BTreeSet::new();
    for f in m.files.iter().filter(|f| f.format == "tor-exit-addresses") {
        for l in lines(dir.path(), &f.path) {
            if let Some(rest) = l.strip_prefix("ExitAddress ") {
                listed.insert(rest.split(' ').next().unwrap_or("").to_string());
            }
        }
    }
    assert!(tor_rows.iter().all(|f| listed.contains(&f[3])));
}

#[test]
fn firewall_and_leak_events_are_planted_too() {
    let (dir, m) = small_dataset(31, SMALL);
    for kind in ["telnet_rise", "ws_discovery_rise"] {
        let p = planted(&m, kind);
        assert_eq!(p.tenant, "corp-example");
        assert!(p.events > 0);
    }
    let burst = planted(&m, "leak_burst");
    let text = std::fs::read_to_string(dir.path().join("leaks/posts.json")).expect("posts");
    let posts: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    let group = &burst.categories[0];
    let (start, end) = (burst.start.naive_utc(), burst.end.naive_utc());
    let in_burst = posts
        .iter()
        .filter(|p| p["group_name"] == group.as_str())
        .filter(|p| {
            let d = chrono::NaiveDateTime::parse_from_str(
                p["discovered"].as_str().unwrap_or(""),
                "%Y-%m-%d %H:%M:%S%.6f",
            )
            .expect("time");
            d >= start && d < end
        })
        .count() as u64;
    assert!(in_burst >= burst.events, "{in_burst} posts in the burst");
    // The group's usual pace is well under one post a day.
    assert!(burst.events >= 20);
}

#[test]
fn a_short_period_plants_only_what_fits_in_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = kansoku_demo::DemoSpec {
        start: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).expect("date"),
        months: 1,
        scale: SMALL,
        ..Default::default()
    };
    let m = kansoku_demo::generate(dir.path(), &spec).expect("generate");
    let kinds: BTreeSet<&str> = m.planted.iter().map(|p| p.kind.as_str()).collect();
    assert!(!kinds.contains("sqli_log4shell_campaign") && !kinds.contains("nikto_scan"));
    assert!(
        m.files
            .iter()
            .any(|f| f.path.to_string_lossy().contains("2027-01"))
    );
    for p in &m.planted {
        assert!(p.start.date_naive() >= spec.start, "{p:?}");
        assert!(p.end.date_naive() <= chrono::NaiveDate::from_ymd_opt(2027, 2, 28).expect("date"));
    }
}
