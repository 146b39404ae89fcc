//! The live entry point: records that arrive one at a time (syslog, HTTP push, tailed
//! files) go through the same parse → attribute → detect path as batch ingest, and are
//! gathered into `http` batches that the caller writes to the lake when its flush policy
//! says so.
//!
//! One [`LiveProcessor`] per flushing thread: it keeps one parser per source (so a
//! multi-line format keeps its state between lines of one source), one matcher and one set
//! of windows, fed in arrival order, which is the only order a live stream has.
//!
//! ```
//! use kansoku_pipeline::{Config, live::{LiveProcessor, LiveSource}};
//! use kansoku_parse::Format;
//!
//! let ctx = Config::default().context().expect("built-in rules");
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
use kansoku_event::{DEFAULT_TENANT, HttpRequest, Micros};
use kansoku_parse::{Format, Parsed, Parser};

use crate::config::Context;

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

/// What one pushed line gave.
#[derive(Debug, Default)]
pub struct PushOutcome {
    /// Records added to the current batch.
    pub stored: u64,
    /// Lines rejected, with the parser's reason.
    pub rejected: Vec<(u64, String)>,
    /// The records added (after detection), for online alerting.
    pub records: Vec<HttpRequest>,
}

/// Parses, attributes and matches live records and gathers them into a batch.
pub struct LiveProcessor {
    ctx: Context,
    matcher: Matcher,
    windows: Windows,
    parsers: HashMap<String, Box<dyn Parser>>,
    builder: HttpBatchBuilder,
    parsed: Vec<Parsed>,
}

impl LiveProcessor {
    /// A processor for the rules and tenant map of `ctx`.
    pub fn new(ctx: &Context) -> LiveProcessor {
        LiveProcessor {
            matcher: ctx.rules.matcher(),
            windows: Windows::new(&ctx.rules),
            ctx: ctx.clone(),
            parsers: HashMap::new(),
            builder: HttpBatchBuilder::with_capacity(1024),
            parsed: Vec::new(),
        }
    }

    /// Feeds one line (without its terminator) of `source`. `received` (microseconds, UTC)
    /// stands in for the record's time when the format carries none.
    pub fn push(
        &mut self,
        source: &LiveSource,
        line: &[u8],
        lineno: u64,
        received: Micros,
    ) -> PushOutcome {
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
        for p in self.parsed.drain(..) {
            match p.record {
                Ok(mut req) => {
                    if req.ts == 0 {
                        req.ts = received;
                    }
                    req.source = source.name.clone();
                    req.source_line = p.line;
                    req.tenant = match &source.tenant {
                        Some(t) => t.clone(),
                        None => self
                            .ctx
                            .tenants
                            .resolve(req.host.as_deref(), req.dst_ip.as_deref(), None)
                            .unwrap_or(DEFAULT_TENANT)
                            .to_string(),
                    };
                    self.matcher.apply(&mut req);
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

    /// Rows gathered since the last [`finish_batch`](Self::finish_batch).
    pub fn len(&self) -> usize {
        self.builder.len()
    }

    /// Whether no row is waiting.
    pub fn is_empty(&self) -> bool {
        self.builder.is_empty()
    }

    /// The gathered rows as one `http` batch; the processor starts a new one.
    pub fn finish_batch(&mut self) -> RecordBatch {
        self.builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn bad_lines_are_rejected_and_good_ones_detected() {
        let ctx = Config::default().context().expect("rules");
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
}
