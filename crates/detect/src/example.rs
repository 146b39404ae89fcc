//! Building requests from the short forms used in inline examples: a request line
//! (`GET /x?y HTTP/1.1`), a target (`/x?y`), or a map of fields.

use kansoku_event::HttpRequest;

use crate::transform::url_decode;

/// Splits a request target into `path`, `query` and `raw_uri` the way the parser does:
/// each part percent-decoded once (`+` kept), `raw_uri` only when decoding changed it.
pub fn set_target(req: &mut HttpRequest, target: &str) {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut buf = Vec::new();
    let mut decode = |s: &str| {
        url_decode(s.as_bytes(), &mut buf, false);
        String::from_utf8_lossy(&buf).into_owned()
    };
    let dpath = decode(path);
    let dquery = query.map(&mut decode);
    let joined_differs = dpath != path || dquery.as_deref() != query;
    req.raw_uri = joined_differs.then(|| target.to_string());
    req.path = Some(dpath);
    req.query = dquery;
}

/// Builds a request from a request line (`METHOD target [PROTOCOL]`) or a bare target.
pub fn from_line(line: &str) -> HttpRequest {
    let mut req = HttpRequest {
        tenant: kansoku_event::DEFAULT_TENANT.to_string(),
        src_ip: Some("192.0.2.1".to_string()),
        status: Some(200),
        ..Default::default()
    };
    let mut parts = line.splitn(3, ' ');
    let first = parts.next().unwrap_or("");
    let is_method = !first.is_empty()
        && first.len() <= 12
        && first.bytes().all(|b| b.is_ascii_uppercase())
        && line.contains(' ');
    if is_method {
        req.method = Some(first.to_string());
        let target = parts.next().unwrap_or("/");
        set_target(&mut req, target);
        req.protocol = parts.next().map(str::to_string);
    } else {
        req.method = Some("GET".to_string());
        set_target(&mut req, line);
    }
    req
}
