//! A single-party (development) setup from any circuit: its matrices and
//! the tuned prover's key. Production keys come from a ceremony
//! (`zkcc-ceremony`): whoever runs this setup can forge proofs.
use crate::error::{EngineError, Result};
use crate::prove::ProverKey;
use crate::r1cs::R1cs;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisError,
    SynthesisMode, R1CS_PREDICATE_LABEL,
};

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

/// The stock `ark-groth16` proving key of the circuit that `synthesis`
/// builds, from one random toxic waste drawn from `rng` (the generator's own
/// draws, in its order: the same key as a direct call with the same `rng`).
pub fn groth16_key(
    synthesis: Synthesis<'_>,
    mut rng: &mut dyn rand::RngCore,
) -> Result<ProvingKey<Bn254>> {
    Groth16::<Bn254>::generate_random_parameters_with_reduction(Synthesized(synthesis), &mut rng)
        .map_err(|e| EngineError::Backend(e.to_string()))
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
        rng,
    )?;
    let r1cs =
        r1cs.ok_or_else(|| EngineError::Backend("the generator synthesized nothing".into()))??;
    Ok((pk, r1cs))
}

/// The stock `ark-groth16` proving key and the circuit's matrices (what
/// [`ProverKey::new`] combines), from one random toxic waste and one
/// synthesis ([`groth16_key_and_r1cs`]).
pub fn setup_keys<C, R>(circuit: C, rng: &mut R) -> Result<(ProvingKey<Bn254>, R1cs)>
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
        rng,
    )
}

/// A single-party setup of the tuned prover's key.
pub fn setup_prover_key<C, R>(circuit: C, rng: &mut R) -> Result<ProverKey>
where
    C: ConstraintSynthesizer<Fr> + Clone,
    R: rand::RngCore + rand::CryptoRng,
{
    let (pk, r1cs) = setup_keys(circuit, rng)?;
    ProverKey::new(pk, r1cs)
}
