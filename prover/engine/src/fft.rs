//! The prover's FFTs over BN254's scalar field: cache-blocked, in place, no
//! bit-reversal passes.
//!
//! Groth16's quotient takes the evaluations of `A·z`, `B·z` (and `C·z`) on the
//! domain `H` of size `n`, interpolates them, and evaluates them again on a
//! coset `g·H`. `ark-poly` does each FFT as twenty passes over the whole
//! vector (one per layer) plus a bit-reversal pass, and recomputes its roots
//! on every call. Here:
//!
//! * **No bit reversal.** The inverse FFT is decimation-in-frequency
//!   (natural order in, bit-reversed out) and the forward one
//!   decimation-in-time (bit-reversed in, natural out), so an
//!   interpolate-then-evaluate pair never permutes. The coset shift `g^i` and
//!   the `1/n` of the interpolation are one multiplication per coefficient by
//!   a table built directly in bit-reversed order ([`bitrev_powers`]), folded
//!   into the forward FFT's first, cache-resident stage.
//! * **Cache blocking.** Layers whose butterflies stay within a block of
//!   [`BLOCK`] elements (512 KiB) run block by block, all of them while the
//!   block is in cache; only the `log₂(n/BLOCK)` wide layers stream the whole
//!   vector. At `n = 2^20` that is 6 + 1 passes instead of 20 + 1.
//! * **One twiddle table per domain** ([`Domain`]), layer by layer
//!   contiguous; the inverse twiddles are read from it backwards
//!   (`ω^{−j} = −ω^{m−j}` in a layer of `2m` points), not stored.
//! * **Eight butterflies per instruction** where the CPU has AVX-512 IFMA
//!   ([`crate::ifma`]; `ZKCC_IFMA=0` switches it off): a scalar `Fr` product
//!   costs ≈ 14 ns here, eight on IFMA lanes ≈ 4 ns each, so the quotient at
//!   2^20 takes about half the time of the scalar butterflies (`fftrace`).
//!   Runs shorter than eight (the three narrowest layers) and run tails stay
//!   scalar.
//!
//! Every function is checked against `ark-poly` in the tests (and the prover's
//! quotient against the `ark-poly` one kept in [`crate::prove`]).
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;

use crate::ifma::{self, Ifma};
use crate::mont::{fr_add, fr_mul, fr_sub};

/// Elements per cache block (32 bytes each: 512 KiB).
pub const BLOCK: usize = 1 << 14;
/// Butterflies per parallel task in a wide layer.
const CHUNK: usize = 1 << 11;

/// A power-of-two domain `H = ⟨ω⟩` of size `n` and its twiddles.
pub struct Domain {
    n: usize,
    /// `tw[m − 1 + j] = ω_{2m}^j` for every layer half-size `m = 1, 2, …, n/2`
    /// and `j < m` (`n − 1` entries).
    tw: Vec<Fr>,
    /// The butterflies run eight per instruction where the CPU has IFMA.
    ifma: Option<Ifma>,
}

/// `start · g^{rev(j)}` for `j < n` (`rev` the bit reversal of `log₂ n`
/// bits), in `n` multiplications: the table for `k` bits is the one for
/// `k − 1` bits with base `g²`, followed by it times `g`.
pub fn bitrev_powers(g: Fr, n: usize, start: Fr) -> Vec<Fr> {
    assert!(n.is_power_of_two(), "domain size {n} is not a power of two");
    let log = n.trailing_zeros();
    let mut out = Vec::with_capacity(n);
    out.push(start);
    // Bases g^(2^l) for l = log−1 down to 0.
    let mut bases = Vec::with_capacity(log as usize);
    let mut b = g;
    for _ in 0..log {
        bases.push(b);
        b.square_in_place();
    }
    for &b in bases.iter().rev() {
        let len = out.len();
        let ext: Vec<Fr> = out
            .par_iter()
            .with_min_len(1 << 12)
            .map(|x| *x * b)
            .collect();
        debug_assert_eq!(ext.len(), len);
        out.extend(ext);
    }
    out
}

/// `x[j] ↔ x[rev(j)]` for a power-of-two length.
pub fn bitrev_permute(x: &mut [Fr]) {
    let n = x.len();
    if n <= 2 {
        return;
    }
    let shift = usize::BITS - n.trailing_zeros();
    for j in 0..n {
        let r = j.reverse_bits() >> shift;
        if j < r {
            x.swap(j, r);
        }
    }
}

impl Domain {
    /// The domain of size `n` (a power of two, `2 ≤ n ≤ 2^28`), or `None`.
    pub fn new(n: usize) -> Option<Self> {
        if !n.is_power_of_two() || n < 2 || n.trailing_zeros() > Fr::TWO_ADICITY {
            return None;
        }
        let omega = Fr::get_root_of_unity(n as u64)?;
        let half = n / 2;
        // Top layer: ω^j for j < n/2, in parallel runs from ω^start.
        let mut top = vec![Fr::one(); half];
        top.par_chunks_mut(CHUNK).enumerate().for_each(|(k, c)| {
            let mut w = omega.pow([(k * CHUNK) as u64]);
            for x in c {
                *x = w;
                w *= omega;
            }
        });
        // Lower layers: ω_{2m}^j = ω_{4m}^{2j}.
        let mut tw = vec![Fr::one(); n - 1];
        tw[half - 1..].copy_from_slice(&top);
        let mut m = half / 2;
        while m >= 1 {
            let (lo, hi) = tw.split_at_mut(2 * m - 1);
            let upper = &hi[..2 * m];
            for (j, t) in lo[m - 1..].iter_mut().enumerate() {
                *t = upper[2 * j];
            }
            m /= 2;
        }
        Some(Self {
            n,
            tw,
            ifma: Ifma::detect(),
        })
    }

    /// The size `n`.
    pub fn size(&self) -> usize {
        self.n
    }

    fn layer(&self, m: usize) -> &[Fr] {
        &self.tw[m - 1..2 * m - 1]
    }

    /// `x[k] ← Σ_i x[i]·ω^{−ik}` (an inverse DFT without the `1/n`), natural
    /// order in, bit-reversed order out. Panics if `x.len() ≠ n`.
    pub fn ifft_unscaled_to_bitrev(&self, x: &mut [Fr]) {
        assert_eq!(x.len(), self.n, "vector of the domain's size");
        let n = self.n;
        let mut m = n / 2;
        let tok = self.ifma;
        while m >= BLOCK {
            let t = self.layer(m);
            x.par_chunks_mut(2 * m).for_each(|g| {
                let (lo, hi) = g.split_at_mut(m);
                lo.par_chunks_mut(CHUNK)
                    .zip(hi.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(|(k, (lo, hi))| dif_inv_run(tok, lo, hi, t, m, k * CHUNK));
            });
            m /= 2;
        }
        let block = BLOCK.min(n);
        x.par_chunks_mut(block).for_each(|b| {
            let mut m = block / 2;
            while m >= 1 {
                let t = self.layer(m);
                for g in b.chunks_mut(2 * m) {
                    let (lo, hi) = g.split_at_mut(m);
                    dif_inv_run(tok, lo, hi, t, m, 0);
                }
                m /= 2;
            }
        });
    }

    /// `x[k] ← Σ_i scale[i]·x[i]·ω^{ik}` where `x` and `scale` are in
    /// bit-reversed order and the result in natural order (a forward DFT).
    /// Panics if a length is not `n`.
    pub fn fft_from_bitrev_scaled(&self, x: &mut [Fr], scale: &[Fr]) {
        assert_eq!(x.len(), self.n, "vector of the domain's size");
        assert_eq!(scale.len(), self.n, "scale of the domain's size");
        let n = self.n;
        let block = BLOCK.min(n);
        let tok = self.ifma;
        x.par_chunks_mut(block)
            .zip(scale.par_chunks(block))
            .for_each(|(b, s)| {
                match tok {
                    Some(tok) => ifma::fr_mul_assign(tok, b, s),
                    None => b.iter_mut().zip(s).for_each(|(v, s)| *v = fr_mul(v, s)),
                }
                let mut m = 1;
                while m < block {
                    let t = self.layer(m);
                    for g in b.chunks_mut(2 * m) {
                        let (lo, hi) = g.split_at_mut(m);
                        dit_run(tok, lo, hi, &t[..m], true);
                    }
                    m *= 2;
                }
            });
        let mut m = block;
        while m < n {
            let t = self.layer(m);
            x.par_chunks_mut(2 * m).for_each(|g| {
                let (lo, hi) = g.split_at_mut(m);
                lo.par_chunks_mut(CHUNK)
                    .zip(hi.par_chunks_mut(CHUNK))
                    .zip(t.par_chunks(CHUNK))
                    .enumerate()
                    .for_each(|(k, ((lo, hi), t))| dit_run(tok, lo, hi, t, k == 0));
            });
            m *= 2;
        }
    }

    /// Evaluations on `H` (natural order) → evaluations on the coset `g·H`
    /// (natural order), in place: two FFTs, no permutation. `scale` is
    /// [`bitrev_powers`]`(g, n, 1/n)`.
    pub fn to_coset(&self, x: &mut [Fr], scale: &[Fr]) {
        self.ifft_unscaled_to_bitrev(x);
        self.fft_from_bitrev_scaled(x, scale);
    }
}

/// Decimation-in-frequency inverse butterflies over one run of a layer of
/// half-size `m`: `(u, v) → (u + v, (u − v)·ω_{2m}^{−j})` for `j = j0, j0 + 1, …`,
/// with `ω_{2m}^{−j} = −ω_{2m}^{m−j}` read from the layer's table `t`.
/// With IFMA, eight butterflies per instruction.
#[inline]
fn dif_inv_run(tok: Option<Ifma>, lo: &mut [Fr], hi: &mut [Fr], t: &[Fr], m: usize, j0: usize) {
    if let (Some(tok), false) = (tok, lo.is_empty()) {
        let len = lo.len();
        // `ω^0`: no twiddle (and none stored at `t[m]`).
        let k0 = usize::from(j0 == 0);
        if k0 == 1 {
            let (a, b) = (lo[0], hi[0]);
            lo[0] = a + b;
            hi[0] = a - b;
        }
        // Pair `k` takes `t[m − j0 − k]`: the run of twiddles backwards.
        let trev = &t[m + 1 - j0 - len..m + 1 - j0 - k0];
        ifma::fr_dif_rev(tok, &mut lo[k0..], &mut hi[k0..], trev);
        return;
    }
    // Branch-free sums and differences (`crate::mont`): `ark-ff`'s branch
    // on a comparison of random values, mispredicted half the time.
    for (k, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
        let j = j0 + k;
        let (a, b) = (*u, *v);
        *u = fr_add(&a, &b);
        *v = if j == 0 {
            fr_sub(&a, &b)
        } else {
            fr_mul(&fr_sub(&b, &a), &t[m - j])
        };
    }
}

/// Decimation-in-time butterflies: `(u, v) → (u + w·v, u − w·v)`; when the
/// run starts a group (`starts`), its first twiddle is `ω^0 = 1`: no
/// multiplication (a tenth of a forward FFT's multiplications).
/// With IFMA, eight butterflies per instruction.
#[inline]
fn dit_run(tok: Option<Ifma>, lo: &mut [Fr], hi: &mut [Fr], t: &[Fr], starts: bool) {
    let skip = if starts && !lo.is_empty() {
        let (a, b) = (lo[0], hi[0]);
        lo[0] = a + b;
        hi[0] = a - b;
        1
    } else {
        0
    };
    if let Some(tok) = tok {
        ifma::fr_dit(tok, &mut lo[skip..], &mut hi[skip..], &t[skip..]);
        return;
    }
    for ((u, v), w) in lo[skip..]
        .iter_mut()
        .zip(hi[skip..].iter_mut())
        .zip(&t[skip..])
    {
        let wv = fr_mul(v, w);
        let a = *u;
        *u = fr_add(&a, &wv);
        *v = fr_sub(&a, &wv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rev(j: usize, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            j.reverse_bits() >> (usize::BITS - n.trailing_zeros())
        }
    }

    #[test]
    fn bitrev_tables_and_permutation() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in [1usize, 2, 4, 8, 1 << 10] {
            let (g, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let t = bitrev_powers(g, n, s);
            for (j, tj) in t.iter().enumerate() {
                assert_eq!(*tj, s * g.pow([rev(j, n) as u64]), "n {n} j {j}");
            }
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut y = x.clone();
            bitrev_permute(&mut y);
            for j in 0..n {
                assert_eq!(y[j], x[rev(j, n)]);
            }
        }
    }

    /// Sizes below, at and above one block, so that both the blocked and the
    /// wide layers run (2^16 = four blocks, two wide layers).
    const SIZES: [usize; 6] = [2, 4, 64, BLOCK / 2, BLOCK, 4 * BLOCK];

    /// The domain of size `n` on the IFMA path (where the CPU has it) and on
    /// the scalar path.
    fn both_paths(n: usize) -> Vec<Domain> {
        let d = Domain::new(n).unwrap();
        let mut out = vec![Domain {
            n,
            tw: d.tw.clone(),
            ifma: None,
        }];
        if d.ifma.is_some() {
            out.push(d);
        } else {
            eprintln!("no AVX-512 IFMA on this CPU: the scalar path only");
        }
        out
    }

    /// Every size of [`SIZES`] on both paths.
    fn every_size_and_path() -> impl Iterator<Item = (usize, Domain)> {
        SIZES
            .into_iter()
            .flat_map(|n| both_paths(n).into_iter().map(move |d| (n, d)))
    }

    #[test]
    fn inverse_and_forward_match_ark_poly() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        for (n, d) in every_size_and_path() {
            let ark = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            // Inverse: ark's ifft times n, in bit-reversed order.
            let mut ours = x.clone();
            d.ifft_unscaled_to_bitrev(&mut ours);
            let theirs = ark.ifft(&x);
            let nf = Fr::from(n as u64);
            for j in 0..n {
                assert_eq!(ours[j], theirs[rev(j, n)] * nf, "ifft n {n} j {j}");
            }
            // Forward with a scale: ark's fft of the scaled natural vector.
            let s: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut ours = x.clone();
            d.fft_from_bitrev_scaled(&mut ours, &s);
            let natural: Vec<Fr> = (0..n).map(|i| x[rev(i, n)] * s[rev(i, n)]).collect();
            assert_eq!(ours, ark.fft(&natural), "fft n {n}");
        }
    }

    #[test]
    fn to_coset_matches_ark_poly() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for (n, d) in every_size_and_path() {
            let ark = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
            let g = Fr::rand(&mut rng);
            let coset = ark.get_coset(g).unwrap();
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut ours = x.clone();
            let nf = Fr::from(n as u64);
            d.to_coset(&mut ours, &bitrev_powers(g, n, nf.inverse().unwrap()));
            assert_eq!(ours, coset.fft(&ark.ifft(&x)), "n {n}");
        }
    }

    #[test]
    fn refuses_sizes_that_are_not_domains() {
        for n in [0usize, 1, 3, 12, 1 << 29] {
            assert!(Domain::new(n).is_none(), "n {n}");
        }
    }
}
