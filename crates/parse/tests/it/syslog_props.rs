//! Syslog framing and headers on any bytes, cut into any reads: no panic, and
//! the messages framed do not depend on how the stream was cut.

use kansoku_parse::syslog::{Frame, Framer, parse};
use proptest::prelude::*;

const MAX: usize = 64;

/// Frames `stream` delivered in reads of the given sizes, as a connection would.
fn framed(stream: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut framer = Framer::new(MAX);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut rest = stream;
    let mut sizes = cuts.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        let used = framer.frames(&buf, |f| {
            if let Frame::Message(m) = f {
                out.push(m.to_vec());
            }
        });
        assert!(used <= buf.len());
        buf.drain(..used);
    }
    if let Some(last) = framer.finish(&buf) {
        out.push(last.to_vec());
    }
    out
}

fn message() -> impl Strategy<Value = Vec<u8>> {
    // Starts with `<` (as syslog does), so the framing is decided the same way every time.
    proptest::collection::vec(
        any::<u8>().prop_filter("no newline", |b| *b != b'\n' && *b != b'\r'),
        0..MAX - 1,
    )
    .prop_map(|mut m| {
        m.insert(0, b'<');
        m
    })
}

proptest! {
    #[test]
    fn any_stream_any_cuts_never_panics(
        stream in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(1usize..50, 1..8),
    ) {
        for m in framed(&stream, &cuts) {
            prop_assert!(m.len() <= stream.len());
            let _ = parse(&m, 2026);
        }
    }

    #[test]
    fn octet_counted_messages_round_trip(
        msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..MAX), 1..10),
        cuts in proptest::collection::vec(1usize..30, 1..6),
    ) {
        let stream: Vec<u8> = msgs
            .iter()
            .flat_map(|m| [format!("{} ", m.len()).into_bytes(), m.clone()].concat())
            .collect();
        prop_assert_eq!(framed(&stream, &cuts), msgs);
    }

    #[test]
    fn newline_framed_messages_round_trip(
        msgs in proptest::collection::vec(message(), 1..10),
        cuts in proptest::collection::vec(1usize..30, 1..6),
    ) {
        let stream: Vec<u8> = msgs.iter().flat_map(|m| [m.as_slice(), b"\n"].concat()).collect();
        prop_assert_eq!(framed(&stream, &cuts), msgs);
    }

    #[test]
    fn headers_of_any_line_never_panic(line in proptest::collection::vec(any::<u8>(), 0..200), year in 1970i32..2100) {
        let _ = parse(&line, year);
    }
}
