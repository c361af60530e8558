//! What every claim circuit does the same way, written once: allocating its
//! statement's public inputs and opening the registry root.
use crate::domain;
use crate::poseidon::constraints::hash;
use ark_bn254::Fr;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Allocates a statement's public inputs (its `public_inputs()`), in order,
/// so that the circuit's inputs and the verifier's cannot drift apart. No
/// constraints. Refuses (unsatisfiable) a list that is not `N` long.
pub fn new_inputs<const N: usize>(
    cs: &ConstraintSystemRef<Fr>,
    values: Vec<Fr>,
) -> Result<[FpVar<Fr>; N], SynthesisError> {
    values
        .into_iter()
        .map(|v| FpVar::new_input(cs.clone(), || Ok(v)))
        .collect::<Result<Vec<_>, _>>()?
        .try_into()
        .map_err(|_| SynthesisError::Unsatisfiable)
}

/// Enforces `root = Poseidon(REGISTRY, facilities_root, auditors_root,
/// params)` (see [`crate::registry::registry_root`]). 297 constraints. The
/// caller allocates the three parts (and so chooses their order).
pub fn enforce_registry_root(
    facilities_root: &FpVar<Fr>,
    auditors_root: &FpVar<Fr>,
    params: FpVar<Fr>,
    root: &FpVar<Fr>,
) -> Result<(), SynthesisError> {
    hash(&[
        FpVar::constant(domain::registry()),
        facilities_root.clone(),
        auditors_root.clone(),
        params,
    ])?
    .enforce_equal(root)
}
