use chrono::NaiveDate;
use kansoku_event::leak::TimeBasis;

use super::*;
use crate::feed::parse_time;

fn post(group: &str, victim: &str, utc: &str, country: Option<&str>, japanese: bool) -> LeakPost {
    LeakPost {
        group: group.into(),
        victim: victim.into(),
        discovered: parse_time(utc).expect("time"),
        time_basis: TimeBasis::Discovered,
        country: country.map(str::to_string),
        country_source: country.map(|_| CountrySource::Cctld),
        has_japanese: japanese,
        ..LeakPost::default()
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn tokyo_august() -> Period {
    Period::new(day("2022-08-01"), day("2022-08-04"), chrono_tz::Asia::Tokyo).expect("valid")
}

fn posts() -> Vec<LeakPost> {
    vec![
        // 2022-07-31 15:00 UTC is 2022-08-01 00:00 in Tokyo: inside.
        post(
            "LockBit",
            "a.co.jp",
            "2022-07-31 15:00:00",
            Some("JP"),
            false,
        ),
        // One microsecond earlier is the previous period (July 31 in Tokyo).
        post(
            "LockBit",
            "b.de",
            "2022-07-31 14:59:59.999999",
            Some("DE"),
            false,
        ),
        post("LockBit", "c.fr", "2022-08-02 03:00:00", Some("FR"), false),
        post("LockBit", "Acme", "2022-08-02 04:00:00", None, false),
        post(
            "Hive",
            "株式会社サンプル",
            "2022-08-03 14:59:59",
            Some("JP"),
            true,
        ),
        // 2022-08-03 15:00 UTC is August 4 in Tokyo: after the period.
        post("Hive", "late.jp", "2022-08-03 15:00:00", Some("JP"), false),
        post("Cuba", "d.de", "2022-07-29 00:00:00", Some("DE"), false),
    ]
}

#[test]
fn group_table_counts_japan_elsewhere_and_previous() {
    let rows = group_table(&posts(), &tokyo_august(), &["Akira".into(), "hive".into()]);
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.group.as_str(),
                r.japan,
                r.elsewhere,
                r.total,
                r.previous,
                r.configured,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("LockBit", Some(1), Some(2), Some(3), Some(1), false),
            ("Hive", Some(1), Some(0), Some(1), None, true),
            ("Cuba", None, None, None, Some(1), false),
            ("Akira", None, None, None, None, true),
        ]
    );
    assert_eq!(rows[0].country_unknown, Some(1));
}

#[test]
fn daily_counts_use_local_days() {
    let daily = daily_counts(&posts(), &tokyo_august());
    let lockbit: Vec<u64> = daily[0].days.iter().map(|d| d.posts).collect();
    assert_eq!(daily[0].group, "LockBit");
    assert_eq!(lockbit, [1, 2, 0]);
    assert_eq!(daily[0].days[0].date, "2022-08-01");
    let hive: Vec<u64> = daily[1].days.iter().map(|d| d.posts).collect();
    assert_eq!(hive, [0, 0, 1]);
    assert_eq!(daily.len(), 2);
}

#[test]
fn country_shares_keep_unknown_apart() {
    let shares = country_shares(&posts(), &tokyo_august(), 1);
    assert_eq!((shares.posts, shares.known, shares.unknown), (4, 3, 1));
    assert_eq!(shares.top.len(), 1);
    assert_eq!(
        (shares.top[0].country.as_str(), shares.top[0].posts),
        ("JP", 2)
    );
    assert!((shares.top[0].share_of_known - 2.0 / 3.0).abs() < 1e-9);
    assert!((shares.top[0].share_of_all - 0.5).abs() < 1e-9);
    assert_eq!(shares.other, 1);
    assert!((shares.known_share - 0.75).abs() < 1e-9);
    assert_eq!(shares.methods.cctld, 3);
}

#[test]
fn japan_list_says_why() {
    let list = japan_posts(&posts(), &tokyo_august());
    let got: Vec<_> = list
        .iter()
        .map(|p| (p.victim.as_str(), p.reason, p.time.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "a.co.jp",
                JapanReason::JapaneseVictim,
                "2022-08-01T00:00:00+09:00"
            ),
            (
                "株式会社サンプル",
                JapanReason::Both,
                "2022-08-03T23:59:59+09:00"
            ),
        ]
    );
}

#[test]
fn group_filter_narrows_everything() {
    let opts = StatsOptions {
        configured_groups: vec!["LockBit".into(), "Hive".into()],
        group: Some("lockbit".into()),
        ..StatsOptions::default()
    };
    let stats = leak_stats(&posts(), &tokyo_august(), &opts);
    assert_eq!((stats.posts, stats.previous_posts), (3, 1));
    assert_eq!(stats.groups.len(), 1);
    assert_eq!(stats.daily.len(), 1);
    assert_eq!(stats.japan.len(), 1);
    assert_eq!(stats.previous_period.from, "2022-07-29");
}
