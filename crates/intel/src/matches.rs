//! Matching `http` and `net` rows against imported indicators, when asked (report,
//! `kansoku intel matches`), rather than at ingest: an indicator imported today also
//! marks last month's rows, and the `http`/`net` schemas stay as they were.
//!
//! Two queries per table: the period's distinct source addresses (the index drops those
//! no list ever names), then the rows of the remaining addresses, each checked against
//! the index at its own time.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::prelude::SessionContext;
use kansoku_event::Micros;
use serde::Serialize;

use crate::IntelError;
use crate::collect::{strings, times, window};
use crate::index::IntelIndex;

/// The rows of one source address that lists named at their time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SourceMatch {
    /// `http` or `net`.
    pub table: &'static str,
    /// The address.
    pub src_ip: String,
    /// Lists that named it when its rows were logged.
    pub lists: BTreeSet<String>,
    /// Rows matched.
    pub rows: u64,
    /// Of them, `http` rows with a detection.
    pub attacks: u64,
    /// Attacks per list that named the address at the attack's time.
    pub attacks_by_list: BTreeMap<String, u64>,
    /// First matched row.
    pub first: Micros,
    /// Last matched row.
    pub last: Micros,
}

/// A period and, optionally, a tenant.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Start, inclusive.
    pub from: Micros,
    /// End, exclusive.
    pub to: Micros,
    /// Only this tenant's rows.
    pub tenant: Option<String>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Matches of `table` (`http` or `net`) in the scope, one per source address, sorted.
pub async fn matches(
    ctx: &SessionContext,
    index: &IntelIndex,
    table: &'static str,
    scope: &Scope,
) -> Result<Vec<SourceMatch>, IntelError> {
    if index.is_empty() || !ctx.table_exist(table).unwrap_or(false) {
        return Ok(Vec::new());
    }
    let mut where_ = format!(
        "src_ip IS NOT NULL AND {}",
        window("ts", scope.from, scope.to)
    );
    if let Some(t) = &scope.tenant {
        where_.push_str(&format!(" AND tenant = {}", quote(t)));
    }
    let mut candidates = Vec::new();
    let sql = format!("SELECT DISTINCT src_ip FROM {table} WHERE {where_}");
    for batch in ctx.sql(&sql).await?.collect().await? {
        for ip in strings(&batch, "src_ip")?.into_iter().flatten() {
            if index.names_ever(&ip) {
                candidates.push(ip);
            }
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let attack = if table == kansoku_event::table::HTTP {
        "cardinality(categories) > 0"
    } else {
        "false"
    };
    let mut out: BTreeMap<String, SourceMatch> = BTreeMap::new();
    // Bounded IN lists keep each plan small.
    for chunk in candidates.chunks(2_000) {
        let list: Vec<String> = chunk.iter().map(|c| quote(c)).collect();
        let sql = format!(
            "SELECT src_ip, ts, {attack} AS attack FROM {table} WHERE {where_} AND src_ip IN ({})",
            list.join(", ")
        );
        for batch in ctx.sql(&sql).await?.collect().await? {
            let ip = strings(&batch, "src_ip")?;
            let ts = times(&batch, "ts")?;
            let attack = strings(&batch, "attack")?;
            for i in 0..batch.num_rows() {
                let (Some(ip), Some(t)) = (&ip[i], ts[i]) else {
                    continue;
                };
                let lists = index.lists_at(ip, t);
                if lists.is_empty() {
                    continue;
                }
                let m = out.entry(ip.clone()).or_insert_with(|| SourceMatch {
                    table,
                    src_ip: ip.clone(),
                    first: t,
                    last: t,
                    ..SourceMatch::default()
                });
                m.rows += 1;
                let is_attack = attack[i].as_deref() == Some("true");
                if is_attack {
                    m.attacks += 1;
                }
                for l in lists {
                    if is_attack {
                        *m.attacks_by_list.entry(l.to_string()).or_default() += 1;
                    }
                    m.lists.insert(l.to_string());
                }
                m.first = m.first.min(t);
                m.last = m.last.max(t);
            }
        }
    }
    Ok(out.into_values().collect())
}

/// How many of a period's attacks came from sources others already listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KnownAttacks {
    /// `http` rows with a detection in the period.
    pub attacks: u64,
    /// Of them, from an address a list named at the time.
    pub known: u64,
    /// Distinct attacking addresses.
    pub sources: u64,
    /// Of them, named by a list at the time of one of their attacks.
    pub known_sources: u64,
    /// Per list: (name, attacks, sources), most attacks first.
    pub by_list: Vec<(String, u64, u64)>,
}

/// The report's figure: attacks in the scope from sources already known to others.
pub async fn known_attacks(
    ctx: &SessionContext,
    index: &IntelIndex,
    scope: &Scope,
) -> Result<KnownAttacks, IntelError> {
    let mut where_ = format!(
        "cardinality(categories) > 0 AND {}",
        window("ts", scope.from, scope.to)
    );
    if let Some(t) = &scope.tenant {
        where_.push_str(&format!(" AND tenant = {}", quote(t)));
    }
    let sql =
        format!("SELECT count(*) AS n, count(DISTINCT src_ip) AS sources FROM http WHERE {where_}");
    let mut k = KnownAttacks::default();
    for batch in ctx.sql(&sql).await?.collect().await? {
        let n = strings(&batch, "n")?;
        let s = strings(&batch, "sources")?;
        k.attacks = n
            .first()
            .cloned()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        k.sources = s
            .first()
            .cloned()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
    }
    let matched = matches(ctx, index, kansoku_event::table::HTTP, scope).await?;
    let mut by_list: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for m in matched.iter().filter(|m| m.attacks > 0) {
        k.known += m.attacks;
        k.known_sources += 1;
        for (l, n) in &m.attacks_by_list {
            let e = by_list.entry(l.clone()).or_default();
            e.0 += n;
            e.1 += 1;
        }
    }
    let mut by_list: Vec<(String, u64, u64)> =
        by_list.into_iter().map(|(l, (a, s))| (l, a, s)).collect();
    by_list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    k.by_list = by_list;
    Ok(k)
}
