//! Any other firewall's CSV or JSON lines, read through a field mapping the user writes in
//! `kansoku.toml`:
//!
//! ```toml
//! [[firewall.mapping]]
//! name = "edge-csv"                 # used as `--format edge-csv`
//! kind = "csv"
//! columns = ["time", "src", "sport", "dst", "dport", "proto", "verdict"]
//! time_format = "%Y-%m-%d %H:%M:%S" # local time in [firewall] timezone
//! [firewall.mapping.fields]
//! ts = "time"
//! src_ip = "src"
//! src_port = "sport"
//! dst_ip = "dst"
//! dst_port = "dport"
//! proto = "proto"
//! action = "verdict"
//! [firewall.mapping.actions]
//! drop = ["dropped"]
//! ```
//!
//! For JSON, a field names a key, with dots for nested objects (`source.ip`).

use chrono::{DateTime, NaiveDateTime};
use kansoku_event::NetFlow;
use kansoku_event::net::Action;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{self, csv};
use super::syslog::TimeContext;
use crate::{MAX_LINE, ParseError, Parsed, Parser};

/// A user-defined firewall format (`[[firewall.mapping]]` in `kansoku.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// Name of the format, given to `kansoku ingest --format NAME`.
    pub name: String,
    /// `csv` or `json` (one object per line).
    pub kind: MappingKind,
    /// CSV only: the column names, in order. A line repeating them (a header) is skipped.
    #[serde(default)]
    pub columns: Vec<String>,
    /// CSV only: the field separator (default `,`).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// How the time field is written: `rfc3339` (default), `epoch` (seconds), `epoch_ms`,
    /// or a strftime pattern (`%Y-%m-%d %H:%M:%S`), read in `[firewall] timezone` unless
    /// it has `%z`.
    #[serde(default = "rfc3339")]
    pub time_format: String,
    /// Which source field (CSV column name or JSON key) fills each `net` column.
    pub fields: MappedFields,
    /// Extra action words (case-insensitive), on top of the built-in ones
    /// (accept/allow/pass → allow, deny/reject/reset → deny, drop/block → drop).
    #[serde(default)]
    pub actions: ActionWords,
}

fn comma() -> char {
    ','
}

fn rfc3339() -> String {
    "rfc3339".into()
}

/// Whether a mapped source is CSV or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MappingKind {
    /// Delimited text with fixed columns.
    Csv,
    /// One JSON object per line.
    Json,
}

/// Source field names for the `net` columns; only `ts` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct MappedFields {
    pub ts: String,
    pub src_ip: Option<String>,
    pub src_port: Option<String>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<String>,
    pub proto: Option<String>,
    pub action: Option<String>,
    pub in_iface: Option<String>,
    pub out_iface: Option<String>,
    pub device: Option<String>,
    pub rule: Option<String>,
    pub bytes: Option<String>,
    pub packets: Option<String>,
}

/// Site-specific words for each action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionWords {
    /// Words meaning the traffic passed.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Words meaning it was refused with an answer.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Words meaning it was discarded.
    #[serde(default)]
    pub drop: Vec<String>,
}

impl FieldMapping {
    /// Checks the mapping before any input is read.
    pub fn validate(&self) -> Result<(), ParseError> {
        let bad = |m: String| {
            Err(ParseError::LogFormat(format!(
                "mapping {:?}: {m}",
                self.name
            )))
        };
        if self.kind == MappingKind::Csv {
            if self.columns.is_empty() {
                return bad("a csv mapping needs `columns`".into());
            }
            for f in self.named_fields() {
                if !self.columns.iter().any(|c| c == f) {
                    return bad(format!("field {f:?} is not one of `columns`"));
                }
            }
        }
        Ok(())
    }

    fn named_fields(&self) -> impl Iterator<Item = &str> {
        let f = &self.fields;
        std::iter::once(Some(&f.ts))
            .chain([
                f.src_ip.as_ref(),
                f.src_port.as_ref(),
                f.dst_ip.as_ref(),
                f.dst_port.as_ref(),
                f.proto.as_ref(),
                f.action.as_ref(),
                f.in_iface.as_ref(),
                f.out_iface.as_ref(),
                f.device.as_ref(),
                f.rule.as_ref(),
                f.bytes.as_ref(),
                f.packets.as_ref(),
            ])
            .flatten()
            .map(String::as_str)
    }

    fn action(&self, word: &str) -> Option<Action> {
        let w = word.trim();
        let is = |list: &[String]| list.iter().any(|x| x.eq_ignore_ascii_case(w));
        if is(&self.actions.allow) {
            Some(Action::Allow)
        } else if is(&self.actions.deny) {
            Some(Action::Deny)
        } else if is(&self.actions.drop) {
            Some(Action::Drop)
        } else {
            fields::action(w)
        }
    }

    fn time(&self, v: &str, clock: &TimeContext) -> Result<i64, ParseError> {
        let bad = || ParseError::Timestamp(fields::short(v).to_string());
        let v = v.trim();
        match self.time_format.as_str() {
            "rfc3339" => match DateTime::parse_from_rfc3339(v) {
                Ok(t) => Ok(t.timestamp_micros()),
                Err(_) => NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f"))
                    .ok()
                    .and_then(|t| clock.local(t))
                    .ok_or_else(bad),
            },
            "epoch" => crate::time::epoch_secs(v.as_bytes()),
            "epoch_ms" => v
                .parse::<i64>()
                .map_err(|_| bad())
                .and_then(|n| crate::time::epoch_units(n, 1000)),
            pattern if pattern.contains("%z") => DateTime::parse_from_str(v, pattern)
                .map(|t| t.timestamp_micros())
                .map_err(|_| bad()),
            pattern => NaiveDateTime::parse_from_str(v, pattern)
                .ok()
                .and_then(|t| clock.local(t))
                .ok_or_else(bad),
        }
    }

    fn flow(
        &self,
        get: impl Fn(&str) -> Option<String>,
        clock: &TimeContext,
    ) -> Result<NetFlow, ParseError> {
        let f = &self.fields;
        let val = |name: &Option<String>| name.as_deref().and_then(&get).filter(|v| !v.is_empty());
        let ts_text =
            get(&f.ts).ok_or_else(|| ParseError::Timestamp(format!("no {:?} field", f.ts)))?;
        Ok(NetFlow {
            ts: self.time(&ts_text, clock)?,
            src_ip: fields::opt_ip("src_ip", val(&f.src_ip).as_deref())?,
            dst_ip: fields::opt_ip("dst_ip", val(&f.dst_ip).as_deref())?,
            src_port: fields::port("src_port", val(&f.src_port).as_deref())?,
            dst_port: fields::port("dst_port", val(&f.dst_port).as_deref())?,
            proto: val(&f.proto).and_then(|p| fields::proto(&p)),
            action: val(&f.action).and_then(|a| self.action(&a)),
            in_iface: val(&f.in_iface),
            out_iface: val(&f.out_iface),
            device: val(&f.device),
            rule: val(&f.rule),
            bytes: fields::count("bytes", val(&f.bytes).as_deref())?,
            packets: fields::count("packets", val(&f.packets).as_deref())?,
            ..NetFlow::default()
        })
    }
}

/// Reads lines through a [`FieldMapping`]. Stateless between lines.
#[derive(Debug, Clone)]
pub struct MappingParser {
    mapping: FieldMapping,
    clock: TimeContext,
}

impl MappingParser {
    /// A parser for `mapping`, reading local times with `clock`.
    pub fn new(mapping: FieldMapping, clock: TimeContext) -> Result<Self, ParseError> {
        mapping.validate()?;
        Ok(MappingParser { mapping, clock })
    }

    /// Parses one line; `Ok(None)` for a CSV header line.
    pub fn parse_line(&self, line: &[u8]) -> Result<Option<NetFlow>, ParseError> {
        let text = String::from_utf8_lossy(line);
        match self.mapping.kind {
            MappingKind::Csv => {
                let cols = csv(text.trim_end(), self.mapping.delimiter)?;
                if cols.iter().zip(&self.mapping.columns).all(|(a, b)| a == b) {
                    return Ok(None);
                }
                if cols.len() < self.mapping.columns.len() {
                    return Err(ParseError::Malformed(format!(
                        "{} fields, {} columns expected",
                        cols.len(),
                        self.mapping.columns.len()
                    )));
                }
                let get = |name: &str| {
                    let i = self.mapping.columns.iter().position(|c| c == name)?;
                    cols.get(i).map(|v| v.to_string())
                };
                self.mapping.flow(get, &self.clock).map(Some)
            }
            MappingKind::Json => {
                let root: Value = serde_json::from_str(text.trim())
                    .map_err(|e| ParseError::Malformed(format!("not JSON: {e}")))?;
                if !root.is_object() {
                    return Err(ParseError::Malformed("not a JSON object".into()));
                }
                let get = |path: &str| {
                    let v = path.split('.').try_fold(&root, |v, k| v.get(k))?;
                    match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    }
                };
                self.mapping.flow(get, &self.clock).map(Some)
            }
        }
    }
}

impl Parser<NetFlow> for MappingParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<NetFlow>>) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let record = if line.len() > MAX_LINE {
            Err(ParseError::TooLong(line.len()))
        } else {
            match self.parse_line(line) {
                Ok(None) => return,
                Ok(Some(flow)) => Ok(flow),
                Err(e) => Err(e),
            }
        };
        out.push(Parsed {
            line: lineno,
            record,
        });
    }

    fn finish(&mut self, _out: &mut Vec<Parsed<NetFlow>>) {}
}
