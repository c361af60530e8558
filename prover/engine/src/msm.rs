//! Multi-scalar multiplication tuned for Groth16 proving (BN254 G1 and G2).
//!
//! [`msm`] computes `Σ sᵢ·Pᵢ` for affine bases and scalars given as big
//! integers. It differs from `ark-ec`'s `VariableBaseMSM::msm_bigint` in two
//! ways that matter for a Groth16 witness:
//!
//! * **Scalars are classed by size once**, after folding `s > (r−1)/2` to
//!   `−(r − s)` (the negated base is free): `0` is skipped, `±1` (bits,
//!   booleans) is a plain sum of bases, `|s| < 2^64` (counts, coordinates,
//!   range-checked values) runs a Pippenger over 16, 32, 64 or 128 bits (the
//!   smallest that holds them), the rest over 254.
//! * **Buckets are accumulated in affine coordinates with batched
//!   inversion** ([`Buckets`]). Each window streams its points in input
//!   order into `2^(c−1)` affine buckets (signed digits halve their number);
//!   additions wait in a batch of independent ones (no bucket twice) that
//!   shares one field inversion (Montgomery's trick). An affine addition then
//!   costs 2M + 1S plus 3M for its share of the inversion, against 8M + 2S
//!   for the extended-Jacobian (XYZZ) mixed addition of `ark-ec`. A point
//!   whose bucket is busy waits in a short queue (at most four per bucket:
//!   witnesses repeat values hundreds of times); the rare doubling or
//!   cancellation, and a queue overflow, go to a projective spill bucket,
//!   weighed apart when few buckets spilled.
//!   (The previous version sorted each window's points by bucket and summed
//!   them as trees: the scatter over ~75 MB per window at 2^20 points cost
//!   more than it saved.)
//!
//! Where the CPU has AVX-512 IFMA, a full batch is applied eight additions
//! per instruction ([`crate::ifma`]: the same formulas on five 52-bit limbs
//! per coordinate, `Fq2` for G2); `ark-ff`'s scalar product, bound by the
//! 64-bit multiplier, costs ≈ 20 ns against ≈ 3.9 ns per product there
//! (`fieldrace`), and the MSMs at 2^20 points run ≈ 2× faster with it
//! (`msmrace`, `ZKCC_IFMA=0` switches it off). Without IFMA (AMD Zen 2/3,
//! most Intel client parts) the batch runs on the scalar path below with
//! [`crate::mont`]'s product: `mulx` with two carry chains (`adcx`/`adox`),
//! always inlined. `ark-bn254`'s own product (its derived `MontConfig`, not
//! `ark-ff`'s `asm` one) is called, not inlined, and costs ≈ 23 ns here; the
//! products of a batch-affine addition inlined cost about a fifth less in
//! the MSM. The sums, differences and sign flips of that path are
//! branch-free too ([`crate::mont`]'s `add`, `sub`, `neg_if`): `ark-ff`'s
//! branch on a comparison of random coordinates, mispredicted half the
//! time, and taking that out made G2's MSM ≈ 25% faster. On G2, AVX2 can
//! apply the batch four additions per instruction instead ([`crate::avx2`]:
//! nine 29-bit limbs, `vpmuludq`); it is now behind the scalar path and runs
//! only when asked (`ZKCC_AVX2=1`; figures in `benches/RESULTS.md`, "Without
//! IFMA"). Either way
//! the batch's one inversion is [`crate::inv`]'s divsteps (≈ 1.6 µs against
//! `ark-ff`'s ≈ 5 µs: on the IFMA path `ark-ff`'s inversion had become a
//! fifth of a full batch's cost, and half of a batch of 256).
//!
//! Two things keep the scalar path fed. A window reads its points in input
//! order but their buckets at random (`2^14` buckets of 64 bytes at 2^19
//! points: beyond the 512 KB L2); it **prefetches** the bucket of the point
//! `PREFETCH` places ahead, which took ≈ 15% off a G1 MSM at 2^19 (and the
//! base `BASE_AHEAD` places ahead). It copies each base once, straight into
//! its bucket or batch entry, and negates it there ([`Pending`]): a signed
//! copy built as a value went through the stack and was read back by wider
//! loads than wrote it, stalling on store forwarding (with the base's cache
//! miss, two thirds of the window loop's time; the fix took 6% off a
//! `shard-8x128` proof on both paths). And a
//! window's buckets are **weighed by rows and columns** (`weigh_split`):
//! `Σ (b + 1)·bucket_b` from batched affine row and column sums and two
//! running sums of `√` the buckets' count, about half the field products of
//! one running sum over every bucket in projective coordinates.
//!
//! Windows (and the chunks of the `±1` sum) are independent jobs scheduled on
//! rayon, so several MSMs started together (see `crate::prove`) keep every
//! core busy. The window width (up to 16 bits: a signed digit still fits an
//! `i16`) is chosen per class from a cost model of the input size, with the
//! buckets kept within about an L2 cache (`ZKCC_MSM_C` overrides it, for
//! experiments). The witness MSMs read their scalars through the key's
//! variable indices ([`msm_indexed`]) and sum the bases of repeated values
//! first ([`msm_indexed_repeats`], [`crate::repeats`]). The scalar path's
//! batch inversion and slopes use the lazy product ([`mont::mul_lazy`]: no
//! final subtraction where a result only feeds another product).
//!
//! **Not used, and why — GLV.** Splitting each scalar as `k1 + λ·k2` over
//! `(P, φ(P))` doubles the points and halves the bits: the bucket additions,
//! which dominate, stay `n·b/c`; only the per-window weighing halves. Measured
//! in its best case (decomposition and `φ` not even counted; `msmrace` bench
//! binary): 1.24× at 2^16 points, 1.02× at 2^18, 0.89× at 2^20 before the
//! IFMA path, 1.35×, 1.11× and 0.85× with it — the Groth16 MSMs of a
//! 1,024-chip circuit are 2^19 to 2^20. Precomputed multiples of
//! the fixed bases have the same arithmetic (more points per window, fewer
//! windows) and cost a copy of the key per multiple.
//!
//! Correctness is differential: `tests` compare against `ark-ec` on seeded
//! random inputs of every class, including repeated and opposite bases (which
//! exercise the doubling and cancellation cases of affine addition).
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, PrimeGroup};
use ark_ff::{BigInteger, One, PrimeField, Zero};
use rayon::prelude::*;

use crate::avx2::{self, Avx2};
use crate::ifma::{self, Ifma, Limbs};
use crate::mont;
use crate::repeats::{self, Repeats};

type BigIntOf<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// Additions per batched inversion.
const BATCH: usize = 1024;
/// How many points ahead a window prefetches its bucket.
const PREFETCH: usize = 32;
/// How many points ahead a window prefetches its base.
const BASE_AHEAD: usize = 16;
/// Largest window width: digits are stored as `i16`, and a signed `c`-bit
/// digit lies in `[−2^(c−1), 2^(c−1) − 1]` (the top window's, unsigned, holds
/// fewer bits), so 16 bits still fit.
const MAX_WINDOW: usize = 16;

/// Where an MSM reads its scalars: a slice aligned with the bases, or the
/// entries of a longer slice picked by index (the witness MSMs read `z`
/// through the key's variable indices: no per-MSM copy of the scalars).
#[derive(Clone, Copy)]
enum Scalars<'a, B> {
    Direct(&'a [B]),
    Indexed {
        idx: &'a [u32],
        values: &'a [B],
    },
    /// `Indexed`, where the variables of a group of repeated values read as
    /// zero: [`msm_indexed_repeats`] sums their bases apart.
    Ungrouped {
        idx: &'a [u32],
        values: &'a [B],
        group: &'a [u32],
        /// The scalars of the group sums, [`Bases::extra`].
        extra: &'a [B],
    },
}

impl<B: Copy + Default> Scalars<'_, B> {
    #[inline(always)]
    fn get(&self, i: usize) -> B {
        match self {
            Scalars::Direct(s) => s[i],
            Scalars::Indexed { idx, values } => values[idx[i] as usize],
            Scalars::Ungrouped {
                idx,
                values,
                group,
                extra,
            } => match idx.get(i) {
                Some(&v) if group[v as usize] == repeats::NONE => values[v as usize],
                Some(_) => B::default(),
                None => extra[i - idx.len()],
            },
        }
    }
}

/// The bases of an MSM: a slice, then (for [`msm_indexed_repeats`]) the
/// sums of the bases of each group of repeated values, indexed after it.
struct Bases<'a, P: SWCurveConfig> {
    main: &'a [Affine<P>],
    extra: &'a [Affine<P>],
}

impl<P: SWCurveConfig> Clone for Bases<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: SWCurveConfig> Copy for Bases<'_, P> {}

impl<'a, P: SWCurveConfig> Bases<'a, P> {
    fn of(main: &'a [Affine<P>]) -> Self {
        Self { main, extra: &[] }
    }

    fn len(&self) -> usize {
        self.main.len() + self.extra.len()
    }

    #[inline(always)]
    fn get(&self, i: usize) -> Affine<P> {
        *self.get_ref(i)
    }

    /// The base `i`, in place (the window loop copies it once, into its
    /// bucket or batch: a copy through the stack costs store-forwarding
    /// stalls).
    #[inline(always)]
    fn get_ref(&self, i: usize) -> &'a Affine<P> {
        match self.main.get(i) {
            Some(p) => p,
            None => &self.extra[i - self.main.len()],
        }
    }
}

/// Additions waiting in a batch, `acc[b[k]] += p[k]`: the buckets and the
/// points in two arrays. A `(u32, Affine)` pair pushed as a value goes
/// through the stack, and its copy (16-byte loads of a pair written at a
/// 4-byte offset) stalls on store forwarding.
pub(crate) struct Pending<P: SWCurveConfig> {
    b: Vec<u32>,
    p: Vec<Affine<P>>,
}

impl<P: SWCurveConfig> Pending<P> {
    fn with_capacity(n: usize) -> Self {
        Self {
            b: Vec::with_capacity(n),
            p: Vec::with_capacity(n),
        }
    }

    /// The pairs of a list (the tests' form).
    #[cfg(test)]
    pub(crate) fn of(pairs: &[(u32, Affine<P>)]) -> Self {
        Self {
            b: pairs.iter().map(|t| t.0).collect(),
            p: pairs.iter().map(|t| t.1).collect(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.b.len()
    }

    fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    fn clear(&mut self) {
        self.b.clear();
        self.p.clear();
    }

    /// `acc[b] += p`.
    #[inline(always)]
    fn push(&mut self, b: u32, p: &Affine<P>) {
        self.b.push(b);
        self.p.push(*p);
    }

    /// The `k`-th addition.
    #[inline(always)]
    pub(crate) fn get(&self, k: usize) -> Option<(u32, &Affine<P>)> {
        Some((*self.b.get(k)?, self.p.get(k)?))
    }
}

/// One class of scalars: which bases, their signs and their magnitudes' digits.
struct Class {
    /// Index into the bases.
    idx: Vec<u32>,
    /// Whether the base is to be negated (the scalar was folded to `r − s`).
    neg: Vec<bool>,
    /// Signed digits, window-major: `digits[w * idx.len() + i]`.
    digits: Vec<i16>,
    windows: usize,
    c: usize,
}

/// Estimated cost of a Pippenger over `n` points of `bits`-bit scalars with
/// `c`-bit signed windows, in half field multiplications.
fn cost(n: usize, bits: usize, c: usize) -> usize {
    let windows = bits / c + 1;
    let buckets = 1usize << (c - 1);
    // A batched affine addition ≈ 6.5 M per point. Weighing: about one
    // such addition per bucket by rows and columns (`weigh_split`, from
    // SPLIT_MIN buckets), else two projective additions (≈ 27 M) per
    // bucket. (Measured: with two additions per bucket the model chose
    // 15-bit windows for G1 at 2^18–2^20 points, where 16 bits ran 5–8%
    // faster, with and without IFMA.)
    let weigh = if buckets >= SPLIT_MIN { 13 } else { 54 };
    windows * (13 * n + weigh * buckets)
}

/// Largest bucket array a window may take, in bytes: beyond about the size
/// of an L2 cache the buckets' random accesses cost more than the windows
/// saved (G2's 16-bit windows, 4.5 MB of buckets, ran 3–7% slower than its
/// 15-bit ones, 2.2 MB, on a core with 2 MB of L2).
const MAX_BUCKET_BYTES: usize = 5 << 19;

/// The window width minimising [`cost`] for buckets of `bucket_bytes` each.
fn window_for(n: usize, bits: usize, bucket_bytes: usize) -> usize {
    if let Some(c) = std::env::var("ZKCC_MSM_C")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    {
        let c = c.clamp(2, MAX_WINDOW);
        return if top_fits(bits, c) { c } else { c - 1 };
    }
    (2..=MAX_WINDOW)
        .filter(|&c| c == 2 || (bucket_bytes << (c - 1)) <= MAX_BUCKET_BYTES)
        .filter(|&c| top_fits(bits, c))
        .min_by_key(|&c| cost(n, bits, c))
        .unwrap_or(2)
}

/// Whether the top digit of `bits`-bit scalars in `c`-bit windows fits an
/// `i16`: it is unsigned, at most `2^(bits mod c)` with the carry, so at 16
/// bits `bits mod 16` must stay below 15 (true of every class: 16, 32, 64,
/// 128 and 254 bits).
fn top_fits(bits: usize, c: usize) -> bool {
    c < 16 || bits % c < 15
}

/// Signed `c`-bit digits of a little-endian limb integer below `2^bits`.
fn signed_digits(limbs: &[u64], c: usize, windows: usize, out: &mut [i16]) {
    if c == 16 {
        signed_digits_16(limbs, windows, out)
    } else {
        signed_digits_general(limbs, c, windows, out)
    }
}

/// [`signed_digits`] for any width.
fn signed_digits_general(limbs: &[u64], c: usize, windows: usize, out: &mut [i16]) {
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (w, o) in out.iter_mut().enumerate().take(windows) {
        let bit = w * c;
        let limb = bit / 64;
        let shift = bit % 64;
        let mut raw = if limb < limbs.len() {
            limbs[limb] >> shift
        } else {
            0
        };
        if shift + c > 64 && limb + 1 < limbs.len() {
            raw |= limbs[limb + 1] << (64 - shift);
        }
        let mut d = (raw & ((1u64 << c) - 1)) as i64 + carry;
        // The top window keeps its digit unsigned: it holds fewer than c
        // bits, so d ≤ 2^(c−1) still fits a bucket.
        if d >= half && w + 1 < windows {
            d -= 1i64 << c;
            carry = 1;
        } else {
            carry = 0;
        }
        *o = d as i16;
    }
}

/// [`signed_digits`] for 16-bit windows (the large MSMs' width): every
/// window is a quarter of one limb, so no window straddles two limbs.
#[inline]
fn signed_digits_16(limbs: &[u64], windows: usize, out: &mut [i16]) {
    let mut carry = 0i32;
    for (w, o) in out.iter_mut().enumerate().take(windows) {
        let raw = limbs
            .get(w / 4)
            .map_or(0, |l| (l >> (16 * (w % 4))) & 0xffff);
        let d = raw as i32 + carry;
        // As in `signed_digits`: the top window keeps its digit unsigned.
        carry = i32::from(d >= 1 << 15 && w + 1 < windows);
        *o = (d - (carry << 16)) as i16;
    }
}

/// `P + Q` for every pair of `ops`, in place in `pts`, with one inversion.
/// An op `(dst, a, b)` writes `pts[a] + pts[b]` to `pts[dst]`; `b == u32::MAX`
/// copies `pts[a]`. Ops must be ordered so that no op reads a slot an earlier
/// op of the same batch wrote (true for the tree levels built below).
fn apply_batch<P: SWCurveConfig<BaseField: Limbs>>(
    pts: &mut [Affine<P>],
    ops: &[(u32, u32, u32)],
    denoms: &mut Vec<P::BaseField>,
) {
    denoms.clear();
    for &(_, a, b) in ops {
        if b == u32::MAX {
            continue;
        }
        let (p, q) = (&pts[a as usize], &pts[b as usize]);
        let d = if p.is_zero() || q.is_zero() {
            P::BaseField::one()
        } else if p.x == q.x {
            if p.y == q.y && !p.y.is_zero() {
                p.y.double()
            } else {
                P::BaseField::one()
            }
        } else {
            q.x.sub_fast(&p.x)
        };
        denoms.push(d);
    }
    // Montgomery's trick over the fast product, one divsteps inversion
    // (every denominator is non-zero: the degenerate cases put a one).
    let mut prod = P::BaseField::one();
    let prefix: Vec<P::BaseField> = denoms
        .iter()
        .map(|d| {
            let pre = prod;
            prod = prod.mul_fast(d);
            pre
        })
        .collect();
    let mut inv = prod.invert().expect("non-zero denominators");
    for (d, pre) in denoms.iter_mut().zip(&prefix).rev() {
        let next = inv.mul_fast(d);
        *d = inv.mul_fast(pre);
        inv = next;
    }
    let mut k = 0;
    for &(dst, a, b) in ops {
        if b == u32::MAX {
            pts[dst as usize] = pts[a as usize];
            continue;
        }
        let inv = denoms[k];
        k += 1;
        let (p, q) = (pts[a as usize], pts[b as usize]);
        let r = if p.is_zero() {
            q
        } else if q.is_zero() {
            p
        } else if p.x == q.x {
            if p.y == q.y && !p.y.is_zero() {
                // Doubling: λ = (3x² + a) / 2y.
                let mut num = p.x.square_fast();
                num = num.double() + num + P::COEFF_A;
                let l = num.mul_fast(&inv);
                let x3 = l.square_fast() - p.x.double();
                let y3 = l.mul_fast(&(p.x - x3)) - p.y;
                Affine::new_unchecked(x3, y3)
            } else {
                Affine::identity()
            }
        } else {
            let l = q.y.sub_fast(&p.y).mul_fast(&inv);
            let x3 = l.square_fast().sub_fast(&p.x).sub_fast(&q.x);
            let y3 = l.mul_fast(&p.x.sub_fast(&x3)).sub_fast(&p.y);
            Affine::new_unchecked(x3, y3)
        };
        pts[dst as usize] = r;
    }
}

/// Sums each segment `pts[starts[b]..starts[b] + lens[b]]` as a binary tree,
/// level by level, in place; afterwards the sum of segment `b` is at
/// `pts[starts[b]]` (when `lens[b] > 0`).
fn reduce_segments<P: SWCurveConfig<BaseField: Limbs>>(
    pts: &mut [Affine<P>],
    starts: &[u32],
    lens: &mut [u32],
) {
    let mut ops: Vec<(u32, u32, u32)> = Vec::with_capacity(BATCH + 1);
    let mut denoms = Vec::with_capacity(BATCH + 1);
    loop {
        let mut more = false;
        for (s, len) in starts.iter().zip(lens.iter_mut()) {
            let l = *len;
            if l < 2 {
                continue;
            }
            for j in 0..l / 2 {
                ops.push((s + j, s + 2 * j, s + 2 * j + 1));
                if ops.len() >= BATCH {
                    apply_batch(pts, &ops, &mut denoms);
                    ops.clear();
                }
            }
            if l % 2 == 1 {
                ops.push((s + l / 2, s + l - 1, u32::MAX));
            }
            *len = l.div_ceil(2);
            more |= *len > 1;
        }
        apply_batch(pts, &ops, &mut denoms);
        ops.clear();
        if !more {
            break;
        }
    }
}

/// `−p` if `neg`, else `p`, without a branch on `neg` (a window's signs
/// are a coin toss per point).
#[inline(always)]
fn negate_if<P: SWCurveConfig<BaseField: Limbs>>(mut p: Affine<P>, neg: bool) -> Affine<P> {
    p.y = p.y.neg_if(neg);
    p
}

/// The buckets of one window, summed in affine coordinates by batches of
/// independent additions that share one field inversion.
///
/// Points arrive in input order (so the bases stream through the cache) and
/// go to their bucket (`2^(c−1)` of them: a few MB at most, cache-resident).
/// An addition `bucket += P` waits in the batch; a second point for a bucket
/// that already has one waiting goes to a short queue, retried after the
/// batch is applied (at most [`QUEUED`] per bucket); when the queue is full
/// or the bucket has that many waiting, or when `P` and the bucket share
/// their `x` (doubling, cancellation), the point goes to a projective spill
/// bucket instead (mixed addition, as `ark-ec` does every addition). So
/// every input, even one scalar repeated everywhere, costs a bounded number
/// of inversions.
struct Buckets<P: SWCurveConfig> {
    /// One point per cache line (a G1 point is one line, a G2 point two).
    acc: crate::lines::Lines<Affine<P>>,
    stamp: Vec<u32>,
    epoch: u32,
    todo: Pending<P>,
    queue: Vec<(u32, Affine<P>)>,
    spill: Vec<Projective<P>>,
    /// Points in `queue`, per bucket (at most [`QUEUED`]).
    queued: Vec<u8>,
    /// The buckets with a spill, in order of use: listed when their spill
    /// goes from zero to non-zero, so a bucket whose spill cancelled and
    /// started again is listed twice (`weigh` dedups).
    spilled: Vec<u32>,
    prefix: Vec<P::BaseField>,
    batch: usize,
    /// The AVX-512 IFMA path ([`crate::ifma`]), where the CPU has it.
    ifma: Option<Ifma>,
    scratch: ifma::Scratch,
    /// The AVX2 path ([`crate::avx2`]), on G2 where the CPU has AVX2 but
    /// not IFMA, and `ZKCC_AVX2=1` asks for it.
    avx2: Option<Avx2>,
    scratch2: avx2::Scratch,
}

impl<P: SWCurveConfig<BaseField: Limbs>> Buckets<P> {
    fn new(nb: usize) -> Self {
        let batch = (nb / 16).clamp(16, BATCH);
        let ifma = Ifma::detect();
        Self {
            acc: crate::lines::Lines::new(nb, Affine::identity()),
            stamp: vec![0; nb],
            epoch: 1,
            todo: Pending::with_capacity(batch),
            queue: Vec::with_capacity(batch),
            spill: Vec::new(),
            queued: vec![0; nb],
            spilled: Vec::new(),
            prefix: Vec::with_capacity(batch),
            batch,
            ifma,
            scratch: ifma::Scratch::default(),
            // G2 only, and only with `ZKCC_AVX2=1`: since the scalar
            // path's sums and differences are branch-free it is ahead on
            // both groups (`crate::avx2`'s docs).
            avx2: if ifma.is_none() && P::BaseField::DEGREE == 2 {
                Avx2::detect()
            } else {
                None
            },
            scratch2: avx2::Scratch::default(),
        }
    }

    fn spill_add(&mut self, b: usize, p: &Affine<P>) {
        if self.spill.is_empty() {
            self.spill = vec![Projective::zero(); self.acc.len()];
        }
        // A bucket's spill starts at zero, and only the first addition
        // finds it so unless a sum cancelled: then it is listed again,
        // and `weigh` counts each listed bucket once.
        if self.spill[b].is_zero() {
            self.spilled.push(b as u32);
        }
        self.spill[b] += p;
    }

    /// `bucket[b] += ±p` (`−p` if `neg`), now, later or in the spill. The
    /// point is copied from `p` straight into its bucket or batch entry and
    /// negated there: building `±p` first and copying it (as a value) stalls
    /// on store forwarding, the sign's limb-wise stores read back as wider
    /// loads (a third of the window loop's time at 2^20 points).
    #[inline(always)]
    fn add(&mut self, b: u32, p: &Affine<P>, neg: bool) {
        let bi = b as usize;
        if self.stamp[bi] == self.epoch {
            // At most QUEUED points wait per bucket: a run of one scalar
            // would otherwise fill the queue, and every flush would go over
            // it again to place one of them.
            if self.queue.len() < self.batch && self.queued[bi] < QUEUED {
                self.queued[bi] += 1;
                self.queue.push((b, negate_if(*p, neg)));
            } else {
                self.spill_add(bi, &negate_if(*p, neg));
            }
            return;
        }
        self.place(b, p, neg);
        if self.todo.len() >= self.batch {
            self.flush();
        }
    }

    /// `bucket[b] += ±p` for a bucket with nothing waiting: a copy into an
    /// empty bucket, the spill for equal `x`, else a waiting addition; the
    /// point copied once and negated where it lands.
    #[inline(always)]
    fn place(&mut self, b: u32, p: &Affine<P>, neg: bool) {
        let bi = b as usize;
        let cur = &mut self.acc[bi];
        if cur.is_zero() {
            *cur = *p;
            cur.y = cur.y.neg_if(neg);
        } else if cur.x == p.x {
            self.spill_add(bi, &negate_if(*p, neg));
        } else {
            self.stamp[bi] = self.epoch;
            self.todo.push(b, p);
            if let Some(q) = self.todo.p.last_mut() {
                q.y = q.y.neg_if(neg);
            }
        }
    }

    /// Applies the waiting additions (one inversion), then retries the queue.
    fn flush(&mut self) {
        if let (Some(tok), true) = (self.ifma, self.todo.len() >= 8) {
            ifma::add_assign_batch(tok, &mut self.acc, &self.todo, &mut self.scratch);
            self.todo.clear();
            self.epoch = self.epoch.wrapping_add(1).max(1);
        } else if let (Some(tok), true) = (self.avx2, self.todo.len() >= 4) {
            avx2::add_assign_batch(tok, &mut self.acc, &self.todo, &mut self.scratch2);
            self.todo.clear();
            self.epoch = self.epoch.wrapping_add(1).max(1);
        } else if !self.todo.is_empty() {
            // prefix[k] = Π_{j<k} d_j with d_j = x(P_j) − x(bucket_j) ≠ 0.
            // The prefixes, inverses and slopes only feed products: lazy
            // (`Limbs::mul_lazy`), reduced once for the inversion.
            // Each product is written where the next one reads it: a copy
            // of the running product (kept on the stack, copied by wider
            // loads than had stored it) stalled on store forwarding once
            // per addition.
            let n = self.todo.len();
            if self.prefix.len() < n + 1 {
                self.prefix.resize(n + 1, P::BaseField::zero());
            }
            let prefix = &mut self.prefix[..n + 1];
            prefix[0] = P::BaseField::one();
            let (bs, ps) = (&self.todo.b, &self.todo.p[..n]);
            for (k, (&b, p)) in bs.iter().zip(ps).enumerate() {
                prefix[k + 1] = prefix[k].mul_lazy(&p.x.sub_fast(&self.acc[b as usize].x));
            }
            let mut inv = prefix[n]
                .reduced()
                .invert()
                .expect("distinct x coordinates");
            for ((&b, p), pre) in bs.iter().zip(ps).zip(prefix[..n].iter()).rev() {
                let a = &mut self.acc[b as usize];
                let d = p.x.sub_fast(&a.x);
                let dinv = inv.mul_lazy(pre);
                inv = inv.mul_lazy(&d);
                let l = p.y.sub_fast(&a.y).mul_lazy(&dinv);
                let x3 = l.square_fast().sub_fast(&a.x).sub_fast(&p.x);
                a.y = l.mul_fast(&a.x.sub_fast(&x3)).sub_fast(&a.y);
                a.x = x3;
            }
            self.todo.clear();
            self.epoch = self.epoch.wrapping_add(1).max(1);
        }
        if !self.queue.is_empty() {
            let q = std::mem::take(&mut self.queue);
            for &(b, p) in &q {
                // The batch is empty and at most `batch` items are retried:
                // none of them can trigger a nested flush.
                if self.stamp[b as usize] == self.epoch {
                    self.queue.push((b, p));
                } else {
                    self.queued[b as usize] -= 1;
                    // Queued points were signed when queued.
                    self.place(b, &p, false);
                }
            }
            let mut q = q;
            q.clear();
            if self.queue.is_empty() {
                self.queue = q;
            }
        }
    }

    /// `Σ_b (b + 1)·bucket_b` once every point is in.
    fn weigh(mut self) -> Projective<P> {
        // Apply what waits, retry the queue twice; what still conflicts (a
        // pathological input: one bucket again and again) spills.
        for _ in 0..3 {
            self.flush();
        }
        for (b, p) in std::mem::take(&mut self.queue) {
            self.spill_add(b as usize, &p);
        }
        self.flush();
        // A few spilled buckets (a scalar repeated hundreds of times, as
        // witnesses have them, overflows the queue in every window) are
        // weighed on their own, by one small scalar multiple each; the affine
        // buckets still take `weigh_split`. Only many spilled buckets take
        // the projective running sum over every bucket.
        self.spilled.sort_unstable();
        self.spilled.dedup();
        if self.acc.len() >= SPLIT_MIN && self.spilled.len() <= self.acc.len() / SPARSE_SPILL {
            let mut total = weigh_split(&mut self.acc);
            for &b in &self.spilled {
                total += self.spill[b as usize].mul_bigint([b as u64 + 1]);
            }
            return total;
        }
        let mut running = Projective::<P>::zero();
        let mut total = Projective::<P>::zero();
        for b in (0..self.acc.len()).rev() {
            running += &self.acc[b];
            if !self.spill.is_empty() {
                running += &self.spill[b];
            }
            total += &running;
        }
        total
    }
}

/// Fewest buckets [`weigh_split`] takes (below, its two small weighings and
/// short last batches cost more than they save).
const SPLIT_MIN: usize = 1 << 8;

/// Most points waiting in [`Buckets`]' queue for one bucket; more go to the
/// spill.
const QUEUED: u8 = 4;

/// [`Buckets::weigh`] weighs the spilled buckets apart while they are at
/// most one in this many: a multiple by a `c`-bit weight costs about `2c`
/// projective operations, the running sum two per bucket.
const SPARSE_SPILL: usize = 64;

/// `Σ_b (b + 1)·acc_b` for `acc.len() = 2^k` buckets with the bucket index
/// cut in two: `b = q·K + r` with `K = 2^⌊k/2⌋`. With the row sums
/// `R_q = Σ_r acc_{qK+r}` and the column sums `C_r = Σ_q acc_{qK+r}` (`S` the
/// sum of all buckets),
/// `Σ_b (b + 1)·acc_b = K·Σ_q q·R_q + Σ_r r·C_r + S = K·(W_R − S) + W_C`,
/// where `W_R = Σ_q (q + 1)·R_q` and `W_C = Σ_r (r + 1)·C_r` are the usual
/// running-sum weighings of `2^k / K` and `K` points. The row and column
/// sums are independent affine additions, batched with one inversion each
/// ([`reduce_segments`]): about `2·2^k` of them at ≈ 6 products, where the
/// running sum over every bucket costs two projective additions (≈ 27
/// products) per bucket. `acc` is overwritten.
fn weigh_split<P: SWCurveConfig<BaseField: Limbs>>(acc: &mut [Affine<P>]) -> Projective<P> {
    let n = acc.len();
    debug_assert!(n.is_power_of_two());
    let h = n.trailing_zeros() / 2;
    let k = 1usize << h;
    let rows = n / k;
    // Columns first, from a transposed copy: cols[r·rows + q] = acc[q·K + r].
    let mut cols: Vec<Affine<P>> = (0..n).map(|i| acc[(i % rows) * k + i / rows]).collect();
    let starts: Vec<u32> = (0..k).map(|r| (r * rows) as u32).collect();
    let mut lens = vec![rows as u32; k];
    reduce_segments(&mut cols, &starts, &mut lens);
    let starts_r: Vec<u32> = (0..rows).map(|q| (q * k) as u32).collect();
    let mut lens_r = vec![k as u32; rows];
    reduce_segments(acc, &starts_r, &mut lens_r);
    let running_weigh = |pts: &mut dyn Iterator<Item = Affine<P>>| {
        let (mut running, mut total) = (Projective::<P>::zero(), Projective::<P>::zero());
        for p in pts {
            running += &p;
            total += &running;
        }
        (total, running)
    };
    let (w_c, _) = running_weigh(&mut starts.iter().rev().map(|&s| cols[s as usize]));
    let (w_r, sum) = running_weigh(&mut starts_r.iter().rev().map(|&s| acc[s as usize]));
    let mut t = w_r - sum;
    for _ in 0..h {
        t.double_in_place();
    }
    t + w_c
}

/// One window of a class: `Σ_i digit_{i,w}·(±P_i)`.
fn window_sum<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    class: &Class,
    w: usize,
) -> Projective<P> {
    let n = class.idx.len();
    let digits = &class.digits[w * n..(w + 1) * n];
    let mut buckets = Buckets::<P>::new(1usize << (class.c - 1));
    for (k, ((&d, &i), &neg)) in digits.iter().zip(&class.idx).zip(&class.neg).enumerate() {
        if let Some(&ahead) = digits.get(k + PREFETCH) {
            // `get`: a hint never panics, whatever the digit (a scalar
            // not below r can make one larger than the buckets).
            if let Some(p) = buckets
                .acc
                .get((ahead.unsigned_abs() as usize).wrapping_sub(1))
            {
                mont::prefetch(p);
                if P::BaseField::DEGREE == 2 {
                    // G2's affine point spans two cache lines.
                    mont::prefetch(&p.y);
                }
            }
        }
        // And the base read `BASE_AHEAD` places on: a base is read once per
        // window, after a window's worth of other reads.
        if let Some(&ia) = class.idx.get(k + BASE_AHEAD) {
            if let Some(p) = bases.main.get(ia as usize) {
                mont::prefetch(&p.x);
                mont::prefetch(&p.y);
            }
        }
        if d == 0 {
            continue;
        }
        let p = bases.get_ref(i as usize);
        if p.is_zero() {
            continue;
        }
        buckets.add(d.unsigned_abs() as u32 - 1, p, (d < 0) ^ neg);
    }
    buckets.weigh()
}

/// The sum `Σ ±P_i` over a chunk of the unit class.
fn unit_sum<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    idx: &[u32],
    neg: &[bool],
) -> Projective<P> {
    let mut pts: Vec<Affine<P>> = idx
        .iter()
        .zip(neg)
        .map(|(&i, &n)| negate_if(bases.get(i as usize), n))
        .collect();
    if pts.is_empty() {
        return Projective::zero();
    }
    let mut lens = [pts.len() as u32];
    reduce_segments(&mut pts, &[0], &mut lens);
    pts[0].into()
}

fn build_class<P: SWCurveConfig<BaseField: Limbs>>(
    scalars: Scalars<'_, BigIntOf<P>>,
    members: Vec<(u32, bool)>,
    bits: usize,
    threads: usize,
    window: Option<usize>,
) -> Class {
    let n = members.len();
    let c = match window {
        Some(c) if top_fits(bits, c) => c.clamp(2, MAX_WINDOW),
        _ => window_for(n.max(1), bits, std::mem::size_of::<Affine<P>>()).min(MAX_WINDOW),
    };
    let windows = bits / c + 1;
    // Digits window-major (`digits[w * n + i]`): each window job reads its
    // digits sequentially. Each parallel task recodes a run of members and
    // writes its part of every window (no transposition buffer).
    let mut digits = vec![0i16; n * windows];
    let modulus = <P::ScalarField as PrimeField>::MODULUS;
    let chunk = n.div_ceil(threads.max(1)).max(1);
    let tasks = n.div_ceil(chunk);
    let mut parts: Vec<Vec<&mut [i16]>> = (0..tasks).map(|_| Vec::with_capacity(windows)).collect();
    for wslice in digits.chunks_mut(n.max(1)) {
        for (t, part) in wslice.chunks_mut(chunk).enumerate() {
            parts[t].push(part);
        }
    }
    parts
        .into_par_iter()
        .zip(members.par_chunks(chunk))
        .for_each(|(mut outs, ms)| {
            let mut row = [0i16; 254 / 2 + 2];
            for (j, &(i, neg)) in ms.iter().enumerate() {
                let mut m = scalars.get(i as usize);
                if neg {
                    let mut r = modulus;
                    r.sub_with_borrow(&m);
                    m = r;
                }
                signed_digits(m.as_ref(), c, windows, &mut row[..windows]);
                for (o, &d) in outs.iter_mut().zip(&row[..windows]) {
                    o[j] = d;
                }
            }
        });
    let (idx, neg) = members.into_iter().unzip();
    Class {
        idx,
        neg,
        digits,
        windows,
        c,
    }
}

/// `Σ scalars[i]·bases[i]` over the shorter of the two slices. Every scalar
/// must be below the group order `r`, as `PrimeField::into_bigint` gives
/// them: the sign fold `s → −(r − s)` assumes it, and a larger one gives a
/// wrong sum (unlike `ark-ec`'s `msm_bigint`).
pub fn msm<P: SWCurveConfig<BaseField: Limbs>>(
    bases: &[Affine<P>],
    scalars: &[BigIntOf<P>],
) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    msm_from(Bases::of(&bases[..n]), Scalars::Direct(&scalars[..n]))
}

/// `Σ values[idx[i]]·bases[i]` (`idx` and `bases` of the same length, every
/// index below `values.len()`; panics otherwise; values below `r`, as for
/// [`msm`]).
pub fn msm_indexed<P: SWCurveConfig<BaseField: Limbs>>(
    bases: &[Affine<P>],
    idx: &[u32],
    values: &[BigIntOf<P>],
) -> Projective<P> {
    assert_eq!(bases.len(), idx.len(), "one index per base");
    msm_from(Bases::of(bases), Scalars::Indexed { idx, values })
}

/// [`msm_indexed`] with the bases of each group of equal values summed
/// first (`rep` from [`Repeats::find`] over `values`): `Σ_g s_g·(Σ_{i∈g} P_i)`
/// costs one bucket addition per base and a point per group in every window,
/// where the plain MSM costs a bucket addition per base in every window
/// (`crate::repeats`' docs). Same result as [`msm_indexed`].
pub fn msm_indexed_repeats<P: SWCurveConfig<BaseField: Limbs>>(
    bases: &[Affine<P>],
    idx: &[u32],
    values: &[BigIntOf<P>],
    rep: &Repeats,
) -> Projective<P> {
    assert_eq!(bases.len(), idx.len(), "one index per base");
    assert_eq!(rep.len(), values.len(), "groups of these values");
    if rep.groups() == 0 {
        return msm_from(Bases::of(bases), Scalars::Indexed { idx, values });
    }
    let (sums, vars) = group_sums(bases, idx, rep);
    let scalars: Vec<BigIntOf<P>> = vars.iter().map(|&v| values[v as usize]).collect();
    // One MSM: the bases of the ungrouped variables, then the group sums.
    msm_from(
        Bases {
            main: bases,
            extra: &sums,
        },
        Scalars::Ungrouped {
            idx,
            values,
            group: &rep.group,
            extra: &scalars,
        },
    )
}

/// The sum of the bases of each group of `rep` that `idx` reaches, by
/// batched affine trees, with one variable of the group (its scalar).
fn group_sums<P: SWCurveConfig<BaseField: Limbs>>(
    bases: &[Affine<P>],
    idx: &[u32],
    rep: &Repeats,
) -> (Vec<Affine<P>>, Vec<u32>) {
    let group_at = |k: usize| rep.group[idx[k] as usize];
    let mut count = vec![0u32; rep.groups()];
    let mut var = vec![0u32; rep.groups()];
    for &v in idx {
        let g = rep.group[v as usize];
        if g != repeats::NONE {
            count[g as usize] += 1;
            var[g as usize] = v;
        }
    }
    // Segments of the present groups, in group order.
    let mut next = vec![0u32; rep.groups()];
    let (mut starts, mut lens, mut vars) = (Vec::new(), Vec::new(), Vec::new());
    let mut total = 0u32;
    for (g, &c) in count.iter().enumerate() {
        if c > 0 {
            next[g] = total;
            starts.push(total);
            lens.push(c);
            vars.push(var[g]);
            total += c;
        }
    }
    let mut pts = vec![Affine::<P>::identity(); total as usize];
    for (k, b) in bases.iter().enumerate() {
        let g = group_at(k);
        if g != repeats::NONE {
            pts[next[g as usize] as usize] = *b;
            next[g as usize] += 1;
        }
    }
    reduce_segments(&mut pts, &starts, &mut lens);
    (starts.iter().map(|&s| pts[s as usize]).collect(), vars)
}

/// Below this many bases an MSM runs `ark-ec`'s projective Pippenger
/// (`ZKCC_MSM_SMALL` overrides it, for experiments): batches of a few dozen
/// additions pay a whole inversion each, and the class split and digit
/// tables cost more than they save. Measured with the batch-affine path
/// forced (`msmrace`): before IFMA and the divsteps inversion 0.56–0.91×
/// `ark-ec` at 2^12 points and 0.87–0.94× at 2^14 (the threshold was 2^15);
/// with them 0.98–1.55× at 2^12, 1.29–1.72× at 2^13, 1.59–1.69× at 2^14
/// (RESULTS.md, "Small MSMs" and stop 20).
const SMALL: usize = 1 << 13;

fn small_threshold() -> usize {
    std::env::var("ZKCC_MSM_SMALL")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SMALL)
}

fn msm_from<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    scalars: Scalars<'_, BigIntOf<P>>,
) -> Projective<P> {
    if bases.len() < small_threshold() {
        projective_msm(bases, scalars)
    } else {
        batch_affine_msm(bases, scalars)
    }
}

/// `ark-ec`'s MSM (extended-Jacobian buckets) on the scalars gathered.
fn projective_msm<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    scalars: Scalars<'_, BigIntOf<P>>,
) -> Projective<P> {
    use ark_ec::VariableBaseMSM;
    let s: Vec<BigIntOf<P>> = (0..bases.len()).map(|i| scalars.get(i)).collect();
    let all: Vec<Affine<P>>;
    let b = if bases.extra.is_empty() {
        bases.main
    } else {
        all = (0..bases.len()).map(|i| bases.get(i)).collect();
        &all
    };
    <Projective<P> as VariableBaseMSM>::msm_bigint(b, &s)
}

/// The batch-affine Pippenger described in the module docs.
fn batch_affine_msm<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    scalars: Scalars<'_, BigIntOf<P>>,
) -> Projective<P> {
    batch_affine_msm_windows(bases, scalars, None)
}

/// [`batch_affine_msm`], every class in `window`-bit windows if given (the
/// tests' way to reach every width at small sizes).
fn batch_affine_msm_windows<P: SWCurveConfig<BaseField: Limbs>>(
    bases: Bases<'_, P>,
    scalars: Scalars<'_, BigIntOf<P>>,
    window: Option<usize>,
) -> Projective<P> {
    let n = bases.len();
    let mut half = <P::ScalarField as PrimeField>::MODULUS;
    half.div2();
    let modulus = <P::ScalarField as PrimeField>::MODULUS;

    // Class every scalar by the bit length of its (folded) magnitude:
    // (index, negate) into units, then < 2^16, < 2^32, < 2^64, < 2^128 and
    // the rest.
    const CLASS_BITS: [usize; 5] = [16, 32, 64, 128, 254];
    let threads = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(threads).max(1);
    type Members = Vec<(u32, bool)>;
    let parts: Vec<(Members, [Members; 5])> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|ci| {
            let mut u = Vec::new();
            let mut cl: [Members; 5] = Default::default();
            for k in ci * chunk..((ci + 1) * chunk).min(n) {
                let x = &scalars.get(k);
                if x.is_zero() {
                    continue;
                }
                let i = k as u32;
                let neg = *x > half;
                let bits = if neg {
                    let mut m = modulus;
                    m.sub_with_borrow(x);
                    m.num_bits()
                } else {
                    x.num_bits()
                } as usize;
                if bits <= 1 {
                    u.push((i, neg));
                } else {
                    let c = CLASS_BITS.iter().position(|&b| bits <= b).unwrap_or(4);
                    cl[c].push((i, neg));
                }
            }
            (u, cl)
        })
        .collect();
    let mut units = Vec::new();
    let mut members: [Members; 5] = Default::default();
    for (u, cl) in parts {
        units.extend(u);
        for (m, c) in members.iter_mut().zip(cl) {
            m.extend(c);
        }
    }
    let classes: Vec<Class> = members
        .into_iter()
        .zip(CLASS_BITS)
        .filter(|(m, _)| !m.is_empty())
        .map(|(m, bits)| build_class::<P>(scalars, m, bits, threads, window))
        .collect();
    let (unit_idx, unit_neg): (Vec<u32>, Vec<bool>) = units.into_iter().unzip();

    // Jobs: every window of every class, and chunks of the unit sum.
    let unit_chunk = unit_idx.len().div_ceil(threads).max(1);
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    for (ci, c) in classes.iter().enumerate() {
        jobs.extend((0..c.windows).map(|w| (ci + 1, w)));
    }
    jobs.extend((0..unit_idx.len().div_ceil(unit_chunk)).map(|k| (0, k)));
    let results: Vec<(usize, usize, Projective<P>)> = jobs
        .par_iter()
        .with_max_len(1)
        .map(|&(ci, w)| {
            if ci == 0 {
                let r = w * unit_chunk..((w + 1) * unit_chunk).min(unit_idx.len());
                (0, w, unit_sum(bases, &unit_idx[r.clone()], &unit_neg[r]))
            } else {
                (ci, w, window_sum(bases, &classes[ci - 1], w))
            }
        })
        .collect();

    let mut total: Projective<P> = results.iter().filter(|r| r.0 == 0).map(|r| r.2).sum();
    for (ci, class) in classes.iter().enumerate() {
        let mut ws: Vec<(usize, Projective<P>)> = results
            .iter()
            .filter(|r| r.0 == ci + 1)
            .map(|r| (r.1, r.2))
            .collect();
        ws.sort_by_key(|r| r.0);
        let mut acc = Projective::<P>::zero();
        for (_, w) in ws.iter().rev() {
            for _ in 0..class.c {
                acc.double_in_place();
            }
            acc += w;
        }
        total += acc;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective, G2Projective};
    use ark_ec::{CurveGroup, VariableBaseMSM};
    use ark_std::UniformRand;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// Scalars of every class the prover sees.
    fn scalars(rng: &mut ChaCha20Rng, n: usize, kind: usize) -> Vec<Fr> {
        (0..n)
            .map(|i| match (kind + i) % 9 {
                0 => Fr::rand(rng),
                7 => Fr::from(rng.gen::<u128>()),
                8 => -Fr::from(rng.gen::<u128>() >> rng.gen_range(0..60)),
                1 => Fr::from(rng.gen::<bool>() as u64),
                2 => Fr::from(rng.gen::<u64>()),
                3 => -Fr::from(rng.gen_range(0u64..5)),
                4 => Fr::from(rng.gen::<u32>()),
                5 => -Fr::from(rng.gen::<u64>()),
                _ => {
                    if kind == 0 {
                        Fr::rand(rng)
                    } else {
                        Fr::zero()
                    }
                }
            })
            .collect()
    }

    fn check<P: SWCurveConfig<ScalarField = Fr, BaseField: Limbs>>(bases: &[Affine<P>], s: &[Fr]) {
        let bigints: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        // The batch-affine path at every size (the public entry point hands
        // small inputs to ark-ec, which would leave it untested here).
        let ours = batch_affine_msm::<P>(Bases::of(bases), Scalars::Direct(&bigints));
        let theirs = <Projective<P> as VariableBaseMSM>::msm(bases, s).unwrap();
        assert_eq!(ours.into_affine(), theirs.into_affine(), "n = {}", s.len());
        assert_eq!(
            msm::<P>(bases, &bigints).into_affine(),
            theirs.into_affine()
        );
    }

    fn random_bases<P: SWCurveConfig<BaseField: Limbs>>(
        rng: &mut ChaCha20Rng,
        n: usize,
    ) -> Vec<Affine<P>> {
        let distinct: Vec<Projective<P>> = (0..n.clamp(1, 64))
            .map(|_| Projective::<P>::rand(rng))
            .collect();
        // Mostly distinct points, plus repeats, negations and the identity, so
        // that buckets meet P + P, P + (−P) and P + O.
        let mut v: Vec<Projective<P>> = (0..n)
            .map(|i| match i % 11 {
                3 => distinct[i % distinct.len()],
                5 => -distinct[i % distinct.len()],
                7 => Projective::zero(),
                _ => Projective::<P>::rand(rng),
            })
            .collect();
        if n > 2 {
            v[1] = v[0];
        }
        Projective::normalize_batch(&v)
    }

    #[test]
    fn g1_matches_ark_ec_on_random_inputs() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for (n, kind) in [
            (0, 0),
            (1, 0),
            (2, 1),
            (3, 2),
            (17, 3),
            (100, 4),
            (1000, 0),
            (4096, 1),
            (5000, 5),
            (20000, 6),
        ] {
            let bases = random_bases::<ark_bn254::g1::Config>(&mut rng, n);
            check(&bases, &scalars(&mut rng, n, kind));
        }
    }

    /// `weigh_split` against `Σ (b + 1)·acc_b` by scalar multiplication, on
    /// bucket sets of even and odd `log2` holding identities, repeated and
    /// opposite points in one row and one column (the row and column sums
    /// then meet doublings and cancellations).
    #[test]
    fn split_weighing_is_the_weighted_sum() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for log in [8u32, 9, 12] {
            let n = 1usize << log;
            let k = 1usize << (log / 2);
            let mut acc = random_bases::<ark_bn254::g1::Config>(&mut rng, n);
            // Row 0 repeats one point; column 0 alternates a point and its negation.
            for r in 0..k {
                acc[r] = acc[n - 1];
            }
            for q in 0..n / k {
                acc[q * k] = if q % 2 == 0 { acc[n - 2] } else { -acc[n - 2] };
            }
            let expect: Projective<ark_bn254::g1::Config> = acc
                .iter()
                .enumerate()
                .map(|(b, p)| *p * Fr::from((b + 1) as u64))
                .sum();
            let got = weigh_split(&mut acc.clone());
            assert_eq!(got.into_affine(), expect.into_affine(), "2^{log} buckets");
        }
    }

    #[test]
    fn g2_matches_ark_ec_on_random_inputs() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        for (n, kind) in [(1, 0), (5, 2), (300, 3), (3000, 0), (3000, 6)] {
            let bases = random_bases::<ark_bn254::g2::Config>(&mut rng, n);
            check(&bases, &scalars(&mut rng, n, kind));
        }
    }

    #[test]
    fn edge_scalars_and_same_base() {
        // One base, many times, with 1, −1, 2, r − 2, 2^64 − 1, 2^64: every
        // bucket receives the same point again and again (doublings), and
        // opposite points (cancellation).
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let p = G1Projective::rand(&mut rng).into_affine();
        let vals = [
            Fr::one(),
            -Fr::one(),
            Fr::from(2u64),
            -Fr::from(2u64),
            Fr::from(u64::MAX),
            Fr::from(u64::MAX) + Fr::one(),
            Fr::zero(),
        ];
        for k in 1..200 {
            let s: Vec<Fr> = (0..k).map(|i| vals[i % vals.len()]).collect();
            check(&vec![p; k], &s);
        }
        let q = G2Projective::rand(&mut rng).into_affine();
        check(
            &vec![q; 50],
            &(0..50).map(|i| vals[i % vals.len()]).collect::<Vec<_>>(),
        );
    }

    #[test]
    fn buckets_under_conflicts_queue_and_spill() {
        // Few buckets, many points: most additions find their bucket busy,
        // the queue fills up and points spill; repeats and negations meet
        // the doubling and cancellation cases; every other point goes in
        // negated (on each of the add's paths: the empty bucket, the batch,
        // the queue and the spill). The weighed sum must equal the one
        // computed naively.
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for (nb, n) in [(1, 3000), (4, 3000), (64, 5000), (2048, 20000)] {
            let pts = random_bases::<ark_bn254::g1::Config>(&mut rng, n);
            let mut b = Buckets::<ark_bn254::g1::Config>::new(nb);
            let mut expect = vec![G1Projective::zero(); nb];
            for (i, p) in pts.iter().enumerate() {
                let k = (i * 7 + i / 3) % nb;
                let neg = (i / 2 + i / 5) % 2 == 1;
                if !p.is_zero() {
                    b.add(k as u32, p, neg);
                    expect[k] += if neg { -*p } else { *p };
                }
            }
            if nb <= 4 {
                assert!(!b.spill.is_empty(), "the spill path ran");
            }
            let weighed: G1Projective = expect
                .iter()
                .enumerate()
                .map(|(k, s)| *s * Fr::from(k as u64 + 1))
                .sum();
            assert_eq!(
                b.weigh().into_affine(),
                weighed.into_affine(),
                "{nb} buckets"
            );
        }
    }

    /// Flushes of shrinking and growing lengths on the scalar path: the
    /// running products' buffer is kept between flushes (only grown), and a
    /// flush must never read what a longer earlier one left in it.
    #[test]
    fn flushes_of_any_length_after_any_other() {
        fn run<P: SWCurveConfig<ScalarField = Fr, BaseField: Limbs>>(seed: u64) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let nb = 4096;
            let mut b = Buckets::<P>::new(nb);
            (b.ifma, b.avx2) = (None, None);
            let mut expect = vec![Projective::<P>::zero(); nb];
            for len in [200usize, 3, 1, 150, 7, 256, 2, 90] {
                for _ in 0..len {
                    let k = rng.gen_range(0..nb);
                    let p = Projective::<P>::rand(&mut rng).into_affine();
                    let neg: bool = rng.gen();
                    b.add(k as u32, &p, neg);
                    expect[k] += if neg { -p } else { p };
                }
                b.flush();
            }
            let weighed: Projective<P> = expect
                .iter()
                .enumerate()
                .map(|(k, s)| *s * Fr::from(k as u64 + 1))
                .sum();
            assert_eq!(b.weigh().into_affine(), weighed.into_affine());
        }
        run::<ark_bn254::g1::Config>(301);
        run::<ark_bn254::g2::Config>(302);
    }

    /// The scalar flush (the path of CPUs without IFMA, and of batches
    /// shorter than a vector group) on batches of every length, whatever
    /// this CPU has, or with `avx2` the AVX2 one (which the MSMs take only
    /// with `ZKCC_AVX2=1`): [`crate::batch_tests::batches_match`].
    fn flush_matches<P: SWCurveConfig<BaseField: Limbs + ark_ff::UniformRand>>(
        seed: u64,
        avx2: Option<Avx2>,
    ) {
        crate::batch_tests::batches_match::<P>(seed, &[1, 2, 7, 8, 9, 100, 1024], |acc, todo| {
            let mut b = Buckets::<P>::new(acc.len());
            (b.ifma, b.avx2) = (None, avx2);
            b.acc.copy_from_slice(acc);
            for (k, p) in todo {
                b.stamp[*k as usize] = b.epoch;
                b.todo.push(*k, p);
            }
            b.flush();
            assert!(b.todo.is_empty() && b.queue.is_empty() && b.spill.is_empty());
            acc.copy_from_slice(&b.acc);
        });
    }

    #[test]
    fn scalar_flush_matches_ark_ec() {
        flush_matches::<ark_bn254::g1::Config>(15, None);
        flush_matches::<ark_bn254::g2::Config>(16, None);
    }

    #[test]
    fn avx2_flush_matches_ark_ec() {
        let Some(tok) = Avx2::available() else {
            eprintln!("no AVX2 on this CPU: nothing to test");
            return;
        };
        flush_matches::<ark_bn254::g1::Config>(17, Some(tok));
        flush_matches::<ark_bn254::g2::Config>(18, Some(tok));
    }

    #[test]
    fn spilled_buckets_are_weighed_apart_or_in_the_running_sum() {
        // A few buckets fed hundreds of points in a row (a witness value
        // repeated in a run of variables) overflow the queue and spill:
        // few spilled buckets are weighed apart beside `weigh_split`; with
        // more than one in SPARSE_SPILL spilled, the running sum takes all.
        let mut rng = ChaCha20Rng::seed_from_u64(19);
        let nb = 4096;
        let pts = random_bases::<ark_bn254::g1::Config>(&mut rng, 40_000);
        for (hot, run) in [(3usize, 1500usize), (300, 120)] {
            let mut b = Buckets::<ark_bn254::g1::Config>::new(nb);
            let mut expect = vec![G1Projective::zero(); nb];
            for (i, p) in pts.iter().enumerate() {
                // Runs of `run` points to one of `hot` buckets, between
                // stretches of points spread over every bucket.
                let k = if (i / run) % 2 == 0 {
                    (i / (2 * run)) % hot * 13 % nb
                } else {
                    (i * 7 + i / 3) % nb
                };
                if !p.is_zero() {
                    b.add(k as u32, p, false);
                    expect[k] += p;
                }
            }
            let weighed: G1Projective = expect
                .iter()
                .enumerate()
                .map(|(k, s)| *s * Fr::from(k as u64 + 1))
                .sum();
            let mut listed = b.spilled.clone();
            listed.sort_unstable();
            listed.dedup();
            assert!(!listed.is_empty(), "{hot} hot buckets: points spilled");
            assert_eq!(
                listed.len() <= nb / SPARSE_SPILL,
                hot < nb / SPARSE_SPILL,
                "{hot} hot buckets: {} spilled",
                listed.len()
            );
            assert_eq!(
                b.weigh().into_affine(),
                weighed.into_affine(),
                "{hot} hot buckets"
            );
        }
        // A spill that cancels to zero and starts again lists its bucket
        // twice: it is weighed once (P, then −P, P, −P on the same x all
        // spill; then Q waits in the batch).
        let pts = random_bases::<ark_bn254::g1::Config>(&mut rng, 3000);
        // (`random_bases` repeats and negates points: Q is one of another x.)
        let p = pts[0];
        let q = *pts.iter().find(|q| !q.is_zero() && q.x != p.x).unwrap();
        // The other points each to a bucket of their own: nothing else
        // spills, so the bucket is weighed apart.
        let mut b = Buckets::<ark_bn254::g1::Config>::new(4096);
        for x in [p, -p, p, -p, q] {
            b.add(5, &x, false);
        }
        let mut expect = G1Projective::from(q) * Fr::from(6u64);
        for (i, x) in pts[2..].iter().enumerate() {
            let k = 6 + i;
            if !x.is_zero() {
                b.add(k as u32, x, false);
                expect += *x * Fr::from(k as u64 + 1);
            }
        }
        assert_eq!(b.spilled, [5, 5], "listed twice");
        assert_eq!(
            b.weigh().into_affine(),
            expect.into_affine(),
            "weighed once"
        );
    }

    #[test]
    fn both_sides_of_the_small_threshold() {
        // The public entry point on either side of SMALL (check() also runs
        // the batch-affine path explicitly on the same input).
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        let bases = random_bases::<ark_bn254::g1::Config>(&mut rng, SMALL + 1);
        let s = scalars(&mut rng, SMALL + 1, 6);
        check(&bases[..SMALL - 1], &s[..SMALL - 1]);
        check(&bases, &s);
    }

    #[test]
    fn one_scalar_everywhere() {
        // Distinct bases, the same scalar: every window sends every point to
        // the same bucket (the worst case of the batched accumulation).
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let bases = random_bases::<ark_bn254::g1::Config>(&mut rng, 6000);
        for s in [
            Fr::from(3u64),
            -Fr::from(5u64),
            Fr::from(u64::MAX),
            Fr::rand(&mut rng),
        ] {
            check(&bases, &vec![s; bases.len()]);
        }
        check(&bases, &vec![-Fr::one(); bases.len()]);
    }

    #[test]
    fn indexed_scalars_match_a_gathered_copy() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let values: Vec<_> = scalars(&mut rng, 9000, 0)
            .iter()
            .map(|x| x.into_bigint())
            .collect();
        let idx: Vec<u32> = (0..4000u32).map(|k| (k * 2 + k % 3) % 9000).collect();
        let bases = random_bases::<ark_bn254::g1::Config>(&mut rng, idx.len());
        let gathered: Vec<_> = idx.iter().map(|&i| values[i as usize]).collect();
        let idx_scalars = Scalars::Indexed {
            idx: &idx,
            values: &values,
        };
        assert_eq!(
            batch_affine_msm(Bases::of(&bases), idx_scalars).into_affine(),
            msm(&bases, &gathered).into_affine()
        );
        assert_eq!(
            projective_msm(Bases::of(&bases), idx_scalars).into_affine(),
            msm(&bases, &gathered).into_affine()
        );
        assert_eq!(
            msm_indexed(&bases, &idx, &values).into_affine(),
            msm(&bases, &gathered).into_affine()
        );
        check(
            &bases,
            &gathered
                .iter()
                .map(|b| Fr::from_bigint(*b).unwrap())
                .collect::<Vec<_>>(),
        );
    }

    /// The MSM with repeated values grouped equals the plain one, on both
    /// groups and both sides of the small threshold: groups of every size
    /// (runs of one value, pairs, values whose other copies another MSM
    /// reads), bases repeated, negated and the identity (the group sums
    /// meet doublings and cancellations), indices reaching a variable twice.
    #[test]
    fn grouped_repeats_match_the_plain_msm() {
        let mut rng = ChaCha20Rng::seed_from_u64(15);
        let pool: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        for (vars, n) in [(40, 30), (3000, 2500), (30000, 20000)] {
            let values: Vec<_> = (0..vars)
                .map(|i| match i % 7 {
                    0 | 3 => pool[rng.gen_range(0..pool.len())],
                    1 => pool[0],
                    2 => Fr::from(rng.gen_range(0u64..3)),
                    4 => -pool[1],
                    _ => Fr::rand(&mut rng),
                })
                .map(|x| x.into_bigint())
                .collect();
            let rep = Repeats::find(&values);
            assert!(rep.groups() > 0);
            let idx: Vec<u32> = (0..n as u32).map(|k| (k * 7 + k % 5) % vars).collect();
            let g1 = random_bases::<ark_bn254::g1::Config>(&mut rng, n);
            let plain = msm_indexed(&g1, &idx, &values);
            assert_eq!(
                msm_indexed_repeats(&g1, &idx, &values, &rep).into_affine(),
                plain.into_affine(),
                "G1, {n} bases"
            );
            assert_eq!(
                msm_indexed_repeats(&g1, &idx, &values, &Repeats::none(vars as usize)),
                plain
            );
            if n <= 3000 {
                let g2 = random_bases::<ark_bn254::g2::Config>(&mut rng, n);
                assert_eq!(
                    msm_indexed_repeats(&g2, &idx, &values, &rep).into_affine(),
                    msm_indexed(&g2, &idx, &values).into_affine(),
                    "G2, {n} bases"
                );
            }
        }
    }

    /// The batch-affine MSM in `c`-bit windows against `ark-ec`, on random
    /// bases (repeats, negations and the identity among them).
    fn windows_match<P: SWCurveConfig<ScalarField = Fr, BaseField: Limbs>>(
        rng: &mut ChaCha20Rng,
        s: &[Fr],
        c: usize,
    ) {
        let bigints: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        let bases = random_bases::<P>(rng, s.len());
        assert_eq!(
            batch_affine_msm_windows(Bases::of(&bases), Scalars::Direct(&bigints), Some(c))
                .into_affine(),
            <Projective<P> as VariableBaseMSM>::msm(&bases, s)
                .unwrap()
                .into_affine(),
            "{c}-bit windows, {} coefficients",
            P::BaseField::DEGREE
        );
    }

    /// The widest windows (16 and 15 bits: digits at the ends of `i16`),
    /// on both groups, against `ark-ec`: scalars whose windows hold
    /// `2^(c−1)` exactly (the digit `−2^(c−1)` and a carry) and `2^c − 1`,
    /// beside every class the prover sees.
    #[test]
    fn widest_windows_match_ark_ec() {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        for c in [15usize, 16] {
            let n = 600;
            let mut s = scalars(&mut rng, n, 0);
            for (i, x) in s.iter_mut().enumerate().step_by(5) {
                let w = (i / 5) % 16;
                let half = ark_ff::Field::pow(&Fr::from(2u64), [(c * w + c - 1) as u64]);
                let full = ark_ff::Field::pow(&Fr::from(2u64), [(c * w) as u64])
                    * Fr::from((1u64 << c) - 1);
                *x = if i % 2 == 0 { half } else { -full };
            }
            windows_match::<ark_bn254::g1::Config>(&mut rng, &s, c);
            windows_match::<ark_bn254::g2::Config>(&mut rng, &s, c);
        }
        assert!(!top_fits(15 * 16 + 15, 16) && top_fits(254, 16) && top_fits(255, 15));
    }

    #[test]
    fn digits_recompose() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        for c in 2..=MAX_WINDOW {
            for _ in 0..50 {
                let x = Fr::rand(&mut rng).into_bigint();
                let windows = 254 / c + 1;
                let mut d = vec![0i16; windows];
                signed_digits(x.as_ref(), c, windows, &mut d);
                if c == 16 {
                    // The 16-bit path against the general one.
                    let mut g = vec![0i16; windows];
                    signed_digits_general(x.as_ref(), c, windows, &mut g);
                    assert_eq!(d, g);
                }
                let mut acc = Fr::zero();
                for &di in d.iter().rev() {
                    acc *= Fr::from(1u64 << c);
                    acc += if di < 0 {
                        -Fr::from((-di) as u64)
                    } else {
                        Fr::from(di as u64)
                    };
                    assert!(di.unsigned_abs() as usize <= 1 << (c - 1));
                }
                assert_eq!(acc.into_bigint(), x);
            }
        }
        // 16-bit windows at their edges, for every class's width: windows
        // of all ones, of exactly 2^15, of 2^15 − 1.
        for bits in [16usize, 32, 64, 128, 254] {
            let windows = bits / 16 + 1;
            for pattern in [0xffffu64, 0x8000, 0x7fff, 0x8001] {
                let mut limbs = [0u64; 4];
                for w in 0..bits / 16 {
                    limbs[w / 4] |= pattern << (16 * (w % 4));
                }
                if bits == 254 {
                    limbs[3] &= (1 << 62) - 1;
                }
                let (mut d, mut g) = (vec![0i16; windows], vec![0i16; windows]);
                signed_digits(&limbs, 16, windows, &mut d);
                signed_digits_general(&limbs, 16, windows, &mut g);
                assert_eq!(d, g, "{bits} bits, {pattern:#x}");
            }
        }
    }
}
