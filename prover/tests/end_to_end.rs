//! Files to proof to verification, through the library API the CLI uses.
use ark_bn254::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::registry::Registry;
use zkcc_prover::{
    attest::attest, circuit_for, commit, keys, prove_bundle, sample, ProverError, Request,
};
use zkcc_verifier::{verify_bundle, Expectations, VerifyError};

const SHAPE: ClusterShape = ClusterShape {
    chips: 16,
    facilities: 4,
};

#[test]
fn sample_inventory_proves_and_verifies_and_tampering_is_caught() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let dir = tempfile::tempdir().unwrap();
    let s = sample::generate_with(9, &[(0, 5), (3, 4), (5, 3)]);
    let registry = Registry::from_file(s.registry.clone()).unwrap();
    let mut inv = s.inventory.clone();

    // Unsigned attestations cannot be proven.
    let secret = commit(&registry, &inv, &mut rng).unwrap();
    let req = Request {
        cap: 12,
        nonce: Fr::from(77u64),
    };
    let Err(err) = circuit_for(&SHAPE, &registry, &inv, &secret, &req) else {
        panic!("unsigned attestations were accepted");
    };
    assert!(matches!(err, ProverError::Inventory(_)), "{err}");
    assert_reason(
        &err,
        "inventory: the attestation of FR-SACLAY-01 is not signed yet (zkcc auditor attest)",
    );

    for k in &s.auditor_keys {
        attest(&registry, &mut inv, k, None).unwrap();
    }
    // A key the registry does not accredit under that id is refused.
    let mut wrong = s.auditor_keys[0].clone();
    wrong.seed = s.auditor_keys[1].seed.clone();
    assert_reason(
        &attest(&registry, &mut inv.clone(), &wrong, None).unwrap_err(),
        &format!(
            "keys: this key is not the key the registry accredits for {}",
            wrong.id
        ),
    );

    let manifest = keys::setup(dir.path(), &SHAPE, &mut rng).unwrap();
    assert_eq!(
        manifest.constraints,
        keys::constraint_count(&SHAPE).unwrap()
    );
    let (pk, _) = keys::load_proving_key(dir.path(), &SHAPE).unwrap();
    let vk = keys::load_verifying_key(dir.path(), &SHAPE).unwrap();

    let circuit = circuit_for(&SHAPE, &registry, &inv, &secret, &req).unwrap();
    let bundle = prove_bundle(&pk, circuit, &inv.importer, &mut rng).unwrap();
    let expect = Expectations {
        registry_root: registry.root,
        epoch: inv.epoch,
        nonce: req.nonce,
    };
    let claim = verify_bundle(&vk, &bundle, &expect).unwrap();
    assert_eq!(claim.statement.cap, 12);

    // Round trip through JSON.
    let parsed = zkcc_verifier::ProofBundle::from_json(&bundle.to_json()).unwrap();
    verify_bundle(&vk, &parsed, &expect).unwrap();

    // cap − 1 is refused by the prover before any proving work.
    let tight = Request { cap: 11, ..req };
    let c = circuit_for(&SHAPE, &registry, &inv, &secret, &tight).unwrap();
    let err = prove_bundle(&pk, c, "x", &mut rng).unwrap_err();
    assert!(matches!(err, ProverError::Claim(_)), "{err}");
    assert_reason(
        &err,
        "the claim does not hold: 12 active chips exceed the cap of 11",
    );

    // Edited public inputs, replays and foreign registries are rejected.
    let mut edited = bundle.clone();
    edited.public_inputs.cap = 100;
    assert!(matches!(
        verify_bundle(&vk, &edited, &expect),
        Err(VerifyError::ProofRejected)
    ));
    let other_nonce = Expectations {
        nonce: Fr::from(78u64),
        ..expect
    };
    assert_reason(
        &verify_bundle(&vk, &bundle, &other_nonce).unwrap_err(),
        &format!(
            "statement nonce is {}, the agency expects {}",
            fr_to_hex(&req.nonce),
            fr_to_hex(&other_nonce.nonce)
        ),
    );
    let other_epoch = Expectations {
        epoch: inv.epoch + 1,
        ..expect
    };
    assert_reason(
        &verify_bundle(&vk, &bundle, &other_epoch).unwrap_err(),
        &format!(
            "statement epoch is {}, the agency expects {}",
            inv.epoch,
            inv.epoch + 1
        ),
    );

    // A measurement moved after signing: the prover refuses (bad signature).
    let mut moved = inv.clone();
    moved.attestations[0].measurements[0].lat_udeg += 1;
    let c = circuit_for(
        &SHAPE,
        &registry,
        &moved,
        &commit(&registry, &moved, &mut rng).unwrap(),
        &req,
    )
    .unwrap();
    let err = prove_bundle(&pk, c, "x", &mut rng).unwrap_err();
    assert!(
        matches!(
            err,
            ProverError::Claim(zkcc_circuits::ClaimError::BadSignature { .. })
        ),
        "{err}"
    );
    assert_reason(&err, "the claim does not hold: facility slot 0: attestation signature invalid: verification equation does not hold");

    // A corrupted proving key file is refused on load.
    let paths = keys::KeyPaths::new(dir.path(), &SHAPE);
    let mut bytes = std::fs::read(&paths.pk).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&paths.pk, bytes).unwrap();
    assert_reason(
        &keys::load_proving_key(dir.path(), &SHAPE).unwrap_err(),
        &format!(
            "keys: {} does not match its manifest (corrupt or replaced): run zkcc setup again",
            paths.pk.display()
        ),
    );
}

#[test]
fn inventory_inconsistencies_are_reported() {
    let s = sample::generate_with(3, &[(0, 3), (1, 2)]);
    let registry = Registry::from_file(s.registry.clone()).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let check = |inv: &zkcc_prover::inventory::InventoryFile, needle: &str| match commit(
        &registry,
        inv,
        &mut ChaCha20Rng::seed_from_u64(0),
    ) {
        Err(ProverError::Inventory(m)) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected an inventory error containing {needle:?}, got {other:?}"),
    };
    let mut inv = s.inventory.clone();
    inv.chips.push(inv.chips[0].clone());
    check(&inv, "listed twice");
    let mut inv = s.inventory.clone();
    inv.attestations[0].measurements.pop();
    check(&inv, "not covered");
    let mut inv = s.inventory.clone();
    inv.attestations[0].facility = "XX-NOWHERE-99".into();
    check(&inv, "not in the agency's registry");
    let mut inv = s.inventory.clone();
    inv.attestations[1].auditor = "NOBODY".into();
    check(&inv, "not accredited");
    let mut inv = s.inventory.clone();
    inv.chips[0].model = "GPU-9000".into();
    check(&inv, "not in the registry");
    let _ = commit(&registry, &s.inventory, &mut rng).unwrap();
    // Too many chips for the shape.
    let small = ClusterShape {
        chips: 4,
        facilities: 4,
    };
    let secret = commit(&registry, &s.inventory, &mut rng).unwrap();
    let mut inv = s.inventory.clone();
    for k in &s.auditor_keys {
        attest(&registry, &mut inv, k, None).unwrap();
    }
    let secret2 = commit(&registry, &inv, &mut rng).unwrap();
    let _ = secret;
    assert!(
        matches!(circuit_for(&small, &registry, &inv, &secret2, &Request { cap: 5, nonce: Fr::from(1u64) }), Err(ProverError::Inventory(m)) if m.contains("shard"))
    );
}

/// Asserts an error's whole message (variant and fields as the user reads
/// them).
#[track_caller]
fn assert_reason<E: std::fmt::Display + std::fmt::Debug>(err: &E, want: &str) {
    assert_eq!(err.to_string(), want, "{err:?}");
}
