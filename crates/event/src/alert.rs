//! The `alert` table: one row per raise or update of an alert.
//!
//! The live server raises an alert when an online detector fires (a threshold per category
//! and tenant, the first sight of a category for a tenant, a burst from Tor exits, a spike)
//! and, while the campaign goes on inside the suppression window, updates that same alert
//! instead of raising new ones. Each raise and each update is a row with the alert's `id`
//! and its `revision` (0 = raised), so the table keeps the alert's history and the latest
//! state is the row with the highest revision per id.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    StringBuilder, TimestampMicrosecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::Micros;

/// One state of an alert.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id of the alert across its updates.
    pub id: String,
    /// When this state was produced (event time of the latest evidence), UTC micros.
    pub ts: Micros,
    /// Tenant the alert is about.
    pub tenant: String,
    /// Detector: `threshold`, `first_sight`, `tor_burst`, `spike`; or `spool_flush`, the
    /// server's own health (the lake cannot be written).
    pub kind: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// One line for a human.
    pub summary: String,
    /// JSON object: what fired it (category, counts, top sources, sample paths, rule ids).
    pub evidence: String,
    /// Time of the first event of the campaign, UTC micros.
    pub first_seen: Micros,
    /// Time of the latest event of the campaign, UTC micros.
    pub last_seen: Micros,
    /// Events in the campaign so far.
    pub count: u64,
    /// 0 when raised, then 1, 2, … per update.
    pub revision: u32,
}

/// Column names of the `alert` table.
pub mod col {
    #![allow(missing_docs)]
    pub const ID: &str = "id";
    pub const TS: &str = "ts";
    pub const TENANT: &str = "tenant";
    pub const KIND: &str = "kind";
    pub const SEVERITY: &str = "severity";
    pub const SUMMARY: &str = "summary";
    pub const EVIDENCE: &str = "evidence";
    pub const FIRST_SEEN: &str = "first_seen";
    pub const LAST_SEEN: &str = "last_seen";
    pub const COUNT: &str = "count";
    pub const REVISION: &str = "revision";
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
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        text(ID),
        ts(TS),
        text(TENANT),
        text(KIND),
        text(SEVERITY),
        text(SUMMARY),
        text(EVIDENCE),
        ts(FIRST_SEEN),
        ts(LAST_SEEN),
        Field::new(COUNT, DataType::UInt64, false),
        Field::new(REVISION, DataType::UInt32, false),
    ]))
});

/// The Arrow schema of the `alert` table.
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`Alert`]s and produces a `RecordBatch` in [`schema`].
pub struct AlertBatchBuilder {
    text: [StringBuilder; 6],
    ts: [TimestampMicrosecondBuilder; 3],
    count: UInt64Builder,
    revision: UInt32Builder,
    len: usize,
}

impl AlertBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let ts = || TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        AlertBatchBuilder {
            text: std::array::from_fn(|_| StringBuilder::with_capacity(rows, rows * 32)),
            ts: [ts(), ts(), ts()],
            count: UInt64Builder::with_capacity(rows),
            revision: UInt32Builder::with_capacity(rows),
            len: 0,
        }
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was appended since the last [`finish`](Self::finish).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one row.
    pub fn push(&mut self, a: &Alert) {
        let [id, tenant, kind, severity, summary, evidence] = &mut self.text;
        id.append_value(&a.id);
        tenant.append_value(&a.tenant);
        kind.append_value(&a.kind);
        severity.append_value(&a.severity);
        summary.append_value(&a.summary);
        evidence.append_value(&a.evidence);
        self.ts[0].append_value(a.ts);
        self.ts[1].append_value(a.first_seen);
        self.ts[2].append_value(a.last_seen);
        self.count.append_value(a.count);
        self.revision.append_value(a.revision);
        self.len += 1;
    }

    /// Produces the batch and resets the builder.
    pub fn finish(&mut self) -> RecordBatch {
        let [id, tenant, kind, severity, summary, evidence] = &mut self.text;
        let [ts, first, last] = &mut self.ts;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(ts.finish()),
            Arc::new(tenant.finish()),
            Arc::new(kind.finish()),
            Arc::new(severity.finish()),
            Arc::new(summary.finish()),
            Arc::new(evidence.finish()),
            Arc::new(first.finish()),
            Arc::new(last.finish()),
            Arc::new(self.count.finish()),
            Arc::new(self.revision.finish()),
        ];
        self.len = 0;
        RecordBatch::try_new(schema(), columns)
            .expect("builder columns follow the schema by construction")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::UInt32Type;

    #[test]
    fn batch_follows_the_schema() {
        let mut b = AlertBatchBuilder::with_capacity(2);
        let a = Alert {
            id: "a1".into(),
            ts: 5,
            tenant: "shop".into(),
            kind: "threshold".into(),
            severity: "high".into(),
            summary: "sqli: 50 detections in 5 min".into(),
            evidence: "{}".into(),
            first_seen: 1,
            last_seen: 5,
            count: 50,
            revision: 0,
        };
        b.push(&a);
        b.push(&Alert { revision: 1, ..a });
        let batch = b.finish();
        assert!(b.is_empty());
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.schema(), schema());
        let rev = batch
            .column_by_name(col::REVISION)
            .expect("revision")
            .as_primitive::<UInt32Type>();
        assert_eq!(rev.value(1), 1);
    }
}
