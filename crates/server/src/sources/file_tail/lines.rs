//! Bytes read from a log, cut into complete lines with the offset just past each.

use std::sync::atomic::Ordering;

use crate::sources::SourceEnv;

/// The complete lines of `buf` (which starts at offset `base`, after the bytes held in
/// `partial`), each with the offset just past it; the bytes after the last newline stay
/// in `partial`. An endless line is given up (counted as rejected) rather than held.
pub fn split(partial: &mut Vec<u8>, buf: &[u8], base: u64, env: &SourceEnv) -> Vec<(Vec<u8>, u64)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let mut line = std::mem::take(partial);
            line.extend_from_slice(&buf[start..i]);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push((line, base + i as u64 + 1));
            start = i + 1;
        }
    }
    partial.extend_from_slice(&buf[start..]);
    if partial.len() > env.max_message {
        let c = env.counters();
        c.received.fetch_add(1, Ordering::Relaxed);
        c.rejected.fetch_add(1, Ordering::Relaxed);
        lines.push((Vec::new(), base + buf.len() as u64));
        partial.clear();
    }
    lines
}
