//! Tor attribution cost at ingest: imports an exit list into a temporary lake with
//! `kansoku tor import`'s code, loads it the way every ingest run does, and times 1M
//! lookups (half listed addresses on the day, a quarter unlisted, a quarter listed but a
//! month later), beside a time-unaware `HashSet` of the same addresses as the peer.
//!
//! `cargo run -p kansoku-pipeline --example tor_attribution [EXIT_LIST]`
//! (default: `../shared/data/tor/exit-addresses_2024-03-12.txt`, else the enrich
//! crate's excerpt).

use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kansoku_enrich::tor::{TorIndex, parse_datetime};
use kansoku_lake::Lake;
use kansoku_pipeline::enrichment::{TorAttribution, read_intervals};
use kansoku_pipeline::tor_import;

const EVENTS: usize = 1_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = std::env::args_os().nth(1).map_or_else(
        || {
            let full = root.join("../shared/data/tor/exit-addresses_2024-03-12.txt");
            if full.exists() {
                full
            } else {
                root.join("crates/enrich/tests/fixtures/tor/exit-addresses_2024-03-12.excerpt.txt")
            }
        },
        PathBuf::from,
    );
    let dir = tempfile::tempdir()?;
    let lake = Lake::open(dir.path())?;
    let t = Instant::now();
    let files = tor_import::import(&lake, std::slice::from_ref(&path), None)?;
    let f = files.first().ok_or("no summary")?;
    println!(
        "{}: {} relays, {} addresses; import {:.1} ms",
        path.display(),
        f.relays,
        f.addresses,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let tor = TorAttribution::load(&lake, TorIndex::DEFAULT_WINDOW)?;
    println!(
        "loaded {} exit addresses from the lake in {:.1} ms",
        tor.addresses(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let known: Vec<String> = read_intervals(&lake)?.into_iter().map(|r| r.ip).collect();
    let noon = parse_datetime("2024-03-12 12:00:00").ok_or("bad time")?;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let events: Vec<(String, i64)> = (0..EVENTS)
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
            .filter(|(ip, at)| tor.tor_exit(Some(black_box(ip)), *at) == Some(true))
            .count();
        best = best.min(t.elapsed().as_secs_f64());
    }
    let set: HashSet<&str> = known.iter().map(String::as_str).collect();
    let mut peer = f64::MAX;
    let mut peer_hits = 0;
    for _ in 0..5 {
        let t = Instant::now();
        peer_hits = events
            .iter()
            .filter(|(ip, _)| set.contains(black_box(ip.as_str())))
            .count();
        peer = peer.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{EVENTS} events: {hits} Tor at their time, best of 5 {:.1} ms = {:.2} M lookups/s ({:.0} ns each)",
        best * 1e3,
        EVENTS as f64 / best / 1e6,
        best * 1e9 / EVENTS as f64
    );
    println!(
        "peer, HashSet<&str> without time: {peer_hits} hits, {:.2} M lookups/s; time-aware / set = {:.2}x the time",
        EVENTS as f64 / peer / 1e6,
        best / peer
    );
    Ok(())
}
