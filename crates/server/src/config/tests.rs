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
    assert_eq!(c.dashboard, DashboardConfig::default());
    assert_eq!(
        c.shutdown_timeout_secs,
        ServeConfig::default().shutdown_timeout_secs
    );
    // Safe as copied: every source listens on loopback or has an allow-list.
    assert_eq!(c.warnings(), Vec::<String>::new());
}

/// One `[[source]]` of `kind` on `listen` with `extra` lines.
fn source(kind: &str, listen: &str, extra: &str) -> String {
    format!(
        "data_dir = \"d\"\n[[source]]\nname = \"s\"\nkind = \"{kind}\"\nlisten = \"{listen}\"\nformat = \"combined\"\n{extra}\n"
    )
}

#[test]
fn allow_entries_are_checked_with_the_source_named() {
    let c = ServeConfig::parse(&source(
        "syslog-udp",
        "0.0.0.0:514",
        "allow = [\"192.0.2.0/24\", \"2001:db8::/32\", \"127.0.0.1\"]",
    ))
    .expect("valid list");
    let list = c.sources[0].allow_list().expect("parsed").expect("a list");
    assert!(list.permits("192.0.2.9".parse().expect("ip")));
    assert!(!list.permits("198.51.100.9".parse().expect("ip")));
    for (allow, entry) in [
        ("[\"192.0.2.0/24\", \"192.0.2.300\"]", "192.0.2.300"),
        ("[\"10.0.0.0/8/8\"]", "10.0.0.0/8/8"),
        ("[\"host.example\"]", "host.example"),
        ("[\"::1/200\"]", "::1/200"),
        ("[]", ""),
    ] {
        let err = ServeConfig::parse(&source(
            "syslog-tcp",
            "0.0.0.0:6514",
            &format!("allow = {allow}"),
        ))
        .expect_err(allow);
        assert!(
            matches!(&err, ServeError::Allow { name, entry: e, .. } if name == "s" && e == entry),
            "{allow}: {err:?}"
        );
    }
    let err = ServeConfig::parse(&source(
        "syslog-tcp",
        "0.0.0.0:6514",
        "allow = \"192.0.2.0/24\"",
    ))
    .expect_err("a string, not a list")
    .to_string();
    assert!(err.contains("allow"), "{err}");
}

#[test]
fn tls_keys_go_with_tcp_sources_and_together() {
    for (kind, extra, message) in [
        (
            "syslog-udp",
            "tls_cert = \"c\"\ntls_key = \"k\"",
            "not syslog-udp",
        ),
        (
            "relp",
            "tls_client_ca = \"ca\"",
            "needs `tls_cert` and `tls_key`",
        ),
        ("http", "tls_cert = \"c\"", "go together"),
    ] {
        let err = ServeConfig::parse(&source(kind, "127.0.0.1:0", extra))
            .expect_err(extra)
            .to_string();
        assert!(
            err.contains("\"s\"") && err.contains(message),
            "{kind} {extra}: {err}"
        );
    }
    let file = "data_dir = \"d\"\n[[source]]\nname = \"f\"\nkind = \"file\"\npath = \"a.log\"\nformat = \"combined\"\ntls_cert = \"c\"\ntls_key = \"k\"\n";
    let err = ServeConfig::parse(file)
        .expect_err("tls on a file")
        .to_string();
    assert!(err.contains("not file"), "{err}");
}

/// Which sources `serve --check` and start-up warn about: those anyone who reaches them
/// can write through.
#[test]
fn sources_open_to_anyone_are_warned_about() {
    let ca = "tls_cert = \"c\"\ntls_key = \"k\"\ntls_client_ca = \"ca\"";
    let token = "token = \"0123456789abcdef0123\"";
    let cases = [
        ("syslog-udp", "0.0.0.0:514", "", true),
        ("syslog-udp", "[::]:514", "", true),
        ("syslog-udp", "192.0.2.5:514", "", true),
        ("syslog-udp", "127.0.0.1:514", "", false),
        ("syslog-udp", "[::1]:514", "", false),
        (
            "syslog-udp",
            "0.0.0.0:514",
            "allow = [\"192.0.2.0/24\"]",
            false,
        ),
        // A list that admits every address protects nothing.
        ("syslog-udp", "0.0.0.0:514", "allow = [\"0.0.0.0/0\"]", true),
        (
            "syslog-tcp",
            "[::]:514",
            "allow = [\"::/0\", \"0.0.0.0/0\"]",
            true,
        ),
        ("syslog-tcp", "0.0.0.0:6514", "", true),
        // TLS alone encrypts; it does not say who sends.
        (
            "syslog-tcp",
            "0.0.0.0:6514",
            "tls_cert = \"c\"\ntls_key = \"k\"",
            true,
        ),
        ("syslog-tcp", "0.0.0.0:6514", ca, false),
        ("relp", "0.0.0.0:2514", "", true),
        ("relp", "0.0.0.0:2514", ca, false),
        ("relp", "0.0.0.0:2514", "allow = [\"192.0.2.10\"]", false),
        ("http", "0.0.0.0:8471", token, false),
        (
            "http",
            "0.0.0.0:8471",
            &format!("{token}\nallow = [\"0.0.0.0/0\"]"),
            false,
        ),
        ("http", "127.0.0.1:8471", "", false),
    ];
    for (kind, listen, extra, warns) in cases {
        let c = ServeConfig::parse(&source(kind, listen, extra)).expect(extra);
        let w = c.warnings();
        assert_eq!(
            w.len(),
            usize::from(warns),
            "{kind} on {listen} with {extra:?}: {w:?}"
        );
        if warns {
            assert!(
                w[0].contains("\"s\"") && w[0].contains(kind) && w[0].contains("anyone"),
                "{w:?}"
            );
        }
    }
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

#[test]
fn dashboard_tls_keys_go_together_and_plain_http_off_loopback_warns() {
    let text = format!("{OK}\n[dashboard]\ntls_cert = \"c.pem\"\n");
    let err = ServeConfig::parse(&text)
        .expect_err("cert alone")
        .to_string();
    assert!(err.contains("[dashboard] tls_cert and tls_key"), "{err}");
    let text = format!("{OK}\n[dashboard]\nheader_timeout_secs = 0\n");
    let err = ServeConfig::parse(&text).expect_err("no time").to_string();
    assert!(err.contains("header_timeout_secs"), "{err}");
    let public =
        format!("{OK}\n[dashboard]\nlisten = \"0.0.0.0:8470\"\ntoken = \"0123456789abcdef\"\n");
    let w = ServeConfig::parse(&public).expect("valid").warnings();
    assert!(
        w.len() == 1 && w[0].contains("[dashboard]") && w[0].contains("tls_cert"),
        "{w:?}"
    );
    let tls = format!("{public}tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n");
    assert_eq!(
        ServeConfig::parse(&tls).expect("valid").warnings(),
        Vec::<String>::new()
    );
}

#[test]
fn http_timeouts_are_at_least_a_second() {
    let text = format!(
        "{OK}[[source]]\nname = \"p\"\nkind = \"http\"\nlisten = \"127.0.0.1:0\"\nformat = \"combined\"\nbody_timeout_secs = 0\n"
    );
    let err = ServeConfig::parse(&text).expect_err("no time").to_string();
    assert!(
        err.contains("\"p\"") && err.contains("body_timeout_secs"),
        "{err}"
    );
}
