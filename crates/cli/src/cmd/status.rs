//! `kansoku status`: what the lake holds.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use kansoku_lake::Lake;
use kansoku_pipeline::Config;
use serde::Serialize;

use crate::cli::{OutputFormat, StatusArgs};

#[derive(Debug, Serialize)]
struct TableStatus {
    table: String,
    rows: i64,
    files: usize,
    days: i64,
    first_day: Option<String>,
    last_day: Option<String>,
    tenants: i64,
}

#[derive(Debug, Serialize)]
struct SourceStatus {
    source: String,
    format: String,
    bytes: u64,
    lines: u64,
    stored: u64,
    rejected: u64,
    updated: String,
}

#[derive(Debug, Serialize)]
struct Status {
    data_dir: String,
    tables: Vec<TableStatus>,
    sources: Vec<SourceStatus>,
    rejected_lines: u64,
    rejects_dir: String,
}

pub fn run(config: &Config, args: StatusArgs) -> anyhow::Result<u8> {
    let lake = Lake::open(&config.data_dir)?;
    let mut tables = Vec::new();
    let rt = super::runtime()?;
    for table in lake.table_names() {
        let batches: Vec<RecordBatch> = rt.block_on(async {
            let ctx = super::session(config, &lake).await?;
            // Leak posts and Tor exit intervals belong to no tenant.
            let has_tenant = ctx
                .table_provider(table)
                .await?
                .schema()
                .field_with_name("tenant")
                .is_ok();
            let tenants = if has_tenant {
                "count(DISTINCT tenant)"
            } else {
                "CAST(0 AS BIGINT)"
            };
            let sql = format!(
                "SELECT count(*) AS n, count(DISTINCT day) AS days, min(day) AS first, max(day) AS last, {tenants} AS tenants FROM {table}"
            );
            anyhow::Ok(ctx.sql(&sql).await?.collect().await?)
        })?;
        let b = batches
            .first()
            .ok_or_else(|| anyhow::anyhow!("empty answer"))?;
        let int = |i: usize| b.column(i).as_primitive::<Int64Type>().value(0);
        let text = |i: usize| {
            let c = arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8).ok()?;
            let s = c.as_string::<i32>();
            (!s.is_null(0)).then(|| s.value(0).to_string())
        };
        tables.push(TableStatus {
            table: table.into(),
            rows: int(0),
            files: lake.files(table)?.len(),
            days: int(1),
            first_day: text(2),
            last_day: text(3),
            tenants: int(4),
        });
    }
    let sources: Vec<SourceStatus> = lake
        .checkpoints()?
        .into_iter()
        .map(|c| SourceStatus {
            source: c.paths.last().cloned().unwrap_or_default(),
            format: c.format,
            bytes: c.offset,
            lines: c.counts.lines,
            stored: c.counts.stored,
            rejected: c.counts.rejected,
            updated: c.updated,
        })
        .collect();
    let status = Status {
        data_dir: lake.root().display().to_string(),
        rejected_lines: sources.iter().map(|s| s.rejected).sum(),
        rejects_dir: lake.rejects_dir().display().to_string(),
        tables,
        sources,
    };
    match args.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&status)?),
        OutputFormat::Ndjson => {
            for t in &status.tables {
                println!("{}", serde_json::to_string(t)?);
            }
        }
        OutputFormat::Csv => crate::output::Listing {
            records: &status.tables,
            columns: &[
                "table",
                "rows",
                "files",
                "days",
                "first_day",
                "last_day",
                "tenants",
            ],
            row: |t| {
                vec![
                    t.table.clone(),
                    t.rows.to_string(),
                    t.files.to_string(),
                    t.days.to_string(),
                    t.first_day.clone().unwrap_or_default(),
                    t.last_day.clone().unwrap_or_default(),
                    t.tenants.to_string(),
                ]
            },
        }
        .print(OutputFormat::Csv)?,
        OutputFormat::Table => print_text(&status),
    }
    Ok(crate::exit::OK)
}

fn print_text(s: &Status) {
    crate::output::say(format!("lake: {}", s.data_dir));
    for t in &s.tables {
        let span = match (&t.first_day, &t.last_day) {
            (Some(a), Some(b)) => format!("{a} .. {b}"),
            _ => "no data".into(),
        };
        crate::output::say(format!(
            "  {:<8} {:>12} rows  {:>5} files  {:>4} days ({span})  {} tenants",
            t.table, t.rows, t.files, t.days, t.tenants
        ));
    }
    crate::output::say(format!("sources: {}", s.sources.len()));
    for src in &s.sources {
        crate::output::say(format!(
            "  {}  [{}]  {} lines, {} stored, {} rejected, {} bytes",
            src.source, src.format, src.lines, src.stored, src.rejected, src.bytes
        ));
    }
    crate::output::say(format!(
        "rejected lines: {} (in {})",
        s.rejected_lines, s.rejects_dir
    ));
}
