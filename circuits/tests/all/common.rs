//! Checks the test modules share.
use ark_relations::gr1cs::Variable;
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
