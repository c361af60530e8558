//! G2 membership for untrusted points, about twice as fast as ark-bn254's.
//!
//! A phase-1 file of power 20 holds about 3 M G2 points and a `.zkey` at the
//! demo's size 600 k; every one must be checked to lie in the order-`r`
//! subgroup (BN254's G2 cofactor is not 1). ark-bn254 tests `ψ(P) = [6x²]P`
//! with a 127-bit double-and-add. We use Scott's test for BN curves
//! (ePrint 2021/1130; El Housni–Guillevic–Piellard, ePrint 2022/352, §4.3):
//! `P ∈ G2 ⇔ [x+1]P + ψ([x]P) + ψ²([x]P) = ψ³([2x]P)`, `x` the 63-bit BN
//! parameter: one 63-bit multiplication and a few Frobenius maps. Tested
//! against ark-bn254's check on points in and out of the subgroup.
use ark_bn254::{Fq, Fq2, G2Affine, G2Projective};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{Field, PrimeField};
use std::sync::OnceLock;

/// BN254's parameter `x`.
const X: u64 = 4965661367192848881;

/// `ψ`'s constants: `(u+9)^((p−1)/3)` and `(u+9)^((p−1)/2)`.
fn psi_coeffs() -> &'static (Fq2, Fq2) {
    static C: OnceLock<(Fq2, Fq2)> = OnceLock::new();
    C.get_or_init(|| {
        let xi = Fq2::new(Fq::from(9u64), Fq::from(1u64));
        let mut e = Fq::MODULUS;
        e.sub_with_borrow(&1u64.into());
        let mut e3 = e;
        // (p − 1)/3 and (p − 1)/2 as big integers.
        let third = div_small(&mut e3, 3);
        let half = div_small(&mut e, 2);
        (xi.pow(third), xi.pow(half))
    })
}

/// `n / d` (exact) for a small `d`, limb by limb.
fn div_small(n: &mut <Fq as PrimeField>::BigInt, d: u64) -> [u64; 4] {
    let mut rem: u128 = 0;
    let mut out = [0u64; 4];
    for i in (0..4).rev() {
        let cur = (rem << 64) | n.0[i] as u128;
        out[i] = (cur / d as u128) as u64;
        rem = cur % d as u128;
    }
    debug_assert_eq!(rem, 0);
    out
}

use ark_ff::BigInteger;

/// The untwist-Frobenius-twist endomorphism on Jacobian coordinates:
/// `(X, Y, Z) ↦ (X̄·c_x, Ȳ·c_y, Z̄)`.
fn psi(p: &G2Projective) -> G2Projective {
    let (cx, cy) = psi_coeffs();
    let mut q = *p;
    q.x.conjugate_in_place();
    q.y.conjugate_in_place();
    q.z.conjugate_in_place();
    q.x *= cx;
    q.y *= cy;
    q
}

/// Whether a point already known to be on the curve lies in G2.
pub fn in_g2(p: &G2Affine) -> bool {
    if p.is_zero() {
        return true;
    }
    let xp: G2Projective = p.mul_bigint([X]);
    let lhs = xp + p + psi(&xp) + psi(&psi(&xp));
    let rhs = psi(&psi(&psi(&xp.double())));
    lhs == rhs
}

/// On the curve and in G2.
pub fn valid_g2(p: &G2Affine) -> bool {
    p.is_on_curve() && in_g2(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn psi_acts_as_the_frobenius_eigenvalue_on_g2() {
        // On G2, ψ is multiplication by p mod r (= 6x² for BN curves).
        let g = G2Projective::from(G2Affine::generator());
        let p_mod_r = Fr::from_le_bytes_mod_order(&Fq::MODULUS.to_bytes_le());
        assert_eq!(psi(&g), g * p_mod_r);
    }

    #[test]
    fn agrees_with_ark_bn254_in_and_out_of_the_subgroup() {
        let mut rng = StdRng::seed_from_u64(12);
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..200 {
            let p = G2Projective::rand(&mut rng).into_affine();
            assert!(valid_g2(&p), "a G2 point refused");
            inside += 1;
            // A random point of E'(Fq2): off the subgroup unless the cofactor part vanishes.
            let q = loop {
                let x = Fq2::rand(&mut rng);
                if let Some(q) = G2Affine::get_point_from_x_unchecked(x, true) {
                    break q;
                }
            };
            assert!(q.is_on_curve());
            let ark = q.is_in_correct_subgroup_assuming_on_curve();
            assert_eq!(in_g2(&q), ark, "disagrees with ark-bn254 on {q}");
            if !ark {
                outside += 1;
            }
        }
        assert_eq!(inside, 200);
        assert!(
            outside > 190,
            "random curve points should be off the subgroup"
        );
        assert!(in_g2(&G2Affine::zero()));
    }
}
