//! Ransomware leak-site posts in ransomwatch's `posts.json` format, for report section 5.
//!
//! Group names are the real, public names of ransomware operations; every victim is
//! invented (`example-` / `sample-` / `demo-` names, or サンプル / エグザンプル in
//! Japanese), so no real organisation is ever named as a victim.

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use serde::Serialize;

use crate::clock::{self, DAY_MS, HOUR_MS, Month};
use crate::rng::DemoRng;
use crate::sink::write_file;
use crate::traffic;
use crate::{DemoFile, DemoSpec, Output, PlantedEvent};

/// A group, its posts per day, and the share of its victims that are Japanese.
const GROUPS: [(&str, f64, f64); 6] = [
    ("lockbit3", 1.3, 0.08),
    ("alphv", 0.6, 0.10),
    ("blackbasta", 0.5, 0.06),
    ("akira", 0.7, 0.08),
    ("play", 0.5, 0.15),
    ("8base", 0.6, 0.12),
];

/// The group that posts a burst of victims on one day, and how many.
const BURST_GROUP: &str = "8base";
const BURST_POSTS: usize = 24;

/// One post as ransomwatch records it.
#[derive(Debug, Clone, Serialize)]
struct Post {
    post_title: String,
    group_name: String,
    discovered: String,
    #[serde(skip)]
    ts_us: i64,
}

/// Writes `leaks/posts.json` and registers the burst as planted. Leak posts are few, so
/// their number does not follow the scale.
pub(crate) fn write(
    out_dir: &Path,
    spec: &DemoSpec,
    months: &[Month],
    out: &mut Output,
) -> io::Result<()> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(());
    };
    let mut rng = DemoRng::stream(spec.seed, "leaks");
    let mut names = Names::default();
    let mut posts = Vec::new();
    for (group, per_day, jp_share) in GROUPS {
        let mut day = first.start_ms;
        while day < last.end_ms {
            for _ in 0..traffic::poisson(&mut rng, per_day) {
                let ts = day + rng.between(0, DAY_MS as u64 - 1) as i64;
                posts.push(post(&mut rng, &mut names, group, ts, jp_share));
            }
            day += DAY_MS;
        }
    }
    // Groups repost ("updated") some victims days later under the same title.
    let mut reposts = Vec::new();
    for p in &posts {
        if rng.chance(0.03) {
            let later = p.ts_us + rng.between(2, 9) as i64 * DAY_MS * 1000;
            if later < last.end_ms * 1000 {
                reposts.push(Post {
                    discovered: clock::utc_micros(later),
                    ts_us: later,
                    ..p.clone()
                });
            }
        }
    }
    posts.extend(reposts);
    // The burst: one group publishes a batch of victims within three hours.
    let burst_month = months.get(1).unwrap_or(first);
    let burst_start = burst_month.start_ms + 23 * DAY_MS + 10 * HOUR_MS;
    for _ in 0..BURST_POSTS {
        let ts = burst_start + rng.between(0, 3 * HOUR_MS as u64 - 1) as i64;
        posts.push(post(&mut rng, &mut names, BURST_GROUP, ts, 0.12));
    }
    posts.sort_by_key(|p| p.ts_us);
    let json = serde_json::to_string_pretty(&posts).map_err(io::Error::other)?;
    let rel = "leaks/posts.json";
    write_file(out_dir, rel, json.as_bytes())?;
    out.files.push(DemoFile {
        path: rel.into(),
        format: "ransomwatch".into(),
        tenant: "default".into(),
        lines: json.lines().count() as u64,
        gzip: false,
    });
    out.planted.push(PlantedEvent {
        kind: "leak_burst".into(),
        tenant: "default".into(),
        start: clock::to_jst(burst_start),
        end: clock::to_jst(burst_start + 3 * HOUR_MS),
        description: format!(
            "{BURST_GROUP} publishes {BURST_POSTS} victims within three hours \
             / {BURST_GROUP} が3時間のうちに{BURST_POSTS}件の被害組織を公開"
        ),
        categories: vec![BURST_GROUP.into()],
        src_ips: Vec::new(),
        events: BURST_POSTS as u64,
    });
    Ok(())
}

fn post(rng: &mut DemoRng, names: &mut Names, group: &str, ts_ms: i64, jp_share: f64) -> Post {
    let ts_us = ts_ms * 1000 + rng.between(0, 999) as i64;
    let japanese = rng.chance(jp_share);
    Post {
        post_title: names.victim(rng, japanese),
        group_name: group.into(),
        discovered: clock::utc_micros(ts_us),
        ts_us,
    }
}

const PREFIXES: [&str; 3] = ["example", "sample", "demo"];
const JP_WORDS: [&str; 14] = [
    "kogyo", "seiki", "shoji", "unyu", "denki", "foods", "kensetsu", "seiko", "buhin", "tsusho",
    "butsuryu", "iryo", "gakuen", "kasei",
];
const JP_SUFFIXES: [&str; 4] = ["co.jp", "co.jp", "jp", "or.jp"];
const JA_PREFIXES: [&str; 3] = ["サンプル", "エグザンプル", "デモ"];
const JA_WORDS: [&str; 10] = [
    "工業",
    "精機",
    "商事",
    "運輸",
    "電機",
    "食品",
    "建設",
    "物流",
    "化成",
    "製作所",
];
const EN_WORDS: [&str; 14] = [
    "Trading",
    "Logistics",
    "Metal",
    "Foods",
    "Clinic",
    "Law",
    "Construction",
    "Plastics",
    "Insurance",
    "Motors",
    "Textiles",
    "Pharma",
    "Hotels",
    "Systems",
];
/// Company forms with the domain suffix such a company would have; `.com` and `.org`
/// say nothing about the country, as in real feeds.
const EN_FORMS: [(&str, &str); 10] = [
    ("Co.", "com"),
    ("Inc.", "com"),
    ("LLC", "us"),
    ("GmbH", "de"),
    ("S.A.S.", "fr"),
    ("S.p.A.", "it"),
    ("Ltd", "co.uk"),
    ("Ltda.", "com.br"),
    ("Pty Ltd", "com.au"),
    ("Foundation", "org"),
];

/// Invented victim names, never the same one twice (reposts aside).
#[derive(Default)]
struct Names {
    used: BTreeSet<String>,
}

impl Names {
    fn victim(&mut self, rng: &mut DemoRng, japanese: bool) -> String {
        for attempt in 0.. {
            let mut name = if japanese {
                jp_victim(rng)
            } else {
                foreign_victim(rng)
            };
            if attempt > 20 {
                name = format!("{name} {attempt}");
            }
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        unreachable!("the loop returns once a name is new")
    }
}

fn jp_victim(rng: &mut DemoRng) -> String {
    match rng.between(0, 9) {
        // Some posts are written in Japanese, a sign that a group targets Japan.
        0..=2 => {
            let name = format!("{}{}", rng.pick(&JA_PREFIXES), rng.pick(&JA_WORDS));
            if rng.chance(0.5) {
                format!("株式会社{name}")
            } else {
                format!("{name}株式会社")
            }
        }
        3..=4 => format!(
            "{} {} Co., Ltd.",
            capitalise(rng.pick(&PREFIXES)),
            capitalise(rng.pick(&JP_WORDS))
        ),
        _ => format!(
            "{}-{}.{}",
            rng.pick(&PREFIXES),
            rng.pick(&JP_WORDS),
            rng.pick(&JP_SUFFIXES)
        ),
    }
}

fn foreign_victim(rng: &mut DemoRng) -> String {
    let prefix = rng.pick(&PREFIXES);
    let word = rng.pick(&EN_WORDS);
    let (form, tld) = rng.pick(&EN_FORMS);
    if rng.chance(0.6) {
        format!("{prefix}-{}.{tld}", word.to_lowercase())
    } else {
        format!("{} {word} {form}", capitalise(prefix))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victims_are_invented_and_unique() {
        let mut rng = DemoRng::stream(1, "names");
        let mut names = Names::default();
        let all: Vec<String> = (0..500)
            .map(|i| names.victim(&mut rng, i % 4 == 0))
            .collect();
        let distinct: BTreeSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        assert!(all.iter().all(|n| {
            let l = n.to_lowercase();
            l.contains("example")
                || l.contains("sample")
                || l.contains("demo")
                || JA_PREFIXES.iter().any(|p| n.contains(p))
        }));
        assert!(all.iter().any(|n| n.ends_with(".co.jp")));
        assert!(all.iter().any(|n| n.contains("株式会社")));
    }
}
