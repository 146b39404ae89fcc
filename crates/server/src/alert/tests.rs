//! Detector behaviour as a user sees it: one alert per campaign, updated as it grows.

use kansoku_event::HttpRequest;
use kansoku_event::alert::Alert;

use super::{AlertConfig, Burst, Engine, History, ThresholdRule};

const MIN: i64 = 60_000_000;

fn hit(tenant: &str, cat: &str, ts: i64, ip: &str) -> HttpRequest {
    HttpRequest {
        ts,
        tenant: tenant.into(),
        src_ip: Some(ip.into()),
        path: Some("/item".into()),
        rule_ids: vec![format!("{cat}-rule")],
        categories: vec![cat.into()],
        ..HttpRequest::default()
    }
}

fn config() -> AlertConfig {
    AlertConfig {
        first_sight: false,
        spike: false,
        tor_burst: None,
        threshold: vec![ThresholdRule {
            category: "*".into(),
            tenant: None,
            count: 10,
            window_secs: 300,
        }],
        suppress_secs: 1800,
        update_every_secs: 60,
        ..AlertConfig::default()
    }
}

fn run(engine: &mut Engine, reqs: &[HttpRequest]) -> Vec<Alert> {
    let mut out = Vec::new();
    for r in reqs {
        engine.observe(r, &mut out);
    }
    out
}

#[test]
fn a_campaign_raises_once_and_updates() {
    let mut e = Engine::new(&config(), History::default(), "t".into());
    // 9 in five minutes: below the threshold.
    let below: Vec<_> = (0..9)
        .map(|i| hit("shop", "sqli", i * 10_000_000, "203.0.113.9"))
        .collect();
    assert!(run(&mut e, &below).is_empty());
    // The tenth raises; 200 more over 20 minutes update the same alert.
    let more: Vec<_> = (0..201)
        .map(|i| hit("shop", "sqli", 90_000_000 + i * 6_000_000, "203.0.113.9"))
        .collect();
    let out = run(&mut e, &more);
    assert_eq!(out[0].revision, 0);
    assert_eq!(out[0].count, 10);
    assert_eq!(out[0].kind, "threshold");
    assert!(out.iter().all(|a| a.id == out[0].id), "one alert: {out:?}");
    assert!(
        out.len() > 5 && out.len() < 30,
        "updates are rate-limited: {}",
        out.len()
    );
    let last = out.last().expect("updates");
    assert_eq!(last.count, 210);
    assert!(
        last.summary.contains("210 sqli detections for tenant shop"),
        "{}",
        last.summary
    );
    assert!(last.evidence.contains("203.0.113.9"));
    // Another tenant is another alert; after the suppression window, a new one.
    let other: Vec<_> = (0..10)
        .map(|i| hit("blog", "sqli", i * 10_000_000, "198.51.100.1"))
        .collect();
    let o = run(&mut e, &other);
    assert_eq!(o.len(), 1);
    assert_ne!(o[0].id, out[0].id);
    let later: Vec<_> = (0..10)
        .map(|i| hit("shop", "sqli", 120 * MIN + i, "203.0.113.9"))
        .collect();
    let l = run(&mut e, &later);
    assert_eq!(l.len(), 1);
    assert_ne!(l[0].id, out[0].id);
    assert_eq!(l[0].revision, 0);
}

#[test]
fn first_sight_respects_the_lake_history() {
    let mut history = History::default();
    history.seen.insert(("shop".into(), "sqli".into()));
    let cfg = AlertConfig {
        first_sight: true,
        threshold: Vec::new(),
        ..config()
    };
    let mut e = Engine::new(&cfg, history, "t".into());
    assert!(run(&mut e, &[hit("shop", "sqli", 0, "a")]).is_empty());
    let out = run(
        &mut e,
        &[
            hit("shop", "log4shell", 1, "a"),
            hit("shop", "log4shell", 2, "a"),
        ],
    );
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].kind, "first_sight");
    assert!(
        out[0]
            .summary
            .contains("first log4shell detection for tenant shop")
    );
}

#[test]
fn tor_bursts_need_tor_rows() {
    let cfg = AlertConfig {
        threshold: Vec::new(),
        tor_burst: Some(Burst {
            count: 5,
            window_secs: 600,
        }),
        ..config()
    };
    let mut e = Engine::new(&cfg, History::default(), "t".into());
    let plain: Vec<_> = (0..20).map(|i| hit("shop", "scanner", i, "a")).collect();
    assert!(run(&mut e, &plain).is_empty());
    let tor: Vec<_> = (0..5)
        .map(|i| HttpRequest {
            tor_exit: Some(true),
            ..hit("shop", "scanner", 100 + i, "b")
        })
        .collect();
    let out = run(&mut e, &tor);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, "tor_burst");
}

#[test]
fn a_spike_against_quiet_history_is_raised() {
    let hour = 3_600_000_000i64;
    let now_hour = 500_000i64;
    let mut history = History::default();
    // Ten days of 2 to 4 detections an hour.
    let quiet = (now_hour - 240..now_hour)
        .map(|h| (h, 2 + (h % 3) as u64))
        .collect();
    history.hourly.insert("shop".into(), quiet);
    let cfg = AlertConfig {
        threshold: Vec::new(),
        spike: true,
        ..config()
    };
    let mut e = Engine::new(&cfg, history, "t".into());
    let burst: Vec<_> = (0..60)
        .map(|i| hit("shop", "scanner", now_hour * hour + i * 1_000_000, "c"))
        .collect();
    let out = run(&mut e, &burst);
    assert!(!out.is_empty());
    assert!(out.iter().all(|a| a.kind == "spike" && a.id == out[0].id));
    assert!(out[0].summary.contains("baseline"), "{}", out[0].summary);
}

#[test]
fn a_restart_resumes_the_open_alert_instead_of_raising_again() {
    let burst = |from: i64, n: i64| -> Vec<HttpRequest> {
        (0..n)
            .map(|i| hit("shop", "sqli", from + i * 10_000_000, "203.0.113.9"))
            .collect()
    };
    let mut before = Engine::new(&config(), History::default(), "run1".into());
    let raised = run(&mut before, &burst(0, 10));
    assert_eq!(raised.len(), 1);
    // What the alert table holds for it when the server stops (or is killed).
    let history = History {
        alerts: vec![raised[0].clone()],
        ..History::default()
    };
    let mut after = Engine::new(&config(), history.clone(), "run2".into());
    // Five minutes later the campaign goes on: its first event updates the same alert.
    let out = run(&mut after, &burst(5 * MIN, 3));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].id, raised[0].id);
    assert_eq!(out[0].revision, 1);
    assert_eq!(out[0].count, 11);
    assert!(
        out[0].evidence.contains("203.0.113.9"),
        "{}",
        out[0].evidence
    );
    // Past the suppression window it is a new campaign: a new alert.
    let mut later = Engine::new(&config(), history, "run3".into());
    let out = run(&mut later, &burst(60 * MIN, 10));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].revision, 0);
    assert_ne!(out[0].id, raised[0].id);
}

/// One event dated 2099 (a forged syslog header) once left its alert "recently sent"
/// until 2099, silencing every later alert of its kind, tenant and category, across
/// restarts. Ingest now sets such events aside; an alert table written before that still
/// holds one, and today's campaign must raise and update as if it were not there.
#[test]
fn an_alert_dated_in_the_future_silences_nothing() {
    let y2099 = 4_070_908_800_000_000; // 2099-01-01T00:00:00Z
    let forged = Alert {
        id: "old-1".into(),
        ts: y2099,
        first_seen: y2099,
        last_seen: y2099,
        tenant: "shop".into(),
        kind: "threshold".into(),
        count: 10,
        evidence: r#"{"subject":"sqli","sources":[],"sample_paths":[],"rule_ids":[]}"#.into(),
        ..Alert::default()
    };
    let history = History {
        alerts: vec![forged],
        ..History::default()
    };
    let mut with = Engine::new(&config(), history, "t".into());
    let mut without = Engine::new(&config(), History::default(), "t".into());
    let campaign: Vec<_> = (0..120)
        .map(|i| {
            hit(
                "shop",
                "sqli",
                1_790_000_000_000_000 + i * 6_000_000,
                "203.0.113.9",
            )
        })
        .collect();
    let a = run(&mut with, &campaign);
    let b = run(&mut without, &campaign);
    let shape = |v: &[Alert]| -> Vec<(u64, u32, i64)> {
        v.iter().map(|x| (x.count, x.revision, x.ts)).collect()
    };
    assert!(!b.is_empty());
    assert_eq!(
        shape(&a),
        shape(&b),
        "the campaign's alerts, as without the forged one"
    );
    assert!(
        a.iter().all(|x| x.id != "old-1"),
        "a new alert, not the forged one updated"
    );
}
