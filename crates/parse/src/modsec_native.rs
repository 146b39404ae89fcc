//! ModSecurity native (serial) audit logs: one transaction in sections between
//! `--1a2b3c4d-A--` and `--1a2b3c4d-Z--` headers (libmodsecurity v3 writes
//! `---1a2b3c4d---A--`; both are read).
//!
//! Sections used: A (time, unique id, client and server address), B (request line and
//! headers), C (request body, first 64 KiB kept), F (response status line and headers),
//! H (`Message:` lines with `[id "..."]`, `Action: Intercepted`). Others are skipped, so
//! memory stays bounded whatever the response bodies hold. Lines outside any record are
//! reported once per run, and a record cut off before Z is an error.

use kansoku_event::HttpRequest;

use crate::modsec::Findings;
use crate::text::{lossy, parse_u64, set_request_line};
use crate::{MAX_LINE, ParseError, Parsed, Parser, time};

/// Request body bytes kept per record.
const BODY_KEEP: usize = 64 * 1024;

/// Reads native audit logs; stateful, so one parser reads one source in order.
#[derive(Debug, Default)]
pub struct ModsecNativeParser {
    cur: Option<Record>,
    /// First line of a run of lines found outside any record.
    stray: Option<u64>,
}

#[derive(Debug, Default)]
struct Record {
    id: Vec<u8>,
    line: u64,
    section: u8,
    /// Lines seen so far in the current section.
    seen: usize,
    rec: HttpRequest,
    has_time: Option<Result<i64, ParseError>>,
    body: Vec<u8>,
    findings: Findings,
    intercepted: bool,
}

/// `(id, letter)` of a section header line.
pub(crate) fn section_header(line: &[u8]) -> Option<(&[u8], u8)> {
    let inner = line.strip_prefix(b"--")?.strip_suffix(b"--")?;
    let (&letter, rest) = inner.split_last()?;
    let id = rest.strip_suffix(b"-")?;
    let id = trim_dashes(id);
    let ok = letter.is_ascii_uppercase()
        && !id.is_empty()
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'@');
    ok.then_some((id, letter))
}

fn trim_dashes(mut s: &[u8]) -> &[u8] {
    while let Some(r) = s.strip_prefix(b"-") {
        s = r;
    }
    while let Some(r) = s.strip_suffix(b"-") {
        s = r;
    }
    s
}

fn header_value<'a>(line: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let colon = memchr::memchr(b':', line)?;
    line[..colon]
        .eq_ignore_ascii_case(name.as_bytes())
        .then(|| line[colon + 1..].trim_ascii())
}

impl Record {
    fn line(&mut self, line: &[u8]) {
        let first = self.seen == 0;
        self.seen += 1;
        match self.section {
            b'A' if first => self.section_a(line),
            b'B' if first => set_request_line(&mut self.rec, line, false),
            b'B' => {
                let r = &mut self.rec;
                for (name, slot) in [
                    ("Host", &mut r.host),
                    ("User-Agent", &mut r.user_agent),
                    ("Referer", &mut r.referer),
                    ("X-Forwarded-For", &mut r.x_forwarded_for),
                ] {
                    if let Some(v) = header_value(line, name) {
                        *slot = Some(lossy(v));
                    }
                }
            }
            b'C' if self.body.len() < BODY_KEEP => {
                if !first {
                    self.body.push(b'\n');
                }
                let room = BODY_KEEP - self.body.len().min(BODY_KEEP);
                self.body.extend_from_slice(&line[..line.len().min(room)]);
            }
            b'F' if first => {
                let status = line.split(|b| *b == b' ').nth(1).and_then(parse_u64);
                self.rec.status = status.and_then(|s| u16::try_from(s).ok());
            }
            b'F' => {
                if let Some(v) = header_value(line, "Content-Length") {
                    self.rec.bytes = parse_u64(v);
                }
            }
            b'H' => self.section_h(&String::from_utf8_lossy(line)),
            _ => {}
        }
    }

    /// `[02/Mar/2024:08:00:01.123456 +0900] ZeJ1Aa1A 203.0.113.7 40112 10.0.0.8 80`
    fn section_a(&mut self, line: &[u8]) {
        let Some(close) = memchr::memchr(b']', line) else {
            self.has_time = Some(Err(ParseError::Malformed("section A has no [time]".into())));
            return;
        };
        self.has_time = Some(time::clf(&line[..=close]));
        let mut parts = line[close + 1..]
            .split(|b| *b == b' ')
            .filter(|p| !p.is_empty());
        let _unique_id = parts.next();
        self.rec.src_ip = parts.next().map(lossy);
        let _src_port = parts.next();
        self.rec.dst_ip = parts.next().map(lossy);
    }

    fn section_h(&mut self, line: &str) {
        let text = line
            .strip_prefix("Message: ")
            .or_else(|| line.strip_prefix("ModSecurity: "));
        if let Some(t) = text {
            self.findings.add_native(t);
        } else if let Some(a) = line.strip_prefix("Action: ") {
            self.intercepted |= a.trim_start().starts_with("Intercepted");
        }
    }

    fn finish(mut self) -> Result<HttpRequest, ParseError> {
        let ts = self
            .has_time
            .take()
            .unwrap_or_else(|| Err(ParseError::Timestamp("no section A".into())))?;
        let mut rec = self.rec;
        rec.ts = ts;
        if !self.body.is_empty() {
            rec.body = Some(lossy(&self.body));
        }
        self.findings.apply(&mut rec, self.intercepted);
        Ok(rec)
    }
}

impl ModsecNativeParser {
    fn flush_stray(&mut self, out: &mut Vec<Parsed>) {
        if let Some(line) = self.stray.take() {
            let err = ParseError::Malformed("lines outside an audit record (no A section)".into());
            out.push(Parsed {
                line,
                record: Err(err),
            });
        }
    }

    fn flush_unterminated(&mut self, out: &mut Vec<Parsed>) {
        if let Some(r) = self.cur.take() {
            let msg = format!("record {} not terminated by a Z section", lossy(&r.id));
            out.push(Parsed {
                line: r.line,
                record: Err(ParseError::Malformed(msg)),
            });
        }
    }
}

impl Parser for ModsecNativeParser {
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed>) {
        if let Some((id, letter)) = section_header(line) {
            let same = self.cur.as_ref().is_some_and(|r| r.id == id);
            if letter == b'A' {
                self.flush_stray(out);
                self.flush_unterminated(out);
                self.cur = Some(Record {
                    id: id.to_vec(),
                    line: lineno,
                    section: b'A',
                    ..Default::default()
                });
            } else if same && letter == b'Z' {
                if let Some(r) = self.cur.take() {
                    out.push(Parsed {
                        line: r.line,
                        record: r.finish(),
                    });
                }
            } else if let (true, Some(r)) = (same, self.cur.as_mut()) {
                r.section = letter;
                r.seen = 0;
            } else {
                self.flush_unterminated(out);
                self.stray.get_or_insert(lineno);
            }
            return;
        }
        match self.cur.as_mut() {
            // An over-long line inside a record is a body or response part; it is skipped
            // and the record stays whole.
            Some(_) if line.len() > MAX_LINE => {}
            Some(r) if line.is_empty() && r.section != b'C' => {}
            Some(r) => r.line(line),
            None if line.len() > MAX_LINE => {
                self.flush_stray(out);
                out.push(Parsed {
                    line: lineno,
                    record: Err(ParseError::TooLong(line.len())),
                });
            }
            None if line.iter().all(u8::is_ascii_whitespace) => {}
            None => {
                self.stray.get_or_insert(lineno);
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Parsed>) {
        self.flush_stray(out);
        self.flush_unterminated(out);
    }

    fn idle(&self) -> bool {
        self.cur.is_none() && self.stray.is_none()
    }
}

#[cfg(test)]
mod tests;
