//! Syslog over TCP: octet-counting and newline framing over arbitrary chunking, then each
//! message's RFC 3164/5424 header.
#![no_main]

use kansoku_parse::syslog::{Frame, Framer, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    // Chunks of 1..=256 bytes, as reads of a socket would deliver them.
    let step = cut as usize + 1;
    let mut framer = Framer::new(512);
    let mut buf: Vec<u8> = Vec::new();
    let mut messages = Vec::new();
    for chunk in stream.chunks(step) {
        buf.extend_from_slice(chunk);
        let used = framer.frames(&buf, |f| {
            if let Frame::Message(m) = f {
                assert!(m.len() <= 512);
                messages.push(m.to_vec());
            }
        });
        assert!(used <= buf.len());
        buf.drain(..used);
    }
    if let Some(last) = framer.finish(&buf) {
        messages.push(last.to_vec());
    }
    for m in &messages {
        let _ = parse(m, 2026);
    }
});
