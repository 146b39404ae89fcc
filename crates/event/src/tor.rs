//! The `tor_exit` table: one row per interval in which an address was seen as a Tor exit.
//!
//! Exit lists (TorDNSEL, CollecTor archives, bulk lists, Onionoo) are imported as
//! observations and merged per address into intervals; attribution of `http` and `net`
//! rows is time-aware, so the table keeps when each address was an exit, not just that
//! it once was.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::Micros;

/// An address seen as a Tor exit from `first_seen` to `last_seen` (both inclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TorExitInterval {
    /// Exit address, canonical text form (`192.0.2.1`, `2001:db8::1`).
    pub ip: String,
    /// First observation in this interval, microseconds since the epoch, UTC.
    pub first_seen: Micros,
    /// Last observation in this interval, microseconds since the epoch, UTC.
    pub last_seen: Micros,
    /// Relay fingerprint (40 hex digits), when the list named one.
    pub fingerprint: Option<String>,
}

/// Column names of the `tor_exit` table.
pub mod col {
    #![allow(missing_docs)]
    pub const IP: &str = "ip";
    pub const FIRST_SEEN: &str = "first_seen";
    pub const LAST_SEEN: &str = "last_seen";
    pub const FINGERPRINT: &str = "fingerprint";
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use col::*;
    let ts = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        )
    };
    Arc::new(Schema::new(vec![
        Field::new(IP, DataType::Utf8, false),
        ts(FIRST_SEEN),
        ts(LAST_SEEN),
        Field::new(FINGERPRINT, DataType::Utf8, true),
    ]))
});

/// The Arrow schema of the `tor_exit` table.
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`TorExitInterval`]s column by column and produces a `RecordBatch` in [`schema`].
pub struct TorExitBatchBuilder {
    ip: StringBuilder,
    first_seen: TimestampMicrosecondBuilder,
    last_seen: TimestampMicrosecondBuilder,
    fingerprint: StringBuilder,
    len: usize,
}

impl TorExitBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let ts = || TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        TorExitBatchBuilder {
            ip: StringBuilder::with_capacity(rows, rows * 16),
            first_seen: ts(),
            last_seen: ts(),
            fingerprint: StringBuilder::with_capacity(rows, rows * 40),
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
    pub fn push(&mut self, r: &TorExitInterval) {
        self.ip.append_value(&r.ip);
        self.first_seen.append_value(r.first_seen);
        self.last_seen.append_value(r.last_seen);
        self.fingerprint.append_option(r.fingerprint.as_deref());
        self.len += 1;
    }

    /// Produces the batch and resets the builder.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.ip.finish()),
            Arc::new(self.first_seen.finish()),
            Arc::new(self.last_seen.finish()),
            Arc::new(self.fingerprint.finish()),
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
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMicrosecondType;

    #[test]
    fn batch_keeps_times_and_missing_fingerprints() {
        let mut b = TorExitBatchBuilder::with_capacity(2);
        b.push(&TorExitInterval {
            ip: "192.0.2.1".into(),
            first_seen: 1_710_230_000_000_000,
            last_seen: 1_710_233_600_000_000,
            fingerprint: Some("FE39F07EBE7870DCE124AB30DF3ABD0700A43F75".into()),
        });
        b.push(&TorExitInterval {
            ip: "2001:db8::1".into(),
            first_seen: 5,
            last_seen: 6,
            fingerprint: None,
        });
        assert_eq!(b.len(), 2);
        let batch = b.finish();
        assert!(b.is_empty());
        assert_eq!(batch.num_columns(), schema().fields().len());
        assert_eq!(batch.num_rows(), 2);
        let last = batch
            .column_by_name(col::LAST_SEEN)
            .expect("last_seen column")
            .as_primitive::<TimestampMicrosecondType>();
        assert_eq!(last.value(0), 1_710_233_600_000_000);
        assert_eq!(last.timezone(), Some("UTC"));
        let fp = batch.column_by_name(col::FINGERPRINT).expect("fingerprint");
        assert!(fp.is_valid(0));
        assert!(fp.is_null(1));
    }
}
