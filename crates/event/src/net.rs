//! The `net` table: one row per firewall log entry (a connection or packet the firewall
//! allowed, denied or dropped).
//!
//! Parsers fill what the log says (addresses, ports, protocol, action, interfaces, device,
//! rule); the pipeline adds what needs configuration or lists: `service` from the port
//! table, `direction` from the configured internal networks, `tenant`, `tor_exit` and
//! `src_country`.

use std::fmt;
use std::sync::{Arc, LazyLock};

use arrow_array::builder::{
    BooleanBuilder, StringBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::Micros;

/// What the firewall did with the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Passed (`ACCEPT`, `pass`, `allow`, `accept`).
    Allow,
    /// Refused with an answer (`REJECT`, `block` with reset, `deny`).
    Deny,
    /// Discarded silently (`DROP`, `drop`).
    Drop,
}

impl Action {
    /// The `action` column's text: `allow`, `deny` or `drop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Drop => "drop",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way the traffic crossed the firewall, seen from the monitored networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// From outside to an internal address.
    Inbound,
    /// From an internal address to outside.
    Outbound,
    /// Between two internal addresses.
    Internal,
    /// Neither address nor interface tells (no internal networks configured, or both
    /// addresses outside).
    #[default]
    Unknown,
}

impl Direction {
    /// The `direction` column's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
            Direction::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One firewall log entry, as stored in the `net` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetFlow {
    /// Time of the entry, microseconds since the epoch, UTC.
    pub ts: Micros,
    /// Monitored customer or site (`default` when there is one).
    pub tenant: String,
    /// Source address, canonical text form.
    pub src_ip: Option<String>,
    /// Source port (TCP/UDP).
    pub src_port: Option<u16>,
    /// Destination address, canonical text form.
    pub dst_ip: Option<String>,
    /// Destination port (TCP/UDP).
    pub dst_port: Option<u16>,
    /// Protocol, lower case: `tcp`, `udp`, `icmp`, `icmpv6`, else the IP protocol number.
    pub proto: Option<String>,
    /// Service named from destination port and transport (`telnet`, `ws-discovery`...).
    pub service: Option<String>,
    /// What the firewall did.
    pub action: Option<Action>,
    /// Which way the traffic went (set by the pipeline from the configured networks).
    pub direction: Direction,
    /// Interface the packet came in on.
    pub in_iface: Option<String>,
    /// Interface the packet went out on.
    pub out_iface: Option<String>,
    /// The firewall's host name, when logged.
    pub device: Option<String>,
    /// Rule name, id or log prefix, when logged.
    pub rule: Option<String>,
    /// Bytes (of the packet, or of the session for session logs).
    pub bytes: Option<u64>,
    /// Packets (1 for packet logs, the session's count for session logs).
    pub packets: Option<u64>,
    /// Whether the source address was a Tor exit at the time.
    pub tor_exit: Option<bool>,
    /// ISO country code of the source address.
    pub src_country: Option<String>,
    /// Where the record came from (file path, `-`, or a live source name).
    pub source: String,
    /// Line number in the source (1-based).
    pub source_line: u64,
}

/// Column names of the `net` table.
pub mod col {
    #![allow(missing_docs)]
    pub const TS: &str = "ts";
    pub const TENANT: &str = "tenant";
    pub const SRC_IP: &str = "src_ip";
    pub const SRC_PORT: &str = "src_port";
    pub const DST_IP: &str = "dst_ip";
    pub const DST_PORT: &str = "dst_port";
    pub const PROTO: &str = "proto";
    pub const SERVICE: &str = "service";
    pub const ACTION: &str = "action";
    pub const DIRECTION: &str = "direction";
    pub const IN_IFACE: &str = "in_iface";
    pub const OUT_IFACE: &str = "out_iface";
    pub const DEVICE: &str = "device";
    pub const RULE: &str = "rule";
    pub const BYTES: &str = "bytes";
    pub const PACKETS: &str = "packets";
    pub const TOR_EXIT: &str = "tor_exit";
    pub const SRC_COUNTRY: &str = "src_country";
    pub const SOURCE: &str = "source";
    pub const SOURCE_LINE: &str = "source_line";
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
        Field::new(SRC_PORT, DataType::UInt16, true),
        s(DST_IP),
        Field::new(DST_PORT, DataType::UInt16, true),
        s(PROTO),
        s(SERVICE),
        s(ACTION),
        s(DIRECTION),
        s(IN_IFACE),
        s(OUT_IFACE),
        s(DEVICE),
        s(RULE),
        Field::new(BYTES, DataType::UInt64, true),
        Field::new(PACKETS, DataType::UInt64, true),
        Field::new(TOR_EXIT, DataType::Boolean, true),
        s(SRC_COUNTRY),
        Field::new(SOURCE, DataType::Utf8, false),
        Field::new(SOURCE_LINE, DataType::UInt64, false),
    ]))
});

/// The Arrow schema of the `net` table (without the `day` partition column).
pub fn schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Appends [`NetFlow`]s column by column and produces a `RecordBatch` in [`schema`].
pub struct NetBatchBuilder {
    ts: TimestampMicrosecondBuilder,
    tenant: StringBuilder,
    src_ip: StringBuilder,
    src_port: UInt16Builder,
    dst_ip: StringBuilder,
    dst_port: UInt16Builder,
    proto: StringBuilder,
    service: StringBuilder,
    action: StringBuilder,
    direction: StringBuilder,
    in_iface: StringBuilder,
    out_iface: StringBuilder,
    device: StringBuilder,
    rule: StringBuilder,
    bytes: UInt64Builder,
    packets: UInt64Builder,
    tor_exit: BooleanBuilder,
    src_country: StringBuilder,
    source: StringBuilder,
    source_line: UInt64Builder,
    len: usize,
}

impl NetBatchBuilder {
    /// A builder with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        let s = |per_row: usize| StringBuilder::with_capacity(rows, rows * per_row);
        NetBatchBuilder {
            ts: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            tenant: s(8),
            src_ip: s(16),
            src_port: UInt16Builder::with_capacity(rows),
            dst_ip: s(16),
            dst_port: UInt16Builder::with_capacity(rows),
            proto: s(4),
            service: s(8),
            action: s(5),
            direction: s(8),
            in_iface: s(6),
            out_iface: s(6),
            device: s(8),
            rule: s(12),
            bytes: UInt64Builder::with_capacity(rows),
            packets: UInt64Builder::with_capacity(rows),
            tor_exit: BooleanBuilder::with_capacity(rows),
            src_country: s(2),
            source: s(32),
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
    pub fn push(&mut self, r: &NetFlow) {
        self.ts.append_value(r.ts);
        self.tenant.append_value(&r.tenant);
        self.src_ip.append_option(r.src_ip.as_deref());
        self.src_port.append_option(r.src_port);
        self.dst_ip.append_option(r.dst_ip.as_deref());
        self.dst_port.append_option(r.dst_port);
        self.proto.append_option(r.proto.as_deref());
        self.service.append_option(r.service.as_deref());
        self.action.append_option(r.action.map(Action::as_str));
        self.direction.append_value(r.direction.as_str());
        self.in_iface.append_option(r.in_iface.as_deref());
        self.out_iface.append_option(r.out_iface.as_deref());
        self.device.append_option(r.device.as_deref());
        self.rule.append_option(r.rule.as_deref());
        self.bytes.append_option(r.bytes);
        self.packets.append_option(r.packets);
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
            Arc::new(self.src_port.finish()),
            Arc::new(self.dst_ip.finish()),
            Arc::new(self.dst_port.finish()),
            Arc::new(self.proto.finish()),
            Arc::new(self.service.finish()),
            Arc::new(self.action.finish()),
            Arc::new(self.direction.finish()),
            Arc::new(self.in_iface.finish()),
            Arc::new(self.out_iface.finish()),
            Arc::new(self.device.finish()),
            Arc::new(self.rule.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.packets.finish()),
            Arc::new(self.tor_exit.finish()),
            Arc::new(self.src_country.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.source_line.finish()),
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

    #[test]
    fn batch_follows_the_schema_and_writes_enums_as_text() {
        let mut b = NetBatchBuilder::with_capacity(2);
        let mut r = NetFlow {
            tenant: "acme".into(),
            dst_port: Some(23),
            proto: Some("tcp".into()),
            service: Some("telnet".into()),
            action: Some(Action::Drop),
            direction: Direction::Inbound,
            ..Default::default()
        };
        b.push(&r);
        r.action = None;
        r.direction = Direction::Unknown;
        r.dst_port = None;
        b.push(&r);
        let batch = b.finish();
        assert!(b.is_empty());
        assert_eq!(batch.num_columns(), schema().fields().len());
        let action = batch.column_by_name(col::ACTION).expect("action");
        assert_eq!(action.as_string::<i32>().value(0), "drop");
        assert!(action.is_null(1));
        let direction = batch.column_by_name(col::DIRECTION).expect("direction");
        assert_eq!(direction.as_string::<i32>().value(0), "inbound");
        assert_eq!(direction.as_string::<i32>().value(1), "unknown");
        let port = batch.column_by_name(col::DST_PORT).expect("dst_port");
        assert!(port.is_valid(0));
        assert!(port.is_null(1));
    }
}
