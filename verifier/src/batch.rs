//! Groth16 verification, one proof at a time or many at once.
//!
//! A proof `(A, B, C)` of inputs `x` verifies iff
//! `e(A, B) = e(α, β) · e(IC(x), γ) · e(C, δ)` with
//! `IC(x) = IC₀ + Σⱼ xⱼ·ICⱼ`. A batch of `n` proofs is checked with one random
//! linear combination of the `n` equations:
//!
//! ```text
//! Πᵢ e(ρᵢ·Aᵢ, Bᵢ) · e(Σᵢ ρᵢ·IC(xᵢ), −γ) · e(Σᵢ ρᵢ·Cᵢ, −δ) · e((Σᵢ ρᵢ)·α, −β) = 1
//! ```
//!
//! `n + 3` Miller loops in one multi-Miller loop and a single final
//! exponentiation, instead of `3n` Miller loops and `n` final
//! exponentiations. `Σᵢ ρᵢ·IC(xᵢ)` is one small multi-scalar multiplication
//! over the key's input bases with aggregated scalars
//! (`Σᵢ ρᵢ` and `Σᵢ ρᵢ·xᵢⱼ`), and `Σᵢ ρᵢ·Cᵢ` one MSM of the `Cᵢ`.
//!
//! **Coefficients.** Each `ρᵢ = aᵢ + bᵢ·λ mod r`, where `aᵢ, bᵢ` are 64-bit
//! halves of a 16-byte challenge of a merlin transcript
//! ([`crate::transcript`]) that has absorbed the verifying key, every proof,
//! every public input and 32 bytes of the verifier's fresh randomness, and `λ`
//! is the eigenvalue of BN254's G1 endomorphism `φ(x, y) = (β·x, y)`
//! (`φ(P) = λ·P`). The map `(a, b) ↦ a + b·λ` is injective on pairs of 64-bit
//! integers (a collision needs a lattice vector `(u, v)`, `u + v·λ ≡ 0`,
//! with `|u|, |v| < 2^64`; the lattice's shortest vector is about 2^126.8
//! long — tested), so each `ρᵢ` is uniform over 2^128 − 1
//! distinct non-zero values: a batch containing a bad proof passes with
//! probability at most 2^-128 (for any bad proof, fixing every other
//! coefficient, at most one value of its own makes the combination vanish).
//! The structure makes `ρᵢ·Aᵢ = aᵢ·Aᵢ + bᵢ·φ(Aᵢ)` a 64-bit double-and-add and
//! `Σ ρᵢ·Cᵢ` an MSM of 64-bit scalars, instead of 254-bit ones.
//!
//! **Miller loop.** The `n + 3` pairs go through zkcc's affine multi-Miller
//! loop ([`crate::miller`]: every `Bᵢ` stepped together with one shared
//! inversion per step, lines with constant coefficient 1, one accumulator);
//! the lines of `−γ`, `−δ`, `−β` are computed once in [`PreparedKey`]. Should
//! a point make it refuse (only possible outside the prime-order subgroups,
//! which the parsers refuse), the batch falls back to arkworks' loop.
//!
//! When a batch fails, the bad proofs are found by bisection: each half is
//! checked as a batch (with fresh coefficients) and only failing halves are
//! split further, so `k` bad proofs among `n` cost about `2k·log₂(n/k)` batch
//! checks. A batch of one is exact (GT has prime order and `ρ ≠ 0`).
use crate::error::VerifyError;
use crate::miller::{self, Lines};
use crate::par;
use crate::transcript::{TranscriptProtocol, BATCH_DOMAIN};
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, One, Zero};
use ark_groth16::{PreparedVerifyingKey, Proof, VerifyingKey};
use merlin::Transcript;
use rand::{CryptoRng, RngCore};

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

/// One proof and its public inputs.
///
/// The proof is taken as given: build it with the crate's checked parsers
/// ([`crate::bundle::parse_proof`], [`crate::ProofBundle::proof`]), which
/// refuse points off the curve or outside the prime-order subgroups. For
/// such points (as for arkworks' own verifier) the pairing equation means
/// nothing, and batch and single verification need not agree.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchItem {
    /// The public inputs, in the circuit's order.
    pub inputs: Vec<Fr>,
    /// The proof.
    pub proof: Proof<Bn254>,
}

/// A verifying key prepared for single and batch verification: `e(α, β)`
/// and the prepared `−β`, `−γ`, `−δ` are computed once.
///
/// The key is taken as given: load it with
/// [`crate::keys::load_verifying_key`] (or check it with
/// [`crate::keys::check_verifying_key_for`]) first.
#[derive(Clone, Debug)]
pub struct PreparedKey {
    pvk: PreparedVerifyingKey<Bn254>,
    beta_neg: G2Prepared,
    /// Affine lines of `−γ`, `−δ`, `−β` for [`crate::miller`] (`None` only
    /// for a key with an identity or off-subgroup point, which the key
    /// checks refuse: batches then use arkworks' loop).
    fixed_lines: Option<Vec<Lines>>,
}

impl PreparedKey {
    /// Prepares a key.
    pub fn new(vk: &VerifyingKey<Bn254>) -> Self {
        let pvk = ark_groth16::prepare_verifying_key(vk);
        let neg = |q: &G2Affine| -> G2Affine { -*q };
        let beta_neg = neg(&vk.beta_g2).into();
        let fixed_lines =
            miller::prepare(&[neg(&vk.gamma_g2), neg(&vk.delta_g2), neg(&vk.beta_g2)]);
        Self {
            pvk,
            beta_neg,
            fixed_lines,
        }
    }

    /// The key.
    pub fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.pvk.vk
    }

    /// Number of public inputs the key expects.
    pub fn num_inputs(&self) -> usize {
        self.pvk.vk.gamma_abc_g1.len().saturating_sub(1)
    }

    fn check_count(&self, index: usize, inputs: &[Fr]) -> Result<(), VerifyError> {
        self.check_bases()?;
        if inputs.len() != self.num_inputs() {
            return Err(VerifyError::BatchInputCount {
                index,
                expected: self.num_inputs(),
                found: inputs.len(),
            });
        }
        Ok(())
    }

    /// A key without even `IC₀` cannot verify anything (and is refused by
    /// the key checks; this guards keys built in memory).
    fn check_bases(&self) -> Result<(), VerifyError> {
        if self.pvk.vk.gamma_abc_g1.is_empty() {
            return Err(VerifyError::KeyInvalid("no input bases".into()));
        }
        Ok(())
    }

    /// `IC(x) = IC₀ + Σⱼ xⱼ·ICⱼ` (input count already checked).
    fn input_commitment(&self, inputs: &[Fr]) -> G1Projective {
        let Some((ic0, rest)) = self.pvk.vk.gamma_abc_g1.split_first() else {
            return G1Projective::zero();
        };
        let mut acc = ic0.into_group();
        // Projective multiplication uses BN254's GLV endomorphism (affine
        // multiplication in arkworks is plain double-and-add).
        for (b, x) in rest.iter().zip(inputs) {
            acc += b.into_group() * x;
        }
        acc
    }

    /// Verifies one proof: three Miller loops, one final exponentiation.
    pub fn verify(&self, inputs: &[Fr], proof: &Proof<Bn254>) -> Result<(), VerifyError> {
        self.check_bases()?;
        if inputs.len() != self.num_inputs() {
            return Err(VerifyError::KeyInputCount {
                key_inputs: self.num_inputs(),
                claim_inputs: inputs.len(),
            });
        }
        let ic = self.input_commitment(inputs).into_affine();
        let ml = Bn254::multi_miller_loop(
            [proof.a, ic, proof.c],
            [
                proof.b.into(),
                self.pvk.gamma_g2_neg_pc.clone(),
                self.pvk.delta_g2_neg_pc.clone(),
            ],
        );
        let out = Bn254::final_exponentiation(ml)
            .ok_or_else(|| VerifyError::Backend("final exponentiation of zero".into()))?;
        if out.0 == self.pvk.alpha_g1_beta_g2 {
            Ok(())
        } else {
            Err(VerifyError::ProofRejected)
        }
    }

    /// Verifies many proofs at once (see the module docs). `Ok` iff every
    /// proof verifies (up to probability 2^-128); otherwise
    /// [`VerifyError::BatchRejected`] names every proof that fails on its own,
    /// or [`VerifyError::BatchInputCount`] the first item of the wrong size.
    /// `rng` supplies the verifier's fresh randomness: use `OsRng` (tests pass
    /// a seeded one to reproduce).
    pub fn verify_batch<R: RngCore + CryptoRng>(
        &self,
        items: &[BatchItem],
        rng: &mut R,
    ) -> Result<(), VerifyError> {
        for (i, it) in items.iter().enumerate() {
            self.check_count(i, &it.inputs)?;
        }
        let all: Vec<usize> = (0..items.len()).collect();
        if self.batch_holds(items, &all, rng)? {
            return Ok(());
        }
        let mut bad = Vec::new();
        self.bisect(items, &all, rng, &mut bad)?;
        Err(VerifyError::BatchRejected { bad })
    }

    /// `idx` failed as a batch: finds its bad items.
    fn bisect<R: RngCore + CryptoRng>(
        &self,
        items: &[BatchItem],
        idx: &[usize],
        rng: &mut R,
        bad: &mut Vec<usize>,
    ) -> Result<(), VerifyError> {
        if idx.len() == 1 {
            bad.push(idx[0]);
            return Ok(());
        }
        let (left, right) = idx.split_at(idx.len() / 2);
        for half in [left, right] {
            if !self.batch_holds(items, half, rng)? {
                self.bisect(items, half, rng, bad)?;
            }
        }
        Ok(())
    }

    /// One randomized batch check of `items[idx]` (input counts checked).
    fn batch_holds<R: RngCore + CryptoRng>(
        &self,
        items: &[BatchItem],
        idx: &[usize],
        rng: &mut R,
    ) -> Result<bool, VerifyError> {
        if idx.is_empty() {
            return Ok(true);
        }
        let vk = &self.pvk.vk;
        // Everything public first, then fresh randomness, then challenges.
        let mut t = Transcript::new(BATCH_DOMAIN);
        t.batch_verify_domain_sep(idx.len() as u64);
        t.append_verifying_key(vk);
        for &i in idx {
            t.append_instance(&items[i].inputs, &items[i].proof);
        }
        let mut fresh = [0u8; 32];
        rng.fill_bytes(&mut fresh);
        t.append_message(b"fresh", &fresh);
        let halves: Vec<(u64, u64)> = idx
            .iter()
            .map(|_| loop {
                let (a, b) = t.challenge_u64_pair(b"rho");
                if (a, b) != (0, 0) {
                    break (a, b);
                }
            })
            .collect();
        let lambda = <G1Config as GLVConfig>::LAMBDA;
        let rhos: Vec<Fr> = halves
            .iter()
            .map(|&(a, b)| Fr::from(a) + Fr::from(b) * lambda)
            .collect();

        // Aggregated input scalars: s₀ = Σρᵢ, sⱼ = Σρᵢ·xᵢⱼ.
        let mut s = vec![Fr::zero(); vk.gamma_abc_g1.len()];
        let mut rho_sum = Fr::zero();
        for (&i, rho) in idx.iter().zip(&rhos) {
            rho_sum += rho;
            for (sj, x) in s.iter_mut().skip(1).zip(&items[i].inputs) {
                *sj += *rho * x;
            }
        }
        if let Some(s0) = s.first_mut() {
            *s0 = rho_sum;
        }
        // A handful of full-width scalars: one GLV multiplication each is
        // about half the cost of arkworks' MSM at this size.
        let ic: G1Projective = vk
            .gamma_abc_g1
            .iter()
            .zip(&s)
            .map(|(b, x)| b.into_group() * x)
            .sum();
        // Σ ρᵢ·Cᵢ = Σ aᵢ·Cᵢ + Σ bᵢ·φ(Cᵢ): one MSM of 64-bit scalars.
        let mut cs: Vec<G1Affine> = Vec::with_capacity(2 * idx.len());
        let mut cscalars: Vec<Fr> = Vec::with_capacity(2 * idx.len());
        for (&i, &(a, b)) in idx.iter().zip(&halves) {
            let c = items[i].proof.c;
            cs.extend([c, G1Config::endomorphism_affine(&c)]);
            cscalars.extend([Fr::from(a), Fr::from(b)]);
        }
        let c = G1Projective::msm(&cs, &cscalars)
            .map_err(|_| VerifyError::Backend("proofs and coefficients differ in length".into()))?;
        let alpha = vk.alpha_g1.into_group() * rho_sum;

        let a: Vec<(G1Affine, (u64, u64))> = idx
            .iter()
            .zip(&halves)
            .map(|(&i, &h)| (items[i].proof.a, h))
            .collect();
        let threads = par::threads_for(a.len());
        let per = a.len().div_ceil(threads).max(1);
        let mut g1: Vec<G1Projective> = par::chunks(&a, per, |c| {
            let (ps, hs): (Vec<G1Affine>, Vec<(u64, u64)>) = c.iter().copied().unzip();
            scale_by_halves(&ps, &hs)
        })
        .into_iter()
        .flatten()
        .collect();
        g1.extend([ic, c, alpha]);
        let g1 = G1Projective::normalize_batch(&g1);
        let bs: Vec<G2Affine> = idx.iter().map(|&i| items[i].proof.b).collect();
        // g1 = [ρᵢ·Aᵢ…, IC, C, α] against [Bᵢ…, −γ, −δ, −β].
        let (stepped, fixed_ps) = g1.split_at(idx.len());
        // The stepped pairs in one Miller loop per thread (the fixed pairs in
        // the first), multiplied: one final exponentiation for the whole batch.
        let ml = self.fixed_lines.as_ref().and_then(|fixed| {
            let refs: Vec<&Lines> = fixed.iter().collect();
            let pairs: Vec<(G1Affine, G2Affine)> =
                stepped.iter().copied().zip(bs.iter().copied()).collect();
            let parts = par::chunks(&pairs, per, |c| {
                let (ps, qs): (Vec<G1Affine>, Vec<G2Affine>) = c.iter().copied().unzip();
                let first = std::ptr::eq(c.as_ptr(), pairs.as_ptr());
                if first {
                    miller::multi_miller_loop(&ps, &qs, fixed_ps, &refs)
                } else {
                    miller::multi_miller_loop(&ps, &qs, &[], &[])
                }
            });
            // `idx` is not empty, so the first part holds the fixed pairs.
            let mut f = <Bn254 as Pairing>::TargetField::one();
            for p in parts {
                f *= p?;
            }
            Some(MillerLoopOutput(f))
        });
        let ml = ml.unwrap_or_else(|| {
            let mut g2: Vec<G2Prepared> = bs.iter().map(|&b| b.into()).collect();
            g2.extend([
                self.pvk.gamma_g2_neg_pc.clone(),
                self.pvk.delta_g2_neg_pc.clone(),
                self.beta_neg.clone(),
            ]);
            Bn254::multi_miller_loop(g1, g2)
        });
        let out = Bn254::final_exponentiation(ml)
            .ok_or_else(|| VerifyError::Backend("final exponentiation of zero".into()))?;
        Ok(out.0.is_one())
    }
}

type G1Config = ark_bn254::g1::Config;

/// Width of the signed windows of [`scale_by_halves`].
const WINDOW: u32 = 5;

/// Signed-digit (width-`WINDOW` NAF) expansion of `k`, least significant
/// digit first; every non-zero digit is odd and below `2^(WINDOW−1)` in size.
fn wnaf(k: u64) -> Vec<i8> {
    let mut k = k as i128;
    let mut out = Vec::with_capacity(66);
    let full = 1i128 << WINDOW;
    while k != 0 {
        if k & 1 == 1 {
            let mut d = k & (full - 1);
            if d >= full / 2 {
                d -= full;
            }
            k -= d;
            out.push(d as i8);
        } else {
            out.push(0);
        }
        k >>= 1;
    }
    out
}

/// `(aᵢ + bᵢ·λ)·Pᵢ = aᵢ·Pᵢ + bᵢ·φ(Pᵢ)` for every point: a joint 64-bit
/// double-and-add over signed windows, the tables `Pᵢ, 3Pᵢ, 5Pᵢ, …` of all
/// points normalized with one inversion and mapped by `φ` for the `bᵢ` part.
fn scale_by_halves(ps: &[G1Affine], halves: &[(u64, u64)]) -> Vec<G1Projective> {
    let size = 1usize << (WINDOW - 2);
    let mut tables: Vec<G1Projective> = Vec::with_capacity(ps.len() * size);
    for p in ps {
        let p = p.into_group();
        let p2 = p.double();
        let mut acc = p;
        for _ in 0..size {
            tables.push(acc);
            acc += p2;
        }
    }
    let tables = G1Projective::normalize_batch(&tables);
    let beta: Fq = <G1Config as GLVConfig>::ENDO_COEFFS[0];
    ps.iter()
        .zip(halves)
        .zip(tables.chunks(size))
        .map(|((p, &(a, b)), ta)| {
            if p.is_zero() {
                return G1Projective::zero();
            }
            let tb: Vec<G1Affine> = ta
                .iter()
                .map(|q| G1Affine::new_unchecked(q.x * beta, q.y))
                .collect();
            let (da, db) = (wnaf(a), wnaf(b));
            let mut acc = G1Projective::zero();
            for i in (0..da.len().max(db.len())).rev() {
                acc.double_in_place();
                for (digits, table) in [(&da, ta), (&db, &tb[..])] {
                    match digits.get(i).copied().unwrap_or(0) {
                        0 => {}
                        d if d > 0 => acc += &table[(d / 2) as usize],
                        d => acc -= &table[(-d / 2) as usize],
                    }
                }
            }
            acc
        })
        .collect()
}

/// Verifies a batch against a key (prepares the key; keep a
/// [`PreparedKey`] to verify many batches).
pub fn verify_batch<R: RngCore + CryptoRng>(
    vk: &VerifyingKey<Bn254>,
    items: &[BatchItem],
    rng: &mut R,
) -> Result<(), VerifyError> {
    PreparedKey::new(vk).verify_batch(items, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn endomorphism_eigenvalue_matches() {
        let mut rng = StdRng::seed_from_u64(1);
        let p = G1Projective::rand(&mut rng).into_affine();
        let lambda = <G1Config as GLVConfig>::LAMBDA;
        assert_eq!(
            G1Config::endomorphism_affine(&p).into_group(),
            p.into_group() * lambda
        );
    }

    /// `(a, b) ↦ a + b·λ mod r` is injective on pairs of 64-bit integers,
    /// so every coefficient has 128 bits of entropy: two pairs with the same
    /// image differ by a non-zero vector `(u, v)` of the lattice
    /// `{u + v·λ ≡ 0 mod r}` with `|u|, |v| < 2⁶⁴`, hence of squared length
    /// below 2¹²⁹. Lagrange-reducing the lattice's basis `(r, 0), (−λ, 1)`
    /// gives its shortest non-zero vector, which is far longer.
    #[test]
    fn coefficient_map_is_injective_on_64_bit_pairs() {
        use ark_ff::PrimeField;
        use num_bigint::{BigInt, BigUint};
        let r = BigInt::from(BigUint::from(Fr::MODULUS));
        let lambda = BigInt::from(BigUint::from(<G1Config as GLVConfig>::LAMBDA.into_bigint()));
        let norm = |v: &(BigInt, BigInt)| &v.0 * &v.0 + &v.1 * &v.1;
        let dot = |a: &(BigInt, BigInt), b: &(BigInt, BigInt)| &a.0 * &b.0 + &a.1 * &b.1;
        let mut b1 = (r.clone(), BigInt::from(0));
        let mut b2 = (&r - &lambda, BigInt::from(1));
        loop {
            if norm(&b1) < norm(&b2) {
                std::mem::swap(&mut b1, &mut b2);
            }
            // μ = round(⟨b1, b2⟩ / ‖b2‖²)
            let n2 = norm(&b2);
            let two = BigInt::from(2);
            let num = &two * dot(&b1, &b2) + &n2;
            let den = &two * &n2;
            let mu = {
                let q = &num / &den;
                if (&num % &den) < BigInt::from(0) {
                    q - 1
                } else {
                    q
                }
            };
            if mu == BigInt::from(0) {
                break;
            }
            b1 = (&b1.0 - &mu * &b2.0, &b1.1 - &mu * &b2.1);
        }
        // b2 is in the lattice and is a shortest vector of it.
        let (u, v) = &b2;
        assert_eq!(((u + v * &lambda) % &r + &r) % &r, BigInt::from(0));
        assert!(norm(&b2) >= BigInt::from(1) << 129);
        assert!(norm(&b2) >= BigInt::from(1) << 250, "about 2^126.8 long");
    }

    #[test]
    fn wnaf_digits_recompose() {
        let mut rng = StdRng::seed_from_u64(2);
        for k in [0u64, 1, 7, 8, 15, 16, u64::MAX, u64::MAX - 1, 1 << 63]
            .into_iter()
            .chain((0..200).map(|_| rng.gen()))
        {
            let d = wnaf(k);
            let back: i128 = d.iter().rev().fold(0i128, |acc, &x| 2 * acc + x as i128);
            assert_eq!(back, k as i128, "k = {k}");
            assert!(d.iter().all(|&x| x == 0 || (x % 2 != 0 && x.abs() < 16)));
        }
    }

    #[test]
    fn scaling_by_halves_is_multiplication_by_rho() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut ps: Vec<G1Affine> = (0..6)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        ps.push(G1Affine::zero());
        let mut halves: Vec<(u64, u64)> = (0..ps.len()).map(|_| (rng.gen(), rng.gen())).collect();
        halves[0] = (u64::MAX, u64::MAX);
        halves[1] = (0, 1);
        halves[2] = (1, 0);
        let got = scale_by_halves(&ps, &halves);
        let lambda = <G1Config as GLVConfig>::LAMBDA;
        for ((p, &(a, b)), g) in ps.iter().zip(&halves).zip(&got) {
            let rho = Fr::from(a) + Fr::from(b) * lambda;
            assert_eq!(*g, p.into_group() * rho);
        }
    }

    #[test]
    fn fixed_lines_are_prepared_for_a_valid_key() {
        let mut rng = StdRng::seed_from_u64(4);
        let vk = VerifyingKey::<Bn254> {
            alpha_g1: G1Projective::rand(&mut rng).into_affine(),
            beta_g2: ark_bn254::G2Projective::rand(&mut rng).into_affine(),
            gamma_g2: ark_bn254::G2Projective::rand(&mut rng).into_affine(),
            delta_g2: ark_bn254::G2Projective::rand(&mut rng).into_affine(),
            gamma_abc_g1: vec![G1Projective::rand(&mut rng).into_affine(); 2],
        };
        assert!(PreparedKey::new(&vk).fixed_lines.is_some());
    }
}
