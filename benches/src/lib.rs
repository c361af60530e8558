//! Shared set-up for the zkcc benches (see `benches/RESULTS.md`).
#![deny(missing_docs)]

use ark_bn254::Fr;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::ClusterShape;

/// An honest cluster fixture filling `chips` slots in `facilities` groups.
pub fn full_fixture(chips: usize, facilities: usize) -> Fixture {
    let shape = ClusterShape { chips, facilities };
    let per = chips / facilities;
    let mut groups = vec![per; facilities];
    groups[0] += chips - per * facilities;
    Fixture::new(shape, &groups, 42)
}

/// The witness stage of stock `ark-groth16`: synthesize the circuit with
/// matrices, as `Groth16::prove` does, and finalize.
pub fn stock_constraint_system(c: &ClusterCircuit) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: true,
        generate_lc_assignments: false,
    });
    c.clone()
        .generate_constraints(cs.clone())
        .expect("the cluster circuit synthesizes");
    cs.finalize();
    cs
}
