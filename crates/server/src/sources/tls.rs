//! TLS for the TCP sources (syslog over TLS as in RFC 5425, RELP over TLS, HTTPS) and the
//! dashboard: a rustls acceptor built from PEM files ([`load`]), and the handshake every
//! one of them runs first.
//!
//! The certificate chain and private key come from `tls_cert` / `tls_key` in the source's
//! config; with `tls_client_ca` set, clients must present a certificate signed by one of
//! those CAs (mutual TLS). Only the `ring` provider is used.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::SourceEnv;
use crate::ServeError;
use crate::config::SourceConfig;

/// Longest a TLS handshake may take before the connection is dropped.
pub const HANDSHAKE: Duration = Duration::from_secs(10);

/// The server side of a TLS handshake on `stream`, within [`HANDSHAKE`]; why it failed
/// otherwise.
pub async fn accept_within(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
) -> Result<TlsStream<TcpStream>, String> {
    match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Ok(tls),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("handshake timed out".to_string()),
    }
}

/// A source's side of a TLS handshake ([`accept_within`]). A client that fails it
/// (plain TCP on the TLS port, no client certificate or one no `tls_client_ca` signed,
/// too slow) is counted as one rejected event, reported, and closed: `None`. So is one
/// still shaking hands at shutdown, silently.
pub async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    env: &SourceEnv,
) -> Option<TlsStream<TcpStream>> {
    let why = tokio::select! {
        r = accept_within(acceptor, stream) => match r {
            Ok(tls) => return Some(tls),
            Err(why) => why,
        },
        () = super::stopped(env.shutdown.clone()) => return None,
    };
    let c = env.counters();
    c.received.fetch_add(1, Ordering::Relaxed);
    c.rejected.fetch_add(1, Ordering::Relaxed);
    eprintln!("kansoku serve: {}: TLS handshake failed: {why}", env.name);
    None
}

/// The acceptor for `cfg`, or `None` when the source has no `tls_cert`.
pub fn acceptor(cfg: &SourceConfig) -> Result<Option<TlsAcceptor>, ServeError> {
    let (cert, key) = match (&cfg.tls_cert, &cfg.tls_key) {
        (None, None) => {
            if cfg.tls_client_ca.is_some() {
                return Err(cfg.invalid("`tls_client_ca` needs `tls_cert` and `tls_key`".into()));
            }
            return Ok(None);
        }
        (Some(c), Some(k)) => (c, k),
        _ => return Err(cfg.invalid("`tls_cert` and `tls_key` go together".into())),
    };
    load(cert, key, cfg.tls_client_ca.as_deref(), &|m| cfg.invalid(m)).map(Some)
}

/// An acceptor from PEM files: the certificate chain `cert`, its private key `key` (which
/// must be private to its owner) and, with `client_ca`, the CAs whose client certificates
/// are required. `bad` turns a message into the caller's error (naming its source or
/// section).
pub fn load(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
    bad: &dyn Fn(String) -> ServeError,
) -> Result<TlsAcceptor, ServeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certs(cert, bad)?;
    crate::config::private_file(key, "tls_key").map_err(|e| bad(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| bad(format!("tls_key {}: {e}", key.display())))?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(format!("TLS: {e}")))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca, bad)? {
                roots
                    .add(c)
                    .map_err(|e| bad(format!("tls_client_ca {}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad(format!("tls_client_ca {}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| bad(format!("tls_cert/tls_key: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Every certificate in a PEM file; at least one.
fn certs(
    path: &Path,
    bad: &dyn Fn(String) -> ServeError,
) -> Result<Vec<CertificateDer<'static>>, ServeError> {
    let bad = |e: String| bad(format!("{}: {e}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate".into()));
    }
    Ok(certs)
}
