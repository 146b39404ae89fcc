//! The WAF chapter's distributed-probes table: probe detections grouped into campaigns,
//! the sites' own paths left out.

use chrono::NaiveDate;
use kansoku_event::HttpRequest;
use kansoku_lake::Lake;
use kansoku_report::Lang;
use kansoku_report::model::{Block, Note, Table, Text, Value};

use crate::lake::{TENANT, blocks, report, section, tokyo, write_http};

fn day(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).expect("date") + chrono::Days::new(i)
}

fn request(ts: i64, ip: &str, host: &str, path: &str, status: u16, list: &str) -> HttpRequest {
    let probe = !list.is_empty();
    HttpRequest {
        ts,
        tenant: TENANT.into(),
        src_ip: Some(ip.into()),
        host: Some(host.into()),
        path: Some(path.into()),
        status: Some(status),
        rule_ids: if probe { vec![list.into()] } else { Vec::new() },
        categories: if probe {
            vec!["credential_probe".into()]
        } else {
            Vec::new()
        },
        source: "access.log".into(),
        ..HttpRequest::default()
    }
}

/// `www`: eight addresses ask once each for WordPress paths, one scanner asks 40 times,
/// three addresses ask for Joomla's login (too few). `shop`: six addresses ask for
/// /admin.php, which the shop serves (200) to one customer: its own page.
fn fill(lake: &Lake) {
    let www = "www.example.jp";
    let shop = "shop.example.jp";
    let mut rows = Vec::new();
    for i in 0..8u32 {
        let path = if i % 2 == 0 {
            "/wp-admin/"
        } else {
            "/blog/wp-login.php"
        };
        rows.push(request(
            tokyo(day(u64::from(i)), 3, i),
            &format!("198.51.100.{i}"),
            www,
            path,
            404,
            "probe-wordpress",
        ));
    }
    for i in 0..40u32 {
        rows.push(request(
            tokyo(day(9), 4, i),
            "203.0.113.66",
            www,
            "/wp-admin/install.php",
            404,
            "probe-wordpress",
        ));
    }
    for i in 0..3u32 {
        rows.push(request(
            tokyo(day(10), 5, i),
            &format!("192.0.2.{i}"),
            www,
            "/administrator/",
            404,
            "probe-joomla",
        ));
    }
    for i in 0..6u32 {
        rows.push(request(
            tokyo(day(11), 6, i),
            &format!("198.51.100.{}", 100 + i),
            shop,
            "/admin.php",
            404,
            "probe-admin-login",
        ));
    }
    rows.push(request(
        tokyo(day(12), 7, 0),
        "192.0.2.200",
        shop,
        "/Admin.php",
        200,
        "",
    ));
    // Benign traffic.
    for i in 0..20u32 {
        rows.push(request(
            tokyo(day(13), 8, i),
            "192.0.2.50",
            www,
            "/",
            200,
            "",
        ));
    }
    write_http(lake, "batch-1", &rows);
}

#[test]
fn many_addresses_asking_once_are_one_campaign_and_served_paths_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    fill(&lake);
    let report = report(&lake, day(0), day(30), Lang::En);
    let s = section(&report, "probes");
    assert_eq!(s.title, Text::label("section.probes"));

    let notes: Vec<&Note> = blocks(s, |b| match b {
        Block::Note(n) => Some(n),
        _ => None,
    });
    let Text::Template { key, args } = &notes[0].paragraphs[0] else {
        panic!("summary template");
    };
    assert_eq!(key, "probes.summary");
    // 8 + 40 + 3 on www; the shop's six are its own page.
    assert_eq!(args["requests"], Value::Count(51));
    assert_eq!(args["sources"], Value::Count(12));

    let tables: Vec<&Table> = blocks(s, |b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    assert_eq!(tables.len(), 1);
    let rows = &tables[0].rows;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row[0], Value::Code("probe-wordpress".into()));
    assert_eq!(row[1], Value::Code("www.example.jp".into()));
    // The scanner's 40 requests are not part of the distributed campaign.
    assert_eq!(row[2], Value::Count(8));
    assert_eq!(row[3], Value::Count(8));
    assert_eq!(row[4], Value::Code("/blog/wp-login.php, /wp-admin/".into()));
    assert_eq!(row[5], Value::Text("404".into()));
    assert_eq!(row[6], Value::Time(tokyo(day(0), 3, 0)));
    assert_eq!(row[7], Value::Time(tokyo(day(7), 3, 7)));
    assert!(tables[0].queries[0].contains("starts_with(rule, 'probe-')"));
}

#[test]
fn without_campaigns_the_section_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    write_http(
        &lake,
        "batch-1",
        &[request(
            tokyo(day(1), 1, 0),
            "192.0.2.1",
            "www.example.jp",
            "/.git/HEAD",
            404,
            "probe-vcs-build-artefacts",
        )],
    );
    let report = report(&lake, day(0), day(30), Lang::Ja);
    let s = section(&report, "probes");
    assert!(s.blocks.iter().all(|b| !matches!(b, Block::Table(_))));
    let Block::Note(note) = &s.blocks[0] else {
        panic!("a note");
    };
    let Text::Template { key, .. } = &note.paragraphs[1] else {
        panic!("template");
    };
    assert_eq!(key, "probes.none");
}
