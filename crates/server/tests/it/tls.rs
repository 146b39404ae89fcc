//! TLS sources with certificates made in the test and rustls clients on real loopback
//! sockets: syslog over TLS (RFC 5425), RELP over TLS and HTTPS push with client
//! certificates (mutual TLS), the dashboard over HTTPS; plain clients on a TLS port are
//! rejected and counted.

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

/// A test CA with a server certificate for `localhost` and a client certificate it
/// signed, all as the PEM files a configuration names.
struct Pki {
    ca: rcgen::Certificate,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    ca_file: std::path::PathBuf,
    client: (rcgen::Certificate, rcgen::KeyPair),
}

fn pki(dir: &std::path::Path) -> Pki {
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("ca key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = params.self_signed(&ca_key).expect("ca");
    let leaf = |name: &str, purpose| {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
        params.extended_key_usages = vec![purpose];
        let cert = params.signed_by(&key, &ca, &ca_key).expect("signed");
        (cert, key)
    };
    let (server, server_key) = leaf("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let client = leaf("sender.example", ExtendedKeyUsagePurpose::ClientAuth);
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&cert, server.pem()).expect("cert.pem");
    std::fs::write(&key, server_key.serialize_pem()).expect("key.pem");
    std::fs::write(&ca_file, ca.pem()).expect("ca.pem");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    Pki {
        ca,
        cert,
        key,
        ca_file,
        client,
    }
}

/// A rustls client trusting the test CA, presenting `cert` when given.
fn client(
    pki: &Pki,
    cert: Option<&(rcgen::Certificate, rcgen::KeyPair)>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca.der().clone()).expect("root");
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots);
    Arc::new(match cert {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
            )
            .expect("client certificate"),
    })
}

/// Opens TLS to `addr`, writes `bytes`, and returns what came back until the server
/// closed the connection or refused the handshake (an error ends the reading).
fn exchange(addr: &str, config: Arc<rustls::ClientConfig>, bytes: &[u8]) -> Vec<u8> {
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(config, name).expect("client");
    let tcp = TcpStream::connect(addr).expect("tcp");
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let _ = tls.write_all(bytes);
    let _ = tls.flush();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// RELP frames of one session: `open`, one `syslog` frame per path, `close`.
fn relp_session(paths: &[&str]) -> Vec<u8> {
    use kansoku_server::sources::relp::encode;
    let mut out = encode(
        1,
        "open",
        b"relp_version=0\nrelp_software=test\ncommands=syslog",
    );
    for (i, path) in paths.iter().enumerate() {
        let msg = format!(
            "<13>Oct  1 01:00:00 web1 nginx: {}",
            combined("203.0.113.5", path)
        );
        out.extend(encode(i as u64 + 2, "syslog", msg.as_bytes()));
    }
    out.extend(encode(paths.len() as u64 + 2, "close", b""));
    out
}

/// RELP over TLS with `tls_client_ca`: a sender with a certificate the CA signed gets
/// every message answered and stored; one without a certificate, or with one another CA
/// signed, is refused in the handshake (no answer at all, counted as rejected) and stores
/// nothing; plain RELP on the TLS port too.
#[test]
fn relp_over_tls_takes_only_senders_with_a_client_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let pki = pki(dir.path());
    let extra = format!(
        r#"
[[source]]
name = "relp-tls"
kind = "relp"
listen = "127.0.0.1:0"
format = "combined"
tls_cert = {:?}
tls_key = {:?}
tls_client_ca = {:?}
"#,
        pki.cert, pki.key, pki.ca_file
    );
    let server = start(&config_text(&data, &extra));
    let addr = server.addr("relp-tls").to_string();
    let board = server.addr("dashboard").to_string();
    let rejected = || metric(&board, "kansoku_events_rejected_total{source=\"relp-tls\"");

    let answer = exchange(
        &addr,
        client(&pki, Some(&pki.client)),
        &relp_session(&["/mtls/0", "/mtls/1"]),
    );
    let answer = String::from_utf8_lossy(&answer);
    for txnr in [2, 3] {
        assert!(
            answer.contains(&format!("{txnr} rsp 6 200 OK")),
            "message {txnr} answered: {answer}"
        );
    }

    let answer = exchange(&addr, client(&pki, None), &relp_session(&["/no-cert"]));
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    wait_for(30, "the sender without a certificate refused", || {
        rejected() >= 1
    });

    let stranger = pki_stranger();
    let answer = exchange(
        &addr,
        client(&pki, Some(&stranger)),
        &relp_session(&["/other-ca"]),
    );
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    wait_for(
        30,
        "the sender with another CA's certificate refused",
        || rejected() >= 2,
    );

    let mut plain = TcpStream::connect(&addr).expect("tcp");
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let _ = plain.write_all(&relp_session(&["/plain"]));
    let mut sink = Vec::new();
    let _ = plain.read_to_end(&mut sink);
    assert!(
        !String::from_utf8_lossy(&sink).contains("rsp"),
        "plain RELP answered"
    );
    wait_for(30, "plain RELP refused", || rejected() >= 3);

    let summary = server.stop();
    assert_eq!(summary.accepted, 2);
    let mut paths = column(&data, "SELECT path FROM http");
    paths.sort();
    assert_eq!(paths, ["/mtls/0", "/mtls/1"]);
}

/// A client certificate from a CA the server does not trust.
fn pki_stranger() -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["stranger.example".to_string()]).expect("params");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key).expect("self-signed");
    (cert, key)
}

/// HTTPS push with `tls_client_ca` and no token: a client with a certificate the CA
/// signed is answered 200 and stored; one without a certificate and a plain-HTTP client
/// get no answer and store nothing.
#[test]
fn https_push_takes_only_clients_with_a_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let pki = pki(dir.path());
    let extra = format!(
        r#"
[[source]]
name = "push-tls"
kind = "http"
listen = "127.0.0.1:0"
format = "combined"
tls_cert = {:?}
tls_key = {:?}
tls_client_ca = {:?}
"#,
        pki.cert, pki.key, pki.ca_file
    );
    let server = start(&config_text(&data, &extra));
    let addr = server.addr("push-tls").to_string();
    let board = server.addr("dashboard").to_string();
    let post = |path: &str| {
        let line = combined("203.0.113.6", path);
        format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{line}",
            line.len()
        )
    };

    let answer = exchange(
        &addr,
        client(&pki, Some(&pki.client)),
        post("/https").as_bytes(),
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"accepted\":1"), "{answer}");

    let answer = exchange(&addr, client(&pki, None), post("/no-cert").as_bytes());
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    let mut plain = TcpStream::connect(&addr).expect("tcp");
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let _ = plain.write_all(post("/plain").as_bytes());
    let mut sink = Vec::new();
    let _ = plain.read_to_end(&mut sink);
    assert!(
        !String::from_utf8_lossy(&sink).contains("200 OK"),
        "plain HTTP answered"
    );
    wait_for(30, "both refused", || {
        metric(&board, "kansoku_events_rejected_total{source=\"push-tls\"") >= 2
    });

    server.stop();
    assert_eq!(column(&data, "SELECT path FROM http"), ["/https"]);
}

/// The dashboard with `tls_cert` / `tls_key` speaks HTTPS only: a page answers over TLS,
/// the login cookie carries `Secure` (so a browser never sends the session over plain
/// HTTP), and a plain-HTTP request on its port gets no page.
#[test]
fn the_dashboard_over_tls_answers_and_its_cookie_is_secure() {
    const TOKEN: &str = "dashboard-tls-token-0123";
    let dir = tempfile::tempdir().expect("tempdir");
    let data = data_dir(&dir);
    let pki = pki(dir.path());
    let keys = format!(
        "token = \"{TOKEN}\"\ntls_cert = {:?}\ntls_key = {:?}\n",
        pki.cert, pki.key
    );
    let text = config_text(&data, "").replace(
        "listen = \"127.0.0.1:0\"\n[alerts]",
        &format!("listen = \"127.0.0.1:0\"\n{keys}[alerts]"),
    );
    let server = start(&text);
    let board = server.addr("dashboard").to_string();
    let request = |head: &str, body: &str| {
        let text = format!(
            "{head}\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        String::from_utf8_lossy(&exchange(&board, client(&pki, None), text.as_bytes())).into_owned()
    };

    let answer = request(
        &format!("GET /api/alerts HTTP/1.1\r\nAuthorization: Bearer {TOKEN}"),
        "",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = request(
        "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        &format!("token={TOKEN}"),
    );
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // Plain HTTP on the HTTPS port: the handshake fails, no page is sent.
    let mut plain = TcpStream::connect(&board).expect("tcp");
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let _ = write!(
        plain,
        "GET /api/alerts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let mut out = Vec::new();
    let _ = plain.read_to_end(&mut out);
    assert!(!String::from_utf8_lossy(&out).contains("HTTP/1.1 200"));
    server.stop();
}
