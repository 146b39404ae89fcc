//! Bytes to records: one module per input format, pure and streaming, never panicking.
//!
//! The pipeline reads a source line by line and feeds each line to a [`Parser`] made for
//! the source's [`Format`]. A parser pushes a [`Parsed`] for every record it completes:
//! either an [`HttpRequest`] or a [`ParseError`] that the pipeline counts and sets aside
//! with the line number. Most formats are one record per line; multi-line formats
//! (ModSecurity v2 native audit logs) keep state between lines.
//!
//! | format | module | name (`--format`) |
//! |---|---|---|
//! | nginx `log_format`, Apache `LogFormat` (`combined`, `common`, `vhost_combined`, custom) | [`log_format`] | `combined`, `common`, `vhost_combined`, or `--log-format STR` |
//! | ModSecurity v2/v3 JSON audit log | [`modsec_json`] | `modsec-json` |
//! | ModSecurity native (serial) audit log | [`modsec_native`] | `modsec-native` |
//! | AWS WAF logs | [`aws_waf`] | `aws-waf` |
//! | ECS NDJSON | [`ecs_ndjson`] | `ecs-ndjson` |
//! | firewall logs (netfilter, filterlog, FortiGate, PAN-OS, CSV/JSON mappings) → `net` | [`firewall`] | `netfilter`, `filterlog`, `fortigate`, `paloalto` |
//!
//! [`syslog`] cuts a syslog TCP stream into messages (RFC 6587) and splits each message's
//! header (RFC 3164/5424) from the log line the parsers above read; the live server uses it.
//!
//! Every field keeps what the source said: text is percent-decoded once (the raw target
//! kept in `raw_uri` when that changed it), invalid UTF-8 is replaced rather than
//! rejected, and a request line that is not HTTP (a TLS hello sent to port 80) is still a
//! record, with the line in `raw_uri`. Blank lines yield nothing.
//!
//! ```
//! use kansoku_parse::{Format, Parsed};
//!
//! let mut parser = Format::Combined.parser().expect("built-in format");
//! let mut out = Vec::new();
//! parser.feed(br#"203.0.113.9 - - [17/May/2015:10:05:03 +0000] "GET /a?q=1 HTTP/1.1" 200 12 "-" "curl/8""#, 1, &mut out);
//! let rec = out.pop().expect("one record").record.expect("valid line");
//! assert_eq!(rec.path.as_deref(), Some("/a"));
//! ```
#![deny(missing_docs)]

use kansoku_event::HttpRequest;

/// Why a line was rejected. The message names the field or the expectation that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The line does not have the shape the format requires.
    #[error("{0}")]
    Malformed(String),
    /// A timestamp could not be read.
    #[error("bad timestamp: {0}")]
    Timestamp(String),
    /// The line is not valid UTF-8 where text was expected.
    #[error("invalid UTF-8")]
    Utf8,
    /// The line is longer than the parser accepts.
    #[error("line too long ({0} bytes)")]
    TooLong(usize),
    /// A `--log-format` string could not be understood.
    #[error("log format: {0}")]
    LogFormat(String),
}

/// A completed record (an [`HttpRequest`] for web and WAF formats, a
/// [`NetFlow`](kansoku_event::NetFlow) for firewall formats), or the reason its line was
/// rejected.
#[derive(Debug, Clone)]
pub struct Parsed<R = HttpRequest> {
    /// 1-based line number of the (first) line of the record.
    pub line: u64,
    /// The record, or why it was rejected.
    pub record: Result<R, ParseError>,
}

/// Turns lines of one source into records.
///
/// `feed` gets each line without its terminator (`\n` or `\r\n` already removed).
/// Implementations never panic on any input and fill only what the line says:
/// `tenant`, `source` and `source_line` are the pipeline's business.
pub trait Parser<R = HttpRequest>: Send {
    /// Feeds one line; completed records (zero or more) are pushed to `out`.
    fn feed(&mut self, line: &[u8], lineno: u64, out: &mut Vec<Parsed<R>>);
    /// End of input: pushes a record still in progress (or its error).
    fn finish(&mut self, out: &mut Vec<Parsed<R>>);
    /// Whether no record is in progress, so that the input may be cut before the next line
    /// (the pipeline only commits checkpoints at such points).
    fn idle(&self) -> bool {
        true
    }
}

/// The longest line a parser accepts; longer lines are rejected, not truncated.
pub const MAX_LINE: usize = 1 << 20;

/// The `feed` of every one-record-per-line format: too-long lines are rejected, blank
/// lines produce nothing, anything else is parsed by `parse`.
pub(crate) fn feed_single_line<R>(
    line: &[u8],
    lineno: u64,
    out: &mut Vec<Parsed<R>>,
    parse: impl FnOnce(&[u8]) -> Result<R, ParseError>,
) {
    let record = if line.len() > MAX_LINE {
        Err(ParseError::TooLong(line.len()))
    } else if line.iter().all(u8::is_ascii_whitespace) {
        return;
    } else {
        parse(line)
    };
    out.push(Parsed {
        line: lineno,
        record,
    });
}

pub mod aws_waf;
pub mod ecs_ndjson;
pub mod firewall;
mod format;
mod json;
pub mod log_format;
mod modsec;
pub mod modsec_json;
pub mod modsec_native;
pub mod syslog;
mod text;
mod time;

pub use format::{FORMAT_NAMES, Format, detect_format};
pub use text::percent_decode;
