//! An affine multi-Miller loop for batch verification.
//!
//! Why not arkworks' `Bn254::multi_miller_loop`: a batch of `n` proofs has
//! `n` distinct `Bᵢ`, so its cost is dominated by preparing each `Bᵢ` (the
//! line coefficients along `[6x+2]·Bᵢ`) and by multiplying each line into the
//! accumulator. arkworks prepares points one at a time in homogeneous
//! projective coordinates (a doubling step costs 4 Fq2 multiplications and 6
//! squarings, an addition step 11 and 2), multiplies lines with three
//! non-zero Fq2 coefficients (`mul_by_034`, 13 Fq2 multiplications) and runs
//! its pairs in chunks of 4, each chunk with its own 63 Fq12 squarings.
//! Here, all points are stepped together in **affine** coordinates with one
//! shared (Montgomery) inversion per step, so a step costs about 6 Fq2
//! multiplications; each line is scaled by `1/y_P` (a factor in Fq, which the
//! final exponentiation removes) so that its constant coefficient is 1 and
//! multiplying it in costs two sparse Fq6 products (10 Fq2 multiplications);
//! and one accumulator serves every pair, so the 63 squarings are paid once
//! per batch.
//!
//! The lines (BN254's twist is a D-type twist, as in arkworks' `G2Prepared`):
//! for a step from `T` with slope `λ` (`λ = 3x_T²/2y_T` when doubling,
//! `(y_T − y_Q)/(x_T − x_Q)` when adding `Q`), the line evaluated at `P` is
//! `y_P − λ·x_P·w³ + (λ·x_T − y_T)·w⁴` in arkworks' `Fq12` basis — arkworks'
//! own line divided by an Fq2 factor (`−2y_T`, resp. `x_T − x_Q`). The loop
//! follows `Bn254::multi_miller_loop` step for step (same ate loop count, same
//! two Frobenius steps at the end), and its output equals arkworks' after the
//! final exponentiation: tested on random points and on batch equations.
//!
//! Only points of the prime-order subgroups are expected (every parser checks
//! them). A denominator can vanish only for points outside them or the
//! identity: then [`prepare`] and [`multi_miller_loop`] return `None` and the
//! caller falls back to arkworks' loop — never a wrong answer.
use ark_bn254::{Config, Fq, Fq12, Fq12Config, Fq2, G1Affine, G2Affine};
use ark_ec::bn::BnConfig;
use ark_ec::AffineRepr;
use ark_ff::fields::Fp12Config;
use ark_ff::{batch_inversion, AdditiveGroup, CyclotomicMultSubgroup, Field, One, Zero};

/// One line: the slope `λ` and `λ·x_T − y_T`.
type Line = (Fq2, Fq2);

/// The lines of one G2 point along the Miller loop, in loop order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lines(Vec<Line>);

/// Number of lines per point: one doubling per ate-loop digit after the
/// first, one addition per non-zero digit, two Frobenius additions.
fn line_count() -> usize {
    let digits = Config::ATE_LOOP_COUNT.len();
    let adds = Config::ATE_LOOP_COUNT[..digits - 1]
        .iter()
        .filter(|&&d| d != 0)
        .count();
    digits - 1 + adds + 2
}

/// Inverts every element in place with one field inversion; `None` if one is
/// zero. Through norms: `(a + b·u)⁻¹ = (a − b·u)/(a² + b²)` with the norms
/// inverted together in Fq (Montgomery's trick), 7 Fq multiplications per
/// element instead of 3 Fq2 multiplications.
fn invert_all(den: &mut [Fq2]) -> Option<()> {
    let mut norms: Vec<Fq> = den.iter().map(|d| d.norm()).collect();
    if norms.iter().any(Zero::is_zero) {
        return None;
    }
    batch_inversion(&mut norms);
    for (d, n) in den.iter_mut().zip(&norms) {
        *d = Fq2::new(d.c0 * n, -(d.c1 * n));
    }
    Some(())
}

/// `π(Q)` on the twist (as arkworks' `mul_by_char`).
fn frobenius(q: (Fq2, Fq2)) -> (Fq2, Fq2) {
    let (mut x, mut y) = q;
    x.frobenius_map_in_place(1);
    x *= &Config::TWIST_MUL_BY_Q_X;
    y.frobenius_map_in_place(1);
    y *= &Config::TWIST_MUL_BY_Q_Y;
    (x, y)
}

/// Adds `q[i]` to every `t[i]`, recording the lines (one shared inversion).
fn add_step(
    t: &mut [(Fq2, Fq2)],
    q: &[(Fq2, Fq2)],
    out: &mut [Vec<Line>],
    den: &mut [Fq2],
) -> Option<()> {
    for ((d, (tx, _)), (qx, _)) in den.iter_mut().zip(t.iter()).zip(q) {
        *d = *tx - qx;
    }
    invert_all(den)?;
    for (((ti, (qx, qy)), d), lines) in t.iter_mut().zip(q).zip(den.iter()).zip(out) {
        let (x, y) = *ti;
        let lambda = (y - qy) * d;
        lines.push((lambda, lambda * x - y));
        let x3 = lambda.square() - x - qx;
        let y3 = lambda * (x - x3) - y;
        *ti = (x3, y3);
    }
    Some(())
}

/// The lines of every point, computed together (one inversion per step for
/// all of them). `None` if a point is the identity or a denominator vanishes
/// (a point outside the prime-order subgroup).
pub fn prepare(qs: &[G2Affine]) -> Option<Vec<Lines>> {
    if qs.iter().any(|q| q.is_zero()) {
        return None;
    }
    let n = qs.len();
    let base: Vec<(Fq2, Fq2)> = qs.iter().map(|q| (q.x, q.y)).collect();
    let neg: Vec<(Fq2, Fq2)> = base.iter().map(|&(x, y)| (x, -y)).collect();
    let mut t = base.clone();
    let mut out: Vec<Vec<Line>> = (0..n).map(|_| Vec::with_capacity(line_count())).collect();
    let mut den = vec![Fq2::zero(); n];
    for &digit in Config::ATE_LOOP_COUNT.iter().rev().skip(1) {
        // Doubling: λ = 3x²/2y.
        for (d, (_, y)) in den.iter_mut().zip(&t) {
            *d = y.double();
        }
        invert_all(&mut den)?;
        for ((ti, d), lines) in t.iter_mut().zip(&den).zip(out.iter_mut()) {
            let (x, y) = *ti;
            let x2 = x.square();
            let lambda = (x2.double() + x2) * d;
            lines.push((lambda, lambda * x - y));
            let x3 = lambda.square() - x.double();
            let y3 = lambda * (x - x3) - y;
            *ti = (x3, y3);
        }
        match digit {
            1 => add_step(&mut t, &base, &mut out, &mut den)?,
            -1 => add_step(&mut t, &neg, &mut out, &mut den)?,
            _ => {}
        }
    }
    let q1: Vec<(Fq2, Fq2)> = base.iter().map(|&q| frobenius(q)).collect();
    let q2: Vec<(Fq2, Fq2)> = q1
        .iter()
        .map(|&q| {
            let (x, y) = frobenius(q);
            (x, -y)
        })
        .collect();
    if Config::X_IS_NEGATIVE {
        for ti in t.iter_mut() {
            ti.1 = -ti.1;
        }
    }
    add_step(&mut t, &q1, &mut out, &mut den)?;
    add_step(&mut t, &q2, &mut out, &mut den)?;
    Some(out.into_iter().map(Lines).collect())
}

/// Multiplies `f` by the line `1 + (λ·x')·w³ + (c·y')·w⁴`, where
/// `x' = −x_P/y_P` and `y' = 1/y_P`: with `f = a + b·w` and
/// `s = λx' + c·y'·v`, the product is `(a + v·b·s) + (b + a·s)·w`.
fn mul_by_line(f: &mut Fq12, (lambda, c): &Line, (xp, yp): &(Fq, Fq)) {
    let mut c3 = *lambda;
    c3.mul_assign_by_fp(xp);
    let mut c4 = *c;
    c4.mul_assign_by_fp(yp);
    let mut bs = f.c1;
    bs.mul_by_01(&c3, &c4);
    let mut as_ = f.c0;
    as_.mul_by_01(&c3, &c4);
    f.c1 += &as_;
    Fq12Config::mul_fp6_by_nonresidue_in_place(&mut bs);
    f.c0 += &bs;
}

/// `Π e(Pᵢ, Qᵢ)` before the final exponentiation, for points whose lines
/// come from [`prepare`]; pairs with `Pᵢ = 0` contribute 1. `None` if the
/// lists differ in length or a `Pᵢ` has `y = 0` (no such point is in G1).
pub fn multi_miller_loop(ps: &[G1Affine], lines: &[&Lines]) -> Option<Fq12> {
    if ps.len() != lines.len() || lines.iter().any(|l| l.0.len() != line_count()) {
        return None;
    }
    let pairs: Vec<(&G1Affine, &Lines)> = ps
        .iter()
        .zip(lines.iter().copied())
        .filter(|(p, _)| !p.is_zero())
        .collect();
    let mut yinv: Vec<Fq> = pairs.iter().map(|(p, _)| p.y).collect();
    if yinv.iter().any(Zero::is_zero) {
        return None;
    }
    batch_inversion(&mut yinv);
    let at: Vec<(Fq, Fq)> = pairs
        .iter()
        .zip(&yinv)
        .map(|((p, _), yi)| (-(p.x * yi), *yi))
        .collect();

    let digits = Config::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    let mut k = 0;
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            f.square_in_place();
        }
        for ((_, l), p) in pairs.iter().zip(&at) {
            mul_by_line(&mut f, &l.0[k], p);
        }
        k += 1;
        if digits[i - 1] != 0 {
            for ((_, l), p) in pairs.iter().zip(&at) {
                mul_by_line(&mut f, &l.0[k], p);
            }
            k += 1;
        }
    }
    if Config::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    for _ in 0..2 {
        for ((_, l), p) in pairs.iter().zip(&at) {
            mul_by_line(&mut f, &l.0[k], p);
        }
        k += 1;
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Bn254, G1Projective, G2Projective};
    use ark_ec::pairing::{MillerLoopOutput, Pairing};
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn fe(f: Fq12) -> Fq12 {
        Bn254::final_exponentiation(MillerLoopOutput(f))
            .expect("non-zero")
            .0
    }

    #[test]
    fn agrees_with_arkworks_after_final_exponentiation() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [1usize, 2, 3, 5, 8] {
            let ps: Vec<G1Affine> = (0..n)
                .map(|_| G1Projective::rand(&mut rng).into_affine())
                .collect();
            let qs: Vec<G2Affine> = (0..n)
                .map(|_| G2Projective::rand(&mut rng).into_affine())
                .collect();
            let lines = prepare(&qs).expect("subgroup points");
            assert_eq!(lines[0].0.len(), line_count());
            let refs: Vec<&Lines> = lines.iter().collect();
            let ours = multi_miller_loop(&ps, &refs).expect("valid points");
            let theirs = Bn254::multi_pairing(ps.clone(), qs.clone()).0;
            assert_eq!(fe(ours), theirs, "n = {n}");
            // And it is a pairing: e(2P, Q) = e(P, Q)².
            let p2 = (ps[0].into_group().double()).into_affine();
            let one = multi_miller_loop(&[ps[0]], &[refs[0]]).expect("valid");
            let two = multi_miller_loop(&[p2], &[refs[0]]).expect("valid");
            assert_eq!(fe(two), fe(one).square());
        }
    }

    #[test]
    fn inversion_through_norms() {
        let mut rng = StdRng::seed_from_u64(6);
        let xs: Vec<Fq2> = (0..9).map(|_| Fq2::rand(&mut rng)).collect();
        let mut inv = xs.clone();
        invert_all(&mut inv).expect("non-zero");
        for (x, i) in xs.iter().zip(&inv) {
            assert_eq!(*x * i, Fq2::one());
        }
        let mut with_zero = vec![Fq2::one(), Fq2::zero()];
        assert_eq!(invert_all(&mut with_zero), None);
    }

    #[test]
    fn identity_g1_contributes_one_and_identity_g2_is_refused() {
        let mut rng = StdRng::seed_from_u64(8);
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G2Projective::rand(&mut rng).into_affine();
        let lines = prepare(&[q, q]).expect("valid");
        let f = multi_miller_loop(&[p, G1Affine::zero()], &[&lines[0], &lines[1]]).expect("ok");
        assert_eq!(fe(f), Bn254::pairing(p, q).0);
        assert_eq!(prepare(&[q, G2Affine::zero()]), None);
        assert_eq!(multi_miller_loop(&[p], &[]), None);
    }
}
