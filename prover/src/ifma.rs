//! Batched affine additions on BN254 G1 with AVX-512 IFMA, eight at a time.
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
//! This module is the prover's only `unsafe` code: the intrinsics are
//! `unsafe` to call from functions not compiled for AVX-512, and every call
//! is behind [`Ifma::detect`] (a CPU check at run time; `ZKCC_IFMA=0`
//! disables the path).
#![allow(unsafe_code)]

use ark_bn254::{Fq, Fq2, FqConfig};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, Field, MontConfig, One};

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

const P64: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;
const INV: u64 = <FqConfig as MontConfig<4>>::INV;
const MASK: u64 = (1 << 52) - 1;

/// A base field whose elements the IFMA path reads and writes as `Fq`
/// Montgomery limbs: BN254's `Fq` (G1) and `Fq2 = Fq[u]/(u² + 1)` (G2).
pub trait Limbs: Field {
    /// `Fq` coefficients per element: 1 for `Fq`, 2 for `Fq2`.
    const DEGREE: usize;
    /// The coefficients' Montgomery limbs (unused entries zero).
    fn coeffs(&self) -> [[u64; 4]; 2];
    /// The element with these coefficients' Montgomery limbs.
    fn from_coeffs(c: &[[u64; 4]; 2]) -> Self;
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
}

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
fn to52(x: &[u64; 4]) -> [u64; 5] {
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
fn to64(l: &[u64; 5]) -> [u64; 4] {
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
pub fn add_assign_batch<P: SWCurveConfig<BaseField: Limbs>>(
    tok: Ifma,
    acc: &mut [Affine<P>],
    todo: &[(u32, Affine<P>)],
    scratch: &mut Scratch,
) {
    let _ = tok;
    let deg = P::BaseField::DEGREE;
    let groups = todo.len().div_ceil(8);
    scratch.groups.clear();
    scratch.groups.resize(groups, Group::default());
    // Gather: limb-slice the operands; padded lanes add (0, 0) to (0, 0)
    // with Δx = 1 (Montgomery one) so every chain stays invertible.
    let one = P::BaseField::one().coeffs();
    let zero = [[0u64; 4]; 2];
    for (g, grp) in scratch.groups.iter_mut().enumerate() {
        for k in 0..8 {
            let (ax, ay, px, py) = match todo.get(8 * g + k) {
                Some((b, p)) => {
                    let a = &acc[*b as usize];
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
            prefix_pass::<1>(&mut scratch.groups)
        } else {
            prefix_pass::<2>(&mut scratch.groups)
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
    ark_ff::fields::batch_inversion(&mut invs);
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
            backward_pass::<1>(&mut scratch.groups, &inv)
        } else {
            backward_pass::<2>(&mut scratch.groups, &inv)
        }
    };
    // Scatter: the sums are in `ax` (x₃) and `ay` (y₃).
    for (g, grp) in scratch.groups.iter().enumerate() {
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
            acc[*b as usize] = Affine::new_unchecked(coord(&grp.ax), coord(&grp.ay));
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
fn reduce_once(x: V) -> V {
    let p = splat(&to52(&P64));
    let s = carry(std::array::from_fn(|j| _mm512_sub_epi64(x[j], p[j])));
    let neg = _mm512_cmplt_epi64_mask(s[4], _mm512_setzero_si512());
    std::array::from_fn(|j| _mm512_mask_blend_epi64(neg, s[j], x[j]))
}

/// `a − b mod p` for reduced inputs, reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn sub(a: &V, b: &V) -> V {
    let p = splat(&to52(&P64));
    let s = carry(std::array::from_fn(|j| _mm512_sub_epi64(a[j], b[j])));
    let neg = _mm512_cmplt_epi64_mask(s[4], _mm512_setzero_si512());
    carry(std::array::from_fn(|j| {
        _mm512_mask_add_epi64(s[j], neg, s[j], p[j])
    }))
}

/// `a·b·2^−256 mod p` for reduced inputs (`ark-ff`'s Montgomery product),
/// reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul(a: &V, b: &V) -> V {
    let z = _mm512_setzero_si512();
    let p = splat(&to52(&P64));
    let pinv = _mm512_set1_epi64((INV & MASK) as i64);
    let mask = _mm512_set1_epi64(MASK as i64);
    let mut t = [z; 10];
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
        }
    }
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
    reduce_once(r)
}

/// `a + b mod p` for reduced inputs, reduced.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn add(a: &V, b: &V) -> V {
    reduce_once(carry(std::array::from_fn(|j| _mm512_add_epi64(a[j], b[j]))))
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

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{AdditiveGroup, UniformRand, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn edges() -> Vec<Fq> {
        let mut top = P64;
        top[0] -= 1;
        vec![
            Fq::zero(),
            Fq::one(),
            -Fq::one(),
            Fq::one().double(),
            -Fq::one().double(),
            Fq::from(u64::MAX),
            // The largest representation: limbs p − 1.
            Fq::new_unchecked(BigInt(top)),
        ]
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

    /// Batches of every length around the group of eight on `P`, against
    /// the chord formulas in `ark-ff` arithmetic, with opposite-y pairs;
    /// then on-curve sums against `ark-ec`'s group law.
    fn batches_on<P: SWCurveConfig<BaseField: Limbs>>(tok: Ifma, seed: u64)
    where
        P::BaseField: UniformRand,
    {
        use ark_ec::short_weierstrass::Projective;
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut scratch = Scratch::default();
        let rand_pt = |rng: &mut ChaCha20Rng| Projective::<P>::rand(rng).into_affine();
        for len in [1usize, 7, 8, 9, 16, 100, 1024] {
            let mut acc: Vec<Affine<P>> = (0..len + 3).map(|_| rand_pt(&mut rng)).collect();
            let todo: Vec<(u32, Affine<P>)> = (0..len)
                .map(|i| {
                    let p = if i % 5 == 0 {
                        // The bucket's y up to sign, another x.
                        let q = acc[i + 1];
                        let x = P::BaseField::rand(&mut rng);
                        Affine::new_unchecked(x, if i % 2 == 0 { q.y } else { -q.y })
                    } else {
                        rand_pt(&mut rng)
                    };
                    ((i + 1) as u32, p)
                })
                .collect();
            let want: Vec<Affine<P>> = acc
                .iter()
                .enumerate()
                .map(|(b, a)| match todo.iter().find(|(t, _)| *t as usize == b) {
                    Some((_, p)) => {
                        let l = (p.y - a.y) * (p.x - a.x).inverse().unwrap();
                        let x3 = l.square() - a.x - p.x;
                        Affine::new_unchecked(x3, l * (a.x - x3) - a.y)
                    }
                    None => *a,
                })
                .collect();
            add_assign_batch(tok, &mut acc, &todo, &mut scratch);
            assert_eq!(acc, want, "batch of {len}");
        }
        let a: Vec<Affine<P>> = (0..20).map(|_| rand_pt(&mut rng)).collect();
        let p: Vec<Affine<P>> = (0..20).map(|_| rand_pt(&mut rng)).collect();
        let mut acc = a.clone();
        let todo: Vec<(u32, Affine<P>)> =
            p.iter().enumerate().map(|(i, q)| (i as u32, *q)).collect();
        add_assign_batch(tok, &mut acc, &todo, &mut scratch);
        for i in 0..20 {
            assert_eq!(acc[i], (a[i] + p[i]).into_affine());
            assert!(acc[i].is_on_curve() && !acc[i].is_zero());
        }
    }

    #[test]
    fn g1_batches_match_ark_ec() {
        let Some(tok) = Ifma::detect() else {
            eprintln!("no AVX-512 IFMA on this CPU: nothing to test");
            return;
        };
        batches_on::<ark_bn254::g1::Config>(tok, 5);
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
        batches_on::<ark_bn254::g2::Config>(tok, 6);
    }
}
