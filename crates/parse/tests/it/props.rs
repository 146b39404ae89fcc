//! Properties for every parser: no input panics, and output is consistent.

use kansoku_parse::firewall::TimeContext;
use kansoku_parse::{Format, percent_decode};
use proptest::prelude::*;

use crate::parse_all;

fn formats() -> Vec<Format> {
    vec![
        Format::Combined,
        Format::Common,
        Format::from_name("vhost_combined").expect("known name"),
        Format::Nginx("$time_iso8601 $remote_addr \"$request_uri\" $status $request_time".into()),
        Format::ModsecJson,
        Format::ModsecNative,
        Format::AwsWaf,
        Format::EcsNdjson,
    ]
}

/// Lines made of the pieces logs are made of, so parsers get past their first check.
fn loggy_line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"1.2.3.4 - - ".to_vec()),
        Just(b"[17/May/2015:10:05:03 +0000] ".to_vec()),
        Just(b"\"GET /a?b=%41%zz HTTP/1.1\" ".to_vec()),
        Just(b"\"\\x16\\x03\\\" 200 ".to_vec()),
        Just(b"{\"transaction\":{\"time_stamp\":".to_vec()),
        Just(b"\"httpRequest\":{\"uri\":\"/\"},\"timestamp\":1,".to_vec()),
        Just(b"{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"url.path\":".to_vec()),
        Just(b"--ab12-A--".to_vec()),
        Just(b"--ab12-Z--".to_vec()),
        Just(b"Message: [id \"1\"] [severity \"".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn no_input_panics_any_parser(lines in proptest::collection::vec(loggy_line(), 0..12)) {
        let text = lines.join(&b'\n');
        for f in formats() {
            let out = parse_all(&f, &text);
            // Every record points at a line that exists, in order.
            let n = text.split(|b| *b == b'\n').count() as u64;
            prop_assert!(out.iter().all(|p| p.line >= 1 && p.line <= n), "{}", f.name());
            prop_assert!(out.windows(2).all(|w| w[0].line <= w[1].line), "{}", f.name());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for f in formats() {
            let _ = parse_all(&f, &bytes);
        }
    }

    #[test]
    fn percent_decoding_text_without_percent_is_identity(s in "[^%]*") {
        prop_assert_eq!(&*percent_decode(s.as_bytes()), s.as_bytes());
    }

    #[test]
    fn plain_targets_are_kept_without_raw_copy(path in "/[a-zA-Z0-9/._-]{0,40}", query in "[a-z0-9=&]{0,20}") {
        let target = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let line = format!("192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] \"GET {target} HTTP/1.1\" 200 1 \"-\" \"-\"");
        let out = parse_all(&Format::Combined, line.as_bytes());
        let r = out[0].record.as_ref().expect("valid line");
        prop_assert_eq!(r.path.as_deref(), Some(path.as_str()));
        prop_assert_eq!(r.raw_uri.as_deref(), None);
    }

    /// The firewall parsers (and their syslog envelope) on lines built from the
    /// pieces firewall logs are made of, and on any bytes.
    #[test]
    fn no_input_panics_any_firewall_parser(
        lines in proptest::collection::vec(fwlike_line(), 0..10),
        noise in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let text = [lines.join(&b'\n'), noise].join(&b'\n');
        for f in [Format::Netfilter, Format::Filterlog, Format::Fortigate, Format::PaloAlto] {
            let clock = TimeContext { zone: chrono_tz::Asia::Tokyo, reference: 1_710_300_000_000_000 };
            let mut parser = f.net_parser(clock).expect("a firewall format");
            let mut out = Vec::new();
            for (i, line) in text.split(|b| *b == b'\n').enumerate() {
                parser.feed(line, i as u64 + 1, &mut out);
            }
            parser.finish(&mut out);
        }
    }

    /// Percent-encoding any bytes and decoding gives them back.
    #[test]
    fn percent_encoding_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let encoded: String = bytes.iter().map(|b| format!("%{b:02x}")).collect();
        prop_assert_eq!(&*percent_decode(encoded.as_bytes()), bytes.as_slice());
    }
}

fn fwlike_line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"Mar 12 08:10:51 gw kernel: [1234567.123456] [UFW BLOCK] ".to_vec()),
        Just(b"IN=eth0 OUT= SRC=198.51.100.7 DST=203.0.113.10 PROTO=TCP SPT=1 DPT=23 ".to_vec()),
        Just(b"Mar 12 08:10:51 pf.example filterlog[4567]: ".to_vec()),
        Just(b"5,,,1000000103,igb0,match,block,in,4,0x0,,52,54321,0,DF,6,tcp,60,198.51.100.7,203.0.113.10,51234,23,0,S".to_vec()),
        Just(b"<189>date=2024-03-12 time=08:10:51 devname=\"FGT\" tz=\"+0900\" type=\"traffic\" srcip=1.2.3.4 ".to_vec()),
        Just(b"1,2024/03/12 08:10:51,007200001056,TRAFFIC,drop,2305,2024/03/12 08:10:51,198.51.100.7,".to_vec()),
        Just(b",".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\"".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}
