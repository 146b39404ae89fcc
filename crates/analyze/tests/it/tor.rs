//! Section 4: attacks from Tor exit nodes per day and by category.

use chrono::NaiveDate;
use kansoku_event::HttpRequest;
use kansoku_lake::Lake;
use kansoku_report::Lang;
use kansoku_report::model::{Block, ChartData, Note, Table, Text, Tone, Value};

use crate::lake::{TENANT, blocks, report, section, tokyo, write_http};

fn day(i: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).expect("date") + chrono::Days::new(i)
}

fn attack(ts: i64, ip: &str, cats: &[&str], tor: Option<bool>) -> HttpRequest {
    HttpRequest {
        ts,
        tenant: TENANT.into(),
        src_ip: Some(ip.into()),
        path: Some("/".into()),
        categories: cats.iter().map(|c| (*c).to_string()).collect(),
        rule_ids: cats.iter().map(|c| format!("{c}-1")).collect(),
        tor_exit: tor,
        source: "access.log".into(),
        ..HttpRequest::default()
    }
}

/// 30 SQLi + 10 FortiOS attacks via Tor over two days, 60 SQLi and 20 scanner attacks
/// not via Tor, 100 benign requests, all in October (Tokyo).
fn fill(lake: &Lake, unattributed: usize) {
    let mut rows = Vec::new();
    for i in 0..30 {
        rows.push(attack(
            tokyo(day(2), 10, i),
            "185.220.101.5",
            &["sqli"],
            Some(true),
        ));
    }
    for i in 0..10 {
        // 23:30 local on day 3 is 14:30 UTC: still day 3 in Tokyo.
        let ts = tokyo(day(3), 23, 30) + i64::from(i);
        rows.push(attack(ts, "185.220.101.9", &["fortios_sslvpn"], Some(true)));
    }
    for i in 0..60 {
        rows.push(attack(
            tokyo(day(5), 9, i % 60),
            "203.0.113.7",
            &["sqli"],
            Some(false),
        ));
    }
    for i in 0..20 {
        rows.push(attack(
            tokyo(day(6), 9, i),
            "203.0.113.8",
            &["scanner"],
            Some(false),
        ));
    }
    for i in 0..unattributed {
        rows.push(attack(
            tokyo(day(7), 9, 0) + i as i64,
            "203.0.113.9",
            &["xss"],
            None,
        ));
    }
    for i in 0..100 {
        let mut benign = attack(tokyo(day(4), 12, i % 60), "192.0.2.50", &[], Some(false));
        benign.rule_ids.clear();
        rows.push(benign);
    }
    write_http(lake, "batch-1", &rows);
}

fn note(section: &kansoku_report::model::Section) -> &Note {
    blocks(section, |b| match b {
        Block::Note(n) => Some(n),
        _ => None,
    })[0]
}

#[test]
fn tor_attacks_per_day_category_and_share() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    fill(&lake, 0);
    let report = report(&lake, day(0), day(30), Lang::En);

    let daily = section(&report, "tor");
    let summary = note(daily);
    assert_eq!(summary.tone, Tone::Info);
    let Text::Template { key, args } = &summary.paragraphs[0] else {
        panic!("summary template");
    };
    assert_eq!(key, "tor.summary");
    assert_eq!(args["tor"], Value::Count(40));
    assert_eq!(args["all"], Value::Count(120));
    assert_eq!(args["share"], Value::Percent(40.0 * 100.0 / 120.0));
    assert_eq!(args["addresses"], Value::Count(2));

    let chart = blocks(daily, |b| match b {
        Block::Chart(c) => Some(c),
        _ => None,
    });
    let ChartData::DailyStacked { days, series, .. } = &chart[0].chart else {
        panic!("daily chart");
    };
    assert_eq!(days.len(), 31);
    let values = |id: &str| {
        series
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("{id}"))
            .values
            .clone()
    };
    let mut sqli = vec![Some(0.0); 31];
    sqli[2] = Some(30.0);
    assert_eq!(values("sqli"), sqli);
    let mut forti = vec![Some(0.0); 31];
    forti[3] = Some(10.0);
    assert_eq!(values("fortios_sslvpn"), forti);
    assert!(
        series.iter().all(|s| s.id != "scanner"),
        "no scanner via Tor"
    );

    let cats = section(&report, "tor-categories");
    let tables: Vec<&Table> = blocks(cats, |b| match b {
        Block::Table(t) => Some(t),
        _ => None,
    });
    let rows: Vec<(Value, Value, Value, Value)> = tables[0]
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                Value::Label("category.sqli".into()),
                Value::Count(30),
                Value::Count(90),
                Value::Percent(100.0 / 3.0)
            ),
            (
                Value::Label("category.fortios_sslvpn".into()),
                Value::Count(10),
                Value::Count(10),
                Value::Percent(100.0)
            ),
            (
                Value::Label("category.scanner".into()),
                Value::Count(0),
                Value::Count(20),
                Value::Percent(0.0)
            ),
            (
                Value::Label("tor.all_attacks".into()),
                Value::Count(40),
                Value::Count(120),
                Value::Percent(100.0 / 3.0)
            ),
        ]
    );
    let sources: Vec<Value> = tables[1].rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        sources,
        [
            Value::Code("185.220.101.5".into()),
            Value::Code("185.220.101.9".into())
        ]
    );
    assert_eq!(
        tables[1].rows[1][2],
        Value::Label("category.fortios_sslvpn".into())
    );
}

#[test]
fn attacks_ingested_before_any_list_are_called_unattributed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = Lake::open(dir.path()).expect("lake");
    fill(&lake, 5);
    let report = report(&lake, day(0), day(30), Lang::Ja);
    let summary = note(section(&report, "tor"));
    assert_eq!(summary.tone, Tone::Warning);
    assert_eq!(
        summary.paragraphs[1],
        Text::template("tor.unattributed", [("n", Value::Count(5))])
    );
    let html = kansoku_report::render_html(&report);
    assert!(
        html.contains("Tor Exitリストの取り込み前"),
        "{}",
        html.len()
    );
}
