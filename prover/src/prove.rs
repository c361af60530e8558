//! Proving: synthesize, check that the witness satisfies every constraint,
//! then run Groth16 on the matrices and assignment already built.
//!
//! arkworks' own prover only `debug_assert!`s satisfiability; a release build
//! would spend the whole proving time on a witness that cannot verify. Here an
//! unsatisfied witness is refused before any MSM or FFT, with the name of the
//! first failing constraint.
use crate::error::{ProverError, Result};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL};
use ark_std::UniformRand;
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::check_native;

/// Proves a cluster statement. Runs the native check first (readable errors),
/// then the constraint check, then Groth16.
pub fn prove<R: rand::RngCore + rand::CryptoRng>(pk: &ProvingKey<Bn254>, circuit: ClusterCircuit, rng: &mut R) -> Result<Proof<Bn254>> {
    let witness = circuit.witness.as_ref().ok_or_else(|| ProverError::Backend("no witness to prove with".into()))?;
    check_native(&circuit.shape, &circuit.statement, witness)?;

    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    circuit.generate_constraints(cs.clone())?;
    cs.finalize();
    if !cs.is_satisfied()? {
        let which = cs.which_is_unsatisfied()?.unwrap_or_else(|| "unknown".into());
        return Err(ProverError::Unsatisfied(which));
    }
    let matrices = cs.to_matrices()?;
    let r1cs = matrices
        .get(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| ProverError::Backend("constraint system has no R1CS matrices".into()))?;
    let num_inputs = cs.num_instance_variables();
    let num_constraints = cs.num_constraints();
    let full_assignment = {
        let inner = cs.borrow().ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
        let mut a = inner.instance_assignment()?.to_vec();
        a.extend_from_slice(inner.witness_assignment()?);
        a
    };
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    Groth16::<Bn254>::create_proof_with_reduction_and_matrices(pk, r, s, r1cs, num_inputs, num_constraints, &full_assignment)
        .map_err(|e| ProverError::Backend(e.to_string()))
}
