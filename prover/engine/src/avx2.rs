//! BN254 `Fq` arithmetic with AVX2, four elements at a time: the batched
//! affine additions of the MSMs (G1 and G2) where the CPU has no AVX-512
//! IFMA.
//!
//! AVX2 has no 52-bit multiply-add; its widest lane product is
//! `vpmuludq`, 32 × 32 → 64 bits, four per instruction. Elements are cut
//! into nine 29-bit limbs, limb-sliced across the four 64-bit lanes of a
//! 256-bit register (`v[j]` holds limb `j` of four elements). A product of
//! two limbs is below `2^58`, so a column can sum the 18 products a
//! Montgomery product adds to it (nine of `a·b`, nine of `m·p`) and a carry
//! without overflowing 64 bits: no carries inside the product, only one
//! shift per round. The product is CIOS, limb-sliced: nine rounds, each
//! adding `a_i·b` and `m·p` into nine accumulators held in registers, with
//! `R = 2^256` as `ark-ff` has it (eight rounds of 29 bits, the ninth of 24),
//! so points go in and out by re-cutting limbs (64 → 29 bits and back),
//! without conversions; every product and difference is fully reduced.
//!
//! **Measured** (a lab crate outside the repository: thread CPU time per
//! product, 5 M products per figure, three rounds, on the 2-core AMD EPYC
//! (Zen 3) this project is built on, AVX2/BMI2/ADX, no AVX-512; figures and
//! commands in `benches/RESULTS.md`, "Without IFMA"): `ark-bn254`'s product
//! (its derived `MontConfig`: `mulx` with one `add`/`adc` chain) costs 21.7–23.3 ns whether the products are a
//! dependent chain or independent (it is bound by the 64-bit multiplier);
//! this product costs 15.3–15.9 ns over four independent chains (1.43–1.51×),
//! 17.5–18.3 ns streaming over arrays, but 30–32 ns as one dependent chain.
//! The first versions were slower than `ark-ff` (28–48 ns): with the rounds
//! left as a loop, or the products summed column by column, LLVM kept the
//! accumulators in memory; the nine rounds are now unrolled by hand
//! (`round`), and `p`'s limbs come from a value LLVM cannot see through
//! (`Consts::new`). Forcing every helper inline (one body per pass) made
//! G2 twice as slow (code size).
//!
//! **In the MSMs the gain mostly vanishes**: on G1 this path measured
//! 0.95–1.11× the scalar one at 2^16–2^19 points (full and 64-bit scalars),
//! on G2 1.03–1.16×. `perf` shows why on G1: the products are ≈ 40% of the
//! MSM either way, and what the vector path adds — cutting limbs in and out,
//! the limb-sliced differences with their carry chains, the passes over the
//! groups — costs what the faster products save; G2's `Fq2` products do
//! three `Fq` products per element moved. [`crate::msm`] used this path on
//! G2 only. Since the scalar path's products became [`crate::mont`]'s,
//! inlined (≈ a fifth faster in the MSM), it measured about even with it on
//! G2 as well; since the scalar path's sums, differences and sign flips
//! became branch-free (stop 38), the scalar path is ahead on G2 too (G2 at
//! 2^18 points, on a 2-core Xeon with AVX-512 run with `ZKCC_IFMA=0`: 1.10–
//! 1.18 s scalar against 1.66–1.72 s on this path), so **no MSM takes this
//! path by default**: `ZKCC_AVX2=1` asks for it on G2 (`benches/RESULTS.md`).
//!
//! [`add_assign_batch`] applies a batch of independent bucket additions
//! `acc[b] += p` with the formulas of [`crate::ifma::add_assign_batch`]:
//! the batch is cut into groups of four; lane `k` of the even groups forms
//! one chain of prefix products and lane `k` of the odd groups another (two
//! independent chains per lane: a product waiting on the one just before it
//! runs at half speed), the eight chain products are inverted together
//! ([`crate::inv`]), and the backward pass runs on the groups in reverse, two
//! at a time with their steps interleaved.
//! `Fq2` (G2) is Karatsuba over `u² = −1`, as there.
//!
//! This module's `unsafe` is the intrinsics' (they are `unsafe` to call
//! from functions not compiled for AVX2): every call is behind
//! [`Avx2::detect`] (a CPU check at run time; the MSMs take this path only
//! with `ZKCC_AVX2=1`, never over IFMA).
#![allow(unsafe_code)]

use ark_bn254::FqConfig;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{MontConfig, One};

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

pub use crate::inv::Limbs;

const P64: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;
/// The low 29 bits: one limb.
const M29: u64 = (1 << 29) - 1;
/// `p` in 29-bit limbs.
const P29: [u64; 9] = to29(&P64);
/// `2^261 − p` in 29-bit limbs: adding it carries out of bit 261 exactly
/// when the value is at least `p`.
const Q29: [u64; 9] = {
    let mut q = [0u64; 9];
    let mut k = 0;
    let mut c = 1u64;
    while k < 9 {
        let v = (M29 - P29[k]) + c;
        q[k] = v & M29;
        c = v >> 29;
        k += 1;
    }
    q
};
/// `−p^{−1} mod 2^29`.
const PINV29: u64 = <FqConfig as MontConfig<4>>::INV & M29;
/// A representation of zero whose limbs keep a difference's limbs
/// non-negative: `2^29`, then `2^29 − 1` seven times, then `−1` (weighed:
/// `2^29 + (2^232 − 2^29) − 2^232 = 0`).
const ZERO_BIAS: [u64; 9] = [
    1 << 29,
    M29,
    M29,
    M29,
    M29,
    M29,
    M29,
    M29,
    u64::MAX, // −1, wrapping
];

/// Proof that this CPU has AVX2 (and the path is not disabled).
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

impl Avx2 {
    /// `Some` where the CPU has AVX2 and `ZKCC_AVX2=1` asks for this path
    /// (the MSMs' default is the scalar path: see the module docs).
    pub fn detect() -> Option<Self> {
        if !std::env::var("ZKCC_AVX2").is_ok_and(|v| v == "1") {
            return None;
        }
        Self::available()
    }

    /// `Some` where the CPU has AVX2, whatever the environment.
    pub fn available() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(Avx2(()));
        }
        None
    }
}

/// Four 64-bit limbs as nine 29-bit ones.
#[inline(always)]
pub const fn to29(x: &[u64; 4]) -> [u64; 9] {
    let mut out = [0u64; 9];
    let mut k = 0;
    while k < 9 {
        let bit = 29 * k;
        let (limb, sh) = (bit / 64, bit % 64);
        let mut v = x[limb] >> sh;
        if sh + 29 > 64 && limb + 1 < 4 {
            v |= x[limb + 1] << (64 - sh);
        }
        out[k] = v & M29;
        k += 1;
    }
    out
}

/// Nine normalized 29-bit limbs of a value below `2^256` as four 64-bit
/// ones.
#[inline(always)]
pub fn to64(l: &[u64; 9]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (k, &v) in l.iter().enumerate() {
        let bit = 29 * k;
        let (limb, sh) = (bit / 64, bit % 64);
        out[limb] |= v << sh;
        if sh + 29 > 64 && limb + 1 < 4 {
            out[limb + 1] |= v >> (64 - sh);
        }
    }
    out
}

/// Four elements limb-sliced: `lanes[j][k]` is limb `j` of element `k`.
type Lanes = [[u64; 4]; 9];

/// One group of four additions, as the backward pass needs it; each
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
    tok: Avx2,
    acc: &mut [Affine<P>],
    todo: &crate::msm::Pending<P>,
    scratch: &mut Scratch,
) {
    let _ = tok;
    let deg = P::BaseField::DEGREE;
    let groups = todo.len().div_ceil(4);
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
        // rows[coordinate][coefficient][lane]: ax, ay, px, py.
        let mut rows = [[[[0u64; 4]; 4]; 2]; 4];
        for k in 0..4 {
            let coords = match todo.get(4 * g + k) {
                Some((b, p)) => {
                    let a = &acc[b as usize];
                    [a.x.coeffs(), a.y.coeffs(), p.x.coeffs(), p.y.coeffs()]
                }
                None => [zero, zero, one, zero],
            };
            for (r, co) in rows.iter_mut().zip(&coords) {
                for c in 0..deg {
                    r[c][k] = co[c];
                }
            }
        }
        let outs = [&mut grp.ax, &mut grp.ay, &mut grp.px, &mut grp.n];
        for (r, out) in rows.iter().zip(outs) {
            for (rc, oc) in r.iter().zip(out.iter_mut()).take(deg) {
                // SAFETY: `tok` shows the CPU runs AVX2.
                unsafe { split(rc, oc) };
            }
        }
    }
    // SAFETY: `tok` shows the CPU runs AVX2.
    let prod = unsafe {
        if deg == 1 {
            prefix_pass::<1>(gs)
        } else {
            prefix_pass::<2>(gs)
        }
    };
    // The eight chain products (two chains per lane), inverted together.
    let mut invs: Vec<P::BaseField> = (0..8)
        .map(|i| {
            let (ch, k) = (i / 4, i % 4);
            let c: [[u64; 4]; 2] = std::array::from_fn(|c| {
                let l: [u64; 9] = std::array::from_fn(|j| prod[ch][c][j][k]);
                to64(&l)
            });
            P::BaseField::from_coeffs(&c)
        })
        .collect();
    let inverted = crate::inv::batch_invert(&mut invs);
    assert!(inverted, "chain products of non-zero differences");
    let mut inv = [[[[0u64; 4]; 9]; 2]; 2];
    for (i, f) in invs.iter().enumerate() {
        let (ch, k) = (i / 4, i % 4);
        for (c, limbs) in f.coeffs().iter().enumerate() {
            let l = to29(limbs);
            for j in 0..9 {
                inv[ch][c][j][k] = l[j];
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
        let (mut xs, mut ys) = ([[[0u64; 4]; 4]; 2], [[[0u64; 4]; 4]; 2]);
        for c in 0..deg {
            // SAFETY: `tok` shows the CPU runs AVX2.
            unsafe {
                join(&grp.ax[c], &mut xs[c]);
                join(&grp.ay[c], &mut ys[c]);
            }
        }
        for k in 0..4 {
            let Some((b, _)) = todo.get(4 * g + k) else {
                break;
            };
            let x = P::BaseField::from_coeffs(&[xs[0][k], xs[1][k]]);
            let y = P::BaseField::from_coeffs(&[ys[0][k], ys[1][k]]);
            acc[b as usize] = Affine::new_unchecked(x, y);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn split(_: &[[u64; 4]; 4], _: &mut Lanes) {
    unreachable!("Avx2::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn join(_: &Lanes, _: &mut [[u64; 4]; 4]) {
    unreachable!("Avx2::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn prefix_pass<const D: usize>(_: &mut [Group]) -> [[Lanes; 2]; 2] {
    unreachable!("Avx2::detect is None off x86-64")
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn backward_pass<const D: usize>(_: &mut [Group], _: &[[Lanes; 2]; 2]) {
    unreachable!("Avx2::detect is None off x86-64")
}

#[cfg(target_arch = "x86_64")]
type V = [__m256i; 9];

/// The 4×4 transpose of 64-bit words (its own inverse): rows of four
/// elements' limbs to limb-sliced columns and back.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn transpose(r: [__m256i; 4]) -> [__m256i; 4] {
    let t0 = _mm256_unpacklo_epi64(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi64(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi64(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi64(r[2], r[3]);
    [
        _mm256_permute2x128_si256(t0, t2, 0x20),
        _mm256_permute2x128_si256(t1, t3, 0x20),
        _mm256_permute2x128_si256(t0, t2, 0x31),
        _mm256_permute2x128_si256(t1, t3, 0x31),
    ]
}

/// Four elements' 64-bit limbs (`rows[k]`: element `k`) as nine 29-bit
/// limbs, limb-sliced ([`to29`], four at a time).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn split(rows: &[[u64; 4]; 4], out: &mut Lanes) {
    // SAFETY: each row is 32 bytes; unaligned loads.
    let w = transpose(std::array::from_fn(|k| unsafe {
        _mm256_loadu_si256(rows[k].as_ptr().cast())
    }));
    let mask = _mm256_set1_epi64x(M29 as i64);
    for (j, o) in out.iter_mut().enumerate() {
        let (word, sh) = (29 * j / 64, (29 * j % 64) as i64);
        let mut v = _mm256_srlv_epi64(w[word], _mm256_set1_epi64x(sh));
        if sh + 29 > 64 && word + 1 < 4 {
            let hi = _mm256_sllv_epi64(w[word + 1], _mm256_set1_epi64x(64 - sh));
            v = _mm256_or_si256(v, hi);
        }
        // SAFETY: each row is 32 bytes; unaligned stores.
        unsafe { _mm256_storeu_si256(o.as_mut_ptr().cast(), _mm256_and_si256(v, mask)) };
    }
}

/// Nine normalized 29-bit limbs, limb-sliced, as four elements' 64-bit
/// limbs (`rows[k]`: element `k`; [`to64`], four at a time).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn join(l: &Lanes, rows: &mut [[u64; 4]; 4]) {
    let v = load(l);
    let mut w = [_mm256_setzero_si256(); 4];
    for (j, &vj) in v.iter().enumerate() {
        let (word, sh) = (29 * j / 64, (29 * j % 64) as i64);
        w[word] = _mm256_or_si256(w[word], _mm256_sllv_epi64(vj, _mm256_set1_epi64x(sh)));
        if sh + 29 > 64 && word + 1 < 4 {
            let hi = _mm256_srlv_epi64(vj, _mm256_set1_epi64x(64 - sh));
            w[word + 1] = _mm256_or_si256(w[word + 1], hi);
        }
    }
    for (row, wk) in rows.iter_mut().zip(transpose(w)) {
        // SAFETY: each row is 32 bytes; unaligned stores.
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().cast(), wk) };
    }
}

/// The constants the arithmetic reads, built once per pass.
#[cfg(target_arch = "x86_64")]
struct Consts {
    p: V,
    /// `2^261 − p`.
    q: V,
    /// [`ZERO_BIAS`] plus `p`: added to `a − b`.
    pb: V,
    pinv: __m256i,
    mask: __m256i,
    mask24: __m256i,
}

#[cfg(target_arch = "x86_64")]
impl Consts {
    /// The limbs pass through `black_box`: with `p`'s limbs as constants,
    /// LLVM turns each `vpmuludq` by one into a sequence of shifts and adds,
    /// which is slower here (and with it the product lost to `ark-ff`).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new() -> Self {
        use std::hint::black_box as bb;
        let pb: [u64; 9] = std::array::from_fn(|j| P29[j].wrapping_add(ZERO_BIAS[j]));
        Consts {
            p: splat(&bb(P29)),
            q: splat(&bb(Q29)),
            pb: splat(&bb(pb)),
            pinv: _mm256_set1_epi64x(bb(PINV29) as i64),
            mask: _mm256_set1_epi64x(M29 as i64),
            mask24: _mm256_set1_epi64x((1 << 24) - 1),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn load(l: &Lanes) -> V {
    // SAFETY: each row is 32 bytes; unaligned loads.
    std::array::from_fn(|j| unsafe { _mm256_loadu_si256(l[j].as_ptr().cast()) })
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn store(v: &V, l: &mut Lanes) {
    for j in 0..9 {
        // SAFETY: each row is 32 bytes; unaligned stores.
        unsafe { _mm256_storeu_si256(l[j].as_mut_ptr().cast(), v[j]) };
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn splat(x: &[u64; 9]) -> V {
    std::array::from_fn(|j| _mm256_set1_epi64x(x[j] as i64))
}

/// Carries limbs 0–7 into `[0, 2^29)` (every limb non-negative as an
/// unsigned 64-bit number; limb 8 keeps the rest).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn carry(mut t: V, k: &Consts) -> V {
    for j in 0..8 {
        let c = _mm256_srli_epi64(t[j], 29);
        t[j] = _mm256_and_si256(t[j], k.mask);
        t[j + 1] = _mm256_add_epi64(t[j + 1], c);
    }
    t
}

/// `x − p` where `x ≥ p`, else `x` (for normalized `x < 2p`).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn reduce_once(x: &V, k: &Consts) -> V {
    let mut s = [_mm256_setzero_si256(); 9];
    let mut c = _mm256_setzero_si256();
    for j in 0..9 {
        let v = _mm256_add_epi64(_mm256_add_epi64(x[j], k.q[j]), c);
        c = _mm256_srli_epi64(v, 29);
        s[j] = _mm256_and_si256(v, k.mask);
    }
    // c is 1 (all ones after the negation) exactly where x ≥ p.
    let ge = _mm256_sub_epi64(_mm256_setzero_si256(), c);
    std::array::from_fn(|j| _mm256_blendv_epi8(x[j], s[j], ge))
}

/// `a − b mod p` for reduced inputs, reduced: `a + p − b` with the limbs
/// kept non-negative by [`ZERO_BIAS`], then one conditional subtraction.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn sub(a: &V, b: &V, k: &Consts) -> V {
    let s: V = std::array::from_fn(|j| _mm256_sub_epi64(_mm256_add_epi64(a[j], k.pb[j]), b[j]));
    reduce_once(&carry(s, k), k)
}

/// `a + b mod p` for reduced inputs, reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn add(a: &V, b: &V, k: &Consts) -> V {
    let s: V = std::array::from_fn(|j| _mm256_add_epi64(a[j], b[j]));
    reduce_once(&carry(s, k), k)
}

/// One CIOS round: `t += a_i·b + m·p` with `m` clearing `t`'s low limb
/// (its low 24 bits in the last round), then `t ← t / 2^29` (not in the
/// last round). Accumulators stay below `2^63`: 18 products below `2^58`
/// and a carry.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn round(t: V, ai: __m256i, b: &V, k: &Consts, last: bool) -> V {
    // SAFETY: only called from `mul`, compiled for AVX2 (whose callers
    // checked the CPU); these are register operations.
    unsafe {
        let mut t = t;
        t[0] = _mm256_add_epi64(t[0], _mm256_mul_epu32(ai, b[0]));
        let mut m = _mm256_and_si256(_mm256_mul_epu32(t[0], k.pinv), k.mask);
        if last {
            m = _mm256_and_si256(m, k.mask24);
        }
        t[0] = _mm256_add_epi64(t[0], _mm256_mul_epu32(m, k.p[0]));
        for j in 1..9 {
            t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(ai, b[j]));
            t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(m, k.p[j]));
        }
        if last {
            return t;
        }
        let c = _mm256_srli_epi64(t[0], 29);
        [
            _mm256_add_epi64(t[1], c),
            t[2],
            t[3],
            t[4],
            t[5],
            t[6],
            t[7],
            t[8],
            _mm256_setzero_si256(),
        ]
    }
}

/// `a·b·2^−256 mod p` for reduced inputs (`ark-ff`'s Montgomery product),
/// reduced. The nine rounds are written out: as a loop, LLVM kept the
/// accumulators in memory (twice the time).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn mul(a: &V, b: &V, k: &Consts) -> V {
    let mut t = [_mm256_setzero_si256(); 9];
    t = round(t, a[0], b, k, false);
    t = round(t, a[1], b, k, false);
    t = round(t, a[2], b, k, false);
    t = round(t, a[3], b, k, false);
    t = round(t, a[4], b, k, false);
    t = round(t, a[5], b, k, false);
    t = round(t, a[6], b, k, false);
    t = round(t, a[7], b, k, false);
    t = round(t, a[8], b, k, true);
    // t (limb j of weight 2^(232 + 29j)) is divisible by 2^256: carry it
    // into nine 29-bit limbs and a tenth, then shift right by 24 bits.
    let mut u = [_mm256_setzero_si256(); 10];
    u[..9].copy_from_slice(&t);
    for j in 0..9 {
        u[j + 1] = _mm256_add_epi64(u[j + 1], _mm256_srli_epi64(u[j], 29));
        u[j] = _mm256_and_si256(u[j], k.mask);
    }
    let r: V = std::array::from_fn(|j| {
        let lo = _mm256_srli_epi64(u[j], 24);
        let hi = _mm256_slli_epi64(u[j + 1], 5);
        _mm256_and_si256(_mm256_or_si256(lo, hi), k.mask)
    });
    // r < 2p: inputs below p, R = 2^256 > p.
    reduce_once(&r, k)
}

/// An element of `Fq` (`D = 1`, second entry unused) or `Fq2` (`D = 2`).
#[cfg(target_arch = "x86_64")]
type E = [V; 2];

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn eload<const D: usize>(l: &[Lanes; 2]) -> E {
    let mut e = [[_mm256_setzero_si256(); 9]; 2];
    for c in 0..D {
        e[c] = load(&l[c]);
    }
    e
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn estore<const D: usize>(e: &E, l: &mut [Lanes; 2]) {
    for c in 0..D {
        store(&e[c], &mut l[c]);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn esub<const D: usize>(a: &E, b: &E, k: &Consts) -> E {
    let mut e = *a;
    for c in 0..D {
        e[c] = sub(&a[c], &b[c], k);
    }
    e
}

/// Product in `Fq` or, over `u² = −1`, in `Fq2` (Karatsuba: three `Fq`
/// products).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn emul<const D: usize>(a: &E, b: &E, k: &Consts) -> E {
    if D == 1 {
        [mul(&a[0], &b[0], k), a[1]]
    } else {
        let aa = mul(&a[0], &b[0], k);
        let bb = mul(&a[1], &b[1], k);
        let cross = mul(&add(&a[0], &a[1], k), &add(&b[0], &b[1], k), k);
        [sub(&aa, &bb, k), sub(&sub(&cross, &aa, k), &bb, k)]
    }
}

/// Square in `Fq` or `Fq2` (`(a + bu)² = (a + b)(a − b) + 2ab·u`).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn esquare<const D: usize>(a: &E, k: &Consts) -> E {
    if D == 1 {
        [mul(&a[0], &a[0], k), a[1]]
    } else {
        let ab = mul(&a[0], &a[1], k);
        [
            mul(&add(&a[0], &a[1], k), &sub(&a[0], &a[1], k), k),
            add(&ab, &ab, k),
        ]
    }
}

/// `d ← x(p) − x(acc)`, `n ← y(p) − y(acc)`, `pre ←` the running product of
/// the `d`s before in the group's chain; returns the chains' products.
/// Even groups form chain 0, odd ones chain 1: two independent chains of
/// products, so that one product's latency overlaps the other's (a single
/// chain of dependent products runs at half the speed, see the module docs).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn prefix_pass<const D: usize>(groups: &mut [Group]) -> [[Lanes; 2]; 2] {
    let k = Consts::new();
    let z = [_mm256_setzero_si256(); 9];
    let one = [splat(&to29(&ark_bn254::Fq::one().coeffs()[0])), z];
    let mut run = [one, one];
    for (i, g) in groups.iter_mut().enumerate() {
        let d = esub::<D>(&eload::<D>(&g.px), &eload::<D>(&g.ax), &k);
        let n = esub::<D>(&eload::<D>(&g.n), &eload::<D>(&g.ay), &k);
        estore::<D>(&d, &mut g.d);
        estore::<D>(&n, &mut g.n);
        estore::<D>(&run[i % 2], &mut g.pre);
        run[i % 2] = emul::<D>(&run[i % 2], &d, &k);
    }
    let mut out = [[[[0; 4]; 9]; 2]; 2];
    estore::<D>(&run[0], &mut out[0]);
    estore::<D>(&run[1], &mut out[1]);
    out
}

/// The backward pass: `1/d = inv·pre`, `inv ← inv·d` (each chain its own
/// `inv`), then the sum, written over `ax` (x₃) and `ay` (y₃). Groups are
/// taken two at a time, one of each chain, their steps interleaved so that
/// no product waits on the one just before it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn backward_pass<const D: usize>(groups: &mut [Group], inv: &[[Lanes; 2]; 2]) {
    let k = Consts::new();
    let mut inv = [eload::<D>(&inv[0]), eload::<D>(&inv[1])];
    let mut len = groups.len();
    if !len.is_multiple_of(2) {
        // The last group alone (even index: chain 0).
        let g = &mut groups[len - 1];
        let dinv = emul::<D>(&inv[0], &eload::<D>(&g.pre), &k);
        inv[0] = emul::<D>(&inv[0], &eload::<D>(&g.d), &k);
        let l = emul::<D>(&eload::<D>(&g.n), &dinv, &k);
        let ax = eload::<D>(&g.ax);
        let x3 = esub::<D>(
            &esub::<D>(&esquare::<D>(&l, &k), &ax, &k),
            &eload::<D>(&g.px),
            &k,
        );
        let y3 = esub::<D>(
            &emul::<D>(&l, &esub::<D>(&ax, &x3, &k), &k),
            &eload::<D>(&g.ay),
            &k,
        );
        estore::<D>(&x3, &mut g.ax);
        estore::<D>(&y3, &mut g.ay);
        len -= 1;
    }
    for pair in groups[..len].chunks_exact_mut(2).rev() {
        let [a, b] = pair else {
            unreachable!("chunks of two")
        };
        // `a` is on chain 0, `b` on chain 1.
        let dinv_b = emul::<D>(&inv[1], &eload::<D>(&b.pre), &k);
        let dinv_a = emul::<D>(&inv[0], &eload::<D>(&a.pre), &k);
        inv[1] = emul::<D>(&inv[1], &eload::<D>(&b.d), &k);
        inv[0] = emul::<D>(&inv[0], &eload::<D>(&a.d), &k);
        let l_b = emul::<D>(&eload::<D>(&b.n), &dinv_b, &k);
        let l_a = emul::<D>(&eload::<D>(&a.n), &dinv_a, &k);
        let sq_b = esquare::<D>(&l_b, &k);
        let sq_a = esquare::<D>(&l_a, &k);
        let (ax_b, ax_a) = (eload::<D>(&b.ax), eload::<D>(&a.ax));
        let x3_b = esub::<D>(&esub::<D>(&sq_b, &ax_b, &k), &eload::<D>(&b.px), &k);
        let x3_a = esub::<D>(&esub::<D>(&sq_a, &ax_a, &k), &eload::<D>(&a.px), &k);
        let m_b = emul::<D>(&l_b, &esub::<D>(&ax_b, &x3_b, &k), &k);
        let m_a = emul::<D>(&l_a, &esub::<D>(&ax_a, &x3_a, &k), &k);
        let y3_b = esub::<D>(&m_b, &eload::<D>(&b.ay), &k);
        let y3_a = esub::<D>(&m_a, &eload::<D>(&a.ay), &k);
        estore::<D>(&x3_b, &mut b.ax);
        estore::<D>(&y3_b, &mut b.ay);
        estore::<D>(&x3_a, &mut a.ax);
        estore::<D>(&y3_a, &mut a.ay);
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use ark_bn254::{Fq, Fq2};

    use ark_ff::{AdditiveGroup, BigInt, Field, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// 0, ±1, ±2, 2^64 − 1, the largest representation (limbs p − 1), and
    /// elements whose limbs lie near 2^253 and 2^254 (p is just above
    /// 2^253.6: limbs 2^253, just below p − 2^253, and p − 2^64).
    fn edges() -> Vec<Fq> {
        let one = Fq::one();
        let mut top = P64;
        top[0] -= 1;
        let mut near = P64;
        near[1] -= 1;
        vec![
            Fq::zero(),
            one,
            -one,
            one.double(),
            -one.double(),
            Fq::from(u64::MAX),
            Fq::new_unchecked(BigInt(top)),
            Fq::new_unchecked(BigInt([0, 0, 0, 1 << 61])),
            Fq::new_unchecked(BigInt([
                u64::MAX,
                u64::MAX,
                u64::MAX,
                P64[3] - (1 << 61) - 1,
            ])),
            Fq::new_unchecked(BigInt(near)),
        ]
    }

    fn lanes_of(xs: &[Fq]) -> Lanes {
        let mut l = [[0; 4]; 9];
        for (k, x) in xs.iter().enumerate() {
            let v = to29(&x.coeffs()[0]);
            for j in 0..9 {
                l[j][k] = v[j];
            }
        }
        l
    }

    fn fq_of(l: &Lanes, k: usize) -> Fq {
        let v: [u64; 9] = std::array::from_fn(|j| l[j][k]);
        assert!(v.iter().all(|&x| x <= M29), "limbs normalized");
        let x = to64(&v);
        assert!(BigInt(x) < BigInt(P64), "fully reduced");
        Fq::new_unchecked(BigInt(x))
    }

    #[test]
    fn edges_are_canonical_and_limbs_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for x in edges()
            .into_iter()
            .chain((0..100).map(|_| Fq::rand(&mut rng)))
        {
            assert!(BigInt(x.coeffs()[0]) < BigInt(P64));
            assert_eq!(to64(&to29(&x.coeffs()[0])), x.coeffs()[0]);
        }
        assert_eq!(to64(&P29), P64);
        // q + p = 2^261, limb by limb with the carries.
        assert_eq!(Q29[0] + P29[0], 1 << 29);
        for j in 1..9 {
            assert_eq!(Q29[j] + P29[j] + 1, 1 << 29, "limb {j}");
        }
        // The bias weighs zero: Σ B_j·2^(29j) carried limb by limb (limb 8
        // read as the signed −1 the lanes' wrapping arithmetic makes it).
        let mut c = 0i64;
        for (j, &b) in ZERO_BIAS.iter().enumerate() {
            let v = b as i64 + c;
            assert_eq!(v & M29 as i64, 0, "limb {j}");
            c = v >> 29;
        }
        assert_eq!(c, 0);
    }

    #[test]
    fn split_and_join_match_the_scalar_cuts() {
        let Some(_) = detected() else { return };
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut xs = edges();
        xs.push(Fq::new_unchecked(BigInt([u64::MAX; 4]))); // every bit of 2^256 − 1
        xs.extend((0..30).map(|_| Fq::rand(&mut rng)));
        for w in xs.windows(4) {
            let rows: [[u64; 4]; 4] = std::array::from_fn(|k| w[k].coeffs()[0]);
            let (mut l, mut back) = ([[0; 4]; 9], [[0; 4]; 4]);
            // SAFETY: detected above.
            unsafe {
                split(&rows, &mut l);
                join(&l, &mut back);
            }
            for k in 0..4 {
                let limbs: [u64; 9] = std::array::from_fn(|j| l[j][k]);
                assert_eq!(limbs, to29(&rows[k]));
            }
            assert_eq!(back, rows);
        }
    }

    #[test]
    fn products_sums_and_differences_match_ark_ff() {
        let Some(_) = detected() else { return };
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let e = edges();
        // Every ordered pair of edge values in some lane, then random ones.
        let mut a: Vec<Fq> = Vec::new();
        let mut b: Vec<Fq> = Vec::new();
        for x in &e {
            for y in &e {
                a.push(*x);
                b.push(*y);
            }
        }
        for _ in 0..400 {
            a.push(Fq::rand(&mut rng));
            b.push(if a.len().is_multiple_of(7) {
                e[a.len() % e.len()]
            } else {
                Fq::rand(&mut rng)
            });
        }
        for (ca, cb) in a.chunks(4).zip(b.chunks(4)).filter(|(c, _)| c.len() == 4) {
            let (la, lb) = (lanes_of(ca), lanes_of(cb));
            let (mut prod, mut diff, mut sum) = ([[0; 4]; 9], [[0; 4]; 9], [[0; 4]; 9]);
            // SAFETY: detected above.
            unsafe {
                let k = Consts::new();
                store(&mul(&load(&la), &load(&lb), &k), &mut prod);
                store(&sub(&load(&la), &load(&lb), &k), &mut diff);
                store(&add(&load(&la), &load(&lb), &k), &mut sum);
            }
            for k in 0..4 {
                assert_eq!(fq_of(&prod, k), ca[k] * cb[k], "{} · {}", ca[k], cb[k]);
                assert_eq!(fq_of(&diff, k), ca[k] - cb[k], "{} − {}", ca[k], cb[k]);
                assert_eq!(fq_of(&sum, k), ca[k] + cb[k], "{} + {}", ca[k], cb[k]);
            }
        }
    }

    #[test]
    fn fq2_products_and_squares_match_ark_ff() {
        let Some(_) = detected() else { return };
        assert_eq!(
            <ark_bn254::Fq2Config as ark_ff::Fp2Config>::NONRESIDUE,
            -Fq::one()
        );
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let e = edges();
        let xs: Vec<Fq2> = (0..64)
            .map(|i| match i % 3 {
                0 => Fq2::new(e[i % e.len()], e[(i / 3) % e.len()]),
                _ => Fq2::rand(&mut rng),
            })
            .collect();
        let lanes = |v: &[Fq2]| -> [Lanes; 2] {
            [
                lanes_of(&v.iter().map(|x| x.c0).collect::<Vec<_>>()),
                lanes_of(&v.iter().map(|x| x.c1).collect::<Vec<_>>()),
            ]
        };
        for (ca, cb) in xs.chunks(4).zip(xs.chunks(4).rev()) {
            let (la, lb) = (lanes(ca), lanes(cb));
            let (mut prod, mut sq) = ([[[0; 4]; 9]; 2], [[[0; 4]; 9]; 2]);
            // SAFETY: detected above.
            unsafe {
                let k = Consts::new();
                estore::<2>(
                    &emul::<2>(&eload::<2>(&la), &eload::<2>(&lb), &k),
                    &mut prod,
                );
                estore::<2>(&esquare::<2>(&eload::<2>(&la), &k), &mut sq);
            }
            for k in 0..4 {
                let of = |l: &[Lanes; 2]| Fq2::new(fq_of(&l[0], k), fq_of(&l[1], k));
                assert_eq!(of(&prod), ca[k] * cb[k]);
                assert_eq!(of(&sq), ca[k].square());
            }
        }
    }

    /// The AVX2 token, or `None` (said on stderr) on a CPU without AVX2:
    /// the test then has nothing to test.
    fn detected() -> Option<Avx2> {
        let tok = Avx2::available();
        if tok.is_none() {
            eprintln!("no AVX2 on this CPU: nothing to test");
        }
        tok
    }

    /// [`crate::batch_tests::batches_match`] on [`add_assign_batch`], with
    /// lengths around its 4-lane groups.
    fn batches_match<P: SWCurveConfig<BaseField: Limbs + UniformRand>>(seed: u64) {
        let Some(tok) = detected() else { return };
        let mut scratch = Scratch::default();
        crate::batch_tests::batches_match::<P>(
            seed,
            &[1, 3, 4, 5, 8, 9, 100, 1024],
            |acc, todo| add_assign_batch(tok, acc, &crate::msm::Pending::of(todo), &mut scratch),
        );
    }

    #[test]
    fn g1_batches_match_ark_ec() {
        batches_match::<ark_bn254::g1::Config>(5);
    }

    #[test]
    fn g2_batches_match_ark_ec() {
        batches_match::<ark_bn254::g2::Config>(6);
    }
}
