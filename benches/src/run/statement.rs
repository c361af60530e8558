//! `cargo run --release -p zkcc-benches --bin statement -- [SHARD] [REQUEST] [RUNS]`
//! (defaults `shard-8x128 request-16x8 3`)
//!
//! The accountable statement's provers on this machine: for a full shard (every
//! facility slot holding a full chunk) and a request over it, the constraint
//! count, setup time, and the median of RUNS proofs by zkcc's tuned prover
//! against stock `ark-groth16` on the same circuit, key and witness, alternating
//! in one process so that both see the same load; peak resident memory of the
//! tuned shard proof; and the agency's verification of the submission.
use crate::median;
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_engine::mem;
use zkcc_engine::prove::prove_assignment;
use zkcc_prover::claims::{request_assignment, shard_assignment};
use zkcc_prover::keys::{setup_keys_of, setup_prover_key_of, Circuit};

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shard =
        Circuit::parse(args.get(1).map_or("shard-8x128", |s| s.as_str())).expect("shard circuit");
    let request = Circuit::parse(args.get(2).map_or("request-16x8", |s| s.as_str()))
        .expect("request circuit");
    let runs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let (Circuit::Shard(ss), Circuit::Request(rs)) = (shard, request) else {
        panic!("usage: statement shard-FxM request-SxF [RUNS]")
    };
    let threads = rayon::current_num_threads();
    println!(
        "# statement bench: {} and {}, {runs} runs, {threads} threads",
        shard.name(),
        request.name()
    );
    let fleet = crate::full_fleet(ss, rs);
    let (sst, sw) = fleet.shards[0].clone();
    let (rst, rw) = fleet.request.clone();
    let shard_circuit = ShardCircuit::with_witness(ss, sst, sw);
    let request_circuit = RequestCircuit::with_witness(rs, rst, rw);
    let mut rng = ChaCha20Rng::seed_from_u64(1);

    let mut rows = Vec::new();
    for (name, c) in [(shard.name(), shard), (request.name(), request)] {
        let t = Instant::now();
        // The tuned key (`H` on the odd coset) and stock's, from one toxic
        // waste (one seed); the setup timed is the tuned key's.
        let mut again = rng.clone();
        let tuned = setup_prover_key_of(&c, &mut rng).expect("setup");
        let setup_s = t.elapsed().as_secs_f64();
        let (pk, _) = setup_keys_of(&c, &mut again).expect("setup");
        assert!(pk.vk == tuned.vk);
        let constraints = tuned.r1cs.num_constraints();
        let pvk = Groth16::<Bn254>::process_vk(&pk.vk).expect("vk");
        let (mut stock_t, mut tuned_t, mut witness_t) = (vec![], vec![], vec![]);
        let mut peak = 0u64;
        for _ in 0..runs {
            // Stock: synthesis with matrices, QAP, MSMs, as ark-groth16 does.
            let t = Instant::now();
            let proof = match c {
                Circuit::Shard(_) => Groth16::<Bn254>::prove(&pk, shard_circuit.clone(), &mut rng),
                _ => Groth16::<Bn254>::prove(&pk, request_circuit.clone(), &mut rng),
            }
            .expect("stock proof");
            stock_t.push(t.elapsed().as_secs_f64());
            let inputs = match c {
                Circuit::Shard(_) => sst.public_inputs(),
                _ => rst.public_inputs(),
            };
            assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &proof).unwrap());
            // Tuned: native check and assignment, matrices check, FFTs and MSMs.
            mem::reset_peak();
            let t = Instant::now();
            let z = match c {
                Circuit::Shard(_) => shard_assignment(&shard_circuit),
                _ => request_assignment(&request_circuit),
            }
            .expect("assignment");
            witness_t.push(t.elapsed().as_secs_f64());
            use ark_std::UniformRand;
            let (r, s) = (ark_bn254::Fr::rand(&mut rng), ark_bn254::Fr::rand(&mut rng));
            let proof = prove_assignment(&tuned, &z, r, s).expect("tuned proof");
            tuned_t.push(t.elapsed().as_secs_f64());
            peak = peak.max(mem::peak_bytes().unwrap_or(0));
            assert!(Groth16::<Bn254>::verify_with_processed_vk(&pvk, &inputs, &proof).unwrap());
        }
        let (s, tu, w) = (median(stock_t), median(tuned_t), median(witness_t));
        rows.push(format!(
            "| {name} | {constraints} | {setup_s:.1} s | {s:.2} s | {tu:.2} s | **{:.2}×** | {w:.2} s | {} |",
            s / tu,
            mem::human(peak)
        ));
    }
    println!("| circuit | constraints | setup | stock ark-groth16 | zkcc tuned | ratio | tuned witness + check | peak (process) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for r in rows {
        println!("{r}");
    }
}
