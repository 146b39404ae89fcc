//! Firewall formats on real-looking lines (`tests/fixtures/firewall/`), malformed ones
//! among them: what each line becomes, which lines are rejected and why.

use kansoku_event::NetFlow;
use kansoku_event::net::Action;
use kansoku_parse::firewall::{FieldMapping, TimeContext};
use kansoku_parse::{Format, ParseError, Parsed, detect_format};

const NETFILTER: &str = include_str!("../fixtures/firewall/netfilter-kern.log");
const FILTERLOG: &str = include_str!("../fixtures/firewall/filterlog.log");
const FORTIGATE: &str = include_str!("../fixtures/firewall/fortigate.log");
const PALOALTO: &str = include_str!("../fixtures/firewall/paloalto.log");

/// Tokyo time, files last written at the end of March 2024.
fn clock() -> TimeContext {
    TimeContext {
        zone: chrono_tz::Asia::Tokyo,
        reference: micros("2024-03-31T00:00:00Z"),
    }
}

fn micros(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("test time")
        .timestamp_micros()
}

fn parse(format: &Format, text: &str) -> Vec<Parsed<NetFlow>> {
    let mut parser = format.net_parser(clock()).expect("firewall format");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        parser.feed(line.as_bytes(), i as u64 + 1, &mut out);
    }
    parser.finish(&mut out);
    out
}

/// The flows, and the (line, message) of each reject.
fn split(out: Vec<Parsed<NetFlow>>) -> (Vec<NetFlow>, Vec<(u64, String)>) {
    let mut flows = Vec::new();
    let mut rejects = Vec::new();
    for p in out {
        match p.record {
            Ok(f) => flows.push(f),
            Err(e) => rejects.push((p.line, e.to_string())),
        }
    }
    (flows, rejects)
}

/// (src, sport, dst, dport, proto, action) of a flow, for compact tables.
type Key<'a> = (
    Option<&'a str>,
    Option<u16>,
    Option<&'a str>,
    Option<u16>,
    Option<&'a str>,
    Option<Action>,
);

fn key(f: &NetFlow) -> Key<'_> {
    (
        f.src_ip.as_deref(),
        f.src_port,
        f.dst_ip.as_deref(),
        f.dst_port,
        f.proto.as_deref(),
        f.action,
    )
}

#[test]
fn netfilter_iptables_nftables_ufw_lines() {
    let (flows, rejects) = split(parse(&Format::Netfilter, NETFILTER));
    use Action::*;
    let want: [Key<'_>; 6] = [
        (
            Some("198.51.100.7"),
            Some(51234),
            Some("203.0.113.10"),
            Some(23),
            Some("tcp"),
            Some(Drop),
        ),
        (
            Some("192.0.2.44"),
            Some(60001),
            Some("203.0.113.10"),
            Some(443),
            Some("tcp"),
            Some(Allow),
        ),
        (
            Some("198.51.100.99"),
            Some(40123),
            Some("203.0.113.10"),
            Some(3702),
            Some("udp"),
            Some(Drop),
        ),
        (
            Some("10.0.0.5"),
            Some(41000),
            Some("192.0.2.80"),
            Some(445),
            Some("tcp"),
            Some(Deny),
        ),
        (
            Some("2001:db8::7"),
            None,
            Some("2001:db8:1::10"),
            None,
            Some("icmpv6"),
            Some(Drop),
        ),
        (
            Some("198.51.100.7"),
            Some(51235),
            Some("203.0.113.10"),
            Some(22),
            Some("tcp"),
            None,
        ),
    ];
    assert_eq!(flows.iter().map(key).collect::<Vec<_>>(), want);
    let f = &flows[0];
    assert_eq!(f.ts, micros("2024-03-12T08:10:51+09:00"));
    assert_eq!(f.rule.as_deref(), Some("UFW BLOCK"));
    assert_eq!(
        (f.in_iface.as_deref(), f.out_iface.as_deref()),
        (Some("eth0"), None)
    );
    assert_eq!(
        (f.device.as_deref(), f.bytes, f.packets),
        (Some("gw"), Some(60), Some(1))
    );
    // The first LEN is the IP packet's; UDP's own LEN comes later.
    assert_eq!(
        (flows[2].rule.as_deref(), flows[2].bytes),
        (Some("nft drop in"), Some(684))
    );
    assert_eq!(flows[3].rule.as_deref(), Some("IPT-FWD-REJECT"));
    assert_eq!(flows[3].out_iface.as_deref(), Some("eth0"));
    assert_eq!(flows[5].ts, micros("2024-03-12T08:14:00.123456+09:00"));
    assert_eq!(flows[5].rule.as_deref(), Some("UFW AUDIT"));
    let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [7, 8, 9, 10, 12], "{rejects:?}");
    assert!(
        rejects[0].1.contains("not a netfilter LOG line"),
        "{rejects:?}"
    );
    assert!(
        rejects[1].1.contains("SRC: not an IP address"),
        "{rejects:?}"
    );
    assert!(rejects[2].1.starts_with("bad timestamp"), "{rejects:?}");
    assert!(rejects[3].1.contains("no SRC="), "{rejects:?}");
    assert!(
        rejects[4].1.contains("SPT: not a port number"),
        "{rejects:?}"
    );
}

#[test]
fn filterlog_ipv4_ipv6_tcp_udp_icmp() {
    let (flows, rejects) = split(parse(&Format::Filterlog, FILTERLOG));
    use Action::*;
    let want: [Key<'_>; 6] = [
        (
            Some("198.51.100.7"),
            Some(51234),
            Some("203.0.113.10"),
            Some(23),
            Some("tcp"),
            Some(Drop),
        ),
        (
            Some("198.51.100.99"),
            Some(40123),
            Some("203.0.113.11"),
            Some(3702),
            Some("udp"),
            Some(Allow),
        ),
        (
            Some("198.51.100.50"),
            None,
            Some("203.0.113.10"),
            None,
            Some("icmp"),
            Some(Drop),
        ),
        (
            Some("2001:db8::7"),
            Some(51234),
            Some("2001:db8:1::10"),
            Some(3702),
            Some("udp"),
            Some(Drop),
        ),
        (
            Some("fe80::1"),
            None,
            Some("ff02::16"),
            None,
            Some("icmpv6"),
            Some(Allow),
        ),
        (
            Some("192.168.1.20"),
            Some(41000),
            Some("198.51.100.200"),
            Some(445),
            Some("tcp"),
            Some(Deny),
        ),
    ];
    assert_eq!(flows.iter().map(key).collect::<Vec<_>>(), want);
    let f = &flows[0];
    assert_eq!(f.ts, micros("2024-03-12T08:10:51+09:00"));
    assert_eq!(
        (f.rule.as_deref(), f.in_iface.as_deref()),
        (Some("1000000103"), Some("igb0"))
    );
    assert_eq!(
        (f.device.as_deref(), f.bytes),
        (Some("pf.example"), Some(60))
    );
    assert_eq!(
        (flows[4].in_iface.as_deref(), flows[4].out_iface.as_deref()),
        (None, Some("igb1"))
    );
    assert_eq!(flows[5].ts, micros("2024-03-12T08:10:56+09:00"));
    assert_eq!(flows[5].device.as_deref(), Some("opnsense.example"));
    let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [7, 8, 9], "{rejects:?}");
    assert!(rejects[0].1.contains("IP version \"5\""), "{rejects:?}");
    assert!(rejects[1].1.contains("is missing"), "{rejects:?}");
    assert!(rejects[2].1.contains("program \"sshd\""), "{rejects:?}");
}

#[test]
fn fortigate_traffic_logs() {
    let (flows, rejects) = split(parse(&Format::Fortigate, FORTIGATE));
    use Action::*;
    let want: [Key<'_>; 3] = [
        (
            Some("198.51.100.7"),
            Some(51234),
            Some("203.0.113.10"),
            Some(23),
            Some("tcp"),
            Some(Deny),
        ),
        (
            Some("192.168.1.20"),
            Some(52000),
            Some("198.51.100.200"),
            Some(443),
            Some("tcp"),
            Some(Allow),
        ),
        (
            Some("198.51.100.99"),
            Some(40123),
            Some("203.0.113.10"),
            Some(3702),
            Some("udp"),
            Some(Deny),
        ),
    ];
    assert_eq!(flows.iter().map(key).collect::<Vec<_>>(), want);
    // eventtime in nanoseconds wins over date/time.
    assert_eq!(flows[0].ts, 1_710_198_651_123_456);
    assert_eq!(flows[0].device.as_deref(), Some("FGT60F-Edge"));
    assert_eq!(
        (flows[0].in_iface.as_deref(), flows[0].out_iface.as_deref()),
        (Some("wan1"), Some("internal"))
    );
    assert_eq!(flows[1].ts, micros("2024-03-12T08:11:00+09:00"));
    assert_eq!(flows[1].rule.as_deref(), Some("LAN to WAN"));
    assert_eq!((flows[1].bytes, flows[1].packets), (Some(49_200), Some(52)));
    // No tz= field: the configured zone.
    assert_eq!(flows[2].ts, micros("2024-03-12T08:12:00+09:00"));
    let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [4, 5, 6], "{rejects:?}");
    assert!(rejects[0].1.contains("type=\"event\""), "{rejects:?}");
    assert!(
        rejects[1].1.contains("srcip: not an IP address"),
        "{rejects:?}"
    );
}

/// Found by the `firewall_logs` fuzz target: a negative `eventtime` overflowed the
/// seconds-to-microseconds conversion (a panic in debug builds, a wrong time in release).
#[test]
fn fortigate_negative_eventtime_is_a_reject() {
    let line = r#"<189>date=2024-07-12 time=08:10:51 devname="FGT60F-Edge" eventtime=-1710198651123456789 tz="+0900" logid="0000000013" type="traffic" subtype="forward" srcip=198.51.100.7 srcport=51234 dstip=203.0.113.10 dstport=23 proto=6 action="deny""#;
    let (flows, rejects) = split(parse(&Format::Fortigate, line));
    assert!(flows.is_empty(), "{flows:?}");
    assert_eq!(rejects.len(), 1);
    assert!(rejects[0].1.contains("before 1970"), "{rejects:?}");
}

#[test]
fn palo_alto_traffic_csv() {
    let (flows, rejects) = split(parse(&Format::PaloAlto, PALOALTO));
    use Action::*;
    let want: [Key<'_>; 3] = [
        (
            Some("198.51.100.7"),
            Some(51234),
            Some("203.0.113.10"),
            Some(23),
            Some("tcp"),
            Some(Deny),
        ),
        (
            Some("192.168.1.20"),
            Some(52000),
            Some("198.51.100.200"),
            Some(443),
            Some("tcp"),
            Some(Allow),
        ),
        (
            Some("198.51.100.99"),
            Some(40123),
            Some("203.0.113.10"),
            Some(3702),
            Some("udp"),
            Some(Deny),
        ),
    ];
    assert_eq!(flows.iter().map(key).collect::<Vec<_>>(), want);
    let f = &flows[0];
    assert_eq!(f.ts, micros("2024-03-12T08:10:51+09:00"));
    assert_eq!(
        (f.rule.as_deref(), f.device.as_deref()),
        (Some("deny-telnet"), Some("PA-VM"))
    );
    assert_eq!(
        (f.in_iface.as_deref(), f.out_iface.as_deref()),
        (Some("ethernet1/1"), None)
    );
    assert_eq!(flows[1].ts, micros("2024-03-12T08:11:04+09:00"));
    assert_eq!((flows[1].bytes, flows[1].packets), (Some(49_200), Some(52)));
    assert_eq!(flows[2].rule.as_deref(), Some("drop, reflection ports"));
    let lines: Vec<u64> = rejects.iter().map(|r| r.0).collect();
    assert_eq!(lines, [4, 5, 6], "{rejects:?}");
    assert!(rejects[0].1.contains("THREAT log"), "{rejects:?}");
    assert!(rejects[1].1.contains("8 fields"), "{rejects:?}");
    assert!(rejects[2].1.starts_with("bad timestamp"), "{rejects:?}");
}

#[test]
fn each_firewall_log_is_recognised_from_its_first_lines() {
    for (text, want) in [
        (NETFILTER, Format::Netfilter),
        (FILTERLOG, Format::Filterlog),
        (FORTIGATE, Format::Fortigate),
        (PALOALTO, Format::PaloAlto),
    ] {
        let lines: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
        assert_eq!(detect_format(&lines), Some(want.clone()), "{}", want.name());
        assert_eq!(want.table(), "net");
        assert_eq!(Format::from_name(&want.name()).ok(), Some(want));
    }
    assert_eq!(Format::Combined.table(), "http");
    assert!(Format::Netfilter.parser().is_err());
    assert!(Format::Combined.net_parser(clock()).is_err());
}

fn mapping(json: serde_json::Value) -> FieldMapping {
    serde_json::from_value(json).expect("valid mapping")
}

#[test]
fn csv_and_json_field_mappings() {
    let csv = Format::Mapped(Box::new(mapping(serde_json::json!({
        "name": "edge-csv",
        "kind": "csv",
        "delimiter": ";",
        "columns": ["time", "src", "sport", "dst", "dport", "proto", "verdict", "bytes"],
        "time_format": "%Y-%m-%d %H:%M:%S",
        "fields": {"ts": "time", "src_ip": "src", "src_port": "sport", "dst_ip": "dst",
                   "dst_port": "dport", "proto": "proto", "action": "verdict", "bytes": "bytes"},
        "actions": {"drop": ["dropped"]}
    }))));
    let text = "time;src;sport;dst;dport;proto;verdict;bytes\n\
                2024-03-12 08:10:51;198.51.100.7;51234;203.0.113.10;23;6;dropped;60\n\
                2024-03-12 08:10:52;198.51.100.7;51234;203.0.113.10\n\
                2024-03-12 08:10:53;198.51.100.9;1900;203.0.113.10;1900;UDP;permit;120\n";
    let (flows, rejects) = split(parse(&csv, text));
    use Action::*;
    assert_eq!(
        flows.iter().map(key).collect::<Vec<_>>(),
        [
            (
                Some("198.51.100.7"),
                Some(51234),
                Some("203.0.113.10"),
                Some(23),
                Some("tcp"),
                Some(Drop)
            ),
            (
                Some("198.51.100.9"),
                Some(1900),
                Some("203.0.113.10"),
                Some(1900),
                Some("udp"),
                Some(Allow)
            ),
        ]
    );
    assert_eq!(flows[0].ts, micros("2024-03-12T08:10:51+09:00"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        rejects[0].0, 3,
        "the header is skipped, the short line rejected"
    );

    let json = Format::Mapped(Box::new(mapping(serde_json::json!({
        "name": "edge-json",
        "kind": "json",
        "time_format": "epoch_ms",
        "fields": {"ts": "@t", "src_ip": "source.ip", "dst_ip": "destination.ip",
                   "dst_port": "destination.port", "proto": "network.transport",
                   "action": "event.action"}
    }))));
    let text = r#"{"@t": 1710198651000, "source": {"ip": "198.51.100.7"}, "destination": {"ip": "203.0.113.10", "port": 3702}, "network": {"transport": "udp"}, "event": {"action": "deny"}}
{"@t": "soon", "source": {"ip": "198.51.100.7"}}
[1, 2]
"#;
    let (flows, rejects) = split(parse(&json, text));
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].ts, 1_710_198_651_000_000);
    assert_eq!(
        (flows[0].dst_port, flows[0].action),
        (Some(3702), Some(Deny))
    );
    assert_eq!(rejects.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 3]);

    let broken = mapping(serde_json::json!({
        "name": "broken", "kind": "csv", "columns": ["a"], "fields": {"ts": "time"}
    }));
    assert!(matches!(
        Format::Mapped(Box::new(broken)).net_parser(clock()),
        Err(ParseError::LogFormat(_))
    ));
}

#[test]
fn garbage_never_panics_in_any_firewall_format() {
    let junk = [
        "",
        "\u{0}\u{1}\u{2}",
        "Mar",
        "Mar 12",
        "<999999>Mar 12 08:00:00",
        "Mar 12 08:00:00 h kernel: IN= SRC= DST=",
        "1,2,3,TRAFFIC",
        "date= time= srcip=\"",
        "x=\"unterminated",
        "<134>1 - - - - - [unterminated",
    ];
    for f in [
        Format::Netfilter,
        Format::Filterlog,
        Format::Fortigate,
        Format::PaloAlto,
    ] {
        let out = parse(&f, &junk.join("\n"));
        assert!(
            out.iter().all(|p| p.record.is_err()),
            "{}: {out:?}",
            f.name()
        );
    }
}
