//! A single-party (development) setup from any circuit: its matrices and
//! the tuned prover's key. Production keys come from a ceremony
//! (`zkcc-ceremony`): whoever runs this setup can forge proofs.
use crate::error::{EngineError, Result};
use crate::prove::ProverKey;
use crate::r1cs::R1cs;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
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
    let cs = setup_cs();
    circuit.generate_constraints(cs.clone())?;
    cs.finalize();
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

/// The stock `ark-groth16` proving key and the circuit's matrices (what
/// [`ProverKey::new`] combines), from one random toxic waste.
pub fn setup_keys<C, R>(circuit: C, rng: &mut R) -> Result<(ProvingKey<Bn254>, R1cs)>
where
    C: ConstraintSynthesizer<Fr> + Clone,
    R: rand::RngCore + rand::CryptoRng,
{
    let r1cs = r1cs_of(circuit.clone())?;
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(circuit, rng)
        .map_err(|e| EngineError::Backend(e.to_string()))?;
    Ok((pk, r1cs))
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
