//! EdDSA on Baby Jubjub with a Poseidon challenge — the auditors' signatures.
//!
//! Curve: `ark-ed-on-bn254` (Baby Jubjub in its `a = 1` twisted Edwards model,
//! birationally equal to circomlib's `a = 168700` model; coordinates are over
//! the BN254 scalar field, so points are native circuit values). `B` is the
//! curve's prime-order generator, `l` the subgroup order (≈ 2^250.6).
//!
//! * key: `sk = SHA-512("zkcc eddsa key v1" ‖ seed) mod l`, `A = sk·B`;
//! * sign `M ∈ F_r`: `r = SHA-512("zkcc eddsa nonce v1" ‖ seed ‖ M) mod l`,
//!   `R = r·B`, `h = Poseidon(R.x, R.y, A.x, A.y, M)`, `S = r + h·sk mod l`;
//! * verify: `S < l`, `R` and `A` on the curve and in the prime-order subgroup,
//!   `S·B = R + h·A` (h taken as an integer < r).
//!
//! The strict checks (canonical `S`, no torsion in `R` or `A`) make signatures
//! non-malleable: `(R, S + l)` and `(R + T, S)` for a small-order `T` are rejected
//! natively and in the circuit.
use crate::encoding::{be_bytes_from_hex, fr_from_hex, fr_to_hex};
use crate::error::EncodingError;
use crate::poseidon;
use ark_bn254::Fr;
use ark_ec::{twisted_edwards::TECurveConfig, AffineRepr, CurveGroup};
use ark_ed_on_bn254::{EdwardsAffine, EdwardsConfig, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, BigInteger256, PrimeField};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Bits used for `S` in the circuit: `l < 2^251`.
pub const S_BITS: usize = 251;

/// An auditor's secret key (the seed it was derived from).
#[derive(Clone)]
pub struct SecretKey {
    seed: [u8; 32],
    scalar: Scalar,
}

impl Drop for SecretKey {
    /// The seed and the scalar are wiped when the key goes (`zeroize`).
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
        zeroize::Zeroize::zeroize(&mut (self.scalar.0).0);
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A signature `(R, S)`. `S` is kept as the 256-bit integer it was given as,
/// so that a non-canonical `S` can be represented — and rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The nonce point.
    pub r: EdwardsAffine,
    /// The response, little-endian 256-bit integer.
    pub s: BigInteger256,
}

/// Why a signature or key was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// `S ≥ l`.
    #[error("S is not below the subgroup order (non-canonical or malleated signature)")]
    NonCanonicalS,
    /// `R` is not a valid subgroup point.
    #[error("R is invalid: {0}")]
    BadR(EncodingError),
    /// The public key is not a valid subgroup point.
    #[error("public key is invalid: {0}")]
    BadKey(EncodingError),
    /// `S·B ≠ R + h·A`.
    #[error("verification equation does not hold")]
    Equation,
}

/// The generator `B` of the prime-order subgroup.
pub fn generator() -> EdwardsAffine {
    EdwardsConfig::GENERATOR
}

fn hash_to_scalar(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    Scalar::from_le_bytes_mod_order(&h.finalize())
}

fn fr_bytes(x: &Fr) -> Vec<u8> {
    x.into_bigint().to_bytes_le()
}

/// Checks that `p` is on the curve, in the prime-order subgroup, and not the identity.
pub fn validate_point(p: &EdwardsAffine) -> Result<(), EncodingError> {
    if !p.is_on_curve() {
        return Err(EncodingError::NotOnCurve);
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(EncodingError::NotInSubgroup);
    }
    if p.is_zero() {
        return Err(EncodingError::Identity);
    }
    Ok(())
}

/// The Poseidon challenge `h = Poseidon(R.x, R.y, A.x, A.y, M)`.
pub fn challenge(r: &EdwardsAffine, a: &EdwardsAffine, msg: Fr) -> Fr {
    poseidon::hash(&[r.x, r.y, a.x, a.y, msg])
}

impl SecretKey {
    /// Derives a key from a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let scalar = hash_to_scalar(&[b"zkcc eddsa key v1", &seed]);
        Self { seed, scalar }
    }

    /// A fresh random key.
    pub fn generate<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Self::from_seed(seed)
    }

    /// The seed, for storage in a key file.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// The public key `A = sk·B`.
    pub fn public(&self) -> EdwardsAffine {
        (generator() * self.scalar).into_affine()
    }

    /// Signs a field element.
    pub fn sign(&self, msg: Fr) -> Signature {
        let r = hash_to_scalar(&[b"zkcc eddsa nonce v1", &self.seed, &fr_bytes(&msg)]);
        let big_r = (generator() * r).into_affine();
        let h = challenge(&big_r, &self.public(), msg);
        let h_mod_l = Scalar::from_le_bytes_mod_order(&fr_bytes(&h));
        let s = r + h_mod_l * self.scalar;
        Signature {
            r: big_r,
            s: s.into_bigint(),
        }
    }
}

/// Verifies `sig` on `msg` under `pk`, strictly (see the module docs).
pub fn verify(pk: &EdwardsAffine, msg: Fr, sig: &Signature) -> Result<(), SignatureError> {
    if sig.s >= Scalar::MODULUS {
        return Err(SignatureError::NonCanonicalS);
    }
    validate_point(pk).map_err(SignatureError::BadKey)?;
    match validate_point(&sig.r) {
        Ok(()) | Err(EncodingError::Identity) => {}
        Err(e) => return Err(SignatureError::BadR(e)),
    }
    let h = challenge(&sig.r, pk, msg);
    let lhs: EdwardsProjective = generator().mul_bigint(sig.s);
    let rhs = sig.r.into_group() + pk.mul_bigint(h.into_bigint());
    if lhs != rhs {
        return Err(SignatureError::Equation);
    }
    Ok(())
}

/// A point in text form: canonical hex coordinates. Validity (curve,
/// subgroup) is checked where the point is used, not when it is parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointJson {
    /// x coordinate.
    pub x: String,
    /// y coordinate.
    pub y: String,
}

impl PointJson {
    /// From a point.
    pub fn from_point(p: &EdwardsAffine) -> Self {
        Self {
            x: fr_to_hex(&p.x),
            y: fr_to_hex(&p.y),
        }
    }
    /// To a point (coordinates canonical; curve membership not yet checked).
    pub fn to_point(&self) -> Result<EdwardsAffine, EncodingError> {
        Ok(EdwardsAffine::new_unchecked(
            fr_from_hex(&self.x)?,
            fr_from_hex(&self.y)?,
        ))
    }
}

/// A signature in text form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureJson {
    /// The nonce point.
    pub r: PointJson,
    /// `S` as `0x` + big-endian hex of a 256-bit integer.
    pub s: String,
}

impl SignatureJson {
    /// From a signature.
    pub fn from_signature(sig: &Signature) -> Self {
        Self {
            r: PointJson::from_point(&sig.r),
            s: format!("0x{}", hex::encode(sig.s.to_bytes_be())),
        }
    }
    /// To a signature (S may be non-canonical: verification rejects it).
    pub fn to_signature(&self) -> Result<Signature, EncodingError> {
        let be = be_bytes_from_hex(&self.s)?;
        let mut le = be;
        le.reverse();
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            *l = u64::from_le_bytes(le[8 * i..8 * i + 8].try_into().expect("8 bytes"));
        }
        Ok(Signature {
            r: self.r.to_point()?,
            s: BigInteger256::new(limbs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ed_on_bn254::Fq;
    use ark_ff::{AdditiveGroup, BigInteger, Field};
    use rand::SeedableRng;

    fn key() -> SecretKey {
        SecretKey::from_seed([7u8; 32])
    }

    #[test]
    fn generator_is_in_prime_subgroup() {
        validate_point(&generator()).unwrap();
    }

    #[test]
    fn sign_verify_round_trip() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for i in 0..8u64 {
            let sk = SecretKey::generate(&mut rng);
            let msg = Fr::from(i) - Fr::from(3u64);
            let sig = sk.sign(msg);
            verify(&sk.public(), msg, &sig).unwrap();
            assert_eq!(
                verify(&sk.public(), msg + Fr::ONE, &sig),
                Err(SignatureError::Equation)
            );
            let other = SecretKey::generate(&mut rng).public();
            assert_eq!(verify(&other, msg, &sig), Err(SignatureError::Equation));
            let json = SignatureJson::from_signature(&sig);
            assert_eq!(json.to_signature().unwrap(), sig);
        }
    }

    /// Golden vector: seed [7; 32], message 42. A change here means every
    /// stored attestation breaks.
    #[test]
    fn fixed_vector() {
        let sk = key();
        let sig = sk.sign(Fr::from(42u64));
        let pk = PointJson::from_point(&sk.public());
        let sig_json = SignatureJson::from_signature(&sig);
        let golden = include_str!("../../testdata/eddsa_vector.json");
        let v: serde_json::Value = serde_json::from_str(golden).unwrap();
        assert_eq!(serde_json::to_value(&pk).unwrap(), v["public_key"]);
        assert_eq!(serde_json::to_value(&sig_json).unwrap(), v["signature"]);
        verify(&sk.public(), Fr::from(42u64), &sig).unwrap();
    }

    #[test]
    fn malleations_are_rejected() {
        let sk = key();
        let msg = Fr::from(5u64);
        let sig = sk.sign(msg);
        // S + l.
        let mut s = sig.s;
        s.add_with_carry(&Scalar::MODULUS);
        assert_eq!(
            verify(&sk.public(), msg, &Signature { r: sig.r, s }),
            Err(SignatureError::NonCanonicalS)
        );
        // R + T for the order-2 point T = (0, -1).
        let t = EdwardsAffine::new_unchecked(Fq::ZERO, -Fq::ONE);
        assert!(t.is_on_curve());
        let r_t = (sig.r.into_group() + t).into_affine();
        assert_eq!(
            verify(&sk.public(), msg, &Signature { r: r_t, s: sig.s }),
            Err(SignatureError::BadR(EncodingError::NotInSubgroup))
        );
        // Off-curve R.
        let off = EdwardsAffine::new_unchecked(sig.r.x + Fq::ONE, sig.r.y);
        assert_eq!(
            verify(&sk.public(), msg, &Signature { r: off, s: sig.s }),
            Err(SignatureError::BadR(EncodingError::NotOnCurve))
        );
        // Identity key.
        assert_eq!(
            verify(&EdwardsAffine::zero(), msg, &sig),
            Err(SignatureError::BadKey(EncodingError::Identity))
        );
    }
}
