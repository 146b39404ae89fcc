//! Who and what made up each explained episode, for all of them at once.
//!
//! Categories, sources, counts and first and last time are sums over the attack groups
//! already loaded ([`AttackCounts`]); tenants, tools and paths come from one query over
//! the explained episodes' hours, grouped by hour, tenant, tool and path, and split per
//! episode here. Each list is ranked as `ORDER BY n DESC, name LIMIT 5` would rank it.

use std::collections::BTreeMap;

use datafusion::prelude::SessionContext;
use kansoku_report::model::{NamedCount, Share, SpikeNote};

use crate::attacks::{AttackCounts, HOUR};
use crate::query::{self, quote, ts};
use crate::{AnalyzeError, ReportRequest};

/// Names shown per list.
const TOP: usize = 5;

/// Hours `first..=last` of one episode (hour indices of [`AttackCounts`]).
#[derive(Debug, Clone, Copy)]
pub struct Hours {
    /// First hour.
    pub first: usize,
    /// Last hour (inclusive).
    pub last: usize,
}

/// Tenant, tool and path counts of one episode.
#[derive(Default)]
struct Details {
    tenants: BTreeMap<Option<String>, u64>,
    tools: BTreeMap<String, u64>,
    paths: BTreeMap<String, u64>,
}

/// The SQL: the episodes' attacks per hour, tenant, tool and path.
fn sql(req: &ReportRequest, counts: &AttackCounts, episodes: &[Hours]) -> String {
    let day = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };
    let spans: Vec<(i64, i64)> = episodes
        .iter()
        .map(|e| (counts.hour(e.first), counts.hour(e.last + 1)))
        .collect();
    // The days on their own, so the day partitions outside the episodes are not read.
    let days: Vec<String> = spans
        .iter()
        .map(|(a, b)| format!("day >= '{}' AND day <= '{}'", day(*a), day(*b)))
        .collect();
    let times: Vec<String> = spans
        .iter()
        .map(|(a, b)| format!("ts >= {} AND ts < {}", ts(*a), ts(*b)))
        .collect();
    let tenant = req
        .tenant
        .as_deref()
        .map(|t| format!(" AND tenant = {}", quote(t)))
        .unwrap_or_default();
    format!(
        "SELECT date_trunc('hour', ts) AS hour, tenant, tool, path, count(*) AS n FROM http \
         WHERE ({}) AND ({}){tenant} AND cardinality(categories) > 0 GROUP BY 1, 2, 3, 4",
        days.join(" OR "),
        times.join(" OR ")
    )
}

/// One note per episode, in the episodes' order, with the SQL behind them.
pub async fn notes(
    ctx: &SessionContext,
    req: &ReportRequest,
    counts: &AttackCounts,
    episodes: &[Hours],
) -> Result<(Vec<SpikeNote>, Vec<String>), AnalyzeError> {
    if episodes.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let sql = sql(req, counts, episodes);
    let b = query::run(ctx, &sql).await?;
    let (hours, tenants) = (query::ints(&b, 0)?, query::strings(&b, 1)?);
    let (tools, paths, ns) = (
        query::strings(&b, 2)?,
        query::strings(&b, 3)?,
        query::ints(&b, 4)?,
    );
    let mut details: Vec<Details> = episodes.iter().map(|_| Details::default()).collect();
    for (r, ((tenant, tool), path)) in tenants.into_iter().zip(tools).zip(paths).enumerate() {
        let i = (hours[r] - counts.start).div_euclid(HOUR);
        let Some(d) = episodes
            .iter()
            .position(|e| (e.first as i64..=e.last as i64).contains(&i))
            .and_then(|k| details.get_mut(k))
        else {
            continue;
        };
        let n = ns[r].max(0) as u64;
        *d.tenants.entry(tenant).or_default() += n;
        if let Some(t) = tool {
            *d.tools.entry(t).or_default() += n;
        }
        if let Some(p) = path {
            *d.paths.entry(p).or_default() += n;
        }
    }
    let notes = episodes
        .iter()
        .zip(details)
        .map(|(e, d)| note(counts, *e, d))
        .collect();
    Ok((notes, vec![sql]))
}

fn note(counts: &AttackCounts, e: Hours, d: Details) -> SpikeNote {
    let (start, end) = (counts.hour(e.first), counts.hour(e.last + 1));
    let groups = counts.hours(e.first, e.last);
    let total = counts.total[e.first..=e.last].iter().sum::<f64>().max(1.0);
    let mut sources: BTreeMap<&str, u64> = BTreeMap::new();
    for g in groups {
        if let Some(s) = &g.src {
            *sources.entry(s).or_default() += g.n;
        }
    }
    let categories = counts.by_category.iter().map(|(c, v)| {
        let n = v[e.first..=e.last].iter().sum::<f64>() as u64;
        (Some(c.clone()), n)
    });
    let tenants = top(d.tenants.into_iter())
        .into_iter()
        .map(|t| Share {
            name: t.name,
            share: t.count as f64 / total,
        })
        .collect();
    SpikeNote {
        start,
        end,
        peak_ts: start,
        peak: 0,
        baseline: 0.0,
        score: 0.0,
        excess: 0,
        tenants,
        categories: top(categories.filter(|(_, n)| *n > 0)),
        tools: top(d.tools.into_iter().map(|(t, n)| (Some(t), n))),
        top_sources: top(sources.into_iter().map(|(s, n)| (Some(s.to_string()), n))),
        top_paths: top(d.paths.into_iter().map(|(p, n)| (Some(p), n))),
        first_seen: groups.iter().map(|g| g.first).min().unwrap_or(start),
        last_seen: groups.iter().map(|g| g.last).max().unwrap_or(end),
    }
}

/// The first [`TOP`] names by count, largest first, ties by name, a missing name after
/// every name of its count (SQL's `ORDER BY n DESC, name LIMIT 5`, nulls last); missing
/// names take their place in the ranking but are not shown.
fn top(counts: impl Iterator<Item = (Option<String>, u64)>) -> Vec<NamedCount> {
    let mut ranked: Vec<(Option<String>, u64)> = counts.collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1).then_with(|| match (&a.0, &b.0) {
            (Some(x), Some(y)) => x.cmp(y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        })
    });
    ranked
        .into_iter()
        .take(TOP)
        .filter_map(|(name, count)| Some(NamedCount { name: name?, count }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_ranks_by_count_then_name_with_a_missing_name_last_of_its_count() {
        let counts = [
            (Some("b".to_string()), 3),
            (None, 3),
            (Some("a".into()), 3),
            (Some("c".into()), 9),
            (Some("d".into()), 1),
            (Some("e".into()), 1),
        ];
        let names: Vec<(String, u64)> = top(counts.into_iter())
            .into_iter()
            .map(|n| (n.name, n.count))
            .collect();
        // The missing name holds the fourth place; "e" is sixth and left out.
        assert_eq!(
            names,
            [
                ("c".to_string(), 9),
                ("a".into(), 3),
                ("b".into(), 3),
                ("d".into(), 1)
            ]
        );
    }
}
