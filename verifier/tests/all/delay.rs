//! Delay evidence in a submission: the agency verifies one delay proof per
//! shard beside the shard and request proofs, and refuses each way of
//! presenting evidence that is not about exactly this inventory, this
//! registry and a day its request accepts.
use crate::fleet_env::{keys, prove, Proven, SHAPE};
use ark_bn254::Bn254;
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_snark::SNARK;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::OnceLock;
use zkcc_circuits::delay::constraints::DelayCircuit;
use zkcc_circuits::delay::fixtures::{DelayFleet, DAY};
use zkcc_circuits::delay::{check_native, DelayStatement};
use zkcc_circuits::shard::fixtures::IMPORTER;
use zkcc_verifier::access::Requirements;
use zkcc_verifier::fleet::{verify_submission, FleetKeys};
use zkcc_verifier::keys::circuit_id;
use zkcc_verifier::submission::{DelayBundle, DelayWindow};
use zkcc_verifier::VerifyError;

fn delay_keys() -> &'static (ProvingKey<Bn254>, VerifyingKey<Bn254>) {
    static K: OnceLock<(ProvingKey<Bn254>, VerifyingKey<Bn254>)> = OnceLock::new();
    K.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0xde1a);
        Groth16::<Bn254>::circuit_specific_setup(DelayCircuit::for_setup(SHAPE), &mut rng).unwrap()
    })
}

fn fleet_keys() -> FleetKeys {
    keys().fleet.clone().with_delay(&delay_keys().1).unwrap()
}

fn bundle(st: &DelayStatement, w: &zkcc_circuits::delay::DelayWitness, seed: u64) -> DelayBundle {
    check_native(&SHAPE, st, w).unwrap();
    let (pk, vk) = delay_keys();
    let mut rng = StdRng::seed_from_u64(seed);
    let c = DelayCircuit::with_witness(SHAPE, *st, w.clone());
    let proof = Groth16::<Bn254>::prove(pk, c, &mut rng).unwrap();
    DelayBundle::new(IMPORTER, circuit_id(vk), SHAPE, st, &proof)
}

/// The honest fleet on the registry with landmarks: its submission with a
/// delay proof per shard, under a request accepting days DAY−1 to DAY.
fn proven() -> &'static (Proven, DelayFleet) {
    static P: OnceLock<(Proven, DelayFleet)> = OnceLock::new();
    P.get_or_init(|| {
        let d = DelayFleet::standard(SHAPE, 3);
        let f = &d.fleet;
        let mut p = prove(IMPORTER, &f.registry, &f.ledger, &f.shards, &f.request, 31);
        p.submission.delay = d
            .proofs
            .iter()
            .enumerate()
            .map(|(i, (st, w))| bundle(st, w, 40 + i as u64))
            .collect();
        p.request.delay = Some(DelayWindow {
            earliest_day: DAY - 1,
            latest_day: DAY,
        });
        (p, d)
    })
}

fn verify(
    p: &Proven,
    keys: &FleetKeys,
) -> Result<zkcc_verifier::fleet::VerifiedSubmission, VerifyError> {
    verify_submission(
        keys,
        &p.registry,
        &p.ledger,
        &p.request,
        &p.submission,
        &mut StdRng::seed_from_u64(7),
    )
}

fn fleet_check(e: VerifyError) -> &'static str {
    match e {
        VerifyError::Fleet { check, .. } => check,
        e => panic!("expected a fleet check, got {e}"),
    }
}

#[test]
fn a_submission_with_delay_evidence_verifies_and_states_its_day() {
    let (p, _) = proven();
    assert!(p.submission.delay.len() >= 2);
    let v = verify(p, &fleet_keys()).unwrap();
    assert_eq!(v.delay_day, Some(DAY));
    let rule = Requirements {
        min_facilities: 1,
        min_ledger_chips: 1,
        delay_evidence: true,
        ..Default::default()
    };
    assert!(rule.check(&v).iter().all(|(ok, _)| *ok));
    // The same submission without its delay proofs, under a request without
    // delay evidence: verified, and the rule is not met.
    let mut q = p.clone();
    q.submission.delay.clear();
    q.request.delay = None;
    let v = verify(&q, &fleet_keys()).unwrap();
    assert_eq!(v.delay_day, None);
    assert!(rule
        .check(&v)
        .iter()
        .any(|(ok, why)| !ok && why.contains("no delay evidence")));
}

#[test]
fn delay_evidence_that_is_not_about_this_inventory_and_day_is_refused() {
    let (p, _) = proven();
    let keys = fleet_keys();
    // Missing, one short, or in another order.
    let mut q = p.clone();
    q.submission.delay.clear();
    assert_eq!(fleet_check(verify(&q, &keys).unwrap_err()), "delay_count");
    let mut q = p.clone();
    q.submission.delay.pop();
    assert_eq!(fleet_check(verify(&q, &keys).unwrap_err()), "delay_count");
    let mut q = p.clone();
    q.submission.delay.swap(0, 1);
    let e = verify(&q, &keys).unwrap_err();
    assert!(e.to_string().contains("shard_commitment"), "{e}");
    // A day outside the request's window.
    let mut q = p.clone();
    q.request.delay = Some(DelayWindow {
        earliest_day: DAY + 1,
        latest_day: DAY + 7,
    });
    let e = verify(&q, &keys).unwrap_err();
    assert!(e.to_string().contains("the request accepts days"), "{e}");
    // Delay proofs the request did not ask for.
    let mut q = p.clone();
    q.request.delay = None;
    assert_eq!(
        fleet_check(verify(&q, &keys).unwrap_err()),
        "delay_unrequested"
    );
    // A public input edited (the day moved into the window): the proof fails.
    let mut q = p.clone();
    q.request.delay = Some(DelayWindow {
        earliest_day: DAY,
        latest_day: DAY + 1,
    });
    q.submission.delay[1].public_inputs.day = DAY + 1;
    let e = verify(&q, &keys).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Fleet {
                check: "delay_day",
                ..
            } | VerifyError::Fleet {
                check: "delay_proof",
                ..
            }
        ),
        "{e}"
    );
    q.submission
        .delay
        .iter_mut()
        .for_each(|b| b.public_inputs.day = DAY + 1);
    let e = verify(&q, &keys).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    // No delay key: a configuration error, not the importer's fault.
    let e = verify(p, &crate::fleet_env::keys().fleet).unwrap_err();
    assert!(matches!(e, VerifyError::KeyInvalid(_)), "{e}");
}
