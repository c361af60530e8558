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
use ark_bn254::{Config, Fq, Fq12, Fq2, Fq6, Fq6Config, G1Affine, G2Affine};
use ark_ec::bn::BnConfig;
use ark_ec::AffineRepr;
use ark_ff::fields::Fp6Config;
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

/// Which point a step adds to `T`.
#[derive(Clone, Copy)]
enum Addend {
    Q,
    MinusQ,
    /// `π(Q)`.
    Frobenius,
    /// `−π²(Q)`.
    MinusFrobenius2,
}

/// Runs `T ← [6x+2]·Q` (plus the two Frobenius steps) for many points at
/// once in affine coordinates, one shared inversion per step, handing out
/// each step's lines.
struct Stepper {
    q: Vec<(Fq2, Fq2)>,
    t: Vec<(Fq2, Fq2)>,
    den: Vec<Fq2>,
}

impl Stepper {
    fn new(qs: &[G2Affine]) -> Option<Self> {
        if qs.iter().any(|q| q.is_zero()) {
            return None;
        }
        let q: Vec<(Fq2, Fq2)> = qs.iter().map(|q| (q.x, q.y)).collect();
        Some(Self {
            t: q.clone(),
            den: vec![Fq2::zero(); q.len()],
            q,
        })
    }

    /// `T ← 2T`, slope `3x²/2y`; the lines go to `out` (one per point).
    fn double(&mut self, out: &mut Vec<Line>) -> Option<()> {
        for (d, (_, y)) in self.den.iter_mut().zip(&self.t) {
            *d = y.double();
        }
        invert_all(&mut self.den)?;
        out.clear();
        for (ti, d) in self.t.iter_mut().zip(&self.den) {
            let (x, y) = *ti;
            let x2 = x.square();
            let lambda = (x2.double() + x2) * d;
            out.push((lambda, lambda * x - y));
            let x3 = lambda.square() - x.double();
            *ti = (x3, lambda * (x - x3) - y);
        }
        Some(())
    }

    /// `T ← T + addend`, slope `(y_T − y_A)/(x_T − x_A)`; lines to `out`.
    fn add(&mut self, addend: Addend, out: &mut Vec<Line>) -> Option<()> {
        let a = |q: (Fq2, Fq2)| -> (Fq2, Fq2) {
            match addend {
                Addend::Q => q,
                Addend::MinusQ => (q.0, -q.1),
                Addend::Frobenius => frobenius(q),
                Addend::MinusFrobenius2 => {
                    let (x, y) = frobenius(frobenius(q));
                    (x, -y)
                }
            }
        };
        let addends: Vec<(Fq2, Fq2)> = self.q.iter().map(|&q| a(q)).collect();
        for ((d, (tx, _)), (ax, _)) in self.den.iter_mut().zip(&self.t).zip(&addends) {
            *d = *tx - ax;
        }
        invert_all(&mut self.den)?;
        out.clear();
        for ((ti, (ax, ay)), d) in self.t.iter_mut().zip(&addends).zip(&self.den) {
            let (x, y) = *ti;
            let lambda = (y - ay) * d;
            out.push((lambda, lambda * x - y));
            let x3 = lambda.square() - x - ax;
            *ti = (x3, lambda * (x - x3) - y);
        }
        Some(())
    }

    fn negate_t(&mut self) {
        for ti in self.t.iter_mut() {
            ti.1 = -ti.1;
        }
    }
}

/// What [`run`] reports: each step's lines (one per point, in order), the
/// squaring before every step but the first, and the end of the ate loop
/// (before the two Frobenius steps).
trait Visit {
    fn square(&mut self) {}
    fn lines(&mut self, lines: &[Line]);
    fn end_of_loop(&mut self) {}
}

/// Runs the steps of the Miller loop in arkworks' order. `None` if a step's
/// denominator vanishes.
fn run(qs: &[G2Affine], v: &mut impl Visit) -> Option<()> {
    let mut st = Stepper::new(qs)?;
    let mut buf = Vec::with_capacity(qs.len());
    let digits = Config::ATE_LOOP_COUNT;
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            v.square();
        }
        st.double(&mut buf)?;
        v.lines(&buf);
        match digits[i - 1] {
            1 => st.add(Addend::Q, &mut buf)?,
            -1 => st.add(Addend::MinusQ, &mut buf)?,
            _ => continue,
        }
        v.lines(&buf);
    }
    v.end_of_loop();
    if Config::X_IS_NEGATIVE {
        st.negate_t();
    }
    st.add(Addend::Frobenius, &mut buf)?;
    v.lines(&buf);
    st.add(Addend::MinusFrobenius2, &mut buf)?;
    v.lines(&buf);
    Some(())
}

/// Collects every point's lines.
struct Collect(Vec<Vec<Line>>);

impl Visit for Collect {
    fn lines(&mut self, lines: &[Line]) {
        for (o, l) in self.0.iter_mut().zip(lines) {
            o.push(*l);
        }
    }
}

/// The lines of every point (for points used many times, e.g. a key's `−γ`,
/// `−δ`, `−β`). `None` if a point is the identity or a denominator vanishes
/// (a point outside the prime-order subgroup).
pub fn prepare(qs: &[G2Affine]) -> Option<Vec<Lines>> {
    let mut c = Collect(
        (0..qs.len())
            .map(|_| Vec::with_capacity(line_count()))
            .collect(),
    );
    run(qs, &mut c)?;
    Some(c.0.into_iter().map(Lines).collect())
}

/// `(x₀ + x₁v + x₂v²)·(s₀ + s₁v)` with `v³ = ξ`: 5 Fq2 multiplications
/// (`s01 = s₀ + s₁`).
fn mul_fp6_by_01(x: &Fq6, s0: &Fq2, s1: &Fq2, s01: &Fq2) -> Fq6 {
    let v0 = x.c0 * s0;
    let v1 = x.c1 * s1;
    let r0 = v0 + Fq6Config::mul_fp2_by_nonresidue(x.c2 * s1);
    let r1 = (x.c0 + x.c1) * s01 - v0 - v1;
    let r2 = x.c2 * s0 + v1;
    Fq6::new(r0, r1, r2)
}

/// Multiplies `f` by the line `1 + (λ·x')·w³ + (c·y')·w⁴`, where
/// `x' = −x_P/y_P` and `y' = 1/y_P`: with `f = a + b·w`, `w² = v` and
/// `s = λx' + c·y'·v`, the product is `(a + v·b·s) + (b + a·s)·w`.
fn mul_by_line(f: &mut Fq12, (lambda, c): &Line, (xp, yp): &(Fq, Fq)) {
    let mut s0 = *lambda;
    s0.mul_assign_by_fp(xp);
    let mut s1 = *c;
    s1.mul_assign_by_fp(yp);
    let s01 = s0 + s1;
    let a_s = mul_fp6_by_01(&f.c0, &s0, &s1, &s01);
    let b_s = mul_fp6_by_01(&f.c1, &s0, &s1, &s01);
    f.c1 += &a_s;
    // v·(y₀ + y₁v + y₂v²) = ξy₂ + y₀v + y₁v².
    f.c0 += &Fq6::new(Fq6Config::mul_fp2_by_nonresidue(b_s.c2), b_s.c0, b_s.c1);
}

/// `(−x_P/y_P, 1/y_P)` for every point, `None` for the identity (its pairs
/// contribute 1). `None` overall if a point has `y = 0` (none is in G1).
fn evaluation_points(ps: &[G1Affine]) -> Option<Vec<Option<(Fq, Fq)>>> {
    let mut yinv: Vec<Fq> = ps
        .iter()
        .map(|p| if p.is_zero() { Fq::one() } else { p.y })
        .collect();
    if yinv.iter().any(Zero::is_zero) {
        return None;
    }
    batch_inversion(&mut yinv);
    Some(
        ps.iter()
            .zip(&yinv)
            .map(|(p, yi)| (!p.is_zero()).then(|| (-(p.x * yi), *yi)))
            .collect(),
    )
}

/// `Π e(Pᵢ, Qᵢ) · Π e(P'ⱼ, Q'ⱼ)` before the final exponentiation: the pairs
/// `(ps, qs)` are stepped here (their lines are used as they are made, never
/// stored), the pairs `(fixed_ps, fixed)` use lines from [`prepare`]. Pairs
/// with an identity G1 point contribute 1. `None` if the lists differ in
/// length or a point is refused (see the module docs).
pub fn multi_miller_loop(
    ps: &[G1Affine],
    qs: &[G2Affine],
    fixed_ps: &[G1Affine],
    fixed: &[&Lines],
) -> Option<Fq12> {
    if ps.len() != qs.len()
        || fixed_ps.len() != fixed.len()
        || fixed.iter().any(|l| l.0.len() != line_count())
    {
        return None;
    }
    let mut acc = Accumulate {
        f: Fq12::one(),
        at: evaluation_points(ps)?,
        fixed_at: evaluation_points(fixed_ps)?,
        fixed,
        k: 0,
    };
    run(qs, &mut acc)?;
    Some(acc.f)
}

/// The Miller accumulator: multiplies in the stepped pairs' lines as they
/// come and the fixed pairs' `k`-th lines beside them.
struct Accumulate<'a> {
    f: Fq12,
    at: Vec<Option<(Fq, Fq)>>,
    fixed_at: Vec<Option<(Fq, Fq)>>,
    fixed: &'a [&'a Lines],
    k: usize,
}

impl Visit for Accumulate<'_> {
    fn square(&mut self) {
        self.f.square_in_place();
    }

    fn lines(&mut self, lines: &[Line]) {
        for (l, p) in lines.iter().zip(&self.at) {
            if let Some(p) = p {
                mul_by_line(&mut self.f, l, p);
            }
        }
        for (l, p) in self.fixed.iter().zip(&self.fixed_at) {
            if let Some(p) = p {
                mul_by_line(&mut self.f, &l.0[self.k], p);
            }
        }
        self.k += 1;
    }

    fn end_of_loop(&mut self) {
        if Config::X_IS_NEGATIVE {
            self.f.cyclotomic_inverse_in_place();
        }
    }
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

    fn random_pairs(n: usize, rng: &mut StdRng) -> (Vec<G1Affine>, Vec<G2Affine>) {
        (
            (0..n)
                .map(|_| G1Projective::rand(rng).into_affine())
                .collect(),
            (0..n)
                .map(|_| G2Projective::rand(rng).into_affine())
                .collect(),
        )
    }

    #[test]
    fn agrees_with_arkworks_after_final_exponentiation() {
        let mut rng = StdRng::seed_from_u64(7);
        for (n, m) in [(1usize, 0usize), (0, 1), (1, 3), (2, 3), (5, 0), (8, 3)] {
            let (ps, qs) = random_pairs(n, &mut rng);
            let (fps, fqs) = random_pairs(m, &mut rng);
            let lines = prepare(&fqs).expect("subgroup points");
            assert!(lines.iter().all(|l| l.0.len() == line_count()));
            let refs: Vec<&Lines> = lines.iter().collect();
            let ours = multi_miller_loop(&ps, &qs, &fps, &refs).expect("valid points");
            let all_p: Vec<G1Affine> = ps.iter().chain(&fps).copied().collect();
            let all_q: Vec<G2Affine> = qs.iter().chain(&fqs).copied().collect();
            let theirs = Bn254::multi_pairing(all_p, all_q).0;
            assert_eq!(fe(ours), theirs, "n = {n}, m = {m}");
        }
        // Stepped and prepared lines are the same lines.
        let (_, qs) = random_pairs(4, &mut rng);
        let (ps, _) = random_pairs(4, &mut rng);
        let lines = prepare(&qs).expect("valid");
        let refs: Vec<&Lines> = lines.iter().collect();
        assert_eq!(
            multi_miller_loop(&ps, &qs, &[], &[]),
            multi_miller_loop(&[], &[], &ps, &refs)
        );
        // And it is a pairing: e(2P, Q) = e(P, Q)².
        let p2 = ps[0].into_group().double().into_affine();
        let one = multi_miller_loop(&ps[..1], &qs[..1], &[], &[]).expect("valid");
        let two = multi_miller_loop(&[p2], &qs[..1], &[], &[]).expect("valid");
        assert_eq!(fe(two), fe(one).square());
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
        let lines = prepare(&[q]).expect("valid");
        let zero = G1Affine::zero();
        let f = multi_miller_loop(&[p, zero], &[q, q], &[zero], &[&lines[0]]).expect("ok");
        assert_eq!(fe(f), Bn254::pairing(p, q).0);
        assert_eq!(prepare(&[q, G2Affine::zero()]), None);
        assert_eq!(multi_miller_loop(&[p], &[G2Affine::zero()], &[], &[]), None);
        assert_eq!(multi_miller_loop(&[p], &[], &[], &[]), None);
        assert_eq!(multi_miller_loop(&[], &[], &[p], &[]), None);
    }
}
