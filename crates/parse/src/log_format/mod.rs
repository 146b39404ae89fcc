//! Access logs written by an nginx `log_format` or an Apache `LogFormat` string, which
//! covers `combined`, `common`, `vhost_combined` and site-specific formats.
//!
//! The format is compiled once into literals and fields; a line is then read left to
//! right, each field ending where the next literal is found (memchr/memmem, no regex,
//! no allocation beyond the record's own strings). Fields between quotes may contain
//! `\"` escapes and spaces. Text after the last field of the format is ignored, since
//! servers often append fields (Traefik's CLF adds several).

mod compile;

use kansoku_event::HttpRequest;

use crate::text::{
    absent, lossy, opt_text, parse_f64, parse_u64, set_request_line, set_target, starts_with_short,
    unescape_quoted,
};
use crate::{ParseError, Parsed, Parser, time};
use compile::{Compiled, Field};

/// Apache's `combined`; also reads nginx's (whose `-` for identd is a field here).
pub const COMBINED: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i""#;
/// Apache's `common` (NCSA common log format).
pub const COMMON: &str = r#"%h %l %u %t "%r" %>s %b"#;
/// Apache's `vhost_combined`: `combined` preceded by the virtual host and port.
pub const VHOST_COMBINED: &str = r#"%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i""#;

/// Reads lines of one compiled log format. Stateless between lines.
#[derive(Debug, Clone)]
pub struct LogFormatParser {
    compiled: Compiled,
}

impl LogFormatParser {
    /// A parser for an nginx `log_format` string.
    pub fn nginx(format: &str) -> Result<Self, ParseError> {
        Ok(Self {
            compiled: compile::nginx(format)?,
        })
    }

    /// A parser for an Apache `LogFormat` string.
    pub fn apache(format: &str) -> Result<Self, ParseError> {
        Ok(Self {
            compiled: compile::apache(format)?,
        })
    }

    /// Parses one line into a record.
    pub fn parse_line(&self, line: &[u8]) -> Result<HttpRequest, ParseError> {
        let c = &self.compiled;
        if !starts_with_short(line, &c.prefix) {
            return Err(ParseError::Malformed(format!(
                "line does not start with `{}`",
                String::from_utf8_lossy(&c.prefix)
            )));
        }
        let mut rest = &line[c.prefix.len()..];
        let mut acc = Fields::default();
        let last = c.steps.len() - 1;
        for (n, step) in c.steps.iter().enumerate() {
            let value;
            if step.next.is_empty() {
                // A number at the end of the format ends at a space: servers often
                // append fields (`common` read from a `combined` log).
                let end = match step.field {
                    Field::Status | Field::BodyBytes | Field::TotalBytes | Field::Port => {
                        memchr::memchr(b' ', rest).unwrap_or(rest.len())
                    }
                    _ => rest.len(),
                };
                value = &rest[..end];
                rest = &rest[end..];
            } else {
                let end = if step.quoted {
                    // A last quoted field cut before its quote (a user agent truncated
                    // by the server's buffer) still ends the line.
                    closing_quote(rest, &step.next)
                        .or_else(|| (n == last && step.next == b"\"").then_some(rest.len()))
                } else {
                    let mut found = step.finder.find(rest);
                    for _ in 0..step.skip {
                        found = found.and_then(|e| {
                            let from = e + step.next.len();
                            step.finder.find(&rest[from..]).map(|x| x + from)
                        });
                    }
                    found
                };
                let Some(end) = end else {
                    return Err(ParseError::Malformed(format!(
                        "no `{}` after {}",
                        String::from_utf8_lossy(&step.next),
                        step.name
                    )));
                };
                value = &rest[..end];
                rest = &rest[(end + step.next.len()).min(rest.len())..];
            }
            acc.take(&step.field, value, &step.name)?;
        }
        acc.finish()
    }
}

/// End of a quoted field: the first `"` not escaped by `\` that the closing literal
/// follows. An unescaped `"` inside the field (some servers write them) is skipped.
fn closing_quote(s: &[u8], next: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'"', b'\\', &s[i..]) {
        let at = i + off;
        if s[at] == b'\\' {
            i = at + 2;
            if i >= s.len() {
                return None;
            }
            continue;
        }
        if starts_with_short(&s[at..], next) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Fields seen so far on a line; the request's parts are combined at the end because
/// a format may give them in any order and more than once.
#[derive(Default)]
struct Fields<'a> {
    rec: HttpRequest,
    ts: Option<i64>,
    request: Option<&'a [u8]>,
    target: Option<&'a [u8]>,
    decoded_path: Option<&'a [u8]>,
    args: Option<&'a [u8]>,
    server_name: Option<String>,
    host_header: Option<String>,
    body_bytes: Option<u64>,
    total_bytes: Option<u64>,
}

fn text(v: &[u8]) -> Option<String> {
    opt_text(&unescape_quoted(v))
}

fn number(v: &[u8], name: &str) -> Result<Option<u64>, ParseError> {
    if absent(v) {
        return Ok(None);
    }
    parse_u64(v)
        .map(Some)
        .ok_or_else(|| ParseError::Malformed(format!("{name} is not a number: {}", lossy(v))))
}

impl<'a> Fields<'a> {
    fn take(&mut self, field: &Field, v: &'a [u8], name: &str) -> Result<(), ParseError> {
        let absent = absent(v);
        match field {
            // An address never holds a space; one that does means the line is not in
            // this format (which keeps format detection honest).
            Field::RemoteAddr | Field::ServerAddr if memchr::memchr(b' ', v).is_some() => {
                return Err(ParseError::Malformed(format!(
                    "{name} has a space: {}",
                    lossy(v)
                )));
            }
            Field::RemoteAddr => self.rec.src_ip = text(v),
            Field::ServerAddr => self.rec.dst_ip = text(v),
            Field::TimeLocal => self.ts = Some(time::clf(v)?),
            Field::TimeIso8601 => self.ts = Some(time::rfc3339(&lossy(v))?),
            Field::EpochSecs => self.ts = Some(time::epoch_secs(v)?),
            Field::EpochMillis | Field::EpochMicros => {
                let n = number(v, name)?.and_then(|n| i64::try_from(n).ok());
                let per_sec = if *field == Field::EpochMillis {
                    1000
                } else {
                    1_000_000
                };
                let n = n.ok_or_else(|| ParseError::Timestamp(lossy(v)))?;
                self.ts = Some(time::epoch_units(n, per_sec)?);
            }
            Field::Strftime(p) => self.ts = Some(time::strftime(v, p)?),
            Field::Request => self.request = Some(v),
            Field::Method => self.rec.method = text(v),
            Field::Target => self.target = (!absent).then_some(v),
            Field::DecodedPath => self.decoded_path = (!absent).then_some(v),
            Field::Args => {
                let v = v.strip_prefix(b"?").unwrap_or(v);
                self.args = (!absent && !v.is_empty()).then_some(v);
            }
            Field::PathQuery => {
                let (p, q) = match memchr::memchr(b'?', v) {
                    Some(i) => (&v[..i], Some(&v[i + 1..])),
                    None => (v, None),
                };
                self.decoded_path = (!absent).then_some(p);
                self.args = q.filter(|q| !q.is_empty());
            }
            Field::Protocol => self.rec.protocol = text(v),
            Field::Status => {
                self.rec.status = number(v, name)?
                    .map(|n| {
                        u16::try_from(n)
                            .map_err(|_| ParseError::Malformed(format!("status out of range: {n}")))
                    })
                    .transpose()?;
            }
            Field::BodyBytes => self.body_bytes = number(v, name)?,
            Field::TotalBytes => self.total_bytes = number(v, name)?,
            Field::Seconds | Field::Millis | Field::Micros => {
                let scale = match field {
                    Field::Millis => 1e-3,
                    Field::Micros => 1e-6,
                    _ => 1.0,
                };
                // nginx writes several values for retried upstreams; a bad value here
                // says nothing about the request, so it is dropped rather than rejected.
                self.rec.request_time = parse_f64(v).map(|s| s * scale);
            }
            Field::Referer => self.rec.referer = text(v),
            Field::UserAgent => self.rec.user_agent = text(v),
            Field::XForwardedFor => self.rec.x_forwarded_for = text(v),
            Field::ServerName => self.server_name = text(v),
            Field::HostHeader => self.host_header = text(v),
            Field::Port => {
                number(v, name)?;
            }
            Field::Body => self.rec.body = text(v),
            Field::Ignore => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<HttpRequest, ParseError> {
        let mut rec = self.rec;
        rec.ts = self
            .ts
            .ok_or_else(|| ParseError::Timestamp("time field is `-`".into()))?;
        if let Some(r) = self.request {
            let method = rec.method.take();
            let protocol = rec.protocol.take();
            set_request_line(&mut rec, r, true);
            rec.method = rec.method.or(method);
            rec.protocol = rec.protocol.or(protocol);
        }
        if rec.path.is_none()
            && let Some(t) = self.target
        {
            let unescaped = unescape_quoted(t);
            set_target(&mut rec, t, &unescaped);
        }
        if rec.path.is_none() {
            rec.path = self.decoded_path.and_then(text);
        }
        if rec.query.is_none()
            && let Some(a) = self.args
        {
            let decoded = crate::text::percent_decode(&unescape_quoted(a)).into_owned();
            rec.query = Some(lossy(&decoded));
        }
        rec.host = self.server_name.or(self.host_header);
        rec.bytes = self.body_bytes.or(self.total_bytes);
        Ok(rec)
    }
}

impl Parser for LogFormatParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed>) {
        crate::feed_single_line(line, lineno, out, |l| self.parse_line(l));
    }

    fn finish(&mut self, _out: &mut Vec<Parsed>) {}
}

#[cfg(test)]
mod tests;
