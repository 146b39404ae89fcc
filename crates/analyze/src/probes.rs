//! The "distributed probes" table of the WAF chapter: requests that a probe list flagged
//! (`rules/probes/`: a well-known admin page, console, installer or file that the site
//! answered 403, 404 or 410), gathered into campaigns.
//!
//! The matcher sees one request at a time; two decisions need the whole period, so they
//! are made here:
//!
//! - **The site's own paths.** A path the same site (tenant and virtual host) answered
//!   2xx to anyone in the period is its own, whatever else it answered to others: its
//!   probe detections are left out (the path compared lowercased, without a trailing `/`).
//! - **Campaigns.** Detections are grouped by (tenant, host, probe list). Many addresses
//!   each asking a few times is a distributed scan: a group with at least
//!   [`ProbeParams::min_sources`] addresses that sent it at most
//!   [`ProbeParams::max_per_source`] requests each is one campaign, reported with those
//!   addresses' requests, paths, answers and first and last time. A single address asking
//!   many times is a scanner, which the other sections show by address.
//!
//! Probe detections are the rule ids starting with `probe-` (the probe lists' rule ids,
//! `kansoku_detect::probes::PROBE_RULE_PREFIX`; this crate reads the lake, not the rules).

use std::collections::{BTreeMap, BTreeSet};

use datafusion::prelude::SessionContext;
use kansoku_report::model::{Align, Block, Column, Note, Section, Table, Text, Tone, Value};

use crate::query::{self, range};
use crate::{AnalyzeError, ReportRequest};

/// Prefix of the rule ids of probe lists.
const PROBE_PREFIX: &str = "probe-";
/// Paths shown per campaign.
const PATHS_SHOWN: usize = 3;

/// When probe detections count as one distributed campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeParams {
    /// Fewest distinct addresses (each within `max_per_source`) for a campaign.
    pub min_sources: usize,
    /// Most requests one address may send to a (site, list) and still count as one of a
    /// campaign's many: "each asks a few times".
    pub max_per_source: u64,
    /// Campaigns shown, most addresses first.
    pub rows: usize,
}

impl Default for ProbeParams {
    fn default() -> Self {
        ProbeParams {
            min_sources: 5,
            max_per_source: 10,
            rows: 10,
        }
    }
}

/// One row of the query: one address's requests for one path of one list on one site,
/// with one answer.
#[derive(Debug, Clone)]
struct Asked {
    src: String,
    path: String,
    status: i64,
    n: u64,
    first: i64,
    last: i64,
}

/// A (tenant, host, probe list) group's campaign.
#[derive(Debug, Clone, PartialEq)]
struct Campaign {
    site: String,
    list: String,
    sources: usize,
    requests: u64,
    /// Paths, most addresses first, then how many more there are.
    paths: (Vec<String>, usize),
    statuses: Vec<i64>,
    first: i64,
    last: i64,
}

/// The SQL: probe detections of the period outside the sites' own paths, per address,
/// path and answer. `own` is not narrowed to the probed paths with `IN (SELECT k FROM p)`:
/// a CTE read twice, once in such a subquery, makes Ballista 55 plan stages without end
/// (the cluster test hung on it); the anti-join alone gives the same rows.
fn sql(req: &ReportRequest) -> String {
    let (from, to) = req.period.bounds(req.tz);
    let where_ = range(from, to, req.tenant.as_deref());
    format!(
        "WITH p AS (\
         SELECT tenant, coalesce(host, '') AS host, rule, src_ip, path, rtrim(lower(path), '/') AS k, status, ts \
         FROM (SELECT tenant, host, src_ip, path, status, ts, unnest(rule_ids) AS rule FROM http \
         WHERE {where_} AND cardinality(rule_ids) > 0 AND src_ip IS NOT NULL AND path IS NOT NULL) \
         WHERE starts_with(rule, '{PROBE_PREFIX}')), \
         own AS (\
         SELECT DISTINCT tenant, coalesce(host, '') AS host, rtrim(lower(path), '/') AS k FROM http \
         WHERE {where_} AND status >= 200 AND status < 300 AND path IS NOT NULL) \
         SELECT p.tenant, p.host, p.rule, p.src_ip, min(p.path) AS path, p.status, count(*) AS n, \
         min(p.ts) AS first, max(p.ts) AS last \
         FROM p LEFT JOIN own ON p.tenant = own.tenant AND p.host = own.host AND p.k = own.k \
         WHERE own.k IS NULL \
         GROUP BY p.tenant, p.host, p.rule, p.src_ip, p.k, p.status"
    )
}

/// The campaign of one group, if it is one.
fn campaign(site: String, list: String, rows: &[Asked], params: &ProbeParams) -> Option<Campaign> {
    let mut per_source: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *per_source.entry(&r.src).or_default() += r.n;
    }
    let few: BTreeSet<&str> = per_source
        .iter()
        .filter(|(_, n)| **n <= params.max_per_source)
        .map(|(s, _)| *s)
        .collect();
    if few.len() < params.min_sources.max(1) {
        return None;
    }
    let mut requests = 0;
    let mut by_path: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut statuses = BTreeSet::new();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for r in rows.iter().filter(|r| few.contains(r.src.as_str())) {
        requests += r.n;
        by_path.entry(&r.path).or_default().insert(&r.src);
        statuses.insert(r.status);
        first = first.min(r.first);
        last = last.max(r.last);
    }
    let mut paths: Vec<(&str, usize)> = by_path.iter().map(|(p, s)| (*p, s.len())).collect();
    paths.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let more = paths.len().saturating_sub(PATHS_SHOWN);
    Some(Campaign {
        site,
        list,
        sources: few.len(),
        requests,
        paths: (
            paths
                .into_iter()
                .take(PATHS_SHOWN)
                .map(|(p, _)| p.to_string())
                .collect(),
            more,
        ),
        statuses: statuses.into_iter().collect(),
        first,
        last,
    })
}

/// Groups the query's rows into campaigns, most addresses first; also the totals (probe
/// requests, addresses) of the period.
fn campaigns(
    b: &[arrow::array::RecordBatch],
    params: &ProbeParams,
) -> Result<(Vec<Campaign>, u64, usize), AnalyzeError> {
    let (tenants, hosts) = (query::strings(b, 0)?, query::strings(b, 1)?);
    let (lists, sources) = (query::strings(b, 2)?, query::strings(b, 3)?);
    let (paths, statuses) = (query::strings(b, 4)?, query::ints(b, 5)?);
    let (counts, firsts, lasts) = (query::ints(b, 6)?, query::ints(b, 7)?, query::ints(b, 8)?);
    let mut groups: BTreeMap<(String, String, String), Vec<Asked>> = BTreeMap::new();
    let mut all_sources = BTreeSet::new();
    let mut total = 0;
    for r in 0..tenants.len() {
        let (Some(tenant), Some(list), Some(src), Some(path)) = (
            tenants[r].clone(),
            lists[r].clone(),
            sources[r].clone(),
            paths[r].clone(),
        ) else {
            continue;
        };
        let n = counts[r].max(0) as u64;
        total += n;
        all_sources.insert(src.clone());
        // The site is the virtual host; a log without one is the tenant's one site.
        let site = hosts[r]
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| tenant.clone());
        groups.entry((tenant, site, list)).or_default().push(Asked {
            src,
            path,
            status: statuses[r],
            n,
            first: firsts[r],
            last: lasts[r],
        });
    }
    let mut out: Vec<Campaign> = groups
        .into_iter()
        .filter_map(|((_, site, list), rows)| campaign(site, list, &rows, params))
        .collect();
    out.sort_by(|a, b| {
        (b.sources, b.requests)
            .cmp(&(a.sources, a.requests))
            .then_with(|| (&a.site, &a.list).cmp(&(&b.site, &b.list)))
    });
    Ok((out, total, all_sources.len()))
}

fn table(found: &[Campaign], params: &ProbeParams, sql: String) -> Table {
    let rows = found
        .iter()
        .take(params.rows)
        .map(|c| {
            let mut paths = c.paths.0.join(", ");
            if c.paths.1 > 0 {
                paths.push_str(&format!(" (+{})", c.paths.1));
            }
            let statuses: Vec<String> = c.statuses.iter().map(i64::to_string).collect();
            vec![
                Value::Code(c.list.clone()),
                Value::Code(c.site.clone()),
                Value::Count(c.sources as u64),
                Value::Count(c.requests),
                Value::Code(paths),
                Value::Text(statuses.join(", ")),
                Value::Time(c.first),
                Value::Time(c.last),
            ]
        })
        .collect();
    Table {
        title: None,
        columns: vec![
            Column::new("probes.list", Align::Left),
            Column::new("probes.site", Align::Left),
            Column::new("probes.sources", Align::Right),
            Column::new("probes.requests", Align::Right),
            Column::new("probes.paths", Align::Left),
            Column::new("probes.status", Align::Left),
            Column::new("probes.first_seen", Align::Left),
            Column::new("probes.last_seen", Align::Left),
        ],
        rows,
        footnote: Some(Text::template(
            "probes.method",
            [
                ("min_sources", Value::Count(params.min_sources as u64)),
                ("max_per_source", Value::Count(params.max_per_source)),
            ],
        )),
        queries: vec![sql],
    }
}

/// The distributed-probes section of the WAF chapter.
pub async fn section(ctx: &SessionContext, req: &ReportRequest) -> Result<Section, AnalyzeError> {
    let params = req.probes;
    let sql = sql(req);
    let b = query::run(ctx, &sql).await?;
    let (found, requests, sources) = campaigns(&b, &params)?;
    let summary = Note {
        tone: Tone::Info,
        title: None,
        paragraphs: vec![
            Text::template(
                "probes.summary",
                [
                    ("requests", Value::Count(requests)),
                    ("sources", Value::Count(sources as u64)),
                ],
            ),
            Text::template(
                if found.is_empty() {
                    "probes.none"
                } else {
                    "probes.campaigns"
                },
                [
                    ("campaigns", Value::Count(found.len() as u64)),
                    ("min_sources", Value::Count(params.min_sources as u64)),
                ],
            ),
        ],
    };
    let mut blocks = vec![Block::Note(summary)];
    if !found.is_empty() {
        blocks.push(Block::Table(table(&found, &params, sql)));
    }
    Ok(Section::new(
        "probes",
        "chapter.waf",
        Text::label("section.probes"),
        blocks,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(src: &str, path: &str, n: u64, ts: i64) -> Asked {
        Asked {
            src: src.into(),
            path: path.into(),
            status: 404,
            n,
            first: ts,
            last: ts + 1,
        }
    }

    #[test]
    fn many_sources_asking_a_few_times_are_one_campaign() {
        let params = ProbeParams::default();
        let mut rows: Vec<Asked> = (0..6)
            .map(|i| asked(&format!("192.0.2.{i}"), "/wp-admin/", 1, 100 + i))
            .collect();
        rows.push(asked("192.0.2.1", "/wp-login.php", 1, 50));
        // A single heavy scanner is not one of the many.
        rows.push(asked("198.51.100.9", "/wp-admin/", 500, 10));
        let c =
            campaign("site".into(), "probe-wordpress".into(), &rows, &params).expect("a campaign");
        assert_eq!((c.sources, c.requests), (6, 7));
        assert_eq!(
            c.paths,
            (vec!["/wp-admin/".to_string(), "/wp-login.php".into()], 0)
        );
        assert_eq!((c.first, c.last), (50, 106));
        assert_eq!(c.statuses, [404]);
    }

    #[test]
    fn too_few_sources_or_only_heavy_ones_are_no_campaign() {
        let params = ProbeParams::default();
        let few: Vec<Asked> = (0..4)
            .map(|i| asked(&format!("192.0.2.{i}"), "/admin.php", 1, i))
            .collect();
        assert_eq!(campaign("s".into(), "l".into(), &few, &params), None);
        let heavy: Vec<Asked> = (0..6)
            .map(|i| asked(&format!("192.0.2.{i}"), "/admin.php", 11, i))
            .collect();
        assert_eq!(campaign("s".into(), "l".into(), &heavy, &params), None);
    }
}
