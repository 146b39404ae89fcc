//! Syslog over TCP (RFC 6587): messages are either newline-terminated (non-transparent
//! framing) or prefixed by their length in decimal and a space (octet counting). The
//! framing is decided once per connection from its first frame: a run of at most ten
//! digits, not starting with `0`, then a space, means octet counting; anything else is
//! newline framing, so raw log lines sent without a syslog header (`tail -F access.log |
//! nc host 6514`, whose first bytes are an address's digits) are read as lines, as
//! rsyslog reads them.

/// How a connection frames messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Not yet known (nothing received).
    Unknown,
    /// `LEN SP MSG`.
    OctetCounting,
    /// `MSG LF`.
    Newline,
}

/// One framed item.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole message.
    Message(&'a [u8]),
    /// A message longer than the limit, skipped; its length.
    TooLong(usize),
    /// A length prefix that is not a number: the connection cannot be framed any more.
    Broken,
}

/// Cuts a byte stream into messages; keeps state across reads.
#[derive(Debug)]
pub struct Framer {
    framing: Framing,
    max: usize,
    /// Bytes of a too-long octet-counted message still to skip.
    skip: usize,
    /// A too-long newline-framed message is being skipped up to its newline.
    skip_line: bool,
}

impl Framer {
    /// A framer rejecting messages longer than `max` bytes.
    pub fn new(max: usize) -> Framer {
        Framer {
            framing: Framing::Unknown,
            max,
            skip: 0,
            skip_line: false,
        }
    }

    /// The framing found.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Takes every complete frame from the front of `buf`, calling `each` for it, and
    /// returns how many bytes were consumed (the rest is an incomplete frame).
    pub fn frames(&mut self, buf: &[u8], mut each: impl FnMut(Frame<'_>)) -> usize {
        let mut pos = 0;
        loop {
            if self.skip > 0 {
                let n = self.skip.min(buf.len() - pos);
                self.skip -= n;
                pos += n;
                if self.skip > 0 {
                    return pos;
                }
            }
            if self.skip_line {
                match memchr(&buf[pos..]) {
                    Some(nl) => {
                        pos += nl + 1;
                        self.skip_line = false;
                    }
                    None => return buf.len(),
                }
            }
            let rest = &buf[pos..];
            if rest.is_empty() {
                return pos;
            }
            if self.framing == Framing::Unknown {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == rest.len() && digits <= 10 {
                    // Only digits so far: the byte after them decides.
                    return pos;
                }
                self.framing =
                    if (1..=10).contains(&digits) && rest[0] != b'0' && rest[digits] == b' ' {
                        Framing::OctetCounting
                    } else {
                        Framing::Newline
                    };
            }
            match self.framing {
                Framing::OctetCounting => {
                    // Newlines between octet-counted frames are tolerated (some senders add them).
                    if rest[0] == b'\n' || rest[0] == b'\r' {
                        pos += 1;
                        continue;
                    }
                    let Some(sp) = rest.iter().take(12).position(|&b| b == b' ') else {
                        if rest.len() >= 12 || !rest.iter().all(u8::is_ascii_digit) {
                            each(Frame::Broken);
                            return buf.len();
                        }
                        return pos;
                    };
                    let len: Option<usize> = std::str::from_utf8(&rest[..sp])
                        .ok()
                        .and_then(|s| s.parse().ok());
                    let Some(len) = len else {
                        each(Frame::Broken);
                        return buf.len();
                    };
                    if len > self.max {
                        each(Frame::TooLong(len));
                        pos += sp + 1;
                        self.skip = len;
                        continue;
                    }
                    if rest.len() < sp + 1 + len {
                        return pos;
                    }
                    each(Frame::Message(&rest[sp + 1..sp + 1 + len]));
                    pos += sp + 1 + len;
                }
                Framing::Newline | Framing::Unknown => match memchr(rest) {
                    Some(nl) if nl > self.max => {
                        each(Frame::TooLong(nl));
                        pos += nl + 1;
                    }
                    Some(nl) => {
                        let line = &rest[..nl];
                        let line = line.strip_suffix(b"\r").unwrap_or(line);
                        if !line.is_empty() {
                            each(Frame::Message(line));
                        }
                        pos += nl + 1;
                    }
                    None if rest.len() > self.max => {
                        each(Frame::TooLong(rest.len()));
                        // Skip up to and including the newline still to come.
                        self.skip_line = true;
                        return buf.len();
                    }
                    None => return pos,
                },
            }
        }
    }

    /// End of stream: a final newline-framed message without its newline.
    pub fn finish<'a>(&self, rest: &'a [u8]) -> Option<&'a [u8]> {
        let lines = matches!(self.framing, Framing::Newline | Framing::Unknown);
        (lines && !self.skip_line && !rest.is_empty()).then_some(rest)
    }
}

fn memchr(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(framer: &mut Framer, input: &[u8], step: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        for piece in input.chunks(step) {
            buf.extend_from_slice(piece);
            let used = framer.frames(&buf, |f| {
                out.push(match f {
                    Frame::Message(m) => String::from_utf8_lossy(m).into_owned(),
                    Frame::TooLong(n) => format!("too long {n}"),
                    Frame::Broken => "broken".into(),
                })
            });
            buf.drain(..used);
        }
        if let Some(m) = framer.finish(&buf) {
            out.push(String::from_utf8_lossy(m).into_owned());
        }
        out
    }

    #[test]
    fn octet_counting_across_any_split() {
        let input = b"5 <13>a11 <13>b c d e\n3 <1>";
        for step in 1..input.len() {
            let mut f = Framer::new(100);
            assert_eq!(
                all(&mut f, input, step),
                ["<13>a", "<13>b c d e", "<1>"],
                "step {step}"
            );
            assert_eq!(f.framing(), Framing::OctetCounting);
        }
    }

    #[test]
    fn newline_framing_and_limits() {
        let input = b"<13>one\r\n<13>two\n\n<13>a very long line indeed\n<13>three";
        for step in 1..input.len() {
            let mut f = Framer::new(12);
            // How much of a too-long line was seen when it was given up depends on the reads.
            let got: Vec<String> = all(&mut f, input, step)
                .into_iter()
                .map(|m| {
                    if m.starts_with("too long") {
                        "too long".into()
                    } else {
                        m
                    }
                })
                .collect();
            assert_eq!(
                got,
                ["<13>one", "<13>two", "too long", "<13>three"],
                "step {step}"
            );
        }
        let mut f = Framer::new(4);
        assert_eq!(all(&mut f, b"9 1234567892 ab", 100), ["too long 9", "ab"]);
        let mut f = Framer::new(4);
        assert_eq!(all(&mut f, b"3 abc12x4 <13>", 100), ["abc", "broken"]);
    }

    /// A raw access-log line sent without a syslog header begins with the digits of an
    /// address: it was taken for an octet count and the connection closed as broken.
    #[test]
    fn raw_lines_that_begin_with_digits_are_newline_framed() {
        let input =
            b"203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1\n404 page\n";
        for step in 1..input.len() {
            let mut f = Framer::new(200);
            assert_eq!(
                all(&mut f, input, step),
                [
                    "203.0.113.9 - - [01/Oct/2026:10:00:00 +0900] \"GET / HTTP/1.1\" 200 1",
                    "404 page"
                ],
                "step {step}"
            );
            assert_eq!(f.framing(), Framing::Newline);
        }
        // A leading zero or more than ten digits is no octet count either.
        for input in [&b"0123 x\n"[..], b"12345678901 x\n"] {
            let mut f = Framer::new(200);
            assert_eq!(all(&mut f, input, 3).len(), 1);
            assert_eq!(f.framing(), Framing::Newline);
        }
        // Digits alone, then the end of the stream: one line.
        assert_eq!(all(&mut Framer::new(200), b"12345", 2), ["12345"]);
    }
}
