//! Cases: creation, name validation, listing, statistics.

use chrono::{DateTime, Utc};
use kansoku_ir::IrError;
use kansoku_ir::case::{CaseType, Cases, NewCase};
use kansoku_ir::stats::by_type_and_year;
use kansoku_ir::time::parse_time;

fn now() -> DateTime<Utc> {
    "2026-10-03T01:00:00Z".parse().expect("time")
}

#[test]
fn case_round_trips_through_case_toml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = Cases::new(dir.path());
    let mut new = NewCase::new("acme-ransom", CaseType::Ransomware, "佐藤");
    new.learned = Some(parse_time("2026-10-02 18:30", chrono_tz::Asia::Tokyo).expect("t"));
    new.facts.personal_data = true;
    new.facts.people = Some(1200);
    cases.create(&new, now()).expect("create");
    let text =
        std::fs::read_to_string(dir.path().join("cases/acme-ransom/case.toml")).expect("toml");
    assert!(text.contains("type = \"ransomware\""), "{text}");
    assert!(
        text.contains("learned = \"2026-10-02T18:30:00+09:00\""),
        "{text}"
    );
    let case = cases.open("acme-ransom").expect("open");
    assert_eq!(case.meta.opened_by, "佐藤");
    assert_eq!(case.meta.facts.people, Some(1200));
    assert!(case.meta.facts.personal_data);
    assert!(matches!(
        cases.create(&new, now()),
        Err(IrError::CaseExists(_))
    ));
}

#[test]
fn names_that_could_escape_the_cases_folder_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = Cases::new(dir.path());
    for (name, reason) in [
        ("../x", "separator"),
        ("a/b", "separator"),
        ("a\\b", "separator"),
        ("..", "dot"),
        (".hidden", "dot"),
        ("tab\there", "control"),
        ("nul\0", "control"),
        ("", "empty"),
        ("a:b", "Windows"),
        (" lead", "white space"),
    ] {
        let err = cases
            .create(&NewCase::new(name, CaseType::Other, "x"), now())
            .expect_err(name);
        let msg = err.to_string();
        assert!(
            msg.contains("invalid case name") && msg.contains(reason),
            "{name:?}: {msg}"
        );
    }
    assert!(!dir.path().join("x").exists());
    assert!(
        cases
            .create(&NewCase::new("東京-2026", CaseType::Other, "x"), now())
            .is_ok()
    );
    assert!(matches!(cases.open("nope"), Err(IrError::NoCase(_))));
}

#[test]
fn listing_reports_broken_case_files_and_keeps_going() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = Cases::new(dir.path());
    cases
        .create(&NewCase::new("b", CaseType::Ddos, "x"), now())
        .expect("b");
    cases
        .create(&NewCase::new("a", CaseType::DataLeak, "x"), now())
        .expect("a");
    std::fs::create_dir_all(dir.path().join("cases/broken")).expect("mkdir");
    std::fs::write(dir.path().join("cases/broken/case.toml"), "type = 3").expect("write");
    let list = cases.list().expect("list");
    let names: Vec<_> = list.cases.iter().map(|c| c.meta.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(list.problems.len(), 1);
    assert!(list.problems[0].to_string().contains("broken"));
}

#[test]
fn stats_count_by_year_learned_in_the_time_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = Cases::new(dir.path());
    let tokyo = chrono_tz::Asia::Tokyo;
    // 2025: 1 ransomware of 4 (25%); 2026: 2 of 3 (66.67%, +41.67 points).
    // "2025-12-31T16:00Z" is 2026-01-01 01:00 in Tokyo: it counts in 2026.
    let specs = [
        ("r1", CaseType::Ransomware, "2025-03-01T00:00:00Z"),
        ("w1", CaseType::WebCompromise, "2025-05-01T00:00:00Z"),
        ("w2", CaseType::WebCompromise, "2025-06-01T00:00:00Z"),
        ("d1", CaseType::Ddos, "2025-12-31T14:00:00Z"),
        ("r2", CaseType::Ransomware, "2025-12-31T16:00:00Z"),
        ("r3", CaseType::Ransomware, "2026-07-01T00:00:00Z"),
        ("l1", CaseType::DataLeak, "2026-08-01T00:00:00Z"),
    ];
    for (name, t, learned) in specs {
        let mut new = NewCase::new(name, t, "x");
        new.learned = Some(parse_time(learned, tokyo).expect("t"));
        cases.create(&new, now()).expect("create");
    }
    let list = cases.list().expect("list");
    let years = by_type_and_year(list.cases.iter().map(|c| &c.meta), tokyo);
    assert_eq!(years.len(), 2);
    assert_eq!((years[0].year, years[0].total), (2025, 4));
    assert_eq!(years[0].by_type[0], (CaseType::Ransomware, 1));
    assert_eq!(years[0].by_type[1], (CaseType::WebCompromise, 2));
    assert_eq!(years[0].by_type[3], (CaseType::Ddos, 1));
    assert!((years[0].ransomware_share - 25.0).abs() < 1e-9);
    assert_eq!(years[0].share_change_points, None);
    assert_eq!((years[1].year, years[1].total), (2026, 3));
    assert!((years[1].ransomware_share - 200.0 / 3.0).abs() < 1e-9);
    let change = years[1].share_change_points.expect("change");
    assert!((change - (200.0 / 3.0 - 25.0)).abs() < 1e-9);
    // In UTC the boundary case falls in 2025 instead: 2 of 5 there.
    let utc = by_type_and_year(list.cases.iter().map(|c| &c.meta), chrono_tz::UTC);
    assert_eq!((utc[0].total, utc[0].by_type[0].1), (5, 2));
}
