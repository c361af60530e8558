//! A single-party (development) setup from any circuit: its matrices and
//! the tuned prover's key. Production keys come from a ceremony
//! (`zkcc-ceremony`): whoever runs this setup can forge proofs.
//!
//! The tuned prover's key takes its `H` points in snarkjs's form, on the odd
//! coset ([`OddCosetReduction`], [`Reduction::OddCoset`]), the form ceremony
//! keys have: its quotient is six FFTs, not seven. The stock key
//! ([`setup_keys`], for comparisons with `ark-groth16`'s own prover) keeps
//! `ark-groth16`'s `LibsnarkReduction`; from the same random source both
//! keys share their toxic waste, so their proofs verify under one key.
use crate::error::{EngineError, Result};
use crate::prove::{ProverKey, Reduction};
use crate::r1cs::R1cs;
use ark_bn254::{Bn254, Fr};
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_groth16::{Groth16, ProvingKey};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, Matrix, OptimizationGoal,
    SynthesisError, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use rayon::prelude::*;

/// A constraint system in setup mode, optimized for constraints (the mode
/// every key of the project is made in).
pub fn setup_cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    cs
}

/// Number of R1CS constraints of a circuit (one synthesis in setup mode).
pub fn constraints_of(circuit: impl ConstraintSynthesizer<Fr>) -> Result<usize> {
    let cs = setup_cs();
    circuit.generate_constraints(cs.clone())?;
    Ok(cs.num_constraints())
}

/// The R1CS matrices of a circuit (one synthesis in setup mode).
pub fn r1cs_of(circuit: impl ConstraintSynthesizer<Fr>) -> Result<R1cs> {
    let mut circuit = Some(circuit);
    r1cs_of_synthesis(&mut |cs| match circuit.take() {
        Some(c) => c.generate_constraints(cs),
        None => Err(SynthesisError::AssignmentMissing),
    })
}

/// [`r1cs_of`] for a [`Synthesis`] (compiled once, here).
pub fn r1cs_of_synthesis(synthesis: Synthesis<'_>) -> Result<R1cs> {
    let cs = setup_cs();
    synthesis(cs.clone())?;
    cs.finalize();
    r1cs_of_finalized(&cs)
}

/// The matrices of a synthesized, finalized constraint system.
fn r1cs_of_finalized(cs: &ConstraintSystemRef<Fr>) -> Result<R1cs> {
    let matrices = cs.to_matrices()?;
    let m = matrices
        .get(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| EngineError::Backend("constraint system has no R1CS matrices".into()))?;
    Ok(R1cs::from_matrices(
        m,
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    ))
}

/// A circuit's synthesis, as a closure over a constraint system.
pub type Synthesis<'a> =
    &'a mut dyn FnMut(ConstraintSystemRef<Fr>) -> std::result::Result<(), SynthesisError>;

/// [`Synthesis`] as a circuit, so that `ark-groth16`'s generator is
/// instantiated once, here, for every claim: a caller's crate then compiles
/// none of it (each instance is the generator's FFTs and fixed-base
/// multiplications, optimised: minutes of CI build time per copy).
struct Synthesized<'a>(Synthesis<'a>);

impl ConstraintSynthesizer<Fr> for Synthesized<'_> {
    fn generate_constraints(
        self,
        cs: ConstraintSystemRef<Fr>,
    ) -> std::result::Result<(), SynthesisError> {
        (self.0)(cs)
    }
}

/// The `ark-groth16` proving key of the circuit that `synthesis` builds,
/// its `H` points for reduction `red`, from one random toxic waste drawn
/// from `rng` (the generator's own draws, in its order: the same key as a
/// direct call of `ark-groth16`'s generator with the same `rng`; the same
/// `α, β, γ, δ, τ` and generators for either reduction).
pub fn groth16_key(
    synthesis: Synthesis<'_>,
    red: Reduction,
    mut rng: &mut dyn rand::RngCore,
) -> Result<ProvingKey<Bn254>> {
    let c = Synthesized(synthesis);
    match red {
        Reduction::Libsnark => {
            Groth16::<Bn254, LibsnarkReduction>::generate_random_parameters_with_reduction(
                c, &mut rng,
            )
        }
        Reduction::OddCoset => {
            Groth16::<Bn254, OddCosetReduction>::generate_random_parameters_with_reduction(
                c, &mut rng,
            )
        }
    }
    .map_err(|e| EngineError::Backend(e.to_string()))
}

/// `A·B − C` on `coset` from `A`, `B`, `C` on `domain`, by `ark-poly`'s FFTs
/// (an interpolation and an evaluation each).
pub(crate) fn on_coset_minus<F: PrimeField, D: EvaluationDomain<F>>(
    domain: &D,
    coset: &D,
    mut a: Vec<F>,
    mut b: Vec<F>,
    mut c: Vec<F>,
) -> Vec<F> {
    for v in [&mut a, &mut b, &mut c] {
        domain.ifft_in_place(v);
        coset.fft_in_place(v);
    }
    a.par_iter_mut()
        .zip(&b)
        .zip(&c)
        .for_each(|((a, b), c)| *a = *a * b - c);
    a
}

/// snarkjs's R1CS-to-QAP reduction, for `ark-groth16`'s generator and
/// prover ([`Reduction::OddCoset`]): the key's `H` points are
/// `L^{2n}_{2j+1}(τ)/δ·G1`, the Lagrange polynomials of the `2n`-th roots of
/// unity at the odd ones, `x_j = g·ω^j` (`g` a primitive `2n`-th root, `ω =
/// g²`), and the prover's scalars are `A·B − C` at the `x_j`.
///
/// Why that is the same statement: `A·B − C` has degree at most `2n − 2` and
/// vanishes on the `n`-th roots (the even ones), so it is its interpolation
/// on the odd ones alone, and `Σ_j (A·B − C)(x_j)·L^{2n}_{2j+1}(τ) =
/// (A·B − C)(τ) = h(τ)·Z(τ)`: the `H` term of the proof is `h(τ)·Z(τ)/δ`, as
/// with libsnark's `n − 1` points `τ^i·Z(τ)/δ`. The `n` points span the
/// `τ^i·Z(τ)/δ` for `i < n`, one more than libsnark's; a term in
/// `τ^{n−1}·Z(τ)` has degree `2n − 1`, which no `A·B` of the QAP reaches, so
/// it cannot help a forger (the form of every snarkjs key and of zkcc's
/// ceremony keys). The instance map (the `A`, `B`, `C`, `L` points) is
/// libsnark's.
pub struct OddCosetReduction;

impl R1CSToQAP for OddCosetReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> std::result::Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    /// `A·B − C` on the odd coset, by `ark-poly`'s FFTs (zkcc's own prover
    /// computes the same with [`crate::prove::quotient`]; tested equal).
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> std::result::Result<Vec<F>, SynthesisError> {
        if matrices.len() != 3 || num_inputs > full_assignment.len() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let coset = F::get_root_of_unity(2 * n as u64)
            .and_then(|g| domain.get_coset(g))
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let rows = |m: &Matrix<F>| -> Vec<F> {
            let mut v: Vec<F> = m
                .par_iter()
                .take(num_constraints)
                .map(|row| evaluate_constraint(row, full_assignment))
                .collect();
            v.resize(n, F::zero());
            v
        };
        let (mut a, b, c) = (rows(&matrices[0]), rows(&matrices[1]), rows(&matrices[2]));
        a[num_constraints..num_constraints + num_inputs]
            .copy_from_slice(&full_assignment[..num_inputs]);
        Ok(on_coset_minus(&domain, &coset, a, b, c))
    }

    /// `L^{2n}_{2j+1}(τ)/δ = (τ^{2n} − 1)·x_j / (2n·(τ − x_j)·δ)` for the `n`
    /// odd `2n`-th roots `x_j` (the generator asks for `max_power = n − 1`).
    /// Refuses a `τ` on the odd coset (`τ^n = −1`: probability `n/|F|`),
    /// where the formula has no value; the generator's `τ` is already off
    /// the `n`-th roots.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> std::result::Result<Vec<F>, SynthesisError> {
        let n = max_power + 1;
        let domain = D::new(n)
            .filter(|d| d.size() == n)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let g =
            F::get_root_of_unity(2 * n as u64).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let (two_n_inv, tn) = (F::from(2 * n as u64).inverse(), t.pow([n as u64]));
        let two_n_inv = two_n_inv.ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        // τ^{2n} − 1 = (τ^n − 1)(τ^n + 1): zero iff τ is a 2n-th root.
        let num = (tn - F::one()) * (tn + F::one()) * two_n_inv * delta_inverse;
        if num.is_zero() {
            return Err(SynthesisError::DivisionByZero);
        }
        let omega = domain.group_gen();
        const CHUNK: usize = 1 << 12;
        let mut out = vec![F::zero(); n];
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(k, chunk)| {
                let mut x = g * omega.pow([(k * CHUNK) as u64]);
                let mut xs = Vec::with_capacity(chunk.len());
                for d in chunk.iter_mut() {
                    *d = t - x;
                    xs.push(x);
                    x *= omega;
                }
                ark_ff::batch_inversion(chunk);
                for (d, x) in chunk.iter_mut().zip(xs) {
                    *d *= num * x;
                }
            });
        Ok(out)
    }
}

/// [`groth16_key`] and the circuit's matrices, from the generator's own
/// synthesis: the constraint system it hands over (setup mode, optimized
/// for constraints, as [`setup_cs`]) is finalized and read right after the
/// circuit is synthesized into it; the generator's own finalization then
/// finds nothing left to inline, and it frees the system after its QAP step
/// as it does anyway (so the peak memory is a separate [`r1cs_of`]'s).
/// Synthesis and the inlining of linear combinations are a third of a
/// development setup (6.5 s of `request-16x8`'s 17 s); this does them once.
pub fn groth16_key_and_r1cs(
    synthesis: Synthesis<'_>,
    red: Reduction,
    rng: &mut dyn rand::RngCore,
) -> Result<(ProvingKey<Bn254>, R1cs)> {
    let mut r1cs = None;
    let pk = groth16_key(
        &mut |cs| {
            synthesis(cs.clone())?;
            if !cs.is_in_setup_mode() {
                return Err(SynthesisError::AssignmentMissing);
            }
            cs.finalize();
            r1cs = Some(r1cs_of_finalized(&cs));
            Ok(())
        },
        red,
        rng,
    )?;
    let r1cs =
        r1cs.ok_or_else(|| EngineError::Backend("the generator synthesized nothing".into()))??;
    Ok((pk, r1cs))
}

/// The `ark-groth16` proving key (its `H` points for `red`) and the
/// circuit's matrices (what [`ProverKey::new`] combines), from one random
/// toxic waste and one synthesis ([`groth16_key_and_r1cs`]).
/// [`Reduction::Libsnark`] gives the stock key, which `ark-groth16`'s own
/// prover takes.
pub fn setup_keys<C, R>(
    circuit: C,
    red: Reduction,
    rng: &mut R,
) -> Result<(ProvingKey<Bn254>, R1cs)>
where
    C: ConstraintSynthesizer<Fr>,
    R: rand::RngCore + rand::CryptoRng,
{
    let mut circuit = Some(circuit);
    groth16_key_and_r1cs(
        &mut |cs| match circuit.take() {
            Some(c) => c.generate_constraints(cs),
            None => Err(SynthesisError::AssignmentMissing),
        },
        red,
        rng,
    )
}

/// A single-party setup of the tuned prover's key, its `H` points on the
/// odd coset ([`OddCosetReduction`]).
pub fn setup_prover_key<C, R>(circuit: C, rng: &mut R) -> Result<ProverKey>
where
    C: ConstraintSynthesizer<Fr> + Clone,
    R: rand::RngCore + rand::CryptoRng,
{
    let (pk, r1cs) = setup_keys(circuit, Reduction::OddCoset, rng)?;
    ProverKey::new(pk, r1cs)
}
