//! Parses files with a detected (or named) format and prints how many lines became
//! records and why the others were rejected: `parse_file [--format NAME] FILE...`.

use kansoku_parse::{Format, detect_format};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut named = None;
    if args.first().map(String::as_str) == Some("--format") && args.len() > 1 {
        named = Some(Format::from_name(&args[1]).unwrap_or_else(|e| panic!("{e}")));
        args.drain(..2);
    }
    for path in args {
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
        let Some(format) = named.clone().or_else(|| detect_format(&lines)) else {
            println!("{path}: format not recognised");
            continue;
        };
        let mut parser = format.parser().expect("format has a parser");
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            parser.feed(
                line.strip_suffix(b"\r").unwrap_or(line),
                i as u64 + 1,
                &mut out,
            );
        }
        parser.finish(&mut out);
        let ok = out.iter().filter(|p| p.record.is_ok()).count();
        println!(
            "{path}: {} -> {ok} records, {} rejected",
            format.name(),
            out.len() - ok
        );
        for p in out.iter().filter(|p| p.record.is_err()).take(3) {
            if let Err(e) = &p.record {
                println!("  line {}: {e}", p.line);
            }
        }
    }
}
