//! The accountable statement: shard and request claims, honest and tampered.
use crate::common::constraints;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::{self, RequestShape};
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::fixtures::Fleet;
use zkcc_circuits::shard::{self, ShardShape};
use zkcc_circuits::Fr;

use zkcc_test_support::fixtures::{RSHAPE, SHAPE};

fn sat<C: ConstraintSynthesizer<Fr>>(c: C) -> (bool, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    c.generate_constraints(cs.clone()).unwrap();
    (
        zkcc_circuits::harness::satisfied(&cs).unwrap(),
        cs.num_constraints(),
    )
}

#[test]
fn honest_fleet_satisfies_everything() {
    let f = Fleet::standard(SHAPE, RSHAPE, 1);
    assert_eq!(f.shards.len(), 2);
    for (st, w) in &f.shards {
        shard::check_native(&SHAPE, st, w).unwrap();
        let (ok, n) = sat(ShardCircuit::with_witness(SHAPE, *st, w.clone()));
        println!("shard constraints {n}");
        assert!(ok);
    }
    let (st, w) = &f.request;
    let t = request::check_native(&RSHAPE, st, w).unwrap();
    assert_eq!(t.facilities, 4);
    let (ok, n) = sat(RequestCircuit::with_witness(RSHAPE, *st, w.clone()));
    println!("request constraints {n}");
    assert!(ok);
}

fn shard_count(f: usize, m: usize) -> usize {
    constraints(ShardCircuit::for_setup(ShardShape::new(f, m)))
}

fn request_count(s: usize, e: usize) -> usize {
    constraints(RequestCircuit::for_setup(RequestShape::new(s, e)))
}

/// The pinned cost formulas, checked against real counts at several shapes.
#[test]
fn costs_are_pinned_and_the_formulas_hold() {
    use zkcc_circuits::request::constraints::cost as rcost;
    use zkcc_circuits::shard::constraints::cost as scost;
    for (f, m) in [(1, 1), (1, 2), (2, 1), (3, 4)] {
        assert_eq!(
            shard_count(f, m),
            scost(&ShardShape::new(f, m)),
            "shard {f}x{m}"
        );
    }
    for (s, e) in [(1, 1), (1, 2), (2, 1), (3, 3)] {
        assert_eq!(
            request_count(s, e),
            rcost(&RequestShape::new(s, e)),
            "request {s}x{e}"
        );
    }
    assert_eq!(shard_count(3, 4), 40_871);
    assert_eq!(request_count(3, 3), 8_396);
}

/// The matrices themselves, pinned: a change of any coefficient, column or
/// row order of either circuit is a visible diff here (and means new keys).
#[test]
fn matrices_are_pinned() {
    use zkcc_circuits::harness::matrices_digest;
    let shard = matrices_digest(ShardCircuit::for_setup(ShardShape::new(3, 4))).unwrap();
    let request = matrices_digest(RequestCircuit::for_setup(RequestShape::new(3, 3))).unwrap();
    assert_eq!(
        shard, "0c7afb00e2e2c3a64526be6c40fe2e4f98a2527eef4fdd4f01a66d1efcf84eca",
        "shard-3x4"
    );
    assert_eq!(
        request, "578a8bc26e9cb4e724124876ef295f67cc4a7a30d56f8f6dc2e221149c80bb80",
        "request-3x3"
    );
}

/// The other claims' matrices, pinned the same way: the delay claim at two
/// facility slots of eleven chips (two batch blocks each), the evaluation and
/// jurisdiction claims at three slots.
#[test]
fn other_claims_matrices_are_pinned() {
    use zkcc_circuits::delay::constraints::DelayCircuit;
    use zkcc_circuits::evaluation::constraints::EvaluationCircuit;
    use zkcc_circuits::harness::matrices_digest;
    use zkcc_circuits::jurisdiction::constraints::JurisdictionCircuit;
    let delay = matrices_digest(DelayCircuit::for_setup(ShardShape::new(2, 11))).unwrap();
    let evaluation = matrices_digest(EvaluationCircuit::for_setup(3)).unwrap();
    let jurisdiction = matrices_digest(JurisdictionCircuit::for_setup(3)).unwrap();
    assert_eq!(
        delay, "99c7fee1f1e4d738919c447c2905cd8dda6b9ef9c3750292306539c8898b7fc8",
        "delay-2x11"
    );
    assert_eq!(
        evaluation, "d8beeb8e5d98601bd7caff0f8e65c3e5111700190aa069f6510be9758ec75b09",
        "evaluation-3"
    );
    assert_eq!(
        jurisdiction, "89fa2bdc1a22079887267de34ead2bb4cdd376df4b645c5d7cc4d74d7a82e7bc",
        "jurisdiction-3"
    );
}

// ---------------------------------------------------------------------------
// Tampering: each change alone, failing the native check with the exact
// reason and leaving the circuit unsatisfied.

use zkcc_circuits::error::ClaimError;
use zkcc_circuits::ledger::{chip_ident, encode_serial, serial_of, Ledger};
use zkcc_circuits::request::Rules;
use zkcc_circuits::shard::fixtures::{chip_in, home, Plan, PlanChunk, EPOCH, MODELS};

fn fleet() -> Fleet {
    Fleet::standard(SHAPE, RSHAPE, 1)
}

fn shard_sat(f: &Fleet, s: usize) -> bool {
    let (st, w) = &f.shards[s];
    sat(ShardCircuit::with_witness(SHAPE, *st, w.clone())).0
}

fn request_sat(f: &Fleet) -> bool {
    let (st, w) = &f.request;
    sat(RequestCircuit::with_witness(RSHAPE, *st, w.clone())).0
}

/// Every shard holds (native and circuit); the request fails natively with
/// `rule` and leaves its circuit unsatisfied.
fn request_rejected(f: &Fleet, rule: &str) -> String {
    for (s, (st, w)) in f.shards.iter().enumerate() {
        shard::check_native(&SHAPE, st, w).unwrap_or_else(|e| panic!("shard {s}: {e}"));
        assert!(shard_sat(f, s), "shard {s} circuit");
    }
    let (st, w) = &f.request;
    let e = request::check_native(&RSHAPE, st, w).unwrap_err();
    match &e {
        ClaimError::Rule { rule: r, .. } => assert_eq!(*r, rule, "{e}"),
        other => panic!("expected rule {rule}, got {other}"),
    }
    assert!(!request_sat(f), "request circuit must be unsatisfied ({e})");
    e.to_string()
}

fn request_holds(f: &Fleet) -> request::Totals {
    let (st, w) = &f.request;
    let t = request::check_native(&RSHAPE, st, w).unwrap();
    assert!(request_sat(f));
    t
}

fn shard_rejected(f: &Fleet, s: usize, expected: ClaimError) {
    let (st, w) = &f.shards[s];
    assert_eq!(shard::check_native(&SHAPE, st, w).unwrap_err(), expected);
    assert!(
        !shard_sat(f, s),
        "shard circuit must be unsatisfied ({expected})"
    );
}

fn with_plan(f: &Fleet, edit: impl FnOnce(&mut Plan)) -> Fleet {
    let mut plan = f.plan.clone();
    edit(&mut plan);
    f.rebuild(plan, f.ledger.clone(), f.request.0.rules)
}

fn with_rules(f: &Fleet, edit: impl FnOnce(&mut Rules)) -> Fleet {
    let mut rules = f.request.0.rules;
    edit(&mut rules);
    f.rebuild(f.plan.clone(), f.ledger.clone(), rules)
}

/// Index of the chunk of registry facility `fac` (and chunk `k`) in the plan.
fn find(plan: &Plan, fac: usize, k: u64) -> (usize, usize) {
    for (s, chunks) in plan.shards.iter().enumerate() {
        for (j, c) in chunks.iter().enumerate() {
            if c.facility == fac && c.chunk == k {
                return (s, j);
            }
        }
    }
    panic!("no chunk {k} of facility {fac}")
}

/// The first chunk of registry facility `fac` in the plan.
fn first_chunk(plan: &mut Plan, fac: usize) -> &mut PlanChunk {
    let (s, j) = find(plan, fac, 0);
    &mut plan.shards[s][j]
}

/// `f` with its plan edited: the request fails on the ledger rule (see
/// [`request_rejected`]).
fn ledger_rejected(f: &Fleet, edit: impl FnOnce(&mut Plan)) {
    request_rejected(&with_plan(f, edit), "ledger");
}

/// `f` with the first chip of facility 2 measured at `(lat, lon)` within
/// `uncertainty_m`.
fn with_first_chip_at(f: &Fleet, lat: i64, lon: i64, uncertainty_m: u64) -> Fleet {
    with_plan(f, |p| {
        let r = &mut first_chunk(p, 2).chips[0].record;
        r.lat = lat;
        r.lon = lon;
        r.uncertainty_m = uncertainty_m;
    })
}

/// Shard `s` fails natively on the geofence of the first chip of its slot
/// `j`, and its circuit is unsatisfied.
fn first_chip_outside(f: &Fleet, s: usize, j: usize) {
    match shard::check_native(&SHAPE, &f.shards[s].0, &f.shards[s].1).unwrap_err() {
        ClaimError::OutsideGeofence { slot, .. } => assert_eq!(slot, j * SHAPE.slot_chips),
        e => panic!("{e}"),
    }
    assert!(!shard_sat(f, s));
}

#[test]
fn empty_inventory_against_a_nonempty_ledger_fails() {
    let f = with_plan(&fleet(), |p| p.shards.clear());
    assert!(f.shards.is_empty());
    request_rejected(&f, "ledger");
}

#[test]
fn one_ledger_chip_left_out_fails() {
    ledger_rejected(&fleet(), |p| {
        first_chunk(p, 2).chips.remove(0);
    });
}

#[test]
fn a_chip_listed_twice_fails_in_one_facility_and_in_two() {
    let base = fleet();
    // Same facility: US-VA-03 holds 2 chips, room for 2 more.
    ledger_rejected(&base, |p| {
        let chunk = first_chunk(p, 2);
        chunk.chips.push(chunk.chips[0].clone());
    });
    // Two facilities: the same chip also measured inside SG-JUR-04.
    ledger_rejected(&base, |p| {
        let mut c = first_chunk(p, 2).chips[0].clone();
        let serial = serial_of(&c.record.ident).unwrap();
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
        let moved = chip_in(&base.registry, 3, &serial, 0, &mut rng);
        c.record.lat = moved.lat;
        c.record.lon = moved.lon;
        first_chunk(p, 3).chips.push(c);
    });
}

#[test]
fn a_chip_whose_model_or_tpp_differs_from_the_ledger_fails() {
    let base = fleet();
    ledger_rejected(&base, |p| {
        let r = &mut first_chunk(p, 1).chips[0].record;
        let serial = encode_serial(&serial_of(&r.ident).unwrap()).unwrap();
        let other = usize::from(r.tpp == MODELS[0].1);
        r.ident = chip_ident(serial, other);
    });
    ledger_rejected(&base, |p| first_chunk(p, 1).chips[0].record.tpp += 1);
}

#[test]
fn unmarking_a_ledger_chip_or_marking_another_fails() {
    let base = fleet();
    ledger_rejected(&base, |p| first_chunk(p, 1).chips[0].ledger = false);
    ledger_rejected(&base, |p| {
        let c = first_chunk(p, 1)
            .chips
            .iter_mut()
            .find(|c| !c.ledger)
            .unwrap();
        c.ledger = true;
    });
}

#[test]
fn a_facility_operated_by_another_importer_fails() {
    let base = fleet();
    let f = with_plan(&base, |p| {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(4);
        let c = first_chunk(p, 2);
        c.facility = 5; // FR-LYS-06, operated by OTHER-DC
        for ch in c.chips.iter_mut() {
            let serial = serial_of(&ch.record.ident).unwrap();
            let model = usize::from(ch.record.tpp != MODELS[0].1);
            ch.record = chip_in(&base.registry, 5, &serial, model, &mut rng);
        }
    });
    let (s, j) = find(&f.plan, 5, 0);
    shard_rejected(&f, s, ClaimError::OperatorMismatch { slot: j });
}

#[test]
fn an_attestation_for_another_epoch_fails() {
    let f = with_plan(&fleet(), |p| p.shards[1][0].epoch = EPOCH + 1);
    shard_rejected(
        &f,
        1,
        ClaimError::WrongEpoch {
            slot: 0,
            found: EPOCH + 1,
            expected: EPOCH,
        },
    );
}

#[test]
fn a_record_changed_after_signing_fails_on_the_signature() {
    let mut f = fleet();
    f.shards[0].1.facilities[1].chips[0].record.uncertainty_m += 1;
    let (st, w) = &f.shards[0];
    match shard::check_native(&SHAPE, st, w).unwrap_err() {
        ClaimError::BadSignature { slot: 1, .. } => {}
        e => panic!("{e}"),
    }
    assert!(!shard_sat(&f, 0));
}

#[test]
fn a_chip_one_unit_outside_its_fence_fails() {
    let base = fleet();
    let fence = base.registry.facilities[2].fence;
    let mut k = 0;
    while fence.check(fence.lat + k, fence.lon, 10).is_ok() {
        k += 1;
    }
    let f = with_first_chip_at(&base, fence.lat + k, fence.lon, 10);
    let (s, j) = find(&f.plan, 2, 0);
    first_chip_outside(&f, s, j);
    // One unit less is inside.
    let f = with_first_chip_at(&base, fence.lat + k - 1, fence.lon, 10);
    assert!(shard::check_native(&SHAPE, &f.shards[s].0, &f.shards[s].1).is_ok());
    assert!(shard_sat(&f, s));
}

/// A chip on the last point of its fence for uncertainty 30: one metre more
/// of uncertainty (31, same position, re-signed) pushes it out, natively and
/// in the shard circuit.
#[test]
fn an_uncertainty_that_pushes_a_chip_out_fails() {
    let base = fleet();
    let fence = base.registry.facilities[2].fence;
    let mut k = 0;
    while fence.check(fence.lat + k + 1, fence.lon, 30).is_ok() {
        k += 1;
    }
    let at = |unc: u64| with_first_chip_at(&base, fence.lat + k, fence.lon, unc);
    let (s, j) = find(&base.plan, 2, 0);
    let f = at(30);
    shard::check_native(&SHAPE, &f.shards[s].0, &f.shards[s].1).unwrap();
    assert!(shard_sat(&f, s), "the last point inside is accepted");
    first_chip_outside(&at(31), s, j);
}

/// An attestation signed by an auditor the registry does not list: the
/// signature is valid under the auditor's own key, the shard's commitment and
/// output are recomputed for it (a consistent cheating prover), and only the
/// auditor's registry membership is left to refuse it — natively
/// (`AuditorNotAccredited`) and in the circuit.
#[test]
fn an_unaccredited_auditor_fails() {
    use zkcc_circuits::eddsa::SecretKey;
    use zkcc_circuits::ledger::challenges;
    use zkcc_circuits::registry::AuditorLeaf;
    use zkcc_circuits::shard::{attestation_message, shard_commitment};
    let mut f = fleet();
    let rogue = SecretKey::from_seed([77; 32]);
    let (st, w) = &mut f.shards[0];
    let slot = &mut w.facilities[1];
    slot.auditor = AuditorLeaf {
        id: slot.auditor.id,
        key: rogue.public(),
    };
    let msg = attestation_message(
        slot.facility.id,
        slot.attestation_epoch,
        slot.chunk,
        slot.chunks,
        slot.digest(),
    );
    slot.signature = rogue.sign(msg);
    st.shard_commitment = shard_commitment(st.importer, st.epoch, w);
    let (g, b) = challenges(st.commitment, st.ledger_digest, st.importer, st.epoch);
    let out = w.output(g, b);
    st.output = out.commitment(st.commitment, st.importer, st.epoch);
    shard_rejected(&f, 0, ClaimError::AuditorNotAccredited { slot: 1 });
}

#[test]
fn an_unregistered_facility_fails() {
    let mut f = fleet();
    f.shards[0].1.facilities[0].facility.fence.radius_m += 100;
    shard_rejected(&f, 0, ClaimError::FacilityNotInRegistry { slot: 0 });
}

#[test]
fn a_mark_on_an_inactive_slot_fails() {
    let mut f = fleet();
    let (s, j) = find(&f.plan, 2, 0);
    f.shards[s].1.facilities[j].chips[3].ledger = true;
    shard_rejected(
        &f,
        s,
        ClaimError::Padding {
            slot: j * SHAPE.slot_chips + 3,
            reason: "an inactive chip slot is marked as a ledger chip".into(),
        },
    );
}

#[test]
fn the_importer_changed_fails() {
    let mut f = fleet();
    f.shards[0].0.importer = zkcc_circuits::encoding::encode_label("EVIL-CORP").unwrap();
    shard_rejected(&f, 0, ClaimError::OperatorMismatch { slot: 0 });
}

/// A plan with a ledger chip in KP (tier 3), and its ledger.
pub(crate) fn blocked_tier_plan(base: &Fleet) -> (Plan, Ledger) {
    let mut plan = Plan::new(
        &base.registry,
        &[(0, 2, 0), (4, 1, 0)],
        SHAPE.slot_chips,
        SHAPE.facilities,
        5,
    );
    plan.shards.truncate(RSHAPE.shards);
    let ledger = plan.ledger(&base.registry);
    (plan, ledger)
}

#[test]
fn a_chip_in_a_blocked_tier_country_fails() {
    let base = fleet();
    let (plan, ledger) = blocked_tier_plan(&base);
    let ok = base.rebuild(
        plan.clone(),
        ledger.clone(),
        Rules {
            max_tier: 3,
            ..Rules::permissive(home())
        },
    );
    request_holds(&ok);
    let bad = base.rebuild(
        plan,
        ledger,
        Rules {
            max_tier: 2,
            ..Rules::permissive(home())
        },
    );
    request_rejected(&bad, "tier exclusion");
}

#[test]
fn distribution_rules_fail_one_basis_point_past_the_limit() {
    let base = fleet();
    let t = request_holds(&base);
    // Home (FR) share: the largest h that holds, and h + 1.
    let h = (10_000 * t.home_tpp / t.tpp) as u64;
    request_holds(&with_rules(&base, |r| r.home_min_bp = h));
    request_rejected(
        &with_rules(&base, |r| r.home_min_bp = h + 1),
        "distribution",
    );
    // Other countries: the largest non-home country's share, rounded up, and one bp less.
    let mut by_country = std::collections::BTreeMap::<u64, u128>::new();
    for e in base
        .request
        .1
        .shards
        .iter()
        .flat_map(|s| &s.entries)
        .filter(|e| e.used)
    {
        let v: u128 = e.tpp.to_string().parse().unwrap();
        *by_country.entry(e.country).or_default() += v;
    }
    let max_other = by_country
        .iter()
        .filter(|(c, _)| **c != home())
        .map(|(_, v)| *v)
        .max()
        .unwrap();
    let o = (10_000 * max_other).div_ceil(t.tpp) as u64;
    request_holds(&with_rules(&base, |r| r.other_max_bp = o));
    let msg = request_rejected(
        &with_rules(&base, |r| r.other_max_bp = o - 1),
        "distribution",
    );
    // The country by its code, as the registry writes it.
    let code = msg.split("country ").nth(1).unwrap_or_default();
    assert!(
        code.len() > 2
            && code.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
            && code.as_bytes()[2] == b':',
        "{msg}"
    );
    // Outside tier 1.
    let o1 = (10_000 * t.outside_tier1_tpp).div_ceil(t.tpp) as u64;
    request_holds(&with_rules(&base, |r| r.outside_tier1_max_bp = o1));
    request_rejected(
        &with_rules(&base, |r| r.outside_tier1_max_bp = o1 - 1),
        "distribution",
    );
}

#[test]
fn a_facility_one_chip_over_the_cluster_cap_fails_across_chunks() {
    let base = fleet();
    // FR-PAR-01 holds m + 2 = 6 ledger chips in two chunks.
    request_holds(&with_rules(&base, |r| r.facility_cap_chips = 6));
    let msg = request_rejected(
        &with_rules(&base, |r| r.facility_cap_chips = 5),
        "facility cap",
    );
    assert!(msg.contains("6 ledger chips"), "{msg}");
    // The message names the facility (registry index and country), not only
    // the request entry.
    assert!(
        msg.contains("facility #") && msg.contains(" in FR (entry "),
        "{msg}"
    );
}

#[test]
fn totals_over_their_caps_fail() {
    let base = fleet();
    let n = base.ledger.len() as u64;
    request_holds(&with_rules(&base, |r| r.total_cap_chips = n));
    request_rejected(&with_rules(&base, |r| r.total_cap_chips = n - 1), "totals");
    let tpp = base.ledger.total_tpp();
    request_holds(&with_rules(&base, |r| r.total_cap_tpp = tpp));
    request_rejected(&with_rules(&base, |r| r.total_cap_tpp = tpp - 1), "totals");
}

#[test]
fn the_facility_count_is_exact() {
    let mut f = fleet();
    f.request.0.facilities += 1;
    request_rejected(&f, "facilities");
}

#[test]
fn a_missing_chunk_without_ledger_chips_fails_on_chunk_completeness() {
    // FR-PAR-01: 4 ledger chips, then 4 others: the second chunk holds no ledger chip.
    let base = fleet();
    let mut plan = Plan::new(
        &base.registry,
        &[(0, 4, 4), (1, 1, 0)],
        SHAPE.slot_chips,
        SHAPE.facilities,
        6,
    );
    let ledger = plan.ledger(&base.registry);
    let ok = base.rebuild(plan.clone(), ledger.clone(), Rules::permissive(home()));
    request_holds(&ok);
    let (s, j) = find(&plan, 0, 1);
    plan.shards[s].remove(j);
    let bad = base.rebuild(plan, ledger, Rules::permissive(home()));
    request_rejected(&bad, "chunks");
}

#[test]
fn a_shard_or_chunk_used_twice_fails() {
    let base = fleet();
    // The same chunk in two shards.
    let f = with_plan(&base, |p| {
        let c = p.shards[1][0].clone();
        p.shards[1].push(c);
    });
    request_rejected(&f, "ledger");
    // A shard twice in the request (opened twice, with its output twice in the digest).
    let mut f = base.rebuild(base.plan.clone(), base.ledger.clone(), base.request.0.rules);
    let dup = f.request.1.shards[1].clone();
    f.request.1.shards[2] = dup;
    let (st, w) = &mut f.request;
    let outs: Vec<Fr> = w
        .shards
        .iter()
        .filter(|s| s.used)
        .map(|s| s.commitment(st.commitment, st.importer, st.epoch))
        .collect();
    st.shards_digest = request::shards_digest(&outs);
    st.ledger_product *= w.shards[1].product;
    request_rejected(&f, "order");
}

// ---------------------------------------------------------------------------
// Groth16: the honest multi-shard case proves and verifies; every public
// input changed in turn (the nonce among them: a replay) fails.

fn groth16_round_trip<C: ConstraintSynthesizer<Fr>>(setup: C, prove: C, inputs: Vec<Fr>) {
    zkcc_test_support::groth16::round_trip_binds_every_input(setup, prove, &inputs, &[], 11);
}

#[test]
fn shard_and_request_prove_and_verify_and_bind_every_input() {
    let f = fleet();
    let (st, w) = &f.shards[1];
    groth16_round_trip(
        ShardCircuit::for_setup(SHAPE),
        ShardCircuit::with_witness(SHAPE, *st, w.clone()),
        st.public_inputs(),
    );
    let (st, w) = &f.request;
    groth16_round_trip(
        RequestCircuit::for_setup(RSHAPE),
        RequestCircuit::with_witness(RSHAPE, *st, w.clone()),
        st.public_inputs(),
    );
}

/// The facility count counts only facilities holding a ledger chip: an
/// attested facility with only chips outside the ledger (SG-JUR-04, KP-PYO-05)
/// adds nothing, whether its run is closed by the
/// next run (in the middle of the walk) or is the last one. Claiming the
/// count of attested facilities instead fails natively and in the circuit.
#[test]
fn facilities_without_ledger_chips_are_not_counted() {
    let base = fleet();
    // (registry facility, ledger chips, other chips); walk order DE FR KP SG US.
    for (sizes, attested, counted) in [
        (&[(0, 2, 0), (1, 1, 0), (3, 0, 2), (2, 1, 0)][..], 4, 3),
        (&[(0, 2, 1), (1, 1, 0), (3, 0, 2)][..], 3, 2),
        (&[(0, 1, 0), (4, 0, 1), (3, 0, 1), (2, 2, 0)][..], 4, 2),
    ] {
        let plan = Plan::new(&base.registry, sizes, SHAPE.slot_chips, SHAPE.facilities, 8);
        let ledger = plan.ledger(&base.registry);
        let mut f = base.rebuild(plan, ledger, Rules::permissive(home()));
        assert_eq!(f.request.0.facilities, counted, "{sizes:?}");
        assert_eq!(request_holds(&f).facilities, counted, "{sizes:?}");
        f.request.0.facilities = attested;
        let msg = request_rejected(&f, "facilities");
        assert!(
            msg.contains(&format!(
                "{counted} distinct facilities hold ledger chips, the statement says {attested}"
            )),
            "{msg}"
        );
    }
}

#[test]
fn a_shard_commitment_the_witness_does_not_open_fails() {
    let f = fleet();
    let (st, w) = &f.shards[0];
    let mut other = *st;
    other.shard_commitment += Fr::from(1u64);
    assert_eq!(
        shard::check_native(&SHAPE, &other, w).unwrap_err(),
        ClaimError::CommitmentMismatch
    );
}
