//! Runs the quality benchmark on a data folder and prints the table.
//!
//! `cargo run --release -p kansoku-detect --example eval -- /work/shared/data [--sigma DIR] [--misses]`

use std::path::PathBuf;

use kansoku_detect::{LoadOptions, RuleSet, eval};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = PathBuf::from(
        args.first()
            .map(String::as_str)
            .unwrap_or("/work/shared/data"),
    );
    let mut opts = LoadOptions::default();
    if let Some(i) = args.iter().position(|a| a == "--sigma") {
        opts.sigma_dirs.push(PathBuf::from(
            args.get(i + 1).ok_or("--sigma needs a folder")?,
        ));
    }
    let (rules, warnings) = RuleSet::load(&opts)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let report = eval::run(&rules, &data)?;
    print!("{report}");
    if args.iter().any(|a| a == "--misses") {
        for c in report.corpora.iter().chain(&report.false_positives) {
            println!("\n# {} ({} listed)", c.name, c.misses.len());
            for m in &c.misses {
                println!("  {m}");
            }
        }
        for c in &report.crowdsec {
            for m in &c.missed {
                println!("crowdsec {} miss: {m}", c.test);
            }
        }
    }
    Ok(())
}
