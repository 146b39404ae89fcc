//! Every web/WAF log format: the first byte picks the format, the rest is fed line by line,
//! and format detection reads the same lines. No input may panic.
#![no_main]

use kansoku_parse::{Format, Parsed, detect_format};
use libfuzzer_sys::fuzz_target;

fn format(pick: u8) -> Format {
    match pick % 9 {
        0 => Format::Combined,
        1 => Format::Common,
        2 => Format::ModsecJson,
        3 => Format::ModsecNative,
        4 => Format::AwsWaf,
        5 => Format::EcsNdjson,
        6 => Format::Nginx("$remote_addr [$time_local] \"$request\" $status $body_bytes_sent \"$http_user_agent\" $request_time".into()),
        7 => Format::Apache("%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D".into()),
        _ => Format::from_name("vhost_combined").expect("a known name"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let _ = detect_format(&lines);
    let Ok(mut parser) = format(pick).parser() else {
        return;
    };
    let mut out: Vec<Parsed> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        parser.feed(line, i as u64 + 1, &mut out);
    }
    parser.finish(&mut out);
    assert!(
        out.iter()
            .all(|p| p.line >= 1 && p.line <= lines.len() as u64)
    );
});
