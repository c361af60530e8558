//! The pins of a circuit (STYLE.md: "a test that pins the constraint count
//! and a hash of the matrices"): a circuit change is a visible diff and
//! means new keys.
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use sha2::{Digest, Sha256};

/// The number of constraints `circuit` synthesizes.
pub fn constraints(circuit: impl ConstraintSynthesizer<Fr>) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .generate_constraints(cs.clone())
        .expect("the circuit synthesizes");
    cs.num_constraints()
}

/// The constraint count and the SHA-256 (hex) of the finalized matrices of
/// `circuit`: each predicate's label, then every row's (coefficient, column)
/// pairs, rows separated by `|`.
pub fn matrices(circuit: impl ConstraintSynthesizer<Fr>) -> (usize, String) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .generate_constraints(cs.clone())
        .expect("the circuit synthesizes");
    cs.finalize();
    let mut h = Sha256::new();
    for (label, ms) in &cs.to_matrices().expect("matrices") {
        h.update(label.as_bytes());
        for row in ms.iter().flatten() {
            for (coeff, col) in row {
                h.update(coeff.into_bigint().to_bytes_le());
                h.update((*col as u64).to_le_bytes());
            }
            h.update(b"|");
        }
    }
    (cs.num_constraints(), hex::encode(h.finalize()))
}

/// Asserts that `circuit` (called `name`) has the pinned constraint count
/// and matrices, printing both first so that a changed circuit's new pins
/// can be read off the failure.
pub fn assert_pinned(
    name: &str,
    circuit: impl ConstraintSynthesizer<Fr>,
    constraints: usize,
    digest: &str,
) {
    let (n, d) = matrices(circuit);
    println!("{name}: {n} constraints, matrices {d}");
    assert_eq!(n, constraints, "update the pin, the README and the keys");
    assert_eq!(d, digest, "update the pin and the keys");
}

/// For a claim whose circuits are sized by one number (`kind-<size>`): the
/// cost formula `cost` matches the real count of `for_setup(size)` at sizes
/// 1 to 3, and the circuit at `size` has the pinned count and matrices.
pub fn assert_formula_and_pinned<C: ConstraintSynthesizer<Fr>>(
    kind: &str,
    for_setup: impl Fn(usize) -> C,
    cost: impl Fn(usize) -> usize,
    size: usize,
    pins: (usize, &str),
) {
    for n in 1..=3 {
        assert_eq!(constraints(for_setup(n)), cost(n), "{kind}-{n}");
    }
    assert_pinned(&format!("{kind}-{size}"), for_setup(size), pins.0, pins.1);
}
