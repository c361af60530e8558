//! Large-fleet figures on this machine (issue "Hyperscale"):
//!
//! ```text
//! cargo run --release -p zkcc-benches --bin fleet -- verify 16 256 1000
//! cargo run --release -p zkcc-benches --bin fleet -- prove shard-8x128 shard-16x128 shard-32x128
//! cargo run --release -p zkcc-benches --bin fleet -- ledger 1000000
//! ```
//!
//! - `verify S…`: a sample fleet of S shards (`shard-1x4`: verification does
//!   not depend on the shard size, only on the 7 public inputs), proven with
//!   the tuned prover, answered by one `request-Sx1` proof; then the agency's
//!   `verify_submission` (every native check, one batch of S shard proofs,
//!   the request proof), median of 5, split into parsing, native checks and
//!   pairings.
//! - `prove SHARD…`: one full shard (every slot holding a chip) per circuit:
//!   setup, then the tuned proof (median of 2) and its peak memory (the
//!   process's high-water mark reset before the witness; the key is resident).
//! - `ledger N`: an N-chip ledger file, streamed by the agency's reader:
//!   load time, peak memory, and the grand product over it.
use crate::{full_fleet, median};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkcc_circuits::ledger::{Ledger, LedgerFile, LedgerRecordJson, LEDGER_VERSION};
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::ShardShape;
use zkcc_engine::mem;
use zkcc_engine::prove::{prove_assignment, ProverKey};
use zkcc_prover::claims::shard_assignment;
use zkcc_prover::fleet::{self, attest, commit, ledger_from_shipments, open};
use zkcc_prover::keys::{setup_prover_key_of, Circuit};
use zkcc_prover::sample;
use zkcc_verifier::fleet::{check_submission, verify_submission, FleetKeys};
use zkcc_verifier::submission::{RequestFile, RulesJson, Submission};

fn prover_key(c: &Circuit, rng: &mut ChaCha20Rng) -> (ProverKey, f64) {
    let t = Instant::now();
    let pk = setup_prover_key_of(c, rng).expect("setup");
    (pk, t.elapsed().as_secs_f64())
}

fn verify(shards: usize) {
    let mut rng = ChaCha20Rng::seed_from_u64(shards as u64);
    let shape = ShardShape::new(1, 4);
    let rshape = RequestShape::new(shards, 1);
    // Five facilities of the importer, chunks of 4 chips: S chunks in all.
    let per = shards / 5;
    let groups: Vec<(usize, usize)> = (0..5)
        .map(|f| (f, 4 * (per + usize::from(f < shards % 5))))
        .collect();
    let s = sample::generate_with(shards as u64, &groups, shape.slot_chips);
    let registry = Registry::from_file(s.registry.clone()).expect("registry");
    let mut inv = s.inventory.clone();
    for k in &s.auditor_keys {
        let _ = attest(&registry, &mut inv, k, None);
    }
    let ledger = ledger_from_shipments(&registry, &s.shipments, &inv.importer).expect("ledger");
    let secret = commit(&registry, &inv, &shape, &mut rng).expect("commit");
    assert_eq!(secret.shards.len(), shards, "one chunk per shard");
    let fl = open(&registry, &inv, &secret).expect("open");

    let (spk, _) = prover_key(&Circuit::Shard(shape), &mut rng);
    let (rpk, rsetup) = prover_key(&Circuit::Request(rshape), &mut rng);
    let t = Instant::now();
    let bundles = fleet::prove_shards(&spk, &fl, &registry, &inv.importer, ledger.digest, &mut rng)
        .expect("shards");
    let prove_s = t.elapsed().as_secs_f64();
    let rules = RulesJson {
        facility_cap_chips: 1 << 30,
        facility_cap_tpp: 1 << 50,
        home_country: "FR".into(),
        home_min_bp: 0,
        other_max_bp: 10_000,
        outside_tier1_max_bp: 10_000,
        max_tier: 3,
        total_cap_chips: 1 << 30,
        total_cap_tpp: 1 << 50,
    };
    let request = RequestFile::new(&inv.importer, inv.epoch, &ark_bn254::Fr::from(99u64), rules);
    let t = Instant::now();
    let rb = fleet::prove_request(
        &rpk,
        &rshape,
        &fl,
        &inv.importer,
        ledger.digest,
        &request,
        &mut rng,
        &zkcc_engine::prove::Quiet,
    )
    .expect("request proof");
    let request_s = t.elapsed().as_secs_f64();
    let sub = Submission {
        version: zkcc_verifier::submission::SUBMISSION_VERSION,
        importer: inv.importer.clone(),
        epoch: inv.epoch,
        commitment: secret.commitment.clone(),
        shards: bundles,
        request: rb,
        delay: vec![],
    };
    let json = sub.to_json();
    let keys = FleetKeys::new(&spk.vk, shape, &rpk.vk, rshape).expect("keys");
    let (mut parse_t, mut check_t, mut total_t) = (vec![], vec![], vec![]);
    for _ in 0..5 {
        let t = Instant::now();
        let sub = Submission::from_json(&json).expect("parse");
        parse_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        check_submission(&keys, &registry, &ledger, &request, &sub).expect("checks");
        check_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let v = verify_submission(&keys, &registry, &ledger, &request, &sub, &mut rng)
            .expect("verifies");
        total_t.push(t.elapsed().as_secs_f64());
        assert_eq!(v.shards, shards);
    }
    let (p, c, tot) = (median(parse_t), median(check_t), median(total_t));
    println!(
        "| {shards} | {} | {} | {:.1} s | {:.1} s | {:.1} s | {:.1} ms | {:.1} ms | {:.1} ms | **{:.1} ms** | {:.3} ms |",
        ledger.len(),
        zkcc_circuits::request::constraints::cost(&rshape),
        rsetup,
        prove_s,
        request_s,
        p * 1e3,
        c * 1e3,
        (tot - c) * 1e3,
        (p + tot) * 1e3,
        (p + tot) * 1e3 / shards as f64,
    );
}

fn prove(c: &str) {
    let Ok(Circuit::Shard(shape)) = Circuit::parse(c) else {
        panic!("prove takes shard-FxM circuits, not {c}");
    };
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let rshape = RequestShape::new(1, shape.facilities);
    let fl = full_fleet(shape, rshape);
    let (st, w) = fl.shards[0].clone();
    let circuit = ShardCircuit::with_witness(shape, st, w);
    let (pk, setup_s) = prover_key(&Circuit::Shard(shape), &mut rng);
    let constraints = pk.r1cs.num_constraints();
    let mut times = vec![];
    let mut peak = 0;
    for _ in 0..2 {
        mem::reset_peak();
        let t = Instant::now();
        let z = shard_assignment(&circuit).expect("assignment");
        use ark_std::UniformRand;
        let (r, s) = (ark_bn254::Fr::rand(&mut rng), ark_bn254::Fr::rand(&mut rng));
        prove_assignment(&pk, &z, r, s).expect("proof");
        times.push(t.elapsed().as_secs_f64());
        peak = peak.max(mem::peak_bytes().unwrap_or(0));
    }
    let t = median(times);
    let slots = shape.facilities * shape.slot_chips;
    println!(
        "| {c} | {slots} | {constraints} | {:.0} | {setup_s:.1} s | **{t:.2} s** | {:.2} ms | {} | {:.2} KB |",
        constraints as f64 / slots as f64,
        t * 1e3 / slots as f64,
        mem::human(peak),
        peak as f64 / constraints as f64 / 1024.0,
    );
}

fn ledger(n: usize) {
    let s = sample::generate_with(1, &[(0, 8)], 8);
    let registry = Registry::from_file(s.registry.clone()).expect("registry");
    let models: Vec<(String, u64)> = s
        .registry
        .chip_models
        .iter()
        .map(|m| (m.name.clone(), m.tpp))
        .collect();
    let file = LedgerFile {
        version: LEDGER_VERSION,
        importer: sample::SAMPLE_IMPORTER.into(),
        records: (0..n)
            .map(|i| {
                let (model, tpp) = &models[i % models.len()];
                LedgerRecordJson {
                    serial: format!("SN-{i:010}"),
                    model: model.clone(),
                    tpp: *tpp,
                }
            })
            .collect(),
    };
    let dir = std::env::temp_dir().join(format!("zkcc-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let path = dir.join("ledger.json");
    std::fs::write(&path, serde_json::to_vec(&file).expect("json")).expect("write");
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    drop(file);
    let before = mem::current_bytes().unwrap_or(0);
    mem::reset_peak();
    let t = Instant::now();
    let l =
        Ledger::from_reader(std::fs::File::open(&path).expect("open"), &registry).expect("ledger");
    let load = t.elapsed().as_secs_f64();
    let peak = mem::peak_bytes().unwrap_or(0).saturating_sub(before);
    let t = Instant::now();
    let (g, b) = zkcc_circuits::ledger::challenges(l.digest, l.digest, l.importer, 1);
    let _ = l.product(g, b);
    let product = t.elapsed().as_secs_f64();
    println!(
        "| {n} | {} | {load:.2} s | {} | {product:.3} s |",
        mem::human(bytes),
        mem::human(peak)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The binary's body: parses its arguments and runs.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = args
        .split_first()
        .expect("usage: fleet verify|prove|ledger ARGS…");
    println!(
        "# fleet bench: {cmd} {}, {} threads",
        rest.join(" "),
        rayon::current_num_threads()
    );
    match cmd.as_str() {
        "verify" => {
            println!("| shards S | ledger chips | request-Sx1 constraints | request setup | S shard proofs | request proof | parse | native checks | pairings | verify (parse + all) | per shard |");
            println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            for s in rest {
                verify(s.parse().expect("a shard count"));
            }
        }
        "prove" => {
            println!("| circuit | chip slots | constraints | per slot | setup | tuned proof | per chip slot | peak (proof) | per constraint |");
            println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            for c in rest {
                prove(c);
            }
        }
        "ledger" => {
            println!("| ledger chips | file | streamed load (parse, validate, sort, SHA-256) | peak memory of the load | grand product |");
            println!("| --- | --- | --- | --- | --- |");
            for n in rest {
                ledger(n.parse().expect("a chip count"));
            }
        }
        other => panic!("unknown command {other}: verify | prove | ledger"),
    }
}
