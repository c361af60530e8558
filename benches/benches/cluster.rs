//! Criterion benches of the cluster claim, IDs `<stage>/cluster/<chips>`.
//!
//! For each capacity N (default 64 chips; `ZKCC_BENCH_CHIPS=64,256,1024` for
//! more, `ZKCC_BENCH_FACILITIES` for the facility slots, default 8), one
//! criterion group per stage, each holding zkcc's tuned code as
//! `<stage>/cluster/N` and stock arkworks on the same circuit and key as
//! `<stage>/cluster/N-stock`, so every ratio comes from one run
//! (`sample_size(10)`):
//! * `prove`: the whole proof, `prove::prove` against `Groth16::prove`;
//! * the stages alone —
//!   `witness` (tuned: native check + assignment; stock: synthesis with
//!   matrices and finalize), `check` (tuned: `A·z`, `B·z` against `C·z`),
//!   `fft` (the quotient `h`: stock's `witness_map` including the matrix
//!   products, tuned's seven FFTs), and `msm-a`, `msm-b1`, `msm-b2`, `msm-l`,
//!   `msm-h` (tuned: `zkcc_engine::msm`, stock: `ark-ec`'s `msm_bigint` on
//!   the full queries, as `ark-groth16` calls it);
//! * `setup/cluster/N` (matrices and Groth16 keys), only for
//!   capacities ≤ `ZKCC_BENCH_SETUP_MAX` (default 64; setup at 1,024 chips
//!   takes minutes per sample);
//! * `verify/cluster/N`.
//!
//! Run: `cargo bench -p zkcc-benches --bench cluster`. (Under `cargo test
//! --all-targets` each function runs once, at 8 chips.) The stock-vs-tuned table
//! with peak memory: `cargo run --release -p zkcc-benches --bin compare -- 1024`.
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_groth16::Groth16;
use ark_poly::GeneralEvaluationDomain;
use ark_snark::SNARK;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Duration;
use zkcc_benches::{full_fixture, stock_constraint_system};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_engine::prove::{self, ProverKey};

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs this binary without `--bench`: criterion
    // then runs every function once; a small capacity keeps that fast.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let sizes = env_list("ZKCC_BENCH_CHIPS", if bench_mode { &[64] } else { &[8] });
    let facilities = env_list("ZKCC_BENCH_FACILITIES", &[8])[0];
    let setup_max = env_list("ZKCC_BENCH_SETUP_MAX", &[64])[0];
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for &n in &sizes {
        let shape = ClusterShape {
            chips: n,
            facilities,
        };
        let f = full_fixture(n, facilities);
        let (pk, r1cs) = zkcc_prover::keys::setup_keys(&shape, &mut rng).unwrap();
        let tuned = ProverKey::new(pk.clone(), r1cs).unwrap();
        let circuit = ClusterCircuit {
            shape,
            statement: f.statement,
            witness: Some(f.witness.clone()),
        };
        let tuned_id = BenchmarkId::new("cluster", n);
        let stock_id = BenchmarkId::new("cluster", format!("{n}-stock"));
        fn group<'a>(
            c: &'a mut Criterion,
            name: &str,
        ) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
            let mut g = c.benchmark_group(name.to_string());
            g.sample_size(10).warm_up_time(Duration::from_secs(1));
            g
        }

        let mut g = group(c, "prove");
        g.bench_function(tuned_id.clone(), |b| {
            b.iter(|| prove::prove(&tuned, circuit.clone(), &mut rng).unwrap())
        });
        g.bench_function(stock_id.clone(), |b| {
            b.iter(|| Groth16::<Bn254>::prove(&pk, circuit.clone(), &mut rng).unwrap())
        });
        g.finish();

        // Inputs of the stages, computed once.
        let z = prove::assignment_checked(&circuit).unwrap();
        let zb: Vec<_> = z.iter().map(|x| x.into_bigint()).collect();
        let (a, b) = prove::evaluate_checked(&tuned, &z).unwrap();
        let h = prove::quotient(&tuned, a.clone(), b.clone()).unwrap();
        let hb: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
        let ni = pk.vk.gamma_abc_g1.len();
        let cs = stock_constraint_system(&circuit);

        let mut g = group(c, "witness");
        g.bench_function(tuned_id.clone(), |bch| {
            bch.iter(|| prove::assignment_checked(&circuit).unwrap())
        });
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| stock_constraint_system(&circuit))
        });
        g.finish();
        let mut g = group(c, "check");
        g.bench_function(tuned_id.clone(), |bch| {
            bch.iter(|| prove::evaluate_checked(&tuned, &z).unwrap())
        });
        g.finish();
        let mut g = group(c, "fft");
        g.bench_function(tuned_id.clone(), |bch| {
            bch.iter(|| prove::quotient(&tuned, a.clone(), b.clone()).unwrap())
        });
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| {
                LibsnarkReduction::witness_map::<Fr, GeneralEvaluationDomain<Fr>>(cs.clone())
                    .unwrap()
            })
        });
        g.finish();
        let mut g = group(c, "msm-a");
        g.bench_function(tuned_id.clone(), |bch| bch.iter(|| tuned.a.msm(&zb)));
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| G1Projective::msm_bigint(&pk.a_query[1..], &zb[1..]))
        });
        g.finish();
        let mut g = group(c, "msm-b1");
        g.bench_function(tuned_id.clone(), |bch| bch.iter(|| tuned.b_g1.msm(&zb)));
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| G1Projective::msm_bigint(&pk.b_g1_query[1..], &zb[1..]))
        });
        g.finish();
        let mut g = group(c, "msm-b2");
        g.bench_function(tuned_id.clone(), |bch| bch.iter(|| tuned.b_g2.msm(&zb)));
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| G2Projective::msm_bigint(&pk.b_g2_query[1..], &zb[1..]))
        });
        g.finish();
        let mut g = group(c, "msm-l");
        g.bench_function(tuned_id.clone(), |bch| bch.iter(|| tuned.l.msm(&zb)));
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| G1Projective::msm_bigint(&pk.l_query, &zb[ni..]))
        });
        g.finish();
        let mut g = group(c, "msm-h");
        g.bench_function(tuned_id.clone(), |bch| {
            bch.iter(|| zkcc_engine::msm::msm(&tuned.h, &hb))
        });
        g.bench_function(stock_id.clone(), |bch| {
            bch.iter(|| G1Projective::msm_bigint(&pk.h_query, &hb))
        });
        g.finish();
        drop(cs);

        if n <= setup_max {
            let mut g = group(c, "setup");
            g.bench_function(tuned_id.clone(), |bch| {
                bch.iter(|| zkcc_prover::keys::setup_keys(&shape, &mut rng).unwrap())
            });
            g.finish();
        }

        let proof = prove::prove(&tuned, circuit.clone(), &mut rng).unwrap();
        let inputs = f.statement.public_inputs();
        let pvk = Groth16::<Bn254>::process_vk(&pk.vk).unwrap();
        let mut g = c.benchmark_group("verify");
        g.bench_function(tuned_id, |bch| {
            bch.iter(|| {
                assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &proof).unwrap())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
