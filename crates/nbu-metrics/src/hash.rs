//! A small deterministic hasher for the job store's keys.
//!
//! The store hashes millions of job ids and short label strings per collection. The standard
//! SipHash resists flooding by untrusted keys, which these are not (they come from the NetBackup
//! primary we are configured to trust), and costs several times more per key. A fixed seed also
//! makes iteration order depend only on the operations applied, so a run can be reproduced.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Odd constant derived from the golden ratio: multiplying by it spreads every input bit upwards.
const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;

/// Multiply-rotate hasher over 64-bit words.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl WordHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SPREAD);
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Zero padding of the last word would otherwise make "a" and "a\0" collide.
        self.mix(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.mix(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn finish(&self) -> u64 {
        // Tables index by the low bits: fold the well-mixed high half into them.
        self.0 ^ (self.0 >> 32)
    }
}

/// A `HashMap` using [`WordHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn sequential_ids_land_in_distinct_low_bits() {
        let build = BuildHasherDefault::<WordHasher>::default();
        let buckets: std::collections::HashSet<u64> =
            (0..1024i64).map(|id| build.hash_one(id) & 1023).collect();
        // A perfect spread gives 1024; a poor hash collapses sequential ids into few buckets.
        assert!(
            buckets.len() > 600,
            "only {} distinct buckets",
            buckets.len()
        );
    }

    #[test]
    fn strings_that_differ_only_in_the_tail_hash_differently() {
        let build = BuildHasherDefault::<WordHasher>::default();
        assert_ne!(
            build.hash_one("policy-000000001"),
            build.hash_one("policy-000000002")
        );
        assert_ne!(build.hash_one("a"), build.hash_one("a\0"));
    }
}
