//! The two kinds of rows ingest writes, behind one trait, so that chunking, workers,
//! ordering, batches, checkpoints and rejects are one machinery for both tables.
//!
//! A [`Row`] says which table it goes to, how a worker makes its parser, what a worker
//! adds to each record (tenant, enrichment, the stateless rules for `http`), what the
//! ordered end does (the windowed rules for `http`, nothing for `net`), and how records
//! become an Arrow batch. Adding a table = one impl here.

use arrow_array::RecordBatch;
use kansoku_event::http::HttpBatchBuilder;
use kansoku_event::net::NetBatchBuilder;
use kansoku_event::{HttpRequest, NetFlow, table};
use kansoku_parse::{ParseError, Parser};

use crate::config::Context;
use crate::enrichment::Settings;
use crate::worker::Job;

/// A record type with a lake table; see the [module docs](self).
pub(crate) trait Row: Sized + Send + 'static {
    /// The lake table.
    const TABLE: &'static str;
    /// Builds the table's Arrow batches.
    type Builder;
    /// What each worker keeps between records (the rule matcher for `http`).
    type Local;
    /// What the ordered end keeps between records (the windowed rules for `http`).
    type Ordered;

    /// A parser for the job's format.
    fn parser(job: &Job<'_>) -> Result<Box<dyn Parser<Self>>, ParseError>;
    /// A worker's state.
    fn local(ctx: &Context) -> Self::Local;
    /// The ordered end's state.
    fn ordered(ctx: &Context) -> Self::Ordered;
    /// The record's time, microseconds since the epoch (UTC).
    fn ts(&self) -> i64;
    /// Fills what the pipeline adds to a parsed record from source line `line`, in a worker.
    fn prepare(&mut self, job: &Job<'_>, line: u64, local: &mut Self::Local);
    /// The ordered step; returns whether the record counts as a detection.
    fn observe(&mut self, ordered: &mut Self::Ordered) -> bool;
    /// A batch builder with room for `rows` rows.
    fn builder(rows: usize) -> Self::Builder;
    /// Appends one row.
    fn push(builder: &mut Self::Builder, row: &Self);
    /// Rows appended since the last batch.
    fn rows(builder: &Self::Builder) -> usize;
    /// The batch, resetting the builder.
    fn finish(builder: &mut Self::Builder) -> RecordBatch;
}

impl Row for HttpRequest {
    const TABLE: &'static str = table::HTTP;
    type Builder = HttpBatchBuilder;
    type Local = kansoku_detect::Matcher;
    type Ordered = kansoku_detect::Windows;

    fn parser(job: &Job<'_>) -> Result<Box<dyn Parser<Self>>, ParseError> {
        job.format.parser()
    }

    fn local(ctx: &Context) -> Self::Local {
        ctx.rules.matcher()
    }

    fn ts(&self) -> i64 {
        self.ts
    }

    fn ordered(ctx: &Context) -> Self::Ordered {
        kansoku_detect::Windows::new(&ctx.rules)
    }

    fn prepare(&mut self, job: &Job<'_>, line: u64, matcher: &mut Self::Local) {
        self.source = job.name.to_string();
        self.source_line = line;
        self.tenant = job
            .tenant_of(self.host.as_deref(), self.dst_ip.as_deref())
            .to_string();
        self.tor_exit = job.tor.tor_exit(self.src_ip.as_deref(), self.ts);
        if self.src_country.is_none() {
            self.src_country = job.ctx.enrich.country(self.src_ip.as_deref());
        }
        matcher.apply(self);
    }

    fn observe(&mut self, windows: &mut Self::Ordered) -> bool {
        windows.observe(self);
        !self.rule_ids.is_empty()
    }

    fn builder(rows: usize) -> Self::Builder {
        HttpBatchBuilder::with_capacity(rows)
    }

    fn push(builder: &mut Self::Builder, row: &Self) {
        builder.push(row);
    }

    fn rows(builder: &Self::Builder) -> usize {
        builder.len()
    }

    fn finish(builder: &mut Self::Builder) -> RecordBatch {
        builder.finish()
    }
}

/// Firewall rows: no detection rules run on them (the web rules read HTTP fields).
impl Row for NetFlow {
    const TABLE: &'static str = table::NET;
    type Builder = NetBatchBuilder;
    type Local = ();
    type Ordered = ();

    fn parser(job: &Job<'_>) -> Result<Box<dyn Parser<Self>>, ParseError> {
        job.format.net_parser(job.clock)
    }

    fn local(_: &Context) -> Self::Local {}

    fn ts(&self) -> i64 {
        self.ts
    }

    fn ordered(_: &Context) -> Self::Ordered {}

    fn prepare(&mut self, job: &Job<'_>, line: u64, _: &mut Self::Local) {
        self.source = job.name.to_string();
        self.source_line = line;
        self.tenant = job.tenant_of(None, self.dst_ip.as_deref()).to_string();
        self.service = Settings::service(self);
        self.direction = job.ctx.enrich.direction(self);
        self.tor_exit = job.tor.tor_exit(self.src_ip.as_deref(), self.ts);
        if self.src_country.is_none() {
            self.src_country = job.ctx.enrich.country(self.src_ip.as_deref());
        }
    }

    fn observe(&mut self, _: &mut Self::Ordered) -> bool {
        false
    }

    fn builder(rows: usize) -> Self::Builder {
        NetBatchBuilder::with_capacity(rows)
    }

    fn push(builder: &mut Self::Builder, row: &Self) {
        builder.push(row);
    }

    fn rows(builder: &Self::Builder) -> usize {
        builder.len()
    }

    fn finish(builder: &mut Self::Builder) -> RecordBatch {
        builder.finish()
    }
}
