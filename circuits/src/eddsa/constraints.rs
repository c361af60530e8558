//! In-circuit verification of auditor signatures.
//!
//! Enforces, when `enabled` is true: `S < l` (bit decomposition of `S` in 251
//! bits compared with `l − 1`), `R` and `A` on the curve and in the prime-order
//! subgroup (each witnessed as `8·Q` for a witnessed curve point `Q`, which
//! exists iff the point has no torsion component), `A ≠ O` (`A.x` invertible),
//! and `S·B = R + h·A` with `h = Poseidon(R.x, R.y, A.x, A.y, M)` decomposed
//! strictly (254 bits, < r).
//!
//! Cost (measured by the test below): see [`VERIFY_COST`]. The fixed-base
//! `S·B` uses arkworks' 2-bit-window lookup with precomputed multiples of `B`;
//! the variable-base `h·A` is arkworks' double-and-add.
//!
//! The point, identity and range checks hold whether or not `enabled` is set
//! (a padded slot carries a dummy but well-formed signature and the generator
//! as its key); only the final equation is conditional.
//!
//! Rows of [`verify`], in order: `A.x · x⁻¹ = 1` (first row), the Poseidon
//! challenge, the strict decomposition of `h`, `h·A`, `R + h·A`, the
//! fixed-base `S·B`, and the two rows of the final equation (last two rows).
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
pub const VERIFY_COST: usize = 5_933;

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

/// Enforces that a subgroup point is not the identity `O = (0, 1)`: in the
/// prime-order subgroup of Baby Jubjub (odd order `l`) `O` is the only point
/// with `x = 0` (on `a·x² + y² = 1 + d·x²·y²`, `x = 0` forces `y = ±1`, and
/// `(0, −1)` has order 2), so `x · x⁻¹ = 1` with a witnessed `x⁻¹` is exactly
/// `P ≠ O` for a point from [`alloc_subgroup_point`]. One constraint, one
/// witness.
///
/// Unconditional: a key's validity does not depend on whether the slot is
/// used, padded slots carry the generator as their dummy key, and a check
/// independent of `enabled` cannot be switched off by a wrong flag.
pub fn enforce_not_identity(p: &EdwardsVar) -> Result<(), SynthesisError> {
    use ark_r1cs_std::{fields::FieldVar, GR1CSVar};
    let x_inv = FpVar::new_witness(p.x.cs(), || Ok(p.x.value()?.inverse().unwrap_or_default()))?;
    p.x.mul_equals(&x_inv, &FpVar::one())
}

/// Enforces, if `enabled`, that `sig` is a valid signature of `msg` under `pk`
/// (see the module docs). `pk` must come from [`alloc_subgroup_point`]; it is
/// checked here not to be the identity ([`enforce_not_identity`]), for which
/// `R = O, S = 0` would verify any message.
pub fn verify(
    pk: &EdwardsVar,
    msg: &FpVar<Fr>,
    sig: &SignatureVar,
    enabled: &Boolean<Fr>,
) -> Result<(), SynthesisError> {
    enforce_not_identity(pk)?;
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
        Ok((crate::harness::satisfied(&cs)?, cs.num_constraints()))
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

    /// The first message (0, 1, 2, …) whose signature under `sk` has an `S`
    /// such that `S + l` still fits in [`S_BITS`] bits.
    fn signature_with_s_plus_l_in_range(sk: &SecretKey) -> (Fr, Signature) {
        (0u64..)
            .map(|i| (Fr::from(i), sk.sign(Fr::from(i))))
            .find(|(_, s)| {
                let mut t = s.s;
                t.add_with_carry(&Scalar::MODULUS);
                !t.to_bits_le()[S_BITS..].iter().any(|b| *b)
            })
            .unwrap()
    }

    #[test]
    fn s_plus_order_fails_only_on_the_range_check() {
        // Find a signature whose S + l still fits in 251 bits, so the only
        // thing that can reject it is the S < l check.
        let sk = SecretKey::from_seed([5u8; 32]);
        let (msg, sig) = signature_with_s_plus_l_in_range(&sk);
        let mut s = sig.s;
        s.add_with_carry(&Scalar::MODULUS);
        let malleated = Signature { r: sig.r, s };
        // S + l gives the same point S·B: the equation alone would accept it.
        assert_eq!(generator().mul_bigint(s), generator().mul_bigint(sig.s));
        assert!(!run(sk.public(), msg, &malleated).unwrap().0);
        assert!(run(sk.public(), msg, &sig).unwrap().0);
    }

    use crate::harness::{var_of_bool, Explained, RowRange, Snapshot, Unsatisfied};
    use ark_relations::gr1cs::Variable;

    /// One verification with its pieces' rows recorded.
    struct Rec {
        snap: Snapshot,
        key: RowRange,
        sig: RowRange,
        verify: RowRange,
        s_bits: Vec<Variable>,
    }

    fn record(pk: EdwardsAffine, msg: Fr, sig: &Signature, enabled: bool) -> Rec {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (pk_var, key) =
            RowRange::record(&cs, "key", || alloc_subgroup_point(cs.clone(), pk).unwrap());
        let m = FpVar::new_witness(cs.clone(), || Ok(msg)).unwrap();
        let en = Boolean::new_witness(cs.clone(), || Ok(enabled)).unwrap();
        let (s, sig_rows) = RowRange::record(&cs, "signature", || {
            SignatureVar::new_witness(cs.clone(), sig).unwrap()
        });
        let ((), verify_rows) =
            RowRange::record(&cs, "verify", || verify(&pk_var, &m, &s, &en).unwrap());
        assert_eq!(
            key.rows.len() + sig_rows.rows.len() + verify_rows.rows.len(),
            VERIFY_COST
        );
        let s_bits = s.s_bits.iter().map(|b| var_of_bool(b).unwrap()).collect();
        let snap = Snapshot::of(&cs).unwrap().with_labels([
            key.clone(),
            sig_rows.clone(),
            verify_rows.clone(),
        ]);
        Rec {
            snap,
            key,
            sig: sig_rows,
            verify: verify_rows,
            s_bits,
        }
    }

    fn at(row: usize, name: &str) -> Result<(), Unsatisfied> {
        Err(Unsatisfied {
            row,
            name: Some(name.into()),
        })
    }

    fn honest() -> (SecretKey, Fr, Signature) {
        let sk = SecretKey::from_seed([3u8; 32]);
        let msg = Fr::from(99u64);
        let sig = sk.sign(msg);
        (sk, msg, sig)
    }

    /// The identity key with `R = O, S = 0` satisfies `S·B = R + h·A` for
    /// every message. Natively `validate_point` refuses the key; in the
    /// circuit the only row it violates is `A.x · x⁻¹ = 1`, the first row of
    /// `verify` (without it the forgery would be accepted).
    #[test]
    fn identity_key_forgery_is_rejected_natively_and_at_its_row() {
        let o = EdwardsAffine::zero();
        let forged = Signature {
            r: o,
            s: ark_ff::BigInteger256::from(0u64),
        };
        assert_eq!(
            super::super::verify(&o, Fr::from(5u64), &forged),
            Err(super::super::SignatureError::BadKey(
                crate::error::EncodingError::Identity
            ))
        );
        let rec = record(o, Fr::from(5u64), &forged, true);
        let first = rec.verify.row(0);
        assert_eq!(rec.snap.is_satisfied(), at(first, "verify"));
        assert_eq!(rec.snap.failing_rows(&[]), vec![first]);
        // The same key check stands when the slot is disabled.
        let rec = record(o, Fr::from(5u64), &forged, false);
        assert_eq!(rec.snap.failing_rows(&[]), vec![rec.verify.row(0)]);
    }

    /// A wrong hint `Q' = Q + B` for the key: with the doublings recomputed,
    /// only the `8·Q = P` equality (last two rows of the allocation) fails.
    #[test]
    fn hostile_wrong_cofactor_hint_fails_at_the_equality() {
        let (sk, msg, sig) = honest();
        let rec = record(sk.public(), msg, &sig, true);
        rec.snap.is_satisfied().unwrap();
        let q = sk.public().mul_by_cofactor_inv();
        let find = |v: Fr| {
            (0..rec.key.witnesses.len())
                .map(|k| rec.key.witness(k))
                .find(|w| rec.snap.value(*w) == Some(v))
                .unwrap()
        };
        let (qx, qy) = (find(q.x), find(q.y));
        let wrong = (q + generator()).into_affine();
        let edits = rec.snap.propagate(&[(qx, wrong.x), (qy, wrong.y)]);
        let eq = rec.key.rows.end - 2;
        assert_eq!(rec.snap.check(&edits), at(eq, "key"));
        assert_eq!(rec.snap.failing_rows(&edits), vec![eq, eq + 1]);
        // A hint off by a torsion point (here of order 2) is as good as the
        // honest one: the hint only has to exist.
        let t2 = EdwardsAffine::new_unchecked(
            ark_ed_on_bn254::Fq::from(0u64),
            -ark_ed_on_bn254::Fq::from(1u64),
        );
        let other = (q + t2).into_affine();
        let edits = rec.snap.propagate(&[(qx, other.x), (qy, other.y)]);
        rec.snap.check(&edits).unwrap();
    }

    /// An `S` bit of 2 (a non-boolean bit): its booleanity row.
    #[test]
    fn hostile_non_boolean_s_bit_fails_at_its_booleanity_row() {
        let (sk, msg, sig) = honest();
        let rec = record(sk.public(), msg, &sig, true);
        let bit = rec.s_bits[7];
        let row = rec.snap.first_row_of(bit).unwrap();
        assert_eq!(rec.snap.support(row), vec![Variable::one(), bit]);
        let edits = rec.snap.propagate(&[(bit, Fr::from(2u64))]);
        assert_eq!(rec.snap.check(&edits), at(row, "signature"));
    }

    /// The bits of `S + l` (which fit in 251 bits): every bit is boolean and
    /// `S·B` is unchanged, so only the `S ≤ l − 1` comparison (the rows of the
    /// signature allocation after the last bit's booleanity row) fails.
    #[test]
    fn hostile_s_plus_l_bits_fail_in_the_comparison() {
        let sk = SecretKey::from_seed([5u8; 32]);
        let (msg, sig) = signature_with_s_plus_l_in_range(&sk);
        let rec = record(sk.public(), msg, &sig, true);
        rec.snap.is_satisfied().unwrap();
        let mut s = sig.s;
        s.add_with_carry(&Scalar::MODULUS);
        let bits = s.to_bits_le();
        let edits: Vec<(Variable, Fr)> = rec
            .s_bits
            .iter()
            .zip(&bits)
            .map(|(v, b)| (*v, Fr::from(*b as u64)))
            .collect();
        let edits = rec.snap.propagate(&edits);
        let err = rec.snap.check(&edits).unwrap_err();
        let comparison =
            rec.snap.first_row_of(rec.s_bits[S_BITS - 1]).unwrap() + 1..rec.sig.rows.end;
        assert!(comparison.contains(&err.row), "{err} not in {comparison:?}");
        assert_eq!(err.name.as_deref(), Some("signature"));
        assert!(rec
            .snap
            .failing_rows(&edits)
            .iter()
            .all(|r| comparison.contains(r)));
    }

    /// A signature on another message with `enabled` true: every row holds
    /// but the final equation (the last two rows of `verify`); with `enabled`
    /// false the same witness satisfies the circuit.
    #[test]
    fn hostile_final_equation_fails_only_when_enabled() {
        let (sk, msg, sig) = honest();
        let rec = record(sk.public(), msg + Fr::ONE, &sig, true);
        let last = rec.verify.rows.end - 2;
        assert_eq!(rec.snap.is_satisfied(), at(last, "verify"));
        assert!(rec.snap.failing_rows(&[]).iter().all(|r| *r >= last));
        let rec = record(sk.public(), msg + Fr::ONE, &sig, false);
        rec.snap.is_satisfied().unwrap();
    }

    /// Free variables of one verification. Enabled, on a valid signature:
    /// only `enabled` itself, which a flip to 0 cannot hurt since the
    /// equation holds anyway (the caller must bind `enabled`: the shard
    /// circuit passes its facility slot's `used` flag, which the shard
    /// commitment absorbs). Disabled (the generator as key and
    /// `R = O, S = 0`): none — not even `enabled`, which the dummy signature
    /// does not satisfy.
    #[test]
    fn hostile_no_free_variables() {
        let (sk, msg, sig) = honest();
        let rec = record(sk.public(), msg, &sig, true);
        // Allocation order: key, message, enabled, signature.
        let enabled = Variable::witness(rec.key.witnesses.end + 1);
        assert_eq!(rec.snap.rows_of(enabled).len(), 3);
        rec.snap
            .check_free(&Explained::new().var(
                enabled,
                "on a valid signature the equation holds whether or not it is enforced",
            ))
            .unwrap();
        let dummy = Signature {
            r: EdwardsAffine::zero(),
            s: ark_ff::BigInteger256::from(0u64),
        };
        let rec = record(generator(), Fr::from(0u64), &dummy, false);
        rec.snap.is_satisfied().unwrap();
        rec.snap.check_free(&Explained::new()).unwrap();
    }
}
