//! Checks the test modules share.
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisError, Variable,
};
use zkcc_circuits::harness::Snapshot;
use zkcc_circuits::Fr;
use zkcc_test_support::hostile::row_with;

/// The honest assignment of `snap` violates one row only: the row whose
/// support holds all of `vars`.
pub fn fails_only_at(snap: &Snapshot, vars: &[Variable]) {
    assert_eq!(snap.failing_rows(&[]), vec![row_with(snap, vars)]);
}

/// `v` set to 2, with what it feeds recomputed as a cheating prover would:
/// the first row refused is `v`'s first, its booleanity row.
pub fn two_fails_at_booleanity(snap: &Snapshot, v: Variable) {
    assert_eq!(
        snap.first_failure(&[(v, Fr::from(2u64))]).row,
        snap.first_row_of(v).unwrap(),
        "booleanity row of {v:?}"
    );
}

/// Synthesizes `circuit` with a claim's `synthesize` (which returns the
/// variables tests aim at): the snapshot of its system, and the variables.
pub fn synthesized<C, V>(
    synthesize: fn(C, ConstraintSystemRef<Fr>) -> Result<V, SynthesisError>,
    circuit: C,
) -> (Snapshot, V) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars = synthesize(circuit, cs.clone()).unwrap();
    (Snapshot::of(&cs).unwrap(), vars)
}

/// The number of constraints of `circuit` (a setup circuit: no witness is
/// checked).
pub fn constraints(circuit: impl ConstraintSynthesizer<Fr>) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}
