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
    use ark_relations::gr1cs::{ConstraintSystem, Variable};

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
            assert!(crate::harness::satisfied(&cs).unwrap());
        }
    }

    use crate::harness::{var_of_bool, Explained, RowRange, Snapshot};
    use ark_r1cs_std::eq::EqGadget;

    struct Bound {
        snap: Snapshot,
        path: MerklePathVar,
        /// Rows of `root()`: per level, the two selects (left, right) then Poseidon(2).
        root_rows: RowRange,
        eq_row: usize,
    }

    /// Leaf 5 of a depth-4 tree, its path, and the root bound to a public input.
    fn bound() -> Bound {
        let leaves: Vec<Fr> = (10..17u64).map(Fr::from).collect();
        let tree = MerkleTree::new(4, &leaves).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let root_in = FpVar::new_input(cs.clone(), || Ok(tree.root())).unwrap();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaves[5])).unwrap();
        let (path, alloc_rows) = RowRange::record(&cs, "merkle path allocation", || {
            MerklePathVar::new_witness(cs.clone(), &tree.path(5)).unwrap()
        });
        let (root, root_rows) = RowRange::record(&cs, "merkle root", || path.root(&leaf).unwrap());
        let eq_row = cs.num_constraints();
        root.enforce_equal(&root_in).unwrap();
        let snap = Snapshot::of(&cs)
            .unwrap()
            .with_labels([alloc_rows, root_rows.clone()]);
        snap.is_satisfied().unwrap();
        Bound {
            snap,
            path,
            root_rows,
            eq_row,
        }
    }

    const LEVEL: usize = 2 + 240;

    /// An index bit of 2 selects `2·sib − cur` (a value no boolean choice gives):
    /// only the bit's booleanity row stops it before the root.
    #[test]
    fn hostile_non_boolean_index_bit_fails_at_its_booleanity_row() {
        let b = bound();
        let bit = var_of_bool(&b.path.index_bits[1]).unwrap();
        let bool_row = b.snap.first_row_of(bit).unwrap();
        assert_eq!(b.snap.support(bool_row), vec![Variable::one(), bit]);
        let err = b.snap.check(&[(bit, Fr::from(2u64))]).unwrap_err();
        assert_eq!(err.row, bool_row);
        assert_eq!(err.name.as_deref(), Some("merkle path allocation"));
        let completed = b.snap.propagate(&[(bit, Fr::from(2u64))]);
        assert_eq!(b.snap.failing_rows(&completed), vec![bool_row, b.eq_row]);
    }

    /// Swapping the two select outputs of a level (hashing `(right, left)`)
    /// fails at the row of the left select.
    #[test]
    fn hostile_swapped_select_outputs_fail_at_the_select_row() {
        let b = bound();
        for level in 0..4 {
            let (left, right) = (
                b.root_rows.witness(level * LEVEL),
                b.root_rows.witness(level * LEVEL + 1),
            );
            let (l, r) = (b.snap.value(left).unwrap(), b.snap.value(right).unwrap());
            assert_ne!(l, r);
            let err = b.snap.check(&[(left, r), (right, l)]).unwrap_err();
            assert_eq!(err.row, b.root_rows.row(level * LEVEL), "level {level}");
            assert_eq!(b.snap.first_row_of(left), Some(err.row));
            assert_eq!(err.name.as_deref(), Some("merkle root"));
            let completed = b.snap.propagate(&[(left, r), (right, l)]);
            assert_eq!(
                b.snap.failing_rows(&completed),
                vec![err.row, err.row + 1, b.eq_row],
                "level {level}"
            );
        }
    }

    #[test]
    fn hostile_no_free_variables() {
        bound().snap.check_free(&Explained::new()).unwrap();
    }
}
