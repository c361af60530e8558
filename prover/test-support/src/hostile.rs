//! Hostile-assignment tests on a circuit's [`Snapshot`]: the variables a
//! gadget returned, and the one row that holds a given set of them.
use ark_r1cs_std::{boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::Variable;
use zkcc_circuits::harness::{var_of_bool, var_of_fp, Snapshot};
use zkcc_circuits::Fr;

/// The variable behind a field element (not a constant).
pub fn fp(x: &FpVar<Fr>) -> Variable {
    var_of_fp(x).expect("a variable")
}

/// The variable behind a Boolean (not a constant).
pub fn bv(b: &Boolean<Fr>) -> Variable {
    var_of_bool(b).expect("a variable")
}

/// The unique row whose support holds all of `vars`.
pub fn row_with(snap: &Snapshot, vars: &[Variable]) -> usize {
    let rows: Vec<usize> = snap
        .rows_of(vars[0])
        .into_iter()
        .filter(|&r| {
            let s = snap.support(r);
            vars.iter().all(|v| s.contains(v))
        })
        .collect();
    assert_eq!(rows.len(), 1, "rows holding {vars:?}: {rows:?}");
    rows[0]
}
