//! Criterion benches of the cluster claim: `<stage>/cluster/<chips>`.
//!
//! `prove/cluster/N` (zkcc's prover: native check, constraint check, Groth16
//! from the synthesized matrices) sits in one group with
//! `prove-stock/cluster/N` (stock `Groth16::prove` on the same circuit and key),
//! so the ratio comes from one run. Run: `cargo bench -p zkcc-benches --bench cluster`.
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcc_benches::full_fixture;
use zkcc_circuits::cluster::constraints::ClusterCircuit;

fn bench(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("ZKCC_BENCH_CHIPS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![16]);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut g = c.benchmark_group("cluster");
    g.sample_size(10);
    for &n in &sizes {
        let f = full_fixture(n, 4);
        let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(ClusterCircuit::for_setup(f.shape), &mut rng).unwrap();
        let circuit = ClusterCircuit { shape: f.shape, statement: f.statement, witness: Some(f.witness.clone()) };
        g.bench_with_input(BenchmarkId::new("prove", n), &n, |b, _| {
            b.iter(|| zkcc_prover::prove::prove(&pk, circuit.clone(), &mut rng).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("prove-stock", n), &n, |b, _| {
            b.iter(|| Groth16::<Bn254>::prove(&pk, circuit.clone(), &mut rng).unwrap())
        });
        let proof = Groth16::<Bn254>::prove(&pk, circuit.clone(), &mut rng).unwrap();
        let inputs = f.statement.public_inputs();
        g.bench_with_input(BenchmarkId::new("verify", n), &n, |b, _| {
            b.iter(|| assert!(Groth16::<Bn254>::verify(&vk, &inputs, &proof).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
