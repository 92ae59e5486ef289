//! Random streams: one ChaCha12 stream per (master seed, replication, stream name), derived by documented mixing functions.
//!
//! # Derivation
//!
//! A stream is a ChaCha12 generator (`rand_chacha::ChaCha12Rng`, the algorithm behind
//! `rand`'s `StdRng`) selected by a 256-bit key and a 64-bit stream number:
//!
//! ```text
//! splitmix64(x) = mix(x + 0x9E3779B97F4A7C15)                (wrapping add)
//! mix(z): z ← (z ⊕ z≫30)·0xBF58476D1CE4E5B9; z ← (z ⊕ z≫27)·0x94D049BB133111EB; z ⊕ z≫31
//!
//! k0 = splitmix64(seed)
//! k1 = splitmix64(replication ⊕ 0xD1B54A32D192ED03)
//! k2 = splitmix64(k0 ⊕ rotl(k1, 32))
//! k3 = splitmix64(k2)
//! key = k0 ‖ k1 ‖ k2 ‖ k3   (each little-endian)
//!
//! stream = fnv1a64(name)    (FNV-1a, 64 bit: h ← 0xCBF29CE484222325; per byte h ← (h ⊕ b)·0x100000001B3)
//! ```
//!
//! `mix` is a bijection of `u64`, so `(k0, k1)` and hence the key differ for every distinct
//! (seed, replication) pair; ChaCha's stream number separates models under one key. So:
//!
//! - a model's draws depend only on (seed, replication, its own name): adding, removing or
//!   reordering other models never changes them;
//! - every strategy of one replication sees the same random world (common random numbers)
//!   as long as its models keep their names;
//! - the names are hashed with FNV-1a, which is fixed by its definition and does not change
//!   between Rust versions or runs (unlike `std`'s `RandomState`).
//!
//! ```
//! use gridsim_sim::rng::RandomStreams;
//! use rand::Rng;
//! let world = RandomStreams::new(42, 7);
//! let mut pv = world.stream("pv/bus14");
//! let mut again = RandomStreams::new(42, 7).stream("pv/bus14");
//! let x: f64 = pv.random();
//! assert_eq!(x, again.random::<f64>());
//! assert_ne!(x, world.stream("wind/farm3").random::<f64>());
//! ```

use rand::SeedableRng;
use rand_chacha::ChaCha12Rng;

/// The generator type of every stream (ChaCha12, stream-selectable, reproducible on every
/// platform).
pub type StreamRng = ChaCha12Rng;

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const REPLICATION_SALT: u64 = 0xD1B5_4A32_D192_ED03;
const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

/// SplitMix64's output function applied to `x + 0x9E3779B97F4A7C15`: a bijective mixer of
/// `u64` (Steele, Lea & Flood 2014; the finaliser of `java.util.SplittableRandom`).
pub const fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64-bit hash of `name`'s UTF-8 bytes: the stable hash that turns a model name into
/// a stream number.
pub const fn fnv1a64(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut h = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    h
}

/// The 256-bit ChaCha key of a (master seed, replication) pair (see the module docs).
pub fn replication_key(seed: u64, replication: u64) -> [u8; 32] {
    let k0 = splitmix64(seed);
    let k1 = splitmix64(replication ^ REPLICATION_SALT);
    let k2 = splitmix64(k0 ^ k1.rotate_left(32));
    let k3 = splitmix64(k2);
    let mut key = [0u8; 32];
    for (chunk, k) in key.chunks_exact_mut(8).zip([k0, k1, k2, k3]) {
        chunk.copy_from_slice(&k.to_le_bytes());
    }
    key
}

/// The stream number of a name: `fnv1a64(name)`.
///
/// ```
/// use gridsim_sim::rng::StreamId;
/// // FNV-1a test vector: "a" hashes to 0xaf63dc4c8601ec8c.
/// assert_eq!(StreamId::from_name("a").get(), 0xaf63dc4c8601ec8c);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId(u64);

impl StreamId {
    /// The stream of a stable name (a model name, or any label such as `"failures"`).
    pub const fn from_name(name: &str) -> Self {
        StreamId(fnv1a64(name))
    }
    /// A stream number given directly.
    pub const fn from_raw(stream: u64) -> Self {
        StreamId(stream)
    }
    /// The 64-bit stream number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// The random world of one replication: hands out independent streams by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomStreams {
    seed: u64,
    replication: u64,
    key: [u8; 32],
}

impl RandomStreams {
    /// The streams of replication `replication` of a study with master seed `seed`.
    pub fn new(seed: u64, replication: u64) -> Self {
        RandomStreams {
            seed,
            replication,
            key: replication_key(seed, replication),
        }
    }
    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The replication number.
    pub fn replication(&self) -> u64 {
        self.replication
    }
    /// A fresh generator for the stream `id`, at its start.
    pub fn stream_by_id(&self, id: StreamId) -> StreamRng {
        let mut rng = StreamRng::from_seed(self.key);
        rng.set_stream(id.get());
        rng
    }
    /// A fresh generator for the stream named `name` (`stream_by_id(StreamId::from_name(name))`).
    pub fn stream(&self, name: &str) -> StreamRng {
        self.stream_by_id(StreamId::from_name(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, RngCore};

    #[test]
    fn mixers_match_published_test_vectors() {
        // FNV-1a 64 test vectors (Fowler–Noll–Vo reference suite).
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64("foobar"), 0x8594_4171_f739_67e8);
        // First output of SplitMix64 seeded with 0 (reference implementation by Vigna).
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn keys_differ_for_distinct_seed_replication_pairs() {
        let pairs = [(0, 0), (0, 1), (1, 0), (1, 1), (u64::MAX, 0), (0, u64::MAX)];
        for (i, a) in pairs.iter().enumerate() {
            for b in &pairs[i + 1..] {
                assert_ne!(replication_key(a.0, a.1), replication_key(b.0, b.1));
            }
        }
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let w = RandomStreams::new(2026, 3);
        let draw = |mut r: StreamRng| -> Vec<u64> { (0..4).map(|_| r.next_u64()).collect() };
        assert_eq!(
            draw(w.stream("ev")),
            draw(RandomStreams::new(2026, 3).stream("ev"))
        );
        assert_ne!(draw(w.stream("ev")), draw(w.stream("pv")));
        assert_ne!(
            draw(w.stream("ev")),
            draw(RandomStreams::new(2026, 4).stream("ev"))
        );
        assert_ne!(
            draw(w.stream("ev")),
            draw(RandomStreams::new(2027, 3).stream("ev"))
        );
        let u: f64 = w.stream("ev").random();
        assert!((0.0..1.0).contains(&u));
    }
}
