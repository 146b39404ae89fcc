//! What the lake already knows, loaded once at start-up so that online detection continues
//! the batch history: which categories each tenant has seen (no "first sight" for a
//! category ingested last month) and the trailing hourly detection counts the spike
//! baseline needs.

use std::collections::{BTreeMap, HashMap};

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
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
    Ok(h)
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
