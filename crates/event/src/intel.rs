//! The `intel` table: network indicators (addresses and CIDR blocks) shared by others
//! and imported with `kansoku intel import`, each with the list it came from and the
//! time it is valid.
//!
//! Matching is done when a report or `kansoku intel matches` asks, by joining `http` and
//! `net` rows against this table on address and time, so an indicator imported today
//! also marks rows ingested last month, and lakes written before this table existed
//! read as before.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::Micros;

/// One imported network indicator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntelIndicator {
    /// Name of the list (blocklist name, sharing organisation, feed) it came from.
    pub list: String,
    /// Address or CIDR block, canonical text (`198.51.100.7`, `198.51.100.0/24`).
    pub value: String,
    /// Start of validity, microseconds since the epoch, UTC (inclusive).
    pub valid_from: Micros,
    /// End of validity (inclusive); `None` = no expiry.
    pub valid_until: Option<Micros>,
    /// Id of the indicator in its source (STIX id, MISP attribute uuid), when it has one.
    pub ref_id: Option<String>,
    /// The file or folder it was imported from.
    pub source: String,
}

/// Column names of the `intel` table.
pub mod col {
    #![allow(missing_docs)]
    pub const LIST: &str = "list";
    pub const VALUE: &str = "value";
    pub const VALID_FROM: &str = "valid_from";
    pub const VALID_UNTIL: &str = "valid_until";
    pub const REF_ID: &str = "ref_id";
    pub const SOURCE: &str = "source";
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use col::*;
    let ts = |name: &str, nullable| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            nullable,
        )
    };
    Arc::new(Schema::new(vec![
        Field::new(LIST, DataType::Utf8, false),
        Field::new(VALUE, DataType::Utf8, false),
        ts(VALID_FROM, false),
        ts(VALID_UNTIL, true),
        Field::new(REF_ID, DataType::Utf8, true),
        Field::new(SOURCE, DataType::Utf8, false),
    ]))
});

/// The Arrow schema of the `intel` table.
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`IntelIndicator`]s and produces a `RecordBatch` in [`schema`].
pub struct IntelBatchBuilder {
    list: StringBuilder,
    value: StringBuilder,
    valid_from: TimestampMicrosecondBuilder,
    valid_until: TimestampMicrosecondBuilder,
    ref_id: StringBuilder,
    source: StringBuilder,
    len: usize,
}

impl IntelBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let ts = || TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        IntelBatchBuilder {
            list: StringBuilder::with_capacity(rows, rows * 16),
            value: StringBuilder::with_capacity(rows, rows * 16),
            valid_from: ts(),
            valid_until: ts(),
            ref_id: StringBuilder::with_capacity(rows, rows * 16),
            source: StringBuilder::with_capacity(rows, rows * 16),
            len: 0,
        }
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row has been appended since the last [`finish`](Self::finish).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one row.
    pub fn push(&mut self, r: &IntelIndicator) {
        self.list.append_value(&r.list);
        self.value.append_value(&r.value);
        self.valid_from.append_value(r.valid_from);
        self.valid_until.append_option(r.valid_until);
        self.ref_id.append_option(r.ref_id.as_deref());
        self.source.append_value(&r.source);
        self.len += 1;
    }

    /// Produces the batch and resets the builder.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.list.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.valid_from.finish()),
            Arc::new(self.valid_until.finish()),
            Arc::new(self.ref_id.finish()),
            Arc::new(self.source.finish()),
        ];
        self.len = 0;
        RecordBatch::try_new(schema(), columns)
            .expect("builder columns follow the schema by construction")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn batch_keeps_open_ended_validity() {
        let mut b = IntelBatchBuilder::with_capacity(2);
        b.push(&IntelIndicator {
            list: "partner".into(),
            value: "198.51.100.0/24".into(),
            valid_from: 1,
            valid_until: None,
            ref_id: None,
            source: "drop.txt".into(),
        });
        let batch = b.finish();
        assert!(b.is_empty());
        assert_eq!(batch.num_rows(), 1);
        let until = batch.column_by_name(col::VALID_UNTIL).expect("valid_until");
        assert!(until.is_null(0));
    }
}
