//! The cluster claim: the honest witness passes the native check and the
//! circuit; each tampering, one change at a time, fails both.
use ark_bn254::{Bn254, Fr};
use ark_ff::{BigInteger, One, PrimeField};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand::SeedableRng;
use sha2::{Digest, Sha256};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::fixtures::Fixture;
use zkcc_circuits::cluster::*;
use zkcc_circuits::eddsa::{SecretKey, Signature, S_BITS};
use zkcc_circuits::encoding::encode_label;
use zkcc_circuits::error::ClaimError;
use zkcc_circuits::registry::{AuditorLeaf, FacilityLeaf};

const SHAPE: ClusterShape = ClusterShape {
    chips: 8,
    facilities: 3,
};

fn honest() -> Fixture {
    // Two groups (3 chips at FR-PAR-01, 2 at DE-FRA-02), three padded chip
    // slots, one unused facility slot.
    Fixture::new(SHAPE, &[3, 2], 11)
}

/// Synthesizes the circuit; `Ok(true)` iff satisfied.
fn circuit_ok(f: &Fixture) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let c = ClusterCircuit {
        shape: f.shape,
        statement: f.statement,
        witness: Some(f.witness.clone()),
    };
    match c.generate_constraints(cs.clone()) {
        Ok(()) => cs.is_satisfied().unwrap(),
        Err(_) => false,
    }
}

/// Asserts the tampered fixture fails natively with `expect` and in the circuit.
fn assert_rejected(f: &Fixture, expect: impl Fn(&ClaimError) -> bool, what: &str) {
    let native = check_native(&f.shape, &f.statement, &f.witness);
    match &native {
        Err(e) if expect(e) => {}
        other => panic!("{what}: native check gave {other:?}"),
    }
    assert!(
        !circuit_ok(f),
        "{what}: circuit accepted a witness the native check rejects ({native:?})"
    );
}

#[test]
fn honest_witness_passes_both() {
    let f = honest();
    check_native(&f.shape, &f.statement, &f.witness).unwrap();
    assert!(circuit_ok(&f));
    // Every fill level, including an empty inventory and a full one.
    for groups in [&[][..], &[1], &[8], &[2, 2, 4], &[1, 1, 1]] {
        let f = Fixture::new(SHAPE, groups, 3);
        check_native(&f.shape, &f.statement, &f.witness).unwrap();
        assert!(circuit_ok(&f), "groups {groups:?}");
    }
}

/// The constraint count and a hash of the matrices: any circuit change is a
/// visible diff here, and means new keys.
#[test]
fn constraint_count_and_matrices_are_pinned() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    ClusterCircuit::for_setup(SHAPE)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let n = cs.num_constraints();
    let matrices = cs.to_matrices().unwrap();
    let mut h = Sha256::new();
    for (label, ms) in &matrices {
        h.update(label.as_bytes());
        for m in ms {
            for row in m {
                for (coeff, col) in row {
                    h.update(coeff.into_bigint().to_bytes_le());
                    h.update((*col as u64).to_le_bytes());
                }
                h.update(b"|");
            }
        }
    }
    let digest = hex::encode(h.finalize());
    println!(
        "cluster {}: {n} constraints, matrices {digest}",
        SHAPE.name()
    );
    assert_eq!(
        n, PINNED_CONSTRAINTS,
        "constraint count changed: update the pin, the docs and the keys"
    );
    assert_eq!(
        digest, PINNED_MATRICES,
        "matrices changed: update the pin and the keys"
    );
}
const PINNED_CONSTRAINTS: usize = 36_747;
const PINNED_MATRICES: &str = "731f1c68166b02a4a77cbc51668c595acd2e97afc00d45e9b9b0624626a0b681";

#[test]
fn cap_minus_one_fails() {
    let mut f = honest();
    f.statement.cap = 4; // 5 active chips
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::CapExceeded { active: 5, cap: 4 }),
        "cap − 1",
    );
    f.statement.cap = 5;
    assert!(circuit_ok(&f));
}

/// Moves chip `slot` to the edge of its fence along latitude for uncertainty `unc`;
/// returns the first latitude outside.
fn move_to_edge(f: &mut Fixture, slot: usize, unc: u64) -> i64 {
    let fence = f.witness.facilities[f.witness.chips[slot].facility_slot]
        .facility
        .fence;
    let mut lat = fence.lat;
    while fence.check(lat + 1, fence.lon, unc).is_ok() {
        lat += 1;
    }
    let rec = &mut f.witness.chips[slot].record;
    rec.lat = lat;
    rec.lon = fence.lon;
    rec.uncertainty_m = unc;
    f.resign();
    f.recommit();
    lat + 1
}

#[test]
fn one_unit_outside_the_fence_fails() {
    let mut f = honest();
    let outside = move_to_edge(&mut f, 3, 20);
    check_native(&f.shape, &f.statement, &f.witness).unwrap();
    assert!(circuit_ok(&f), "the last point inside is accepted");
    f.witness.chips[3].record.lat = outside;
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::OutsideGeofence { slot: 3, .. }),
        "one µdeg outside",
    );
}

#[test]
fn uncertainty_that_pushes_the_chip_out_fails() {
    let mut f = honest();
    move_to_edge(&mut f, 0, 30);
    assert!(circuit_ok(&f));
    f.witness.chips[0].record.uncertainty_m = 31;
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::OutsideGeofence { slot: 0, .. }),
        "uncertainty + 1 m",
    );
}

#[test]
fn value_of_2_to_the_k_fails() {
    // Uncertainty is a 16-bit value: 2^16 with a fence large enough is still refused.
    let mut f = honest();
    f.witness.chips[1].record.uncertainty_m = 1 << 16;
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::OutsideGeofence { slot: 1, .. }),
        "uncertainty 2^16",
    );
}

#[test]
fn facility_not_in_registry_fails() {
    let mut f = honest();
    // A facility the agency never authorized, with a fence around the chips.
    let real = f.witness.facilities[0].facility;
    f.witness.facilities[0].facility = FacilityLeaf {
        id: encode_label("ROGUE-01").unwrap(),
        ..real
    };
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::FacilityNotInRegistry { slot: 0 }),
        "unregistered facility",
    );
    // Same id, wider fence: not the registered leaf either.
    let mut f = honest();
    f.witness.facilities[1].facility.fence.radius_m += 1;
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::FacilityNotInRegistry { slot: 1 }),
        "widened fence",
    );
}

#[test]
fn auditor_not_accredited_fails() {
    let mut f = honest();
    let rogue = SecretKey::from_seed([99; 32]);
    let d = f.witness.derive(&f.shape).unwrap();
    let slot = &mut f.witness.facilities[0];
    slot.auditor = AuditorLeaf {
        id: slot.auditor.id,
        key: rogue.public(),
    };
    let msg = attestation_message(slot.facility.id, slot.attestation_epoch, d.digests[0]);
    slot.signature = rogue.sign(msg);
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::AuditorNotAccredited { slot: 0 }),
        "rogue auditor",
    );
}

#[test]
fn forged_signature_fails() {
    let mut f = honest();
    // A record changed after signing.
    f.witness.chips[4].record.lon += 1;
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 1, .. }),
        "record changed after signing",
    );
    // The other accredited auditor's signature on the right message.
    let mut f = honest();
    let d = f.witness.derive(&f.shape).unwrap();
    let msg = attestation_message(f.witness.facilities[0].facility.id, 7, d.digests[0]);
    f.witness.facilities[0].signature = f.auditor_keys[1].sign(msg);
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 0, .. }),
        "other auditor's signature",
    );
    // A signature re-used from another facility's attestation.
    let mut f = honest();
    f.witness.facilities[1].signature = f.witness.facilities[0].signature;
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 1, .. }),
        "re-used signature",
    );
}

#[test]
fn s_plus_order_fails() {
    // Find a fixture whose signature S + l still fits 251 bits, so only the
    // S < l constraint can reject it.
    let l = ark_ed_on_bn254::Fr::MODULUS;
    let (mut f, s) = (0u64..)
        .find_map(|seed| {
            let f = Fixture::new(SHAPE, &[3, 2], 100 + seed);
            let mut s = f.witness.facilities[0].signature.s;
            s.add_with_carry(&l);
            (!s.to_bits_le()[S_BITS..].iter().any(|b| *b)).then_some((f, s))
        })
        .unwrap();
    let r = f.witness.facilities[0].signature.r;
    f.witness.facilities[0].signature = Signature { r, s };
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 0, .. }),
        "S + l",
    );
}

#[test]
fn attestation_for_another_epoch_fails() {
    let mut f = honest();
    f.witness.facilities[1].attestation_epoch = 6;
    f.resign(); // the auditor honestly signed epoch 6
    assert_rejected(
        &f,
        |e| {
            matches!(
                e,
                ClaimError::WrongEpoch {
                    slot: 1,
                    found: 6,
                    expected: 7
                }
            )
        },
        "epoch 6 attestation",
    );
}

#[test]
fn padded_slots_cannot_be_active_or_carry_chips() {
    // A padded slot that carries a chip record.
    let mut f = honest();
    f.witness.chips[7].record = f.witness.chips[0].record;
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::Padding { slot: 7, .. }),
        "padded slot with a record",
    );
    // An active slot after the padding (an extra chip, even one the auditor signed).
    let mut f = honest();
    f.witness.chips[7] = ChipSlot {
        active: true,
        facility_slot: 2,
        record: f.witness.chips[0].record,
    };
    f.witness.facilities[2] = f.witness.facilities[0].clone();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::Padding { slot: 7, .. }),
        "active slot after padding",
    );
}

#[test]
fn grouping_must_follow_facility_slots() {
    // Skipping a facility slot.
    let mut f = honest();
    f.witness.facilities[2] = f.witness.facilities[1].clone();
    for c in &mut f.witness.chips[3..5] {
        c.facility_slot = 2;
    }
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::Grouping { slot: 3 }),
        "skipped facility slot",
    );
    // Interleaving groups.
    let mut f = honest();
    f.witness.chips.swap(2, 3);
    assert_rejected(
        &f,
        |e| {
            matches!(
                e,
                ClaimError::Grouping { .. } | ClaimError::BadSignature { .. }
            )
        },
        "interleaved groups",
    );
}

#[test]
fn duplicated_or_dropped_chip_fails() {
    let mut f = honest();
    f.witness.chips[1].record = f.witness.chips[0].record;
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 0, .. }),
        "duplicated chip",
    );
    // Dropping a chip from a group (to get under a cap) breaks the attestation.
    let mut f = honest();
    f.witness.chips.remove(2);
    f.witness.chips.push(ChipSlot::padding());
    f.recommit();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::BadSignature { slot: 0, .. }),
        "dropped chip",
    );
}

#[test]
fn commitment_opened_with_another_blinding_fails() {
    let mut f = honest();
    f.witness.blinding += Fr::one();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::CommitmentMismatch),
        "other blinding",
    );
    let mut f = honest();
    f.statement.registry_root += Fr::one();
    assert_rejected(
        &f,
        |e| matches!(e, ClaimError::RegistryRootMismatch),
        "other registry root",
    );
}

/// Groth16 end to end on the small shape: the honest proof verifies, and
/// changing any single public input makes verification fail.
#[test]
fn proves_verifies_and_binds_every_public_input() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let f = honest();
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(ClusterCircuit::for_setup(SHAPE), &mut rng)
            .unwrap();
    let circuit = ClusterCircuit {
        shape: SHAPE,
        statement: f.statement,
        witness: Some(f.witness.clone()),
    };
    let proof = Groth16::<Bn254>::prove(&pk, circuit, &mut rng).unwrap();
    let inputs = f.statement.public_inputs();
    assert_eq!(inputs.len(), PUBLIC_INPUT_NAMES.len());
    assert!(Groth16::<Bn254>::verify(&vk, &inputs, &proof).unwrap());
    for i in 0..inputs.len() {
        let mut changed = inputs.clone();
        changed[i] += Fr::one();
        assert!(
            !Groth16::<Bn254>::verify(&vk, &changed, &proof).unwrap(),
            "public input {} not bound",
            PUBLIC_INPUT_NAMES[i]
        );
    }
    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes).unwrap();
    assert_eq!(bytes.len(), 128);
}
