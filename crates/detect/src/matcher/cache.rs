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

/// FxHash-style: a multiply per 8 bytes is enough to spread log text over the table.
pub(crate) fn hash(zone: Zone, text: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut h = (zone as u64 + 1).wrapping_mul(K);
    let mut chunks = text.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    let rest = chunks.remainder();
    w[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w) ^ text.len() as u64).wrapping_mul(K);
    h ^ (h >> 29)
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
