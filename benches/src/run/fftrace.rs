//! `cargo run --release -p zkcc-benches --bin fftrace -- LOG [RUNS]`
//!
//! The prover's quotient stage on a domain of `2^LOG` random evaluations:
//! zkcc's FFTs ([`zkcc_engine::fft`]) against `ark-poly`'s, for both
//! reductions (libsnark's seven FFTs, as stock `ark-groth16` keys need, and
//! snarkjs's six on the odd coset, as ceremony and `zkcc setup` keys need), interleaved, median
//! of RUNS (default 5), wall and CPU seconds. The two results are compared
//! on every run.
use crate::{cpu_seconds as cpu, median};
use ark_bn254::Fr;
use ark_std::UniformRand;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcc_engine::prove::{quotient_on, quotient_with_ark_poly, Reduction};

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log: u32 = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            eprintln!("usage: fftrace LOG [RUNS]");
            std::process::exit(2)
        });
    let runs: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let n = 1usize << log;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    println!(
        "quotient on 2^{log} points, {} threads, median of {runs} (wall; CPU-s)",
        rayon::current_num_threads()
    );
    println!("| reduction | ark-poly | zkcc | ratio |\n|---|---:|---:|---:|");
    for red in [Reduction::Libsnark, Reduction::OddCoset] {
        let (mut ark, mut ours, mut ark_cpu, mut ours_cpu) = (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let (c, t) = (cpu(), Instant::now());
            let theirs = quotient_with_ark_poly(n, red, a.clone(), b.clone()).expect("ark-poly");
            ark.push(t.elapsed().as_secs_f64());
            ark_cpu.push(cpu() - c);
            let (c, t) = (cpu(), Instant::now());
            let mine = quotient_on(n, red, a.clone(), b.clone()).expect("zkcc");
            ours.push(t.elapsed().as_secs_f64());
            ours_cpu.push(cpu() - c);
            assert_eq!(mine, theirs, "the two quotients differ");
        }
        let (x, y) = (median(ark), median(ours));
        println!(
            "| {red:?} | {x:.3} s; {:.2} | {y:.3} s; {:.2} | **{:.2}×** |",
            median(ark_cpu),
            median(ours_cpu),
            x / y
        );
    }
}
