//! What every claim circuit does the same way, written once: allocating its
//! statement's public inputs, opening the registry root, and opening a
//! facility's registry leaf.
use crate::domain;
use crate::merkle::constraints::MerklePathVar;
use crate::merkle::MerklePath;
use crate::poseidon::constraints::hash;
use crate::registry::FacilityLeaf;
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

/// Opens a facility slot's registry leaf: allocates its eight fields (in
/// [`crate::registry::LEAF_FIELDS`] order) and its Merkle path as witness,
/// and enforces, when `used`, that the path from `Poseidon(fields)` ends at
/// `facilities_root`. 2,833 constraints (leaf 402, path 2,430, the
/// conditional equality 1). Returns the fields and the path. Assumes `used`
/// is an enforced boolean.
pub fn open_facility(
    cs: &ConstraintSystemRef<Fr>,
    facility: &FacilityLeaf,
    path: &MerklePath,
    facilities_root: &FpVar<Fr>,
    used: &Boolean<Fr>,
) -> Result<([FpVar<Fr>; 8], MerklePathVar), SynthesisError> {
    let fields = facility
        .fields()
        .map(|v| FpVar::new_witness(cs.clone(), || Ok(v)))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = hash(&fields)?;
    let fields: [FpVar<Fr>; 8] = fields
        .try_into()
        .map_err(|_| SynthesisError::Unsatisfiable)?;
    let path = MerklePathVar::new_witness(cs.clone(), path)?;
    path.root(&leaf)?
        .conditional_enforce_equal(facilities_root, used)?;
    Ok((fields, path))
}
