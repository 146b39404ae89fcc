use super::*;

const COMBINED_LINE: &[u8] = br#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 203023 "-" "Mozilla/5.0""#;
const COMMON_LINE: &[u8] =
    br#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 203023"#;
const VHOST_LINE: &[u8] = br#"www.example.jp:443 83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 203023 "-" "Mozilla/5.0""#;

#[test]
fn detection_table() {
    let cases: Vec<(Vec<&[u8]>, Option<Format>)> = vec![
        (vec![COMBINED_LINE, b"", COMBINED_LINE], Some(Format::Combined)),
        (vec![COMMON_LINE, COMMON_LINE], Some(Format::Common)),
        (vec![VHOST_LINE], Some(Format::Apache(VHOST_COMBINED.into()))),
        // One junk line among valid ones does not change the verdict.
        (vec![b"junk", COMBINED_LINE, COMBINED_LINE], Some(Format::Combined)),
        (vec![b"--7f3a21c0-A--", b"[02/Mar/2024:08:00:01 +0900] x 1.2.3.4 1 5.6.7.8 80"], Some(Format::ModsecNative)),
        (vec![br#"{"transaction":{"client_ip":"1.2.3.4","time_stamp":"Tue May 10 04:52:04 2022","request":{"method":"GET","uri":"/"}}}"#], Some(Format::ModsecJson)),
        (vec![br#"{"timestamp":1709254800000,"action":"ALLOW","httpRequest":{"clientIp":"1.2.3.4","uri":"/"}}"#], Some(Format::AwsWaf)),
        (vec![br#"{"@timestamp":"2024-03-01T00:00:00Z","source":{"ip":"1.2.3.4"},"url":{"path":"/"}}"#], Some(Format::EcsNdjson)),
        (vec![b"hello world", b"{\"a\":1}"], None),
        (vec![], None),
    ];
    for (lines, want) in cases {
        assert_eq!(detect_format(&lines), want, "{lines:?}");
    }
}

#[test]
fn names_round_trip() {
    let formats = [
        Format::Combined,
        Format::Common,
        Format::ModsecJson,
        Format::ModsecNative,
        Format::AwsWaf,
        Format::EcsNdjson,
        Format::Nginx("$remote_addr [$time_local] $status".into()),
        Format::Apache("%h %t %>s".into()),
        Format::Apache(VHOST_COMBINED.into()),
    ];
    for f in formats {
        assert_eq!(
            Format::from_name(&f.name()).ok(),
            Some(f.clone()),
            "{}",
            f.name()
        );
        assert!(f.parser().is_ok(), "{}", f.name());
    }
    for name in FORMAT_NAMES {
        assert!(Format::from_name(name).is_ok(), "{name}");
    }
    assert!(Format::from_name("syslog").is_err());
}

#[test]
fn log_format_strings() {
    assert!(matches!(
        Format::from_log_format("$remote_addr [$time_local] \"$request\""),
        Ok(Format::Nginx(_))
    ));
    assert!(matches!(
        Format::from_log_format(r#"%h %l %u %t \"%r\" %>s %b"#),
        Ok(Format::Apache(_))
    ));
    assert_eq!(
        Format::from_log_format("combined").ok(),
        Some(Format::Combined)
    );
    assert!(Format::from_log_format("just words").is_err());
    assert!(
        Format::from_log_format("%h %Q %t").is_err(),
        "unknown directive fails early"
    );
}

#[test]
fn only_native_modsec_is_multi_line() {
    assert!(!Format::ModsecNative.line_oriented());
    assert!(Format::Combined.line_oriented());
    assert!(Format::ModsecJson.line_oriented());
}
