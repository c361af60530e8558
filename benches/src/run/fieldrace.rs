//! `cargo run --release -p zkcc-benches --bin fieldrace -- [MILLIONS]`
//!
//! What one BN254 base-field multiplication costs here, three ways, in ns
//! per product (latency: one dependent chain; throughput: independent
//! chains):
//!
//! * `ark-bn254`'s `Fq` product as `ark-ff` 0.6 runs it: its derived
//!   `MontConfig` brings its own `mul_assign` (CIOS, no-carry variant, in
//!   Rust), so `ark-ff`'s `asm` product (mulx/adcx/adox) is never reached —
//!   the release binaries hold no `adcx`/`adox` at all;
//! * the same Montgomery product in plain Rust, always inlined;
//! * `zkcc_engine::mont`'s product: `mulx` with two carry chains
//!   (`adcx`/`adox`) in one `asm!` block, always inlined, as the scalar
//!   batch-affine additions and FFTs use it;
//! * eight products at once with AVX-512 IFMA (`vpmadd52luq/huq`, five
//!   52-bit limbs per element, limb-sliced across the eight lanes, Montgomery
//!   with `R = 2^260` and lazy reduction: inputs and outputs below `2p`).
//!
//! Every result is checked against `ark-ff` (random inputs; the chains' final
//! values after millions of steps). The IFMA path runs only where the CPU
//! has `avx512ifma`.
use ark_bn254::{Fq, FqConfig};
use ark_ff::{BigInt, BigInteger, Field, MontConfig, One, PrimeField, UniformRand};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::hint::black_box;
use std::time::Instant;

const P: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;
const INV: u64 = <FqConfig as MontConfig<4>>::INV;

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a·b·2^−256 mod p` on Montgomery limbs (the top limb of BN254's `p` is
/// below `2^63 − 1`, so no intermediate carry is lost), fully reduced.
#[inline(always)]
fn cios(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut r = [0u64; 4];
    for &bi in b {
        let (r0, mut c1) = mac(r[0], a[0], bi, 0);
        let k = r0.wrapping_mul(INV);
        let (_, mut c2) = mac(r0, k, P[0], 0);
        for j in 1..4 {
            let (x, c) = mac(r[j], a[j], bi, c1);
            c1 = c;
            let (y, c) = mac(x, k, P[j], c2);
            c2 = c;
            r[j - 1] = y;
        }
        r[3] = c1.wrapping_add(c2);
    }
    let mut s = [0u64; 4];
    let mut borrow = false;
    for j in 0..4 {
        let (d, b1) = r[j].overflowing_sub(P[j]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        s[j] = d;
        borrow = b1 | b2;
    }
    if borrow {
        r
    } else {
        s
    }
}

fn fmul(a: Fq, b: &Fq) -> Fq {
    Fq::new_unchecked(BigInt(cios(&(a.0).0, &(b.0).0)))
}

fn ns(n: usize, f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e9 / n as f64
}

#[cfg(target_arch = "x86_64")]
mod ifma {
    //! Eight Montgomery products in `Fq` at once (see the binary's docs).
    use super::{INV, P};
    use std::arch::x86_64::*;

    pub use zkcc_engine::ifma::{to52, to64, MASK};
    /// Eight field elements, limb `j` of lane `k` in `v[j][k]`.
    pub type Vec8 = [__m512i; 5];

    pub fn pack(xs: &[[u64; 4]; 8]) -> Vec8 {
        let l: Vec<[u64; 5]> = xs.iter().map(to52).collect();
        // SAFETY: `_mm512_loadu_si512` reads 64 bytes from a `[u64; 8]`.
        std::array::from_fn(|j| {
            let lane: [u64; 8] = std::array::from_fn(|k| l[k][j]);
            unsafe { _mm512_loadu_si512(lane.as_ptr().cast()) }
        })
    }

    pub fn unpack(v: &Vec8) -> [[u64; 5]; 8] {
        let mut lanes = [[0u64; 8]; 5];
        for (j, l) in lanes.iter_mut().enumerate() {
            // SAFETY: writes 64 bytes into a `[u64; 8]`.
            unsafe { _mm512_storeu_si512(l.as_mut_ptr().cast(), v[j]) };
        }
        std::array::from_fn(|k| std::array::from_fn(|j| lanes[j][k]))
    }

    pub struct Consts {
        p: Vec8,
        pinv: __m512i,
        mask: __m512i,
    }

    pub fn consts() -> Consts {
        let p = to52(&P);
        // SAFETY: plain register broadcasts (AVX-512F, checked by callers).
        unsafe {
            Consts {
                p: std::array::from_fn(|j| _mm512_set1_epi64(p[j] as i64)),
                pinv: _mm512_set1_epi64((INV & MASK) as i64),
                mask: _mm512_set1_epi64(MASK as i64),
            }
        }
    }

    /// `a·b·2^−260 mod p` lane-wise, for limbs normalized below `2^52` and
    /// values below `2p`; the result is normalized and below `2p`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn mul(a: &Vec8, b: &Vec8, c: &Consts) -> Vec8 {
        let z = _mm512_setzero_si512();
        let mut t = zkcc_engine::ifma::wide_product(a, b);
        for i in 0..5 {
            let m = _mm512_madd52lo_epu64(z, t[i], c.pinv);
            for j in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, c.p[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, c.p[j]);
            }
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64(t[i], 52));
        }
        for k in 5..9 {
            t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64(t[k], 52));
            t[k] = _mm512_and_si512(t[k], c.mask);
        }
        [t[5], t[6], t[7], t[8], t[9]]
    }

    /// `chains` independent chains `x ← x·b`, `n` steps each.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn chains<const K: usize>(xs: &mut [Vec8; K], b: &Vec8, c: &Consts, n: usize) {
        for _ in 0..n {
            for x in xs.iter_mut() {
                *x = mul(x, b, c);
            }
        }
    }
}

/// Canonical integer of `x·2^−260` (what the IFMA chains compute in the
/// `R = 2^260` domain, starting from canonical integers).
fn ifma_expected(a: Fq, b: Fq, steps: usize) -> BigInt<4> {
    let r_inv = Fq::from(2u64)
        .pow([260])
        .inverse()
        .expect("2 is invertible");
    let f = b * r_inv;
    (a * f.pow([steps as u64])).into_bigint()
}

fn reduce52(l: &[u64; 5]) -> BigInt<4> {
    let mut x = BigInt(ifma::to64(l));
    if x >= BigInt(P) {
        x.sub_with_borrow(&BigInt(P));
    }
    x
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let m: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let n = m * 1_000_000;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    for _ in 0..1000 {
        let (x, y) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
        assert_eq!(fmul(x, &y), x * y, "inlined CIOS disagrees with ark-ff");
    }
    let ifma_ok = std::arch::is_x86_feature_detected!("avx512ifma")
        && std::arch::is_x86_feature_detected!("avx512f");
    println!("BN254 Fq products, {m} M per measurement; ns per product");
    for round in 0..3 {
        let mut out = Vec::new();
        let (mut x, mut y) = (a, a);
        let lat_ark = ns(n, || {
            for _ in 0..n {
                x *= &b;
            }
        });
        let lat_own = ns(n, || {
            for _ in 0..n {
                y = fmul(y, &b);
            }
        });
        let mut w = a;
        let lat_asm = ns(n, || {
            for _ in 0..n {
                w = zkcc_engine::mont::fq_mul(&w, &b);
            }
        });
        assert_eq!(black_box(x), y);
        assert_eq!(x, w, "mulx product disagrees with ark-ff");
        out.push(format!(
            "latency: ark-ff {lat_ark:.2}, inlined {lat_own:.2}, mulx {lat_asm:.2}"
        ));
        let mut xs = [a, b, a + b, a - b];
        let mut ys = xs;
        let thr_ark = ns(n, || {
            for _ in 0..n / 4 {
                for x in xs.iter_mut() {
                    *x *= &b;
                }
            }
        });
        let thr_own = ns(n, || {
            for _ in 0..n / 4 {
                for y in ys.iter_mut() {
                    *y = fmul(*y, &b);
                }
            }
        });
        let mut ws = [a, b, a + b, a - b];
        let thr_asm = ns(n, || {
            for _ in 0..n / 4 {
                for w in ws.iter_mut() {
                    *w = zkcc_engine::mont::fq_mul(w, &b);
                }
            }
        });
        assert_eq!(black_box(xs), ys);
        assert_eq!(xs, ws, "mulx product disagrees with ark-ff");
        out.push(format!(
            "4 chains: ark-ff {thr_ark:.2}, inlined {thr_own:.2}, mulx {thr_asm:.2}"
        ));
        if ifma_ok {
            let c = ifma::consts();
            let starts: Vec<Fq> = (0..32).map(|_| Fq::rand(&mut rng)).collect();
            let lanes = |k: usize| -> [[u64; 4]; 8] {
                std::array::from_fn(|l| starts[8 * k + l].into_bigint().0)
            };
            let bv = ifma::pack(&[b.into_bigint().0; 8]);
            let mut vs: [ifma::Vec8; 4] = std::array::from_fn(|k| ifma::pack(&lanes(k)));
            let steps = n / 32;
            // SAFETY: the CPU has AVX-512F and IFMA (checked above).
            let t = ns(n, || unsafe { ifma::chains(&mut vs, &bv, &c, steps) });
            for (k, v) in vs.iter().enumerate() {
                for (l, limbs) in ifma::unpack(v).iter().enumerate() {
                    assert_eq!(
                        reduce52(limbs),
                        ifma_expected(starts[8 * k + l], b, steps),
                        "IFMA lane {l} of chain {k} disagrees with ark-ff"
                    );
                }
            }
            out.push(format!("IFMA 8 lanes x 4 chains {t:.2}"));
        }
        // One inversion (`ark-ff`'s binary extended Euclid), as each batch of
        // the batch-affine MSM pays once.
        let inv_n = n / 200;
        let mut z = a;
        let inv = ns(inv_n, || {
            for _ in 0..inv_n {
                z = z.inverse().expect("nonzero") + Fq::one();
            }
        });
        let mut w = a;
        let own = ns(inv_n, || {
            for _ in 0..inv_n {
                w = zkcc_engine::inv::fq_inverse(&w).expect("nonzero") + Fq::one();
            }
        });
        assert_eq!(black_box(z), w, "divsteps inversion disagrees with ark-ff");
        out.push(format!("inversion: ark-ff {inv:.0}, divsteps {own:.0}"));
        println!("round {round}: {}", out.join(" | "));
    }
}
