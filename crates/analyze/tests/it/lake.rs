//! A temporary lake filled with rows the tests choose, and the report built over it.

use chrono::{NaiveDate, TimeZone};
use kansoku_analyze::{Period, ReportRequest, build_report};
use kansoku_event::HttpRequest;
use kansoku_event::http::HttpBatchBuilder;
use kansoku_event::net::{NetBatchBuilder, NetFlow};
use kansoku_lake::Lake;
use kansoku_report::Lang;
use kansoku_report::model::{Block, Report, Section};

pub const TENANT: &str = "corp";

/// Microseconds of a Tokyo local time.
pub fn tokyo(day: NaiveDate, hour: u32, minute: u32) -> i64 {
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).expect("time"))
        .earliest()
        .expect("unambiguous")
        .timestamp_micros()
}

pub fn write_net(lake: &Lake, name: &str, rows: &[NetFlow]) {
    let mut b = NetBatchBuilder::with_capacity(rows.len());
    for r in rows {
        b.push(r);
    }
    lake.write_batch("net", name, &b.finish(), None)
        .expect("write net");
}

pub fn write_http(lake: &Lake, name: &str, rows: &[HttpRequest]) {
    let mut b = HttpBatchBuilder::with_capacity(rows.len());
    for r in rows {
        b.push(r);
    }
    lake.write_batch("http", name, &b.finish(), None)
        .expect("write http");
}

/// The report over `[from, to]` in Asia/Tokyo, in `lang`.
pub fn report(lake: &Lake, from: NaiveDate, to: NaiveDate, lang: Lang) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let ctx = lake.session().await.expect("session");
        let mut req = ReportRequest::new(Period { from, to }, lang);
        req.tz = chrono_tz::Asia::Tokyo;
        build_report(&ctx, &req).await.expect("report")
    })
}

pub fn section<'a>(report: &'a Report, id: &str) -> &'a Section {
    report
        .sections
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no section {id}"))
}

pub fn blocks<'a, T>(
    section: &'a Section,
    pick: impl Fn(&'a Block) -> Option<&'a T>,
) -> Vec<&'a T> {
    section.blocks.iter().filter_map(pick).collect()
}

/// Deterministic noise in `[-1, 1)` (xorshift), so flat series are not perfectly flat.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(seed.max(1))
    }

    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 2000) as f64 / 1000.0 - 1.0
    }
}
