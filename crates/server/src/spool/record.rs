//! The spool's on-disk record: `u32 length (LE) | u32 CRC-32 of payload (LE) | payload`,
//! after an 8-byte segment magic. The payload holds the source name, the time of receipt,
//! the position in a tailed file (zero for network sources) and the message bytes.
//!
//! A crash can leave a segment's last record half-written: the bytes after the last
//! record that reads whole are a torn tail, reported so that it is cut off and never
//! half-read. Damage in the middle of a segment (a flipped bit, a bad disk block) is not
//! a tail: reading skips to the next position where a whole record with a matching
//! checksum starts, counts what it skipped, and keeps every record after it, since those
//! were acknowledged to their senders.

/// First bytes of every segment file.
pub const MAGIC: &[u8; 8] = b"KSPOOL1\n";

/// A record longer than this is corruption, not data (messages are bounded far lower).
const MAX_PAYLOAD: usize = 2 << 20;

/// One spooled event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolRecord {
    /// Source name (as configured).
    pub source: String,
    /// Time of receipt, microseconds since the epoch, UTC.
    pub received: i64,
    /// Tailed files: the file's inode; 0 otherwise.
    pub inode: u64,
    /// Tailed files: byte offset just past this line; RELP: the session's number; 0
    /// otherwise.
    pub offset: u64,
    /// Line number in the source (file line; RELP: message number in the session;
    /// otherwise message number since start).
    pub line: u64,
    /// The message text.
    pub message: Vec<u8>,
}

impl SpoolRecord {
    /// Bytes it takes in a segment.
    pub fn encoded_len(&self) -> u64 {
        (8 + 2 + self.source.len().min(u16::MAX as usize) + 8 * 4 + self.message.len()) as u64
    }

    /// A RELP message's session and number in it (`None` for other sources).
    pub fn relp(&self) -> Option<(u64, u64)> {
        (self.inode == 0 && self.offset != 0).then_some((self.offset, self.line))
    }
}

/// Appends the encoded record to `out`.
pub fn encode(
    out: &mut Vec<u8>,
    source: &str,
    received: i64,
    pos: (u64, u64, u64),
    message: &[u8],
) {
    let name = &source.as_bytes()[..source.len().min(u16::MAX as usize)];
    let len = 2 + name.len() + 8 * 4 + message.len();
    let start = out.len();
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&received.to_le_bytes());
    out.extend_from_slice(&pos.0.to_le_bytes());
    out.extend_from_slice(&pos.1.to_le_bytes());
    out.extend_from_slice(&pos.2.to_le_bytes());
    out.extend_from_slice(message);
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// What reading a segment found.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The valid records, in order.
    pub records: Vec<SpoolRecord>,
    /// Length of the file up to the end of its last whole record (magic included): what
    /// is kept when a torn tail is cut off.
    pub valid_len: u64,
    /// Why the bytes after `valid_len` do not read, when there are any.
    pub torn: Option<String>,
    /// Damaged stretches before `valid_len` that were skipped: (byte offset, length, why).
    pub skipped: Vec<(u64, u64, String)>,
}

/// Reads a whole segment file's bytes.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    if bytes.len() < MAGIC.len() {
        if !bytes.is_empty() {
            d.torn = Some(format!(
                "{} bytes, shorter than the segment header",
                bytes.len()
            ));
        }
        return d;
    }
    let mut pos = MAGIC.len();
    if &bytes[..MAGIC.len()] != MAGIC {
        // A damaged header: the records after it are still whole, look for them.
        d.skipped
            .push((0, MAGIC.len() as u64, "bad segment magic".into()));
    }
    d.valid_len = pos as u64;
    while pos < bytes.len() {
        match decode_one(&bytes[pos..]) {
            Ok((rec, used)) => {
                d.records.push(rec);
                pos += used;
                d.valid_len = pos as u64;
            }
            Err(why) => match resync(bytes, pos + 1) {
                Some(next) => {
                    d.skipped.push((pos as u64, (next - pos) as u64, why));
                    pos = next;
                }
                None => {
                    d.torn = Some(format!("at byte {pos}: {why}"));
                    break;
                }
            },
        }
    }
    if d.records.is_empty() && d.torn.is_none() && !d.skipped.is_empty() {
        d.torn = Some("no record reads".into());
        d.skipped.clear();
    }
    d
}

/// The first position at or after `from` where a whole record with a matching checksum
/// starts. A random run of bytes passes the length and CRC-32 checks with a chance of
/// about one in four billion, so a match is a record the writer wrote.
fn resync(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(8)).find(|&at| decode_one(&bytes[at..]).is_ok())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn decode_one(b: &[u8]) -> Result<(SpoolRecord, usize), String> {
    if b.len() < 8 {
        return Err(format!("{} bytes left, less than a record header", b.len()));
    }
    let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let crc = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    if !(34..=MAX_PAYLOAD).contains(&len) {
        return Err(format!("impossible record length {len}"));
    }
    let Some(payload) = b.get(8..8 + len) else {
        return Err(format!("record of {len} bytes cut off"));
    };
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch".into());
    }
    let name_len = u16::from_le_bytes([payload[0], payload[1]]) as usize;
    let fixed = 2 + name_len + 32;
    if fixed > len {
        return Err("source name runs past the record".into());
    }
    let source = String::from_utf8_lossy(&payload[2..2 + name_len]).into_owned();
    let at = 2 + name_len;
    let rec = SpoolRecord {
        source,
        received: u64_at(payload, at) as i64,
        inode: u64_at(payload, at + 8),
        offset: u64_at(payload, at + 16),
        line: u64_at(payload, at + 24),
        message: payload[fixed..].to_vec(),
    };
    Ok((rec, 8 + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(n: usize) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        for i in 0..n {
            encode(
                &mut b,
                "edge",
                i as i64,
                (7, 100 + i as u64, i as u64),
                format!("message {i}").as_bytes(),
            );
        }
        b
    }

    #[test]
    fn round_trip() {
        let d = decode(&segment(3));
        assert!(d.torn.is_none());
        assert_eq!(d.records.len(), 3);
        assert_eq!(d.records[2].message, b"message 2");
        assert_eq!(
            (d.records[2].inode, d.records[2].offset, d.records[2].line),
            (7, 102, 2)
        );
        assert_eq!(d.records[1].source, "edge");
    }

    #[test]
    fn a_torn_tail_is_cut_at_every_length() {
        let full = segment(3);
        let two = decode(&full).records.len();
        let second_end = {
            let mut b = MAGIC.to_vec();
            encode(&mut b, "edge", 0, (7, 100, 0), b"message 0");
            encode(&mut b, "edge", 1, (7, 101, 1), b"message 1");
            b.len()
        };
        assert_eq!(two, 3);
        for cut in second_end..full.len() {
            let d = decode(&full[..cut]);
            assert_eq!(d.records.len(), 2, "cut at {cut}");
            assert_eq!(d.valid_len, second_end as u64);
            assert_eq!(d.torn.is_some(), cut > second_end);
        }
    }

    #[test]
    fn a_flipped_bit_is_detected() {
        let mut b = segment(2);
        let last = b.len() - 2;
        b[last] ^= 0x20;
        let d = decode(&b);
        assert_eq!(d.records.len(), 1);
        assert!(d.torn.as_deref().is_some_and(|t| t.contains("checksum")));
        assert!(decode(b"garbage!").torn.is_some());
    }

    /// A damaged record in the middle of a segment used to be read as a torn tail, and
    /// recovery then cut off every acknowledged record after it.
    #[test]
    fn damage_in_the_middle_skips_one_record_and_keeps_the_rest() {
        let whole = segment(5);
        let third = {
            let mut b = MAGIC.to_vec();
            for i in 0..2 {
                encode(
                    &mut b,
                    "edge",
                    i,
                    (7, 100 + i as u64, i as u64),
                    format!("message {i}").as_bytes(),
                );
            }
            b.len()
        };
        // Every byte of the third record, flipped in turn: in its length, its checksum
        // or its payload.
        for at in third..third + 20 {
            let mut b = whole.clone();
            b[at] ^= 0x41;
            let d = decode(&b);
            let kept: Vec<String> = d
                .records
                .iter()
                .map(|r| String::from_utf8_lossy(&r.message).into_owned())
                .collect();
            assert_eq!(
                kept,
                ["message 0", "message 1", "message 3", "message 4"],
                "byte {at} flipped"
            );
            assert!(d.torn.is_none(), "byte {at}: {:?}", d.torn);
            assert_eq!(d.valid_len, b.len() as u64);
            assert_eq!(d.skipped.len(), 1, "byte {at}");
            assert_eq!(d.skipped[0].0, third as u64);
        }
        // A damaged magic loses nothing either.
        let mut b = whole.clone();
        b[0] = b'X';
        let d = decode(&b);
        assert_eq!(d.records.len(), 5);
        assert_eq!(d.skipped.len(), 1);
    }
}
