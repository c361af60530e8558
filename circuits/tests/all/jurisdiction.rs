//! The deployment-jurisdiction claim: honest and tampered, native check and
//! circuit both; every public input bound; hostile assignments.
use crate::common::{fails_only_at, synthesized, two_fails_at_booleanity};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use zkcc_circuits::error::ClaimError;
use zkcc_circuits::harness::{Explained, Snapshot};
use zkcc_circuits::jurisdiction::constraints::{self as jc, JurisdictionCircuit};
use zkcc_circuits::jurisdiction::fixtures::{Deployment, Store, CAPACITY, EPOCH, MAX_TIER};
use zkcc_circuits::jurisdiction::{self, check_native, JurisdictionStatement, JurisdictionWitness};
use zkcc_circuits::Fr;
use zkcc_test_support::groth16;
use zkcc_test_support::hostile::{bv, fp};
use zkcc_test_support::pins;

fn circuit(st: &JurisdictionStatement, w: &JurisdictionWitness) -> JurisdictionCircuit {
    JurisdictionCircuit::with_witness(CAPACITY, *st, w.clone())
}

fn sat(st: &JurisdictionStatement, w: &JurisdictionWitness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit(st, w).generate_constraints(cs.clone()).unwrap();
    zkcc_circuits::harness::satisfied(&cs).unwrap()
}

/// `(st, w)` fails natively on the attestation's signature, and the
/// circuit rejects it too.
fn bad_signature(st: &JurisdictionStatement, w: &JurisdictionWitness) {
    assert!(matches!(
        check_native(CAPACITY, st, w),
        Err(ClaimError::BadSignature { slot: 0, .. })
    ));
    assert!(!sat(st, w));
}

fn rejected(d: &Deployment, expected: ClaimError) {
    let (st, w) = d.build();
    assert_eq!(check_native(CAPACITY, &st, &w), Err(expected));
    assert!(!sat(&st, &w), "the circuit must reject it too");
}

fn with(edit: impl FnOnce(&mut Deployment)) -> Deployment {
    let mut d = Deployment::standard();
    edit(&mut d);
    d
}

#[test]
fn honest_deployments_pass_both_at_every_fill() {
    for n in 1..=CAPACITY {
        let d = with(|d| {
            d.stores.push(Store {
                id: "LOGS-2".into(),
                facility: 2,
                encrypted: true,
                key_fingerprint: 9,
            });
            d.stores.truncate(n);
        });
        let (st, w) = d.build();
        check_native(CAPACITY, &st, &w).unwrap();
        assert!(sat(&st, &w), "{n} stores");
    }
}

#[test]
fn costs_are_pinned_and_the_formula_holds() {
    pins::assert_formula_and_pinned(
        "jurisdiction",
        JurisdictionCircuit::for_setup,
        jc::cost,
        CAPACITY,
        (PINNED_CONSTRAINTS, PINNED_MATRICES),
    );
}
const PINNED_CONSTRAINTS: usize = 17_351;
const PINNED_MATRICES: &str = "2efd539405eeda7571f42b0560b1b8fe2d9f848a856bbef299d7739bb45c810f";

// ---------------------------------------------------------------------------
// Tampering, one change each.

#[test]
fn a_store_in_a_disallowed_country_fails() {
    // KP-PYO-05 is tier 3; the agency allows tiers ≤ 2.
    rejected(
        &with(|d| d.stores[1].facility = 4),
        ClaimError::DisallowedCountry {
            slot: 1,
            tier: 3,
            max_tier: MAX_TIER,
        },
    );
}

#[test]
fn a_store_attested_for_another_epoch_or_deployment_fails() {
    rejected(
        &with(|d| d.signed_epoch = EPOCH - 1),
        ClaimError::WrongEpoch {
            slot: 0,
            found: EPOCH - 1,
            expected: EPOCH,
        },
    );
    rejected(
        &with(|d| d.signed_id = "CHAT-US-2".into()),
        ClaimError::WrongDeployment,
    );
}

/// A deployment with no store, its empty list honestly attested: "every
/// store is in an allowed jurisdiction" would hold of nothing. Refused
/// natively, and in the circuit only by `count · count⁻¹ = 1` (the test
/// below pins the row).
#[test]
fn a_deployment_without_stores_fails() {
    rejected(&with(|d| d.stores.clear()), ClaimError::NoStores);
}

/// An attestation the auditor made for another operator's deployment (same
/// deployment id, model, epoch and stores): the operator is in the signed
/// message, so it does not serve `X`.
#[test]
fn an_attestation_for_another_operator_fails() {
    let d = with(|d| d.signed_importer = "OTHER-DC".into());
    let (st, w) = d.build();
    bad_signature(&st, &w);
    // The same attestation verifies for the operator it names: only the
    // operator differs.
    let other = zkcc_circuits::encoding::encode_label("OTHER-DC").unwrap();
    let msg = jurisdiction::attestation_message(
        other,
        st.deployment,
        st.model_commitment,
        st.epoch,
        &w.records(),
    );
    zkcc_circuits::eddsa::verify(&w.auditor.key, msg, &w.signature).unwrap();
}

#[test]
fn a_store_not_encrypted_fails() {
    rejected(
        &with(|d| d.stores[0].encrypted = false),
        ClaimError::NotEncrypted { slot: 0 },
    );
}

#[test]
fn naming_another_model_commitment_fails() {
    let d = with(|d| d.model_commitment += Fr::from(1u64));
    let (st, w) = d.build();
    bad_signature(&st, &w);
}

#[test]
fn a_store_left_out_of_the_attested_list_fails() {
    // The auditor attested both stores; the lab proves only the first.
    let d = Deployment::standard();
    let (st, mut w) = d.build();
    w.stores[1] = jurisdiction::StoreSlot::padding();
    bad_signature(&st, &w);
    // Or marks it unused.
    let (st, mut w) = d.build();
    w.stores[1].used = false;
    assert!(!sat(&st, &w));
}

#[test]
fn another_operator_unaccredited_auditor_or_registry_fails() {
    rejected(
        &with(|d| d.stores[0].facility = 5),
        ClaimError::OperatorMismatch { slot: 0 },
    );
    rejected(
        &with(|d| d.signer = zkcc_circuits::eddsa::SecretKey::from_seed([0x99; 32])),
        ClaimError::AuditorNotAccredited { slot: 0 },
    );
    let d = Deployment::standard();
    let (st, mut w) = d.build();
    w.params_digest += Fr::from(1u64);
    assert_eq!(
        check_native(CAPACITY, &st, &w),
        Err(ClaimError::RegistryRootMismatch)
    );
    assert!(!sat(&st, &w));
}

#[test]
fn proves_and_verifies_and_binds_every_input() {
    let (st, w) = Deployment::standard().build();
    let inputs = st.public_inputs();
    assert_eq!(inputs.len(), jurisdiction::PUBLIC_INPUT_NAMES.len());
    groth16::round_trip_binds_every_input(
        JurisdictionCircuit::for_setup(CAPACITY),
        circuit(&st, &w),
        &inputs,
        &jurisdiction::PUBLIC_INPUT_NAMES,
        13,
    );
}

// ---------------------------------------------------------------------------
// Hostile assignments.

fn snap(st: &JurisdictionStatement, w: &JurisdictionWitness) -> (Snapshot, jc::JurisdictionVars) {
    synthesized(jc::synthesize, circuit(st, w))
}

#[test]
fn no_unexplained_free_variables() {
    for n in [1, 2] {
        let (st, w) = with(|d| d.stores.truncate(n)).build();
        let (snap, _) = snap(&st, &w);
        snap.is_satisfied().unwrap();
        snap.check_free(&Explained::new()).unwrap();
    }
}

/// A store in a tier-3 country, honestly attested: only the recomposition of
/// `u·(max_tier − tier)` fails (it would need −1 in 8 bits).
#[test]
fn a_disallowed_country_fails_only_at_the_tier_range_check() {
    let (st, w) = with(|d| d.stores[1].facility = 4).build();
    let (snap, vars) = snap(&st, &w);
    let b = &vars.tier_bits[1];
    fails_only_at(&snap, &[bv(&b[0]), bv(&b[7])]);
}

/// No store, the empty list honestly attested: only `count · count⁻¹ = 1`
/// fails (without it the statement would hold).
#[test]
fn no_store_fails_only_at_the_count_row() {
    let (st, w) = with(|d| d.stores.clear()).build();
    let (snap, vars) = snap(&st, &w);
    let inv = fp(vars.count_inverse.as_ref().unwrap());
    fails_only_at(&snap, &[inv]);
}

/// A store found unencrypted, honestly attested: only `u·(1 − enc) = 0` fails.
#[test]
fn an_unencrypted_store_fails_only_at_the_encryption_row() {
    let (st, w) = with(|d| d.stores[0].encrypted = false).build();
    let (snap, vars) = snap(&st, &w);
    fails_only_at(&snap, &[bv(&vars.encrypted[0]), bv(&vars.used[0])]);
}

/// A facility of another operator: only `u·(operator − X) = 0` fails.
#[test]
fn another_operator_fails_only_at_the_operator_row() {
    let (st, w) = with(|d| d.stores[0].facility = 5).build();
    let (snap, vars) = snap(&st, &w);
    fails_only_at(&snap, &[fp(&vars.operators[0]), bv(&vars.used[0])]);
}

/// Hostile flags: an encrypted flag of 2 (with `u = 1`, `u·(1 − 2) ≠ 0`
/// anyway) or a used flag of 2 fail first at their booleanity rows.
#[test]
fn hostile_flags_fail_at_their_booleanity_rows() {
    let (st, w) = Deployment::standard().build();
    let (snap, vars) = snap(&st, &w);
    for v in [bv(&vars.encrypted[0]), bv(&vars.used[2])] {
        two_fails_at_booleanity(&snap, v);
    }
}

// ---------------------------------------------------------------------------
// Found by the re-layout search (`circuits/tests/relayout.rs`): witness
// fields the native check read and the circuit did not, and an unused slot's
// tier that the circuit read and the native check did not.

/// The record of a used slot names another facility of `X` than the slot's
/// leaf, the auditor's signature unchanged (over the leaf's id). Natively:
/// the record's facility is not the slot's. The circuit chained the leaf's
/// id and accepted; it now chains the record's and requires
/// `u·(facility_id − id) = 0`.
#[test]
fn a_record_naming_another_facility_than_its_slot_fails() {
    let d = Deployment::standard();
    let (st, mut w) = d.build();
    w.stores[0].record.facility_id = d.registry.facilities[1].id;
    assert_eq!(
        check_native(CAPACITY, &st, &w),
        Err(ClaimError::FacilityNotInRegistry { slot: 0 })
    );
    assert!(!sat(&st, &w));
    // The attestation re-signed over what the records name: only the row
    // `u·(facility_id − id) = 0` fails.
    w.signature = d.signer.sign(jurisdiction::attestation_message(
        st.importer,
        st.deployment,
        st.model_commitment,
        st.epoch,
        &w.records(),
    ));
    assert_eq!(
        check_native(CAPACITY, &st, &w),
        Err(ClaimError::FacilityNotInRegistry { slot: 0 })
    );
    let (snap, vars) = snap(&st, &w);
    fails_only_at(&snap, &[fp(&vars.facility_ids[0]), bv(&vars.used[0])]);
}

/// The witness names another epoch or deployment than the statement, the
/// signature being over the statement's: refused natively, and in the
/// circuit (which used only the public values) by the equalities of the
/// attested fields, and only by them.
#[test]
fn attested_fields_relabelled_fail_only_at_their_equality_rows() {
    let (st, honest) = Deployment::standard().build();
    let mut w = honest.clone();
    w.attested_epoch = EPOCH + 1;
    assert_eq!(
        check_native(CAPACITY, &st, &w),
        Err(ClaimError::WrongEpoch {
            slot: 0,
            found: EPOCH + 1,
            expected: EPOCH
        })
    );
    let (snap1, vars) = snap(&st, &w);
    fails_only_at(&snap1, &[fp(&vars.attested[1]), fp(&vars.inputs[4])]);
    let mut w = honest;
    w.attested_deployment += Fr::from(1u64);
    assert_eq!(
        check_native(CAPACITY, &st, &w),
        Err(ClaimError::WrongDeployment)
    );
    let (snap2, vars) = snap(&st, &w);
    fails_only_at(&snap2, &[fp(&vars.attested[0]), fp(&vars.inputs[2])]);
}

/// What an unused slot holds is not read: a slot holding, unused, the tier-3
/// facility KP-PYO-05 (or another operator's) is accepted by both. The
/// circuit range-checked `max_tier − tier` in every slot and refused what the
/// native check accepted; it now checks `u·(max_tier − tier)`.
#[test]
fn an_unused_slot_holding_a_disallowed_facility_is_not_read() {
    let d = Deployment::standard();
    let (st, honest) = d.build();
    assert!(!honest.stores[2].used);
    for fac in [4, 5] {
        let mut w = honest.clone();
        w.stores[2].facility = d.registry.facilities[fac];
        w.stores[2].facility_path = d.registry.facility_tree.path(fac);
        w.stores[2].record.facility_id = d.registry.facilities[fac].id;
        check_native(CAPACITY, &st, &w).unwrap();
        assert!(sat(&st, &w), "facility {fac}");
    }
}
