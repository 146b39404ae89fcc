//! The webhook sink: each alert state as a JSON POST, retried with exponential backoff.
//!
//! A plain HTTP/1.1 client over a TCP socket is enough for a JSON POST to a receiver on
//! the monitoring network (or a local relay that adds TLS); it keeps the server free of a
//! general HTTP client stack. A delivery succeeds on any 2xx answer; anything else
//! (refused connection, timeout, 5xx) is retried after 1×, 2×, 4×… the backoff.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where to POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`.
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Target {
    /// Parses `http://HOST[:PORT][/PATH]`.
    pub fn parse(url: &str) -> Option<Target> {
        let rest = url.strip_prefix("http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains(['@', ' ']) {
            return None;
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Some(Target {
            authority,
            path: path.to_string(),
        })
    }
}

/// One POST; `Ok(status)` when an answer came.
pub fn post(target: &Target, body: &[u8], timeout: Duration) -> std::io::Result<u16> {
    let addr = target
        .authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: kansoku-serve\r\n\r\n",
        target.path,
        target.authority,
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    // The status line is all that matters; stop reading once it is in.
    while !answer.contains(&b'\n') && answer.len() < 8192 {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status line in the answer"))
}

/// Delivers `body`, retrying; returns the attempts made, or the last error.
pub fn deliver(
    target: &Target,
    body: &[u8],
    attempts: u32,
    backoff: Duration,
    stopping: &dyn Fn() -> bool,
) -> Result<u32, String> {
    let mut wait = backoff;
    let mut last = String::new();
    for attempt in 1..=attempts.max(1) {
        match post(target, body, Duration::from_secs(5)) {
            Ok(code) if (200..300).contains(&code) => return Ok(attempt),
            Ok(code) => last = format!("HTTP {code}"),
            Err(e) => last = e.to_string(),
        }
        if attempt < attempts && !stopping() {
            std::thread::sleep(wait);
            wait = wait.saturating_mul(2).min(Duration::from_secs(60));
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        let t = Target::parse("http://127.0.0.1:9/hook?x=1").expect("valid");
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:9", "/hook?x=1")
        );
        assert_eq!(
            Target::parse("http://example.invalid").map(|t| t.authority),
            Some("example.invalid:80".into())
        );
        assert!(Target::parse("https://x/").is_none());
        assert!(Target::parse("http:///x").is_none());
    }

    /// A receiver on loopback that fails twice with 503, then takes the alert.
    #[test]
    fn retries_until_the_receiver_takes_it() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let receiver = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for i in 0..3 {
                let (mut s, _) = listener.accept().expect("accept");
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let n = s.read(&mut buf).expect("read");
                    req.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&req);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let len: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if req.len() >= head_end + 4 + len {
                            bodies.push(text[head_end + 4..].to_string());
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let status = if i < 2 { "503 Busy" } else { "204 No Content" };
                let _ = s.write_all(
                    format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
                );
            }
            bodies
        });
        let target = Target::parse(&format!("http://{addr}/hook")).expect("url");
        let attempts = deliver(
            &target,
            br#"{"kind":"threshold"}"#,
            5,
            Duration::from_millis(10),
            &|| false,
        )
        .expect("delivered");
        assert_eq!(attempts, 3);
        let bodies = receiver.join().expect("receiver");
        assert_eq!(bodies, vec![r#"{"kind":"threshold"}"#; 3]);
    }

    #[test]
    fn gives_up_after_the_attempts() {
        // A port that was just free: connections are refused.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("addr");
        let target = Target::parse(&format!("http://{addr}/")).expect("url");
        let err =
            deliver(&target, b"{}", 3, Duration::from_millis(1), &|| false).expect_err("refused");
        assert!(!err.is_empty());
    }
}
