//! Poseidon gadget: the same permutation as [`super::hash`], in R1CS.
//!
//! Cost: 3 constraints per S-box (x², x⁴, x⁵); round constants and the MDS
//! layer are linear and free, and the first S-box of the constant capacity
//! element folds away. Arity n (width t = n + 1): `3·(8·t + partial_rounds) − 3`
//! constraints — 240 for n = 2, 261 for n = 3, 321 for n = 5, 354 for n = 6
//! (pinned by the test below). Inputs may be arbitrary field elements.
use super::params;
use ark_bn254::Fr;
use ark_r1cs_std::fields::{fp::FpVar, FieldVar};
use ark_relations::gr1cs::SynthesisError;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// In-circuit `Poseidon(inputs)`; equals [`super::hash`] on the same values.
pub fn hash(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let p = params(inputs.len());
    let t = p.width;
    let mut state: Vec<FpVar<Fr>> = Vec::with_capacity(t);
    state.push(FpVar::zero());
    state.extend_from_slice(inputs);
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s = &*s + p.ark[round * t + i];
        }
        if round < half || round >= half + p.partial_rounds {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        state = (0..t)
            .map(|i| {
                state
                    .iter()
                    .zip(&p.mds[i])
                    .fold(FpVar::zero(), |acc, (s, m)| acc + s * *m)
            })
            .collect();
    }
    Ok(state.swap_remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, Zero};
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;

    #[test]
    fn gadget_matches_native_and_pins_cost() {
        // Edge values: 0, 1, p − 1, and a 2^k boundary.
        let edges = [Fr::zero(), Fr::one(), -Fr::ONE, Fr::from(1u64 << 63)];
        let expected_cost = [
            (1usize, 213),
            (2, 240),
            (3, 261),
            (4, 297),
            (5, 321),
            (6, 354),
        ];
        for (arity, cost) in expected_cost {
            let inputs: Vec<Fr> = (0..arity).map(|i| edges[i % edges.len()]).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<_> = inputs
                .iter()
                .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
                .collect();
            let before = cs.num_constraints();
            let out = hash(&vars).unwrap();
            assert_eq!(cs.num_constraints() - before, cost, "arity {arity}");
            assert_eq!(out.value().unwrap(), super::super::hash(&inputs));
            assert!(crate::harness::satisfied(&cs).unwrap());
        }
    }

    use crate::harness::{var_of_fp, Explained, RowRange, Snapshot};

    /// `Poseidon(inputs)` bound to a public output; the hash's rows recorded.
    fn bound_snapshot(inputs: &[Fr]) -> (Snapshot, RowRange, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let expected = FpVar::new_input(cs.clone(), || Ok(super::super::hash(inputs))).unwrap();
        let vars: Vec<_> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        let (out, rows) = RowRange::record(&cs, "poseidon", || hash(&vars).unwrap());
        let eq_row = cs.num_constraints();
        out.enforce_equal(&expected).unwrap();
        let snap = Snapshot::of(&cs).unwrap().with_labels([rows.clone()]);
        snap.is_satisfied().unwrap();
        (snap, rows, eq_row)
    }

    /// Every S-box allocates `x², x⁴, x⁵` in that order, one row each, so
    /// witness `k` of the hash is defined by its row `k`. A hostile value of one
    /// intermediate (the `x²` of the middle S-box) fails exactly at its defining
    /// row; completed downstream as a cheating prover would, it is stopped only
    /// there and at the output.
    #[test]
    fn hostile_sbox_intermediate_fails_at_its_defining_row() {
        let (snap, rows, eq_row) = bound_snapshot(&[Fr::from(1u64), Fr::from(2u64)]);
        assert_eq!(rows.rows.len(), 240);
        assert_eq!(rows.witnesses.len(), 240);
        let k = 3 * 40; // the x² of the 41st S-box, in a partial round
        let x2 = rows.witness(k);
        let v = snap.value(x2).unwrap();
        let err = snap.check(&[(x2, v + Fr::ONE)]).unwrap_err();
        assert_eq!(err.row, rows.row(k));
        assert_eq!(err.name.as_deref(), Some("poseidon"));
        assert_eq!(snap.first_row_of(x2), Some(rows.row(k)));
        let completed = snap.propagate(&[(x2, v + Fr::ONE)]);
        assert!(completed.len() > 100, "the change reaches the output");
        assert_eq!(snap.failing_rows(&completed), vec![rows.row(k), eq_row]);
        // x⁵ of the last full round: its own row, then the output.
        let x5 = rows.witness(239);
        let v = snap.value(x5).unwrap();
        assert_eq!(
            snap.failing_rows(&snap.propagate(&[(x5, v + Fr::ONE)])),
            vec![rows.row(239), eq_row]
        );
    }

    #[test]
    fn hostile_no_free_variables() {
        for arity in 1..=6 {
            let inputs: Vec<Fr> = (0..arity).map(|i| Fr::from(i as u64 + 3)).collect();
            let (snap, _, _) = bound_snapshot(&inputs);
            snap.check_free(&Explained::new())
                .unwrap_or_else(|e| panic!("arity {arity}: {e}"));
        }
        // Unbound output too: every intermediate is pinned by its defining row.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).unwrap();
        let out = hash(&[x.clone(), x]).unwrap();
        assert!(
            var_of_fp(&out).is_none(),
            "the output is a linear combination"
        );
        Snapshot::of(&cs)
            .unwrap()
            .check_free(&Explained::new())
            .unwrap();
    }
}
