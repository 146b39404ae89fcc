//! Syslog: TCP framing (RFC 6587) and headers (RFC 3164, RFC 5424). The sources use both
//! to turn what arrives into the message text that the log parsers read.

pub mod framing;
pub mod header;

pub use framing::{Frame, Framer};
pub use header::{SyslogMessage, parse};
