//! Where things live in the lake: tables, day partitions, file names.

use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use chrono::{DateTime, NaiveDate};
use kansoku_event::{Micros, table};

use crate::LakeError;

/// A table of the lake: its name, schema and the column that decides its day partition.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    /// Table name, also its folder name.
    pub name: &'static str,
    /// Its Arrow schema, without the `day` partition column.
    pub schema: fn() -> SchemaRef,
    /// Timestamp column (microseconds, UTC) whose UTC date names the partition.
    pub time_column: &'static str,
}

/// Every table the lake knows. Adding a table = one line here plus its schema in `event`.
pub const TABLES: &[TableDef] = &[
    TableDef {
        name: table::HTTP,
        schema: kansoku_event::http::schema,
        time_column: kansoku_event::http::col::TS,
    },
    TableDef {
        name: table::ALERT,
        schema: kansoku_event::alert::schema,
        time_column: kansoku_event::alert::col::TS,
    },
    TableDef {
        name: table::NET,
        schema: kansoku_event::net::schema,
        time_column: kansoku_event::net::col::TS,
    },
    TableDef {
        name: table::TOR_EXIT,
        schema: kansoku_event::tor::schema,
        time_column: kansoku_event::tor::col::FIRST_SEEN,
    },
    // Leak posts are partitioned by `discovered`: it is never null (`published` often
    // is), and the importer keeps `published <= discovered`, so a post's report time
    // is never after its partition day: a query for a period may prune `day <` its
    // start, never `day >` its end.
    TableDef {
        name: table::LEAK,
        schema: kansoku_event::leak::schema,
        time_column: kansoku_event::leak::col::DISCOVERED,
    },
    TableDef {
        name: table::INTEL,
        schema: kansoku_event::intel::schema,
        time_column: kansoku_event::intel::col::VALID_FROM,
    },
];

/// The definition of a table by name.
pub fn table_def(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

/// Name of the Hive-style partition column.
pub const DAY_COLUMN: &str = "day";

/// The UTC day of a timestamp.
pub fn day_of(ts: Micros) -> NaiveDate {
    DateTime::from_timestamp_micros(ts)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// `<table_dir>/day=YYYY-MM-DD/<name>.parquet`
pub fn file_path(table_dir: &Path, day: NaiveDate, name: &str) -> PathBuf {
    table_dir
        .join(format!("{DAY_COLUMN}={}", day.format("%Y-%m-%d")))
        .join(format!("{name}.parquet"))
}

/// The day a partition folder name stands for.
pub fn parse_day_dir(name: &str) -> Option<NaiveDate> {
    let day = name.strip_prefix("day=")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

/// All complete Parquet files under a table folder (temporary files are hidden and skipped).
pub fn list_files(table_dir: &Path) -> Result<Vec<PathBuf>, LakeError> {
    let mut files = Vec::new();
    for (_, dir) in list_days(table_dir)? {
        files.extend(list_files_in(&dir)?);
    }
    Ok(files)
}

/// Complete Parquet files of one day folder, sorted.
pub fn list_files_in(dir: &Path) -> Result<Vec<PathBuf>, LakeError> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| LakeError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LakeError::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with('.') && name.ends_with(".parquet") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Day partitions of a table, sorted by day.
pub fn list_days(table_dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, LakeError> {
    let mut days = Vec::new();
    let entries = match std::fs::read_dir(table_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(days),
        Err(e) => return Err(LakeError::io(table_dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| LakeError::io(table_dir, e))?;
        if let Some(day) = parse_day_dir(&entry.file_name().to_string_lossy()) {
            days.push((day, entry.path()));
        }
    }
    days.sort();
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_path_is_hive_style() {
        let day = NaiveDate::from_ymd_opt(2026, 9, 16).expect("valid date");
        let p = file_path(Path::new("/d/lake/http"), day, "abc-0");
        assert_eq!(p, Path::new("/d/lake/http/day=2026-09-16/abc-0.parquet"));
        assert_eq!(parse_day_dir("day=2026-09-16"), Some(day));
        assert_eq!(parse_day_dir("day=2026-13-01"), None);
    }

    #[test]
    fn day_of_uses_utc() {
        // 2026-09-16T23:30:00+00:00
        let ts = 1_789_601_400_000_000;
        assert_eq!(day_of(ts).to_string(), "2026-09-16");
    }
}
