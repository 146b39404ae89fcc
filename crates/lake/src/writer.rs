//! Writing batch files atomically: split by day, write under a hidden temporary name,
//! flush to disk, rename into place.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, RecordBatch, TimestampMicrosecondArray, UInt32Array};
use arrow::compute::take_record_batch;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::LakeError;
use crate::layout::{TableDef, day_of};

/// Splits a batch into one batch per UTC day of its time column, in day order.
pub fn split_by_day(
    def: &TableDef,
    batch: &RecordBatch,
) -> Result<Vec<(NaiveDate, RecordBatch)>, LakeError> {
    let ts = batch
        .column_by_name(def.time_column)
        .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
        .ok_or_else(|| LakeError::NoTimeColumn(def.name.to_string()))?;
    let mut rows: BTreeMap<NaiveDate, Vec<u32>> = BTreeMap::new();
    let mut last: Option<(i64, NaiveDate)> = None;
    for i in 0..ts.len() {
        let t = ts.value(i);
        // Rows of one day come in runs; skip the date arithmetic within a run.
        let day = match last {
            Some((start, day)) if t >= start && t - start < 3_600_000_000 && day_of(t) == day => {
                day
            }
            _ => day_of(t),
        };
        last = Some((t, day));
        rows.entry(day).or_default().push(i as u32);
    }
    if rows.len() == 1 {
        let day = *rows.keys().next().expect("one day");
        return Ok(vec![(day, batch.clone())]);
    }
    rows.into_iter()
        .map(|(day, idx)| {
            // Logs are nearly always in time order, so a day is one run of rows: a slice
            // shares the batch's buffers where a take would copy every column.
            let first = idx[0] as usize;
            if idx.len() == 1 + idx[idx.len() - 1] as usize - first {
                return Ok((day, batch.slice(first, idx.len())));
            }
            let idx = UInt32Array::from(idx);
            Ok((day, take_record_batch(batch, &idx)?))
        })
        .collect()
}

/// Columns of nearly unique values in any table: a dictionary only costs hashing every
/// value before Parquet gives up on it (a third of a batch's encoding time went there).
const UNIQUE: [&str; 5] = ["path", "query", "raw_uri", "body", "request_time"];

/// Long free text whose range says nothing about its values.
const TEXT: [&str; 3] = ["user_agent", "referer", "x_forwarded_for"];

/// Times and line numbers grow row by row: deltas store them in a few bits each.
const ASCENDING: [&str; 2] = ["ts", "source_line"];

/// Writer settings shared by ingest and compaction.
pub fn properties() -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(256 * 1024));
    for col in UNIQUE {
        props = props.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    // Minimum and maximum of free text prune nothing (every page spans `/` to `/zzz`) and
    // comparing every value for them showed in profiles of ingest.
    for col in UNIQUE.iter().chain(&TEXT) {
        props =
            props.set_column_statistics_enabled(ColumnPath::from(*col), EnabledStatistics::None);
    }
    for col in ASCENDING {
        props = props
            .set_column_dictionary_enabled(ColumnPath::from(col), false)
            .set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    props.build()
}

/// Writes `batch` to `path` atomically: a hidden temporary file in the same folder,
/// fsync, rename. An existing file at `path` is replaced.
pub fn write_file(path: &Path, batch: &RecordBatch) -> Result<(), LakeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| LakeError::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        // Test builds: a full disk on demand (FAILPOINTS=lake.batch.enospc=N*return).
        fail::fail_point!("lake.batch.enospc", |_| Err(LakeError::io(
            &tmp,
            std::io::Error::from_raw_os_error(28)
        )));
        let file = File::create(&tmp).map_err(|e| LakeError::io(&tmp, e))?;
        let mut writer =
            ArrowWriter::try_new(file, Arc::clone(&batch.schema()), Some(properties()))?;
        writer.write(batch)?;
        let file = writer.into_inner()?;
        file.sync_all().map_err(|e| LakeError::io(&tmp, e))?;
        fail::fail_point!("lake.batch.written", |_| std::process::abort());
        fs::rename(&tmp, path).map_err(|e| LakeError::io(path, e))?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes a rename durable. Best effort: some file systems refuse to open folders.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Removes temporary files left in a folder by processes that died mid-write (their pid,
/// part of the name, no longer runs), leaving those of live writers alone.
pub fn remove_temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
            continue;
        };
        let pid = stem.rsplit('.').next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

impl crate::Lake {
    /// Writes one batch of `table` as one file per day named `<name>.parquet`.
    ///
    /// With a source guard, the file names are recorded as pending first, so that a crash
    /// before the caller's [`SourceGuard::commit`](crate::SourceGuard::commit) leaves
    /// nothing behind once recovered. Returns the files written.
    pub fn write_batch(
        &self,
        table: &str,
        name: &str,
        batch: &RecordBatch,
        guard: Option<&mut crate::SourceGuard>,
    ) -> Result<Vec<PathBuf>, LakeError> {
        let def = crate::layout::table_def(table)
            .ok_or_else(|| LakeError::NoTimeColumn(table.to_string()))?;
        if batch.num_rows() == 0 {
            return Ok(Vec::new());
        }
        let dir = self.table_dir(table);
        let parts = split_by_day(def, batch)?;
        let paths: Vec<PathBuf> = parts
            .iter()
            .map(|(day, _)| crate::layout::file_path(&dir, *day, name))
            .collect();
        if let Some(guard) = guard {
            guard.begin(paths.clone())?;
            fail::fail_point!("lake.batch.pending", |_| std::process::abort());
        }
        for ((_, part), path) in parts.iter().zip(&paths) {
            write_file(path, part)?;
        }
        fail::fail_point!("lake.batch.renamed", |_| std::process::abort());
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;
    use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

    const DAY: i64 = 86_400_000_000;

    fn def() -> TableDef {
        TableDef {
            name: "t",
            schema: || {
                Arc::new(Schema::new(vec![
                    Field::new(
                        "ts",
                        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                        false,
                    ),
                    Field::new("v", DataType::Utf8, false),
                ]))
            },
            time_column: "ts",
        }
    }

    fn batch(rows: &[(i64, &str)]) -> RecordBatch {
        let ts = TimestampMicrosecondArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())
            .with_timezone("UTC");
        let v = StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
        RecordBatch::try_new((def().schema)(), vec![Arc::new(ts), Arc::new(v)]).expect("batch")
    }

    fn values(b: &RecordBatch) -> Vec<String> {
        let v = b
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("utf8");
        (0..v.len()).map(|i| v.value(i).to_string()).collect()
    }

    /// Days in runs (sliced) and days interleaved (gathered) split alike: every row in
    /// its day, in arrival order, none lost.
    #[test]
    fn each_row_lands_in_its_day_whether_days_come_in_runs_or_not() {
        let d = 20_000 * DAY;
        for rows in [
            vec![
                (d, "a1"),
                (d + 5, "a2"),
                (d + DAY, "b1"),
                (d + DAY + 1, "b2"),
            ],
            vec![
                (d, "a1"),
                (d + DAY, "b1"),
                (d + 7, "a2"),
                (d + DAY + 3, "b2"),
            ],
        ] {
            let parts = split_by_day(&def(), &batch(&rows)).expect("split");
            assert_eq!(parts.len(), 2, "{rows:?}");
            assert_eq!(parts[0].0, day_of(d));
            assert_eq!(values(&parts[0].1), ["a1", "a2"], "{rows:?}");
            assert_eq!(parts[1].0, day_of(d + DAY));
            assert_eq!(values(&parts[1].1), ["b1", "b2"], "{rows:?}");
        }
    }
}
