//! snarkjs's deterministic randomness, reproduced bit for bit: its ChaCha20
//! stream (seeded from a hash read as eight big-endian words), how
//! ffjavascript draws field elements and curve points from it, and the
//! hash-to-G2 of a phase-2 contribution's transcript. Verifying a snarkjs
//! contribution needs exactly these (the G2 point is not stored).
use super::binfile::{fq2_is_negative, fq_is_negative};
use ark_bn254::{g1, g2, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, PrimeField};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// ffjavascript's `ChaCha`, seeded with eight 32-bit words.
pub struct FfRng(ChaCha20Rng);

impl FfRng {
    /// Seeds from the first 32 bytes of `hash`, read as big-endian words.
    pub fn from_hash(hash: &[u8]) -> Self {
        let mut key = [0u8; 32];
        for i in 0..8 {
            let w = u32::from_be_bytes([
                hash[4 * i],
                hash[4 * i + 1],
                hash[4 * i + 2],
                hash[4 * i + 3],
            ]);
            key[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        Self(ChaCha20Rng::from_seed(key))
    }
    fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn u64(&mut self) -> u64 {
        let hi = self.u32() as u64;
        (hi << 32) | self.u32() as u64
    }
    fn bool(&mut self) -> bool {
        self.u32() & 1 == 1
    }
    /// 254 random bits below `modulus`, by rejection, as ffjavascript draws them.
    fn raw_below(&mut self, modulus: BigInt<4>) -> BigInt<4> {
        loop {
            let mut v = BigInt([self.u64(), self.u64(), self.u64(), self.u64()]);
            v.0[3] &= (1u64 << 62) - 1;
            if v < modulus {
                return v;
            }
        }
    }
    /// `Fr.fromRng`: the raw bits are taken as a Montgomery representation.
    pub fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.raw_below(Fr::MODULUS))
    }
    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.raw_below(Fq::MODULUS))
    }
    /// `G1.fromRng`.
    pub fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.bool();
            let rhs = x.square() * x + g1::Config::COEFF_B;
            if let Some(mut y) = rhs.sqrt() {
                if greatest ^ fq_is_negative(&y) {
                    y = -y;
                }
                return G1Affine::new_unchecked(x, y);
            }
        }
    }
    /// `G2.fromRng` (the point times the G2 cofactor).
    pub fn g2(&mut self) -> G2Affine {
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.bool();
            let rhs = x.square() * x + g2::Config::COEFF_B;
            if let Some(mut y) = rhs.sqrt() {
                if greatest ^ fq2_is_negative(&y) {
                    y = -y;
                }
                let p = G2Affine::new_unchecked(x, y);
                return p.mul_bigint(G2_COFACTOR).into_affine();
            }
        }
    }
}

/// ffjavascript's BN254 G2 cofactor (`2q − r`), little-endian bytes.
const G2_COFACTOR: BigInt<4> = BigInt([
    0x345f2299c0f9fa8d,
    0x06ceecda572a2489,
    0xb85045b68181585e,
    0x30644e72e131a029,
]);

/// snarkjs's `hashToG2(transcript)`.
pub fn hash_to_g2(transcript: &[u8]) -> G2Affine {
    FfRng::from_hash(transcript).g2()
}

/// snarkjs's beacon randomness: `SHA-256` iterated `2^exp` times over the
/// beacon hash, then a ChaCha stream seeded from the result.
pub fn beacon_rng(beacon_hash: &[u8], exp: u32) -> FfRng {
    use sha2::{Digest, Sha256};
    let mut h = beacon_hash.to_vec();
    for _ in 0..(1u64 << exp) {
        h = Sha256::digest(&h).to_vec();
    }
    FfRng::from_hash(&h)
}
