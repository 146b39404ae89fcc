//! One generated web request, and how a web server writes it in the combined format.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use kansoku_event::Category;

use crate::clock;

/// A web request as the demo generates it, before it is written in a tenant's format.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Unix ms.
    pub ts_ms: i64,
    /// Client address.
    pub src: Ipv4Addr,
    /// HTTP method.
    pub method: &'static str,
    /// Request target exactly as sent (path and query, already percent-encoded).
    pub target: String,
    /// Response status the server (or WAF) returned.
    pub status: u16,
    /// Response body size.
    pub bytes: u64,
    /// Referer header.
    pub referer: Option<String>,
    /// User-Agent header.
    pub user_agent: String,
    /// Request body, for POSTs whose body a WAF would log.
    pub body: Option<String>,
    /// The ground-truth attack category; `None` for ordinary traffic.
    pub attack: Option<Category>,
}

impl Request {
    /// The path part of the target.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query part of the target, without `?`.
    pub(crate) fn query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
}

/// Which web server wrote a combined log; they escape header values differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Server {
    /// nginx: `"` and bytes outside printable ASCII become `\xHH`.
    Nginx,
    /// Apache httpd: `"` and `\` are backslash-escaped, other bytes become `\xhh`.
    Apache,
}

/// One combined-format line, without the newline.
pub(crate) fn combined_line(req: &Request, server: Server) -> String {
    let mut line = String::with_capacity(200 + req.target.len() + req.user_agent.len());
    let bytes = match (server, req.bytes) {
        // Apache's %b logs an empty body as "-".
        (Server::Apache, 0) => "-".to_string(),
        (_, b) => b.to_string(),
    };
    let protocol = match server {
        Server::Nginx if req.attack.is_none() => "HTTP/2.0",
        _ => "HTTP/1.1",
    };
    let _ = write!(
        line,
        "{} - - [{}] \"{} ",
        req.src,
        clock::clf_time(req.ts_ms),
        req.method
    );
    escape_into(&mut line, &req.target, server);
    let _ = write!(line, " {protocol}\" {} {bytes} \"", req.status);
    escape_into(&mut line, req.referer.as_deref().unwrap_or("-"), server);
    line.push_str("\" \"");
    escape_into(&mut line, &req.user_agent, server);
    line.push('"');
    line
}

fn escape_into(out: &mut String, value: &str, server: Server) {
    let special = |b: u8| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b);
    // Almost every value is plain ASCII: copy it whole.
    if !value.bytes().any(special) {
        out.push_str(value);
        return;
    }
    for b in value.bytes() {
        match (server, b) {
            (Server::Nginx, b'"' | b'\\' | 0..=0x1f | 0x7f..) => {
                let _ = write!(out, "\\x{b:02X}");
            }
            (Server::Apache, b'"' | b'\\') => {
                out.push('\\');
                out.push(char::from(b));
            }
            (Server::Apache, 0..=0x1f | 0x7f..) => {
                let _ = write!(out, "\\x{b:02x}");
            }
            _ => out.push(char::from(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(ua: &str) -> Request {
        Request {
            ts_ms: 1_789_534_800_000, // 2026-09-16 05:00 UTC = 14:00 JST
            src: Ipv4Addr::new(203, 0, 113, 41),
            method: "GET",
            target: "/search?q=1%27".into(),
            status: 200,
            bytes: 0,
            referer: None,
            user_agent: ua.into(),
            body: None,
            attack: Some(Category::Sqli),
        }
    }

    #[test]
    fn writes_combined_lines_as_each_server_does() {
        let r = request("say \"hi\" \u{1}");
        assert_eq!(
            combined_line(&r, Server::Nginx),
            "203.0.113.41 - - [16/Sep/2026:14:00:00 +0900] \"GET /search?q=1%27 HTTP/1.1\" 200 0 \"-\" \"say \\x22hi\\x22 \\x01\""
        );
        assert_eq!(
            combined_line(&r, Server::Apache),
            "203.0.113.41 - - [16/Sep/2026:14:00:00 +0900] \"GET /search?q=1%27 HTTP/1.1\" 200 - \"-\" \"say \\\"hi\\\" \\x01\""
        );
    }
}
