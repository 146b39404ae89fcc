//! The connection loop of the HTTP listeners, the `http` source and the dashboard alike.
//!
//! Accepting follows [`super::accept_each`]'s rules: a sender outside the allow-list is
//! closed before a byte is read, and past `max_connections` one more is closed as soon
//! as it is accepted and counted (`kansoku_connections_refused_total`), so a flood of
//! idle sockets never queues real senders behind it. Each connection then runs in its own
//! task (its TLS handshake first, when `wrap` does one), served by hyper with:
//!
//! * a header timeout (`header_timeout_secs`, hyper's `header_read_timeout`): a request
//!   line and headers, and a new or kept-alive connection's next request, must arrive
//!   within it;
//! * a body timeout (`body_timeout_secs`, [`TimedBody`]): a body must arrive whole within
//!   it of its headers, so a client that drips it a byte at a time is cut off;
//! * an idle timeout (`idle_timeout_secs`, [`Watched`]): nothing moving either way (a
//!   client that stops reading its answer) closes the connection;
//! * a shutdown deadline (`shutdown_timeout_secs`): at shutdown, idle connections close at
//!   once and requests in progress get that long to finish; then whatever is still open
//!   is closed.
//!
//! Connections closed by the header or body timeout are counted in
//! `kansoku_connections_slow_closed_total`, those closed idle in `…_idle_closed_total`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::{TowerToHyperService, TowerToHyperServiceFuture};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::deadline::{TimedBody, Watched};
use super::stopped;
use crate::metrics::{Metrics, SourceMetrics};

/// A connection's stream once `wrap` made it ready: plain TCP or TLS, one type for both.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A ready connection, plain or TLS.
pub type Conn = Box<dyn Stream>;

/// The bounds of one HTTP listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most connections served at once.
    pub max_connections: usize,
    /// Longest wait for a request's line and headers.
    pub header: Duration,
    /// Longest wait for a request's whole body, from its headers.
    pub body: Duration,
    /// A connection on which nothing moves this long is closed (zero: never).
    pub idle: Duration,
    /// Longest wait at shutdown for requests in progress.
    pub shutdown: Duration,
}

/// Whose connection counters a listener updates: a source's, or the dashboard's.
#[derive(Clone)]
pub struct Counters {
    metrics: Arc<Metrics>,
    source: Option<Arc<str>>,
}

impl Counters {
    /// The counters of the source `name`.
    pub fn source(metrics: Arc<Metrics>, name: &str) -> Counters {
        Counters {
            metrics,
            source: Some(name.into()),
        }
    }

    /// The dashboard's counters.
    pub fn dashboard(metrics: Arc<Metrics>) -> Counters {
        Counters {
            metrics,
            source: None,
        }
    }

    /// The counters themselves.
    pub fn get(&self) -> &SourceMetrics {
        self.source
            .as_deref()
            .and_then(|n| self.metrics.source(n))
            .unwrap_or(&self.metrics.dashboard)
    }
}

/// An HTTP listener ready to serve.
pub struct HttpListener<A, W> {
    /// The bound socket.
    pub listener: TcpListener,
    /// What each request is answered by.
    pub app: Router,
    /// Its bounds.
    pub limits: Limits,
    /// Its counters.
    pub counters: Counters,
    /// Whether a sender at this address may connect.
    pub admit: A,
    /// Makes an accepted connection ready (a TLS handshake, or nothing); `None` closes it.
    pub wrap: W,
    /// Its name in messages.
    pub name: String,
}

impl<A, W, Fut, Io> HttpListener<A, W>
where
    A: Fn(SocketAddr) -> bool,
    W: Fn(TcpStream) -> Fut,
    Fut: Future<Output = Option<Io>> + Send + 'static,
    Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Serves until `stop` says shutdown, then closes within the shutdown deadline.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.limits.max_connections.max(1)));
        let mut open = JoinSet::new();
        let shutdown = stopped(stop.clone());
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                r = self.listener.accept() => match r {
                    Ok((s, peer)) if (self.admit)(peer) => (s, peer),
                    // Outside the allow-list: closed before a byte is read.
                    Ok(_) => continue,
                    Err(_) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                Some(_) = open.join_next(), if !open.is_empty() => continue,
                () = &mut shutdown => break,
            };
            let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                self.counters.get().refused.fetch_add(1, Ordering::Relaxed);
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let ready = (self.wrap)(stream);
            let (app, limits, counters) = (self.app.clone(), self.limits, self.counters.clone());
            let stop = stop.clone();
            open.spawn(async move {
                if let Some(io) = ready.await {
                    serve_one(io, app, peer, limits, counters, stop).await;
                }
                drop(permit);
            });
        }
        drop(self.listener);
        let deadline = tokio::time::sleep(self.limits.shutdown);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                r = open.join_next() => if r.is_none() { return },
                () = &mut deadline => break,
            }
        }
        let cut = open.len();
        open.abort_all();
        while open.join_next().await.is_some() {}
        eprintln!(
            "kansoku serve: {}: closed {cut} connection(s) still open at the shutdown deadline ({} s)",
            self.name,
            self.limits.shutdown.as_secs_f64()
        );
    }
}

/// Serves one connection; at shutdown, hyper finishes the request in progress and
/// closes (the listener's deadline cuts it off past that).
async fn serve_one<Io>(
    io: Io,
    app: Router,
    peer: SocketAddr,
    limits: Limits,
    counters: Counters,
    stop: watch::Receiver<bool>,
) where
    Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = Watched::new(io, limits.idle, counters.clone());
    let service = PerConnection {
        app,
        peer,
        body: limits.body,
        counters: counters.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let stopping = stopped(stop);
    tokio::pin!(stopping);
    let mut asked = false;
    let result = loop {
        tokio::select! {
            r = conn.as_mut() => break r,
            () = &mut stopping, if !asked => {
                asked = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    };
    if let Err(e) = result
        && e.is_timeout()
    {
        counters.get().slow_closed.fetch_add(1, Ordering::Relaxed);
    }
}

/// What hyper calls for each request: the app, with the client's address
/// (`ConnectInfo`) and the body under its deadline.
#[derive(Clone)]
struct PerConnection {
    app: Router,
    peer: SocketAddr,
    body: Duration,
    counters: Counters,
}

type AppRequest = hyper::Request<axum::body::Body>;

impl hyper::service::Service<hyper::Request<Incoming>> for PerConnection {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = TowerToHyperServiceFuture<Router, AppRequest>;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(ConnectInfo(self.peer));
        let body = TimedBody::new(body, self.body, self.counters.clone());
        let req = hyper::Request::from_parts(parts, axum::body::Body::new(body));
        TowerToHyperService::new(self.app.clone()).call(req)
    }
}
