//! The live entry point: records that arrive one at a time (syslog, HTTP push, tailed
//! files) go through the same parse → attribute → enrich → detect path as batch ingest,
//! and are gathered into `http` and `net` batches that the caller writes to the lake when
//! its flush policy says so.
//!
//! One [`LiveProcessor`] per flushing thread: it keeps one parser per source (so a
//! multi-line format keeps its state between lines of one source), one matcher and one set
//! of windows, fed in arrival order, which is the only order a live stream has.
//!
//! What batch ingest adds, live adds too (`crate::row`): the tenant, the Tor exit
//! attribution ([`LiveProcessor::with_tor`], [`LiveProcessor::set_tor`]; the lake's
//! `tor_exit` intervals), the source country from the `[enrich]` geo table, and for
//! firewall formats (netfilter, filterlog, FortiGate, PAN-OS, `[[firewall.mapping]]`) a
//! `net` row with its service and direction.
//!
//! ```
//! use kansoku_pipeline::{Config, Context, live::{LiveProcessor, LiveSource}};
//! use kansoku_parse::Format;
//!
//! let ctx = Context::new(&Config::default()).expect("built-in rules");
//! let mut live = LiveProcessor::new(&ctx);
//! let src = LiveSource { name: "edge".into(), format: Format::Combined, tenant: Some("shop".into()) };
//! let line = br#"203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] "GET /?id=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1" 200 1 "-" "-""#;
//! let outcome = live.push(&src, line, 1, 0);
//! assert_eq!(outcome.stored, 1);
//! let batch = live.finish_batch();
//! assert_eq!(batch.num_rows(), 1);
//! ```

use std::collections::HashMap;

use arrow_array::RecordBatch;
use kansoku_detect::{Matcher, Windows};
use kansoku_event::http::HttpBatchBuilder;
use kansoku_event::net::NetBatchBuilder;
use kansoku_event::{HttpRequest, Micros, NetFlow};
use kansoku_parse::firewall::TimeContext;
use kansoku_parse::{Format, Parsed, Parser};

use crate::config::Context;
use crate::enrichment::TorAttribution;
use crate::row::Row as _;
use crate::worker::Job;

/// Where live records come from: the source's name (stored in `source`), its format and
/// the tenant every record of it belongs to (`None`: the tenant map decides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSource {
    /// Source name, stored in each record's `source` column.
    pub name: String,
    /// Format of the message text.
    pub format: Format,
    /// Tenant of every record; `None` lets the tenant map attribute by host or address.
    pub tenant: Option<String>,
}

/// The batch-ingest view of a live source, so live records get exactly what
/// [`crate::row::Row::prepare`] gives ingested ones (source, tenant, Tor, country, service, direction,
/// stateless rules). A source's tenant, when set, applies to every record.
fn job<'a>(
    ctx: &'a Context,
    tor: &'a TorAttribution,
    source: &'a LiveSource,
    received: Micros,
    now: Micros,
) -> Job<'a> {
    Job {
        ctx,
        name: &source.name,
        format: &source.format,
        forced_tenant: source.tenant.is_some(),
        file_tenant: source.tenant.as_deref(),
        clock: TimeContext {
            zone: ctx.enrich.zone,
            reference: received,
        },
        tor,
        now,
    }
}

/// This machine's clock, or the line's receive time if that is later: what an event's
/// time is checked against (`[time]`).
fn now(received: Micros) -> Micros {
    chrono::Utc::now().timestamp_micros().max(received)
}

/// What one pushed line gave.
#[derive(Debug, Default)]
pub struct PushOutcome {
    /// Records added to the current batches (`http` and `net`).
    pub stored: u64,
    /// Lines rejected, with the parser's reason.
    pub rejected: Vec<(u64, String)>,
    /// The `http` records added (after detection), for online alerting.
    pub records: Vec<HttpRequest>,
}

/// A firewall parser and the reference time its BSD-syslog year inference reads.
struct NetParser {
    parser: Box<dyn Parser<NetFlow>>,
    reference: Micros,
}

/// A firewall parser is rebuilt when its reference time is this much older than the
/// records (a BSD syslog time has no year: it takes the latest year that keeps it at
/// most two days after the reference, so a reference frozen at start-up would put next
/// January's records in this January).
const REFERENCE_AGE: Micros = 3_600_000_000;

/// Parses, attributes and matches live records and gathers them into batches.
pub struct LiveProcessor {
    ctx: Context,
    matcher: Matcher,
    windows: Windows,
    tor: TorAttribution,
    parsers: HashMap<String, Box<dyn Parser>>,
    net_parsers: HashMap<String, NetParser>,
    builder: HttpBatchBuilder,
    net_builder: NetBatchBuilder,
    parsed: Vec<Parsed>,
    net_parsed: Vec<Parsed<NetFlow>>,
}

impl LiveProcessor {
    /// A processor for the rules, tenant map and `[enrich]`/`[network]` settings of `ctx`,
    /// without Tor lists (`tor_exit` stays unknown; see [`with_tor`](Self::with_tor)).
    pub fn new(ctx: &Context) -> LiveProcessor {
        LiveProcessor {
            matcher: ctx.rules.matcher(),
            windows: Windows::new(&ctx.rules),
            ctx: ctx.clone(),
            tor: TorAttribution::default(),
            parsers: HashMap::new(),
            net_parsers: HashMap::new(),
            builder: HttpBatchBuilder::with_capacity(1024),
            net_builder: NetBatchBuilder::with_capacity(256),
            parsed: Vec::new(),
            net_parsed: Vec::new(),
        }
    }

    /// Attributes Tor exits with `tor` (as batch ingest does with the lake's lists,
    /// [`TorAttribution::load`]).
    pub fn with_tor(mut self, tor: TorAttribution) -> LiveProcessor {
        self.tor = tor;
        self
    }

    /// Replaces the Tor lists (the server reloads them after `kansoku tor import`).
    pub fn set_tor(&mut self, tor: TorAttribution) {
        self.tor = tor;
    }

    /// Feeds one line (without its terminator) of `source`. `received` (microseconds, UTC)
    /// stands in for the record's time when the format carries none, and is the
    /// reference that firewall times without a year are read against.
    pub fn push(
        &mut self,
        source: &LiveSource,
        line: &[u8],
        lineno: u64,
        received: Micros,
    ) -> PushOutcome {
        if source.format.is_firewall() {
            return self.push_net(source, line, lineno, received);
        }
        let mut outcome = PushOutcome::default();
        let parser = match self.parsers.get_mut(&source.name) {
            Some(p) => p,
            None => match source.format.parser() {
                Ok(p) => self.parsers.entry(source.name.clone()).or_insert(p),
                Err(e) => {
                    outcome.rejected.push((lineno, e.to_string()));
                    return outcome;
                }
            },
        };
        parser.feed(line, lineno, &mut self.parsed);
        let clock = now(received);
        for p in self.parsed.drain(..) {
            match p.record {
                Ok(req) if let Some(why) = self.ctx.enrich.future_time(req.ts, clock) => {
                    outcome
                        .rejected
                        .push((p.line, format!("bad timestamp: {why}")));
                }
                Ok(mut req) => {
                    if req.ts == 0 {
                        req.ts = received;
                    }
                    req.prepare(
                        &job(&self.ctx, &self.tor, source, received, clock),
                        p.line,
                        &mut self.matcher,
                    );
                    self.windows.observe(&mut req);
                    self.builder.push(&req);
                    outcome.stored += 1;
                    outcome.records.push(req);
                }
                Err(e) => outcome.rejected.push((p.line, e.to_string())),
            }
        }
        outcome
    }

    fn push_net(
        &mut self,
        source: &LiveSource,
        line: &[u8],
        lineno: u64,
        received: Micros,
    ) -> PushOutcome {
        let mut outcome = PushOutcome::default();
        let stale = self
            .net_parsers
            .get(&source.name)
            .is_none_or(|p| received - p.reference > REFERENCE_AGE);
        if stale {
            let clock = TimeContext {
                zone: self.ctx.enrich.zone,
                reference: received,
            };
            match source.format.net_parser(clock) {
                Ok(parser) => {
                    self.net_parsers.insert(
                        source.name.clone(),
                        NetParser {
                            parser,
                            reference: received,
                        },
                    );
                }
                Err(e) => {
                    outcome.rejected.push((lineno, e.to_string()));
                    return outcome;
                }
            }
        }
        let Some(p) = self.net_parsers.get_mut(&source.name) else {
            return outcome;
        };
        p.parser.feed(line, lineno, &mut self.net_parsed);
        let clock = now(received);
        for p in self.net_parsed.drain(..) {
            match p.record {
                Ok(f) if let Some(why) = self.ctx.enrich.future_time(f.ts, clock) => {
                    outcome
                        .rejected
                        .push((p.line, format!("bad timestamp: {why}")));
                }
                Ok(mut f) => {
                    if f.ts == 0 {
                        f.ts = received;
                    }
                    f.prepare(
                        &job(&self.ctx, &self.tor, source, received, clock),
                        p.line,
                        &mut (),
                    );
                    self.net_builder.push(&f);
                    outcome.stored += 1;
                }
                Err(e) => outcome.rejected.push((p.line, e.to_string())),
            }
        }
        outcome
    }

    /// `http` rows gathered since the last [`finish_batch`](Self::finish_batch).
    pub fn len(&self) -> usize {
        self.builder.len()
    }

    /// Whether no `http` row is waiting.
    pub fn is_empty(&self) -> bool {
        self.builder.is_empty()
    }

    /// `net` rows gathered since the last [`finish_net_batch`](Self::finish_net_batch).
    pub fn net_len(&self) -> usize {
        self.net_builder.len()
    }

    /// The gathered `http` rows as one batch; the processor starts a new one.
    pub fn finish_batch(&mut self) -> RecordBatch {
        self.builder.finish()
    }

    /// The gathered `net` rows (firewall sources) as one batch.
    pub fn finish_net_batch(&mut self) -> RecordBatch {
        self.net_builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use kansoku_event::DEFAULT_TENANT;

    #[test]
    fn bad_lines_are_rejected_and_good_ones_detected() {
        let ctx = Context::new(&Config::default()).expect("rules");
        let mut live = LiveProcessor::new(&ctx);
        let src = LiveSource {
            name: "s".into(),
            format: Format::Combined,
            tenant: None,
        };
        let bad = live.push(&src, b"not a log line", 7, 5);
        assert_eq!(bad.stored, 0);
        assert_eq!(bad.rejected.len(), 1);
        assert_eq!(bad.rejected[0].0, 7);
        let good = live.push(
            &src,
            br#"203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] "GET /.env HTTP/1.1" 404 1 "-" "-""#,
            8,
            5,
        );
        assert_eq!(good.stored, 1);
        let rec = &good.records[0];
        assert_eq!(rec.tenant, DEFAULT_TENANT);
        assert_eq!(rec.source, "s");
        assert_eq!(rec.source_line, 8);
        assert!(
            rec.categories.iter().any(|c| c == "credential_probe"),
            "{rec:?}"
        );
        assert_eq!(live.finish_batch().num_rows(), 1);
        assert!(live.is_empty());
    }

    #[test]
    fn live_rows_get_what_batch_ingest_adds() {
        // The live path attributes Tor exits and reads firewall formats with
        // service and direction, as `kansoku ingest` does.
        let config = Config::parse(
            "[network]\ninternal = [\"192.0.2.0/24\"]\n[firewall]\ntimezone = \"Asia/Tokyo\"\n",
        )
        .expect("config");
        let ctx = Context::new(&config).expect("context");
        let t0 = 1_789_966_800_000_000; // 2026-09-21T05:00:00Z
        let exit = kansoku_enrich::tor::TorIndex::new(
            [kansoku_enrich::tor::Observation {
                ip: "198.51.100.7".parse().expect("ip"),
                first: t0 - 3_600_000_000,
                last: t0 + 3_600_000_000,
                fingerprint: None,
            }],
            3_600_000_000,
        );
        let mut live = LiveProcessor::new(&ctx).with_tor(TorAttribution::from_index(exit));
        let web = LiveSource {
            name: "web".into(),
            format: Format::Combined,
            tenant: None,
        };
        let t = "[21/Sep/2026:05:00:00 +0000]";
        for (ip, want) in [("198.51.100.7", Some(true)), ("203.0.113.1", Some(false))] {
            let line = format!(r#"{ip} - - {t} "GET /.env HTTP/1.1" 404 1 "-" "-""#);
            let out = live.push(&web, line.as_bytes(), 1, t0);
            assert_eq!(out.records[0].tor_exit, want, "{ip}");
        }
        assert_eq!(live.finish_batch().num_rows(), 2);

        let fw = LiveSource {
            name: "fw".into(),
            format: Format::Netfilter,
            tenant: Some("shop".into()),
        };
        // BSD syslog time, no year, local to Asia/Tokyo: 2026-09-21 14:00 JST.
        let line = b"Sep 21 14:00:00 fw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.7 DST=192.0.2.10 LEN=60 PROTO=TCP SPT=51234 DPT=23";
        let out = live.push(&fw, line, 9, t0);
        assert_eq!(
            (out.stored, out.rejected.len()),
            (1, 0),
            "{:?}",
            out.rejected
        );
        assert!(
            out.records.is_empty(),
            "firewall rows are not http detections"
        );
        assert!(live.push(&fw, b"not netfilter", 10, t0).rejected.len() == 1);
        assert_eq!(live.net_len(), 1);
        let batch = live.finish_net_batch();
        assert_eq!(batch.num_rows(), 1);
        use arrow_array::cast::AsArray as _;
        let text = |name: &str| {
            let col = batch.column_by_name(name).expect(name);
            col.as_string::<i32>().value(0).to_string()
        };
        assert_eq!(text("service"), "telnet");
        assert_eq!(text("direction"), "inbound");
        assert_eq!(text("tenant"), "shop");
        assert_eq!(text("source"), "fw");
        let tor = batch.column_by_name("tor_exit").expect("tor_exit");
        assert!(tor.as_boolean().value(0), "a listed exit at that time");
        let ts = batch.column_by_name("ts").expect("ts");
        let ts = ts.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        // 14:00 in Tokyo is 05:00 UTC.
        assert_eq!(ts.value(0), t0);
    }
}
