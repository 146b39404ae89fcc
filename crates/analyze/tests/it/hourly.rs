//! Section 1: episodes explained from one grouped query for all of them, each told with
//! its own rows only, and the other bursts named by their main source.

use chrono::NaiveDate;
use kansoku_event::HttpRequest;
use kansoku_lake::Lake;
use kansoku_report::Lang;
use kansoku_report::model::{Block, HourlyDetections, NamedCount};

use crate::lake::{blocks, report, section, tokyo, write_http};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, d).expect("date")
}

/// `n` attacks one second apart from `at`.
fn burst(
    at: i64,
    n: i64,
    tenant: &str,
    ip: &str,
    path: &str,
    cats: &[&str],
    tool: Option<&str>,
) -> Vec<HttpRequest> {
    (0..n)
        .map(|i| HttpRequest {
            ts: at + i * 1_000_000,
            tenant: tenant.into(),
            src_ip: Some(ip.into()),
            path: Some(path.into()),
            categories: cats.iter().map(|c| (*c).to_string()).collect(),
            rule_ids: cats.iter().map(|c| format!("{c}-1")).collect(),
            tool: tool.map(str::to_string),
            source: "access.log".into(),
            ..HttpRequest::default()
        })
        .collect()
}

fn named(list: &[NamedCount]) -> Vec<(&str, u64)> {
    list.iter().map(|n| (n.name.as_str(), n.count)).collect()
}

#[test]
fn each_explained_episode_is_told_from_its_own_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    let a = tokyo(day(10), 13, 0);
    let b = tokyo(day(20), 3, 0);
    let mut rows = Vec::new();
    // Episode A, two tenants: 200 SQLi by sqlmap, then 100 scanner+SQLi an hour later.
    rows.extend(burst(
        a,
        200,
        "corp",
        "198.51.100.1",
        "/login",
        &["sqli"],
        Some("sqlmap"),
    ));
    let shop = &["scanner", "sqli"];
    rows.extend(burst(
        a + 3_600_000_000,
        100,
        "shop",
        "198.51.100.2",
        "/admin",
        shop,
        None,
    ));
    // Episode B: 120 credential probes by hydra.
    let creds = &["credential_probe"];
    rows.extend(burst(
        b,
        120,
        "corp",
        "198.51.100.3",
        "/wp-login.php",
        creds,
        Some("hydra"),
    ));
    // Two small scans, listed among the other bursts.
    for (d, n, ip) in [
        (5, 40, "203.0.113.40"),
        (25, 30, "203.0.113.30"),
        (15, 60, "203.0.113.60"),
    ] {
        rows.extend(burst(
            tokyo(day(d), 9, 0),
            n,
            "corp",
            ip,
            "/",
            &["xss"],
            None,
        ));
    }
    write_http(&lake, "batch-1", &rows);

    let r = report(&lake, day(1), day(31), Lang::En);
    let h: Vec<&HourlyDetections> = blocks(section(&r, "hourly"), |b| match b {
        Block::HourlyDetections(h) => Some(h),
        _ => None,
    });
    let h = h[0];
    assert_eq!(h.spikes.len(), 3);
    let (sa, sb) = (&h.spikes[0], &h.spikes[1]);
    assert_eq!((sa.start, sa.end), (a, a + 2 * 3_600_000_000));
    let tenants: Vec<(&str, f64)> = sa
        .tenants
        .iter()
        .map(|t| (t.name.as_str(), t.share))
        .collect();
    assert_eq!(tenants, [("corp", 2.0 / 3.0), ("shop", 1.0 / 3.0)]);
    assert_eq!(named(&sa.categories), [("sqli", 300), ("scanner", 100)]);
    assert_eq!(named(&sa.tools), [("sqlmap", 200)]);
    assert_eq!(
        named(&sa.top_sources),
        [("198.51.100.1", 200), ("198.51.100.2", 100)]
    );
    assert_eq!(named(&sa.top_paths), [("/login", 200), ("/admin", 100)]);
    assert_eq!(
        (sa.first_seen, sa.last_seen),
        (a, a + 3_600_000_000 + 99_000_000)
    );
    // Episode B holds none of A's rows, though both came from the same query.
    assert_eq!(named(&sb.categories), [("credential_probe", 120)]);
    assert_eq!(named(&sb.tools), [("hydra", 120)]);
    assert_eq!(named(&sb.top_sources), [("198.51.100.3", 120)]);
    assert_eq!(named(&sb.top_paths), [("/wp-login.php", 120)]);
    assert_eq!((sb.first_seen, sb.last_seen), (b, b + 119_000_000));
    assert_eq!(named(&h.spikes[2].top_sources), [("203.0.113.60", 60)]);
    let others: Vec<(Option<&str>, Option<&str>)> = h
        .other_bursts
        .iter()
        .map(|o| (o.main_source.as_deref(), o.main_category.as_deref()))
        .collect();
    assert_eq!(
        others,
        [
            (Some("203.0.113.40"), Some("xss")),
            (Some("203.0.113.30"), Some("xss"))
        ]
    );
}
