//! `stats` over a window of the fixtures. Expected numbers are a hand count; each
//! post's effective time is listed so a reviewer can recheck them against the JSON.
//!
//! Asia/Tokyo, 2022-09-15 to 2022-09-30 inclusive = [2022-09-14 15:00, 2022-09-30 15:00)
//! UTC; previous period 2022-08-30 .. 2022-09-14 = [08-29 15:00, 09-14 15:00) UTC.
//!
//! | post (group) | time, UTC | country | in |
//! |---|---|---|---|
//! | quintal.com.co (LockBit) | 09-14 03:50 discovered | CO cctld | previous |
//! | County Suffolk and contractors (BlackCat) | 09-15 20:58 published | — | current |
//! | 株式会社サンプル工業 (LockBit) | 09-20 00:00 attackdate | JP japanese_text | current |
//! | example-kogyo.co.jp (BlackCat) | 09-21 00:00 attackdate | JP explicit | current |
//! | Sample Trading GmbH (Black Basta) | 09-22 08:00 attackdate | DE explicit | current |
//! | サンプル商事 (8Base) | 09-23 08:00 discovered | JP japanese_text | current |
//! | www.sample.de (Medusa) | 09-24 01:02 discovered | DE cctld | current |
//! | sample.io (RansomHub) | 09-25 12:00 attackdate | — | current |
//! | Sample Kogyo (Royal) | 09-27 12:00 discovered | — | current |
//! | NJVC (BlackCat) | 09-29 01:54 discovered | — | current |
//! | Tokyo Sample Holdings (Akira) | 09-30 15:30 discovered | — | after (Oct 1 in Tokyo) |

use chrono::NaiveDate;
use kansoku_leaks::stats::{JapanReason, Period, StatsOptions, leak_stats};

use crate::{import_all, offline};

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn options() -> StatsOptions {
    StatsOptions {
        configured_groups: vec!["LockBit".into(), "Akira".into(), "Play".into()],
        ..StatsOptions::default()
    }
}

#[test]
fn tokyo_window_matches_the_hand_count() {
    let posts = import_all(&offline()).posts;
    let period = Period::inclusive(day("2022-09-15"), day("2022-09-30"), chrono_tz::Asia::Tokyo)
        .expect("valid");
    let s = leak_stats(&posts, &period, &options());
    assert_eq!((s.posts, s.previous_posts), (9, 1));

    let rows: Vec<_> = s
        .groups
        .iter()
        .map(|r| (r.group.as_str(), r.japan, r.elsewhere, r.total, r.previous))
        .collect();
    assert_eq!(
        rows,
        [
            ("BlackCat", Some(1), Some(2), Some(3), None),
            ("LockBit", Some(1), Some(0), Some(1), Some(1)),
            ("8Base", Some(1), Some(0), Some(1), None),
            ("Black Basta", Some(0), Some(1), Some(1), None),
            ("Medusa", Some(0), Some(1), Some(1), None),
            ("RansomHub", Some(0), Some(1), Some(1), None),
            ("Royal", Some(0), Some(1), Some(1), None),
            // Configured, not observed in either period: "—".
            ("Akira", None, None, None, None),
            ("Play", None, None, None, None),
        ]
    );

    let blackcat = &s.daily[0];
    assert_eq!(blackcat.group, "BlackCat");
    assert_eq!(blackcat.days.len(), 16);
    let active: Vec<(&str, u64)> = blackcat
        .days
        .iter()
        .filter(|d| d.posts > 0)
        .map(|d| (d.date.as_str(), d.posts))
        .collect();
    // Suffolk 09-16 05:58 JST, example-kogyo 09-21 09:00 JST, NJVC 09-29 10:54 JST.
    assert_eq!(
        active,
        [("2022-09-16", 1), ("2022-09-21", 1), ("2022-09-29", 1)]
    );

    let c = &s.countries;
    assert_eq!((c.posts, c.known, c.unknown, c.other), (9, 5, 4, 0));
    let top: Vec<_> = c
        .top
        .iter()
        .map(|t| (t.country.as_str(), t.posts))
        .collect();
    assert_eq!(top, [("JP", 3), ("DE", 2)]);
    assert!((c.known_share - 5.0 / 9.0).abs() < 1e-9);
    assert!((c.top[0].share_of_known - 0.6).abs() < 1e-9);
    assert_eq!(
        (
            c.methods.explicit,
            c.methods.cctld,
            c.methods.japanese_text,
            c.methods.unknown
        ),
        (2, 1, 2, 4)
    );

    let japan: Vec<_> = s
        .japan
        .iter()
        .map(|j| (j.victim.as_str(), j.reason, j.time.as_str()))
        .collect();
    assert_eq!(
        japan,
        [
            (
                "株式会社サンプル工業",
                JapanReason::Both,
                "2022-09-20T09:00:00+09:00"
            ),
            (
                "example-kogyo.co.jp",
                JapanReason::JapaneseVictim,
                "2022-09-21T09:00:00+09:00"
            ),
            (
                "サンプル商事",
                JapanReason::Both,
                "2022-09-23T17:00:00+09:00"
            ),
        ]
    );
}

#[test]
fn the_same_window_in_utc_moves_the_boundary_post() {
    let posts = import_all(&offline()).posts;
    let period =
        Period::inclusive(day("2022-09-15"), day("2022-09-30"), chrono_tz::UTC).expect("valid");
    let s = leak_stats(&posts, &period, &options());
    // Tokyo Sample Holdings (09-30 15:30 UTC) is now inside; quintal.com.co
    // (09-14 03:50 UTC) is still in the previous period.
    assert_eq!((s.posts, s.previous_posts), (10, 1));
    let akira = s.groups.iter().find(|r| r.group == "Akira").expect("row");
    assert_eq!(akira.total, Some(1));
}

#[test]
fn output_is_json_serialisable_with_dashes_as_null() {
    let posts = import_all(&offline()).posts;
    let period = Period::inclusive(day("2022-09-15"), day("2022-09-30"), chrono_tz::Asia::Tokyo)
        .expect("valid");
    let s = leak_stats(&posts, &period, &options());
    let json = serde_json::to_value(&s).expect("serialisable");
    let play = json["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|r| r["group"] == "Play"))
        .expect("Play row");
    assert!(play["total"].is_null());
    assert_eq!(json["period"]["tz"], "Asia/Tokyo");
    assert_eq!(json["japan"][0]["country_source"], "japanese_text");
}
