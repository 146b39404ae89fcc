//! EVAL-ONLY line splitter: just enough of the combined/nginx, AWS ALB, Traefik JSON and
//! Envoy JSON formats to turn the benchmark corpora into requests. The real parsers live
//! in the `parse` crate; do not use this for ingest.

use kansoku_event::HttpRequest;

use crate::example::set_target;

fn quoted(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let mut end = None;
        let bytes = after.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let Some(end) = end else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

fn json_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\":");
    let at = line.find(&pat)? + pat.len();
    let rest = line[at..].trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        let end = s.find('"')?;
        Some(&s[..end])
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim())
    }
}

fn request_line(req: &mut HttpRequest, line: &str) -> bool {
    let mut parts = line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return false;
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return false;
    }
    req.method = Some(method.to_string());
    // ALB logs the absolute URL; keep only the target.
    let target = match target.find("://") {
        Some(i) => target[i + 3..]
            .find('/')
            .map_or("/", |j| &target[i + 3 + j..]),
        None => target,
    };
    set_target(req, target);
    req.protocol = parts.next().map(str::to_string);
    true
}

/// Splits one log line into a request; `None` when the line is not an HTTP request.
pub fn split(line: &str, n: u64) -> Option<HttpRequest> {
    let mut req = HttpRequest {
        tenant: "default".into(),
        ts: n as i64 * 1_000_000,
        source_line: n,
        ..Default::default()
    };
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let json_start = line.find('{');
    if let Some(j) = json_start.filter(|_| line.ends_with('}')) {
        let js = &line[j..];
        if let Some(path) = json_field(js, "RequestPath")
            .or_else(|| json_field(js, "x-envoy-origin-path"))
            .or_else(|| json_field(js, "path"))
        {
            req.method = json_field(js, "RequestMethod")
                .or_else(|| json_field(js, "method"))
                .map(str::to_string);
            set_target(&mut req, path);
            req.status = json_field(js, "DownstreamStatus")
                .or_else(|| json_field(js, "response_code"))
                .and_then(|s| s.parse().ok());
            req.user_agent = json_field(js, "request_User-Agent")
                .or_else(|| json_field(js, "user-agent"))
                .map(str::to_string);
            req.src_ip = json_field(js, "ClientHost")
                .or_else(|| {
                    json_field(js, "downstream_remote_address")
                        .map(|a| a.rsplit_once(':').map_or(a, |(h, _)| h))
                })
                .map(str::to_string);
            return Some(req);
        }
    }
    let q = quoted(line);
    let (ri, reqline) = q.iter().enumerate().find(|(_, s)| {
        let m = s.split(' ').next().unwrap_or("");
        !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()) && s.contains(" /")
            || s.contains(" http")
    })?;
    if !request_line(&mut req, reqline) {
        return None;
    }
    let start = line.find(reqline).unwrap_or(0);
    let before = &line[..start];
    // Client address: the token before ` - ` (combined) or ALB's 4th field.
    let ip = before
        .split_whitespace()
        .find(|t| {
            t.split(':')
                .next()
                .is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok())
                || t.parse::<std::net::IpAddr>().is_ok()
        })
        .map(|t| {
            if t.matches(':').count() == 1 {
                t.split(':').next().unwrap_or(t)
            } else {
                t
            }
        });
    req.src_ip = ip.map(str::to_string);
    let after = &line[start + reqline.len() + 1..];
    if let Some(status) = after.split_whitespace().next().and_then(|s| s.parse().ok()) {
        req.status = Some(status);
    } else if let Some(st) = before
        .split_whitespace()
        .rev()
        .nth(3)
        .and_then(|s| s.parse().ok())
    {
        req.status = Some(st);
    }
    let rest: Vec<&str> = q[ri + 1..].to_vec();
    match rest.len() {
        0 => {}
        1 => req.user_agent = Some(rest[0].to_string()),
        _ => {
            if before.starts_with("http") || before.starts_with("https") {
                req.user_agent = Some(rest[0].to_string());
            } else {
                req.referer = Some(rest[0].to_string()).filter(|r| r != "-");
                req.user_agent = Some(rest[1].to_string());
            }
        }
    }
    req.user_agent = req.user_agent.filter(|u| u != "-");
    Some(req)
}
