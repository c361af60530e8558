//! BN254 arithmetic with AVX-512 IFMA, eight elements at a time: batched
//! affine additions on G1 and G2 (the MSMs) and the FFTs' butterflies over
//! `Fr`.
//!
//! The batch-affine MSM ([`crate::msm`]) spends nearly all its time in
//! `Fq` products, and those are bound by the 64×64-bit multiplier: `ark-ff`'s
//! product (with mulx/adcx/adox) costs 19–21 ns here whether the products are
//! dependent or not, and the same algorithm inlined in plain Rust is no
//! faster (`fieldrace` bench binary). `vpmadd52luq`/`vpmadd52huq` multiply
//! eight 52-bit pairs per instruction: with elements as five 52-bit limbs,
//! limb-sliced across the eight lanes of a 512-bit register, a Montgomery
//! product costs 3.9 ns per element (`fieldrace`, checked against `ark-ff`).
//!
//! [`add_assign_batch`] applies a batch of independent bucket additions
//! `acc[b] += p` (distinct buckets, `x(p) ≠ x(acc[b])`, neither the identity:
//! what [`crate::msm`]'s batch holds) with the same formulas as the scalar
//! path — Montgomery's trick for the inversions, then `λ = Δy/Δx`,
//! `x₃ = λ² − x₁ − x₂`, `y₃ = λ(x₁ − x₃) − y₁` — on eight additions per
//! instruction: the batch is cut into groups of eight, lane `k` of every group
//! forms one chain of prefix products, the eight chain products are inverted
//! together (one `ark-ff` inversion), and the backward pass runs on the
//! groups in reverse.
//!
//! The arithmetic keeps `ark-ff`'s representation (Montgomery form with
//! `R = 2^256`, fully reduced), so points go in and out by re-cutting limbs
//! (64 → 52 bits and back), without conversions: the Montgomery reduction
//! runs four 52-bit rounds and one 48-bit round, and every product and
//! difference is reduced below `p`. `tests` check products, differences and
//! whole batches against `ark-ff`/`ark-ec` on random and edge values.
//!
//! [`fr_dit`], [`fr_dif_rev`] and [`fr_mul_assign`] are the FFTs'
//! butterflies ([`crate::fft`]) with the same Montgomery product over `Fr`
//! (the modulus is a type parameter): eight consecutive `Fr` are moved into
//! limb-sliced form by two rounds of two-source permutations (a transpose of
//! their 64-bit limbs) and a cut into 52-bit limbs, and back the same way.
//!
//! This module is the prover's only `unsafe` code: the intrinsics are
//! `unsafe` to call from functions not compiled for AVX-512, and every call
//! is behind [`Ifma::detect`] (a CPU check at run time; `ZKCC_IFMA=0`
//! disables the path).
#![allow(unsafe_code)]

use ark_bn254::{Fq, FqConfig, Fr, FrConfig};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, MontConfig, One};

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

const P64: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;
/// The low 52 bits: one limb of the IFMA representation.
pub const MASK: u64 = (1 << 52) - 1;

/// A 254-bit prime the vector arithmetic reduces by, as `ark-ff` has it:
/// `Fq` (the curves' coordinates) or `Fr` (the FFTs' scalars).
trait Prime {
    /// The modulus in 52-bit limbs.
    const P: [u64; 5];
    /// `−p^{−1} mod 2^52`.
    const INV: u64;
}

/// BN254's base field `Fq`.
struct Q;
/// BN254's scalar field `Fr`.
struct R;

impl Prime for Q {
    const P: [u64; 5] = to52(&P64);
    const INV: u64 = <FqConfig as MontConfig<4>>::INV & MASK;
}

impl Prime for R {
    const P: [u64; 5] = to52(&<FrConfig as MontConfig<4>>::MODULUS.0);
    const INV: u64 = <FrConfig as MontConfig<4>>::INV & MASK;
}

pub use crate::inv::Limbs;

/// Proof that this CPU has AVX-512F and IFMA (and the path is not disabled).
#[derive(Clone, Copy, Debug)]
pub struct Ifma(());

impl Ifma {
    /// `Some` where the CPU has AVX-512F and AVX-512 IFMA and `ZKCC_IFMA`
    /// is not `0`.
    pub fn detect() -> Option<Self> {
        if std::env::var("ZKCC_IFMA").is_ok_and(|v| v == "0") {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
        {
            return Some(Ifma(()));
        }
        None
    }
}

/// Four 64-bit limbs as five 52-bit ones.
#[inline(always)]
pub const fn to52(x: &[u64; 4]) -> [u64; 5] {
    [
        x[0] & MASK,
        (x[0] >> 52 | x[1] << 12) & MASK,
        (x[1] >> 40 | x[2] << 24) & MASK,
        (x[2] >> 28 | x[3] << 36) & MASK,
        x[3] >> 16,
    ]
}

/// Five normalized 52-bit limbs of a value below `2^256` as four 64-bit ones.
#[inline(always)]
pub fn to64(l: &[u64; 5]) -> [u64; 4] {
    [
        l[0] | l[1] << 52,
        l[1] >> 12 | l[2] << 40,
        l[2] >> 24 | l[3] << 28,
        l[3] >> 36 | l[4] << 16,
    ]
}

/// Eight elements limb-sliced: `lanes[j][k]` is limb `j` of element `k`.
type Lanes = [[u64; 8]; 5];

/// One group of eight additions, as the backward pass needs it; each
/// coordinate as up to two `Fq` coefficients (`Fq2` on G2).
#[derive(Clone, Copy, Default)]
struct Group {
    /// `x(p) − x(acc)`.
    d: [Lanes; 2],
    /// `y(p)`, then `y(p) − y(acc)`.
    n: [Lanes; 2],
    ax: [Lanes; 2],
    ay: [Lanes; 2],
    px: [Lanes; 2],
    /// The lane-wise product of the `d`s of the groups before this one.
    pre: [Lanes; 2],
}

/// Scratch space of [`add_assign_batch`], reused across batches.
#[derive(Default)]
pub struct Scratch {
    groups: Vec<Group>,
}

/// `acc[b] += p` for every `(b, p)` of `todo`: distinct `b`, `x(p) ≠
/// x(acc[b])`, neither point the identity (the caller's batch invariant;
/// violating it gives wrong sums, never undefined behaviour). BN254 G1
/// (`Fq`) and G2 (`Fq2`).
pub(crate) fn add_assign_batch<P: SWCurveConfig<BaseField: Limbs>>(
    tok: Ifma,
    acc: &mut [Affine<P>],
    todo: &crate::msm::Pending<P>,
    scratch: &mut Scratch,
) {
    let _ = tok;
    let deg = P::BaseField::DEGREE;
    let groups = todo.len().div_ceil(8);
    // Every field a pass reads is written first (the gather below, then the
    // prefix pass): the scratch only grows, never needs clearing.
    if scratch.groups.len() < groups {
        scratch.groups.resize(groups, Group::default());
    }
    let gs = &mut scratch.groups[..groups];
    // Gather: limb-slice the operands; padded lanes add (0, 0) to (0, 0)
    // with Δx = 1 (Montgomery one) so every chain stays invertible.
    let one = P::BaseField::one().coeffs();
    let zero = [[0u64; 4]; 2];
    for (g, grp) in gs.iter_mut().enumerate() {
        for k in 0..8 {
            let (ax, ay, px, py) = match todo.get(8 * g + k) {
                Some((b, p)) => {
                    let a = &acc[b as usize];
                    (a.x.coeffs(), a.y.coeffs(), p.x.coeffs(), p.y.coeffs())
                }
                None => (zero, zero, one, zero),
            };
            for c in 0..deg {
                let (ax, ay, px, py) = (to52(&ax[c]), to52(&ay[c]), to52(&px[c]), to52(&py[c]));
                for j in 0..5 {
                    grp.ax[c][j][k] = ax[j];
                    grp.ay[c][j][k] = ay[j];
                    grp.px[c][j][k] = px[j];
                    grp.n[c][j][k] = py[j];
                }
            }
        }
    }
    // SAFETY: `tok` shows the CPU runs AVX-512F and IFMA.
    let prod = unsafe {
        if deg == 1 {
            prefix_pass::<1>(gs)
        } else {
            prefix_pass::<2>(gs)
        }
    };
    // The eight chain products, inverted together.
    let mut invs: Vec<P::BaseField> = (0..8)
        .map(|k| {
            let c: [[u64; 4]; 2] = std::array::from_fn(|c| {
                let l: [u64; 5] = std::array::from_fn(|j| prod[c][j][k]);
                to64(&l)
            });
            P::BaseField::from_coeffs(&c)
        })
        .collect();
    let inverted = crate::inv::batch_invert(&mut invs);
    assert!(inverted, "chain products of non-zero differences");
    let mut inv = [[[0u64; 8]; 5]; 2];
    for (k, f) in invs.iter().enumerate() {
        for (c, limbs) in f.coeffs().iter().enumerate() {
            let l = to52(limbs);
            for j in 0..5 {
                inv[c][j][k] = l[j];
            }
        }
    }
    // SAFETY: as above.
    unsafe {
        if deg == 1 {
            backward_pass::<1>(gs, &inv)
        } else {
            backward_pass::<2>(gs, &inv)
        }
    };
    // Scatter: the sums are in `ax` (x₃) and `ay` (y₃).
    for (g, grp) in gs.iter().enumerate() {
        for k in 0..8 {
            let Some((b, _)) = todo.get(8 * g + k) else {
                break;
            };
            let coord = |l: &[Lanes; 2]| {
                let c: [[u64; 4]; 2] = std::array::from_fn(|c| {
                    let v: [u64; 5] = std::array::from_fn(|j| l[c][j][k]);
                    to64(&v)
                });
                P::BaseField::from_coeffs(&c)
            };
            acc[b as usize] = Affine::new_unchecked(coord(&grp.ax), coord(&grp.ay));
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn prefix_pass<const D: usize>(_: &mut [Group]) -> [Lanes; 2] {
    unreachable!("Ifma::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn backward_pass<const D: usize>(_: &mut [Group], _: &[Lanes; 2]) {
    unreachable!("Ifma::detect is None off x86-64")
}

#[cfg(target_arch = "x86_64")]
type V = [__m512i; 5];

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn load(l: &Lanes) -> V {
    // SAFETY: each row is 64 bytes; unaligned loads.
    std::array::from_fn(|j| unsafe { _mm512_loadu_si512(l[j].as_ptr().cast()) })
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn store(v: &V, l: &mut Lanes) {
    for j in 0..5 {
        // SAFETY: each row is 64 bytes; unaligned stores.
        unsafe { _mm512_storeu_si512(l[j].as_mut_ptr().cast(), v[j]) };
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn splat(x: &[u64; 5]) -> V {
    std::array::from_fn(|j| _mm512_set1_epi64(x[j] as i64))
}

/// Propagates signed carries so limbs 0–3 are in `[0, 2^52)`; limb 4 keeps
/// the sign.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn carry(mut t: V) -> V {
    let mask = _mm512_set1_epi64(MASK as i64);
    for j in 0..4 {
        let c = _mm512_srai_epi64(t[j], 52);
        t[j] = _mm512_and_si512(t[j], mask);
        t[j + 1] = _mm512_add_epi64(t[j + 1], c);
    }
    t
}

/// `x − p` where that is non-negative, else `x` (for normalized `x < 2p`).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn reduce_once<M: Prime>(x: V) -> V {
    let p = splat(&M::P);
    let s = carry(std::array::from_fn(|j| _mm512_sub_epi64(x[j], p[j])));
    let neg = _mm512_cmplt_epi64_mask(s[4], _mm512_setzero_si512());
    std::array::from_fn(|j| _mm512_mask_blend_epi64(neg, s[j], x[j]))
}

/// `a − b mod p` for reduced inputs, reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn subm<M: Prime>(a: &V, b: &V) -> V {
    let p = splat(&M::P);
    let s = carry(std::array::from_fn(|j| _mm512_sub_epi64(a[j], b[j])));
    let neg = _mm512_cmplt_epi64_mask(s[4], _mm512_setzero_si512());
    carry(std::array::from_fn(|j| {
        _mm512_mask_add_epi64(s[j], neg, s[j], p[j])
    }))
}

/// The schoolbook product of two values of five 52-bit limbs, limb-sliced
/// across eight lanes: limb `k` of the result sums the low halves of
/// `a_i·b_j` for `i + j = k` and the high halves for `i + j = k − 1` (ten
/// limbs, not carried). The first step of every Montgomery product here, and
/// of the `fieldrace` bench's.
///
/// # Safety
///
/// The CPU must have AVX-512F and AVX-512 IFMA ([`Ifma::detect`] checks).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub fn wide_product(a: &[__m512i; 5], b: &[__m512i; 5]) -> [__m512i; 10] {
    let mut t = [_mm512_setzero_si512(); 10];
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
        }
    }
    t
}

/// `a·b·2^−256 mod p` for reduced inputs (`ark-ff`'s Montgomery product),
/// reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mulm<M: Prime>(a: &V, b: &V) -> V {
    let z = _mm512_setzero_si512();
    let p = splat(&M::P);
    let pinv = _mm512_set1_epi64(M::INV as i64);
    let mask = _mm512_set1_epi64(MASK as i64);
    let mut t = wide_product(a, b);
    // Four rounds clear 52 bits each (t ≡ 0 mod 2^208), the fifth 48 more.
    for i in 0..5 {
        let mut m = _mm512_madd52lo_epu64(z, t[i], pinv);
        if i == 4 {
            m = _mm512_and_si512(m, _mm512_set1_epi64(((1u64 << 48) - 1) as i64));
        }
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p[j]);
        }
        if i < 4 {
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64(t[i], 52));
        }
    }
    for k in 4..9 {
        t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64(t[k], 52));
        t[k] = _mm512_and_si512(t[k], mask);
    }
    // t / 2^256: limb 4 holds bits 208..260, of which the top four count.
    let r: V = std::array::from_fn(|k| {
        let lo = _mm512_srli_epi64(t[4 + k], 48);
        let hi = _mm512_slli_epi64(t[5 + k], 4);
        _mm512_and_si512(_mm512_or_si512(lo, hi), mask)
    });
    reduce_once::<M>(r)
}

/// `a + b mod p` for reduced inputs, reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn addm<M: Prime>(a: &V, b: &V) -> V {
    reduce_once::<M>(carry(std::array::from_fn(|j| _mm512_add_epi64(a[j], b[j]))))
}

/// The `Fq` instances of the generic field operations (`name = generic;`).
macro_rules! fq_ops {
    ($($(#[$doc:meta])* $name:ident = $generic:ident;)*) => {$(
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        #[inline]
        #[target_feature(enable = "avx512f,avx512ifma")]
        fn $name(a: &V, b: &V) -> V {
            $generic::<Q>(a, b)
        }
    )*};
}

fq_ops! {
    /// `a·b` in `Fq` (Montgomery, reduced).
    mul = mulm;
    /// `a − b` in `Fq`.
    sub = subm;
    /// `a + b` in `Fq`.
    add = addm;
}

/// An element of `Fq` (`D = 1`, second entry unused) or `Fq2` (`D = 2`).
#[cfg(target_arch = "x86_64")]
type E = [V; 2];

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn eload<const D: usize>(l: &[Lanes; 2]) -> E {
    let mut e = [[_mm512_setzero_si512(); 5]; 2];
    for c in 0..D {
        e[c] = load(&l[c]);
    }
    e
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn estore<const D: usize>(e: &E, l: &mut [Lanes; 2]) {
    for c in 0..D {
        store(&e[c], &mut l[c]);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn esub<const D: usize>(a: &E, b: &E) -> E {
    let mut e = *a;
    for c in 0..D {
        e[c] = sub(&a[c], &b[c]);
    }
    e
}

/// Product in `Fq` or, over `u² = −1`, in `Fq2` (Karatsuba: three `Fq`
/// products).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn emul<const D: usize>(a: &E, b: &E) -> E {
    if D == 1 {
        [mul(&a[0], &b[0]), a[1]]
    } else {
        let aa = mul(&a[0], &b[0]);
        let bb = mul(&a[1], &b[1]);
        let cross = mul(&add(&a[0], &a[1]), &add(&b[0], &b[1]));
        [sub(&aa, &bb), sub(&sub(&cross, &aa), &bb)]
    }
}

/// Square in `Fq` or `Fq2` (`(a + bu)² = (a + b)(a − b) + 2ab·u`).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn esquare<const D: usize>(a: &E) -> E {
    if D == 1 {
        [mul(&a[0], &a[0]), a[1]]
    } else {
        let ab = mul(&a[0], &a[1]);
        [mul(&add(&a[0], &a[1]), &sub(&a[0], &a[1])), add(&ab, &ab)]
    }
}

/// `d ← x(p) − x(acc)`, `n ← y(p) − y(acc)`, `pre ←` the running product of
/// the `d`s before; returns the eight chain products.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn prefix_pass<const D: usize>(groups: &mut [Group]) -> [Lanes; 2] {
    let z = [_mm512_setzero_si512(); 5];
    let mut run = [splat(&to52(&Fq::one().coeffs()[0])), z];
    for g in groups.iter_mut() {
        let d = esub::<D>(&eload::<D>(&g.px), &eload::<D>(&g.ax));
        let n = esub::<D>(&eload::<D>(&g.n), &eload::<D>(&g.ay));
        estore::<D>(&d, &mut g.d);
        estore::<D>(&n, &mut g.n);
        estore::<D>(&run, &mut g.pre);
        run = emul::<D>(&run, &d);
    }
    let mut out = [[[0; 8]; 5]; 2];
    estore::<D>(&run, &mut out);
    out
}

/// The backward pass: `1/d = inv·pre`, `inv ← inv·d`, then the sum, written
/// over `ax` (x₃) and `ay` (y₃).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn backward_pass<const D: usize>(groups: &mut [Group], inv: &[Lanes; 2]) {
    let mut inv = eload::<D>(inv);
    for g in groups.iter_mut().rev() {
        let d = eload::<D>(&g.d);
        let dinv = emul::<D>(&inv, &eload::<D>(&g.pre));
        inv = emul::<D>(&inv, &d);
        let l = emul::<D>(&eload::<D>(&g.n), &dinv);
        let ax = eload::<D>(&g.ax);
        let x3 = esub::<D>(&esub::<D>(&esquare::<D>(&l), &ax), &eload::<D>(&g.px));
        let y3 = esub::<D>(&emul::<D>(&l, &esub::<D>(&ax, &x3)), &eload::<D>(&g.ay));
        estore::<D>(&x3, &mut g.ax);
        estore::<D>(&y3, &mut g.ay);
    }
}

/// Decimation-in-time butterflies over `Fr`, `(u, v) → (u + w·v, u − w·v)`
/// for `(u, v, w) = (lo[k], hi[k], w[k])`, eight per instruction (the last
/// `len mod 8` by `ark-ff`). Panics if the lengths differ.
pub fn fr_dit(tok: Ifma, lo: &mut [Fr], hi: &mut [Fr], w: &[Fr]) {
    let _ = tok;
    assert!(
        lo.len() == hi.len() && hi.len() == w.len(),
        "runs of one length"
    );
    let v = lo.len() / 8 * 8;
    // SAFETY: `tok` shows the CPU runs AVX-512F and IFMA.
    unsafe { dit8(&mut lo[..v], &mut hi[..v], &w[..v]) };
    for ((u, x), w) in lo[v..].iter_mut().zip(&mut hi[v..]).zip(&w[v..]) {
        let (a, wx) = (*u, *x * w);
        *u = a + wx;
        *x = a - wx;
    }
}

/// Decimation-in-frequency inverse butterflies over `Fr`,
/// `(u, v) → (u + v, (v − u)·t)`, where pair `k` of `len` takes
/// `t = trev[len − 1 − k]` (a layer's twiddles read backwards, as
/// `ω^{−j} = −ω^{m−j}` has them); eight per instruction. Panics if the
/// lengths differ.
pub fn fr_dif_rev(tok: Ifma, lo: &mut [Fr], hi: &mut [Fr], trev: &[Fr]) {
    let _ = tok;
    let len = lo.len();
    assert!(len == hi.len() && len == trev.len(), "runs of one length");
    let v = len / 8 * 8;
    // The vector part takes the pairs below `v` and the twiddles above
    // `len − v`.
    // SAFETY: `tok` shows the CPU runs AVX-512F and IFMA.
    unsafe { dif8(&mut lo[..v], &mut hi[..v], &trev[len - v..]) };
    for k in v..len {
        let (a, b) = (lo[k], hi[k]);
        lo[k] = a + b;
        hi[k] = (b - a) * trev[len - 1 - k];
    }
}

/// `x[k] ← x[k]·s[k]` over `Fr`, eight per instruction. Panics if the
/// lengths differ.
pub fn fr_mul_assign(tok: Ifma, x: &mut [Fr], s: &[Fr]) {
    let _ = tok;
    assert_eq!(x.len(), s.len(), "runs of one length");
    let v = x.len() / 8 * 8;
    // SAFETY: `tok` shows the CPU runs AVX-512F and IFMA.
    unsafe { mul8(&mut x[..v], &s[..v]) };
    for (x, s) in x[v..].iter_mut().zip(&s[v..]) {
        *x *= s;
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dit8(_: &mut [Fr], _: &mut [Fr], _: &[Fr]) {
    unreachable!("Ifma::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dif8(_: &mut [Fr], _: &mut [Fr], _: &[Fr]) {
    unreachable!("Ifma::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn mul8(_: &mut [Fr], _: &[Fr]) {
    unreachable!("Ifma::detect is None off x86-64")
}

/// Lengths multiples of eight.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn dit8(lo: &mut [Fr], hi: &mut [Fr], w: &[Fr]) {
    for ((u, x), w) in lo
        .chunks_exact_mut(8)
        .zip(hi.chunks_exact_mut(8))
        .zip(w.chunks_exact(8))
    {
        let (a, wx) = (
            fr_load(u, false),
            mulm::<R>(&fr_load(x, false), &fr_load(w, false)),
        );
        fr_store(&addm::<R>(&a, &wx), u);
        fr_store(&subm::<R>(&a, &wx), x);
    }
}

/// Lengths multiples of eight; pair `k` takes `trev[len − 1 − k]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn dif8(lo: &mut [Fr], hi: &mut [Fr], trev: &[Fr]) {
    let len = lo.len();
    for (g, (u, x)) in lo
        .chunks_exact_mut(8)
        .zip(hi.chunks_exact_mut(8))
        .enumerate()
    {
        let t = fr_load(&trev[len - 8 * g - 8..len - 8 * g], true);
        let (a, b) = (fr_load(u, false), fr_load(x, false));
        fr_store(&addm::<R>(&a, &b), u);
        fr_store(&mulm::<R>(&subm::<R>(&b, &a), &t), x);
    }
}

/// Lengths multiples of eight.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul8(x: &mut [Fr], s: &[Fr]) {
    for (x, s) in x.chunks_exact_mut(8).zip(s.chunks_exact(8)) {
        let p = mulm::<R>(&fr_load(x, false), &fr_load(s, false));
        fr_store(&p, x);
    }
}

/// The index vectors of [`fr_load`]'s and [`fr_store`]'s transposes (over
/// the 16 words of two vectors): limbs 0 and 1, then limbs 2 and 3, of four
/// 4-limb elements; the first, then the second 256-bit halves of the two.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn shuffles() -> [__m512i; 4] {
    [
        _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13),
        _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15),
        _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11),
        _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15),
    ]
}

/// Eight `Fr` (the first eight of `x`, or reversed: lane `k` holds
/// `x[7 − k]`) limb-sliced: a transpose of their 64-bit limbs by two rounds
/// of two-source permutations, then the cut into 52-bit limbs.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn fr_load(x: &[Fr], rev: bool) -> V {
    let mut buf = [0u64; 32];
    for k in 0..8 {
        let e = &x[if rev { 7 - k } else { k }];
        buf[4 * k..4 * k + 4].copy_from_slice(&(e.0).0);
    }
    // SAFETY: `buf` holds four 64-byte rows; unaligned loads.
    let r: [__m512i; 4] =
        std::array::from_fn(|i| unsafe { _mm512_loadu_si512(buf[8 * i..].as_ptr().cast()) });
    let [even, odd, first, second] = shuffles();
    // Limbs 0 and 1 (2 and 3) of elements 0–3, then of 4–7.
    let ab01 = _mm512_permutex2var_epi64(r[0], even, r[1]);
    let ab23 = _mm512_permutex2var_epi64(r[0], odd, r[1]);
    let cd01 = _mm512_permutex2var_epi64(r[2], even, r[3]);
    let cd23 = _mm512_permutex2var_epi64(r[2], odd, r[3]);
    let x0 = _mm512_permutex2var_epi64(ab01, first, cd01);
    let x1 = _mm512_permutex2var_epi64(ab01, second, cd01);
    let x2 = _mm512_permutex2var_epi64(ab23, first, cd23);
    let x3 = _mm512_permutex2var_epi64(ab23, second, cd23);
    let m = _mm512_set1_epi64(MASK as i64);
    let or = _mm512_or_si512;
    [
        _mm512_and_si512(x0, m),
        _mm512_and_si512(or(_mm512_srli_epi64(x0, 52), _mm512_slli_epi64(x1, 12)), m),
        _mm512_and_si512(or(_mm512_srli_epi64(x1, 40), _mm512_slli_epi64(x2, 24)), m),
        _mm512_and_si512(or(_mm512_srli_epi64(x2, 28), _mm512_slli_epi64(x3, 36)), m),
        _mm512_srli_epi64(x3, 16),
    ]
}

/// The inverse of [`fr_load`] (not reversed) for normalized limbs of values
/// below `2^256`, into the first eight of `x`.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn fr_store(v: &V, x: &mut [Fr]) {
    let or = _mm512_or_si512;
    let y0 = or(v[0], _mm512_slli_epi64(v[1], 52));
    let y1 = or(_mm512_srli_epi64(v[1], 12), _mm512_slli_epi64(v[2], 40));
    let y2 = or(_mm512_srli_epi64(v[2], 24), _mm512_slli_epi64(v[3], 28));
    let y3 = or(_mm512_srli_epi64(v[3], 36), _mm512_slli_epi64(v[4], 16));
    let [even, odd, first, second] = shuffles();
    let ab01 = _mm512_permutex2var_epi64(y0, first, y1);
    let cd01 = _mm512_permutex2var_epi64(y0, second, y1);
    let ab23 = _mm512_permutex2var_epi64(y2, first, y3);
    let cd23 = _mm512_permutex2var_epi64(y2, second, y3);
    let r = [
        _mm512_permutex2var_epi64(ab01, even, ab23),
        _mm512_permutex2var_epi64(ab01, odd, ab23),
        _mm512_permutex2var_epi64(cd01, even, cd23),
        _mm512_permutex2var_epi64(cd01, odd, cd23),
    ];
    let mut buf = [0u64; 32];
    for (i, r) in r.iter().enumerate() {
        // SAFETY: `buf` holds four 64-byte rows; unaligned stores.
        unsafe { _mm512_storeu_si512(buf[8 * i..].as_mut_ptr().cast(), *r) };
    }
    for (k, e) in x[..8].iter_mut().enumerate() {
        let mut l = [0u64; 4];
        l.copy_from_slice(&buf[4 * k..4 * k + 4]);
        *e = Fr::new_unchecked(BigInt(l));
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use ark_ff::{AdditiveGroup, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Edge values of the field of `C`: 0, ±1, ±2, 2^64 − 1 and the
    /// largest representation (limbs p − 1).
    fn edge_values<C: MontConfig<4>>() -> Vec<ark_ff::Fp256<ark_ff::MontBackend<C, 4>>> {
        let mut top = C::MODULUS.0;
        top[0] -= 1;
        let one = ark_ff::Fp256::<ark_ff::MontBackend<C, 4>>::one();
        vec![
            ark_ff::Fp256::zero(),
            one,
            -one,
            one.double(),
            -one.double(),
            ark_ff::Fp256::from(u64::MAX),
            ark_ff::Fp256::new_unchecked(BigInt(top)),
        ]
    }

    fn edges() -> Vec<Fq> {
        edge_values::<FqConfig>()
    }

    fn lanes_of(xs: &[Fq]) -> Lanes {
        let mut l = [[0; 8]; 5];
        for (k, x) in xs.iter().enumerate() {
            let v = to52(&x.coeffs()[0]);
            for j in 0..5 {
                l[j][k] = v[j];
            }
        }
        l
    }

    fn fq_of(l: &Lanes, k: usize) -> Fq {
        let v: [u64; 5] = std::array::from_fn(|j| l[j][k]);
        assert!(v.iter().all(|&x| x <= MASK), "limbs normalized");
        let x = to64(&v);
        assert!(BigInt(x) < BigInt(P64), "fully reduced");
        Fq::new_unchecked(BigInt(x))
    }

    fn fr_edges() -> Vec<Fr> {
        edge_values::<FrConfig>()
    }

    /// Every kernel over `Fr` against `ark-ff`, on runs of every length
    /// around the group of eight, every pair of edge values in some lane
    /// (products and sums alike), and random values.
    #[test]
    fn fr_kernels_match_ark_ff() {
        let Some(tok) = Ifma::detect() else {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to test");
            return;
        };
        let e = fr_edges();
        let ne = e.len();
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for len in [0usize, 1, 7, 8, 9, 16, 23, 49, 64, 100] {
            let mut gen = |f: &dyn Fn(usize) -> usize| -> Vec<Fr> {
                (0..len)
                    .map(|i| {
                        if i < ne * ne || i % 3 == 0 {
                            e[f(i) % ne]
                        } else {
                            Fr::rand(&mut rng)
                        }
                    })
                    .collect()
            };
            let lo = gen(&|i| i * 3 + 1);
            let hi = gen(&|i| i / ne);
            let w = gen(&|i| i);
            // Decimation in time.
            let (mut l, mut h) = (lo.clone(), hi.clone());
            fr_dit(tok, &mut l, &mut h, &w);
            for k in 0..len {
                let wx = hi[k] * w[k];
                assert_eq!(l[k], lo[k] + wx, "dit u, len {len}, pair {k}");
                assert_eq!(h[k], lo[k] - wx, "dit v, len {len}, pair {k}");
            }
            // Decimation in frequency, twiddles read backwards.
            let (mut l, mut h) = (lo.clone(), hi.clone());
            fr_dif_rev(tok, &mut l, &mut h, &w);
            for k in 0..len {
                assert_eq!(l[k], lo[k] + hi[k], "dif u, len {len}, pair {k}");
                assert_eq!(
                    h[k],
                    (hi[k] - lo[k]) * w[len - 1 - k],
                    "dif v, len {len}, pair {k}"
                );
            }
            // Products.
            let mut x = hi.clone();
            fr_mul_assign(tok, &mut x, &w);
            for k in 0..len {
                assert_eq!(x[k], hi[k] * w[k], "product, len {len}, pair {k}");
            }
        }
    }

    #[test]
    fn limbs_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for x in edges()
            .into_iter()
            .chain((0..100).map(|_| Fq::rand(&mut rng)))
        {
            assert_eq!(to64(&to52(&x.coeffs()[0])), x.coeffs()[0]);
        }
    }

    #[test]
    fn products_and_differences_match_ark_ff() {
        let Some(_) = Ifma::detect() else {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to test");
            return;
        };
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut xs = edges();
        xs.extend((0..250).map(|_| Fq::rand(&mut rng)));
        for a in xs.chunks(8).filter(|c| c.len() == 8) {
            for b in xs.chunks(8).filter(|c| c.len() == 8) {
                let (la, lb) = (lanes_of(a), lanes_of(b));
                let (mut prod, mut diff) = ([[0; 8]; 5], [[0; 8]; 5]);
                // SAFETY: detected above.
                unsafe {
                    store(&mul(&load(&la), &load(&lb)), &mut prod);
                    store(&sub(&load(&la), &load(&lb)), &mut diff);
                }
                for k in 0..8 {
                    assert_eq!(fq_of(&prod, k), a[k] * b[k], "{} · {}", a[k], b[k]);
                    assert_eq!(fq_of(&diff, k), a[k] - b[k], "{} − {}", a[k], b[k]);
                }
            }
        }
    }

    #[test]
    fn g1_batches_match_ark_ec() {
        let Some(tok) = Ifma::detect() else {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to test");
            return;
        };
        let mut scratch = Scratch::default();
        crate::batch_tests::batches_match::<ark_bn254::g1::Config>(
            5,
            &[1, 7, 8, 9, 16, 100, 1024],
            |acc, todo| add_assign_batch(tok, acc, &crate::msm::Pending::of(todo), &mut scratch),
        );
    }

    #[test]
    fn g2_batches_match_ark_ec() {
        let Some(tok) = Ifma::detect() else {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to test");
            return;
        };
        // The Fq2 formulas assume u² = −1.
        assert_eq!(
            <ark_bn254::Fq2Config as ark_ff::Fp2Config>::NONRESIDUE,
            -Fq::one()
        );
        let mut scratch = Scratch::default();
        crate::batch_tests::batches_match::<ark_bn254::g2::Config>(
            6,
            &[1, 7, 8, 9, 16, 100, 1024],
            |acc, todo| add_assign_batch(tok, acc, &crate::msm::Pending::of(todo), &mut scratch),
        );
    }
}
