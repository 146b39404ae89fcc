//! Rough throughput of the `combined` parser: generates 200k varied lines in memory and
//! parses them, printing lines/s and MB/s. Run with `--release`.
//!
//! On a shared machine wall time mostly measures the neighbours, so on Linux the figure
//! also comes from the thread's own on-CPU time (`/proc/thread-self/schedstat`).

use std::time::Instant;

use kansoku_parse::{Format, Parsed};

const LINES: usize = 200_000;

fn main() {
    let paths = [
        "/index.html",
        "/presentations/logstash-monitorama-2013/images/kibana-search.png",
        "/wp-login.php",
        "/search?q=%27%20union%20select%201,2,3--&page=2",
        "/static/app.js?v=1.2.3",
    ];
    let agents = [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
        "curl/8.5.0",
        "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)",
    ];
    let mut data = Vec::with_capacity(LINES * 260);
    let mut starts = Vec::with_capacity(LINES + 1);
    for i in 0..LINES {
        starts.push(data.len());
        let line = format!(
            "10.{}.{}.{} - - [17/May/2015:{:02}:{:02}:{:02} +0000] \"GET {} HTTP/1.1\" {} {} \"http://semicomplete.com/presentations/\" \"{}\"",
            i % 251,
            i % 13,
            i % 7,
            i / 3600 % 24,
            i / 60 % 60,
            i % 60,
            paths[i % paths.len()],
            [200, 304, 404][i % 3],
            i * 7 % 100_000,
            agents[i % agents.len()],
        );
        data.extend_from_slice(line.as_bytes());
    }
    starts.push(data.len());

    let mut parser = Format::Combined.parser().expect("built-in format");
    let mut out: Vec<Parsed> = Vec::with_capacity(4096);
    let mut ok = 0usize;
    let cpu0 = on_cpu_ns();
    let t = Instant::now();
    for i in 0..LINES {
        parser.feed(&data[starts[i]..starts[i + 1]], i as u64 + 1, &mut out);
        if out.len() >= 4096 {
            ok += out.iter().filter(|p| p.record.is_ok()).count();
            out.clear();
        }
    }
    ok += out.iter().filter(|p| p.record.is_ok()).count();
    let secs = t.elapsed().as_secs_f64();
    report("wall", secs, data.len(), ok);
    if let (Some(a), Some(b)) = (cpu0, on_cpu_ns()) {
        report("on-CPU", (b - a) as f64 / 1e9, data.len(), ok);
    }
}

/// Nanoseconds this thread has spent running.
fn on_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn report(what: &str, secs: f64, bytes: usize, ok: usize) {
    println!(
        "{what}: {LINES} lines ({:.1} MB, {ok} parsed) in {:.3} s: {:.0} lines/s, {:.0} MB/s, {:.0} ns/line",
        bytes as f64 / 1e6,
        secs,
        LINES as f64 / secs,
        bytes as f64 / 1e6 / secs,
        secs * 1e9 / LINES as f64,
    );
}
