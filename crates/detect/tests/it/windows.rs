//! Window (behavioural) rules over a time-ordered stream.

use kansoku_detect::example::from_line;
use kansoku_detect::{RuleSet, Windows};

#[test]
fn many_distinct_not_found_paths_from_one_source_mark_it_as_scanner() {
    let rules = RuleSet::builtin().expect("loads");
    let mut m = rules.matcher();
    let mut w = Windows::new(&rules);
    let mut flagged = Vec::new();
    for i in 0..15 {
        let mut r = from_line(&format!("GET /probe-{i}.php HTTP/1.1"));
        r.src_ip = Some("203.0.113.9".into());
        r.status = Some(404);
        r.ts = i64::from(i) * 1_000_000;
        m.apply(&mut r);
        w.observe(&mut r);
        flagged.push(r.rule_ids.iter().any(|id| id == "scanner-probing-burst"));
    }
    assert_eq!(
        flagged.iter().position(|f| *f),
        Some(9),
        "fires at the 10th distinct path"
    );
    assert!(
        flagged[9..].iter().all(|f| *f),
        "and keeps marking the source"
    );
    // A later request of the same source inside the window is marked even with a 200.
    let mut later = from_line("GET /index.html HTTP/1.1");
    later.src_ip = Some("203.0.113.9".into());
    later.ts = 20_000_000;
    m.apply(&mut later);
    w.observe(&mut later);
    assert!(later.categories.iter().any(|c| c == "scanner"));
    // Another source, or the same one after the window, is not.
    let mut other = from_line("GET /missing HTTP/1.1");
    other.src_ip = Some("198.51.100.1".into());
    other.status = Some(404);
    other.ts = 21_000_000;
    w.observe(&mut other);
    assert!(other.categories.is_empty());
    let mut after = later.clone();
    after.categories.clear();
    after.rule_ids.clear();
    after.ts = 500_000_000;
    w.observe(&mut after);
    assert!(after.categories.is_empty());
}

#[test]
fn the_same_path_repeated_does_not_count_as_probing() {
    let rules = RuleSet::builtin().expect("loads");
    let mut w = Windows::new(&rules);
    for i in 0..50 {
        let mut r = from_line("GET /favicon.ico HTTP/1.1");
        r.status = Some(404);
        r.ts = i64::from(i) * 100_000;
        w.observe(&mut r);
        assert!(r.categories.is_empty());
    }
}
