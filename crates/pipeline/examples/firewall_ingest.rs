//! Firewall ingest throughput: writes a netfilter kern.log of N lines (default 500,000)
//! and ingests it into a temporary lake through the same pipeline as `kansoku ingest`,
//! then does the same with as many combined-format web lines as the peer. Prints lines/s
//! and the ratio.
//!
//! `cargo run -p kansoku-pipeline --example firewall_ingest [LINES]`

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use kansoku_lake::Lake;
use kansoku_pipeline::{Config, Context, IngestOptions, ingest};

fn netfilter(n: usize) -> String {
    let mut s = String::with_capacity(n * 260);
    let ports = [
        (23, "TCP"),
        (22, "TCP"),
        (445, "TCP"),
        (3702, "UDP"),
        (1900, "UDP"),
        (443, "TCP"),
    ];
    for i in 0..n {
        let (port, proto) = ports[i % ports.len()];
        let _ = writeln!(
            s,
            "Oct {:>2} {:02}:{:02}:{:02} fw1 kernel: [{i}.000001] FW-DROP-IN: IN=eth0 OUT= \
             MAC=00:16:3e:5a:1c:01:00:1b:21:3a:4f:02:08:00 SRC=198.51.{}.{} DST=192.0.2.{} LEN=60 \
             TOS=0x00 PREC=0x00 TTL=52 ID={} DF PROTO={proto} SPT={} DPT={port} WINDOW=64240 RES=0x00 SYN URGP=0",
            1 + (i / 86_400) % 28,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60,
            (i >> 8) & 255,
            i & 255,
            10 + i % 10,
            i & 0xffff,
            1024 + i % 60_000,
        );
    }
    s
}

fn combined(n: usize) -> String {
    let mut s = String::with_capacity(n * 200);
    for i in 0..n {
        let _ = writeln!(
            s,
            "10.{}.{}.{} - - [{:02}/Oct/2026:{:02}:{:02}:{:02} +0900] \"GET /page/{i}?q=item{i} HTTP/1.1\" 200 {} \"https://shop.example.jp/\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            1 + (i / 86_400) % 28,
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60,
            1000 + i % 5000
        );
    }
    s
}

fn ingest_file(
    dir: &Path,
    name: &str,
    text: &str,
) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    let mut config = Config::default();
    config.network.internal = vec!["192.0.2.0/24".into()];
    config.firewall.timezone = "Asia/Tokyo".into();
    let ctx = Context::new(&config)?;
    let lake = Lake::open(dir.join(format!("lake-{name}")))?;
    let opts = IngestOptions {
        paths: vec![path],
        ..IngestOptions::default()
    };
    let t = Instant::now();
    let s = ingest::run(&lake, &ctx, &opts)?;
    let secs = t.elapsed().as_secs_f64();
    if let Some(e) = s.errors.first() {
        return Err(e.clone().into());
    }
    Ok((s.totals.stored, secs))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(500_000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (fw_rows, fw) = ingest_file(dir.path(), "kern.log", &netfilter(n))?;
    println!(
        "netfilter: {fw_rows} of {n} lines stored in the net table in {fw:.2}s = {:.0} lines/s ({threads} threads)",
        n as f64 / fw
    );
    let (web_rows, web) = ingest_file(dir.path(), "access.log", &combined(n))?;
    println!(
        "peer, combined web log: {web_rows} lines into http (with detection rules) in {web:.2}s = {:.0} lines/s; firewall / web = {:.2}x the speed",
        n as f64 / web,
        web / fw
    );
    Ok(())
}
