//! Cutting a byte stream into chunks of whole lines, with bounded memory: a line longer
//! than [`MAX_LINE`] is not buffered whole; only its head is kept, to be rejected.

use std::io::{self, Read};
use std::ops::Range;

use kansoku_parse::MAX_LINE;

/// Bytes read per chunk (a chunk ends at a line boundary after this).
const TARGET: usize = 2 << 20;
/// Bytes of a too-long line kept for the reject record.
pub const HEAD: usize = 4096;

/// A line of a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// An ordinary line: its 1-based number and bytes in `Chunk::data` (terminator removed).
    Text(u64, Range<usize>),
    /// A line longer than `MAX_LINE`: number, full length, and its first bytes.
    TooLong(u64, u64, Vec<u8>),
}

/// Whole lines read from a stream.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Sequence number, from 0.
    pub seq: u64,
    /// The bytes the `Text` lines point into.
    pub data: Vec<u8>,
    /// Lines in order; empty lines are skipped.
    pub lines: Vec<Line>,
    /// Stream offset just past the last line of this chunk.
    pub end_offset: u64,
    /// Number of the last line of this chunk (0 if none yet).
    pub last_line: u64,
}

/// Cuts a stream into chunks.
pub struct Chunker<R> {
    reader: R,
    carry: Vec<u8>,
    /// A too-long line in progress: number, length so far, head.
    discarding: Option<(u64, u64, Vec<u8>)>,
    offset: u64,
    line: u64,
    seq: u64,
    eof: bool,
    /// Leave bytes after the last newline unread at the end (a file still written).
    hold_tail: bool,
}

impl<R: Read> Chunker<R> {
    /// A chunker over `reader`, whose first byte is at stream `offset` and line `line + 1`.
    pub fn new(reader: R, offset: u64, line: u64) -> Self {
        Chunker {
            reader,
            carry: Vec::new(),
            discarding: None,
            offset,
            line,
            seq: 0,
            eof: false,
            hold_tail: false,
        }
    }

    /// Leaves the bytes after the stream's last newline unread: in a file that is still
    /// being written they are the head of a line whose rest is still to come, so they are
    /// neither a line nor committed, and the next run reads the whole line.
    pub fn holding_partial_tail(mut self, hold: bool) -> Self {
        self.hold_tail = hold;
        self
    }

    /// Sequence number the next chunk will have.
    pub fn next_seq(&self) -> u64 {
        self.seq
    }

    /// The next chunk, or `None` at the end of the stream.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.eof && self.carry.is_empty() && self.discarding.is_none() {
            return Ok(None);
        }
        let mut data = std::mem::take(&mut self.carry);
        data.reserve(TARGET + 64 * 1024);
        let mut scanned = 0;
        let mut chunk = Chunk::default();
        // Read until the chunk holds at least one whole line and TARGET bytes, or EOF.
        loop {
            if !self.eof && (data.len() < TARGET || chunk.lines.is_empty()) {
                let start = data.len();
                data.resize(start + 256 * 1024, 0);
                let n = match self.reader.read(&mut data[start..]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
                    Err(e) => {
                        data.truncate(start);
                        self.carry = data[scanned..].to_vec();
                        return Err(e);
                    }
                };
                data.truncate(start + n);
                if n == 0 {
                    self.eof = true;
                }
            }
            self.split(&data, &mut scanned, &mut chunk);
            if self.eof || (data.len() >= TARGET && !chunk.lines.is_empty()) {
                break;
            }
            // A long partial line with no newline yet: move to discarding mode.
            if self.discarding.is_none() && data.len() - scanned > MAX_LINE {
                let rest = &data[scanned..];
                self.discarding = Some((self.line + 1, rest.len() as u64, rest[..HEAD].to_vec()));
                self.offset += rest.len() as u64;
                data.truncate(scanned);
            } else if let Some(d) = self.discarding.as_mut() {
                d.1 += (data.len() - scanned) as u64;
                self.offset += (data.len() - scanned) as u64;
                data.truncate(scanned);
            }
        }
        if self.eof && self.hold_tail && self.discarding.is_none() {
            // A line still being written: left for the next run, not committed.
            data.truncate(scanned);
        } else if self.eof {
            // The last line may lack its newline: it is still a line.
            if let Some((no, len, head)) = self.discarding.take() {
                self.line = no;
                chunk
                    .lines
                    .push(Line::TooLong(no, len + (data.len() - scanned) as u64, head));
                self.offset += (data.len() - scanned) as u64;
            } else if scanned < data.len() {
                self.line += 1;
                let end = trim_cr(&data, scanned, data.len());
                self.offset += (data.len() - scanned) as u64;
                if end > scanned {
                    chunk.lines.push(Line::Text(self.line, scanned..end));
                }
            }
            scanned = data.len();
        }
        self.carry = data[scanned..].to_vec();
        data.truncate(scanned);
        chunk.data = data;
        chunk.seq = self.seq;
        self.seq += 1;
        chunk.end_offset = self.offset;
        chunk.last_line = self.line;
        Ok(Some(chunk))
    }

    /// Splits complete lines in `data[*scanned..]` into `chunk`.
    fn split(&mut self, data: &[u8], scanned: &mut usize, chunk: &mut Chunk) {
        while let Some(nl) = memchr::memchr(b'\n', &data[*scanned..]) {
            let end = *scanned + nl;
            self.line += 1;
            if let Some((no, len, head)) = self.discarding.take() {
                chunk.lines.push(Line::TooLong(no, len + nl as u64, head));
            } else if nl > MAX_LINE {
                chunk.lines.push(Line::TooLong(
                    self.line,
                    nl as u64,
                    data[*scanned..*scanned + HEAD].to_vec(),
                ));
            } else {
                let line_end = trim_cr(data, *scanned, end);
                if line_end > *scanned {
                    chunk.lines.push(Line::Text(self.line, *scanned..line_end));
                }
            }
            self.offset += nl as u64 + 1;
            *scanned = end + 1;
        }
    }
}

fn trim_cr(data: &[u8], start: usize, end: usize) -> usize {
    if end > start && data[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> (Vec<(u64, String)>, u64) {
        let mut c = Chunker::new(input, 0, 0);
        let mut out = Vec::new();
        let mut end = 0;
        while let Some(chunk) = c.next_chunk().expect("read") {
            for l in &chunk.lines {
                match l {
                    Line::Text(n, r) => out.push((
                        *n,
                        String::from_utf8_lossy(&chunk.data[r.clone()]).into_owned(),
                    )),
                    Line::TooLong(n, len, _) => out.push((*n, format!("<{len}>"))),
                }
            }
            end = chunk.end_offset;
        }
        (out, end)
    }

    #[test]
    fn lines_numbers_and_offsets() {
        let (lines, end) = all(b"a\r\n\nbb\nccc");
        assert_eq!(
            lines,
            vec![(1, "a".into()), (3, "bb".into()), (4, "ccc".into())]
        );
        assert_eq!(end, 10);
    }

    #[test]
    fn a_huge_line_is_reported_not_buffered() {
        let mut input = b"first\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE));
        input.extend(b"\nlast\n");
        let (lines, end) = all(&input);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], (2, format!("<{}>", 3 * MAX_LINE)));
        assert_eq!(lines[2], (3, "last".into()));
        assert_eq!(end, input.len() as u64);
    }

    /// A line being written while the file is read (no newline yet) was read as a line,
    /// rejected, and its rest became a second broken line on the next run.
    #[test]
    fn a_held_tail_is_neither_a_line_nor_committed() {
        let input = b"one\ntwo\nthr";
        let mut c = Chunker::new(&input[..], 0, 0).holding_partial_tail(true);
        let chunk = c.next_chunk().expect("read").expect("chunk");
        assert_eq!(chunk.lines.len(), 2);
        assert_eq!((chunk.end_offset, chunk.last_line), (8, 2));
        assert!(c.next_chunk().expect("read").is_none());
        // The next run starts at the committed offset and reads the completed line.
        let rest = b"three\n";
        let mut c = Chunker::new(&rest[..], 8, 2).holding_partial_tail(true);
        let chunk = c.next_chunk().expect("read").expect("chunk");
        assert_eq!(chunk.lines, [Line::Text(3, 0..5)]);
        assert_eq!(chunk.end_offset, 14);
        // Not held (a closed file, or --final): the partial line is the last line.
        let mut c = Chunker::new(&input[..], 0, 0);
        assert_eq!(c.next_chunk().expect("read").expect("chunk").lines.len(), 3);
    }

    #[test]
    fn many_chunks_keep_every_line() {
        let text: String = (0..200_000).map(|i| format!("line {i}\n")).collect();
        let (lines, end) = all(text.as_bytes());
        assert_eq!(lines.len(), 200_000);
        assert_eq!(lines[199_999], (200_000, "line 199999".into()));
        assert_eq!(end, text.len() as u64);
    }
}
