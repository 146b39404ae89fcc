//! Bad input is data: each format rejects it line by line, with a reason, and goes on.

use kansoku_parse::{Format, ParseError};

use crate::parse_all;

fn every_format() -> Vec<Format> {
    vec![
        Format::Combined,
        Format::Common,
        Format::Nginx(
            r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#.into(),
        ),
        Format::ModsecJson,
        Format::ModsecNative,
        Format::AwsWaf,
        Format::EcsNdjson,
    ]
}

#[test]
fn two_megabyte_line_is_too_long_in_every_format() {
    let mut text = vec![b'A'; 2 << 20];
    text.push(b'\n');
    for f in every_format() {
        let out = parse_all(&f, &text);
        assert_eq!(out.len(), 1, "{}", f.name());
        assert!(
            matches!(out[0].record, Err(ParseError::TooLong(n)) if n == 2 << 20),
            "{}",
            f.name()
        );
        assert_eq!(out[0].line, 1);
    }
}

#[test]
fn junk_is_rejected_and_valid_lines_around_it_survive() {
    let good = br#"192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#;
    let junk: [&[u8]; 5] = [
        br#"192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HT"#, // truncated
        b"\x00\x01\x02\x03\xff\xfe\xfd",                            // binary
        b"\xe3\x81\x82\xe3\x81",                                    // invalid UTF-8
        b"{\"transaction\":",
        b"}",
    ];
    for f in every_format() {
        let mut text = Vec::new();
        for j in junk {
            text.extend_from_slice(good);
            text.push(b'\n');
            text.extend_from_slice(j);
            text.push(b'\n');
            text.push(b'\n'); // blank lines yield nothing
        }
        let out = parse_all(&f, &text);
        let rejected: Vec<u64> = out
            .iter()
            .filter(|p| p.record.is_err())
            .map(|p| p.line)
            .collect();
        if matches!(f, Format::Combined | Format::Common | Format::Nginx(_)) {
            assert_eq!(out.len(), 10, "{}", f.name());
            assert_eq!(rejected, [2, 5, 8, 11, 14], "{}", f.name());
        } else {
            assert!(!rejected.is_empty(), "{} accepted junk", f.name());
            assert!(out.iter().all(|p| p.record.is_err()), "{}", f.name());
        }
    }
}

#[test]
fn empty_input_yields_nothing() {
    for f in every_format() {
        assert!(parse_all(&f, b"").is_empty(), "{}", f.name());
    }
}
