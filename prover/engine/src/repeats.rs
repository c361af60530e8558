//! Repeated values of a witness, found once per proof, so that the witness
//! MSMs sum the bases of equal scalars first.
//!
//! A Groth16 witness repeats values: a circuit copies a value into several
//! variables (a chip's record into each slot that reads it, a running
//! product into each step that checks it, a hash into the chain and the
//! output). In `shard-8x128`'s witness, 11–13% of the wide scalars of the
//! `A`, `B` and `L` MSMs are such copies: 48,259 of `A`'s 370,983 in 9,639
//! groups, down to runs of 512 and 1,012 equal values. A Pippenger window
//! spends a bucket addition on every point, so `Σ s·Pᵢ` over a group costs
//! `k` additions per window where `s·(Σ Pᵢ)` costs `k − 1` additions once
//! and one point in every window: at 17 windows of 15 bits, one addition in
//! place of seventeen ([`crate::msm::msm_indexed_repeats`]). A run of one
//! value also no longer falls on one bucket of every window, where it
//! overflowed the conflict queue into projective spills.
//!
//! [`Repeats::find`] groups the variables by value: a parallel sort of
//! `(low limb, variable)`, then, where low limbs agree, a comparison of the
//! whole values (a collision of low limbs between different values leaves
//! them apart). `0` and `1` are left out: the MSMs skip zeros and sum the
//! bases of ones already.
use ark_ff::BigInteger;
use rayon::prelude::*;

/// No group: the variable's value is not repeated (or is 0 or 1).
pub const NONE: u32 = u32::MAX;

/// The groups of equal values of an assignment (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repeats {
    /// `group[v]`: variable `v`'s group, or [`NONE`].
    pub(crate) group: Vec<u32>,
    /// Number of groups (ids `0..groups`).
    pub(crate) groups: usize,
}

impl Repeats {
    /// No groups over `len` variables: the MSMs run as without repeats.
    pub fn none(len: usize) -> Self {
        Self {
            group: vec![NONE; len],
            groups: 0,
        }
    }

    /// The groups of equal values among `values` (every value of a group
    /// equal, every group at least two variables; `0` and `1` in none).
    pub fn find<B: BigInteger>(values: &[B]) -> Self {
        assert!(
            values.len() < NONE as usize,
            "more variables than group ids"
        );
        let mut keys: Vec<(u64, u32)> = values
            .par_iter()
            .enumerate()
            .filter(|(_, v)| v.num_bits() > 1)
            .map(|(i, v)| (v.as_ref()[0], i as u32))
            .collect();
        keys.par_sort_unstable_by_key(|k| k.0);
        let mut group = vec![NONE; values.len()];
        let mut groups = 0u32;
        let mut run: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let mut j = i + 1;
            while j < keys.len() && keys[j].0 == keys[i].0 {
                j += 1;
            }
            if j - i >= 2 {
                // Equal low limbs: sort the run by the whole value and
                // group the variables whose values are equal.
                run.clear();
                run.extend(keys[i..j].iter().map(|&(_, v)| v));
                run.sort_unstable_by(|&a, &b| {
                    values[a as usize].cmp(&values[b as usize]).then(a.cmp(&b))
                });
                let mut s = 0;
                while s < run.len() {
                    let first = &values[run[s] as usize];
                    let mut e = s + 1;
                    while e < run.len() && values[run[e] as usize] == *first {
                        e += 1;
                    }
                    if e - s >= 2 {
                        for &v in &run[s..e] {
                            group[v as usize] = groups;
                        }
                        groups += 1;
                    }
                    s = e;
                }
            }
            i = j;
        }
        Self {
            group,
            groups: groups as usize,
        }
    }

    /// Number of variables it covers (the assignment's length).
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// Whether it covers no variable.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Variable `v`'s group, or `None` (not repeated, or `0`, `1`).
    pub fn group_of(&self, v: usize) -> Option<u32> {
        self.group.get(v).copied().filter(|&g| g != NONE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ff::{BigInt, PrimeField, UniformRand};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// The groups are exactly the classes of equal values of two or more
    /// variables, 0 and 1 excepted, checked against a quadratic reference.
    #[test]
    fn groups_are_the_classes_of_equal_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let pool: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        let values: Vec<BigInt<4>> = (0..3000)
            .map(|i| match i % 5 {
                0 => Fr::from(rng.gen_range(0u64..4)),
                1 => pool[rng.gen_range(0..pool.len())],
                2 => -Fr::from(1u64),
                _ => Fr::rand(&mut rng),
            })
            .map(|x| x.into_bigint())
            .collect();
        let rep = Repeats::find(&values);
        assert_eq!(rep.len(), values.len());
        assert!(rep.groups() > 40, "pool values, small values and −1 repeat");
        for (v, x) in values.iter().enumerate() {
            let same: Vec<usize> = (0..values.len()).filter(|&u| values[u] == *x).collect();
            let expect_grouped = same.len() >= 2 && x.num_bits() > 1;
            assert_eq!(rep.group_of(v).is_some(), expect_grouped, "variable {v}");
            for &u in &same {
                assert_eq!(rep.group_of(u), rep.group_of(v), "{u} and {v} are equal");
            }
            if let Some(g) = rep.group_of(v) {
                for u in 0..values.len() {
                    if rep.group_of(u) == Some(g) {
                        assert_eq!(values[u], *x, "group {g} holds another value");
                    }
                }
            }
        }
    }

    /// Values that share their low limb but differ above it stay apart.
    #[test]
    fn a_low_limb_collision_is_not_a_group() {
        let a = BigInt::<4>([7, 1, 2, 3]);
        let b = BigInt::<4>([7, 1, 2, 4]);
        let c = BigInt::<4>([7, 9, 2, 3]);
        let values = vec![a, b, a, c, b, BigInt::<4>([7, 0, 0, 0])];
        let rep = Repeats::find(&values);
        assert_eq!(rep.groups(), 2);
        assert_eq!(rep.group_of(0), rep.group_of(2));
        assert_eq!(rep.group_of(1), rep.group_of(4));
        assert_ne!(rep.group_of(0), rep.group_of(1));
        assert!(rep.group_of(0).is_some() && rep.group_of(1).is_some());
        assert_eq!(rep.group_of(3), None);
        assert_eq!(rep.group_of(5), None);
        assert_eq!(Repeats::find::<BigInt<4>>(&[]).groups(), 0);
        assert_eq!(Repeats::none(3).group_of(1), None);
    }
}
