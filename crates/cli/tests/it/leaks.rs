//! `kansoku leaks import` and `kansoku leaks stats`: figures checked against a
//! hand count over the fixture's JSON, for two windows and two time zones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::common::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn leaks_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../leaks/tests/fixtures")
        .join(name)
}

const HANDCOUNT: &str = "leaks_handcount.json";

/// (japan, elsewhere, previous) per group, counted by hand: one entry = one post,
/// except the "(updated)" reposts, which merge into their earlier post; a `.jp` title is
/// a Japanese victim; the day is the local day of `discovered` (UTC) in `tz`.
fn hand_count(tz: Tz, from: &str, to: &str) -> BTreeMap<String, [u64; 3]> {
    let from: NaiveDate = from.parse().expect("date");
    let to: NaiveDate = to.parse().expect("date");
    let days = (to - from).num_days() as u64 + 1;
    let prev_from = from.checked_sub_days(Days::new(days)).expect("date");
    let text = std::fs::read_to_string(fixture(HANDCOUNT)).expect("fixture");
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    let mut out: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for e in entries {
        let title = e["post_title"].as_str().expect("title");
        if title.ends_with("(updated)") {
            continue;
        }
        let group = match e["group_name"].as_str().expect("group") {
            "lockbit2" | "lockbit3" => "LockBit",
            "alphv" => "BlackCat",
            "akira" => "Akira",
            other => panic!("unexpected group {other}"),
        };
        let t = NaiveDateTime::parse_from_str(
            e["discovered"].as_str().expect("time"),
            "%Y-%m-%d %H:%M:%S%.f",
        )
        .expect("time")
        .and_utc()
        .with_timezone(&tz)
        .date_naive();
        let row = out.entry(group.to_string()).or_default();
        if (from..=to).contains(&t) {
            row[usize::from(!title.ends_with(".jp"))] += 1;
        } else if (prev_from..from).contains(&t) {
            row[2] += 1;
        }
    }
    out.retain(|_, r| r.iter().any(|n| *n > 0));
    out
}

fn import(data: &Path, files: &[PathBuf]) -> String {
    let mut args = vec!["leaks".to_string(), "import".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(data, &refs);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

fn stats_json(data: &Path, from: &str, to: &str, tz: &str) -> serde_json::Value {
    let out = run(
        data,
        &[
            "leaks", "stats", "--from", from, "--to", to, "--tz", tz, "--format", "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("stats json")
}

#[test]
fn stats_match_a_hand_count_for_two_windows_and_two_time_zones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let first = import(&data, &[fixture(HANDCOUNT)]);
    assert!(
        first.contains("74 posts read, 72 kept, 3 groups, 2 reposts merged"),
        "{first}"
    );

    for (from, to) in [("2022-08-01", "2022-08-31"), ("2022-08-10", "2022-08-16")] {
        for tz in ["UTC", "Asia/Tokyo"] {
            let want = hand_count(tz.parse().expect("tz"), from, to);
            let got = stats_json(&data, from, to, tz);
            let rows = got["groups"].as_array().expect("groups");
            let mut seen = BTreeMap::new();
            for r in rows {
                let n = |k: &str| r[k].as_u64();
                seen.insert(
                    r["group"].as_str().expect("group").to_string(),
                    [n("japan"), n("elsewhere"), n("previous")],
                );
                // Not observed is "—" (null), never 0.
                assert_ne!(r["total"].as_u64(), Some(0));
            }
            let want: BTreeMap<String, [Option<u64>; 3]> = want
                .into_iter()
                .map(|(g, [j, e, p])| {
                    let observed = j + e > 0;
                    let cur = |n: u64| observed.then_some(n);
                    (g, [cur(j), cur(e), (p > 0).then_some(p)])
                })
                .collect();
            assert_eq!(seen, want, "{from}..{to} in {tz}");
        }
    }
    // Tokyo and UTC days differ for this fixture (posts near 15:00 UTC).
    assert_ne!(
        hand_count(chrono_tz::UTC, "2022-08-10", "2022-08-16"),
        hand_count(chrono_tz::Asia::Tokyo, "2022-08-10", "2022-08-16")
    );
}

#[test]
fn importing_again_adds_nothing_and_an_overlapping_feed_merges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let ransomwatch = leaks_fixture("ransomwatch_excerpt.json");
    let live = leaks_fixture("ransomware_live_excerpt.json");
    import(&data, std::slice::from_ref(&ransomwatch));
    let one = sql_number(&data, "SELECT count(*) FROM leak");
    let again = import(&data, std::slice::from_ref(&ransomwatch));
    assert!(again.contains("already imported"), "{again}");
    assert_eq!(sql_number(&data, "SELECT count(*) FROM leak"), one);

    let merged = import(&data, std::slice::from_ref(&live));
    assert!(merged.contains("cross-feed duplicates"), "{merged}");
    let both = sql_number(&data, "SELECT count(*) FROM leak");
    // A post is stored once, however many feeds listed it.
    assert_eq!(
        sql_number(
            &data,
            "SELECT count(*) FROM (SELECT \"group\", victim FROM leak GROUP BY \"group\", victim HAVING count(*) > 1)"
        ),
        0
    );

    // The same two feeds imported together give the same table.
    let together = dir.path().join("together");
    import(&together, &[ransomwatch, live]);
    assert_eq!(sql_number(&together, "SELECT count(*) FROM leak"), both);
    assert!(both > one);
}

#[test]
fn a_watched_group_without_posts_shows_a_dash_in_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    import(&data, &[fixture(HANDCOUNT)]);
    let out = run(
        &data,
        &[
            "leaks",
            "stats",
            "--from",
            "2022-08-01",
            "--to",
            "2022-08-31",
            "--watch",
            "Conti",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let conti = text
        .lines()
        .find(|l| l.starts_with("Conti"))
        .unwrap_or_else(|| panic!("no Conti row in {text}"));
    assert_eq!(
        conti.split_whitespace().collect::<Vec<_>>(),
        ["Conti", "—", "—", "—", "—"]
    );
    assert!(text.lines().any(|l| l.starts_with("LockBit")), "{text}");
}

/// The cells of a report JSON table, as text (counts, dates and labels alike).
fn cell_text(v: &serde_json::Value) -> String {
    match &v["value"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn section<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no section {id}"))
}

fn table_rows(section: &serde_json::Value) -> Vec<Vec<String>> {
    section["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["kind"] == "table")
        .flat_map(|b| b["rows"].as_array().expect("rows").clone())
        .map(|r| r.as_array().expect("row").iter().map(cell_text).collect())
        .collect()
}

#[test]
fn the_demo_report_shows_the_planted_leak_burst_and_the_japanese_posts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("demo");
    let out = kansoku()
        .args(["demo", "--scale", "0.02", "--out"])
        .arg(&out_dir)
        .output()
        .expect("demo runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out_dir.join("dataset/manifest.json")).expect("manifest"),
    )
    .expect("json");
    let burst = manifest["planted"]
        .as_array()
        .expect("planted")
        .iter()
        .find(|p| p["kind"] == "leak_burst")
        .expect("a planted leak burst");
    let burst_day = burst["start"].as_str().expect("start")[..10].to_string();

    for lang in ["ja", "en"] {
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out_dir.join(format!("report.{lang}.json"))).expect("report"),
        )
        .expect("json");
        let bursts = table_rows(section(&report, "leak-timing"));
        assert!(
            bursts.iter().any(|r| r[0] == burst_day && r[2] == "8Base"),
            "{lang}: no 8Base burst on {burst_day} in {bursts:?}"
        );
        // The planted burst is the only one: ordinary days stay below the bar.
        assert!(bursts.iter().all(|r| r[2] == "8Base"), "{bursts:?}");

        let japan = table_rows(section(&report, "leak-japanese"));
        assert!(japan.len() > 5, "{japan:?}");
        assert!(japan.iter().any(|r| r[2].contains("株式会社")), "{japan:?}");
        assert!(japan.iter().any(|r| r[2].ends_with(".co.jp")), "{japan:?}");

        let groups = table_rows(section(&report, "leak-groups"));
        let names: Vec<&str> = groups.iter().map(|r| r[0].as_str()).collect();
        for g in ["LockBit", "BlackCat", "8Base", "Akira"] {
            assert!(names.contains(&g), "{names:?}");
        }
    }
    let html = std::fs::read_to_string(out_dir.join("report.en.html")).expect("html");
    assert!(html.contains("Leak posts by ransomware group"));
}

/// On the real 2022 tracker feeds, July–September, the burst an analyst's report calls out
/// (LockBit's posts of 14–15 September) opens the bursts table, ahead of the many busy
/// days of groups that rarely post.
#[test]
fn on_the_real_2022_feeds_lockbits_september_burst_ranks_first() {
    let Some(feeds) = crate::common::shared_data("leaks") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&feeds)
        .expect("leaks folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    import(&data, &files);
    let out = dir.path().join("report.json");
    let o = crate::common::run(
        &data,
        &[
            "report",
            "--format",
            "json",
            "--lang",
            "en",
            "--from",
            "2022-07-01",
            "--to",
            "2022-09-30",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("report")).expect("json");
    let bursts = table_rows(section(&report, "leak-timing"));
    let first = bursts.first().expect("a burst");
    assert!(
        first[2].to_lowercase().contains("lockbit")
            && first[0].as_str() <= "2022-09-15"
            && first[1].as_str() >= "2022-09-14",
        "the first burst is not LockBit's of 14–15 September: {bursts:?}"
    );
}

/// A feed of `n` posts over 400 days; every 7th post reposted 3 days later.
pub(crate) fn big_feed(n: usize, seed: usize) -> String {
    let mut posts = Vec::new();
    let start = chrono::DateTime::from_timestamp(1_640_995_200, 0).expect("2022-01-01");
    for i in 0..n {
        let t = start + chrono::Duration::minutes(((i * 577 + seed) % (400 * 1440)) as i64);
        let title = format!("victim-{i}.{}", ["co.jp", "com", "de"][i % 3]);
        let group = ["lockbit3", "alphv", "akira", "play"][i % 4];
        posts.push(serde_json::json!({
            "post_title": title, "group_name": group,
            "discovered": t.format("%Y-%m-%d %H:%M:%S").to_string()
        }));
        if i % 7 == 0 {
            let later = t + chrono::Duration::days(3);
            posts.push(serde_json::json!({
                "post_title": format!("{title} (updated)"), "group_name": group,
                "discovered": later.format("%Y-%m-%d %H:%M:%S").to_string()
            }));
        }
    }
    serde_json::to_string(&posts).expect("json")
}

pub(crate) fn table_state(data: &Path) -> (Vec<String>, i64, i64) {
    let root = data.join("lake/leak");
    let mut files: Vec<String> = Vec::new();
    for day in std::fs::read_dir(&root).expect("leak dir").flatten() {
        for f in std::fs::read_dir(day.path()).expect("day").flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            files.push(format!("{}/{name}", day.file_name().to_string_lossy()));
        }
    }
    files.sort();
    (
        files,
        sql_number(data, "SELECT count(*) FROM leak"),
        sql_number(data, "SELECT CAST(sum(reposts) AS BIGINT) FROM leak"),
    )
}

#[test]
fn sigkill_during_leak_imports_then_rerun_gives_the_table_of_an_uninterrupted_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.json", &big_feed(6000, 0));
    // The second feed lists the first's posts 13 minutes apart (they merge, keeping the
    // earlier time) and 3000 posts of its own.
    let b = write(dir.path(), "b.json", &big_feed(9000, 13));
    let data = dir.path().join("data");
    let args = |files: &[&Path]| {
        let mut v = vec![
            "--data".to_string(),
            data.display().to_string(),
            "leaks".into(),
            "import".into(),
        ];
        v.extend(files.iter().map(|f| f.display().to_string()));
        v
    };
    let mut rng: u64 = 0x1ea4_2026;
    let mut kills = 0;
    for round in 0..8 {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = 20 + (rng >> 33) % 2500;
        let files: Vec<&Path> = if round % 2 == 0 {
            vec![&a]
        } else {
            vec![&a, &b]
        };
        let mut child = kansoku()
            .args(args(&files))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay));
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
    }
    let out = kansoku().args(args(&[&a, &b])).output().expect("final run");
    assert!(out.status.success(), "{}", stderr(&out));
    let got = table_state(&data);

    let reference = dir.path().join("reference");
    import(&reference, &[a.clone(), b.clone()]);
    let want = table_state(&reference);
    assert_eq!(got, want, "after {kills} kills");
    assert!(!dir.path().join("data/leaks/commit.json").exists());
    // One file per day, so no day is counted twice.
    let days: std::collections::BTreeSet<&str> =
        got.0.iter().filter_map(|f| f.split('/').next()).collect();
    assert_eq!(days.len(), got.0.len());
}
