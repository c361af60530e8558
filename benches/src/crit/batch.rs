//! Batch vs one-by-one verification of 64 request proofs (zkcc's single
//! verifier and stock ark-groth16's, both with the key prepared once), in
//! one group so the ratios come from one run:
//! `cargo bench -p zkcc-benches --bench batch`.
//!
//! The circuit is a small request circuit (2 shard slots × 3 entries):
//! verification cost does not depend on its size, only on the number of
//! public inputs (16). The 64 proofs are 8 honest proofs of 8 statements (the
//! standard fixture fleet under 8 blindings), each re-randomized 8 times
//! (distinct proofs, the same cost to verify).
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use criterion::{Criterion, Throughput};
use rand::rngs::{OsRng, StdRng};
use rand::SeedableRng;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::fixtures::Fleet;
use zkcc_circuits::shard::ShardShape;
use zkcc_verifier::batch::{BatchItem, PreparedKey};

const N: usize = 64;

/// The benches of this group (see the module docs).
pub fn bench(c: &mut Criterion) {
    let shard_shape = ShardShape::new(3, 4);
    let shape = RequestShape::new(2, 3);
    let mut rng = StdRng::seed_from_u64(1);
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(RequestCircuit::for_setup(shape), &mut rng)
            .expect("setup");
    let honest: Vec<BatchItem> = (0..8)
        .map(|i| {
            let f = Fleet::standard(shard_shape, shape, 500 + i as u64);
            let (statement, witness) = f.request;
            let circuit = RequestCircuit::with_witness(shape, statement, witness);
            BatchItem {
                inputs: statement.public_inputs(),
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
    g.bench_function(format!("verify-single/request/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                key.verify(&it.inputs, &it.proof).expect("valid");
            }
        })
    });
    // Baseline: stock ark-groth16, one by one, the key prepared once.
    let pvk = ark_groth16::prepare_verifying_key(&vk);
    g.bench_function(format!("verify-single-ark/request/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                assert!(
                    Groth16::<Bn254>::verify_proof(&pvk, &it.proof, &it.inputs).expect("verifies")
                );
            }
        })
    });
    // One by one with the key prepared (e(α, β), −γ, −δ) on every call.
    g.bench_function(format!("verify-single-unprepared/request/{N}"), |b| {
        b.iter(|| {
            for it in &items {
                PreparedKey::new(&vk)
                    .verify(&it.inputs, &it.proof)
                    .expect("valid");
            }
        })
    });
    g.bench_function(format!("verify-batch/request/{N}"), |b| {
        b.iter(|| key.verify_batch(&items, &mut OsRng).expect("valid"))
    });
    g.finish();
}
