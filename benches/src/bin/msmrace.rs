//! `cargo run --release -p zkcc-benches --bin msmrace -- LOG [RUNS]`
//!
//! One MSM at a time on seeded random inputs, zkcc's `msm::msm` and
//! `ark-ec`'s `msm_bigint` interleaved (so both see the same machine load):
//! G1 with uniform scalars (the `H` query), G1 with a Groth16 witness mix
//! (13% zero, 6% one, 1% 32-bit, 80% uniform, as measured on the cluster
//! circuit), and G2 with the witness mix over `2^LOG / 4` points (the `B`
//! query in G2 is about that size). Prints the median times and ratios.
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcc_benches::median;

fn scalars(rng: &mut ChaCha20Rng, n: usize, witness: bool) -> Vec<<Fr as PrimeField>::BigInt> {
    (0..n)
        .map(|_| {
            let x = if !witness {
                Fr::rand(rng)
            } else {
                match rng.gen_range(0..100) {
                    0..=12 => Fr::from(0u64),
                    13..=18 => Fr::from(1u64),
                    19 => Fr::from(rng.gen::<u32>()),
                    _ => Fr::rand(rng),
                }
            };
            x.into_bigint()
        })
        .collect()
}

fn race<G: PartialEq + std::fmt::Debug>(
    label: &str,
    runs: usize,
    mut ours: impl FnMut() -> G,
    mut theirs: impl FnMut() -> G,
) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let x = ours();
        a.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let y = theirs();
        b.push(t.elapsed().as_secs_f64());
        assert_eq!(x, y, "{label}: results differ");
    }
    let (a, b) = (median(a), median(b));
    println!(
        "{label:<28} zkcc {a:>8.3} s   ark-ec {b:>8.3} s   {:>5.2}x",
        b / a
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let log: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let n = 1usize << log;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let g1 = G1Projective::normalize_batch(
        &(0..n)
            .map(|_| G1Projective::rand(&mut rng))
            .collect::<Vec<_>>(),
    );
    let g2 = G2Projective::normalize_batch(
        &(0..n / 4)
            .map(|_| G2Projective::rand(&mut rng))
            .collect::<Vec<_>>(),
    );
    println!(
        "2^{log} G1 points, 2^{} G2 points, {} threads",
        log - 2,
        rayon::current_num_threads()
    );
    let full = scalars(&mut rng, n, false);
    race(
        "G1 uniform",
        runs,
        || zkcc_prover::msm::msm(&g1, &full).into_affine(),
        || G1Projective::msm_bigint(&g1, &full).into_affine(),
    );
    let wit = scalars(&mut rng, n, true);
    race(
        "G1 witness mix",
        runs,
        || zkcc_prover::msm::msm(&g1, &wit).into_affine(),
        || G1Projective::msm_bigint(&g1, &wit).into_affine(),
    );
    let w2 = &wit[..n / 4];
    race(
        "G2 witness mix",
        runs,
        || zkcc_prover::msm::msm(&g2, w2).into_affine(),
        || G2Projective::msm_bigint(&g2, w2).into_affine(),
    );
}
