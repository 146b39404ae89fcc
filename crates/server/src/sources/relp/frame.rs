//! RELP framing: a frame is `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, answered by
//! `TXNR rsp DATALEN CODE [SP TEXT] LF`. Parsed incrementally from a read buffer, with
//! every field bounded; a stream that cannot be RELP is an error and closes the session.

/// A frame as a client writes it: `TXNR COMMAND LEN [SP DATA] LF`.
pub fn encode(txnr: u64, command: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{txnr} {command} {}", data.len()).into_bytes();
    if !data.is_empty() {
        out.push(b' ');
        out.extend_from_slice(data);
    }
    out.push(b'\n');
    out
}

/// Why a byte stream is not (or no longer) a RELP session; the session is then closed.
#[derive(Debug, thiserror::Error)]
pub enum RelpError {
    /// A field of the frame header is empty.
    #[error("empty {0}")]
    Empty(&'static str),
    /// A field of the frame header is longer than it may be.
    #[error("{what} longer than {max} bytes")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its bound.
        max: usize,
    },
    /// A numeric field is not a number.
    #[error("{0} is not a number")]
    NotANumber(&'static str),
    /// The command is not a word of letters.
    #[error("the command is not a word")]
    Command,
    /// A separator or part is missing.
    #[error("no {0}")]
    Missing(&'static str),
    /// A frame announces more data than a message may have.
    #[error("a frame of {len} bytes (more than {max})")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The frame's data is not followed by its newline.
    #[error("the frame does not end with a newline")]
    NoNewline,
    /// The answers could not be sent.
    #[error("answering the client")]
    Answer(#[source] std::io::Error),
}

/// One RELP frame, borrowed from the read buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Transaction number, echoed in the answer.
    pub txnr: u64,
    /// `open`, `syslog`, `close`, …
    pub command: &'a str,
    /// The frame's data.
    pub data: &'a [u8],
}

/// The first frame in `buf` and the bytes it takes, `Ok(None)` when it is not complete
/// yet, or why the stream cannot be a RELP stream (the session is then closed).
pub fn frame(buf: &[u8], max_data: usize) -> Result<Option<(Frame<'_>, usize)>, RelpError> {
    let mut pos = 0;
    let Some(txnr) = field(buf, &mut pos, "transaction number", 9)? else {
        return Ok(None);
    };
    let txnr = number(txnr).ok_or(RelpError::NotANumber("transaction number"))?;
    if !space(buf, &mut pos) {
        return Err(RelpError::Missing("command after the transaction number"));
    }
    let Some(command) = field(buf, &mut pos, "command", 32)? else {
        return Ok(None);
    };
    let command = std::str::from_utf8(command)
        .ok()
        .filter(|c| c.bytes().all(|b| b.is_ascii_alphabetic()))
        .ok_or(RelpError::Command)?;
    if !space(buf, &mut pos) {
        return Err(RelpError::Missing("data length after the command"));
    }
    let Some(len) = field(buf, &mut pos, "data length", 9)? else {
        return Ok(None);
    };
    let len = number(len).ok_or(RelpError::NotANumber("data length"))? as usize;
    if len > max_data {
        return Err(RelpError::TooLarge { len, max: max_data });
    }
    let data = if len == 0 {
        &buf[pos..pos]
    } else {
        if pos == buf.len() {
            return Ok(None);
        }
        if !space(buf, &mut pos) {
            return Err(RelpError::Missing("data after the data length"));
        }
        let Some(data) = buf.get(pos..pos + len) else {
            return Ok(None);
        };
        pos += len;
        data
    };
    match buf.get(pos) {
        None => Ok(None),
        Some(b'\n') => Ok(Some((
            Frame {
                txnr,
                command,
                data,
            },
            pos + 1,
        ))),
        Some(_) => Err(RelpError::NoNewline),
    }
}

/// The bytes from `pos` to the next space or newline (at most `max`), moving `pos` there;
/// `Ok(None)` when the buffer ends first.
fn field<'a>(
    buf: &'a [u8],
    pos: &mut usize,
    what: &'static str,
    max: usize,
) -> Result<Option<&'a [u8]>, RelpError> {
    let rest = &buf[*pos..];
    match rest
        .iter()
        .take(max + 1)
        .position(|&b| b == b' ' || b == b'\n')
    {
        Some(0) => Err(RelpError::Empty(what)),
        Some(n) => {
            *pos += n;
            Ok(Some(&rest[..n]))
        }
        None if rest.len() > max => Err(RelpError::TooLong { what, max }),
        None => Ok(None),
    }
}

/// Steps over the space at `pos`, if there is one.
fn space(buf: &[u8], pos: &mut usize) -> bool {
    let there = buf.get(*pos) == Some(&b' ');
    if there {
        *pos += 1;
    }
    there
}

fn number(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The answer to transaction `txnr`: `TXNR rsp LEN [SP TEXT] LF`.
pub(super) fn answer(out: &mut Vec<u8>, txnr: u64, text: &str) {
    if text.is_empty() {
        out.extend_from_slice(format!("{txnr} rsp 0\n").as_bytes());
    } else {
        out.extend_from_slice(format!("{txnr} rsp {} {text}\n", text.len()).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_across_any_split() {
        let offers = b"relp_version=0\nrelp_software=librelp,1.11.0\ncommands=syslog";
        let bytes = [
            encode(1, "open", offers),
            encode(
                2,
                "syslog",
                b"<13>Oct  1 01:00:00 web1 nginx: a line\nwith a newline",
            ),
            encode(3, "close", b""),
        ]
        .concat();
        let mut got = Vec::new();
        let mut used = 0;
        while let Some((f, n)) = frame(&bytes[used..], 1000).expect("valid") {
            got.push((f.txnr, f.command.to_string(), f.data.len()));
            used += n;
        }
        assert_eq!(used, bytes.len());
        assert_eq!(
            got,
            [
                (1, "open".into(), offers.len()),
                (2, "syslog".into(), 53),
                (3, "close".into(), 0)
            ]
        );
        for cut in 0..bytes.len() {
            // A prefix yields the frames it holds whole and waits for the rest.
            let mut used = 0;
            let mut whole = 0;
            while let Some((_, n)) = frame(&bytes[used..cut], 1000).expect("a prefix is valid") {
                used += n;
                whole += 1;
            }
            assert!(whole <= 3, "cut {cut}");
        }
    }

    #[test]
    fn hostile_frames_are_refused() {
        for bad in [
            &b"x open 0\n"[..],
            b"1 op3n 0\n",
            b"1 syslog 99999999999 a\n",
            b"1 syslog 5 <13>abc\n",
            b"1 syslog 3 abcX",
            b"1234567890123 open 0\n",
        ] {
            assert!(
                frame(bad, 1000).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(frame(b"1 syslog 2000 ", 1000).is_err(), "over the bound");
    }
}
