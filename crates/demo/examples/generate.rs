//! Writes the demo dataset and prints what was written and how long it took:
//! `cargo run -p kansoku-demo --example generate -- OUT_DIR [SCALE] [SEED]`.

use std::path::PathBuf;
use std::time::Instant;

use kansoku_demo::{DemoSpec, generate};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "demo-data".into()));
    let defaults = DemoSpec::default();
    let scale = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(defaults.scale);
    let seed = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(defaults.seed);
    let spec = DemoSpec {
        scale,
        seed,
        ..defaults
    };
    let start = Instant::now();
    let manifest = generate(&out, &spec)?;
    let took = start.elapsed();
    let mut lines = 0;
    for f in manifest
        .files
        .iter()
        .filter(|f| f.format != "tor-exit-addresses")
    {
        println!(
            "{:>8}  {:<12} {:<15} {}",
            f.lines,
            f.format,
            f.tenant,
            f.path.display()
        );
        lines += f.lines;
    }
    let tor = manifest.files.len()
        - manifest
            .files
            .iter()
            .filter(|f| f.format != "tor-exit-addresses")
            .count();
    println!("+ {tor} Tor exit-list snapshots");
    for p in &manifest.planted {
        println!(
            "planted {} on {} {} – {} ({} events)",
            p.kind, p.tenant, p.start, p.end, p.events
        );
    }
    println!("{lines} lines in {took:.2?} into {}", out.display());
    Ok(())
}
