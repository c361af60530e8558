//! Range checks (gadget only: natively a range check is a comparison).
//!
//! [`enforce_bits`] decomposes a value into `k` witnessed bits and enforces
//! that they recompose to it: `k` boolean constraints plus one linear equality,
//! `k + 1` constraints. This is the only comparison primitive of zkcc: "a ≤ b"
//! for bounded values is a range check of `b − a`, never `FpVar::enforce_cmp`
//! (1,919 constraints). Sound for `k ≤ 252`, since then `2^k < r` and the
//! decomposition cannot wrap.
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar, GR1CSVar};
use ark_relations::gr1cs::SynthesisError;

/// Enforces `0 ≤ x < 2^k` (as an integer in `[0, r)`). Returns the bits, little-endian.
pub fn enforce_bits(x: &FpVar<Fr>, k: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    assert!(k <= 252, "range checks wider than 252 bits can wrap");
    let cs = x.cs();
    let value = x.value().ok();
    let bits_val = value.map(|v| v.into_bigint().to_bits_le());
    let bits: Vec<Boolean<Fr>> = (0..k)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                bits_val
                    .as_ref()
                    .map(|b| b[i])
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect::<Result<_, _>>()?;
    let mut sum = FpVar::<Fr>::zero();
    let mut coeff = Fr::from(1u64);
    for b in &bits {
        sum += FpVar::from(b.clone()) * coeff;
        coeff.double_in_place();
    }
    sum.enforce_equal(x)?;
    Ok(bits)
}

use ark_ff::AdditiveGroup;
use ark_r1cs_std::fields::FieldVar;

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    fn check(v: Fr, k: usize) -> (bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        enforce_bits(&x, k).unwrap();
        (
            crate::harness::satisfied(&cs).unwrap(),
            cs.num_constraints(),
        )
    }

    #[test]
    fn edges() {
        let k = 24;
        assert_eq!(check(Fr::from(0u64), k), (true, k + 1));
        assert!(check(Fr::from(1u64), k).0);
        assert!(check(Fr::from((1u64 << k) - 1), k).0);
        assert!(
            !check(Fr::from(1u64 << k), k).0,
            "2^k must not fit in k bits"
        );
        assert!(!check(-Fr::from(1u64), k).0, "p − 1 must not fit");
        assert!(check(Fr::from(u64::MAX), 64).0);
        assert!(!check(Fr::from(u64::MAX) + Fr::from(1u64), 64).0);
    }

    use crate::harness::{var_of_bool, Explained, RowRange, Snapshot, Unsatisfied};

    /// `enforce_bits(x, k)` on a witness `x`: rows `0..k` are the booleanity
    /// rows of the bits, row `k` the recomposition.
    fn snapshot(v: Fr, k: usize) -> (Snapshot, Vec<ark_relations::gr1cs::Variable>, RowRange) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(v)).unwrap();
        let (bits, rows) = RowRange::record(&cs, "enforce_bits", || enforce_bits(&x, k).unwrap());
        let snap = Snapshot::of(&cs).unwrap().with_labels([rows.clone()]);
        let vars = bits.iter().map(|b| var_of_bool(b).unwrap()).collect();
        (snap, vars, rows)
    }

    fn at(row: usize) -> Result<(), Unsatisfied> {
        Err(Unsatisfied {
            row,
            name: Some("enforce_bits".into()),
        })
    }

    /// A "bit" of 2 with the bit above it cleared recomposes to the honest
    /// value: only the booleanity row of that bit rejects it.
    #[test]
    fn hostile_bit_of_two_with_compensation_fails_at_its_booleanity_row() {
        let k = 24;
        let (snap, bits, rows) = snapshot(Fr::from(0b1000u64), k);
        snap.is_satisfied().unwrap();
        assert_eq!(rows.rows.len(), k + 1);
        let edits = [(bits[2], Fr::from(2u64)), (bits[3], Fr::from(0u64))];
        assert_eq!(snap.check(&edits), at(rows.row(2)));
        assert_eq!(snap.failing_rows(&edits), vec![rows.row(2)]);
    }

    /// `2^k` in `k` bits: honestly its low `k` bits are 0 and only the
    /// recomposition fails; the "bits" `(0, …, 0, 2)` recompose to it and only
    /// the top bit's booleanity row fails.
    #[test]
    fn hostile_two_to_the_k_fails_at_the_right_row() {
        let k = 16;
        let (snap, bits, rows) = snapshot(Fr::from(1u64 << k), k);
        assert_eq!(snap.is_satisfied(), at(rows.row(k)));
        let edits = [(bits[k - 1], Fr::from(2u64))];
        assert_eq!(snap.failing_rows(&edits), vec![rows.row(k - 1)]);
        // 2^k − 1 fits.
        let (snap, _, _) = snapshot(Fr::from((1u64 << k) - 1), k);
        snap.is_satisfied().unwrap();
    }

    /// `p − 1`: honestly only the recomposition fails; with bit 0 set to
    /// `p − 1` (and the others cleared) only bit 0's booleanity row fails.
    #[test]
    fn hostile_p_minus_one_fails_at_the_right_row() {
        let k = 64;
        let (snap, bits, rows) = snapshot(-Fr::from(1u64), k);
        assert_eq!(snap.is_satisfied(), at(rows.row(k)));
        let mut edits = vec![(bits[0], -Fr::from(1u64))];
        edits.extend(bits[1..].iter().map(|b| (*b, Fr::from(0u64))));
        assert_eq!(snap.failing_rows(&edits), vec![rows.row(0)]);
    }

    #[test]
    fn hostile_no_free_variables() {
        for v in [0u64, 1, 0xabcd, (1 << 24) - 1] {
            let (snap, _, _) = snapshot(Fr::from(v), 24);
            snap.check_free(&Explained::new()).unwrap();
        }
    }
}
