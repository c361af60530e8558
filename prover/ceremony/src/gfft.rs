//! Inverse FFTs over G1 and G2 points: the Lagrange basis `L_i(τ)·G` of a raw
//! (unprepared) phase-1 file, and the `H` points of snarkjs's odd coset.
//!
//! A group FFT of size `n` costs `n/2·log n` scalar multiplications by roots
//! of unity; they are the whole cost of a phase-2 initialisation from a raw
//! file (at `2^20`: about 10 M per FFT, five FFTs). Why not `ark-poly`'s FFT
//! over group elements: each butterfly there multiplies by the twiddle with the
//! curve's generic scalar multiplication — joint binary GLV with full
//! projective additions on G1 (≈ 96 additions per multiplication), plain
//! double-and-add over 254 bits on G2. Here:
//!
//! * every twiddle multiplication is a GLV split into two ~128-bit halves,
//!   each recoded in width-5 signed digits (wNAF, ≈ 22 nonzero digits per
//!   half), over a table of 8 odd multiples whose endomorphic images cost one
//!   `Fq`/`Fq2` multiplication each — on G2 too, through its ψ-based GLV;
//! * butterflies whose twiddle is 1 are additions only (one in `log n`-ish);
//! * the `1/n` of the inverse transform (and, for `H`, the coset shift) is
//!   folded into one multiplication per input point;
//! * `H` needs one FFT of size `n`, not `2n` (see [`odd_coset_lagrange`]).
//!
//! Every stage runs its butterflies in parallel (rayon); progress is reported
//! in scalar multiplications done ([`work`] gives the total).
use ark_bn254::Fr;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// wNAF width of the GLV halves: digits odd in `(−16, 16)`, table of 8.
const W: usize = 5;
/// Odd multiples a width-[`W`] digit needs: `1·P, 3·P, …, 15·P`.
pub const TABLE: usize = 1 << (W - 2);

/// A scalar prepared for multiplication: ±1 and 0 apart, its GLV halves
/// (`k = ±k1 ± λ·k2`, the sign `neg` when negative) in width-[`W`] signed
/// digits, least significant first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recoded {
    /// 0.
    Zero,
    /// 1.
    One,
    /// −1.
    MinusOne,
    /// Anything else.
    Glv {
        /// `k1` enters negated.
        neg1: bool,
        /// Digits of `|k1|`.
        d1: Vec<i8>,
        /// `k2` enters negated.
        neg2: bool,
        /// Digits of `|k2|`.
        d2: Vec<i8>,
    },
}

/// Recodes a scalar for the curve `P` (G1 and G2 have different
/// endomorphism eigenvalues, so different halves).
pub fn recode<P: GLVConfig<ScalarField = Fr>>(k: &Fr) -> Recoded {
    if k.is_zero() {
        return Recoded::Zero;
    }
    if k.is_one() {
        return Recoded::One;
    }
    if *k == -Fr::one() {
        return Recoded::MinusOne;
    }
    let ((s1, k1), (s2, k2)) = P::scalar_decomposition(*k);
    // The halves are below 2^128 and the digits odd in (−16, 16): they fit i8.
    let digits = |x: Fr| -> Vec<i8> {
        x.into_bigint()
            .find_wnaf(W)
            .unwrap_or_default()
            .into_iter()
            .map(|d| d as i8)
            .collect()
    };
    Recoded::Glv {
        neg1: !s1,
        d1: digits(k1),
        neg2: !s2,
        d2: digits(k2),
    }
}

/// `k·p` by GLV with width-[`W`] signed digits on both halves.
pub fn glv_mul<P: GLVConfig<ScalarField = Fr>>(p: &Projective<P>, k: &Fr) -> Projective<P> {
    mul_recoded(p, &recode::<P>(k))
}

/// Every point times one scalar, in parallel, affine (see [`scale_in_place`]).
pub fn scale_all<P: GLVConfig<ScalarField = Fr>>(ps: &[Affine<P>], k: &Fr) -> Vec<Affine<P>> {
    let mut v = ps.to_vec();
    scale_in_place(&mut v, k);
    v
}

/// Points a batch-affine block advances in lockstep ([`scale_in_place`]).
const BATCH: usize = 1024;

/// Every point times one scalar `k`, in place: a contribution's rescaling of
/// `L` and `H` (1.6 M points at the demo's size).
///
/// Batch-affine lockstep: every point runs the same GLV + width-5 signed
/// digit chain ([`recode`]), so blocks of [`BATCH`] points advance one
/// operation at a time, in affine coordinates, the block's denominators
/// inverted together (Montgomery's trick: 3 multiplications each and one
/// inversion per block). An affine addition then costs about 6
/// multiplications against 11 to 16 for a mixed or projective one, a doubling
/// about 7; the tables of odd multiples come out affine for free and nothing
/// is normalised at the end.
///
/// Affine formulas fail when the two points share an `x`. Here the
/// accumulator is `c·P` and each table entry `e·P` for integers `c`, `e` fixed
/// by `k` alone, so for `P ≠ O` in this group of prime order a clash happens
/// for every point or for none: [`Chain::of`] follows `c` in the scalar
/// field and takes the projective path ([`mul_recoded`]) if any addition
/// would clash (or if the chain does not end at `k`). The identity stays the
/// identity. Blocks run in parallel (rayon).
///
/// `k` may be a contribution's secret: its recoding and chain (which spell
/// `k` out) are overwritten before this returns.
pub fn scale_in_place<P: GLVConfig<ScalarField = Fr>>(ps: &mut [Affine<P>], k: &Fr) {
    let mut r = recode::<P>(k);
    match &r {
        Recoded::Zero => ps.par_iter_mut().for_each(|p| *p = Affine::zero()),
        Recoded::One => {}
        Recoded::MinusOne => ps.par_iter_mut().for_each(|p| *p = -*p),
        Recoded::Glv { .. } => match Chain::of::<P>(k, &r) {
            Some(mut chain) => {
                ps.par_chunks_mut(BATCH)
                    .for_each(|block| chain.run(block, &r));
                chain.wipe();
            }
            None => ps
                .par_chunks_mut(BATCH)
                .for_each(|block| projective_block(block, &r)),
        },
    }
    r.wipe();
}

impl Recoded {
    /// Overwrites the digits (volatile writes): they spell the scalar out.
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        if let Recoded::Glv { neg1, d1, neg2, d2 } = self {
            neg1.zeroize();
            neg2.zeroize();
            d1.zeroize();
            d2.zeroize();
        }
    }
}

fn projective_block<P: GLVConfig<ScalarField = Fr>>(block: &mut [Affine<P>], r: &Recoded) {
    let v: Vec<Projective<P>> = block
        .iter()
        .map(|p| mul_recoded(&p.into_group(), r))
        .collect();
    block.copy_from_slice(&Projective::normalize_batch(&v));
}

/// One step of a [`Chain`]; table entries `0..8` are `±(2i+1)·P`, `8..16`
/// their endomorphic images (`±λ(2i+1)·P`), as in [`mul_recoded`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Op {
    /// The accumulator doubles.
    #[default]
    Double,
    /// The accumulator starts as table entry `.0`, negated if `.1`.
    Set(usize, bool),
    /// Table entry `.0` (negated if `.1`) is added to the accumulator.
    Add(usize, bool),
}

/// The operations that multiply by one recoded scalar, with no affine
/// exception (see [`scale_in_place`]).
#[derive(Clone, Debug)]
struct Chain {
    ops: Vec<Op>,
    neg1: bool,
    neg2: bool,
}

/// What a wiped chain's steps become ([`Chain::wipe`]).
impl zeroize::DefaultIsZeroes for Op {}

impl Chain {
    /// Overwrites the steps (volatile writes): they spell the scalar out.
    fn wipe(&mut self) {
        use zeroize::Zeroize;
        self.ops.zeroize();
        self.neg1.zeroize();
        self.neg2.zeroize();
    }

    /// The chain of `r = recode(k)`, `None` if an addition would meet equal
    /// or opposite points or the chain does not compute `k`.
    fn of<P: GLVConfig<ScalarField = Fr>>(k: &Fr, r: &Recoded) -> Option<Self> {
        let Recoded::Glv { neg1, d1, neg2, d2 } = r else {
            return None;
        };
        let (neg1, neg2) = (*neg1, *neg2);
        // The multiple of P that table entry e holds.
        let entry = |e: usize| -> Fr {
            let odd = Fr::from((2 * (e % TABLE) + 1) as u64);
            match (e < TABLE, neg1, neg2) {
                (true, false, _) => odd,
                (true, true, _) => -odd,
                (false, _, false) => P::LAMBDA * odd,
                (false, _, true) => -(P::LAMBDA * odd),
            }
        };
        let mut ops = Vec::new();
        let mut c: Option<Fr> = None;
        for i in (0..d1.len().max(d2.len())).rev() {
            if let Some(c) = c.as_mut() {
                ops.push(Op::Double);
                c.double_in_place();
            }
            for (d, off) in [(d1.get(i), 0), (d2.get(i), TABLE)] {
                let d = match d {
                    Some(&d) if d != 0 => d,
                    _ => continue,
                };
                let e = off + d.unsigned_abs() as usize / 2;
                let v = if d < 0 { -entry(e) } else { entry(e) };
                match c.as_mut() {
                    None => {
                        ops.push(Op::Set(e, d < 0));
                        c = Some(v);
                    }
                    Some(c) => {
                        if *c == v || *c == -v {
                            return None;
                        }
                        ops.push(Op::Add(e, d < 0));
                        *c += v;
                    }
                }
            }
        }
        let ok = c == Some(*k);
        if let Some(c) = c.as_mut() {
            super::secret::wipe_fr(c);
        }
        ok.then_some(Self { ops, neg1, neg2 })
    }

    /// Runs the chain over a block in place (the projective path if a
    /// denominator is zero after all, which [`Chain::of`] rules out).
    fn run<P: GLVConfig<ScalarField = Fr>>(&self, block: &mut [Affine<P>], r: &Recoded) {
        if !self.try_run(block) {
            projective_block(block, r);
        }
    }

    fn try_run<P: GLVConfig<ScalarField = Fr>>(&self, block: &mut [Affine<P>]) -> bool {
        let idx: Vec<usize> = (0..block.len()).filter(|&i| !block[i].is_zero()).collect();
        if idx.is_empty() {
            return true;
        }
        let mut scratch = Vec::with_capacity(idx.len());
        // Odd multiples ±(2i+1)·P, affine, built in lockstep too.
        let base: Vec<Affine<P>> = idx
            .iter()
            .map(|&i| if self.neg1 { -block[i] } else { block[i] })
            .collect();
        let mut twice = base.clone();
        if !batch_double(&mut twice, &mut scratch) {
            return false;
        }
        let mut tab = vec![[Affine::<P>::zero(); 2 * TABLE]; idx.len()];
        let mut cur = base;
        for i in 0..TABLE {
            if i > 0 && !batch_add(&mut cur, |j| twice[j], &mut scratch) {
                return false;
            }
            for (t, p) in tab.iter_mut().zip(&cur) {
                t[i] = *p;
            }
        }
        let same = self.neg1 == self.neg2;
        for t in tab.iter_mut() {
            for i in 0..TABLE {
                let e = P::endomorphism_affine(&t[i]);
                t[TABLE + i] = if same { e } else { -e };
            }
        }
        let at = |t: &[Affine<P>; 2 * TABLE], e: usize, neg: bool| {
            if neg {
                -t[e]
            } else {
                t[e]
            }
        };
        let mut acc = cur;
        for op in &self.ops {
            let ok = match *op {
                Op::Set(e, neg) => {
                    for (a, t) in acc.iter_mut().zip(&tab) {
                        *a = at(t, e, neg);
                    }
                    true
                }
                Op::Double => batch_double(&mut acc, &mut scratch),
                Op::Add(e, neg) => batch_add(&mut acc, |j| at(&tab[j], e, neg), &mut scratch),
            };
            if !ok {
                return false;
            }
        }
        for (&i, a) in idx.iter().zip(acc) {
            block[i] = a;
        }
        true
    }
}

/// `acc[j] += add(j)` for every `j`, affine, one shared inversion; `false`
/// (and `acc` unchanged) if some `x` coordinates coincide. No point may be
/// the identity.
fn batch_add<P: SWCurveConfig>(
    acc: &mut [Affine<P>],
    add: impl Fn(usize) -> Affine<P>,
    prod: &mut Vec<P::BaseField>,
) -> bool {
    prod.clear();
    let mut t = P::BaseField::one();
    for (j, a) in acc.iter().enumerate() {
        prod.push(t);
        t *= add(j).x - a.x;
    }
    let Some(mut inv) = t.inverse() else {
        return false;
    };
    for j in (0..acc.len()).rev() {
        let (a, b) = (acc[j], add(j));
        let dx = b.x - a.x;
        let lambda = (b.y - a.y) * inv * prod[j];
        inv *= dx;
        let x3 = lambda.square() - a.x - b.x;
        let y3 = lambda * (a.x - x3) - a.y;
        acc[j] = Affine::new_unchecked(x3, y3);
    }
    true
}

/// `acc[j] ← 2·acc[j]`, affine, one shared inversion (see [`batch_add`]).
fn batch_double<P: SWCurveConfig>(acc: &mut [Affine<P>], prod: &mut Vec<P::BaseField>) -> bool {
    prod.clear();
    let mut t = P::BaseField::one();
    for a in acc.iter() {
        prod.push(t);
        t *= a.y.double();
    }
    let Some(mut inv) = t.inverse() else {
        return false;
    };
    for j in (0..acc.len()).rev() {
        let a = acc[j];
        let dy = a.y.double();
        let x2 = a.x.square();
        let lambda = (x2.double() + x2 + P::COEFF_A) * inv * prod[j];
        inv *= dy;
        let x3 = lambda.square() - a.x.double();
        let y3 = lambda * (a.x - x3) - a.y;
        acc[j] = Affine::new_unchecked(x3, y3);
    }
    true
}

/// `k·p` for a recoded `k`.
pub fn mul_recoded<P: GLVConfig<ScalarField = Fr>>(
    p: &Projective<P>,
    k: &Recoded,
) -> Projective<P> {
    if p.is_zero() {
        return Projective::zero();
    }
    let (neg1, d1, neg2, d2) = match k {
        Recoded::Zero => return Projective::zero(),
        Recoded::One => return *p,
        Recoded::MinusOne => return -*p,
        Recoded::Glv { neg1, d1, neg2, d2 } => (*neg1, d1, *neg2, d2),
    };
    let (s1, s2) = (!neg1, !neg2);
    let b1 = if s1 { *p } else { -*p };
    let mut t1 = [b1; TABLE];
    let twice = b1.double();
    for i in 1..TABLE {
        t1[i] = t1[i - 1] + twice;
    }
    let mut t2 = [Projective::<P>::zero(); TABLE];
    for i in 0..TABLE {
        let e = P::endomorphism(&t1[i]);
        t2[i] = if s1 == s2 { e } else { -e };
    }
    let mut acc = Projective::<P>::zero();
    for i in (0..d1.len().max(d2.len())).rev() {
        acc.double_in_place();
        for (d, t) in [(d1.get(i), &t1), (d2.get(i), &t2)] {
            match d {
                Some(&d) if d > 0 => acc += t[d.unsigned_abs() as usize / 2],
                Some(&d) if d < 0 => acc -= t[d.unsigned_abs() as usize / 2],
                _ => {}
            }
        }
    }
    acc
}

/// The scalar multiplications an inverse FFT of size `n` (power of two)
/// performs, input scaling included: the unit of the progress callback.
pub fn work(n: usize) -> u64 {
    let log = n.trailing_zeros() as u64;
    // Per stage with half-size m: n/2 butterflies, n/(2m) of them with twiddle 1.
    let mut muls = n as u64;
    for s in 0..log {
        let m = 1u64 << s;
        muls += n as u64 / 2 - n as u64 / (2 * m);
    }
    muls
}

fn bit_reverse<T>(x: &mut [T]) {
    let n = x.len();
    let log = n.trailing_zeros();
    if n <= 2 {
        return;
    }
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log);
        if i < j {
            x.swap(i, j);
        }
    }
}

/// In place: `x_i ← Σ_j root^{ij}·x_j` (no scaling), `root` a primitive
/// `n`-th root of unity, `n = x.len()` a power of two. Decimation in time
/// after a bit-reversal permutation; output in natural order.
fn fft_in_place<P: GLVConfig<ScalarField = Fr>>(
    x: &mut [Projective<P>],
    root: Fr,
    progress: &(dyn Fn(u64) + Sync),
) {
    let n = x.len();
    if n <= 1 {
        return;
    }
    bit_reverse(x);
    // tw[k] = root^k, k < n/2.
    let mut tw = Vec::with_capacity(n / 2);
    let mut w = Fr::one();
    for _ in 0..n / 2 {
        tw.push(w);
        w *= root;
    }
    let mut m = 1;
    while m < n {
        let step = n / (2 * m);
        let tw = &tw;
        x.par_chunks_mut(2 * m)
            .with_min_len((1024 / m).max(1))
            .for_each(|blk| {
                let (lo, hi) = blk.split_at_mut(m);
                lo.par_iter_mut()
                    .zip(hi.par_iter_mut())
                    .enumerate()
                    .with_min_len(16)
                    .for_each(|(j, (u, v))| {
                        let t = if j == 0 {
                            *v
                        } else {
                            glv_mul(v, &tw[j * step])
                        };
                        *v = *u - t;
                        *u += t;
                    });
            });
        progress((n / 2 - n / (2 * m)) as u64);
        m *= 2;
    }
}

/// Scales each point by its factor (in parallel): the input step.
fn scaled<P: GLVConfig<ScalarField = Fr>>(
    pts: impl IndexedParallelIterator<Item = Projective<P>>,
    factor: impl Fn(usize) -> Fr + Sync + Send,
) -> Vec<Projective<P>> {
    pts.enumerate()
        .with_min_len(64)
        .map(|(j, p)| glv_mul(&p, &factor(j)))
        .collect()
}

fn domain(n: usize) -> Option<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::<Fr>::new(n).filter(|d| d.size() == n)
}

/// `L_i(τ)·G` for `i < n` from `τ^j·G`, `j < n` (the inverse FFT of the
/// powers: `L_i(τ) = (1/n)·Σ_j ω^{−ij}·τ^j`). `None` if `n` is not a power of
/// two within Fr's 2-adicity or fewer than `n` powers are given.
pub fn lagrange<P: GLVConfig<ScalarField = Fr>>(
    powers: &[Affine<P>],
    n: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<Vec<Affine<P>>> {
    let d = domain(n).filter(|_| powers.len() >= n)?;
    let inv_n = d.size_inv;
    let mut x = scaled(powers[..n].par_iter().map(|p| p.into_group()), |_| inv_n);
    progress(n as u64);
    fft_in_place(&mut x, d.group_gen_inv, progress);
    Some(Projective::normalize_batch(&x))
}

/// snarkjs's `H` points: `L^{2n}_{2i+1}(τ)·G` for `i < n`, the Lagrange basis
/// of the `2n`-th roots of unity at the odd indices, from `x_j = τ^j·G`,
/// `j < 2n` (missing top powers count as zero, as in snarkjs).
///
/// With `g` the `2n`-th root and `ω = g²`: `g^{−(2i+1)(j+n)} = −g^{−(2i+1)j}`
/// and `g^{−(2i+1)j} = ω^{−ij}·g^{−j}`, so
/// `L^{2n}_{2i+1} = (1/2n)·Σ_{j<n} ω^{−ij}·g^{−j}·(x_j − x_{n+j})`: one FFT of
/// size `n` of the inputs `g^{−j}/(2n)·(x_j − x_{n+j})`.
pub fn odd_coset_lagrange<P: GLVConfig<ScalarField = Fr>>(
    powers: &[Affine<P>],
    n: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<Vec<Affine<P>>> {
    let d = domain(n)?;
    let d2 = domain(2 * n)?;
    let at = |j: usize| powers.get(j).map_or(Projective::zero(), |p| p.into_group());
    // g^{−j}/(2n), computed in blocks so that the powers stay parallel.
    let g_inv = d2.group_gen_inv;
    let block = 4096.min(n);
    let starts: Vec<Fr> = (0..n / block)
        .into_par_iter()
        .map(|b| g_inv.pow([(b * block) as u64]) * d2.size_inv)
        .collect();
    let factors: Vec<Fr> = starts
        .par_iter()
        .flat_map_iter(|s| {
            let mut f = *s;
            (0..block).map(move |_| {
                let out = f;
                f *= g_inv;
                out
            })
        })
        .collect();
    let diffs = (0..n).into_par_iter().map(|j| at(j) - at(n + j));
    let mut x = scaled(diffs, |j| factors[j]);
    drop(factors);
    progress(n as u64);
    fft_in_place(&mut x, d.group_gen_inv, progress);
    Some(Projective::normalize_batch(&x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    fn none(_: u64) {}

    #[test]
    fn glv_mul_matches_the_generic_multiplication() {
        let mut rng = StdRng::seed_from_u64(7);
        let edge = [
            Fr::zero(),
            Fr::one(),
            -Fr::one(),
            Fr::from(2u64),
            -Fr::from(16u64),
        ];
        let random: Vec<Fr> = (0..40).map(|_| Fr::rand(&mut rng)).collect();
        for k in edge.into_iter().chain(random) {
            let p1 = G1Projective::rand(&mut rng);
            assert_eq!(glv_mul(&p1, &k), p1 * k, "G1, k = {k}");
            let p2 = G2Projective::rand(&mut rng);
            assert_eq!(glv_mul(&p2, &k), p2 * k, "G2, k = {k}");
            assert!(glv_mul(&G1Projective::zero(), &k).is_zero());
        }
    }

    #[test]
    fn scale_all_matches_the_generic_multiplication() {
        let mut rng = StdRng::seed_from_u64(10);
        let mut ps: Vec<G1Affine> = (0..50).map(|_| G1Affine::rand(&mut rng)).collect();
        ps.push(G1Affine::zero());
        for k in [Fr::zero(), Fr::one(), -Fr::one(), Fr::rand(&mut rng)] {
            let want: Vec<G1Affine> = ps.iter().map(|p| (*p * k).into_affine()).collect();
            assert_eq!(scale_all(&ps, &k), want, "k = {k}");
        }
    }

    /// The batch-affine rescaling against the generic multiplication: random
    /// points over several blocks with identities among them, the edge
    /// scalars 0, 1, 2, r − 1 (= −1), −2 and random ones, on G1 and G2.
    #[test]
    fn scale_in_place_matches_the_generic_multiplication() {
        let mut rng = StdRng::seed_from_u64(11);
        let n = 2 * BATCH + 77;
        let mut ps: Vec<G1Affine> = G1Projective::normalize_batch(
            &(0..n)
                .map(|_| G1Projective::rand(&mut rng))
                .collect::<Vec<_>>(),
        );
        for i in [0, 5, BATCH - 1, BATCH, n - 1] {
            ps[i] = G1Affine::zero();
        }
        // A block of identities only.
        ps.extend(vec![G1Affine::zero(); BATCH]);
        let r_minus_1 = Fr::from_bigint({
            let mut m = Fr::MODULUS;
            m.sub_with_borrow(&1u64.into());
            m
        })
        .unwrap();
        let edge = [
            Fr::zero(),
            Fr::one(),
            Fr::from(2u64),
            r_minus_1,
            -Fr::from(2u64),
        ];
        let random: Vec<Fr> = (0..6).map(|_| Fr::rand(&mut rng)).collect();
        for k in edge.into_iter().chain(random) {
            let want: Vec<G1Affine> =
                G1Projective::normalize_batch(&ps.iter().map(|p| *p * k).collect::<Vec<_>>());
            let mut got = ps.clone();
            scale_in_place(&mut got, &k);
            assert!(got == want, "G1, k = {k}");
        }
        let q: Vec<G2Affine> = (0..40).map(|_| G2Affine::rand(&mut rng)).collect();
        for k in [Fr::one(), r_minus_1, Fr::rand(&mut rng)] {
            let want: Vec<G2Affine> = q.iter().map(|p| (*p * k).into_affine()).collect();
            assert_eq!(scale_all(&q, &k), want, "G2, k = {k}");
        }
    }

    /// Random scalars take the batch-affine chain (no clash), which computes
    /// `k`; a chain that would not compute `k` is refused.
    #[test]
    fn chains_of_random_scalars_have_no_affine_exception() {
        use ark_bn254::g1::Config;
        let mut rng = StdRng::seed_from_u64(12);
        for _ in 0..200 {
            let k = Fr::rand(&mut rng);
            let r = recode::<Config>(&k);
            let c = Chain::of::<Config>(&k, &r).expect("a clash-free chain");
            let doublings = c.ops.iter().filter(|o| **o == Op::Double).count();
            assert!(doublings <= 130, "{doublings} doublings");
            assert!(Chain::of::<Config>(&(k + Fr::one()), &r).is_none());
        }
        assert!(Chain::of::<Config>(&Fr::one(), &Recoded::One).is_none());
    }

    #[test]
    fn lagrange_matches_ark_poly_ifft() {
        let mut rng = StdRng::seed_from_u64(8);
        for log in [0u32, 1, 2, 3, 6] {
            let n = 1usize << log;
            let g1: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
            let g2: Vec<G2Affine> = (0..n).map(|_| G2Affine::rand(&mut rng)).collect();
            let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let want1 = d.ifft(&g1.iter().map(|p| p.into_group()).collect::<Vec<_>>());
            let want2 = d.ifft(&g2.iter().map(|p| p.into_group()).collect::<Vec<_>>());
            let got1 = lagrange(&g1, n, &none).unwrap();
            let got2 = lagrange(&g2, n, &none).unwrap();
            assert_eq!(got1, G1Projective::normalize_batch(&want1), "G1 n = {n}");
            assert_eq!(got2, G2Projective::normalize_batch(&want2), "G2 n = {n}");
        }
        assert!(lagrange(&[G1Affine::generator(); 3], 4, &none).is_none());
        assert!(lagrange(&[G1Affine::generator(); 6], 6, &none).is_none());
    }

    #[test]
    fn odd_coset_matches_the_odd_entries_of_a_2n_ifft() {
        let mut rng = StdRng::seed_from_u64(9);
        for log in [1u32, 2, 5] {
            let n = 1usize << log;
            // 2n − 1 powers: the top one is missing, as in the last domain
            // of a phase-1 file.
            for have in [2 * n, 2 * n - 1] {
                let pts: Vec<G1Affine> = (0..have).map(|_| G1Affine::rand(&mut rng)).collect();
                let mut full: Vec<G1Projective> = pts.iter().map(|p| p.into_group()).collect();
                full.resize(2 * n, G1Projective::zero());
                let all = Radix2EvaluationDomain::<Fr>::new(2 * n)
                    .unwrap()
                    .ifft(&full);
                let want: Vec<G1Projective> = (0..n).map(|i| all[2 * i + 1]).collect();
                let got = odd_coset_lagrange(&pts, n, &none).unwrap();
                assert_eq!(
                    got,
                    G1Projective::normalize_batch(&want),
                    "n = {n}, {have} powers"
                );
            }
        }
    }

    #[test]
    fn progress_adds_up_to_the_work() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let n = 64;
        let pts = vec![G1Affine::generator(); 2 * n];
        for f in [lagrange::<ark_bn254::g1::Config>, odd_coset_lagrange] {
            let done = AtomicU64::new(0);
            f(&pts, n, &|k| {
                done.fetch_add(k, Ordering::Relaxed);
            })
            .unwrap();
            assert_eq!(done.load(Ordering::Relaxed), work(n));
        }
    }
}
