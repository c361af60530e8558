//! Files to proofs to verification under the accountable statement, through
//! the library API the CLI uses: sample, attest, ledger, commit, setup, prove
//! shards, prove the request, verify.
use ark_bn254::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcc_circuits::encoding::encode_label;
use zkcc_circuits::registry::Registry;
use zkcc_prover::fleet::{self, attest, commit, ledger_from_shipments, open};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::{sample, ProverError};
use zkcc_test_support::fixtures::{loose_rules as rules, RSHAPE, SHAPE};
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::submission::RequestFile;

#[test]
fn sample_fleet_proves_and_verifies_and_tampering_is_caught() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let dir = tempfile::tempdir().unwrap();
    // FR 6 chips (2 chunks), DE 3, AE 4: three countries, two shards.
    let s = sample::generate_with(9, &[(0, 6), (1, 3), (3, 4)], SHAPE.slot_chips);
    let registry = Registry::from_file(s.registry.clone()).unwrap();
    let mut inv = s.inventory.clone();
    assert_eq!(inv.attestations.len(), 4);
    let ledger = ledger_from_shipments(&registry, &s.shipments, &inv.importer).unwrap();
    assert_eq!(
        ledger.len(),
        13,
        "returned chips and other consignees stay out"
    );

    // Unsigned attestations can be committed to, not proven.
    let secret = commit(&registry, &inv, &SHAPE, &mut rng).unwrap();
    assert_eq!(secret.shards.len(), 2);
    let unsigned = open(&registry, &inv, &secret);
    assert!(matches!(unsigned, Err(ProverError::Inventory(m)) if m.contains("not signed")));
    for k in &s.auditor_keys[..2] {
        attest(&registry, &mut inv, k, None).unwrap();
    }
    // A key the registry does not accredit under that id is refused.
    let mut wrong = s.auditor_keys[0].clone();
    wrong.seed = s.auditor_keys[1].seed.clone();
    assert!(matches!(
        attest(&registry, &mut inv.clone(), &wrong, None),
        Err(ProverError::Keys(m)) if m.contains("not the key the registry accredits")
    ));
    // The plan is deterministic, and signing does not change the commitment's plan.
    let again = commit(&registry, &inv, &SHAPE, &mut rng).unwrap();
    assert_eq!(
        again
            .shards
            .iter()
            .map(|s| &s.attestations)
            .collect::<Vec<_>>(),
        secret
            .shards
            .iter()
            .map(|s| &s.attestations)
            .collect::<Vec<_>>()
    );
    let fleet = open(&registry, &inv, &secret).unwrap();

    let shard_c = Circuit::Shard(SHAPE);
    let req_c = Circuit::Request(RSHAPE);
    keys::setup_circuit(dir.path(), &shard_c, &mut rng).unwrap();
    keys::setup_circuit(dir.path(), &req_c, &mut rng).unwrap();
    let (spk, sm) = keys::load_proving_key_of(dir.path(), &shard_c).unwrap();
    let (rpk, rm) = keys::load_proving_key_of(dir.path(), &req_c).unwrap();
    assert_eq!(sm.constraints, keys::constraints_of(&shard_c).unwrap());
    assert_eq!(rm.constraints, keys::constraints_of(&req_c).unwrap());

    let shards = fleet::prove_shards(
        &spk,
        &fleet,
        &registry,
        &inv.importer,
        ledger.digest,
        &mut rng,
    )
    .unwrap();
    let request = RequestFile::new(&inv.importer, inv.epoch, &Fr::from(77u64), rules());
    let prove_request =
        |f: &fleet::Fleet, importer: &str, req: &RequestFile, rng: &mut ChaCha20Rng| {
            let quiet = &zkcc_engine::prove::Quiet;
            fleet::prove_request(&rpk, &RSHAPE, f, importer, ledger.digest, req, rng, quiet)
        };
    let rb = prove_request(&fleet, &inv.importer, &request, &mut rng).unwrap();

    // Every proof verifies under the agency's keys; the request names the
    // ledger's product, so every ledger chip was located exactly once.
    let svk = PreparedKey::new(&keys::load_verifying_key_of(dir.path(), &shard_c).unwrap());
    let rvk = PreparedKey::new(&keys::load_verifying_key_of(dir.path(), &req_c).unwrap());
    for b in &shards {
        svk.verify(&b.statement().unwrap().public_inputs(), &b.proof().unwrap())
            .unwrap();
    }
    let rst = rb.statement().unwrap();
    rvk.verify(&rst.public_inputs(), &rb.proof().unwrap())
        .unwrap();
    let importer = encode_label(&inv.importer).unwrap();
    let (g, b) =
        zkcc_circuits::ledger::challenges(rst.commitment, ledger.digest, importer, inv.epoch);
    assert_eq!(rst.ledger_product, ledger.product(g, b));
    assert_eq!(rst.facilities, 3);

    // The importer cannot prove a request its fleet does not satisfy: refused
    // natively, before any proving work, with the rule named.
    let mut tight = request.clone();
    tight.rules.facility_cap_chips = 5;
    let e = prove_request(&fleet, &inv.importer, &tight, &mut rng).unwrap_err();
    assert!(e.to_string().contains("facility cap"), "{e}");

    // A ledger chip left out of the inventory: the shards still prove, the
    // request cannot (the product differs from the agency's).
    let mut short = inv.clone();
    let gone = short.attestations[0].measurements.remove(0).serial;
    short.chips.retain(|c| c.serial != gone);
    for k in &s.auditor_keys[..2] {
        attest(&registry, &mut short, k, None).unwrap();
    }
    let sec = commit(&registry, &short, &SHAPE, &mut rng).unwrap();
    let f2 = open(&registry, &short, &sec).unwrap();
    let e = prove_request(&f2, &short.importer, &request, &mut rng);
    // The importer's own product is consistent with its inventory, so the
    // native check passes; it is the agency's product that differs.
    let rb2 = e.unwrap();
    let st2 = rb2.statement().unwrap();
    let (g2, b2) =
        zkcc_circuits::ledger::challenges(st2.commitment, ledger.digest, importer, inv.epoch);
    assert_ne!(st2.ledger_product, ledger.product(g2, b2));

    // An inventory edited after the commitment no longer opens.
    let mut moved = inv.clone();
    moved.attestations[1].measurements[0].lat_udeg += 1;
    assert!(matches!(
        open(&registry, &moved, &secret),
        Err(ProverError::Inventory(m)) if m.contains("does not open")
    ));
}
