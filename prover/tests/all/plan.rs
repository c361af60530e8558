//! Large fleets without a scheduler: the plan directory, one shard proven per
//! call (as an array task would), bundles that already verify skipped, the
//! request proof from the bundles, and the agency's verification naming the
//! shard that is missing, duplicated, tampered or from another fleet.
use ark_bn254::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;
use zkcc_circuits::ledger::Ledger;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::ShardShape;
use zkcc_engine::prove::Quiet;
use zkcc_prover::error::{read_json, write_json};
use zkcc_prover::fleet::plan::{write_plan, Plan, PlanManifest, ShardFile, ShardOutcome};
use zkcc_prover::fleet::{attest, ledger_from_shipments, FleetInventory};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::sample;
use zkcc_test_support::fixtures::loose_rules;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::fleet::{verify_submission, FleetKeys};
use zkcc_verifier::submission::{RequestFile, ShardBundle};
use zkcc_verifier::VerifyError;

const SHAPE: ShardShape = ShardShape::new(2, 4);
const RSHAPE: RequestShape = RequestShape::new(4, 2);

struct World {
    registry: Registry,
    inv: FleetInventory,
    ledger: Ledger,
    request: RequestFile,
}

fn world() -> World {
    // FR 6 chips (2 chunks of 4), DE 3, AE 4: four chunks → 2 shards of 2 slots.
    let s = sample::generate_with(9, &[(0, 6), (1, 3), (3, 4)], SHAPE.slot_chips);
    let registry = Registry::from_file(s.registry.clone()).unwrap();
    let mut inv = s.inventory.clone();
    for k in &s.auditor_keys[..2] {
        attest(&registry, &mut inv, k, None).unwrap();
    }
    let ledger = ledger_from_shipments(&registry, &s.shipments, &inv.importer).unwrap();
    let request = RequestFile::new(&inv.importer, inv.epoch, &Fr::from(1234u64), loose_rules());
    World {
        registry,
        inv,
        ledger,
        request,
    }
}

fn members(dir: &Path, m: &PlanManifest) -> Vec<FleetInventory> {
    m.shards
        .iter()
        .map(|e| {
            read_json::<ShardFile>(&dir.join(&e.file))
                .unwrap()
                .inventory
        })
        .collect()
}

fn shard_of(e: &VerifyError) -> usize {
    match e {
        VerifyError::Shard { index, .. } => *index,
        other => panic!("expected a shard to be named, got {other}"),
    }
}

#[test]
fn a_plan_proven_task_by_task_verifies_and_bad_bundles_are_named() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let w = world();
    let tmp = tempfile::tempdir().unwrap();
    let (dir, other_dir, keys_dir) = (
        tmp.path().join("plan"),
        tmp.path().join("other"),
        tmp.path().join("keys"),
    );

    // The plan: deterministic in the inventory (the blindings are fresh).
    let m = write_plan(&dir, &w.registry, &w.inv, &SHAPE, w.ledger.digest, &mut rng).unwrap();
    let m2 = write_plan(
        &other_dir,
        &w.registry,
        &w.inv,
        &SHAPE,
        w.ledger.digest,
        &mut rng,
    )
    .unwrap();
    assert_eq!(m.shards.len(), 2);
    assert_eq!(members(&dir, &m), members(&other_dir, &m2));
    assert_ne!(m.commitment, m2.commitment, "fresh blindings");
    assert_eq!(
        m.shards.iter().map(|e| e.chips).sum::<usize>(),
        w.inv.chips.len()
    );
    // Each shard file holds only its own part of the inventory.
    for inv in members(&dir, &m) {
        assert!(inv.attestations.len() <= SHAPE.facilities);
        assert!(inv.chips.len() < w.inv.chips.len());
    }

    let (sc, rc) = (Circuit::Shard(SHAPE), Circuit::Request(RSHAPE));
    keys::setup_circuit(&keys_dir, &sc, &mut rng).unwrap();
    keys::setup_circuit(&keys_dir, &rc, &mut rng).unwrap();
    let (spk, _) = keys::load_proving_key_of(&keys_dir, &sc).unwrap();
    let (rpk, _) = keys::load_proving_key_of(&keys_dir, &rc).unwrap();
    let svk = PreparedKey::new(&spk.vk);

    let plan = Plan::load(&dir, &w.registry).unwrap();
    assert_eq!(plan.missing(&w.registry, &svk).unwrap(), vec![0, 1]);
    // The request proof needs every bundle, and names the first missing one.
    let e = plan
        .prove_request(&w.registry, &rpk, &RSHAPE, &w.request, &mut rng, &Quiet)
        .unwrap_err();
    assert!(
        e.to_string().contains("shard 0 has no readable bundle"),
        "{e}"
    );

    // One task per shard; a task run again skips its verified bundle.
    for s in 0..plan.len() {
        let out = plan.prove_shard(&w.registry, &spk, s, &mut rng).unwrap();
        assert!(matches!(out, ShardOutcome::Proved(_)));
    }
    assert!(plan.missing(&w.registry, &svk).unwrap().is_empty());
    let before = std::fs::read(plan.bundle_path(1)).unwrap();
    assert_eq!(
        plan.prove_shard(&w.registry, &spk, 1, &mut rng).unwrap(),
        ShardOutcome::Skipped
    );
    assert_eq!(std::fs::read(plan.bundle_path(1)).unwrap(), before);
    assert!(plan.prove_shard(&w.registry, &spk, 2, &mut rng).is_err());

    // A corrupt bundle (a task killed while a non-atomic copy was made, say)
    // is not trusted: it is missing, and proven again.
    let good: ShardBundle = read_json(&plan.bundle_path(1)).unwrap();
    let mut bad = good.clone();
    bad.proof = good.proof.replace('a', "b");
    write_json(&plan.bundle_path(1), &bad).unwrap();
    assert_eq!(plan.missing(&w.registry, &svk).unwrap(), vec![1]);
    // A bundle from another plan of the same inventory is not this shard's.
    let other = Plan::load(&other_dir, &w.registry).unwrap();
    other.prove_shard(&w.registry, &spk, 1, &mut rng).unwrap();
    std::fs::copy(other.bundle_path(1), plan.bundle_path(1)).unwrap();
    assert_eq!(plan.missing(&w.registry, &svk).unwrap(), vec![1]);
    let e = plan
        .prove_request(&w.registry, &rpk, &RSHAPE, &w.request, &mut rng, &Quiet)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("shard 1's bundle is for another statement"),
        "{e}"
    );
    assert!(matches!(
        plan.prove_shard(&w.registry, &spk, 1, &mut rng).unwrap(),
        ShardOutcome::Proved(_)
    ));

    // The request proof from the bundles; the agency verifies.
    let sub = plan
        .prove_request(&w.registry, &rpk, &RSHAPE, &w.request, &mut rng, &Quiet)
        .unwrap();
    let fk = FleetKeys::new(&spk.vk, SHAPE, &rpk.vk, RSHAPE).unwrap();
    let v = verify_submission(&fk, &w.registry, &w.ledger, &w.request, &sub, &mut rng).unwrap();
    assert_eq!(v.shards, 2);
    assert_eq!(v.ledger_chips, w.ledger.len() as u64);

    // Bundles swapped, duplicated, tampered or from the other fleet: named.
    let mut swapped = sub.clone();
    swapped.shards[1] = read_json(&other.bundle_path(1)).unwrap();
    let e =
        verify_submission(&fk, &w.registry, &w.ledger, &w.request, &swapped, &mut rng).unwrap_err();
    assert_eq!(shard_of(&e), 1, "{e}");
    let mut dup = sub.clone();
    dup.shards[1] = dup.shards[0].clone();
    let e = verify_submission(&fk, &w.registry, &w.ledger, &w.request, &dup, &mut rng).unwrap_err();
    assert_eq!(shard_of(&e), 1, "{e}");
    let mut tampered = sub.clone();
    let p = &mut tampered.shards[0].proof;
    // Swap the proof for the other fleet's shard-1 proof: well formed, wrong.
    *p = read_json::<ShardBundle>(&other.bundle_path(1))
        .unwrap()
        .proof;
    let e = verify_submission(&fk, &w.registry, &w.ledger, &w.request, &tampered, &mut rng)
        .unwrap_err();
    assert_eq!(shard_of(&e), 0, "{e}");
    assert!(matches!(
        e,
        VerifyError::Shard { ref source, .. } if matches!(**source, VerifyError::ProofRejected)
    ));
}

#[test]
fn a_plan_is_checked_before_any_work() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let w = world();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plan");
    let m = write_plan(&dir, &w.registry, &w.inv, &SHAPE, w.ledger.digest, &mut rng).unwrap();
    let plan = Plan::load(&dir, &w.registry).unwrap();
    plan.shard(&w.registry, 0).unwrap();

    // A shard file edited after planning no longer opens to its C_s.
    let f0 = dir.join(&m.shards[0].file);
    let mut sf: ShardFile = read_json(&f0).unwrap();
    sf.inventory.attestations[0].measurements[0].lat_udeg += 1;
    sf.inventory.attestations[0].signature = None;
    write_json(&f0, &sf).unwrap();
    let e = plan.shard(&w.registry, 0).unwrap_err().to_string();
    assert!(
        e.contains("not signed") || e.contains("does not open"),
        "{e}"
    );

    // A shard file of another shard, and a manifest whose C is not the chain.
    std::fs::copy(dir.join(&m.shards[1].file), &f0).unwrap();
    let e = plan.shard(&w.registry, 0).unwrap_err().to_string();
    assert!(e.contains("does not belong to this plan"), "{e}");
    let mut bad = m.clone();
    bad.shards.swap(0, 1);
    bad.shards[0].index = 0;
    bad.shards[0].file = m.shards[0].file.clone();
    bad.shards[0].bundle = m.shards[0].bundle.clone();
    bad.shards[1].index = 1;
    bad.shards[1].file = m.shards[1].file.clone();
    bad.shards[1].bundle = m.shards[1].bundle.clone();
    write_json(&dir.join("manifest.json"), &bad).unwrap();
    let e = Plan::load(&dir, &w.registry).unwrap_err().to_string();
    assert!(e.contains("not the chain"), "{e}");

    // Another registry.
    write_json(&dir.join("manifest.json"), &m).unwrap();
    let mut other = w.registry.file.clone();
    other.policy_version += 1;
    let other = Registry::from_file(other).unwrap();
    let e = Plan::load(&dir, &other).unwrap_err().to_string();
    assert!(e.contains("made against registry"), "{e}");
}
