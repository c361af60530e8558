//! Batch vs one-by-one verification of 64 cluster proofs (zkcc's single
//! verifier and stock ark-groth16's, both with the key prepared once), in
//! one group so the ratios come from one run:
//! `cargo bench -p zkcc-verifier --bench batch`.
//!
//! The circuit shape is small (4 chips, 1 facility): verification cost does
//! not depend on it, only on the number of public inputs (5). The 64 proofs
//! are 8 honest proofs of 8 statements, each re-randomized 8 times (distinct
//! proofs, the same cost to verify).
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::{OsRng, StdRng};
use rand::SeedableRng;
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_verifier::batch::{BatchItem, PreparedKey};

const N: usize = 64;

fn bench(c: &mut Criterion) {
    let shape = ClusterShape {
        chips: 4,
        facilities: 1,
    };
    let mut rng = StdRng::seed_from_u64(1);
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(ClusterCircuit::for_setup(shape), &mut rng)
            .expect("setup");
    let honest: Vec<BatchItem> = (0..8)
        .map(|i| {
            let f = Fixture::new(shape, &[1 + i % 4], 500 + i as u64);
            let circuit = ClusterCircuit {
                shape,
                statement: f.statement,
                witness: Some(f.witness.clone()),
            };
            BatchItem {
                inputs: f.statement.public_inputs(),
                proof: Groth16::<Bn254>::prove(&pk, circuit, &mut rng).expect("prove"),
            }
        })
        .collect();
    let items: Vec<BatchItem> = (0..N)
        .map(|k| {
            let h = &honest[k % honest.len()];
            BatchItem {
                inputs: h.inputs.clone(),
                proof: Groth16::<Bn254>::rerandomize_proof(&vk, &h.proof, &mut rng),
            }
        })
        .collect();
    let key = PreparedKey::new(&vk);
    assert!(items
        .iter()
        .all(|it| key.verify(&it.inputs, &it.proof).is_ok()));

    let mut g = c.benchmark_group("batch-vs-single");
    g.sample_size(20);
    g.measurement_time(std::time::Duration::from_secs(10));
    g.throughput(Throughput::Elements(N as u64));
    // One by one with zkcc's verifier, the key prepared once.
    g.bench_function(format!("verify-single/cluster/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                key.verify(&it.inputs, &it.proof).expect("valid");
            }
        })
    });
    // Baseline: stock ark-groth16, one by one, the key prepared once.
    let pvk = ark_groth16::prepare_verifying_key(&vk);
    g.bench_function(format!("verify-single-ark/cluster/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                assert!(
                    Groth16::<Bn254>::verify_proof(&pvk, &it.proof, &it.inputs).expect("verifies")
                );
            }
        })
    });
    // One by one as `verify_statement` / `verify_bundle` do it: the key is
    // prepared (e(α, β), −γ, −δ) on every call.
    g.bench_function(format!("verify-single-unprepared/cluster/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                PreparedKey::new(&vk)
                    .verify(&it.inputs, &it.proof)
                    .expect("valid");
            }
        })
    });
    g.bench_function(format!("verify-batch/cluster/{N}"), |b| {
        b.iter(|| key.verify_batch(&items, &mut OsRng).expect("valid"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
