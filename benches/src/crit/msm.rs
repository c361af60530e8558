//! MSM alone on seeded random inputs: `zkcc_engine::msm::msm` against
//! `ark-ec`'s `msm_bigint`, one group per curve and scalar kind, IDs
//! `msm-<curve>-<kind>/random/<log2 n>` and `.../<log2 n>-stock`.
//!
//! Kinds: `full` (uniform scalars, like the `H` query) and `witness`
//! (the mix of a Groth16 witness: 13% zero, 6% one, 1% small, 80% full;
//! `crate::msm_scalars` says where that mix comes from). Sizes: `ZKCC_BENCH_MSM_LOG=14,16`
//! (default), e.g. `=20` for 2^20 points.
//! Run: `cargo bench -p zkcc-benches --bench msm`.
use ark_bn254::{G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use criterion::{BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Duration;

/// The benches of this group (see the module docs).
pub fn bench(c: &mut Criterion) {
    let logs: Vec<usize> = std::env::var("ZKCC_BENCH_MSM_LOG")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if std::env::args().any(|a| a == "--bench") {
                vec![14, 16]
            } else {
                vec![10]
            }
        });
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for &k in &logs {
        let n = 1usize << k;
        let g1: Vec<_> = G1Projective::normalize_batch(
            &(0..n)
                .map(|_| G1Projective::rand(&mut rng))
                .collect::<Vec<_>>(),
        );
        let g2: Vec<_> = G2Projective::normalize_batch(
            &(0..n / 4)
                .map(|_| G2Projective::rand(&mut rng))
                .collect::<Vec<_>>(),
        );
        for kind in ["full", "witness"] {
            let s = crate::msm_scalars(&mut rng, n, kind == "witness");
            let mut g = c.benchmark_group(format!("msm-g1-{kind}"));
            g.sample_size(10).warm_up_time(Duration::from_secs(1));
            g.bench_function(BenchmarkId::new("random", k), |b| {
                b.iter(|| zkcc_engine::msm::msm(&g1, &s))
            });
            g.bench_function(BenchmarkId::new("random", format!("{k}-stock")), |b| {
                b.iter(|| G1Projective::msm_bigint(&g1, &s))
            });
            g.finish();
            let mut g = c.benchmark_group(format!("msm-g2-{kind}"));
            g.sample_size(10).warm_up_time(Duration::from_secs(1));
            let s2 = &s[..n / 4];
            g.bench_function(BenchmarkId::new("random", k - 2), |b| {
                b.iter(|| zkcc_engine::msm::msm(&g2, s2))
            });
            g.bench_function(
                BenchmarkId::new("random", format!("{}-stock", k - 2)),
                |b| b.iter(|| G2Projective::msm_bigint(&g2, s2)),
            );
            g.finish();
        }
    }
}
