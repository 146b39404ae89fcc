//! Reporting deadlines: expected dates computed by hand (see each comment).

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use kansoku_ir::case::{CaseMeta, CaseType, Facts, PartnerDuty};
use kansoku_ir::deadlines::{DayCount, compute};
use kansoku_ir::draft::{DraftLang, render};

fn case(learned: &str, facts: Facts) -> CaseMeta {
    let t: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(learned).expect("time");
    CaseMeta {
        name: "c".into(),
        case_type: CaseType::Ransomware,
        opened_by: "x".into(),
        opened: t,
        learned: t,
        summary: "ファイルサーバが暗号化された".into(),
        key_fingerprint: None,
        facts,
        contacts: vec![],
        partners: vec![],
        notes: vec![],
    }
}

fn attack() -> Facts {
    Facts {
        personal_data: true,
        unauthorised_purpose: true,
        people: Some(120),
        ..Facts::default()
    }
}

fn sensitive() -> Facts {
    Facts {
        personal_data: true,
        sensitive_data: true,
        ..Facts::default()
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn due_days(
    c: &CaseMeta,
    tz: Tz,
    count: DayCount,
) -> (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>) {
    let d = compute(c, tz, count);
    let get = |id: &str| d.duties.iter().find(|x| x.id == id).and_then(|x| x.due_day);
    let target = d
        .duties
        .iter()
        .find(|x| x.id == "ppc-preliminary")
        .and_then(|x| x.target_day);
    (target, get("ppc-preliminary"), get("ppc-final"))
}

const TOKYO: Tz = chrono_tz::Asia::Tokyo;

#[test]
fn thirty_days_across_a_month_end() {
    // Learned 2026-01-31 10:00 JST = day 1. Day 3 = Feb 2, day 5 = Feb 4,
    // day 30 = Jan 31 + 29 days = Mar 1 (February 2026 has 28 days).
    let c = case("2026-01-31T10:00:00+09:00", sensitive());
    assert_eq!(
        due_days(&c, TOKYO, DayCount::LearningDayIsDay1),
        (
            Some(day("2026-02-02")),
            Some(day("2026-02-04")),
            Some(day("2026-03-01"))
        )
    );
    let d = compute(&c, TOKYO, DayCount::LearningDayIsDay1);
    assert!(d.reportable && !d.sixty_days);
    let final_ = d
        .duties
        .iter()
        .find(|x| x.id == "ppc-final")
        .expect("final");
    // Late from the first instant of the next day, local time.
    assert_eq!(
        final_.due.expect("due").to_rfc3339(),
        "2026-03-02T00:00:00+09:00"
    );
}

#[test]
fn leap_day_2028() {
    // Learned 2028-01-31 (JST) = day 1; day 30 = Jan 31 + 29 = Feb 29 2028.
    let c = case("2028-01-31T23:30:00+09:00", sensitive());
    assert_eq!(
        due_days(&c, TOKYO, DayCount::LearningDayIsDay1).2,
        Some(day("2028-02-29"))
    );
    // The other reading (day after learning = day 1) gives one day more: Mar 1.
    assert_eq!(
        due_days(&c, TOKYO, DayCount::NextDayIsDay1).2,
        Some(day("2028-03-01"))
    );
    // With an attack: day 60 = Jan 31 + 59 = Feb 29 (+29) + 30 = Mar 30 2028.
    let c = case("2028-01-31T23:30:00+09:00", attack());
    assert_eq!(
        due_days(&c, TOKYO, DayCount::LearningDayIsDay1).2,
        Some(day("2028-03-30"))
    );
}

#[test]
fn sixty_days_for_an_attack_across_the_year_end() {
    // Learned 2026-11-15 JST; day 60 = Nov 15 + 59: Nov 30 (+15), Dec 31 (+46), Jan 13 (+59).
    let c = case("2026-11-15T09:00:00+09:00", attack());
    let d = compute(&c, TOKYO, DayCount::LearningDayIsDay1);
    assert!(d.sixty_days);
    assert_eq!(
        due_days(&c, TOKYO, DayCount::LearningDayIsDay1).2,
        Some(day("2027-01-13"))
    );
    assert!(
        d.reasons.iter().any(|r| r.contains("7(3)")),
        "{:?}",
        d.reasons
    );
    // 120 people is not "more than 1,000": only item 3 holds.
    assert_eq!(d.reasons.len(), 1, "{:?}", d.reasons);
}

#[test]
fn the_day_of_learning_depends_on_the_time_zone() {
    // 2026-03-31 16:30 UTC is 2026-04-01 01:30 in Tokyo.
    // Tokyo: day 1 = Apr 1, day 30 = Apr 30. UTC: day 1 = Mar 31, day 30 = Apr 29.
    let c = case("2026-03-31T16:30:00Z", sensitive());
    assert_eq!(
        due_days(&c, TOKYO, DayCount::LearningDayIsDay1).2,
        Some(day("2026-04-30"))
    );
    assert_eq!(
        due_days(&c, chrono_tz::UTC, DayCount::LearningDayIsDay1).2,
        Some(day("2026-04-29"))
    );
    // New York (EDT, UTC-4): 12:30 on Mar 31; day 5 = Apr 4, late from Apr 5 00:00 EDT.
    let ny = compute(
        &c,
        chrono_tz::America::New_York,
        DayCount::LearningDayIsDay1,
    );
    let pre = ny
        .duties
        .iter()
        .find(|x| x.id == "ppc-preliminary")
        .expect("pre");
    assert_eq!(pre.due_day, Some(day("2026-04-04")));
    assert_eq!(
        pre.due.expect("due").to_rfc3339(),
        "2026-04-05T00:00:00-04:00"
    );
}

#[test]
fn more_than_1000_people_and_nothing_reportable() {
    let mut f = Facts {
        personal_data: true,
        people: Some(1000),
        ..Facts::default()
    };
    let d = compute(
        &case("2026-06-01T12:00:00+09:00", f.clone()),
        TOKYO,
        DayCount::default(),
    );
    assert!(!d.reportable, "exactly 1,000 is not more than 1,000");
    assert!(d.duties.is_empty());
    f.people = Some(1001);
    let d = compute(
        &case("2026-06-01T12:00:00+09:00", f),
        TOKYO,
        DayCount::default(),
    );
    assert!(d.reportable);
    assert_eq!(
        d.duties.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["ppc-preliminary", "ppc-final", "individuals"]
    );
    // No personal data: no APPI duty whatever else holds.
    let d = compute(
        &case(
            "2026-06-01T12:00:00+09:00",
            Facts {
                sensitive_data: true,
                people: Some(5000),
                ..Facts::default()
            },
        ),
        TOKYO,
        DayCount::default(),
    );
    assert!(!d.reportable);
}

#[test]
fn partner_deadlines_are_hours_after_learning() {
    let mut c = case("2026-12-31T20:00:00+09:00", Facts::default());
    c.partners = vec![
        PartnerDuty {
            partner: "Bank".into(),
            within_hours: 72,
            what: String::new(),
        },
        PartnerDuty {
            partner: "Cloud".into(),
            within_hours: 24,
            what: "§9".into(),
        },
    ];
    let d = compute(&c, TOKYO, DayCount::default());
    let ids: Vec<_> = d
        .duties
        .iter()
        .map(|x| (x.id.as_str(), x.due.map(|t| t.to_rfc3339())))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "partner:Cloud",
                Some("2027-01-01T20:00:00+09:00".to_string())
            ),
            (
                "partner:Bank",
                Some("2027-01-03T20:00:00+09:00".to_string())
            ),
        ]
    );
}

#[test]
fn drafts_have_the_nine_items_in_both_languages() {
    let c = case("2026-10-02T18:30:00+09:00", attack());
    let d = compute(&c, TOKYO, DayCount::default());
    let ja = render(&c, &d, DraftLang::Ja);
    let en = render(&c, &d, DraftLang::En);
    for (i, (item_ja, item_en)) in kansoku_ir::draft::ITEMS.iter().enumerate() {
        assert!(ja.contains(&format!("## {}. {item_ja}", i + 1)), "{ja}");
        assert!(en.contains(&format!("## {}. {item_en}", i + 1)), "{en}");
    }
    assert!(ja.contains("120人"), "{ja}");
    assert!(ja.contains("ファイルサーバが暗号化された"));
    // Final report: 60 days from 2026-10-02 → day 60 = Oct 2 + 59 = Nov 30.
    assert!(
        en.contains("within 60 days of the day of learning: 2026-11-30 (until the end of the day)"),
        "{en}"
    );
    assert!(
        ja.contains("知った日から60日以内）: 2026-11-30（当日中）"),
        "{ja}"
    );
    assert!(en.contains("[fill in]"));
}
