//! `cargo run --release -p zkcc-benches --bin msmrace -- LOG [RUNS]`
//!
//! One MSM at a time on seeded random inputs, zkcc's `msm::msm` and
//! `ark-ec`'s `msm_bigint` interleaved (so both see the same machine load):
//! G1 with uniform scalars (the `H` query), G1 with a Groth16 witness mix
//! (13% zero, 6% one, 1% 32-bit, 80% uniform: [`crate::msm_scalars`],
//! which says where that mix comes from), and G2 with the witness mix over `2^LOG / 4` points (the `B`
//! query in G2 is about that size). Prints the median times and ratios.
use crate::{cpu_seconds as cpu_s, median};
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;

fn race<G: PartialEq + std::fmt::Debug>(
    label: &str,
    runs: usize,
    mut ours: impl FnMut() -> G,
    mut theirs: impl FnMut() -> G,
) {
    let (mut a, mut b, mut ca, mut cb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_s());
        let x = ours();
        a.push(t.elapsed().as_secs_f64());
        ca.push(cpu_s() - c);
        let (t, c) = (Instant::now(), cpu_s());
        let y = theirs();
        b.push(t.elapsed().as_secs_f64());
        cb.push(cpu_s() - c);
        assert_eq!(x, y, "{label}: results differ");
    }
    let (a, b, ca, cb) = (median(a), median(b), median(ca), median(cb));
    println!(
        "{label:<16} wall: zkcc {a:>7.3} s ark-ec {b:>7.3} s {:>5.2}x | CPU: zkcc {ca:>7.2} s ark-ec {cb:>7.2} s {:>5.2}x",
        b / a,
        cb / ca
    );
}

/// GLV, measured: each uniform scalar split as `k = k1 + λ·k2` (halves of
/// ~128 bits), the MSM then runs over `(P_i, φ(P_i))` with the halves: twice
/// the points, half the bits. Prints the MSM on the split input against the
/// MSM on the original (decomposition and `φ` excluded: the best case).
fn glv_experiment(g1: &[ark_bn254::G1Affine], full: &[<Fr as PrimeField>::BigInt]) {
    use ark_ec::scalar_mul::glv::GLVConfig;
    use ark_ec::AffineRepr;
    type C = ark_bn254::g1::Config;
    let (mut bases, mut ks) = (Vec::new(), Vec::new());
    for (p, s) in g1.iter().zip(full) {
        let ((s1, k1), (s2, k2)) = C::scalar_decomposition(Fr::from_bigint(*s).unwrap());
        let q = C::endomorphism_affine(p);
        bases.push(if s1 { *p } else { -*p });
        ks.push(k1.into_bigint());
        bases.push(if s2 { q } else { -q });
        ks.push(k2.into_bigint());
    }
    let bits = ks.iter().map(|k| k.num_bits()).max().unwrap_or(0);
    let mut t = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let c = cpu_s();
        let x = zkcc_engine::msm::msm(&bases, &ks).into_affine();
        t.0.push(cpu_s() - c);
        let c = cpu_s();
        let y = zkcc_engine::msm::msm(g1, full).into_affine();
        t.1.push(cpu_s() - c);
        assert_eq!(x, y);
        let _ = x.is_zero();
    }
    let (a, b) = (median(t.0), median(t.1));
    println!("GLV (G1 uniform, halves ≤ {bits} bits): {a:.2} CPU-s against {b:.2} CPU-s without ({:.2}x)", b / a);
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().collect();
    let log: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let n = 1usize << log;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    // Bases: a random point and its successive sums with another (distinct,
    // unrelated to the scalars, and far cheaper to make than 2^LOG random
    // scalar multiplications).
    fn walk<G: CurveGroup>(rng: &mut ChaCha20Rng, n: usize) -> Vec<G::Affine> {
        let (mut p, step) = (G::rand(rng), G::rand(rng));
        let v: Vec<G> = (0..n)
            .map(|_| {
                p += step;
                p
            })
            .collect();
        G::normalize_batch(&v)
    }
    let g1 = walk::<G1Projective>(&mut rng, n);
    let g2 = walk::<G2Projective>(&mut rng, n / 4);
    println!(
        "2^{log} G1 points, 2^{} G2 points, {} threads",
        log - 2,
        rayon::current_num_threads()
    );
    let full = crate::msm_scalars(&mut rng, n, false);
    if std::env::var("ZKCC_MSMRACE_OURS").is_ok() {
        // Profiling aid: only zkcc's MSM, uniform scalars.
        for _ in 0..runs {
            let (t, c) = (Instant::now(), cpu_s());
            let _ = std::hint::black_box(zkcc_engine::msm::msm(&g1, &full));
            println!(
                "zkcc G1 uniform: {:.3} s, {:.2} CPU-s",
                t.elapsed().as_secs_f64(),
                cpu_s() - c
            );
        }
        return;
    }
    race(
        "G1 uniform",
        runs,
        || zkcc_engine::msm::msm(&g1, &full).into_affine(),
        || G1Projective::msm_bigint(&g1, &full).into_affine(),
    );
    glv_experiment(&g1, &full);
    let wit = crate::msm_scalars(&mut rng, n, true);
    race(
        "G1 witness mix",
        runs,
        || zkcc_engine::msm::msm(&g1, &wit).into_affine(),
        || G1Projective::msm_bigint(&g1, &wit).into_affine(),
    );
    let w2 = &wit[..n / 4];
    race(
        "G2 witness mix",
        runs,
        || zkcc_engine::msm::msm(&g2, w2).into_affine(),
        || G2Projective::msm_bigint(&g2, w2).into_affine(),
    );
}
