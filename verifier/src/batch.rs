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
//! The coefficients `ρᵢ` are 64-byte challenges reduced mod r from a merlin
//! transcript ([`crate::transcript`]) that has absorbed the verifying key,
//! every proof, every public input and 32 bytes of the verifier's fresh
//! randomness: a batch containing a bad proof passes with probability at
//! most about `1/r`, even for a prover that knows the transcript protocol.
//!
//! When a batch fails, the bad proofs are found by bisection: each half is
//! checked as a batch (with fresh coefficients) and only failing halves are
//! split further, so `k` bad proofs among `n` cost about `2k·log₂(n/k)` batch
//! checks. A batch of one is exact (GT has prime order and `ρ ≠ 0`).
use crate::error::VerifyError;
use crate::transcript::{TranscriptProtocol, BATCH_DOMAIN};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use ark_groth16::{PreparedVerifyingKey, Proof, VerifyingKey};
use merlin::Transcript;
use rand::{CryptoRng, RngCore};

type G2Prepared = <Bn254 as Pairing>::G2Prepared;

/// One proof and its public inputs.
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
}

impl PreparedKey {
    /// Prepares a key.
    pub fn new(vk: &VerifyingKey<Bn254>) -> Self {
        let pvk = ark_groth16::prepare_verifying_key(vk);
        let beta_neg = (-vk.beta_g2.into_group()).into_affine().into();
        Self { pvk, beta_neg }
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
                expected: inputs.len(),
                found: self.num_inputs(),
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
    /// proof verifies (up to probability ≈ 1/r); otherwise
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
        let rhos: Vec<Fr> = idx
            .iter()
            .map(|_| loop {
                let r = t.challenge_scalar(b"rho");
                if !r.is_zero() {
                    break r;
                }
            })
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
        let ic = G1Projective::msm(&vk.gamma_abc_g1, &s)
            .map_err(|_| VerifyError::Backend("input bases and scalars differ in length".into()))?;
        let cs: Vec<G1Affine> = idx.iter().map(|&i| items[i].proof.c).collect();
        let c = G1Projective::msm(&cs, &rhos)
            .map_err(|_| VerifyError::Backend("proofs and coefficients differ in length".into()))?;
        let alpha = vk.alpha_g1.into_group() * rho_sum;

        let mut g1: Vec<G1Projective> = idx
            .iter()
            .zip(&rhos)
            .map(|(&i, rho)| items[i].proof.a.into_group() * rho)
            .collect();
        g1.extend([ic, c, alpha]);
        let g1 = G1Projective::normalize_batch(&g1);
        let mut g2: Vec<G2Prepared> = idx.iter().map(|&i| items[i].proof.b.into()).collect();
        g2.extend([
            self.pvk.gamma_g2_neg_pc.clone(),
            self.pvk.delta_g2_neg_pc.clone(),
            self.beta_neg.clone(),
        ]);
        let ml = Bn254::multi_miller_loop(g1, g2);
        let out = Bn254::final_exponentiation(ml)
            .ok_or_else(|| VerifyError::Backend("final exponentiation of zero".into()))?;
        Ok(out.0.is_one())
    }
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
