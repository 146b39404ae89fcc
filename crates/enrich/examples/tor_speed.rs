//! Tor attribution cost: loads the 2024-03-12 exit snapshot and times 1M lookups
//! (half hits, half misses by address or by time), from text as the pipeline calls it.
//!
//! `cargo run --release -p kansoku-enrich --example tor_speed [PATH]`

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use kansoku_enrich::tor::{TorIndex, import_path, parse_datetime};

const LOOKUPS: usize = 1_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("/work/shared/data/tor/exit-addresses_2024-03-12.txt"),
        PathBuf::from,
    );
    let started = Instant::now();
    let (_, import) = import_path(&path, None)?;
    let known: Vec<String> = import
        .observations
        .iter()
        .map(|o| o.ip.to_string())
        .collect();
    let index = TorIndex::new(import.observations, TorIndex::DEFAULT_WINDOW);
    println!(
        "loaded {} addresses in {:.1} ms",
        index.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let noon = parse_datetime("2024-03-12 12:00:00").ok_or("bad time")?;

    // Deterministic mix: 50% listed addresses on the day, 25% unlisted addresses,
    // 25% listed addresses a month later.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let events: Vec<(String, i64)> = (0..LOOKUPS)
        .map(|_| {
            let r = next();
            let listed = &known[(r >> 8) as usize % known.len()];
            match r % 4 {
                0 | 1 => (listed.clone(), noon),
                2 => (
                    format!("10.{}.{}.{}", r >> 16 & 255, r >> 24 & 255, r >> 32 & 255),
                    noon,
                ),
                _ => (listed.clone(), noon + 30 * 86_400_000_000),
            }
        })
        .collect();

    let mut best = f64::MAX;
    let mut hits = 0;
    for _ in 0..5 {
        let t = Instant::now();
        hits = events
            .iter()
            .filter(|(ip, at)| index.is_exit_str(black_box(ip), *at))
            .count();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{LOOKUPS} lookups from text: {hits} hits, best of 5 {:.1} ms = {:.1} M lookups/s ({:.0} ns each)",
        best * 1e3,
        LOOKUPS as f64 / best / 1e6,
        best * 1e9 / LOOKUPS as f64
    );
    let parsed: Vec<(std::net::IpAddr, i64)> = events
        .iter()
        .filter_map(|(ip, at)| Some((ip.parse().ok()?, *at)))
        .collect();
    let t = Instant::now();
    let hits2 = parsed
        .iter()
        .filter(|(ip, at)| index.is_exit(black_box(*ip), *at))
        .count();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{LOOKUPS} lookups from IpAddr: {hits2} hits, {:.1} M lookups/s",
        LOOKUPS as f64 / s / 1e6
    );
    Ok(())
}
