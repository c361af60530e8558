//! In-circuit verification of auditor signatures.
//!
//! Enforces, when `enabled` is true: `S < l` (bit decomposition of `S` in 251
//! bits compared with `l − 1`), `R` and `A` on the curve and in the prime-order
//! subgroup (each witnessed as `8·Q` for a witnessed curve point `Q`, which
//! exists iff the point has no torsion component), and `S·B = R + h·A` with
//! `h = Poseidon(R.x, R.y, A.x, A.y, M)` decomposed strictly (254 bits, < r).
//!
//! Cost (measured by the test below): see [`VERIFY_COST`]. The fixed-base
//! `S·B` uses arkworks' 2-bit-window lookup with precomputed multiples of `B`;
//! the variable-base `h·A` is arkworks' double-and-add.
//!
//! The point and range checks hold whether or not `enabled` is set (a padded
//! slot carries a dummy but well-formed signature); only the final equation is
//! conditional.
use super::{generator, Signature, S_BITS};
use crate::poseidon::constraints::hash;
use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ed_on_bn254::{constraints::EdwardsVar, EdwardsAffine, EdwardsProjective, Fr as Scalar};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::{
    alloc::{AllocVar, AllocationMode},
    boolean::Boolean,
    convert::ToBitsGadget,
    eq::EqGadget,
    fields::fp::FpVar,
    groups::CurveVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use std::sync::OnceLock;

/// Constraints of one [`verify`] call, including the allocation of `R`, `S`
/// and `A` (pinned by a test).
pub const VERIFY_COST: usize = 5_932;

/// Allocates a curve point as witness and enforces that it lies in the
/// prime-order subgroup: on-curve checks for `P` and for `Q = P / 8`, and
/// `8·Q = P`. A point with a torsion component (or off the curve) leaves the
/// system unsatisfied.
pub fn alloc_subgroup_point(
    cs: ConstraintSystemRef<Fr>,
    p: EdwardsAffine,
) -> Result<EdwardsVar, SynthesisError> {
    let point = EdwardsVar::new_variable_omit_prime_order_check(
        cs.clone(),
        || Ok(p.into_group()),
        AllocationMode::Witness,
    )?;
    // Q = P · (8⁻¹ mod l); for an off-curve P any Q will do, the check fails anyway.
    let q_val = if p.is_on_curve() {
        p.mul_by_cofactor_inv()
    } else {
        EdwardsAffine::zero()
    };
    let q = EdwardsVar::new_variable_omit_prime_order_check(
        cs,
        || Ok(q_val.into_group()),
        AllocationMode::Witness,
    )?;
    let q8 = q.double()?.double()?.double()?;
    q8.enforce_equal(&point)?;
    Ok(point)
}

/// An allocated signature.
pub struct SignatureVar {
    /// `R`, checked to be in the prime-order subgroup.
    pub r: EdwardsVar,
    /// `S`, little-endian, 251 bits, checked `< l`.
    pub s_bits: Vec<Boolean<Fr>>,
}

impl SignatureVar {
    /// Allocates `sig` as witness. An `S` that does not fit in 251 bits cannot
    /// be represented and is reported as unsatisfiable.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        sig: &Signature,
    ) -> Result<Self, SynthesisError> {
        let r = alloc_subgroup_point(cs.clone(), sig.r)?;
        let bits = sig.s.to_bits_le();
        if bits[S_BITS..].iter().any(|b| *b) && !cs.is_in_setup_mode() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let s_bits: Vec<Boolean<Fr>> = bits[..S_BITS]
            .iter()
            .map(|b| Boolean::new_witness(cs.clone(), || Ok(*b)))
            .collect::<Result<_, _>>()?;
        let l_minus_1 = (-Scalar::ONE).into_bigint();
        Boolean::enforce_smaller_or_equal_than_le(&s_bits, l_minus_1)?;
        Ok(Self { r, s_bits })
    }
}

fn base_multiples() -> &'static [EdwardsProjective] {
    static M: OnceLock<Vec<EdwardsProjective>> = OnceLock::new();
    M.get_or_init(|| {
        let mut cur = generator().into_group();
        (0..S_BITS)
            .map(|_| {
                let out = cur;
                cur = cur + cur;
                out
            })
            .collect()
    })
}

/// Enforces, if `enabled`, that `sig` is a valid signature of `msg` under `pk`
/// (see the module docs). `pk` must come from [`alloc_subgroup_point`].
pub fn verify(
    pk: &EdwardsVar,
    msg: &FpVar<Fr>,
    sig: &SignatureVar,
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    let h = hash(&[
        sig.r.x.clone(),
        sig.r.y.clone(),
        pk.x.clone(),
        pk.y.clone(),
        msg.clone(),
    ])?;
    let h_bits = h.to_bits_le()?;
    let h_a = pk.scalar_mul_le(h_bits.iter())?;
    let rhs = sig.r.clone() + h_a;
    let mut lhs = EdwardsVar::zero();
    lhs.precomputed_base_scalar_mul_le(sig.s_bits.iter().zip(base_multiples()))?;
    lhs.conditional_enforce_equal(&rhs, enabled)
}

/// The affine point of `p` as a value (for tests).
pub fn value_of(p: &EdwardsVar) -> Option<EdwardsAffine> {
    use ark_r1cs_std::GR1CSVar;
    p.value().ok().map(|v| v.into_affine())
}

#[cfg(test)]
mod tests {
    use super::super::{SecretKey, Signature};
    use super::*;
    use ark_ed_on_bn254::Fq;
    use ark_ff::AdditiveGroup;
    use ark_relations::gr1cs::ConstraintSystem;

    fn run(pk: EdwardsAffine, msg: Fr, sig: &Signature) -> Result<(bool, usize), SynthesisError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let pk = alloc_subgroup_point(cs.clone(), pk)?;
        let m = FpVar::new_witness(cs.clone(), || Ok(msg))?;
        let s = SignatureVar::new_witness(cs.clone(), sig)?;
        verify(&pk, &m, &s, &Boolean::TRUE)?;
        Ok((cs.is_satisfied()?, cs.num_constraints()))
    }

    #[test]
    fn honest_signature_satisfies_and_cost_is_pinned() {
        let sk = SecretKey::from_seed([3u8; 32]);
        let msg = Fr::from(99u64);
        let sig = sk.sign(msg);
        let (ok, n) = run(sk.public(), msg, &sig).unwrap();
        assert!(ok);
        assert_eq!(n, VERIFY_COST);
    }

    #[test]
    fn forged_or_malleated_signatures_fail() {
        let sk = SecretKey::from_seed([3u8; 32]);
        let msg = Fr::from(99u64);
        let sig = sk.sign(msg);
        // Wrong message, wrong key.
        assert!(!run(sk.public(), msg + Fr::ONE, &sig).unwrap().0);
        assert!(
            !run(SecretKey::from_seed([4u8; 32]).public(), msg, &sig)
                .unwrap()
                .0
        );
        // R with an order-2 component.
        let t = EdwardsAffine::new_unchecked(Fq::ZERO, -Fq::ONE);
        let r_t = (sig.r.into_group() + t).into_affine();
        assert!(
            !run(sk.public(), msg, &Signature { r: r_t, s: sig.s })
                .unwrap()
                .0
        );
        // Key with an order-2 component.
        let a_t = (sk.public().into_group() + t).into_affine();
        assert!(!run(a_t, msg, &sig).unwrap().0);
        // Off-curve R.
        let off = EdwardsAffine::new_unchecked(sig.r.x + Fq::ONE, sig.r.y);
        assert!(
            !run(sk.public(), msg, &Signature { r: off, s: sig.s })
                .unwrap()
                .0
        );
    }

    #[test]
    fn s_plus_order_fails_only_on_the_range_check() {
        // Find a signature whose S + l still fits in 251 bits, so the only
        // thing that can reject it is the S < l check.
        let sk = SecretKey::from_seed([5u8; 32]);
        let (msg, sig) = (0u64..)
            .map(|i| (Fr::from(i), sk.sign(Fr::from(i))))
            .find(|(_, s)| {
                let mut t = s.s;
                t.add_with_carry(&Scalar::MODULUS);
                !t.to_bits_le()[S_BITS..].iter().any(|b| *b)
            })
            .unwrap();
        let mut s = sig.s;
        s.add_with_carry(&Scalar::MODULUS);
        let malleated = Signature { r: sig.r, s };
        // S + l gives the same point S·B: the equation alone would accept it.
        assert_eq!(generator().mul_bigint(s), generator().mul_bigint(sig.s));
        assert!(!run(sk.public(), msg, &malleated).unwrap().0);
        assert!(run(sk.public(), msg, &sig).unwrap().0);
    }
}
