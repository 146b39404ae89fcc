//! Syslog over TLS (RFC 5425): a self-signed certificate made in the test, a rustls client
//! on a real loopback socket; a plain-TCP client on the TLS port is rejected and counted.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use crate::common::*;

#[test]
fn syslog_over_tls_reaches_the_lake_and_plain_tcp_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, made.cert.pem()).expect("cert.pem");
    std::fs::write(&key, made.key_pair.serialize_pem()).expect("key.pem");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let extra = format!(
        r#"
[[source]]
name = "tls"
kind = "syslog-tcp"
listen = "127.0.0.1:0"
format = "combined"
tls_cert = {cert:?}
tls_key = {key:?}
"#
    );
    let server = start(&config_text(&data, &extra));

    // A plain client speaking syslog straight at the TLS port: refused, counted, no crash.
    let mut plain = TcpStream::connect(server.addr("tls")).expect("tcp");
    let _ = writeln!(
        plain,
        "<190>Oct  1 01:00:00 web1 nginx: {}",
        combined("203.0.113.9", "/plain/0")
    );
    let mut sink = Vec::new();
    let _ = plain.read_to_end(&mut sink);
    wait_for(30, "plain client rejected", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_rejected_total{source=\"tls\"",
        ) >= 1
    });

    // A rustls client with the certificate as its only root: octet-counted RFC 5424.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let tcp = TcpStream::connect(server.addr("tls")).expect("tcp");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    for i in 0..3 {
        let msg = format!(
            "<190>1 2026-10-01T01:00:00Z web1 nginx - - - {}",
            combined("203.0.113.5", &format!("/tls/{i}"))
        );
        write!(tls, "{} {msg}", msg.len()).expect("send");
    }
    tls.flush().expect("flush");
    wait_for(30, "tls accepted", || {
        metric(
            server.addr("dashboard"),
            "kansoku_events_accepted_total{source=\"tls\"",
        ) >= 3
    });
    tls.conn.send_close_notify();
    let _ = tls.flush();
    drop(tls);
    let summary = server.stop();
    assert_eq!(summary.accepted, 3);
    let mut paths = column(&data, "SELECT path FROM http ORDER BY path");
    paths.sort();
    assert_eq!(paths, ["/tls/0", "/tls/1", "/tls/2"]);
}
