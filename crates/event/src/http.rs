//! The `http` table: one row per web request or WAF event.

use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
    UInt16Builder, UInt64Builder,
};
use arrow_array::{Array as _, ArrayRef, ListArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::Micros;

/// One web request (access log line) or WAF event, as stored in the `http` table.
///
/// Text fields hold the decoded form (percent-decoding applied once, as the server saw
/// it); `raw_uri` keeps the request target exactly as logged when decoding changed it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    /// Time of the request, microseconds since the epoch, UTC.
    pub ts: Micros,
    /// Monitored customer or site (`default` when there is one).
    pub tenant: String,
    /// Client address.
    pub src_ip: Option<String>,
    /// Server address, when logged.
    pub dst_ip: Option<String>,
    /// Virtual host (Host header or server name).
    pub host: Option<String>,
    /// HTTP method.
    pub method: Option<String>,
    /// Request path, percent-decoded.
    pub path: Option<String>,
    /// Query string without `?`, percent-decoded (`+` kept).
    pub query: Option<String>,
    /// Request target as logged, only when it differs from `path` + `?` + `query`.
    pub raw_uri: Option<String>,
    /// Protocol (`HTTP/1.1`).
    pub protocol: Option<String>,
    /// Response status.
    pub status: Option<u16>,
    /// Response size in bytes.
    pub bytes: Option<u64>,
    /// Time taken to serve the request, seconds.
    pub request_time: Option<f64>,
    /// User-Agent header.
    pub user_agent: Option<String>,
    /// Referer header.
    pub referer: Option<String>,
    /// X-Forwarded-For header.
    pub x_forwarded_for: Option<String>,
    /// Request body, when the source logs it (WAF audit logs).
    pub body: Option<String>,
    /// Action the WAF took (`block`, `allow`, `count`, `log`...), when the source is a WAF.
    pub waf_action: Option<String>,
    /// Rule ids the WAF reported.
    pub waf_rule_ids: Vec<String>,
    /// Messages the WAF reported, one per rule.
    pub waf_messages: Vec<String>,
    /// Highest severity the WAF reported.
    pub waf_severity: Option<String>,
    /// kansoku rule ids that matched.
    pub rule_ids: Vec<String>,
    /// Report categories of the matched rules (see [`crate::Category`]).
    pub categories: Vec<String>,
    /// Attack tool recognised (`nikto`, `sqlmap`...).
    pub tool: Option<String>,
    /// Whether the client address was a Tor exit at the time.
    pub tor_exit: Option<bool>,
    /// ISO country code of the client address.
    pub src_country: Option<String>,
    /// Where the record came from (file path, `-`, or a live source name).
    pub source: String,
    /// Line number in the source (1-based; first line of a multi-line record).
    pub source_line: u64,
}

/// Column names of the `http` table.
pub mod col {
    #![allow(missing_docs)]
    pub const TS: &str = "ts";
    pub const TENANT: &str = "tenant";
    pub const SRC_IP: &str = "src_ip";
    pub const DST_IP: &str = "dst_ip";
    pub const HOST: &str = "host";
    pub const METHOD: &str = "method";
    pub const PATH: &str = "path";
    pub const QUERY: &str = "query";
    pub const RAW_URI: &str = "raw_uri";
    pub const PROTOCOL: &str = "protocol";
    pub const STATUS: &str = "status";
    pub const BYTES: &str = "bytes";
    pub const REQUEST_TIME: &str = "request_time";
    pub const USER_AGENT: &str = "user_agent";
    pub const REFERER: &str = "referer";
    pub const X_FORWARDED_FOR: &str = "x_forwarded_for";
    pub const BODY: &str = "body";
    pub const WAF_ACTION: &str = "waf_action";
    pub const WAF_RULE_IDS: &str = "waf_rule_ids";
    pub const WAF_MESSAGES: &str = "waf_messages";
    pub const WAF_SEVERITY: &str = "waf_severity";
    pub const RULE_IDS: &str = "rule_ids";
    pub const CATEGORIES: &str = "categories";
    pub const TOOL: &str = "tool";
    pub const TOR_EXIT: &str = "tor_exit";
    pub const SRC_COUNTRY: &str = "src_country";
    pub const SOURCE: &str = "source";
    pub const SOURCE_LINE: &str = "source_line";
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use col::*;
    let s = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new(
            TS,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new(TENANT, DataType::Utf8, false),
        s(SRC_IP),
        s(DST_IP),
        s(HOST),
        s(METHOD),
        s(PATH),
        s(QUERY),
        s(RAW_URI),
        s(PROTOCOL),
        Field::new(STATUS, DataType::UInt16, true),
        Field::new(BYTES, DataType::UInt64, true),
        Field::new(REQUEST_TIME, DataType::Float64, true),
        s(USER_AGENT),
        s(REFERER),
        s(X_FORWARDED_FOR),
        s(BODY),
        s(WAF_ACTION),
        Field::new(WAF_RULE_IDS, utf8_list(), true),
        Field::new(WAF_MESSAGES, utf8_list(), true),
        s(WAF_SEVERITY),
        Field::new(RULE_IDS, utf8_list(), true),
        Field::new(CATEGORIES, utf8_list(), true),
        s(TOOL),
        Field::new(TOR_EXIT, DataType::Boolean, true),
        s(SRC_COUNTRY),
        Field::new(SOURCE, DataType::Utf8, false),
        Field::new(SOURCE_LINE, DataType::UInt64, false),
    ]))
});

/// The Arrow schema of the `http` table (without the `day` partition column).
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`HttpRequest`]s column by column and produces a `RecordBatch` in [`schema`].
pub struct HttpBatchBuilder {
    ts: TimestampMicrosecondBuilder,
    tenant: StringBuilder,
    src_ip: StringBuilder,
    dst_ip: StringBuilder,
    host: StringBuilder,
    method: StringBuilder,
    path: StringBuilder,
    query: StringBuilder,
    raw_uri: StringBuilder,
    protocol: StringBuilder,
    status: UInt16Builder,
    bytes: UInt64Builder,
    request_time: Float64Builder,
    user_agent: StringBuilder,
    referer: StringBuilder,
    x_forwarded_for: StringBuilder,
    body: StringBuilder,
    waf_action: StringBuilder,
    waf_rule_ids: ListBuilder<StringBuilder>,
    waf_messages: ListBuilder<StringBuilder>,
    waf_severity: StringBuilder,
    rule_ids: ListBuilder<StringBuilder>,
    categories: ListBuilder<StringBuilder>,
    tool: StringBuilder,
    tor_exit: BooleanBuilder,
    src_country: StringBuilder,
    source: StringBuilder,
    source_line: UInt64Builder,
    len: usize,
}

/// Bytes of string data in a column; items for a list column; 0 for other types.
fn data_len(col: &ArrayRef) -> usize {
    if let Some(s) = col.as_any().downcast_ref::<StringArray>() {
        s.value_data().len()
    } else if let Some(l) = col.as_any().downcast_ref::<ListArray>() {
        l.values().len()
    } else {
        0
    }
}

fn push_list(builder: &mut ListBuilder<StringBuilder>, items: &[String]) {
    for item in items {
        builder.values().append_value(item);
    }
    builder.append(true);
}

impl HttpBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        // Typical bytes per row of each column (index in the schema); lists: items per row.
        Self::sized(rows, |col| {
            rows * match col {
                6 => 48,  // path
                8 => 64,  // raw_uri
                13 => 96, // user_agent
                14 => 48, // referer
                2 | 7 | 26 => 16,
                _ => 8,
            }
        })
    }

    /// A builder whose string columns have room for `bytes(column index)` bytes (list
    /// columns: that many items, of 16 bytes each).
    fn sized(rows: usize, bytes: impl Fn(usize) -> usize) -> Self {
        let s = |col: usize| StringBuilder::with_capacity(rows, bytes(col));
        let l = |col: usize| {
            let items = bytes(col);
            ListBuilder::with_capacity(StringBuilder::with_capacity(items, items * 16), rows)
        };
        HttpBatchBuilder {
            ts: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            tenant: s(1),
            src_ip: s(2),
            dst_ip: s(3),
            host: s(4),
            method: s(5),
            path: s(6),
            query: s(7),
            raw_uri: s(8),
            protocol: s(9),
            status: UInt16Builder::with_capacity(rows),
            bytes: UInt64Builder::with_capacity(rows),
            request_time: Float64Builder::with_capacity(rows),
            user_agent: s(13),
            referer: s(14),
            x_forwarded_for: s(15),
            body: s(16),
            waf_action: s(17),
            waf_rule_ids: l(18),
            waf_messages: l(19),
            waf_severity: s(20),
            rule_ids: l(21),
            categories: l(22),
            tool: s(23),
            tor_exit: BooleanBuilder::with_capacity(rows),
            src_country: s(25),
            source: s(26),
            source_line: UInt64Builder::with_capacity(rows),
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
    pub fn push(&mut self, r: &HttpRequest) {
        self.ts.append_value(r.ts);
        self.tenant.append_value(&r.tenant);
        self.src_ip.append_option(r.src_ip.as_deref());
        self.dst_ip.append_option(r.dst_ip.as_deref());
        self.host.append_option(r.host.as_deref());
        self.method.append_option(r.method.as_deref());
        self.path.append_option(r.path.as_deref());
        self.query.append_option(r.query.as_deref());
        self.raw_uri.append_option(r.raw_uri.as_deref());
        self.protocol.append_option(r.protocol.as_deref());
        self.status.append_option(r.status);
        self.bytes.append_option(r.bytes);
        self.request_time.append_option(r.request_time);
        self.user_agent.append_option(r.user_agent.as_deref());
        self.referer.append_option(r.referer.as_deref());
        self.x_forwarded_for
            .append_option(r.x_forwarded_for.as_deref());
        self.body.append_option(r.body.as_deref());
        self.waf_action.append_option(r.waf_action.as_deref());
        push_list(&mut self.waf_rule_ids, &r.waf_rule_ids);
        push_list(&mut self.waf_messages, &r.waf_messages);
        self.waf_severity.append_option(r.waf_severity.as_deref());
        push_list(&mut self.rule_ids, &r.rule_ids);
        push_list(&mut self.categories, &r.categories);
        self.tool.append_option(r.tool.as_deref());
        self.tor_exit.append_option(r.tor_exit);
        self.src_country.append_option(r.src_country.as_deref());
        self.source.append_value(&r.source);
        self.source_line.append_value(r.source_line);
        self.len += 1;
    }

    /// Produces the batch and resets the builder.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.ts.finish()),
            Arc::new(self.tenant.finish()),
            Arc::new(self.src_ip.finish()),
            Arc::new(self.dst_ip.finish()),
            Arc::new(self.host.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.path.finish()),
            Arc::new(self.query.finish()),
            Arc::new(self.raw_uri.finish()),
            Arc::new(self.protocol.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.request_time.finish()),
            Arc::new(self.user_agent.finish()),
            Arc::new(self.referer.finish()),
            Arc::new(self.x_forwarded_for.finish()),
            Arc::new(self.body.finish()),
            Arc::new(self.waf_action.finish()),
            Arc::new(self.waf_rule_ids.finish()),
            Arc::new(self.waf_messages.finish()),
            Arc::new(self.waf_severity.finish()),
            Arc::new(self.rule_ids.finish()),
            Arc::new(self.categories.finish()),
            Arc::new(self.tool.finish()),
            Arc::new(self.tor_exit.finish()),
            Arc::new(self.src_country.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.source_line.finish()),
        ];
        let rows = self.len;
        // Arrow's finish leaves every builder without capacity, so the next batch would grow
        // each buffer by doubling and copying; give it the room this batch needed instead.
        let sizes: Vec<usize> = columns
            .iter()
            .map(|c| data_len(c) + data_len(c) / 8)
            .collect();
        *self = Self::sized(rows, |col| sizes[col]);
        RecordBatch::try_new(schema(), columns)
            .expect("builder columns follow the schema by construction")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn batch_has_one_column_per_field_and_keeps_nulls() {
        let mut b = HttpBatchBuilder::with_capacity(2);
        let mut r = HttpRequest {
            tenant: "acme".into(),
            path: Some("/a".into()),
            categories: vec!["sqli".into()],
            ..Default::default()
        };
        b.push(&r);
        r.path = None;
        b.push(&r);
        let batch = b.finish();
        assert_eq!(batch.num_columns(), schema().fields().len());
        assert_eq!(batch.num_rows(), 2);
        let path = batch.column_by_name(col::PATH).expect("path column");
        assert!(path.is_valid(0));
        assert!(path.is_null(1));
        assert!(b.is_empty());
    }

    /// The builder re-sized after a batch (from that batch's sizes) builds the next one
    /// just as right, also when it is larger than the first.
    #[test]
    fn batches_after_the_first_are_built_alike() {
        let mut b = HttpBatchBuilder::with_capacity(1);
        let row = |i: usize| HttpRequest {
            tenant: "acme".into(),
            path: Some(format!("/p/{i}")),
            user_agent: i.is_multiple_of(2).then(|| "curl/8".to_string()),
            rule_ids: vec![format!("r{i}"); i % 3],
            ..Default::default()
        };
        for (first, n) in [(0, 3), (3, 50)] {
            for i in first..first + n {
                b.push(&row(i));
            }
            let batch = b.finish();
            assert_eq!(batch.num_rows(), n);
            let path = batch
                .column_by_name(col::PATH)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
                .expect("path");
            let rules = batch
                .column_by_name(col::RULE_IDS)
                .and_then(|c| c.as_any().downcast_ref::<ListArray>().cloned())
                .expect("rule_ids");
            for (k, i) in (first..first + n).enumerate() {
                assert_eq!(path.value(k), format!("/p/{i}"));
                assert_eq!(rules.value(k).len(), i % 3);
            }
            assert!(b.is_empty());
        }
    }
}
