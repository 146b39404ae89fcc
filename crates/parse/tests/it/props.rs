//! Properties for every parser: no input panics, and output is consistent.

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
}
