use super::*;

/// What a test expects of a record; `None` fields must be absent.
#[derive(Debug, PartialEq)]
struct Want<'a> {
    ts: i64,
    src_ip: Option<&'a str>,
    host: Option<&'a str>,
    method: Option<&'a str>,
    path: Option<&'a str>,
    query: Option<&'a str>,
    raw_uri: Option<&'a str>,
    status: Option<u16>,
    bytes: Option<u64>,
    user_agent: Option<&'a str>,
}

fn got(r: &HttpRequest) -> Want<'_> {
    Want {
        ts: r.ts,
        src_ip: r.src_ip.as_deref(),
        host: r.host.as_deref(),
        method: r.method.as_deref(),
        path: r.path.as_deref(),
        query: r.query.as_deref(),
        raw_uri: r.raw_uri.as_deref(),
        status: r.status,
        bytes: r.bytes,
        user_agent: r.user_agent.as_deref(),
    }
}

const W: Want<'static> = Want {
    ts: 0,
    src_ip: None,
    host: None,
    method: None,
    path: None,
    query: None,
    raw_uri: None,
    status: None,
    bytes: None,
    user_agent: None,
};

#[test]
fn combined_lines() {
    let p = LogFormatParser::apache(COMBINED).expect("built-in format");
    let cases: Vec<(&[u8], Want)> = vec![
        // elastic/examples apache_logs, line 1
        (
            br#"83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#,
            Want {
                ts: 1_431_857_103_000_000,
                src_ip: Some("83.149.9.216"),
                method: Some("GET"),
                path: Some("/presentations/logstash-monitorama-2013/images/kibana-search.png"),
                status: Some(200),
                bytes: Some(203023),
                user_agent: Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"),
                ..W
            },
        ),
        // crowdsec nginx-http-sqli-probing: decoded query, raw kept
        (
            br#"127.0.0.1 - - [30/Sep/2021:11:11:54 +0200] "GET /foo?a=%20union%20all%20select%20 HTTP/1.1" 404 162 "-" "curl/7.68.0""#,
            Want {
                ts: 1_632_993_114_000_000,
                src_ip: Some("127.0.0.1"),
                method: Some("GET"),
                path: Some("/foo"),
                query: Some("a= union all select "),
                raw_uri: Some("/foo?a=%20union%20all%20select%20"),
                status: Some(404),
                bytes: Some(162),
                user_agent: Some("curl/7.68.0"),
                ..W
            },
        ),
        // crowdsec nginx-http-malformed: TLS hello sent to an HTTP port
        (
            br#"1.2.3.4 - - [17/Oct/2023:05:57:56 +1100] "\x16\x03\x01" 400 226 "-" "-""#,
            Want {
                ts: 1_697_482_676_000_000,
                src_ip: Some("1.2.3.4"),
                raw_uri: Some(r"\x16\x03\x01"),
                status: Some(400),
                bytes: Some(226),
                ..W
            },
        ),
        // Escaped quotes inside the user agent; `-` bytes from Apache's %b.
        (
            br#"10.0.0.1 - bob [01/Jan/2024:00:00:00 +0000] "POST /login HTTP/1.1" 302 - "-" "sqlmap \"1.7\" (https://sqlmap.org)""#,
            Want {
                ts: 1_704_067_200_000_000,
                src_ip: Some("10.0.0.1"),
                method: Some("POST"),
                path: Some("/login"),
                status: Some(302),
                user_agent: Some(r#"sqlmap "1.7" (https://sqlmap.org)"#),
                ..W
            },
        ),
        // Request `-` (client closed before sending), status 408.
        (
            br#"::1 - - [01/Jan/2024:00:00:00 +0000] "-" 408 0 "-" "-""#,
            Want {
                ts: 1_704_067_200_000_000,
                src_ip: Some("::1"),
                status: Some(408),
                bytes: Some(0),
                ..W
            },
        ),
        // Invalid UTF-8 in the user agent is replaced, not rejected.
        (
            b"10.0.0.2 - - [01/Jan/2024:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"bad\xff\"",
            Want {
                ts: 1_704_067_200_000_000,
                src_ip: Some("10.0.0.2"),
                method: Some("GET"),
                path: Some("/"),
                status: Some(200),
                bytes: Some(5),
                user_agent: Some("bad\u{fffd}"),
                ..W
            },
        ),
        // elastic/examples apache_logs line 8899: the user agent lost its closing quote.
        (
            br#"46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"#,
            Want {
                ts: 1_432_123_517_000_000,
                src_ip: Some("46.118.127.106"),
                method: Some("GET"),
                path: Some("/scripts/grok-py-test/configlib.py"),
                status: Some(200),
                bytes: Some(235),
                user_agent: Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"),
                ..W
            },
        ),
    ];
    for (line, want) in cases {
        let rec = p.parse_line(line);
        assert_eq!(
            rec.as_ref().map(got).ok(),
            Some(want),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn rejected_lines() {
    let p = LogFormatParser::apache(COMBINED).expect("built-in format");
    let cases: &[&[u8]] = &[
        b"",
        b"garbage",
        br#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1"#,
        br#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" abc 1 "-" "-""#,
        br#"1.2.3.4 - - [not a time] "GET / HTTP/1.1" 200 1 "-" "-""#,
        br#"1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1"#,
        b"\x00\x01\x02\xff\xfe",
    ];
    for line in cases {
        assert!(
            p.parse_line(line).is_err(),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn custom_formats() {
    let nginx_xff = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $request_time $upstream_response_time $host"#;
    let p = LogFormatParser::nginx(nginx_xff).expect("valid format");
    let r = p
        .parse_line(br#"10.1.1.1 - - [01/Jan/2024:09:00:00 +0900] "GET /a?b=%41 HTTP/2.0" 200 10 "https://r/" "ua" "203.0.113.5, 10.0.0.1" 0.012 0.010 shop.example"#)
        .expect("line in format");
    assert_eq!(r.ts, 1_704_067_200_000_000);
    assert_eq!(r.x_forwarded_for.as_deref(), Some("203.0.113.5, 10.0.0.1"));
    assert_eq!(r.request_time, Some(0.012));
    assert_eq!(r.host.as_deref(), Some("shop.example"));
    assert_eq!(r.query.as_deref(), Some("b=A"));
    assert_eq!(r.protocol.as_deref(), Some("HTTP/2.0"));
    assert_eq!(r.referer.as_deref(), Some("https://r/"));

    let vhost = LogFormatParser::apache(VHOST_COMBINED).expect("built-in format");
    let r = vhost
        .parse_line(br#"www.example.jp:443 198.51.100.7 - - [02/Feb/2024:12:00:00 +0000] "GET /wp-config.php.bak HTTP/1.1" 404 512 "-" "Nikto/2.5.0""#)
        .expect("line in format");
    assert_eq!(r.host.as_deref(), Some("www.example.jp"));
    assert_eq!(r.src_ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(r.bytes, Some(512));

    let iso = LogFormatParser::nginx(
        "'$time_iso8601 $remote_addr $request_method $request_uri $status $request_time'",
    )
    .expect("valid format");
    let r = iso
        .parse_line(b"2024-03-01T10:00:00+09:00 192.0.2.1 GET /x?y=1 200 0.5")
        .expect("line in format");
    assert_eq!(r.ts, 1_709_254_800_000_000);
    assert_eq!(
        (r.method.as_deref(), r.path.as_deref()),
        (Some("GET"), Some("/x"))
    );

    let ap = LogFormatParser::apache(r#"%a %{%Y-%m-%d %H:%M:%S}t %m %U%q %>s %D \"%{Host}i\""#)
        .expect("valid format");
    let r = ap
        .parse_line(br#"192.0.2.2 2024-03-01 01:00:00 GET /search?q=a%20b 200 1500 "h.example""#)
        .expect("line in format");
    assert_eq!(r.ts, 1_709_254_800_000_000);
    assert_eq!(r.path.as_deref(), Some("/search"));
    assert_eq!(r.query.as_deref(), Some("q=a b"));
    assert_eq!(r.request_time, Some(0.0015));
    assert_eq!(r.host.as_deref(), Some("h.example"));
}

#[test]
fn bad_format_strings() {
    assert!(LogFormatParser::nginx("$remote_addr$status $time_local").is_err());
    assert!(
        LogFormatParser::nginx("$remote_addr $status").is_err(),
        "no time field"
    );
    assert!(LogFormatParser::apache("%h %t %Z").is_err());
    assert!(LogFormatParser::apache("%h %{Referer").is_err());
    assert!(LogFormatParser::apache("plain text").is_err());
}

#[test]
fn feed_skips_blank_and_rejects_long_lines() {
    let mut p = LogFormatParser::apache(COMMON).expect("built-in format");
    let mut out = Vec::new();
    p.feed(b"", 1, &mut out);
    p.feed(b"   ", 2, &mut out);
    assert!(out.is_empty());
    let long = vec![b'a'; 2 << 20];
    p.feed(&long, 3, &mut out);
    assert!(matches!(out[0].record, Err(ParseError::TooLong(n)) if n == 2 << 20));
    assert_eq!(out[0].line, 3);
}
