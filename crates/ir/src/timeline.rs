//! `kansoku timeline`: lake records, case notes and custody events on one time axis,
//! printed for reading or exported for Timesketch (JSONL, CSV).
//!
//! From the lake: `http` rows with at least one detection; `net` rows (firewall
//! entries) and `leak` posts naming the organisation when those tables are registered
//! in the session (older lakes have neither, and a query that fails on a table whose
//! columns differ is reported, not fatal). `--ip` restricts lake rows to those
//! addresses (client, or either end of a flow); notes and custody events always show.
//! Each lake source is capped at `limit` rows, oldest first; the cap is reported.
//!
//! Timesketch needs `message`, `datetime` (ISO 8601) and `timestamp_desc` in every row;
//! the exports add `timestamp` (microseconds since the epoch) and the fields of each
//! record as further columns.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use chrono::{DateTime, Utc};
use datafusion::prelude::SessionContext;

use crate::IrError;
use crate::case::Case;
use crate::custody::read_log;

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When, UTC.
    pub time: DateTime<Utc>,
    /// `http`, `net`, `leak`, `note` or `custody`.
    pub source: String,
    /// What the time means (`Request time`, `Leak post published`, `Note`).
    pub timestamp_desc: String,
    /// One readable line.
    pub message: String,
    /// The record's fields.
    pub fields: BTreeMap<String, String>,
}

/// What to put on the timeline.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// To (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// Only lake rows involving these addresses.
    pub ips: Vec<String>,
    /// Names or domains of the organisation, to find leak posts naming it.
    pub organisation: Vec<String>,
    /// Rows per lake source at most.
    pub limit: usize,
}

/// The timeline and what was left out.
#[derive(Debug, Default)]
pub struct Timeline {
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Sources skipped or capped, and why.
    pub notes: Vec<String>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts_literal(t: DateTime<Utc>) -> String {
    format!(
        "arrow_cast({}, 'Timestamp(Microsecond, Some(\"UTC\"))')",
        t.timestamp_micros()
    )
}

fn window(q: &Query, column: &str) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(f) = q.from {
        w.push(format!(
            "day >= '{}' AND {column} >= {}",
            f.format("%Y-%m-%d"),
            ts_literal(f)
        ));
    }
    if let Some(t) = q.to {
        w.push(format!(
            "day <= '{}' AND {column} < {}",
            t.format("%Y-%m-%d"),
            ts_literal(t)
        ));
    }
    w
}

fn ip_list(q: &Query) -> String {
    q.ips
        .iter()
        .map(|ip| quote(ip))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the timeline of `case`, querying the lake through `ctx`.
pub async fn build(case: &Case, ctx: &SessionContext, q: &Query) -> Result<Timeline, IrError> {
    let mut tl = Timeline::default();
    let limit = if q.limit == 0 { 10_000 } else { q.limit };
    let mut http_where = vec!["cardinality(rule_ids) > 0".to_string()];
    http_where.extend(window(q, "ts"));
    if !q.ips.is_empty() {
        http_where.push(format!("src_ip IN ({})", ip_list(q)));
    }
    let http = format!(
        "SELECT ts, tenant, src_ip, host, method, path, status, array_to_string(rule_ids, ',') AS rule_ids, \
         array_to_string(categories, ',') AS categories, tool, source, source_line FROM http WHERE {} ORDER BY ts LIMIT {}",
        http_where.join(" AND "),
        limit + 1
    );
    lake_source(ctx, "http", &http, limit, "Request time", &mut tl, |f| {
        let g = |k: &str| f.get(k).map_or("-", String::as_str);
        format!(
            "{} {}{} from {} → {}: {} ({})",
            g("method"),
            g("host"),
            g("path"),
            g("src_ip"),
            g("status"),
            g("categories"),
            g("rule_ids")
        )
    })
    .await;
    if table_exists(ctx, "net") {
        let mut w = window(q, "ts");
        if !q.ips.is_empty() {
            w.push(format!("(src_ip IN ({0}) OR dst_ip IN ({0}))", ip_list(q)));
        }
        let sql = format!(
            "SELECT ts, tenant, src_ip, src_port, dst_ip, dst_port, proto, service, action, device, source, source_line FROM net{} ORDER BY ts LIMIT {}",
            if w.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", w.join(" AND "))
            },
            limit + 1
        );
        lake_source(ctx, "net", &sql, limit, "Firewall log time", &mut tl, |f| {
            let g = |k: &str| f.get(k).map_or("-", String::as_str);
            format!(
                "{} {} {}:{} → {}:{} ({})",
                g("action"),
                g("proto"),
                g("src_ip"),
                g("src_port"),
                g("dst_ip"),
                g("dst_port"),
                g("service")
            )
        })
        .await;
    } else {
        tl.notes
            .push("net: no such table in this lake (firewall logs not ingested); skipped".into());
    }
    if !table_exists(ctx, "leak") {
        tl.notes
            .push("leak: no such table in this lake; skipped".into());
    } else if q.organisation.is_empty() {
        tl.notes
            .push("leak: no organisation name given (--org); skipped".into());
    } else {
        let t = "CASE WHEN time_basis = 'published' AND published IS NOT NULL THEN published ELSE discovered END";
        let names: Vec<String> = q
            .organisation
            .iter()
            .map(|o| {
                let like = quote(&format!("%{}%", o.to_lowercase().replace(['%', '_'], "")));
                format!(
                    "lower(victim) LIKE {like} OR lower(coalesce(victim_domain, '')) LIKE {like}"
                )
            })
            .collect();
        let mut w = vec![format!("({})", names.join(" OR "))];
        w.extend(window(q, t));
        let sql = format!(
            "SELECT {t} AS ts, \"group\", victim, victim_domain, time_basis, post_url, source FROM leak WHERE {} ORDER BY 1 LIMIT {}",
            w.join(" AND "),
            limit + 1
        );
        lake_source(ctx, "leak", &sql, limit, "Leak post time", &mut tl, |f| {
            let g = |k: &str| f.get(k).map_or("-", String::as_str);
            format!(
                "leak site post by {} naming {} ({})",
                g("group"),
                g("victim"),
                g("time_basis")
            )
        })
        .await;
    }
    case_events(case, q, &mut tl)?;
    tl.events
        .sort_by(|a, b| (a.time, &a.source, &a.message).cmp(&(b.time, &b.source, &b.message)));
    Ok(tl)
}

fn table_exists(ctx: &SessionContext, name: &str) -> bool {
    ctx.table_exist(name).unwrap_or(false)
}

async fn lake_source(
    ctx: &SessionContext,
    source: &str,
    sql: &str,
    limit: usize,
    desc: &str,
    tl: &mut Timeline,
    message: impl Fn(&BTreeMap<String, String>) -> String,
) {
    let batches = match ctx.sql(sql).await {
        Ok(df) => df.collect().await,
        Err(e) => Err(e),
    };
    let batches = match batches {
        Ok(b) => b,
        Err(e) => {
            tl.notes
                .push(format!("{source}: query failed ({e}); skipped"));
            return;
        }
    };
    let mut rows = match rows_of(&batches) {
        Ok(r) => r,
        Err(e) => {
            tl.notes
                .push(format!("{source}: unreadable answer ({e}); skipped"));
            return;
        }
    };
    if rows.len() > limit {
        rows.truncate(limit);
        tl.notes.push(format!(
            "{source}: capped at the first {limit} rows (use --limit or narrow --from/--to/--ip)"
        ));
    }
    for (time, fields) in rows {
        tl.events.push(Event {
            time,
            source: source.into(),
            timestamp_desc: desc.into(),
            message: message(&fields),
            fields,
        });
    }
}

type Row = (DateTime<Utc>, BTreeMap<String, String>);

/// Rows as (the `ts` column, every other non-null column as text).
fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Row>, arrow::error::ArrowError> {
    let mut out = Vec::new();
    for b in batches {
        let schema = b.schema();
        let ts = cast(
            &cast(
                b.column(0),
                &DataType::Timestamp(TimeUnit::Microsecond, None),
            )?,
            &DataType::Int64,
        )?;
        let ts = ts.as_primitive::<Int64Type>();
        let cols: Vec<_> = (1..b.num_columns())
            .map(|i| {
                cast(b.column(i), &DataType::Utf8).map(|c| (schema.field(i).name().clone(), c))
            })
            .collect::<Result<_, _>>()?;
        for r in 0..b.num_rows() {
            let Some(time) = (!ts.is_null(r))
                .then(|| DateTime::from_timestamp_micros(ts.value(r)))
                .flatten()
            else {
                continue;
            };
            let mut fields = BTreeMap::new();
            for (name, c) in &cols {
                let c = c.as_string::<i32>();
                if !c.is_null(r) && !c.value(r).is_empty() {
                    fields.insert(name.clone(), c.value(r).to_string());
                }
            }
            out.push((time, fields));
        }
    }
    Ok(out)
}

fn in_window(q: &Query, t: DateTime<Utc>) -> bool {
    q.from.is_none_or(|f| t >= f) && q.to.is_none_or(|to| t < to)
}

fn case_events(case: &Case, q: &Query, tl: &mut Timeline) -> Result<(), IrError> {
    for n in &case.meta.notes {
        let time = n.at.with_timezone(&Utc);
        if in_window(q, time) {
            tl.events.push(Event {
                time,
                source: "note".into(),
                timestamp_desc: "Case note".into(),
                message: n.text.clone(),
                fields: BTreeMap::from([("author".to_string(), n.author.clone())]),
            });
        }
    }
    let learned = case.meta.learned.with_timezone(&Utc);
    if in_window(q, learned) {
        tl.events.push(Event {
            time: learned,
            source: "note".into(),
            timestamp_desc: "Incident learned".into(),
            message: format!(
                "{} learned of the incident ({})",
                case.meta.name,
                case.meta.case_type.as_str()
            ),
            fields: BTreeMap::new(),
        });
    }
    for (_, entry) in read_log(&case.dir)? {
        let Ok(e) = entry else { continue };
        let Ok(time) = DateTime::parse_from_rfc3339(&e.time).map(|t| t.with_timezone(&Utc)) else {
            continue;
        };
        if !in_window(q, time) {
            continue;
        }
        let d = &e.data;
        let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let message = match e.action.as_str() {
            "evidence_added" | "evidence_imported" => format!(
                "evidence {} registered: {}:{} (SHA-256 {})",
                s("id"),
                s("host"),
                s("source_path"),
                s("sha256")
            ),
            "exported" => format!("case exported to {}", s("archive")),
            other => other.replace('_', " "),
        };
        let fields = BTreeMap::from([
            ("actor".to_string(), e.actor.clone()),
            ("custody_index".to_string(), e.index.to_string()),
        ]);
        tl.events.push(Event {
            time,
            source: "custody".into(),
            timestamp_desc: format!("Custody: {}", e.action.as_str()),
            message,
            fields,
        });
    }
    Ok(())
}

/// The columns every export row has, then the field names in use.
pub fn columns(events: &[Event]) -> Vec<String> {
    let fixed = [
        "message",
        "datetime",
        "timestamp_desc",
        "timestamp",
        "source",
    ];
    let extra: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.fields.keys().map(String::as_str))
        .filter(|k| !fixed.contains(k))
        .collect();
    fixed
        .iter()
        .map(|s| s.to_string())
        .chain(extra.into_iter().map(String::from))
        .collect()
}

fn row(e: &Event) -> BTreeMap<String, String> {
    let mut m = e.fields.clone();
    m.insert("message".into(), e.message.clone());
    m.insert(
        "datetime".into(),
        e.time.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
    );
    m.insert("timestamp_desc".into(), e.timestamp_desc.clone());
    m.insert("timestamp".into(), e.time.timestamp_micros().to_string());
    m.insert("source".into(), e.source.clone());
    m
}

/// Timesketch JSONL: one object per event.
pub fn jsonl(events: &[Event]) -> String {
    let mut s = String::new();
    for e in events {
        let mut obj: serde_json::Map<String, serde_json::Value> = row(e)
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        obj.insert(
            "timestamp".into(),
            serde_json::Value::from(e.time.timestamp_micros()),
        );
        s.push_str(&serde_json::Value::Object(obj).to_string());
        s.push('\n');
    }
    s
}

/// Timesketch CSV with a header; cells a spreadsheet would evaluate are neutralised
/// ([`kansoku_event::spreadsheet`]).
pub fn csv(events: &[Event]) -> Result<String, IrError> {
    let cols = columns(events);
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| IrError::Invalid(format!("csv: {e}"));
    w.write_record(&cols).map_err(err)?;
    for e in events {
        let r = row(e);
        w.write_record(cols.iter().map(|c| {
            kansoku_event::spreadsheet::safe_cell(r.get(c).map_or("", String::as_str)).into_owned()
        }))
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| IrError::Invalid(format!("csv: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Readable lines, times in `tz`.
pub fn text(tl: &Timeline, tz: chrono_tz::Tz) -> String {
    let mut s = String::new();
    for e in &tl.events {
        s.push_str(&format!(
            "{}  [{:<7}] {}\n",
            e.time.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %:z"),
            e.source,
            e.message.replace(['\n', '\r'], " ")
        ));
    }
    for n in &tl.notes {
        s.push_str(&format!("# {n}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_inert_in_a_spreadsheet() {
        let e = Event {
            time: DateTime::<Utc>::from_timestamp(1_790_000_000, 0).expect("time"),
            source: "http".into(),
            timestamp_desc: "Request time".into(),
            message: "=HYPERLINK(\"http://evil\",\"click\")".into(),
            fields: BTreeMap::from([("user_agent".to_string(), "@SUM(1+1)".to_string())]),
        };
        let text = csv(&[e]).expect("csv");
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains("'@SUM"), "{text}");
    }
}
