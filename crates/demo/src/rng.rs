//! The seeded random source behind every generated value.
//!
//! xoshiro256** written out here rather than `rand::rngs::SmallRng`, whose algorithm
//! `rand` documents as free to change between versions and platforms: the demo's bytes
//! (and the report snapshots built on them) must stay the same for a given seed.

use rand::RngCore;

/// A deterministic stream of random numbers; one per independent part of the dataset,
/// so adding a new part never shifts the values of another.
#[derive(Debug, Clone)]
pub(crate) struct DemoRng {
    s: [u64; 4],
}

impl DemoRng {
    /// The stream named `label` under `seed`.
    pub(crate) fn stream(seed: u64, label: &str) -> DemoRng {
        // FNV-1a of the label, mixed into the seed, expanded by SplitMix64.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut x = seed ^ h;
        let mut s = [0u64; 4];
        for v in &mut s {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            *v = z ^ (z >> 31);
        }
        DemoRng { s }
    }

    /// A uniform float in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform integer in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        // Modulo bias is below 2^-40 for the small ranges used here.
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.between(0, items.len() as u64 - 1) as usize]
    }

    /// An index drawn with probability proportional to `weights` (non-empty, sum > 0).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// An index in `0..n` skewed towards small values, so a few items are popular and
    /// most are rare (clients, products, attacker addresses).
    pub(crate) fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u) * n as f64) as usize % n.max(1)
    }

    /// `n` lowercase hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| char::from(HEX[(self.next_u32() & 15) as usize]))
            .collect()
    }

    /// `n` letters and digits, as tools use for random file names.
    pub(crate) fn alnum(&mut self, n: usize) -> String {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| char::from(ALNUM[self.between(0, ALNUM.len() as u64 - 1) as usize]))
            .collect()
    }
}

impl RngCore for DemoRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| DemoRng::stream(7, "web").next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            DemoRng::stream(7, "web").next_u64(),
            DemoRng::stream(7, "waf").next_u64()
        );
        assert_ne!(
            DemoRng::stream(7, "web").next_u64(),
            DemoRng::stream(8, "web").next_u64()
        );
    }

    #[test]
    fn weighted_never_picks_a_zero_weight() {
        let mut rng = DemoRng::stream(1, "t");
        for _ in 0..1000 {
            assert_ne!(rng.weighted(&[1.0, 0.0, 2.0]), 1);
        }
    }
}
