//! Multi-scalar multiplication tuned for Groth16 proving (BN254 G1 and G2).
//!
//! [`msm`] computes `Σ sᵢ·Pᵢ` for affine bases and scalars given as big
//! integers. It differs from `ark-ec`'s `VariableBaseMSM::msm_bigint` in two
//! ways that matter for a Groth16 witness:
//!
//! * **Scalars are classed by size once**, after folding `s > (r−1)/2` to
//!   `−(r − s)` (the negated base is free): `0` is skipped, `±1` (bits,
//!   booleans) is a plain sum of bases, `|s| < 2^64` (counts, coordinates,
//!   range-checked values) runs a Pippenger over 16, 32 or 64 bits (the
//!   smallest that holds them), the rest over 254.
//! * **Buckets are accumulated in affine coordinates with batched
//!   inversion.** Each window's points are counting-sorted by bucket, then
//!   every bucket is summed as a binary tree, one level at a time; all the
//!   additions of a level share one field inversion per batch (Montgomery's
//!   trick). An affine addition then costs about 5M + 1S plus 3M for its share
//!   of the inversion, against 8M + 2S for the extended-Jacobian (XYZZ) bucket
//!   addition of `ark-ec`. Signed digits halve the number of buckets.
//!
//! Windows (and the chunks of the `±1` sum) are independent jobs scheduled on
//! rayon, so several MSMs started together (see `crate::tuned`) keep every
//! core busy. The window width is chosen per class from a cost model of the
//! input size.
//!
//! Correctness is differential: `tests` compare against `ark-ec` on seeded
//! random inputs of every class, including repeated and opposite bases (which
//! exercise the doubling and cancellation cases of affine addition).
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr};
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};
use rayon::prelude::*;

type BigIntOf<P> = <<P as ark_ec::CurveConfig>::ScalarField as PrimeField>::BigInt;

/// Additions per batched inversion.
const BATCH: usize = 1024;
/// Largest window width (digits are stored as `i16`).
const MAX_WINDOW: usize = 15;

/// One class of scalars: which bases, their signs and their magnitudes' digits.
struct Class {
    /// Index into the bases.
    idx: Vec<u32>,
    /// Whether the base is to be negated (the scalar was folded to `r − s`).
    neg: Vec<bool>,
    /// Signed digits, element-major: `digits[i * windows + w]`.
    digits: Vec<i16>,
    windows: usize,
    c: usize,
}

/// Estimated cost of a Pippenger over `n` points of `bits`-bit scalars with
/// `c`-bit signed windows, in field multiplications.
fn cost(n: usize, bits: usize, c: usize) -> usize {
    let windows = bits / c + 1;
    windows * (7 * n + 24 * (1usize << (c - 1)))
}

/// The window width minimising [`cost`].
fn window_for(n: usize, bits: usize) -> usize {
    (2..=MAX_WINDOW)
        .min_by_key(|&c| cost(n, bits, c))
        .unwrap_or(2)
}

/// Signed `c`-bit digits of a little-endian limb integer below `2^bits`.
fn signed_digits(limbs: &[u64], c: usize, windows: usize, out: &mut [i16]) {
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

/// `P + Q` for every pair of `ops`, in place in `pts`, with one inversion.
/// An op `(dst, a, b)` writes `pts[a] + pts[b]` to `pts[dst]`; `b == u32::MAX`
/// copies `pts[a]`. Ops must be ordered so that no op reads a slot an earlier
/// op of the same batch wrote (true for the tree levels built below).
fn apply_batch<P: SWCurveConfig>(
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
            q.x - p.x
        };
        denoms.push(d);
    }
    ark_ff::fields::batch_inversion(denoms);
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
                let mut num = p.x.square();
                num = num.double() + num + P::COEFF_A;
                let l = num * inv;
                let x3 = l.square() - p.x.double();
                let y3 = l * (p.x - x3) - p.y;
                Affine::new_unchecked(x3, y3)
            } else {
                Affine::identity()
            }
        } else {
            let l = (q.y - p.y) * inv;
            let x3 = l.square() - p.x - q.x;
            let y3 = l * (p.x - x3) - p.y;
            Affine::new_unchecked(x3, y3)
        };
        pts[dst as usize] = r;
    }
}

/// Sums each segment `pts[starts[b]..starts[b] + lens[b]]` as a binary tree,
/// level by level, in place; afterwards the sum of segment `b` is at
/// `pts[starts[b]]` (when `lens[b] > 0`).
fn reduce_segments<P: SWCurveConfig>(pts: &mut [Affine<P>], starts: &[u32], lens: &mut [u32]) {
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

fn negate_if<P: SWCurveConfig>(p: Affine<P>, neg: bool) -> Affine<P> {
    if neg {
        -p
    } else {
        p
    }
}

/// `Σ_b (b + 1)·bucket_b` by running sums.
fn weigh_buckets<P: SWCurveConfig>(
    buckets: impl DoubleEndedIterator<Item = Affine<P>>,
) -> Projective<P> {
    let mut running = Projective::<P>::zero();
    let mut total = Projective::<P>::zero();
    for b in buckets.rev() {
        running += &b;
        total += &running;
    }
    total
}

/// One window of a class: `Σ_i digit_{i,w}·(±P_i)`.
fn window_sum<P: SWCurveConfig>(bases: &[Affine<P>], class: &Class, w: usize) -> Projective<P> {
    let nb = 1usize << (class.c - 1);
    let n = class.idx.len();
    let digit = |i: usize| class.digits[i * class.windows + w];
    let mut counts = vec![0u32; nb];
    for i in 0..n {
        let d = digit(i);
        if d != 0 {
            counts[d.unsigned_abs() as usize - 1] += 1;
        }
    }
    let mut starts = Vec::with_capacity(nb);
    let mut acc = 0u32;
    for &c in &counts {
        starts.push(acc);
        acc += c;
    }
    let mut pts = vec![Affine::<P>::identity(); acc as usize];
    let mut next = starts.clone();
    for i in 0..n {
        let d = digit(i);
        if d != 0 {
            let b = d.unsigned_abs() as usize - 1;
            pts[next[b] as usize] = negate_if(bases[class.idx[i] as usize], (d < 0) ^ class.neg[i]);
            next[b] += 1;
        }
    }
    drop(next);
    reduce_segments(&mut pts, &starts, &mut counts);
    let sums = starts.iter().zip(&counts).map(|(&s, &l)| {
        if l > 0 {
            pts[s as usize]
        } else {
            Affine::identity()
        }
    });
    let v: Vec<_> = sums.collect();
    weigh_buckets(v.into_iter())
}

/// The sum `Σ ±P_i` over a chunk of the unit class.
fn unit_sum<P: SWCurveConfig>(bases: &[Affine<P>], idx: &[u32], neg: &[bool]) -> Projective<P> {
    let mut pts: Vec<Affine<P>> = idx
        .iter()
        .zip(neg)
        .map(|(&i, &n)| negate_if(bases[i as usize], n))
        .collect();
    if pts.is_empty() {
        return Projective::zero();
    }
    let mut lens = [pts.len() as u32];
    reduce_segments(&mut pts, &[0], &mut lens);
    pts[0].into()
}

fn build_class<P: SWCurveConfig>(
    scalars: &[BigIntOf<P>],
    members: Vec<(u32, bool)>,
    bits: usize,
    threads: usize,
) -> Class {
    let n = members.len();
    let c = window_for(n.max(1), bits).min(MAX_WINDOW);
    let windows = bits / c + 1;
    let mut digits = vec![0i16; n * windows];
    let modulus = <P::ScalarField as PrimeField>::MODULUS;
    let chunk = n.div_ceil(threads.max(1)).max(1);
    digits
        .par_chunks_mut(windows * chunk)
        .zip(members.par_chunks(chunk))
        .for_each(|(out, ms)| {
            for (o, &(i, neg)) in out.chunks_mut(windows).zip(ms) {
                let mut m = scalars[i as usize];
                if neg {
                    let mut r = modulus;
                    r.sub_with_borrow(&m);
                    m = r;
                }
                signed_digits(m.as_ref(), c, windows, o);
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

/// `Σ scalars[i]·bases[i]` over the shorter of the two slices.
pub fn msm<P: SWCurveConfig>(bases: &[Affine<P>], scalars: &[BigIntOf<P>]) -> Projective<P> {
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let mut half = <P::ScalarField as PrimeField>::MODULUS;
    half.div2();
    let modulus = <P::ScalarField as PrimeField>::MODULUS;

    // Class every scalar by the bit length of its (folded) magnitude:
    // (index, negate) into units, then < 2^16, < 2^32, < 2^64, and the rest.
    const CLASS_BITS: [usize; 4] = [16, 32, 64, 254];
    let threads = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(threads).max(1);
    type Members = Vec<(u32, bool)>;
    let parts: Vec<(Members, [Members; 4])> = scalars
        .par_chunks(chunk)
        .enumerate()
        .map(|(ci, ss)| {
            let mut u = Vec::new();
            let mut cl: [Members; 4] = Default::default();
            for (k, x) in ss.iter().enumerate() {
                if x.is_zero() {
                    continue;
                }
                let i = (ci * chunk + k) as u32;
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
                    let c = CLASS_BITS.iter().position(|&b| bits <= b).unwrap_or(3);
                    cl[c].push((i, neg));
                }
            }
            (u, cl)
        })
        .collect();
    let mut units = Vec::new();
    let mut members: [Members; 4] = Default::default();
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
        .map(|(m, bits)| build_class::<P>(scalars, m, bits, threads))
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
            .map(|i| match (kind + i) % 7 {
                0 => Fr::rand(rng),
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

    fn check<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], s: &[Fr]) {
        let bigints: Vec<_> = s.iter().map(|x| x.into_bigint()).collect();
        let ours = msm::<P>(bases, &bigints);
        let theirs = <Projective<P> as VariableBaseMSM>::msm(bases, s).unwrap();
        assert_eq!(ours.into_affine(), theirs.into_affine(), "n = {}", s.len());
    }

    fn random_bases<P: SWCurveConfig>(rng: &mut ChaCha20Rng, n: usize) -> Vec<Affine<P>> {
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
    fn digits_recompose() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        for c in 2..=MAX_WINDOW {
            for _ in 0..50 {
                let x = Fr::rand(&mut rng).into_bigint();
                let windows = 254 / c + 1;
                let mut d = vec![0i16; windows];
                signed_digits(x.as_ref(), c, windows, &mut d);
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
    }
}
