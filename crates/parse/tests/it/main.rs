//! Integration tests of kansoku-parse through its public API: real log excerpts
//! (`tests/fixtures/`), malformed input, and properties that hold for every format.

mod firewall;
mod fixtures;
mod malformed;
mod props;
mod syslog_props;

use kansoku_parse::{Format, Parsed};

/// Feeds `text` line by line to a fresh parser of `format`, then finishes.
pub fn parse_all(format: &Format, text: &[u8]) -> Vec<Parsed> {
    let mut parser = format.parser().expect("format has a parser");
    let mut out = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        parser.feed(line, i as u64 + 1, &mut out);
    }
    parser.finish(&mut out);
    out
}
