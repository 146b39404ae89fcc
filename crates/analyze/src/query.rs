//! Running SQL and reading answers: one place that knows how DataFusion hands back
//! strings (Utf8, Utf8View, dictionaries), timestamps and counts.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use datafusion::prelude::SessionContext;

use crate::AnalyzeError;

/// Runs one query and collects its answer.
pub async fn run(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, AnalyzeError> {
    Ok(ctx.sql(sql).await?.collect().await?)
}

/// Column `i` of every batch as strings (`None` for null).
pub fn strings(batches: &[RecordBatch], i: usize) -> Result<Vec<Option<String>>, AnalyzeError> {
    let mut out = Vec::new();
    for b in batches {
        let col = cast(b.column(i), &DataType::Utf8)?;
        let col = col.as_string::<i32>();
        out.extend((0..col.len()).map(|r| (!col.is_null(r)).then(|| col.value(r).to_string())));
    }
    Ok(out)
}

/// Column `i` of every batch as integers (timestamps become microseconds; null → 0).
pub fn ints(batches: &[RecordBatch], i: usize) -> Result<Vec<i64>, AnalyzeError> {
    let mut out = Vec::new();
    for b in batches {
        let col = b.column(i);
        let col = match col.data_type() {
            DataType::Timestamp(_, _) => cast(
                &cast(
                    col,
                    &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
                )?,
                &DataType::Int64,
            )?,
            _ => cast(col, &DataType::Int64)?,
        };
        let col = col.as_primitive::<Int64Type>();
        out.extend((0..col.len()).map(|r| if col.is_null(r) { 0 } else { col.value(r) }));
    }
    Ok(out)
}

/// The first value of column `i`, if any and not null.
pub fn first_i64(batches: &[RecordBatch], i: usize) -> Option<i64> {
    let b = batches.iter().find(|b| b.num_rows() > 0)?;
    let col = cast(b.column(i), &DataType::Int64).ok()?;
    let col = col.as_primitive::<Int64Type>();
    (!col.is_null(0)).then(|| col.value(0))
}

/// A SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A timestamp literal comparable with the lake's `ts` column.
pub fn ts(micros: i64) -> String {
    format!("arrow_cast({micros}, 'Timestamp(Microsecond, Some(\"UTC\"))')")
}

/// `WHERE` conditions selecting `[from, to)` (with partition pruning on `day`) and the tenant.
pub fn range(from: i64, to: i64, tenant: Option<&str>) -> String {
    let day = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
    };
    let mut w = format!(
        "day >= '{}' AND day <= '{}' AND ts >= {} AND ts < {}",
        day(from),
        day(to),
        ts(from),
        ts(to)
    );
    if let Some(t) = tenant {
        w.push_str(&format!(" AND tenant = {}", quote(t)));
    }
    w
}
