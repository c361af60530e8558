//! Proving: zkcc's tuned Groth16 prover.
//!
//! At setup ([`crate::setup`]) the circuit is synthesized once; its R1CS
//! matrices are stored with the proving key in a [`ProverKey`], and the
//! proving-key bases that no assignment can touch (identity points of
//! `A`, `B` and `L`: variables absent from that matrix) are dropped. At prove
//! time only per-proof work remains:
//!
//! 1. **witness** — the full assignment `z = (1, inputs, witness)`
//!    (computed by the claim, e.g. by one synthesis: [`assignment_of`]; or natively
//!    and in parallel, without a constraint system);
//! 2. **check + QAP** — `A·z` and `B·z` evaluated row by row in parallel, each
//!    row checked against `C·z` (an unsatisfied witness is refused here, before
//!    any FFT or MSM), then the quotient by six FFTs (`A·B − C` on the odd
//!    coset, for the keys of `zkcc setup` and of a ceremony) or seven (`h =
//!    (A·B − C)/Z` for a stock `ark-groth16` key: [`Reduction`]);
//! 3. **MSMs** — `A` and `B` (G1 and G2) and `L` over `z` (the bases of
//!    equal values of `z` summed first: [`crate::repeats`], found once for
//!    the four), `H` over `h`, with [`crate::msm`], all started together on
//!    rayon so that the FFTs of step 2 and the four witness MSMs share the
//!    cores.
//!
//! The proof is the standard Groth16 proof (same formulas as `ark-groth16`):
//! it verifies under the same verifying key as a stock proof (tested).
//!
//! arkworks' own prover only `debug_assert!`s satisfiability; a release build
//! would spend the whole proving time on a witness that cannot verify. Here an
//! unsatisfied witness is refused before any MSM or FFT: first by the native
//! check (a readable reason), then by the matrices (the first failing row).
use crate::error::EngineError;

/// The crate's result (named apart from `Result`, which the serialization derives use).
type Res<T> = crate::error::Result<T>;
use crate::mont::{fr_mul, fr_sub};
use crate::msm::msm;
use crate::r1cs::R1cs;
use crate::repeats::Repeats;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{FftField, Field, One, PrimeField, Zero};
use ark_groth16::{Proof, ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::UniformRand;
use rayon::prelude::*;
use std::time::{Duration, Instant};

type BigInt = <Fr as PrimeField>::BigInt;

/// Proving-key bases of the variables that can contribute, with their
/// variable indices in `z`.
#[derive(Clone, Debug, PartialEq, CanonicalSerialize, CanonicalDeserialize)]
pub struct SparseBases<G: CanonicalSerialize + CanonicalDeserialize> {
    /// Variable index of each base.
    pub idx: Vec<u32>,
    /// The bases.
    pub bases: Vec<G>,
}

impl<G: AffineRepr> SparseBases<G> {
    /// Keeps the non-identity bases of `query[offset..]`, indexed from `offset`.
    pub fn from_query(query: Vec<G>, offset: usize) -> Self {
        let (idx, bases) = query
            .into_iter()
            .enumerate()
            .filter(|(_, b)| !b.is_zero())
            .map(|(i, b)| ((i + offset) as u32, b))
            .unzip();
        Self { idx, bases }
    }
}

impl<G: CurveAffineConfig> SparseBases<G> {
    /// The MSM `Σ z[idx_k]·bases_k`, the bases of equal values summed
    /// first ([`Repeats::find`] over `z`, then [`Self::msm_with`]).
    pub fn msm(&self, z: &[BigInt]) -> G::Group {
        self.msm_with(z, &Repeats::find(z))
    }

    /// [`Self::msm`] with the groups of equal values of `z` found already
    /// (`rep` must be [`Repeats::find`]`(z)`, or [`Repeats::none`]): the
    /// prover finds them once for its four witness MSMs. Reads `z` through
    /// the indices: no copy of the scalars.
    pub fn msm_with(&self, z: &[BigInt], rep: &Repeats) -> G::Group {
        G::msm_indexed_repeats(&self.bases, &self.idx, z, rep)
    }
}

/// Glue from an affine point type to its short-Weierstrass configuration, so
/// that [`SparseBases::msm`] can call [`crate::msm::msm`] on G1 and G2 alike.
pub trait CurveAffineConfig: AffineRepr {
    /// The curve configuration.
    type Config: ark_ec::short_weierstrass::SWCurveConfig<
        ScalarField = Fr,
        BaseField: crate::ifma::Limbs,
    >;
    /// `Σ scalars_k·bases_k`.
    fn msm(bases: &[Self], scalars: &[BigInt]) -> Self::Group;
    /// `Σ values[idx_k]·bases_k`, equal values grouped by `rep`.
    fn msm_indexed_repeats(
        bases: &[Self],
        idx: &[u32],
        values: &[BigInt],
        rep: &Repeats,
    ) -> Self::Group;
}

impl<P> CurveAffineConfig for ark_ec::short_weierstrass::Affine<P>
where
    P: ark_ec::short_weierstrass::SWCurveConfig<ScalarField = Fr, BaseField: crate::ifma::Limbs>,
{
    type Config = P;
    fn msm(bases: &[Self], scalars: &[BigInt]) -> ark_ec::short_weierstrass::Projective<P> {
        msm(bases, scalars)
    }
    fn msm_indexed_repeats(
        bases: &[Self],
        idx: &[u32],
        values: &[BigInt],
        rep: &Repeats,
    ) -> ark_ec::short_weierstrass::Projective<P> {
        crate::msm::msm_indexed_repeats(bases, idx, values, rep)
    }
}

/// Everything the tuned prover needs, built once at setup: the Groth16
/// proving key without its unusable bases, and the circuit's R1CS.
#[derive(Clone, Debug, PartialEq, CanonicalSerialize, CanonicalDeserialize)]
pub struct ProverKey {
    /// The verifying key (proofs verify under it).
    pub vk: VerifyingKey<Bn254>,
    /// `β·G1`.
    pub beta_g1: G1Affine,
    /// `δ·G1`.
    pub delta_g1: G1Affine,
    /// `A_i(τ)·G1` (index 0 is the constant `1`).
    pub a: SparseBases<G1Affine>,
    /// `B_i(τ)·G1`.
    pub b_g1: SparseBases<G1Affine>,
    /// `B_i(τ)·G2`.
    pub b_g2: SparseBases<G2Affine>,
    /// `(β·A_i(τ) + α·B_i(τ) + C_i(τ))/δ·G1` for the witness variables.
    pub l: SparseBases<G1Affine>,
    /// The `H` points: `n` of them on the odd coset (`L^{2n}_{2j+1}(τ)/δ·G1`,
    /// keys of `zkcc setup` and of a ceremony) or `n − 1` of libsnark's
    /// (`τ^i·Z(τ)/δ·G1`, a stock key's): [`Reduction`].
    pub h: Vec<G1Affine>,
    /// The circuit's matrices.
    pub r1cs: R1cs,
}

impl ProverKey {
    /// Builds the key from an `ark-groth16` proving key and the matrices of
    /// the same circuit (consumes the proving key: no copy of its bases).
    pub fn new(pk: ProvingKey<Bn254>, r1cs: R1cs) -> Res<Self> {
        let vars = r1cs.num_variables();
        let ni = r1cs.num_instance as usize;
        if pk.a_query.len() != vars
            || pk.b_g1_query.len() != vars
            || pk.b_g2_query.len() != vars
            || pk.l_query.len() != vars - ni
            || !r1cs.is_well_formed()
        {
            return Err(EngineError::Backend(
                "proving key and matrices describe different circuits".into(),
            ));
        }
        let ProvingKey {
            vk,
            beta_g1,
            delta_g1,
            a_query,
            b_g1_query,
            b_g2_query,
            h_query,
            l_query,
        } = pk;
        let key = Self {
            vk,
            beta_g1,
            delta_g1,
            a: SparseBases::from_query(a_query, 0),
            b_g1: SparseBases::from_query(b_g1_query, 0),
            b_g2: SparseBases::from_query(b_g2_query, 0),
            l: SparseBases::from_query(l_query, ni),
            h: h_query,
            r1cs,
        };
        key.reduction()?;
        Ok(key)
    }

    /// The QAP evaluation domain.
    pub fn domain(&self) -> Res<GeneralEvaluationDomain<Fr>> {
        GeneralEvaluationDomain::new(self.r1cs.num_constraints() + self.r1cs.num_instance as usize)
            .ok_or_else(|| {
                EngineError::Backend("circuit too large for the BN254 FFT domain".into())
            })
    }

    /// The key's bytes (`ark-serialize`, uncompressed): its file format.
    /// Compiled here, optimised, whatever the caller's profile: a key holds
    /// millions of coordinates, each converted out of Montgomery form.
    pub fn to_bytes(&self) -> Res<Vec<u8>> {
        let mut out = Vec::with_capacity(self.uncompressed_size());
        self.serialize_uncompressed(&mut out)
            .map_err(|e| EngineError::Backend(e.to_string()))?;
        Ok(out)
    }

    /// Reads a key written by [`ProverKey::to_bytes`] without checking its
    /// points (fast: the caller hashes the bytes against a manifest first,
    /// then checks [`ProverKey::is_consistent`]). Compiled here, optimised,
    /// like [`ProverKey::to_bytes`].
    pub fn read_unchecked(
        r: &mut dyn std::io::Read,
    ) -> Result<Self, ark_serialize::SerializationError> {
        Self::deserialize_uncompressed_unchecked(r)
    }

    /// Checks the internal consistency of a loaded key: indices within the
    /// variables, one base per index, matrices well formed, `h` as long as
    /// the domain needs.
    pub fn is_consistent(&self) -> bool {
        let vars = self.r1cs.num_variables() as u32;
        let ni = self.r1cs.num_instance as u32;
        let ok = |idx: &[u32], n: usize, lo: u32| {
            idx.len() == n
                && idx.iter().all(|&i| i >= lo && i < vars)
                && idx.windows(2).all(|w| w[0] < w[1])
        };
        self.r1cs.is_well_formed()
            && ok(&self.a.idx, self.a.bases.len(), 0)
            && ok(&self.b_g1.idx, self.b_g1.bases.len(), 0)
            && ok(&self.b_g2.idx, self.b_g2.bases.len(), 0)
            && ok(&self.l.idx, self.l.bases.len(), ni)
            && self.vk.gamma_abc_g1.len() == ni as usize
            && self.reduction().is_ok()
    }
}

/// Wall-clock time of each stage of one tuned proof.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Native check and assignment.
    pub witness: Duration,
    /// Matrix evaluation and satisfiability check.
    pub check: Duration,
    /// Everything from the end of the check to the proof (FFTs and all MSMs,
    /// which overlap).
    pub msm_and_fft: Duration,
}

/// A stage of one tuned proof, as a [`Progress`] observer sees it finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The full assignment `z`, evaluated (`A·z`, `B·z`) and checked against
    /// every row. (In a batch the assignments themselves are computed first,
    /// all in parallel: [`Progress::assigned`].)
    Witness,
    /// The quotient `h`: the FFTs.
    Fft,
    /// The MSM of `A` over `z`.
    MsmA,
    /// The MSM of `B` in G1 over `z`.
    MsmBG1,
    /// The MSM of `B` in G2 over `z`.
    MsmBG2,
    /// The MSM of `L` over the witness part of `z`.
    MsmL,
    /// The MSM of `H` over `h`.
    MsmH,
}

impl Stage {
    /// Every stage of a proof. The witness comes first and the FFTs before
    /// the `H` MSM; the other MSMs run concurrently with the FFTs, so they
    /// finish in no fixed order.
    pub const ALL: [Stage; 7] = [
        Stage::Witness,
        Stage::Fft,
        Stage::MsmA,
        Stage::MsmBG1,
        Stage::MsmBG2,
        Stage::MsmL,
        Stage::MsmH,
    ];

    /// Its name for a progress display: `witness`, `FFTs`, `MSM A`, …
    pub fn name(self) -> &'static str {
        match self {
            Stage::Witness => "witness",
            Stage::Fft => "FFTs",
            Stage::MsmA => "MSM A",
            Stage::MsmBG1 => "MSM B (G1)",
            Stage::MsmBG2 => "MSM B (G2)",
            Stage::MsmL => "MSM L",
            Stage::MsmH => "MSM H",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A finished stage: of which proof (0-based, in a batch's input order), and
/// how many of that proof's [`Stage::ALL`] are done now (1 to 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageDone {
    /// The proof's index in its batch (0 for a single proof).
    pub proof: usize,
    /// The stage that finished.
    pub stage: Stage,
    /// Stages of this proof done, this one included.
    pub done: usize,
}

/// An observer of the tuned prover (a command line's progress bar). The
/// engine calls it from its worker threads, one call at a time per proof,
/// with `done` counting up; the default methods do nothing.
pub trait Progress: Sync {
    /// `done` of a batch's `of` assignments are computed (a batch computes
    /// them all first, in parallel, then proves one at a time).
    fn assigned(&self, _done: usize, _of: usize) {}
    /// A stage of a proof finished.
    fn stage(&self, _done: StageDone) {}
}

/// No observer: what the calls without one use.
pub struct Quiet;

impl Progress for Quiet {}

/// Reports the stages of one proof to an observer, serialized, with the count.
struct Tracker<'a> {
    progress: &'a dyn Progress,
    proof: usize,
    done: std::sync::Mutex<usize>,
}

impl<'a> Tracker<'a> {
    fn new(progress: &'a dyn Progress, proof: usize) -> Self {
        Self {
            progress,
            proof,
            done: std::sync::Mutex::new(0),
        }
    }

    /// Runs `f`, then reports `stage` finished.
    fn after<T>(&self, stage: Stage, f: impl FnOnce() -> T) -> T {
        let out = f();
        self.finished(stage);
        out
    }

    fn finished(&self, stage: Stage) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        *done += 1;
        self.progress.stage(StageDone {
            proof: self.proof,
            stage,
            done: *done,
        });
    }
}

/// `A·z`, `B·z` on the domain, checked against `C·z`: the satisfiability check.
pub fn evaluate_checked(pk: &ProverKey, z: &[Fr]) -> Res<(Vec<Fr>, Vec<Fr>)> {
    if z.len() != pk.r1cs.num_variables() || z.first() != Some(&Fr::from(1u64)) {
        return Err(EngineError::Backend(format!(
            "assignment has {} variables, the circuit {}",
            z.len(),
            pk.r1cs.num_variables()
        )));
    }
    let m = pk.domain()?.size();
    let (mut a, mut b) = (vec![Fr::zero(); m], vec![Fr::zero(); m]);
    pk.r1cs
        .evaluate_and_check(z, &mut a, &mut b)
        .map_err(|row| {
            EngineError::Unsatisfied(format!("R1CS row {row} of {}", pk.r1cs.num_constraints()))
        })?;
    let (n, ni) = (pk.r1cs.num_constraints(), pk.r1cs.num_instance as usize);
    a[n..n + ni].copy_from_slice(&z[..ni]);
    Ok((a, b))
}

/// How the key's `H` points expect the quotient `h = (A·B − C)/Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// arkworks' `LibsnarkReduction` (stock `ark-groth16` keys, and `zkcc
    /// setup` keys of earlier versions): `n − 1` points
    /// `τ^i·Z(τ)/δ`, scalars the coefficients of `h`.
    Libsnark,
    /// snarkjs's (keys from a ceremony, `zkcc-ceremony`, and from `zkcc
    /// setup`: [`crate::setup::OddCosetReduction`]): `n` points
    /// `L^{2n}_{2i+1}(τ)/δ`, scalars `A·B − C` on the odd coset of the
    /// `2n`-th roots of unity (there `Z = −2`, folded into the points).
    OddCoset,
}

impl ProverKey {
    /// The reduction the key's `H` points call for, from their number: `n`
    /// for a ceremony or `zkcc setup` key, `n − 1` for a stock one; any other
    /// number is refused.
    pub fn reduction(&self) -> Res<Reduction> {
        let n = self.domain()?.size();
        match self.h.len() {
            h if h == n => Ok(Reduction::OddCoset),
            h if h + 1 == n => Ok(Reduction::Libsnark),
            h => Err(EngineError::Backend(format!(
                "the key has {h} H points; its domain of {n} takes {n} or {}",
                n - 1
            ))),
        }
    }
}

/// The `H` scalars for the key's reduction ([`ProverKey::reduction`]).
pub fn quotient(pk: &ProverKey, a: Vec<Fr>, b: Vec<Fr>) -> Res<Vec<Fr>> {
    quotient_with(pk, pk.reduction()?, a, b)
}

/// The `H` scalars from the evaluations of [`evaluate_checked`] (consumed)
/// under a given reduction: for libsnark's, the coefficients of
/// `h = (A·B − C)/Z` by seven FFTs; for snarkjs's, `A·B − C` on the odd coset
/// (six FFTs). zkcc's FFTs ([`crate::fft`]): no bit-reversal pass but one
/// gather at the end of libsnark's, the coset shift and `1/n` folded into the
/// forward FFTs, cache-blocked layers.
pub fn quotient_with(pk: &ProverKey, red: Reduction, a: Vec<Fr>, b: Vec<Fr>) -> Res<Vec<Fr>> {
    quotient_on(pk.domain()?.size(), red, a, b)
}

/// [`quotient_with`] on a domain of size `n`.
pub fn quotient_on(n: usize, red: Reduction, a: Vec<Fr>, b: Vec<Fr>) -> Res<Vec<Fr>> {
    let (h, order) = quotient_any_order(n, red, a, b)?;
    Ok(match order {
        Order::Natural => h,
        Order::BitReversed => {
            let shift = usize::BITS - n.trailing_zeros();
            (0..n)
                .into_par_iter()
                .map(|j| h[j.reverse_bits() >> shift])
                .collect()
        }
    })
}

/// The `H` scalars as the MSM takes them: [`quotient_on`] gathered into
/// natural order and converted in one pass (no natural-order copy of `h`).
fn quotient_scalars(n: usize, red: Reduction, a: Vec<Fr>, b: Vec<Fr>) -> Res<Vec<BigInt>> {
    let (h, order) = quotient_any_order(n, red, a, b)?;
    Ok(match order {
        Order::Natural => h.par_iter().map(|x| x.into_bigint()).collect(),
        Order::BitReversed => {
            let shift = usize::BITS - n.trailing_zeros();
            (0..n)
                .into_par_iter()
                .map(|j| h[j.reverse_bits() >> shift].into_bigint())
                .collect()
        }
    })
}

/// In which order [`quotient_any_order`] leaves its result.
enum Order {
    Natural,
    BitReversed,
}

fn quotient_any_order(
    n: usize,
    red: Reduction,
    mut a: Vec<Fr>,
    mut b: Vec<Fr>,
) -> Res<(Vec<Fr>, Order)> {
    let backend = |m: &str| EngineError::Backend(m.into());
    let d = crate::fft::Domain::new(n).ok_or_else(|| backend("no FFT domain of the key's size"))?;
    if a.len() != n || b.len() != n {
        return Err(backend("evaluations are not of the domain's size"));
    }
    let n_inv = Fr::from(n as u64)
        .inverse()
        .ok_or_else(|| backend("domain size is zero in the field"))?;
    // On the domain, C·z = A·z ∘ B·z (checked), and 0 on the input rows.
    let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| fr_mul(x, y)).collect();
    let g = match red {
        Reduction::OddCoset => {
            Fr::get_root_of_unity(2 * n as u64).ok_or_else(|| backend("no 2n-th root of unity"))?
        }
        Reduction::Libsnark => Fr::GENERATOR,
    };
    let scale = crate::fft::bitrev_powers(g, n, n_inv);
    for v in [&mut a, &mut b, &mut c] {
        d.to_coset(v, &scale);
    }
    drop(scale);
    if red == Reduction::OddCoset {
        a.par_iter_mut()
            .zip(&b)
            .zip(&c)
            .for_each(|((a, b), c)| *a = fr_sub(&fr_mul(a, b), c));
        return Ok((a, Order::Natural));
    }
    // Z(g·ω^j) = g^n − 1 on the whole coset.
    let zinv = (g.pow([n as u64]) - Fr::one())
        .inverse()
        .ok_or_else(|| backend("vanishing polynomial is zero on the coset"))?;
    a.par_iter_mut().zip(&b).zip(&c).for_each(|((a, b), c)| {
        *a = fr_sub(&fr_mul(a, b), c);
    });
    drop((b, c));
    // Back to coefficients: h_i = (1/n)·g^{−i}·zinv·Σ_j a_j ω^{−ij}, computed
    // in bit-reversed order (the caller gathers them).
    d.ifft_unscaled_to_bitrev(&mut a);
    drop(d);
    let ginv = g
        .inverse()
        .ok_or_else(|| backend("coset generator is zero"))?;
    let unscale = crate::fft::bitrev_powers(ginv, n, n_inv * zinv);
    a.par_iter_mut()
        .zip(&unscale)
        .for_each(|(x, s)| *x = fr_mul(x, s));
    Ok((a, Order::BitReversed))
}

/// [`quotient_with`] by `ark-poly`'s FFTs (the reference the tests and the
/// `compare` bench hold zkcc's FFTs to): for libsnark's, the coefficients of
/// `h = (A·B − C)/Z` by seven FFTs; for snarkjs's, `A·B − C` on the odd coset
/// (six FFTs).
pub fn quotient_with_ark_poly(
    n: usize,
    red: Reduction,
    mut a: Vec<Fr>,
    mut b: Vec<Fr>,
) -> Res<Vec<Fr>> {
    let domain = GeneralEvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| EngineError::Backend("no domain of this size".into()))?;
    if red == Reduction::OddCoset {
        let c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| *x * y).collect();
        let g = Fr::get_root_of_unity(2 * domain.size() as u64)
            .ok_or_else(|| EngineError::Backend("no 2n-th root of unity".into()))?;
        let coset = domain
            .get_coset(g)
            .ok_or_else(|| EngineError::Backend("no coset".into()))?;
        return Ok(crate::setup::on_coset_minus(&domain, &coset, a, b, c));
    }
    // On the domain, C·z = A·z ∘ B·z (checked), and 0 on the input rows.
    let mut c: Vec<Fr> = a.par_iter().zip(&b).map(|(x, y)| *x * y).collect();
    let coset = domain
        .get_coset(Fr::GENERATOR)
        .ok_or_else(|| EngineError::Backend("no coset".into()))?;
    let to_coset = |v: &mut Vec<Fr>| {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    };
    to_coset(&mut a);
    to_coset(&mut b);
    to_coset(&mut c);
    let zinv = domain
        .evaluate_vanishing_polynomial(Fr::GENERATOR)
        .inverse()
        .ok_or_else(|| EngineError::Backend("vanishing polynomial is zero on the coset".into()))?;
    a.par_iter_mut().zip(&b).zip(&c).for_each(|((a, b), c)| {
        *a = (*a * b - c) * zinv;
    });
    drop((b, c));
    coset.ifft_in_place(&mut a);
    Ok(a)
}

/// The five MSMs and the proof, from a checked assignment and its quotient
/// evaluations (the FFTs run concurrently with the witness MSMs), with
/// reduction `red` (the key's own: [`ProverKey::reduction`]).
fn prove_from_evaluations(
    pk: &ProverKey,
    red: Reduction,
    z: &[Fr],
    (a, b): (Vec<Fr>, Vec<Fr>),
    (r, s): (Fr, Fr),
    t: &Tracker,
) -> Res<Proof<Bn254>> {
    let zb: Vec<BigInt> = z.par_iter().map(|x| x.into_bigint()).collect();
    let (h_acc, ((g_a, g1_b), (g2_b, l_acc))) = rayon::join(
        || -> Res<G1Projective> {
            let hb = quotient_scalars(pk.domain()?.size(), red, a, b)?;
            t.finished(Stage::Fft);
            Ok(t.after(Stage::MsmH, || msm(&pk.h, &hb)))
        },
        || {
            // Equal values of z, found once for the four MSMs (while the
            // other core starts the FFTs).
            let rep = Repeats::find(&zb);
            rayon::join(
                || {
                    rayon::join(
                        || t.after(Stage::MsmA, || pk.a.msm_with(&zb, &rep)),
                        || t.after(Stage::MsmBG1, || pk.b_g1.msm_with(&zb, &rep)),
                    )
                },
                || {
                    rayon::join(
                        || t.after(Stage::MsmBG2, || pk.b_g2.msm_with(&zb, &rep)),
                        || t.after(Stage::MsmL, || pk.l.msm_with(&zb, &rep)),
                    )
                },
            )
        },
    );
    let h_acc = h_acc?;
    let g_a = g_a + pk.vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = g1_b + pk.beta_g1 + pk.delta_g1 * s;
    let g2_b = g2_b + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l_acc + h_acc;
    Ok(Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    })
}

/// The witness stage of a proof from `z`: checked against every row, then
/// reported.
fn checked(pk: &ProverKey, z: &[Fr], t: &Tracker) -> Res<(Vec<Fr>, Vec<Fr>)> {
    let ab = evaluate_checked(pk, z)?;
    t.finished(Stage::Witness);
    Ok(ab)
}

/// [`prove_assignment`] with a chosen reduction (a wrong one gives a proof
/// that does not verify: tests show it).
pub fn prove_assignment_with(
    pk: &ProverKey,
    red: Reduction,
    z: &[Fr],
    r: Fr,
    s: Fr,
) -> Res<Proof<Bn254>> {
    let t = Tracker::new(&Quiet, 0);
    prove_from_evaluations(pk, red, z, checked(pk, z, &t)?, (r, s), &t)
}

/// Proves from a full assignment `z = (1, inputs, witness)` with blinding
/// `r`, `s`. Refuses an assignment that does not satisfy every row.
pub fn prove_assignment(pk: &ProverKey, z: &[Fr], r: Fr, s: Fr) -> Res<Proof<Bn254>> {
    prove_assignment_observed(pk, z, (r, s), &Tracker::new(&Quiet, 0))
}

fn prove_assignment_observed(
    pk: &ProverKey,
    z: &[Fr],
    blind: (Fr, Fr),
    t: &Tracker,
) -> Res<Proof<Bn254>> {
    let ab = checked(pk, z, t)?;
    prove_from_evaluations(pk, pk.reduction()?, z, ab, blind, t)
}

/// Proves with the tuned prover from a witness generator (the claim's native
/// check, then its assignment: readable errors first, in the claim's own
/// error type `E`); also returns the stage times. The assignment is then
/// checked against the matrices, then proven.
pub fn prove_timed<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignment: impl FnOnce() -> Result<Vec<Fr>, E>,
    rng: &mut R,
) -> Result<(Proof<Bn254>, Timings), E> {
    prove_observed(pk, assignment, rng, &Quiet)
}

/// [`prove_timed`], telling `progress` as each [`Stage`] finishes.
pub fn prove_observed<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignment: impl FnOnce() -> Result<Vec<Fr>, E>,
    rng: &mut R,
    progress: &dyn Progress,
) -> Result<(Proof<Bn254>, Timings), E> {
    let tracker = Tracker::new(progress, 0);
    let mut t = Timings::default();
    let start = Instant::now();
    let z = assignment()?;
    t.witness = start.elapsed();
    let start = Instant::now();
    let ab = checked(pk, &z, &tracker)?;
    t.check = start.elapsed();
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let start = Instant::now();
    let proof = prove_from_evaluations(pk, pk.reduction()?, &z, ab, (r, s), &tracker)?;
    t.msm_and_fft = start.elapsed();
    Ok((proof, t))
}

/// [`prove_timed`] without the times.
pub fn prove<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignment: impl FnOnce() -> Result<Vec<Fr>, E>,
    rng: &mut R,
) -> Result<Proof<Bn254>, E> {
    prove_timed(pk, assignment, rng).map(|(p, _)| p)
}

/// Proves several statements of one circuit with one loaded key: the
/// assignments are computed in parallel (`assign` on each item), then each
/// proof uses every core in turn (one proof's buffers at a time bound the
/// memory). Results are in input order; one refused statement does not stop
/// the others.
pub fn prove_many<T: Sync, E: From<EngineError> + Send>(
    pk: &ProverKey,
    items: &[T],
    assign: impl Fn(&T) -> Result<Vec<Fr>, E> + Sync + Send,
    rng: &mut (impl rand::RngCore + rand::CryptoRng),
) -> Vec<Result<Proof<Bn254>, E>> {
    prove_many_observed(pk, items, assign, rng, &Quiet)
}

/// [`prove_many`], telling `progress` as each assignment is computed
/// ([`Progress::assigned`]) and as each proof's stages finish.
pub fn prove_many_observed<T, E, R>(
    pk: &ProverKey,
    items: &[T],
    assign: impl Fn(&T) -> Result<Vec<Fr>, E> + Sync + Send,
    rng: &mut R,
    progress: &dyn Progress,
) -> Vec<Result<Proof<Bn254>, E>>
where
    T: Sync,
    E: From<EngineError> + Send,
    R: rand::RngCore + rand::CryptoRng,
{
    let done = std::sync::Mutex::new(0);
    let assignments: Vec<Result<Vec<Fr>, E>> = items
        .par_iter()
        .map(|item| {
            let z = assign(item);
            let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
            *done += 1;
            progress.assigned(*done, items.len());
            z
        })
        .collect();
    prove_assignments_with(pk, assignments, rng, progress, &|_| ())
}

/// An empty constraint system in prove mode: no matrices, no linear
/// combinations kept, the optimization goal of setup (so that an assignment
/// matches the key's variables).
pub fn prove_cs() -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    use ark_relations::gr1cs::{ConstraintSystem, OptimizationGoal, SynthesisMode};
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    cs
}

/// The full assignment of any circuit by one synthesis ([`prove_cs`]).
pub fn assignment_of<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr>>(
    circuit: C,
) -> Res<Vec<Fr>> {
    let cs = prove_cs();
    circuit.generate_constraints(cs.clone())?;
    let inner = cs
        .borrow()
        .ok_or_else(|| EngineError::Backend("constraint system unavailable".into()))?;
    let mut z = inner.instance_assignment()?.to_vec();
    z.extend_from_slice(inner.witness_assignment()?);
    Ok(z)
}

/// Proves from assignments (computed beforehand, e.g. in parallel), one proof
/// at a time with every core; each assignment is checked against the matrices
/// first. Results in input order.
pub fn prove_assignments<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignments: Vec<Result<Vec<Fr>, E>>,
    rng: &mut R,
) -> Vec<Result<Proof<Bn254>, E>> {
    prove_assignments_with(pk, assignments, rng, &Quiet, &|_| ())
}

/// [`prove_assignments`], calling `done(k)` after the `k`-th proof (1-based),
/// for a caller's progress display.
pub fn prove_assignments_counted<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignments: Vec<Result<Vec<Fr>, E>>,
    rng: &mut R,
    done: &dyn Fn(usize),
) -> Vec<Result<Proof<Bn254>, E>> {
    prove_assignments_with(pk, assignments, rng, &Quiet, done)
}

/// [`prove_assignments`], telling `progress` as each proof's stages finish
/// (proof `k` of the batch is [`StageDone::proof`] `k`).
pub fn prove_assignments_observed<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignments: Vec<Result<Vec<Fr>, E>>,
    rng: &mut R,
    progress: &dyn Progress,
) -> Vec<Result<Proof<Bn254>, E>> {
    prove_assignments_with(pk, assignments, rng, progress, &|_| ())
}

fn prove_assignments_with<E: From<EngineError>, R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    assignments: Vec<Result<Vec<Fr>, E>>,
    rng: &mut R,
    progress: &dyn Progress,
    done: &dyn Fn(usize),
) -> Vec<Result<Proof<Bn254>, E>> {
    let blinds: Vec<(Fr, Fr)> = assignments
        .iter()
        .map(|_| (Fr::rand(rng), Fr::rand(rng)))
        .collect();
    assignments
        .into_iter()
        .zip(blinds)
        .enumerate()
        .map(|(k, (z, blind))| {
            let p = prove_assignment_observed(pk, &z?, blind, &Tracker::new(progress, k))?;
            done(k + 1);
            Ok(p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// zkcc's FFT quotient is `ark-poly`'s, for both reductions, on domains
    /// smaller than a cache block and spanning several (wide layers).
    #[test]
    fn quotient_matches_ark_poly() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for n in [2usize, 16, 1 << 10, 4 * crate::fft::BLOCK] {
            for red in [Reduction::Libsnark, Reduction::OddCoset] {
                let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let ours = quotient_on(n, red, a.clone(), b.clone()).unwrap();
                let scalars = quotient_scalars(n, red, a.clone(), b.clone()).unwrap();
                let theirs = quotient_with_ark_poly(n, red, a, b).unwrap();
                assert_eq!(ours, theirs, "n {n} {red:?}");
                let theirs: Vec<BigInt> = theirs.iter().map(|x| x.into_bigint()).collect();
                assert_eq!(scalars, theirs, "scalars, n {n} {red:?}");
            }
        }
    }

    #[test]
    fn quotient_refuses_evaluations_of_another_size() {
        let v = vec![Fr::one(); 8];
        assert!(quotient_on(16, Reduction::Libsnark, v.clone(), v.clone()).is_err());
        assert!(quotient_on(12, Reduction::OddCoset, v.clone(), v).is_err());
    }

    /// `x·y = out` (public) and `(x + y)² = sq` (public): a circuit with
    /// inputs and witnesses, so that every MSM has bases.
    #[derive(Clone)]
    struct Tiny {
        x: Fr,
        y: Fr,
    }

    impl Tiny {
        fn assignment(&self) -> Vec<Fr> {
            let s = self.x + self.y;
            vec![Fr::one(), self.x * self.y, s * s, self.x, self.y]
        }
    }

    impl ark_relations::gr1cs::ConstraintSynthesizer<Fr> for Tiny {
        fn generate_constraints(
            self,
            cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
        ) -> ark_relations::gr1cs::Result<()> {
            use ark_relations::lc;
            let z = self.assignment();
            let out = cs.new_input_variable(|| Ok(z[1]))?;
            let sq = cs.new_input_variable(|| Ok(z[2]))?;
            let x = cs.new_witness_variable(|| Ok(z[3]))?;
            let y = cs.new_witness_variable(|| Ok(z[4]))?;
            cs.enforce_r1cs_constraint(|| lc!() + x, || lc!() + y, || lc!() + out)?;
            cs.enforce_r1cs_constraint(|| lc!() + x + y, || lc!() + x + y, || lc!() + sq)
        }
    }

    /// The non-generic setup entry gives the key a direct call of
    /// `ark-groth16`'s generator gives with the same seed (its draws, in its
    /// order; a different seed, a different key), and a prover key survives
    /// its file format (`to_bytes`, `read_unchecked`) unchanged.
    #[test]
    fn the_setup_entry_is_ark_groth16s_generator_and_keys_round_trip() {
        let c = Tiny {
            x: Fr::from(5u64),
            y: Fr::from(7u64),
        };
        let direct = ark_groth16::Groth16::<Bn254>::generate_random_parameters_with_reduction(
            c.clone(),
            &mut ChaCha20Rng::seed_from_u64(3),
        )
        .unwrap();
        let key = |seed| {
            crate::setup::groth16_key(
                &mut |cs| {
                    ark_relations::gr1cs::ConstraintSynthesizer::generate_constraints(c.clone(), cs)
                },
                Reduction::Libsnark,
                &mut ChaCha20Rng::seed_from_u64(seed),
            )
            .unwrap()
        };
        assert_eq!(key(3), direct);
        assert_ne!(key(4), direct);
        let (pk, r1cs) = crate::setup::setup_keys(
            c.clone(),
            Reduction::Libsnark,
            &mut ChaCha20Rng::seed_from_u64(3),
        )
        .unwrap();
        assert_eq!(pk, direct);
        assert_eq!(r1cs, crate::setup::r1cs_of(c).unwrap());
        let pk = ProverKey::new(pk, r1cs).unwrap();
        let bytes = pk.to_bytes().unwrap();
        assert_eq!(ProverKey::read_unchecked(&mut &bytes[..]).unwrap(), pk);
        assert!(ProverKey::read_unchecked(&mut &bytes[..bytes.len() - 1]).is_err());
    }

    /// `Σ_i c_i·τ^i·Z(τ)/δ` (libsnark's points) against `Σ_j −2·q(x_j)·s_j`
    /// (the odd coset's, `Z(x_j) = −2`), for `q = Σ c_i X^i` of degree up to
    /// `n − 1`, on domains of one and of several chunks of the scalars'
    /// parallel loop; a wrong coset or scale fails it.
    #[test]
    fn odd_coset_h_scalars_are_libsnarks_in_another_basis() {
        use crate::setup::OddCosetReduction;
        use ark_groth16::r1cs_to_qap::R1CSToQAP;
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        for n in [8usize, 1 << 13] {
            let d = GeneralEvaluationDomain::<Fr>::new(n).unwrap();
            let (t, delta) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let (zt, dinv) = (d.evaluate_vanishing_polynomial(t), delta.inverse().unwrap());
            let s = OddCosetReduction::h_query_scalars::<Fr, GeneralEvaluationDomain<Fr>>(
                n - 1,
                t,
                zt,
                dinv,
            )
            .unwrap();
            assert_eq!(s.len(), n);
            let coeffs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let q = |x: Fr| coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c);
            let g = Fr::get_root_of_unity(2 * n as u64).unwrap();
            let lhs = q(t) * zt * dinv;
            let rhs: Fr = (0..n)
                .map(|j| -Fr::from(2u64) * q(g * d.element(j)) * s[j])
                .sum();
            assert_eq!(lhs, rhs, "n {n}");
            // A τ on the odd coset is refused, not divided by zero.
            assert!(
                OddCosetReduction::h_query_scalars::<Fr, GeneralEvaluationDomain<Fr>>(
                    n - 1,
                    g * d.element(3),
                    zt,
                    dinv
                )
                .is_err()
            );
        }
    }

    /// From one seed the two reductions give one toxic waste: every point
    /// but `H` equal; the `H` terms of a quotient agree (libsnark's over its
    /// coefficients, the odd coset's over its values there, `Z = −2`);
    /// `ark-groth16`'s prover under [`crate::setup::OddCosetReduction`]
    /// computes zkcc's scalars; and the proofs of both keys (stock and tuned)
    /// verify under the one verifying key.
    #[test]
    fn odd_coset_keys_share_the_toxic_waste_of_stock_keys() {
        use crate::setup::{setup_keys, OddCosetReduction};
        use ark_groth16::r1cs_to_qap::R1CSToQAP;
        use ark_relations::gr1cs::ConstraintSynthesizer;
        let c = Tiny {
            x: Fr::from(5u64),
            y: Fr::from(7u64),
        };
        let seed = || ChaCha20Rng::seed_from_u64(17);
        let (lib, r1cs) = setup_keys(c.clone(), Reduction::Libsnark, &mut seed()).unwrap();
        let (odd, _) = setup_keys(c.clone(), Reduction::OddCoset, &mut seed()).unwrap();
        let n = GeneralEvaluationDomain::<Fr>::new(r1cs.num_constraints() + 3)
            .unwrap()
            .size();
        assert_eq!((lib.h_query.len(), odd.h_query.len()), (n - 1, n));
        let mut same = odd.clone();
        same.h_query = lib.h_query.clone();
        assert_eq!(same, lib);
        let mut rng = ChaCha20Rng::seed_from_u64(18);
        let coeffs: Vec<Fr> = (0..n - 1).map(|_| Fr::rand(&mut rng)).collect();
        let g = Fr::get_root_of_unity(2 * n as u64).unwrap();
        let w = Fr::get_root_of_unity(n as u64).unwrap();
        let values: Vec<Fr> = (0..n)
            .map(|j| {
                let x = g * w.pow([j as u64]);
                -Fr::from(2u64) * coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
            })
            .collect();
        let big = |v: &[Fr]| v.iter().map(|x| x.into_bigint()).collect::<Vec<_>>();
        assert_eq!(
            msm(&lib.h_query, &big(&coeffs)),
            msm(&odd.h_query, &big(&values))
        );

        // Only n − 1 or n H points make a key.
        for len in [n - 2, n + 1] {
            let mut bad = odd.clone();
            bad.h_query.resize(len, odd.h_query[0]);
            assert!(ProverKey::new(bad, r1cs.clone()).is_err(), "{len} H points");
        }
        let mut tuned = ProverKey::new(odd.clone(), r1cs).unwrap();
        assert_eq!(tuned.reduction().unwrap(), Reduction::OddCoset);
        assert!(tuned.is_consistent());
        tuned.h.push(tuned.h[0]);
        assert!(!tuned.is_consistent() && tuned.reduction().is_err());
        tuned.h.pop();
        let z = c.assignment();
        let (a, b) = evaluate_checked(&tuned, &z).unwrap();
        let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
        c.clone().generate_constraints(cs.clone()).unwrap();
        cs.finalize();
        assert_eq!(
            OddCosetReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs).unwrap(),
            quotient(&tuned, a, b).unwrap()
        );

        let pvk = ark_groth16::prepare_verifying_key(&lib.vk);
        let stock = ark_groth16::Groth16::<Bn254>::create_random_proof_with_reduction(
            c.clone(),
            &lib,
            &mut rng,
        )
        .unwrap();
        let ours = prove_assignment(&tuned, &z, Fr::rand(&mut rng), Fr::rand(&mut rng)).unwrap();
        for p in [&stock, &ours] {
            assert!(ark_groth16::Groth16::<Bn254>::verify_proof(&pvk, p, &z[1..3]).unwrap());
            assert!(!ark_groth16::Groth16::<Bn254>::verify_proof(&pvk, p, &z[2..4]).unwrap());
        }
    }

    /// Records every call an observer gets, in order.
    #[derive(Default)]
    struct Record(std::sync::Mutex<Vec<(Option<StageDone>, Option<(usize, usize)>)>>);

    impl Progress for Record {
        fn assigned(&self, done: usize, of: usize) {
            self.0.lock().unwrap().push((None, Some((done, of))));
        }
        fn stage(&self, done: StageDone) {
            self.0.lock().unwrap().push((Some(done), None));
        }
    }

    /// Asserts that `calls` are the seven stages of proof `proof`, each once,
    /// counted 1 to 7: the witness first, the FFTs before the `H` MSM.
    fn assert_one_proof(calls: &[(Option<StageDone>, Option<(usize, usize)>)], proof: usize) {
        let stages: Vec<StageDone> = calls.iter().map(|c| c.0.unwrap()).collect();
        assert_eq!(stages.len(), 7, "{stages:?}");
        for (k, s) in stages.iter().enumerate() {
            assert_eq!((s.proof, s.done), (proof, k + 1), "{stages:?}");
        }
        let order: Vec<Stage> = stages.iter().map(|s| s.stage).collect();
        assert_eq!(order[0], Stage::Witness);
        let pos = |st| order.iter().position(|&s| s == st).unwrap();
        assert!(pos(Stage::Fft) < pos(Stage::MsmH), "{order:?}");
        let mut sorted = order.clone();
        sorted.sort_by_key(|s| Stage::ALL.iter().position(|a| a == s));
        assert_eq!(sorted, Stage::ALL, "each stage exactly once");
    }

    /// The observer hears every stage of a proof, in order and counted, for
    /// a single proof and for each proof of a batch (after the batch's
    /// assignments, counted); the proofs still verify.
    #[test]
    fn the_observer_hears_every_stage_in_order() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let c = Tiny {
            x: Fr::from(5u64),
            y: Fr::from(7u64),
        };
        let pk = crate::setup::setup_prover_key(c.clone(), &mut rng).unwrap();
        let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
        let verifies = |p: &Proof<Bn254>, c: &Tiny| {
            ark_groth16::Groth16::<Bn254>::verify_proof(&pvk, p, &c.assignment()[1..3]).unwrap()
        };

        let seen = Record::default();
        let (p, _) = prove_observed(&pk, || Res::Ok(c.assignment()), &mut rng, &seen).unwrap();
        assert!(verifies(&p, &c));
        assert_one_proof(&seen.0.lock().unwrap(), 0);

        let items = [
            c.clone(),
            Tiny {
                x: Fr::from(2u64),
                y: Fr::from(3u64),
            },
        ];
        let seen = Record::default();
        let proofs = prove_many_observed(&pk, &items, |c| Res::Ok(c.assignment()), &mut rng, &seen);
        for (p, c) in proofs.iter().zip(&items) {
            assert!(verifies(p.as_ref().unwrap(), c));
        }
        let calls = seen.0.lock().unwrap();
        let assigned: Vec<_> = calls[..2].iter().map(|c| c.1.unwrap()).collect();
        assert_eq!(assigned, [(1, 2), (2, 2)]);
        assert_one_proof(&calls[2..9], 0);
        assert_one_proof(&calls[9..], 1);

        // Nothing is heard past a refused witness.
        let seen = Record::default();
        let mut bad = c.assignment();
        bad[3] += Fr::one();
        assert!(prove_observed(&pk, || Res::Ok(bad), &mut rng, &seen).is_err());
        assert!(seen.0.lock().unwrap().is_empty());
    }
}
