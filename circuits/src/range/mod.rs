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
        (cs.is_satisfied().unwrap(), cs.num_constraints())
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
}
