//! A tiny deterministic pseudo-random generator (SplitMix64).
//!
//! The simulator must produce the same estate for the same seed on every platform and every run, and
//! it must not depend on `rand`'s algorithm choices changing between versions: SplitMix64 is ten lines
//! and fully specified.

/// SplitMix64 state. Not cryptographic; statistically good enough for realistic-looking data.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a strong 64-bit mixer, also used to derive stable per-record values.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable hash of `(seed, salt, value)`: per-job facts (planned duration, final status) derive from it
/// so that they need no storage and do not depend on the order in which live changes happen.
pub(crate) fn hash3(seed: u64, salt: u64, value: u64) -> u64 {
    mix64(seed ^ mix64(salt.wrapping_add(GOLDEN_GAMMA) ^ mix64(value)))
}

impl SplitMix64 {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// A uniform value in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for simulation data and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform value in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index into `weights`, chosen with probability proportional to each weight.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut pick = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if pick < w {
                return i;
            }
            pick -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// A uniformly chosen element of `items` (`None` when empty).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_bounds_hold() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        for _ in 0..1000 {
            let x = a.below(7);
            assert_eq!(x, b.below(7));
            assert!(x < 7);
            let u = a.unit();
            assert_eq!(u.to_bits(), b.unit().to_bits());
            assert!((0.0..1.0).contains(&u));
        }
        assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    }

    #[test]
    fn weighted_never_picks_zero_weight() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            assert_ne!(rng.weighted(&[5, 0, 3]), 1);
        }
    }
}
