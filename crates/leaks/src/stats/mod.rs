//! The figures of report section 5 and `kansoku leaks stats`, as pure functions over
//! posts and a [`Period`]. A post's time is [`LeakPost::time`] (published when known,
//! else discovered); its day is the local day in the period's time zone.
//!
//! Counts are posts after merging reposts. A post counts for Japan when its country is
//! `JP`, whatever the method; "elsewhere" is every other post, unknown country included
//! (`country_unknown` says how many of those are unknown).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use kansoku_event::leak::CountrySource;
use kansoku_event::leak::LeakPost;

use crate::import::CountryMethods;
use crate::normalise::group_key;

mod period;

pub use period::{Period, PeriodInfo};

/// Japan's ISO code.
const JP: &str = "JP";

/// What to compute.
#[derive(Debug, Clone)]
pub struct StatsOptions {
    /// Groups the user watches (report names): each gets a row even when it posted
    /// nothing, shown as "—".
    pub configured_groups: Vec<String>,
    /// Only this group (a report name, compared case- and punctuation-insensitively).
    pub group: Option<String>,
    /// How many countries to list.
    pub top_countries: usize,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            configured_groups: Vec::new(),
            group: None,
            top_countries: 10,
        }
    }
}

/// One row of the per-group table. A count is `None` ("—") when the group had no post
/// in that period: not observed, which is not the same as observed doing nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    /// Group (report name).
    pub group: String,
    /// Posts with a Japanese victim.
    pub japan: Option<u64>,
    /// Posts with any other or an unknown victim country.
    pub elsewhere: Option<u64>,
    /// All posts.
    pub total: Option<u64>,
    /// Of `elsewhere`, posts whose country is unknown.
    pub country_unknown: Option<u64>,
    /// All posts in the previous period of the same length.
    pub previous: Option<u64>,
    /// Whether the group is one the user configured.
    pub configured: bool,
}

/// Posts on one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Posts that day.
    pub posts: u64,
}

/// A group's posts per local day over the whole period (days without posts included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupDaily {
    /// Group (report name).
    pub group: String,
    /// One entry per day of the period.
    pub days: Vec<DayCount>,
}

/// One country's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryShare {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Posts.
    pub posts: u64,
    /// Share of posts whose country is known (0–1).
    pub share_of_known: f64,
    /// Share of all posts (0–1).
    pub share_of_all: f64,
}

/// Victim countries over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountryShares {
    /// Posts in the period.
    pub posts: u64,
    /// Posts whose country is known.
    pub known: u64,
    /// `known / posts` (0 when there are no posts).
    pub known_share: f64,
    /// The most frequent countries, most posts first (ties by code).
    pub top: Vec<CountryShare>,
    /// Known-country posts outside the top list.
    pub other: u64,
    /// Posts whose country is unknown, shown apart.
    pub unknown: u64,
    /// How the known countries were determined.
    pub methods: CountryMethods,
}

/// Why a post is in the Japan list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JapanReason {
    /// Japanese script in the post.
    JapaneseText,
    /// Victim country JP (from any method).
    JapaneseVictim,
    /// Both.
    Both,
}

/// A post with Japanese text or a Japanese victim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JapanPost {
    /// Local time of the post, RFC 3339.
    pub time: String,
    /// Group.
    pub group: String,
    /// Victim as posted.
    pub victim: String,
    /// Victim domain.
    pub victim_domain: Option<String>,
    /// Country, if known.
    pub country: Option<String>,
    /// How the country was found.
    pub country_source: Option<CountrySource>,
    /// Why the post is listed.
    pub reason: JapanReason,
    /// Link to the post.
    pub post_url: Option<String>,
    /// Duplicates merged into it.
    pub reposts: u32,
}

/// Everything section 5 shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakStats {
    /// The period.
    pub period: PeriodInfo,
    /// The previous period of the same length.
    pub previous_period: PeriodInfo,
    /// Posts in the period.
    pub posts: u64,
    /// Posts in the previous period.
    pub previous_posts: u64,
    /// Per group, most posts first.
    pub groups: Vec<GroupRow>,
    /// Per group, posts per local day (groups with posts in the period).
    pub daily: Vec<GroupDaily>,
    /// Victim countries.
    pub countries: CountryShares,
    /// Posts with Japanese text or Japanese victims, in time order.
    pub japan: Vec<JapanPost>,
}

fn in_period<'a>(posts: &'a [LeakPost], period: &Period) -> impl Iterator<Item = &'a LeakPost> {
    let (start, end) = period.bounds();
    posts
        .iter()
        .filter(move |p| (start..end).contains(&p.time()))
}

fn is_japan(p: &LeakPost) -> bool {
    p.country.as_deref() == Some(JP)
}

/// All of section 5 for `period`.
pub fn leak_stats(posts: &[LeakPost], period: &Period, opts: &StatsOptions) -> LeakStats {
    let selected: Vec<LeakPost>;
    let (posts, configured) = match &opts.group {
        Some(g) => {
            let key = group_key(g);
            selected = posts
                .iter()
                .filter(|p| group_key(&p.group) == key)
                .cloned()
                .collect();
            let configured: Vec<String> = opts
                .configured_groups
                .iter()
                .filter(|c| group_key(c) == key)
                .cloned()
                .collect();
            (selected.as_slice(), configured)
        }
        None => (posts, opts.configured_groups.clone()),
    };
    let previous = period.previous();
    LeakStats {
        period: period.info(),
        previous_period: previous.info(),
        posts: in_period(posts, period).count() as u64,
        previous_posts: in_period(posts, &previous).count() as u64,
        groups: group_table(posts, period, &configured),
        daily: daily_counts(posts, period),
        countries: country_shares(posts, period, opts.top_countries),
        japan: japan_posts(posts, period),
    }
}

/// The per-group table: Japan / elsewhere / total / previous period.
pub fn group_table(posts: &[LeakPost], period: &Period, configured: &[String]) -> Vec<GroupRow> {
    #[derive(Default)]
    struct Tally {
        japan: u64,
        total: u64,
        unknown: u64,
        previous: u64,
    }
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for p in in_period(posts, period) {
        let t = tallies.entry(p.group.clone()).or_default();
        t.total += 1;
        t.japan += u64::from(is_japan(p));
        t.unknown += u64::from(p.country.is_none());
    }
    for p in in_period(posts, &period.previous()) {
        tallies.entry(p.group.clone()).or_default().previous += 1;
    }
    let configured_keys: BTreeSet<String> = configured.iter().map(|g| group_key(g)).collect();
    for g in configured {
        if !tallies.keys().any(|k| group_key(k) == group_key(g)) {
            tallies.insert(g.clone(), Tally::default());
        }
    }
    let observed = |n: u64, total: u64| (total > 0).then_some(n);
    let mut rows: Vec<GroupRow> = tallies
        .into_iter()
        .map(|(group, t)| GroupRow {
            japan: observed(t.japan, t.total),
            elsewhere: observed(t.total - t.japan, t.total),
            total: observed(t.total, t.total),
            country_unknown: observed(t.unknown, t.total),
            previous: observed(t.previous, t.previous),
            configured: configured_keys.contains(&group_key(&group)),
            group,
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.total.unwrap_or(0), b.previous.unwrap_or(0), &a.group).cmp(&(
            a.total.unwrap_or(0),
            a.previous.unwrap_or(0),
            &b.group,
        ))
    });
    rows
}

/// Each group's posts per local day (every day of the period, zeros included), groups
/// with most posts first. Spike detection is the caller's (section 1's method).
pub fn daily_counts(posts: &[LeakPost], period: &Period) -> Vec<GroupDaily> {
    let mut per_group: BTreeMap<&str, BTreeMap<chrono::NaiveDate, u64>> = BTreeMap::new();
    for p in in_period(posts, period) {
        *per_group
            .entry(&p.group)
            .or_default()
            .entry(period.local_day(p.time()))
            .or_default() += 1;
    }
    let mut out: Vec<(u64, GroupDaily)> = per_group
        .into_iter()
        .map(|(group, days)| {
            let total = days.values().sum();
            let days = period
                .each_day()
                .map(|d| DayCount {
                    date: d.to_string(),
                    posts: days.get(&d).copied().unwrap_or(0),
                })
                .collect();
            (
                total,
                GroupDaily {
                    group: group.to_string(),
                    days,
                },
            )
        })
        .collect();
    out.sort_by(|(ta, a), (tb, b)| tb.cmp(ta).then_with(|| a.group.cmp(&b.group)));
    out.into_iter().map(|(_, g)| g).collect()
}

/// Victim-country shares: the `top` most frequent, the rest, and the unknown apart.
pub fn country_shares(posts: &[LeakPost], period: &Period, top: usize) -> CountryShares {
    let mut by_country: BTreeMap<&str, u64> = BTreeMap::new();
    let mut methods = CountryMethods::default();
    let mut total = 0u64;
    for p in in_period(posts, period) {
        total += 1;
        methods.add(p.country_source);
        if let Some(c) = &p.country {
            *by_country.entry(c).or_default() += 1;
        }
    }
    let known: u64 = by_country.values().sum();
    let mut ranked: Vec<(&str, u64)> = by_country.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let ratio = |n: u64, d: u64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let top_list: Vec<CountryShare> = ranked
        .iter()
        .take(top)
        .map(|&(c, n)| CountryShare {
            country: c.to_string(),
            posts: n,
            share_of_known: ratio(n, known),
            share_of_all: ratio(n, total),
        })
        .collect();
    let listed: u64 = top_list.iter().map(|c| c.posts).sum();
    CountryShares {
        posts: total,
        known,
        known_share: ratio(known, total),
        top: top_list,
        other: known - listed,
        unknown: total - known,
        methods,
    }
}

/// Posts with Japanese text or a Japanese victim, in time order.
pub fn japan_posts(posts: &[LeakPost], period: &Period) -> Vec<JapanPost> {
    let mut out: Vec<(i64, JapanPost)> = in_period(posts, period)
        .filter_map(|p| {
            let reason = match (p.has_japanese, is_japan(p)) {
                (true, true) => JapanReason::Both,
                (true, false) => JapanReason::JapaneseText,
                (false, true) => JapanReason::JapaneseVictim,
                (false, false) => return None,
            };
            Some((
                p.time(),
                JapanPost {
                    time: period.local_time(p.time()),
                    group: p.group.clone(),
                    victim: p.victim.clone(),
                    victim_domain: p.victim_domain.clone(),
                    country: p.country.clone(),
                    country_source: p.country_source,
                    reason,
                    post_url: p.post_url.clone(),
                    reposts: p.reposts,
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.victim.cmp(&b.1.victim)));
    out.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests;
