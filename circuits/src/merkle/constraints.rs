//! Merkle path gadget.
//!
//! Cost per level: 1 (index bit is boolean) + 2 (the two selects ordering the
//! pair) + 240 (Poseidon(2)) = 243 constraints. The index bits are allocated
//! here from the path's index; the leaf and siblings are the caller's.
use super::MerklePath;
use crate::poseidon::constraints::hash;
use ark_bn254::Fr;
use ark_r1cs_std::{
    alloc::AllocVar, boolean::Boolean, fields::fp::FpVar, select::CondSelectGadget,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// An allocated authentication path.
pub struct MerklePathVar {
    /// Bit `i` set: the node at level `i` is a right child.
    pub index_bits: Vec<Boolean<Fr>>,
    /// Siblings from the leaf up.
    pub siblings: Vec<FpVar<Fr>>,
}

impl MerklePathVar {
    /// Allocates `path` as witness.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        path: &MerklePath,
    ) -> Result<Self, SynthesisError> {
        let depth = path.siblings.len();
        let index_bits = (0..depth)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok((path.index >> i) & 1 == 1)))
            .collect::<Result<_, _>>()?;
        let siblings = path
            .siblings
            .iter()
            .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            index_bits,
            siblings,
        })
    }

    /// The root that this path and `leaf` hash up to.
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut cur = leaf.clone();
        for (bit, sib) in self.index_bits.iter().zip(&self.siblings) {
            let left = FpVar::conditionally_select(bit, sib, &cur)?;
            let right = FpVar::conditionally_select(bit, &cur, sib)?;
            cur = hash(&[left, right])?;
        }
        Ok(cur)
    }
}

#[cfg(test)]
mod tests {
    use super::super::MerkleTree;
    use super::*;
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn gadget_matches_native_and_pins_cost() {
        let leaves: Vec<Fr> = (10..17u64).map(Fr::from).collect();
        let tree = MerkleTree::new(4, &leaves).unwrap();
        for i in [0usize, 5, 6, 15] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf_val = leaves.get(i).copied().unwrap_or(Fr::from(0u64));
            let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf_val)).unwrap();
            let before = cs.num_constraints();
            let p = MerklePathVar::new_witness(cs.clone(), &tree.path(i)).unwrap();
            let root = p.root(&leaf).unwrap();
            assert_eq!(cs.num_constraints() - before, 4 * 243);
            assert_eq!(root.value().unwrap(), tree.root());
            assert!(cs.is_satisfied().unwrap());
        }
    }
}
