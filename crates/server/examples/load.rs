//! Load benchmark: syslog over TCP on loopback into a running server, with the spool's
//! fsync on. Prints sustained events/s (until the server has accepted every event),
//! zero-loss check against the lake, p50/p99 acknowledgement latency, and peak memory.
//!
//! ```text
//! cargo run -p kansoku-server --example load -- [SECONDS] [CONNECTIONS]
//! ```
//!
//! Acknowledgement latency: a TCP syslog sender gets no application-level answer, so an
//! event counts as acknowledged when the server's `kansoku_events_accepted_total` for its
//! connection's source reaches it (each connection has its own source, and one connection's
//! messages are spooled in order). `/metrics` is polled every 2 ms, which bounds the
//! resolution. The server runs in this process; peak memory (VmHWM) covers both.

use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// (message number, send time) of sampled messages of one connection.
type Samples = Arc<std::sync::Mutex<Vec<(u64, Instant)>>>;

fn metric_values(addr: &str) -> Vec<(String, u64)> {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return Vec::new();
    };
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines()
        .filter(|l| l.starts_with("kansoku_events_accepted_total{"))
        .filter_map(|l| {
            let name = l.split("source=\"").nth(1)?.split('"').next()?.to_string();
            Some((name, l.rsplit(' ').next()?.parse().ok()?))
        })
        .collect()
}

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let conns: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut text = format!(
        "data_dir = {:?}\n[dashboard]\nlisten = \"127.0.0.1:0\"\n[alerts]\nstdout = false\n",
        data.to_string_lossy()
    );
    for c in 0..conns {
        text.push_str(&format!(
            "[[source]]\nname = \"tcp{c}\"\nkind = \"syslog-tcp\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\n"
        ));
    }
    let config = kansoku_server::ServeConfig::parse(&text).expect("config");
    let listen = data.join("serve").join("listening.json");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(kansoku_server::run(config, async {
                let _ = stop_rx.await;
            }))
    });
    let addrs: Vec<(String, String)> = loop {
        if let Ok(b) = std::fs::read(&listen)
            && let Ok(v) = serde_json::from_slice::<Vec<serde_json::Value>>(&b)
        {
            break v
                .iter()
                .map(|l| {
                    (
                        l["name"].as_str().unwrap_or_default().to_string(),
                        l["addr"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let board = addrs
        .iter()
        .find(|(n, _)| n == "dashboard")
        .map(|(_, a)| a.clone())
        .expect("dashboard");

    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let sent: Vec<Arc<AtomicU64>> = (0..conns).map(|_| Arc::new(AtomicU64::new(0))).collect();
    // Send times of every 512th message, per connection, for the latency figures.
    let samples: Vec<Samples> = (0..conns).map(|_| Arc::default()).collect();
    let senders: Vec<_> = (0..conns)
        .map(|c| {
            let addr = addrs.iter().find(|(n, _)| *n == format!("tcp{c}")).map(|(_, a)| a.clone()).expect("source");
            let (sent, samples) = (Arc::clone(&sent[c]), Arc::clone(&samples[c]));
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).expect("connect");
                let _ = s.set_nodelay(true);
                let mut w = BufWriter::with_capacity(64 * 1024, s);
                let mut n = 0u64;
                while Instant::now() < deadline {
                    for _ in 0..256 {
                        n += 1;
                        let msg = format!(
                            "<190>Oct  1 01:00:00 web{c} nginx: 10.{}.{}.{} - - [01/Oct/2026:10:{:02}:{:02} +0900] \"GET /item/{n}?q=load HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
                            (n >> 16) & 255, (n >> 8) & 255, n & 255, (n / 60) % 60, n % 60
                        );
                        let _ = write!(w, "{} {msg}", msg.len());
                        if n.is_multiple_of(512) {
                            let _ = w.flush();
                            if let Ok(mut s) = samples.lock() {
                                s.push((n, Instant::now()));
                            }
                        }
                    }
                    sent.store(n, Ordering::Relaxed);
                }
                let _ = w.flush();
                sent.store(n, Ordering::Relaxed);
                n
            })
        })
        .collect();
    // Poll accepted counts; note when each sample was first covered.
    let mut acked_at: Vec<Vec<(u64, Instant)>> = vec![Vec::new(); conns];
    let mut finished_at = None;
    let mut totals = Vec::new();
    let mut senders = Some(senders);
    loop {
        let values = metric_values(&board);
        let now = Instant::now();
        for (c, acks) in acked_at.iter_mut().enumerate() {
            let name = format!("tcp{c}");
            let accepted = values.iter().find(|(n, _)| *n == name).map_or(0, |v| v.1);
            let last = acks.last().map_or(0, |a| a.0);
            if accepted > last {
                acks.push((accepted, now));
            }
        }
        if now >= deadline
            && totals.is_empty()
            && let Some(s) = senders.take()
        {
            totals = s.into_iter().map(|h| h.join().unwrap_or(0)).collect();
        }
        if !totals.is_empty()
            && acked_at
                .iter()
                .zip(&totals)
                .all(|(a, &t)| a.last().is_some_and(|x| x.0 >= t))
        {
            finished_at = Some(now);
            break;
        }
        if now > deadline + Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let total: u64 = totals.iter().sum();
    let elapsed = finished_at.unwrap_or_else(Instant::now) - started;
    let mut latencies: Vec<f64> = Vec::new();
    for c in 0..conns {
        let s = samples[c].lock().map(|s| s.clone()).unwrap_or_default();
        for (n, at) in s {
            if let Some((_, acked)) = acked_at[c].iter().find(|(a, _)| *a >= n) {
                latencies.push(acked.saturating_duration_since(at).as_secs_f64() * 1000.0);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let stopping = Instant::now();
    let _ = stop_tx.send(());
    let summary = server.join().expect("server thread").expect("server run");
    let drain = stopping.elapsed();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let stored: i64 = rt.block_on(async {
        let lake = kansoku_lake::Lake::open(&data).expect("lake");
        let ctx = lake.session().await.expect("session");
        let b = ctx
            .sql("SELECT count(*) FROM http")
            .await
            .expect("sql")
            .collect()
            .await
            .expect("collect");
        b.first()
            .and_then(|b| {
                b.column(0)
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .map(|a| a.value(0))
            })
            .unwrap_or(-1)
    });
    println!(
        "{} build: {total} events over {conns} TCP connection(s) in {:.2} s = {:.0} events/s sustained (fsync always)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "acknowledged {} (server) / stored {stored} in the lake ({:.2} s to flush the rest at shutdown): {}",
        summary.accepted,
        drain.as_secs_f64(),
        if stored == total as i64 && summary.accepted == total {
            "zero loss"
        } else {
            "LOSS"
        }
    );
    println!(
        "ack latency p50 {:.1} ms, p99 {:.1} ms ({} samples; /metrics polled every 2 ms); peak memory {} MiB",
        pct(0.5),
        pct(0.99),
        latencies.len(),
        peak_memory_kib() / 1024
    );
}
