//! RELP load generator: one session to `ADDR`, `N` syslog messages carrying combined log
//! lines, at most `WINDOW` of them unanswered (rsyslog's `omrelp` keeps 128). Every answer
//! is matched to its message, so the acknowledgement latency is exact: the time from
//! writing a frame to reading its `200 OK`. Prints one JSON line: events/s, p50/p99/max
//! latency in milliseconds, and whether every message was answered `200`.
//!
//! It speaks to any RELP server, so `bench/syslog.sh` runs it against rsyslog (`imrelp`
//! → `omfile`) and `kansoku serve` (`kind = "relp"`) in the same run.
//!
//! ```text
//! rustc -O --edition 2024 crates/server/examples/relp_load.rs -o target/relp_load
//! target/relp_load 127.0.0.1:2514 200000 128
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Instant;

/// A frame as a client writes it: `TXNR COMMAND LEN [SP DATA] LF`. (The server crate has
/// the same function, `sources::relp::encode`; this file uses only std, so that
/// `bench/syslog.sh` compiles it with `rustc -O` in seconds instead of building the
/// server's examples with their own set of features, a second DataFusion build.)
fn encode(txnr: u64, command: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{txnr} {command} {}", data.len()).into_bytes();
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data);
    }
    out.push(b'\n');
    out
}

/// Reads one answer frame: its transaction number and its data.
fn answer(r: &mut impl BufRead) -> std::io::Result<(u64, Vec<u8>)> {
    let word = |r: &mut dyn BufRead| -> std::io::Result<String> {
        let mut w = Vec::new();
        r.read_until(b' ', &mut w)?;
        if w.pop() != Some(b' ') {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(String::from_utf8_lossy(&w).into_owned())
    };
    let txnr: u64 = word(r)?.parse().unwrap_or(0);
    let command = word(r)?;
    assert_eq!(command, "rsp", "the server sent {command:?}");
    let mut len = Vec::new();
    loop {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        match b[0] {
            b'\n' => return Ok((txnr, Vec::new())),
            b' ' => break,
            d => len.push(d),
        }
    }
    let n: usize = String::from_utf8_lossy(&len).parse().unwrap_or(0);
    let mut data = vec![0u8; n + 1];
    r.read_exact(&mut data)?;
    data.pop();
    Ok((txnr, data))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:2514".into());
    let n: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let window: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(128);
    let stream = TcpStream::connect(&addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut w = std::io::BufWriter::new(stream.try_clone().expect("clone"));
    let mut r = BufReader::new(stream);
    w.write_all(&encode(
        1,
        "open",
        b"relp_version=0\nrelp_software=kansoku-relp-load\ncommands=syslog",
    ))
    .expect("open");
    w.flush().expect("flush");
    let (_, offers) = answer(&mut r).expect("open answered");
    assert!(
        offers.starts_with(b"200"),
        "{}",
        String::from_utf8_lossy(&offers)
    );
    let mut sent: VecDeque<(u64, Instant)> = VecDeque::new();
    let mut latencies: Vec<f64> = Vec::with_capacity(n as usize);
    let mut failed = 0u64;
    let started = Instant::now();
    let mut next = 0u64;
    while latencies.len() as u64 + failed < n {
        while next < n && (sent.len() as u64) < window {
            let line = format!(
                "<190>Oct  1 01:00:00 web1 nginx: 203.0.113.{} - - [01/Oct/2026:10:00:00 +0900] \"GET /load/{next}?q=item{next} HTTP/1.1\" 200 5120 \"https://shop.example.jp/\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36\"",
                next % 250
            );
            let txnr = next + 2;
            w.write_all(&encode(txnr, "syslog", line.as_bytes()))
                .expect("send");
            sent.push_back((txnr, Instant::now()));
            next += 1;
        }
        w.flush().expect("flush");
        let (txnr, data) = answer(&mut r).expect("answer");
        while let Some(&(t, at)) = sent.front() {
            if t > txnr {
                break;
            }
            sent.pop_front();
            if t == txnr {
                if data.starts_with(b"200") {
                    latencies.push(at.elapsed().as_secs_f64() * 1e3);
                } else {
                    failed += 1;
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = w.write_all(&encode(n + 2, "close", b""));
    let _ = w.flush();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{{\"messages\":{n},\"answered_ok\":{},\"failed\":{failed},\"seconds\":{secs:.3},\"events_per_s\":{:.0},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
        latencies.len(),
        n as f64 / secs,
        pct(0.5),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
}
