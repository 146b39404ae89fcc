//! Real lines from public corpora (see `tests/fixtures/README.md`).

use kansoku_parse::{Format, detect_format};

use crate::parse_all;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn detect(text: &[u8]) -> Option<Format> {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    detect_format(&lines)
}

#[test]
fn elastic_apache_sample_is_combined_and_every_line_parses() {
    let text = fixture("elastic-apache.log");
    assert_eq!(detect(&text), Some(Format::Combined));
    let out = parse_all(&Format::Combined, &text);
    assert_eq!(out.len(), 20);
    let recs: Vec<_> = out
        .iter()
        .map(|p| p.record.as_ref().expect("valid line"))
        .collect();
    assert_eq!(recs[0].src_ip.as_deref(), Some("83.149.9.216"));
    assert_eq!(recs[0].ts, 1_431_857_103_000_000); // 2015-05-17T10:05:03Z
    assert!(
        recs.iter()
            .all(|r| r.method.as_deref() == Some("GET") && r.status.is_some())
    );
    assert_eq!(out.last().map(|p| p.line), Some(20));
}

#[test]
fn malformed_requests_are_records_with_the_raw_line() {
    for name in [
        "crowdsec-nginx-malformed.log",
        "crowdsec-apache2-malformed.log",
    ] {
        let text = fixture(name);
        assert_eq!(detect(&text), Some(Format::Combined), "{name}");
        for p in parse_all(&Format::Combined, &text) {
            let r = p
                .record
                .as_ref()
                .unwrap_or_else(|e| panic!("{name}:{}: {e}", p.line));
            assert_eq!(r.src_ip.as_deref(), Some("1.2.3.4"));
            assert_eq!(r.status, Some(400));
            assert_eq!(
                (r.method.as_deref(), r.path.as_deref()),
                (None, None),
                "{name}:{}",
                p.line
            );
            assert!(
                r.raw_uri.as_deref().is_some_and(|u| !u.is_empty()),
                "{name}:{}",
                p.line
            );
        }
    }
}

#[test]
fn attack_lines_keep_decoded_and_raw_forms() {
    let out = parse_all(&Format::Combined, &fixture("crowdsec-nginx-attacks.log"));
    let recs: Vec<_> = out.iter().filter_map(|p| p.record.as_ref().ok()).collect();
    assert_eq!(recs.len(), 10);
    let traversal = recs
        .iter()
        .find(|r| r.raw_uri.as_deref() == Some("/%2fetc%2fpasswd"))
        .expect("path traversal line");
    assert_eq!(traversal.path.as_deref(), Some("//etc/passwd"));
    assert!(recs.iter().any(|r| {
        r.user_agent
            .as_deref()
            .is_some_and(|u| u.starts_with("${jndi:ldap://"))
    }));
    let forti = recs
        .iter()
        .find(|r| r.path.as_deref() == Some("/remote/fgt_lang"))
        .expect("FortiOS line");
    assert!(
        forti
            .query
            .as_deref()
            .is_some_and(|q| q.contains("sslvpn_websession"))
    );
}

#[test]
fn extra_trailing_fields_are_ignored() {
    // Traefik's CLF appends request count, router, backend and duration.
    let text = fixture("crowdsec-traefik-clf.log");
    assert_eq!(detect(&text), Some(Format::Combined));
    let out = parse_all(&Format::Combined, &text);
    let r = out[1].record.as_ref().expect("valid line");
    assert_eq!(r.path.as_deref(), Some("/upload.asp"));
    assert_eq!(r.query.as_deref(), Some("test=toto&tata=test"));
    assert_eq!(r.user_agent, None);
}
