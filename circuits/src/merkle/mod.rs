//! Fixed-depth binary Merkle trees with Poseidon(2) nodes.
//!
//! Leaves are field elements (each kind of leaf is itself a Poseidon hash of a
//! different arity, which domain-separates leaves from nodes); absent leaves
//! are 0. Node = `Poseidon(left, right)`. A path is the list of siblings from
//! the leaf up and the leaf index, whose bit `i` says whether the node at level
//! `i` is a right child.
use crate::poseidon::hash2;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Largest supported depth (about a million leaves).
pub const MAX_DEPTH: usize = 20;

/// A fixed-depth Merkle tree over field-element leaves.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    depth: usize,
    /// `layers[0]` are the (padded) leaves, `layers[depth]` is `[root]`.
    layers: Vec<Vec<Fr>>,
}

/// An authentication path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerklePath {
    /// Leaf position.
    pub index: u64,
    /// Siblings from the leaf level up.
    #[serde(with = "serde_fr_vec")]
    pub siblings: Vec<Fr>,
}

mod serde_fr_vec {
    use crate::encoding::{fr_from_hex, fr_to_hex};
    use ark_bn254::Fr;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[Fr], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(fr_to_hex))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| fr_from_hex(s).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Too many leaves for the depth, or an unsupported depth.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a Merkle tree of depth {depth} (max {MAX_DEPTH}) cannot hold {leaves} leaves")]
pub struct MerkleCapacityError {
    /// Requested depth.
    pub depth: usize,
    /// Leaves given.
    pub leaves: usize,
}

impl MerkleTree {
    /// Builds the tree; absent leaves are 0.
    pub fn new(depth: usize, leaves: &[Fr]) -> Result<Self, MerkleCapacityError> {
        if depth > MAX_DEPTH || leaves.len() > (1usize << depth) {
            return Err(MerkleCapacityError {
                depth,
                leaves: leaves.len(),
            });
        }
        // Subtrees with no leaves hash to a per-level constant; only the
        // populated prefix of each level is stored.
        let mut empty = Fr::from(0u64);
        let mut layers = vec![leaves.to_vec()];
        for _ in 0..depth {
            let below = layers.last().expect("non-empty");
            let mut up = Vec::with_capacity(below.len().div_ceil(2).max(1));
            for pair in below.chunks(2) {
                let r = pair.get(1).copied().unwrap_or(empty);
                up.push(hash2(pair[0], r));
            }
            if up.is_empty() {
                up.push(hash2(empty, empty));
            }
            empty = hash2(empty, empty);
            layers.push(up);
        }
        if layers[0].is_empty() {
            layers[0].push(Fr::from(0u64));
        }
        Ok(Self { depth, layers })
    }

    fn node(&self, level: usize, i: usize) -> Fr {
        match self.layers[level].get(i) {
            Some(x) => *x,
            None => {
                let mut e = Fr::from(0u64);
                for _ in 0..level {
                    e = hash2(e, e);
                }
                e
            }
        }
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.layers[self.depth][0]
    }

    /// Depth of the tree.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The authentication path of leaf `index` (which must be < 2^depth).
    pub fn path(&self, index: usize) -> MerklePath {
        let mut siblings = Vec::with_capacity(self.depth);
        let mut i = index;
        for level in 0..self.depth {
            siblings.push(self.node(level, i ^ 1));
            i >>= 1;
        }
        MerklePath {
            index: index as u64,
            siblings,
        }
    }
}

impl MerklePath {
    /// The root that this path and `leaf` hash up to.
    pub fn root(&self, leaf: Fr) -> Fr {
        let mut cur = leaf;
        for (level, sib) in self.siblings.iter().enumerate() {
            cur = if (self.index >> level) & 1 == 1 {
                hash2(*sib, cur)
            } else {
                hash2(cur, *sib)
            };
        }
        cur
    }

    /// A path of the given depth that proves nothing (used for padded slots).
    pub fn empty(depth: usize) -> Self {
        Self {
            index: 0,
            siblings: vec![Fr::from(0u64); depth],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_verify_and_padding_is_consistent() {
        let leaves: Vec<Fr> = (1..=5u64).map(Fr::from).collect();
        let t = MerkleTree::new(3, &leaves).unwrap();
        // Same root as a tree given the zero padding explicitly.
        let mut padded = leaves.clone();
        padded.resize(8, Fr::from(0u64));
        assert_eq!(MerkleTree::new(3, &padded).unwrap().root(), t.root());
        for i in 0..8 {
            let leaf = padded[i];
            assert_eq!(t.path(i).root(leaf), t.root(), "leaf {i}");
            assert_ne!(t.path(i).root(leaf + Fr::from(1u64)), t.root());
        }
        assert!(MerkleTree::new(2, &leaves).is_err());
        assert!(MerkleTree::new(MAX_DEPTH + 1, &[]).is_err());
        assert_eq!(
            MerkleTree::new(0, &[Fr::from(9u64)]).unwrap().root(),
            Fr::from(9u64)
        );
    }
}
