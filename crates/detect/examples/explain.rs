//! Explains which rules match one log line (uses the eval-only line splitter).
//!
//! `cargo run -p kansoku-detect --example explain -- 'LINE'`

use kansoku_detect::{RuleSet, eval::split_line};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::builtin()?;
    let mut m = rules.matcher();
    for line in std::env::args().skip(1) {
        let Some(req) = split_line(&line, 1) else {
            println!("not a request: {line}");
            continue;
        };
        for hit in m.explain(&req) {
            println!(
                "{} [{}] zone {} matched {:?} in {:?}",
                hit.rule_id, hit.category, hit.zone, hit.matched, hit.decoded
            );
        }
    }
    Ok(())
}
