//! What the lake already knows, loaded once at start-up so that online detection continues
//! the batch history: which categories each tenant has seen (no "first sight" for a
//! category ingested last month), the trailing hourly detection counts the spike
//! baseline needs, and the latest state of every alert raised before (so a restart
//! continues open alerts instead of raising them again).

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use kansoku_event::alert::{Alert, col};
use kansoku_event::table;
use kansoku_lake::Lake;

use super::History;

const HOUR: i64 = 3_600_000_000;

/// Loads the history; `now` in microseconds. Hours older than `hours` are not loaded.
pub async fn load_history(lake: &Lake, now: i64, hours: i64) -> Result<History, String> {
    let ctx = lake.session().await.map_err(|e| e.to_string())?;
    let mut h = History::default();
    let seen = ctx
        .sql("SELECT DISTINCT tenant, c FROM (SELECT tenant, unnest(categories) AS c FROM http)")
        .await
        .map_err(|e| e.to_string())?
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    for b in &seen {
        let (t, c) = (strings(b.column(0))?, strings(b.column(1))?);
        let (t, c) = (t.as_string::<i32>(), c.as_string::<i32>());
        for i in 0..b.num_rows() {
            if t.is_valid(i) && c.is_valid(i) {
                h.seen
                    .insert((t.value(i).to_string(), c.value(i).to_string()));
            }
        }
    }
    let from = now - hours * HOUR;
    let sql = format!(
        "SELECT tenant, CAST(CAST(ts AS BIGINT) / {HOUR} AS BIGINT) AS h, CAST(count(*) AS BIGINT) AS n \
         FROM http WHERE cardinality(rule_ids) > 0 AND CAST(ts AS BIGINT) >= {from} GROUP BY 1, 2"
    );
    let hourly = ctx
        .sql(&sql)
        .await
        .map_err(|e| e.to_string())?
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    let mut map: HashMap<String, BTreeMap<i64, u64>> = HashMap::new();
    for b in &hourly {
        let t = strings(b.column(0))?;
        let t = t.as_string::<i32>();
        let (hr, n) = (ints(b.column(1))?, ints(b.column(2))?);
        for i in 0..b.num_rows() {
            map.entry(t.value(i).to_string())
                .or_default()
                .insert(hr.value(i), n.value(i).max(0) as u64);
        }
    }
    h.hourly = map;
    h.alerts = latest_alerts(lake)?;
    Ok(h)
}

/// Alerts resumed at most: the newest by last event.
const RESUMED: usize = 10_000;

/// The highest revision of each alert id in the `alert` table, newest campaigns first.
pub fn latest_alerts(lake: &Lake) -> Result<Vec<Alert>, String> {
    let mut latest: HashMap<String, Alert> = HashMap::new();
    for b in lake.read_table(table::ALERT).map_err(|e| e.to_string())? {
        for a in alerts_of(&b)? {
            if latest.get(&a.id).is_none_or(|x| x.revision < a.revision) {
                latest.insert(a.id.clone(), a);
            }
        }
    }
    let mut out: Vec<Alert> = latest.into_values().collect();
    out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.id.cmp(&b.id)));
    out.truncate(RESUMED);
    Ok(out)
}

fn alerts_of(b: &RecordBatch) -> Result<Vec<Alert>, String> {
    let column = |name: &str| {
        b.column_by_name(name)
            .ok_or_else(|| format!("the alert table has no column {name}"))
    };
    let text = |name: &str| strings(column(name)?);
    let int = |name: &str| ints(column(name)?);
    let (id, tenant, kind, severity, summary, evidence) = (
        text(col::ID)?,
        text(col::TENANT)?,
        text(col::KIND)?,
        text(col::SEVERITY)?,
        text(col::SUMMARY)?,
        text(col::EVIDENCE)?,
    );
    let (ts, first, last, count, revision) = (
        int(col::TS)?,
        int(col::FIRST_SEEN)?,
        int(col::LAST_SEEN)?,
        int(col::COUNT)?,
        int(col::REVISION)?,
    );
    let s = |a: &ArrayRef, i: usize| {
        let a = a.as_string::<i32>();
        if a.is_valid(i) {
            a.value(i).to_string()
        } else {
            String::new()
        }
    };
    Ok((0..b.num_rows())
        .filter(|&i| id.is_valid(i))
        .map(|i| Alert {
            id: s(&id, i),
            ts: ts.value(i),
            tenant: s(&tenant, i),
            kind: s(&kind, i),
            severity: s(&severity, i),
            summary: s(&summary, i),
            evidence: s(&evidence, i),
            first_seen: first.value(i),
            last_seen: last.value(i),
            count: count.value(i).max(0) as u64,
            revision: u32::try_from(revision.value(i).max(0)).unwrap_or(u32::MAX),
        })
        .collect())
}

fn strings(a: &ArrayRef) -> Result<ArrayRef, String> {
    let c = cast(a, &DataType::Utf8).map_err(|e| e.to_string())?;
    if c.as_any().downcast_ref::<StringArray>().is_none() {
        return Err("unexpected column type".into());
    }
    Ok(c)
}

fn ints(a: &ArrayRef) -> Result<Int64Array, String> {
    let c = cast(a, &DataType::Int64).map_err(|e| e.to_string())?;
    c.as_any()
        .downcast_ref::<Int64Array>()
        .cloned()
        .ok_or_else(|| "unexpected column type".into())
}
