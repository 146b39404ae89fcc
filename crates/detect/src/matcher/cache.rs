//! Remembers, per zone, which rules a zone's text made candidates. Logs repeat: in a
//! day of real Apache traffic one user agent or referer in twenty is new, and a request
//! line one in six, so most zones skip decoding and the automaton pass entirely. The
//! candidates of a zone depend only on its text and the compiled rules, which makes the
//! memo exact; it is a fixed-size table (older entries are overwritten), so memory stays
//! bounded whatever the traffic.

use crate::model::Zone;

/// Entries in the table (a power of two).
const SIZE: usize = 4096;

/// Longest text remembered; longer ones are rare and would only evict useful entries.
const MAX_KEY: usize = 512;

#[derive(Debug, Default, Clone)]
struct Entry {
    hash: u64,
    zone: u8,
    key: Vec<u8>,
    rules: Vec<u32>,
}

/// Per-thread memo of zone text → candidate rules.
#[derive(Debug, Default)]
pub(crate) struct ZoneCache {
    entries: Vec<Entry>,
    /// Address of the engine the entries were computed for.
    engine: usize,
}

/// Up to 8 bytes as a little-endian word. A whole word is a plain load; only the tail
/// takes the variable-length copy (which compiles to a `memcpy` call).
fn word(b: &[u8]) -> u64 {
    if let Ok(w) = <[u8; 8]>::try_from(b) {
        return u64::from_le_bytes(w);
    }
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// A multiply-rotate hash over four independent lanes of 8 bytes, so that the work per
/// 32 bytes overlaps instead of waiting on one long chain of multiplications.
pub(crate) fn hash(zone: Zone, text: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let seed = (zone as u64 + 1).wrapping_mul(K) ^ text.len() as u64;
    let mut lanes = [seed, seed ^ K, seed.rotate_left(17), seed.rotate_left(41)];
    let mut blocks = text.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = (*lane ^ word(w)).wrapping_mul(K).rotate_left(29);
        }
    }
    for (lane, w) in lanes.iter_mut().zip(blocks.remainder().chunks(8)) {
        *lane = (*lane ^ word(w)).wrapping_mul(K).rotate_left(29);
    }
    let h = lanes
        .iter()
        .fold(seed, |h, &l| (h.rotate_left(23) ^ l).wrapping_mul(K));
    h ^ (h >> 32)
}

impl ZoneCache {
    /// Empties the table when it was filled for another engine.
    pub fn bind(&mut self, engine: usize) {
        if self.engine != engine {
            self.engine = engine;
            self.entries.clear();
        }
        if self.entries.is_empty() {
            self.entries.resize(SIZE, Entry::default());
        }
    }

    fn slot(hash: u64) -> usize {
        (hash as usize) & (SIZE - 1)
    }

    /// The candidates remembered for `text` in `zone`.
    pub fn get(&self, zone: Zone, hash: u64, text: &[u8]) -> Option<&[u32]> {
        let e = self.entries.get(Self::slot(hash))?;
        (e.hash == hash && e.zone == zone as u8 && e.key == text).then_some(e.rules.as_slice())
    }

    /// Remembers the candidates of `text` in `zone`.
    pub fn put(&mut self, zone: Zone, hash: u64, text: &[u8], rules: &[u32]) {
        if text.len() > MAX_KEY {
            return;
        }
        if let Some(e) = self.entries.get_mut(Self::slot(hash)) {
            e.hash = hash;
            e.zone = zone as u8;
            e.key.clear();
            e.key.extend_from_slice(text);
            e.rules.clear();
            e.rules.extend_from_slice(rules);
        }
    }
}
