//! Start-up: what the spool holds after a stop or a crash.
//!
//! Segments numbered below the flush checkpoint are in the lake already (the server died
//! between committing and deleting them) and are deleted. Every other segment is replayed:
//! its valid records are kept (damage in the middle of a segment is skipped and noted, see
//! [`record`]), a torn tail (a record the crash cut, never acknowledged) is truncated off,
//! and the positions of tailed files found in it are returned so that tailing resumes
//! after the last line the spool holds.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::record::{self, SpoolRecord};
use super::{Sealed, segment_path};

/// What recovery found.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Segments to flush, in order.
    pub segments: Vec<Sealed>,
    /// Number for the next new segment.
    pub next_seq: u64,
    /// Per tailed source: (inode, offset, line) of the last line the spool holds.
    pub tails: HashMap<String, (u64, u64, u64)>,
    /// RELP messages the spool holds, in order: (source, session, number, digest), to
    /// rebuild what was sent before the stop (see `sources::relp::resend`).
    pub relp: Vec<(String, u64, u64, u128)>,
    /// Messages for the operator (flushed segments removed, torn tails cut).
    pub notes: Vec<String>,
    /// Bytes of unflushed segments.
    pub bytes: u64,
    /// Of those, each source's records.
    pub per_source: HashMap<String, u64>,
}

/// Scans `dir`; `flushed_below` is the first segment number not yet in the lake.
pub fn recover(dir: &Path, flushed_below: u64) -> std::io::Result<Recovered> {
    fs::create_dir_all(dir)?;
    let mut seqs: Vec<u64> = fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.strip_prefix("seg-")?
                .strip_suffix(".spool")?
                .parse()
                .ok()
        })
        .collect();
    seqs.sort_unstable();
    let mut r = Recovered {
        next_seq: flushed_below,
        ..Recovered::default()
    };
    for seq in seqs {
        let path = segment_path(dir, seq);
        r.next_seq = r.next_seq.max(seq + 1);
        if seq < flushed_below {
            fs::remove_file(&path)?;
            r.notes
                .push(format!("segment {seq} was already in the lake; removed"));
            continue;
        }
        let bytes = fs::read(&path)?;
        let decoded = record::decode(&bytes);
        for (at, len, why) in &decoded.skipped {
            r.notes.push(format!(
                "segment {seq}: {len} damaged bytes at byte {at} skipped ({why}); the records after them are kept"
            ));
        }
        if let Some(why) = &decoded.torn {
            r.notes.push(format!(
                "segment {seq}: torn tail {why}; {} bytes after the last whole record dropped",
                bytes.len() as u64 - decoded.valid_len
            ));
            let f = fs::OpenOptions::new().write(true).open(&path)?;
            f.set_len(decoded.valid_len)?;
            f.sync_all()?;
        }
        if decoded.records.is_empty() {
            fs::remove_file(&path)?;
            continue;
        }
        note_tails(&decoded.records, &mut r.tails);
        for rec in &decoded.records {
            *r.per_source.entry(rec.source.clone()).or_insert(0) += rec.encoded_len();
            if let Some((session, seq)) = rec.relp() {
                let digest = crate::sources::relp::resend::digest(rec.received, &rec.message);
                r.relp.push((rec.source.clone(), session, seq, digest));
            }
        }
        r.bytes += decoded.valid_len;
        r.segments.push(Sealed {
            seq,
            path,
            bytes: decoded.valid_len,
        });
    }
    Ok(r)
}

fn note_tails(records: &[SpoolRecord], tails: &mut HashMap<String, (u64, u64, u64)>) {
    for rec in records.iter().filter(|r| r.inode != 0) {
        tails.insert(rec.source.clone(), (rec.inode, rec.offset, rec.line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_segment(dir: &Path, seq: u64, lines: &[&str], torn: bool) {
        let mut b = record::MAGIC.to_vec();
        for (i, l) in lines.iter().enumerate() {
            record::encode(
                &mut b,
                "f",
                0,
                (9, 10 * (i as u64 + 1), i as u64 + 1),
                l.as_bytes(),
            );
        }
        if torn {
            b.extend_from_slice(&[40, 0, 0, 0, 1, 2]);
        }
        fs::write(segment_path(dir, seq), b).expect("write");
    }

    #[test]
    fn flushed_segments_go_and_torn_tails_are_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_segment(dir.path(), 3, &["a"], false);
        write_segment(dir.path(), 4, &["b", "c"], false);
        write_segment(dir.path(), 5, &["d"], true);
        let r = recover(dir.path(), 4).expect("recover");
        assert!(!segment_path(dir.path(), 3).exists());
        assert_eq!(r.segments.iter().map(|s| s.seq).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(r.next_seq, 6);
        assert_eq!(r.tails.get("f"), Some(&(9, 10, 1)));
        assert!(
            r.notes.iter().any(|n| n.contains("torn tail")),
            "{:?}",
            r.notes
        );
        let again = record::decode(&fs::read(segment_path(dir.path(), 5)).expect("read"));
        assert!(again.torn.is_none());
        assert_eq!(again.records.len(), 1);
        let empty = tempfile::tempdir().expect("tempdir");
        assert_eq!(recover(empty.path(), 7).expect("recover").next_seq, 7);
    }
}
