//! The full assignment `z = (1, inputs, witness)` of the cluster circuit.
use crate::error::{ProverError, Result};
use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use zkcc_circuits::cluster::constraints::ClusterCircuit;

/// The assignment, by synthesis in prove mode without matrices.
pub fn assignment(circuit: &ClusterCircuit) -> Result<Vec<Fr>> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    circuit.clone().generate_constraints(cs.clone())?;
    let inner = cs
        .borrow()
        .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
    let mut z = inner.instance_assignment()?.to_vec();
    z.extend_from_slice(inner.witness_assignment()?);
    Ok(z)
}
