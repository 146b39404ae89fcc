//! Time limits on what a client sends to an HTTP listener ([`super::gate`]): [`Watched`]
//! closes a connection on which nothing moves either way for its idle timeout, and
//! [`TimedBody`] ends a request body that has not arrived whole by its deadline. The header
//! timeout is hyper's own. Each of them counts what it closes.

use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::gate::Counters;

/// A connection closed once nothing has moved either way for `idle`: neither a byte read
/// nor one written (a client that stops sending, or stops reading its answer). A zero
/// `idle` never closes. Counted in `idle_closed`.
pub struct Watched<Io> {
    io: Io,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    /// The timer runs: something waits and nothing has moved since it started.
    armed: bool,
    counters: Counters,
}

impl<Io> Watched<Io> {
    /// Watches `io`.
    pub fn new(io: Io, idle: Duration, counters: Counters) -> Watched<Io> {
        Watched {
            io,
            idle,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: false,
            counters,
        }
    }

    /// Called when the connection waits: starts the timer if it does not run, and says
    /// whether it has run out.
    fn waited_too_long(&mut self, cx: &mut Context<'_>) -> bool {
        if self.idle.is_zero() {
            return false;
        }
        if !self.armed {
            self.armed = true;
            self.timer.as_mut().reset(Instant::now() + self.idle);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.counters
                .get()
                .idle_closed
                .fetch_add(1, Ordering::Relaxed);
            // Counted once: the connection ends on this error.
            self.idle = Duration::ZERO;
            return true;
        }
        false
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "idle connection closed")
}

impl<Io: AsyncRead + Unpin> AsyncRead for Watched<Io> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Pending if this.waited_too_long(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
            ready => {
                this.armed = false;
                ready
            }
        }
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Watched<Io> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_write(cx, buf) {
            Poll::Pending if this.waited_too_long(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
            ready => {
                this.armed = false;
                ready
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.io).poll_flush(cx) {
            Poll::Pending if this.waited_too_long(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The error a request body gives when its deadline passes.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within its time limit")]
pub struct BodyTimedOut;

/// A request body that must arrive whole by a deadline; past it, the next read is a
/// [`BodyTimedOut`] error (counted in `slow_closed`), whatever trickles in meanwhile.
pub struct TimedBody<B> {
    body: B,
    deadline: Pin<Box<Sleep>>,
    counters: Counters,
    over: bool,
}

impl<B> TimedBody<B> {
    /// `body`, due within `limit` from now.
    pub fn new(body: B, limit: Duration, counters: Counters) -> TimedBody<B> {
        TimedBody {
            body,
            deadline: Box::pin(tokio::time::sleep(limit)),
            counters,
            over: false,
        }
    }
}

impl<B> http_body::Body for TimedBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        if this.over {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                if this.deadline.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.over = true;
                this.counters
                    .get()
                    .slow_closed
                    .fetch_add(1, Ordering::Relaxed);
                Poll::Ready(Some(Err(Box::new(BodyTimedOut))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Whether `error` (from reading a request body) is a [`BodyTimedOut`].
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut e = Some(error);
    while let Some(err) = e {
        if err.is::<BodyTimedOut>() {
            return true;
        }
        e = err.source();
    }
    false
}
