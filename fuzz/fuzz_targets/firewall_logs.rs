//! Firewall formats (netfilter, filterlog, FortiGate, PAN-OS) and their syslog envelope.
#![no_main]

use kansoku_parse::Format;
use kansoku_parse::firewall::TimeContext;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let format = match pick % 4 {
        0 => Format::Netfilter,
        1 => Format::Filterlog,
        2 => Format::Fortigate,
        _ => Format::PaloAlto,
    };
    let clock = TimeContext {
        zone: chrono_tz::Asia::Tokyo,
        reference: 1_790_000_000_000_000,
    };
    let Ok(mut parser) = format.net_parser(clock) else {
        return;
    };
    let mut out = Vec::new();
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        parser.feed(line, i as u64 + 1, &mut out);
    }
    parser.finish(&mut out);
});
