//! Explains which rules match one combined-format log line (read by the production parser).
//!
//! `cargo run -p kansoku-detect --example explain -- 'LINE'`

use kansoku_detect::RuleSet;
use kansoku_parse::Format;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::builtin()?;
    let mut m = rules.matcher();
    for line in std::env::args().skip(1) {
        let mut parser = Format::Combined.parser()?;
        let mut out = Vec::new();
        parser.feed(line.as_bytes(), 1, &mut out);
        let Some(Ok(req)) = out.pop().map(|p| p.record) else {
            println!("not a combined-format request: {line}");
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
