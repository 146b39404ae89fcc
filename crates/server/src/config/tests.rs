//! The configuration as a user writes it: accepted, refused with the reason.

use super::*;

const OK: &str = r#"
data_dir = "d"
[[source]]
name = "edge"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
tenant = "shop"
"#;

#[test]
fn a_valid_file_parses() {
    let c = ServeConfig::parse(OK).expect("valid");
    assert_eq!(c.sources[0].kind, SourceKind::SyslogTcp);
    assert_eq!(c.sources[0].max_message_bytes, 64 * 1024);
    assert_eq!(c.spool.fsync, FsyncPolicy::Always);
}

#[test]
fn unknown_keys_and_bad_values_are_named() {
    let err = ServeConfig::parse(&OK.replace("tenant = ", "tennant = "))
        .expect_err("unknown key")
        .to_string();
    assert!(err.contains("tennant"), "{err}");
    let err = ServeConfig::parse(&OK.replace("127.0.0.1:0", "nowhere"))
        .expect_err("bad address")
        .to_string();
    assert!(err.contains("edge") && err.contains("nowhere"), "{err}");
    let err = ServeConfig::parse(&OK.replace("combined", "modsec-native"))
        .expect_err("multi-line over syslog")
        .to_string();
    assert!(err.contains("only `file`"), "{err}");
    let twice = format!("{OK}{}", &OK[OK.find("[[source]]").unwrap_or(0)..]);
    let err = ServeConfig::parse(&twice).expect_err("dup").to_string();
    assert!(err.contains("used twice"), "{err}");
}

#[test]
fn the_example_file_is_valid() {
    let c = ServeConfig::parse(include_str!("../../serve.example.toml")).expect("example parses");
    let kinds: Vec<_> = c.sources.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::SyslogTcp,
            SourceKind::SyslogUdp,
            SourceKind::Http,
            SourceKind::Relp,
            SourceKind::File
        ]
    );
    assert_eq!(c.spool, SpoolConfig::default());
    assert_eq!(c.alerts, crate::alert::AlertConfig::default());
}

#[test]
fn a_short_inline_token_is_refused() {
    let text = format!("{OK}\n[dashboard]\ntoken = \"x\"\n");
    let err = ServeConfig::parse(&text)
        .expect_err("one character, even on loopback")
        .to_string();
    assert!(
        err.contains("[dashboard] token: the token must have at least 16"),
        "{err}"
    );
}

#[test]
fn a_public_dashboard_needs_a_token() {
    let text = format!("{OK}\n[dashboard]\nlisten = \"0.0.0.0:8470\"\n");
    let err = ServeConfig::parse(&text).expect_err("no token").to_string();
    assert!(err.contains("token"), "{err}");
    let text =
        format!("{OK}\n[dashboard]\nlisten = \"0.0.0.0:8470\"\ntoken = \"0123456789abcdef\"\n");
    assert!(ServeConfig::parse(&text).is_ok());
    assert!(!is_local(&"127.0.0.2:1".parse().expect("addr")));
    assert!(is_local(&"[::1]:1".parse().expect("addr")));
}

#[test]
fn dashboard_hosts_are_names() {
    let text = format!("{OK}\n[dashboard]\nhosts = [\"soc.example.jp\", \"[2001:db8::1]:8470\"]\n");
    let c = ServeConfig::parse(&text).expect("names");
    assert_eq!(c.dashboard.hosts.len(), 2);
    for bad in ["https://soc.example.jp/", "", "soc example"] {
        let text = format!("{OK}\n[dashboard]\nhosts = [{bad:?}]\n");
        let err = ServeConfig::parse(&text).expect_err(bad).to_string();
        assert!(err.contains("[dashboard] hosts"), "{bad}: {err}");
    }
}
