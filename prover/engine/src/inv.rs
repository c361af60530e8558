//! Inversion modulo a 254-bit prime by Bernstein–Yang divsteps ("safegcd"),
//! variable time, 62 divsteps per pass over the numbers.
//!
//! The batch-affine MSM pays one field inversion per batch of additions.
//! `ark-ff`'s inversion (a binary extended Euclid over the whole 256-bit
//! numbers, bit by bit) costs ≈ 5.8 µs here (`fieldrace`), the price of
//! ≈ 1,450 products on the IFMA path: a fifth of a full batch of 1,024
//! additions, half of a batch of 256. Divsteps work on the low 64 bits of
//! `f` and `g` only, collect 62 of them as a 2×2 matrix of `i64`s, and apply
//! that matrix to the full numbers once (Bernstein and Yang, "Fast
//! constant-time gcd computation and modular inversion", 2019; the
//! variable-time loop stops when `g = 0`). The prover's inputs are public
//! (points of the key and buckets), so variable time is fine here.
//!
//! Numbers are five signed 62-bit limbs (`Σ v[i]·2^{62i}`, limbs 0–3 in
//! `[0, 2^62)`, limb 4 signed). Invariants: `f ≡ d·x`, `g ≡ e·x (mod p)`,
//! starting from `f = p, d = 0, g = x, e = 1`; at the end `f = ±1`, so
//! `x^{−1} = ±d`. Tested against `ark-ff` on random and edge values of both
//! BN254 fields.
use ark_bn254::{Fq, Fq2, FqConfig, Fr, FrConfig};
use ark_ff::{BigInt, Field, Fp, MontBackend, MontConfig};

const M62: u64 = (1 << 62) - 1;

/// Signed 62-bit limbs.
type S62 = [i64; 5];

/// A prime modulus below `2^255`, prepared.
pub struct Modulus {
    p: S62,
    /// `p^{−1} mod 2^64`.
    pinv: u64,
}

impl Modulus {
    /// `p` (odd, below `2^255`) as four little-endian 64-bit limbs.
    pub const fn new(p: [u64; 4]) -> Self {
        // Newton: each step doubles the correct low bits (3 at the start).
        let mut x = p[0];
        let mut k = 0;
        while k < 5 {
            x = x.wrapping_mul(2u64.wrapping_sub(p[0].wrapping_mul(x)));
            k += 1;
        }
        Self {
            p: to_s62(&p),
            pinv: x,
        }
    }
}

const fn to_s62(x: &[u64; 4]) -> S62 {
    [
        (x[0] & M62) as i64,
        ((x[0] >> 62 | x[1] << 2) & M62) as i64,
        ((x[1] >> 60 | x[2] << 4) & M62) as i64,
        ((x[2] >> 58 | x[3] << 6) & M62) as i64,
        (x[3] >> 56) as i64,
    ]
}

/// For a value in `[0, 2^256)` with normalized limbs.
fn from_s62(v: &S62) -> [u64; 4] {
    let v: [u64; 5] = v.map(|l| l as u64);
    [
        v[0] | v[1] << 62,
        v[1] >> 2 | v[2] << 60,
        v[2] >> 4 | v[3] << 58,
        v[3] >> 6 | v[4] << 56,
    ]
}

/// The matrix of 62 divsteps: `2^62·(f', g') = (u·f + v·g, q·f + r·g)`.
struct Matrix {
    u: i64,
    v: i64,
    q: i64,
    r: i64,
}

/// 62 divsteps on the low 64 bits of `f` (odd) and `g`: enough, as step `k`
/// reads only bit 0 of numbers whose low `64 − k` bits are exact.
fn divsteps(mut delta: i64, mut f: u64, mut g: u64) -> (i64, Matrix) {
    let (mut u, mut v, mut q, mut r) = (1i64, 0i64, 0i64, 1i64);
    let mut left = 62u32;
    loop {
        // Halvings of an even g, all at once: f's row doubles.
        let z = g.trailing_zeros().min(left);
        g >>= z;
        u <<= z;
        v <<= z;
        delta += i64::from(z);
        left -= z;
        if left == 0 {
            break;
        }
        // g odd.
        if delta > 0 {
            // (f, g) ← (g, (g − f)/2).
            (f, g) = (g, g.wrapping_sub(f) >> 1);
            (u, v, q, r) = (q << 1, r << 1, q - u, r - v);
            delta = 1 - delta;
        } else {
            // g ← (g + f)/2.
            g = g.wrapping_add(f) >> 1;
            (q, r) = (q + u, r + v);
            (u, v) = (u << 1, v << 1);
            delta += 1;
        }
        left -= 1;
        if left == 0 {
            break;
        }
    }
    (delta, Matrix { u, v, q, r })
}

/// `(x, y) ← (u·x + v·y + m_x·p, q·x + r·y + m_y·p)/2^62`, exact.
///
/// For `(f, g)` (`m = None`), `m_x = m_y = 0`: the matrix's divsteps make the
/// divisions exact. For `(d, e)` (`m = Some(p)`), the `m`s in `[0, 2^62)`
/// make them exact: `≡ (·)·2^{−62} (mod p)`, and the magnitudes grow by
/// less than `p` per call.
fn update(x: &mut S62, y: &mut S62, t: &Matrix, m: Option<&Modulus>) {
    let (u, v, q, r) = (t.u as i128, t.v as i128, t.q as i128, t.r as i128);
    let mut cx = u * x[0] as i128 + v * y[0] as i128;
    let mut cy = q * x[0] as i128 + r * y[0] as i128;
    let (mx, my, p) = match m {
        Some(m) => {
            let mx = ((cx as u64).wrapping_mul(m.pinv)).wrapping_neg() & M62;
            let my = ((cy as u64).wrapping_mul(m.pinv)).wrapping_neg() & M62;
            (mx as i128, my as i128, m.p)
        }
        None => (0, 0, [0; 5]),
    };
    cx += mx * p[0] as i128;
    cy += my * p[0] as i128;
    debug_assert!(cx as u64 & M62 == 0 && cy as u64 & M62 == 0);
    cx >>= 62;
    cy >>= 62;
    for i in 1..5 {
        cx += u * x[i] as i128 + v * y[i] as i128 + mx * p[i] as i128;
        cy += q * x[i] as i128 + r * y[i] as i128 + my * p[i] as i128;
        x[i - 1] = (cx as u64 & M62) as i64;
        y[i - 1] = (cy as u64 & M62) as i64;
        cx >>= 62;
        cy >>= 62;
    }
    x[4] = cx as i64;
    y[4] = cy as i64;
}

/// `a ← a + s·b` for `s = ±1`, limbs renormalized.
fn add_signed(a: &mut S62, b: &S62, s: i64) {
    let mut c = 0i64;
    for i in 0..4 {
        let x = a[i] + s * b[i] + c;
        a[i] = (x as u64 & M62) as i64;
        c = x >> 62;
    }
    a[4] += s * b[4] + c;
}

/// `a ≥ b` for non-negative, normalized `a`, `b`.
fn geq(a: &S62, b: &S62) -> bool {
    for i in (0..5).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `x^{−1} mod p` for `0 < x < p` (four little-endian 64-bit limbs); `None`
/// for `x = 0` (or a non-prime `p` with `gcd(x, p) ≠ 1`).
pub fn inverse(x: &[u64; 4], m: &Modulus) -> Option<[u64; 4]> {
    if *x == [0; 4] {
        return None;
    }
    let (mut f, mut g) = (m.p, to_s62(x));
    let (mut d, mut e) = ([0i64; 5], [1i64, 0, 0, 0, 0]);
    let mut delta = 1i64;
    // 256-bit inputs need at most ≈ 740 divsteps: 12 passes; the cap only
    // guards against a misuse.
    let mut passes = 0;
    while g != [0; 5] {
        passes += 1;
        if passes > 40 {
            return None;
        }
        let lo = |a: &S62| a[0] as u64 | (a[1] as u64) << 62;
        let (nd, t) = divsteps(delta, lo(&f), lo(&g));
        delta = nd;
        update(&mut d, &mut e, &t, Some(m));
        update(&mut f, &mut g, &t, None);
    }
    // f = ±1 = gcd(p, x) up to sign; x^{−1} = f·d.
    let one = [1i64, 0, 0, 0, 0];
    let minus_one = [M62 as i64, M62 as i64, M62 as i64, M62 as i64, -1];
    if f == minus_one {
        let mut n = [0i64; 5];
        add_signed(&mut n, &d, -1);
        d = n;
    } else if f != one {
        return None;
    }
    while d[4] < 0 {
        add_signed(&mut d, &m.p, 1);
    }
    while geq(&d, &m.p) {
        add_signed(&mut d, &m.p, -1);
    }
    Some(from_s62(&d))
}

const FQ: Modulus = Modulus::new(<FqConfig as MontConfig<4>>::MODULUS.0);
const FR: Modulus = Modulus::new(<FrConfig as MontConfig<4>>::MODULUS.0);

/// `x^{−1}` for an `ark-ff` Montgomery field element: the plain inverse
/// `A^{−1}` of its representation `A = a·R`, times the element whose
/// representation is `R^3` (that is `R^2·R^2/R`), is the representation
/// `A^{−1}·R^2 = a^{−1}·R` of `a^{−1}`.
fn mont_inverse<C: MontConfig<4>>(
    x: &Fp<MontBackend<C, 4>, 4>,
    m: &Modulus,
) -> Option<Fp<MontBackend<C, 4>, 4>> {
    let a = inverse(&(x.0).0, m)?;
    let r2 = Fp::new_unchecked(C::R2);
    Some(Fp::new_unchecked(BigInt(a)) * (r2 * r2))
}

/// `x^{−1}` in `Fq`, as `ark-ff`'s `inverse` (same result), ≈ 3× faster
/// (`fieldrace`).
pub fn fq_inverse(x: &Fq) -> Option<Fq> {
    mont_inverse(x, &FQ)
}

/// `x^{−1}` in `Fr`, as `ark-ff`'s `inverse`.
pub fn fr_inverse(x: &Fr) -> Option<Fr> {
    mont_inverse(x, &FR)
}

/// Montgomery's trick with one [`Limbs::invert`]: every
/// element replaced by its inverse; `false` (and `xs` unchanged) if one is
/// zero.
pub fn batch_invert<F: Limbs>(xs: &mut [F]) -> bool {
    let mut pre = Vec::with_capacity(xs.len());
    let mut acc = F::one();
    for x in xs.iter() {
        pre.push(acc);
        acc *= x;
    }
    let Some(mut inv) = acc.invert() else {
        return false;
    };
    for (x, p) in xs.iter_mut().zip(pre).rev() {
        let xi = inv * p;
        inv *= *x;
        *x = xi;
    }
    true
}

/// A base field whose elements the IFMA path reads and writes as `Fq`
/// Montgomery limbs: BN254's `Fq` (G1) and `Fq2 = Fq[u]/(u² + 1)` (G2).
pub trait Limbs: Field {
    /// `Fq` coefficients per element: 1 for `Fq`, 2 for `Fq2`.
    const DEGREE: usize;
    /// The coefficients' Montgomery limbs (unused entries zero).
    fn coeffs(&self) -> [[u64; 4]; 2];
    /// The element with these coefficients' Montgomery limbs.
    fn from_coeffs(c: &[[u64; 4]; 2]) -> Self;
    /// `1/self`, by [`crate::inv`] (≈ 3× `ark-ff`'s `inverse`); `None` for
    /// zero.
    fn invert(&self) -> Option<Self>;
    /// `self·b`; `Fq`'s is [`crate::mont`]'s `mulx`/`adcx`/`adox` product.
    #[inline(always)]
    fn mul_fast(&self, b: &Self) -> Self {
        *self * b
    }
    /// `self·b` where the result only feeds other products: for `Fq`, limbs
    /// below `2p` ([`crate::mont::mul_lazy`], one conditional subtraction
    /// fewer), a value only [`Limbs::mul_fast`], [`Limbs::mul_lazy`] and
    /// [`Limbs::reduced`] may take; for `Fq2`, [`Limbs::mul_fast`].
    #[inline(always)]
    fn mul_lazy(&self, b: &Self) -> Self {
        self.mul_fast(b)
    }
    /// The reduced value of a [`Limbs::mul_lazy`] result (identity for `Fq2`).
    #[inline(always)]
    fn reduced(&self) -> Self {
        *self
    }
    /// `self²` by [`Limbs::mul_fast`]'s products (`Fq2`: two of them).
    #[inline(always)]
    fn square_fast(&self) -> Self {
        self.mul_fast(self)
    }
    /// `self + b`; `Fq`'s is [`crate::mont`]'s branch-free sum.
    #[inline(always)]
    fn add_fast(&self, b: &Self) -> Self {
        *self + b
    }
    /// `self − b`; `Fq`'s is [`crate::mont`]'s branch-free difference.
    #[inline(always)]
    fn sub_fast(&self, b: &Self) -> Self {
        *self - b
    }
    /// `−self` if `neg`, else `self`; `Fq`'s without a branch.
    #[inline(always)]
    fn neg_if(&self, neg: bool) -> Self {
        if neg {
            -*self
        } else {
            *self
        }
    }
}

impl Limbs for Fq {
    const DEGREE: usize = 1;
    #[inline(always)]
    fn coeffs(&self) -> [[u64; 4]; 2] {
        [(self.0).0, [0; 4]]
    }
    #[inline(always)]
    fn from_coeffs(c: &[[u64; 4]; 2]) -> Self {
        Fq::new_unchecked(BigInt(c[0]))
    }
    #[inline]
    fn invert(&self) -> Option<Self> {
        fq_inverse(self)
    }
    #[inline(always)]
    fn mul_fast(&self, b: &Self) -> Self {
        crate::mont::fq_mul(self, b)
    }
    #[inline(always)]
    fn mul_lazy(&self, b: &Self) -> Self {
        crate::mont::fq_mul_lazy(self, b)
    }
    #[inline(always)]
    fn reduced(&self) -> Self {
        crate::mont::fq_reduce(self)
    }
    #[inline(always)]
    fn add_fast(&self, b: &Self) -> Self {
        crate::mont::fq_add(self, b)
    }
    #[inline(always)]
    fn sub_fast(&self, b: &Self) -> Self {
        crate::mont::fq_sub(self, b)
    }
    #[inline(always)]
    fn neg_if(&self, neg: bool) -> Self {
        Fq::new_unchecked(BigInt(crate::mont::neg_if(
            &self.0 .0,
            neg,
            &crate::mont::FQ,
        )))
    }
}

impl Limbs for Fq2 {
    const DEGREE: usize = 2;
    #[inline(always)]
    fn coeffs(&self) -> [[u64; 4]; 2] {
        [(self.c0.0).0, (self.c1.0).0]
    }
    #[inline(always)]
    fn from_coeffs(c: &[[u64; 4]; 2]) -> Self {
        Fq2::new(
            Fq::new_unchecked(BigInt(c[0])),
            Fq::new_unchecked(BigInt(c[1])),
        )
    }
    /// Karatsuba (`u² = −1`) on whole 512-bit products, reduced twice:
    /// `c₀ = redc(a₀b₀ + p² − a₁b₁)`, `c₁ = redc((a₀ + a₁)(b₀ + b₁) − a₀b₀ −
    /// a₁b₁)`, both below `2p²` as [`crate::mont::redc`] needs. Three
    /// products and three reductions become three products and two
    /// reductions, and the three modular differences 512-bit ones without a
    /// correction: about 14% fewer carry-flag instructions per product.
    #[inline(always)]
    fn mul_fast(&self, b: &Self) -> Self {
        use crate::mont::{add_unreduced, add_wide, mul_wide, redc, sub_wide, FQ, FQ_P2};
        let (a0, a1, b0, b1) = (&self.c0.0 .0, &self.c1.0 .0, &b.c0.0 .0, &b.c1.0 .0);
        let v0 = mul_wide(a0, b0);
        let v1 = mul_wide(a1, b1);
        let s = mul_wide(&add_unreduced(a0, a1), &add_unreduced(b0, b1));
        let c0 = redc(&sub_wide(&add_wide(&v0, &FQ_P2), &v1), &FQ);
        let c1 = redc(&sub_wide(&sub_wide(&s, &v0), &v1), &FQ);
        Fq2::new(Fq::new_unchecked(BigInt(c0)), Fq::new_unchecked(BigInt(c1)))
    }
    /// `(c₀ + c₁)(c₀ − c₁) + 2c₀c₁·u`: two `Fq` products (the sum
    /// unreduced, as in [`Limbs::mul_fast`]).
    #[inline(always)]
    fn square_fast(&self) -> Self {
        use crate::mont::{add_unreduced, fq_add as add, fq_mul as mul, fq_sub as sub};
        use crate::mont::{mul as mul_limbs, FQ};
        let m = mul(&self.c0, &self.c1);
        let d = sub(&self.c0, &self.c1);
        Fq2::new(
            Fq::new_unchecked(BigInt(mul_limbs(
                &add_unreduced(&self.c0.0 .0, &self.c1.0 .0),
                &d.0 .0,
                &FQ,
            ))),
            add(&m, &m),
        )
    }
    #[inline(always)]
    fn add_fast(&self, b: &Self) -> Self {
        use crate::mont::fq_add as add;
        Fq2::new(add(&self.c0, &b.c0), add(&self.c1, &b.c1))
    }
    #[inline(always)]
    fn sub_fast(&self, b: &Self) -> Self {
        use crate::mont::fq_sub as sub;
        Fq2::new(sub(&self.c0, &b.c0), sub(&self.c1, &b.c1))
    }
    #[inline(always)]
    fn neg_if(&self, neg: bool) -> Self {
        Fq2::new(self.c0.neg_if(neg), self.c1.neg_if(neg))
    }
    /// `(c₀ − c₁u)/(c₀² + c₁²)` (`u² = −1`): one inversion in `Fq`.
    #[inline]
    fn invert(&self) -> Option<Self> {
        let n = fq_inverse(&(self.c0.square() + self.c1.square()))?;
        Some(Fq2::new(self.c0 * n, -(self.c1 * n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Values and representations at the edges: ±1, ±2, 2^64 − 1, 1/3, and
    /// the raw Montgomery limbs 1, 2^64, 2^128 − 1, (p − 1)/2 and p − 1.
    fn edges<F: ark_ff::PrimeField<BigInt = BigInt<4>>>(
        p: [u64; 4],
        raw: fn(BigInt<4>) -> F,
    ) -> Vec<F> {
        let mut pm1 = p;
        pm1[0] -= 1;
        let mut half = pm1;
        for i in 0..4 {
            half[i] = half[i] >> 1 | if i < 3 { half[i + 1] << 63 } else { 0 };
        }
        let mut v = vec![
            F::one(),
            -F::one(),
            F::one().double(),
            -F::one().double(),
            F::from(u64::MAX),
            F::from(3u64).inverse().unwrap(),
        ];
        for r in [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [u64::MAX, u64::MAX, 0, 0],
            half,
            pm1,
        ] {
            v.push(raw(BigInt(r)));
        }
        v
    }

    /// Edges and 3,000 random elements of one field, and zero.
    fn matches_ark_ff<F: ark_ff::PrimeField<BigInt = BigInt<4>> + UniformRand>(
        p: [u64; 4],
        raw: fn(BigInt<4>) -> F,
        ours: fn(&F) -> Option<F>,
        seed: u64,
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut xs = edges(p, raw);
        xs.extend((0..3000).map(|_| F::rand(&mut rng)));
        for x in &xs {
            assert_eq!(ours(x), x.inverse(), "inverse of {x}");
        }
        assert_eq!(ours(&F::zero()), None);
    }

    #[test]
    fn fq_inverse_matches_ark_ff() {
        matches_ark_ff(
            <FqConfig as MontConfig<4>>::MODULUS.0,
            Fq::new_unchecked,
            fq_inverse,
            7,
        );
    }

    #[test]
    fn fr_inverse_matches_ark_ff() {
        matches_ark_ff(
            <FrConfig as MontConfig<4>>::MODULUS.0,
            Fr::new_unchecked,
            fr_inverse,
            8,
        );
    }

    #[test]
    fn batch_inversion_matches_ark_ff_and_refuses_zero() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for n in [0usize, 1, 2, 8, 33] {
            let xs: Vec<ark_bn254::Fq2> = (0..n).map(|_| UniformRand::rand(&mut rng)).collect();
            let mut ours = xs.clone();
            assert!(batch_invert(&mut ours));
            for (x, y) in xs.iter().zip(&ours) {
                assert_eq!(Some(*y), x.inverse());
                assert!((*x * y).is_one());
            }
        }
        let mut with_zero = vec![Fq::one(), Fq::zero(), Fq::from(5u64)];
        let before = with_zero.clone();
        assert!(!batch_invert(&mut with_zero));
        assert_eq!(with_zero, before, "unchanged when an element is zero");
    }
}
