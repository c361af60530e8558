//! The delay claim: the honest fleet passes natively and in the circuit,
//! costs are pinned and within budget, each way of cheating the evidence fails
//! natively and at the row that should catch it, and no re-layout of a shard
//! (with the landmarks signing whatever the new layout asks them to measure)
//! gives other evidence under the same `C_s`.
use crate::common::{constraints, fails_only_at, synthesized};
use ark_ff::{One, Zero};
use ark_relations::gr1cs::Variable;
use zkcc_circuits::delay::constraints::{self as dc, DelayCircuit};
use zkcc_circuits::delay::fixtures::{DelayFleet, DAY};
use zkcc_circuits::delay::{
    check_native, distance_bound_m, rtt_bound_ns, rtt_within, Batch, DelayStatement, DelayWitness,
    SlotEvidence,
};
use zkcc_circuits::eddsa::SecretKey;
use zkcc_circuits::harness::relayout::delay::DelayClaim;
use zkcc_circuits::harness::relayout::{search, Transform};
use zkcc_circuits::harness::{Explained, Snapshot};
use zkcc_circuits::shard::ShardShape;
use zkcc_circuits::{ClaimError, Fr};
use zkcc_test_support::fixtures::SHAPE;
use zkcc_test_support::hostile::{bv, fp, row_with};

fn fleet() -> DelayFleet {
    DelayFleet::standard(SHAPE, 1)
}

fn snap(st: &DelayStatement, w: &DelayWitness) -> (Snapshot, dc::DelayVars) {
    synthesized(
        dc::synthesize,
        DelayCircuit::with_witness(SHAPE, *st, w.clone()),
    )
}

fn count(shape: ShardShape) -> usize {
    constraints(DelayCircuit::for_setup(shape))
}

/// The first (shard, facility slot) holding a ledger chip whose landmark
/// covers it, and the index of its first ledger chip.
fn evidenced_slot(f: &DelayFleet) -> (usize, usize, usize) {
    for (s, b) in f.batches.iter().enumerate() {
        for (j, x) in b.iter().enumerate() {
            if x.is_some() {
                let chips = &f.proofs[s].1.shard.facilities[j].chips;
                return (s, j, chips.iter().position(|c| c.ledger).unwrap());
            }
        }
    }
    panic!("no evidenced slot");
}

#[test]
fn costs_are_pinned_and_the_daily_proof_is_within_budget() {
    for shape in [ShardShape::new(1, 1), SHAPE, ShardShape::new(2, 21)] {
        assert_eq!(count(shape), dc::cost(&shape), "{}", shape.name());
    }
    // One more chip slot (its block share included) within the budget, the
    // shard's accounting; and everything per chip at the live shape stated.
    assert!(dc::marginal_cost_per_chip() <= dc::CHIP_BUDGET);
    assert_eq!(dc::marginal_cost_per_chip(), 349.5);
    let live = ShardShape::new(8, 128);
    assert_eq!(dc::cost(&live), 454_022);
    assert!((dc::cost_per_chip(&live) - 441.8).abs() < 0.1);
}

#[test]
fn the_physics_in_integers() {
    // 500 km: 3.3356 ms; one nanosecond more is refused.
    let b = rtt_bound_ns(500_000);
    assert_eq!(b, 3_335_640);
    assert!(rtt_within(b, 500_000) && !rtt_within(b + 1, 500_000));
    assert!(distance_bound_m(b) <= 500_000.0 && distance_bound_m(b + 1) > 500_000.0);
    // A chip 8,000 km away cannot answer within any bound below 8,000 km.
    let far = 2 * 8_000_000 * 1_000_000_000u64 / 299_792_458;
    assert!(rtt_within(far, 8_000_000) && !rtt_within(far + 1, 8_000_000));
    assert!(!rtt_within(far, 7_999_000) && !rtt_within(far, 500_000));
    assert!(far > 16 * b, "53 ms against 3.3 ms");
    // No wrap: the largest u32 round trip against the largest distance.
    assert!(!rtt_within(1 << 32, 20_000_000));
}

#[test]
fn the_honest_fleet_passes_natively_and_in_the_circuit() {
    let f = fleet();
    assert!(f.proofs.len() >= 2);
    let mut evidenced = 0;
    for (st, w) in &f.proofs {
        check_native(&SHAPE, st, w).unwrap();
        let (snap, vars) = snap(st, w);
        snap.is_satisfied().unwrap();
        // The only free variables: the inverse hint of a slot without ledger
        // chips (0·inv = 0 = h).
        let mut explained = Explained::new();
        for (h, inv) in vars.slots.iter().map(|v| (&v.holds, &v.inverse)) {
            if snap.value(bv(h)) == Some(Fr::one()) {
                evidenced += 1;
            } else {
                explained = explained.var(fp(inv), "inverse hint of a zero count");
            }
        }
        snap.check_free(&explained).unwrap();
    }
    assert!(evidenced >= 3, "slots with evidence: {evidenced}");
}

/// `(st, w)` fails natively on the delay evidence of facility slot `j`, for
/// a reason that mentions `reason`, and its circuit fails at one row only:
/// the row whose support holds all of `at(vars)`.
fn delay_refused(
    st: &DelayStatement,
    w: &DelayWitness,
    j: usize,
    reason: &str,
    at: impl FnOnce(&dc::DelayVars) -> Vec<Variable>,
) {
    match check_native(&SHAPE, st, w) {
        Err(ClaimError::Delay { slot, reason: r }) => {
            assert_eq!(slot, j);
            assert!(r.contains(reason), "{r}");
        }
        other => panic!("expected a delay refusal, got {other:?}"),
    }
    let (snap, vars) = snap(st, w);
    fails_only_at(&snap, &at(&vars));
}

/// A registry root that a slot holding a ledger chip opens, and its `h`.
fn root_of_holding_slot(
    root: &Option<ark_r1cs_std::fields::fp::FpVar<Fr>>,
    slot: &dc::DelaySlotVars,
) -> Vec<Variable> {
    vec![fp(root.as_ref().unwrap()), bv(&slot.holds)]
}

/// Re-signs the fleet after `edit` and returns the edited proof of `s`.
fn resigned(
    f: &mut DelayFleet,
    s: usize,
    edit: impl FnOnce(&mut DelayFleet),
) -> (DelayStatement, DelayWitness) {
    edit(f);
    f.sign();
    f.proofs[s].clone()
}

#[test]
fn a_round_trip_beyond_the_bound_fails_at_the_physics_range_check() {
    let mut f = fleet();
    let (s, j, i) = evidenced_slot(&f);
    let (st, w) = resigned(&mut f, s, |f| {
        let (li, b) = f.batches[s][j].as_mut().unwrap();
        let bound = rtt_bound_ns(f.fleet.registry.landmarks[*li].max_distance_m);
        b.entries[i].1 = (bound + 1) as u32;
    });
    delay_refused(&st, &w, j, "round trip", |vars| {
        vec![fp(&vars.slots[j].max_rtt), fp(&vars.slots[j].max_distance)]
    });
}

#[test]
fn a_landmark_that_does_not_cover_the_facility_fails_at_the_coverage_root() {
    let mut f = fleet();
    let (s, j, _) = evidenced_slot(&f);
    // LM-SHA (Shanghai) covers no facility of the fixtures.
    let (st, w) = resigned(&mut f, s, |f| f.batches[s][j].as_mut().unwrap().0 = 3);
    delay_refused(&st, &w, j, "accepted distance", |vars| {
        root_of_holding_slot(&vars.coverage_root, &vars.slots[j])
    });
}

#[test]
fn an_unaccredited_landmark_fails_at_the_landmark_root() {
    let f = fleet();
    let (s, j, _) = evidenced_slot(&f);
    let (st, mut w) = f.proofs[s].clone();
    // A rogue server with its own key, claiming to be a registry landmark.
    let rogue = SecretKey::from_seed([0x99; 32]);
    let (_, batch) = f.batches[s][j].as_ref().unwrap();
    let ev = &mut w.evidence[j];
    ev.landmark.key = rogue.public();
    ev.signature = rogue.sign(batch.message(ev.landmark.id, DAY));
    delay_refused(&st, &w, j, "not accredited", |vars| {
        root_of_holding_slot(&vars.landmarks_root, &vars.slots[j])
    });
}

#[test]
fn a_batch_is_evidence_for_its_own_day_only() {
    let mut f = fleet();
    let (s, j, _) = evidenced_slot(&f);
    let (st, _) = f.proofs[s].clone();
    let (st_next, w_next) = resigned(&mut f, s, |f| f.day = DAY + 1);
    // Yesterday's statement with today's batches: refused natively and by
    // the landmark's signature in the circuit.
    assert_eq!(st_next.day, DAY + 1);
    assert!(check_native(&SHAPE, &st, &w_next).is_err());
    let (snap_old, _) = snap(&st, &w_next);
    assert!(!snap_old.failing_rows(&[]).is_empty());
    // Today's statement: accepted.
    check_native(&SHAPE, &st_next, &w_next).unwrap();
    let (snap_new, _) = snap(&st_next, &w_next);
    snap_new.is_satisfied().unwrap();
    let _ = j;
}

#[test]
fn a_batch_that_leaves_out_a_ledger_chip_fails_at_the_signature() {
    let mut f = fleet();
    let (s, j, i) = evidenced_slot(&f);
    // The landmark measured every chip but one (the diverted one), and signed that.
    let (st, w) = resigned(&mut f, s, |f| {
        f.batches[s][j].as_mut().unwrap().1.entries[i] = (Fr::zero(), 0)
    });
    assert!(matches!(
        check_native(&SHAPE, &st, &w),
        Err(ClaimError::BadSignature { slot, .. }) if slot == j
    ));
    assert!(!snap(&st, &w).0.failing_rows(&[]).is_empty());
    // And the entry cannot be zeroed inside the circuit instead: the row
    // `m·ident = e` is the first to fail.
    let f = fleet();
    let (st, w) = &f.proofs[s];
    let (snap, vars) = snap(st, w);
    let e = fp(&vars.slots[j].entries[i]);
    let rows = snap.failing_rows(&[(e, Fr::zero())]);
    let entry_row = row_with(&snap, &[bv(&vars.slots[j].chips.marks[i]), e]);
    assert_eq!(rows[0], entry_row, "{rows:?}");
}

#[test]
fn unmarking_a_ledger_chip_to_skip_its_evidence_changes_the_commitment() {
    let mut f = fleet();
    let (s, j, i) = evidenced_slot(&f);
    let (st, _) = f.proofs[s].clone();
    f.fleet.shards[s].1.facilities[j].chips[i].ledger = false;
    f.batches[s][j].as_mut().unwrap().1.entries[i] = (Fr::zero(), 0);
    f.sign();
    let (_, w) = f.proofs[s].clone();
    assert_eq!(
        check_native(&SHAPE, &st, &w),
        Err(ClaimError::CommitmentMismatch)
    );
    let (snap, _) = snap(&st, &w);
    // The public input C_s (instance 0 is the constant one).
    fails_only_at(&snap, &[Variable::instance(4)]);
}

#[test]
fn a_forged_no_ledger_chip_flag_fails_at_the_count_test() {
    let f = fleet();
    let (s, j, _) = evidenced_slot(&f);
    let (st, w) = &f.proofs[s];
    let (snap, vars) = snap(st, w);
    let (h, inv) = (bv(&vars.slots[j].holds), fp(&vars.slots[j].inverse));
    // h = 0 with the honest inverse: count·inv = h fails.
    let rows = snap.failing_rows(&[(h, Fr::zero())]);
    assert!(rows.contains(&row_with(&snap, &[h, inv])), "{rows:?}");
    // h = 0 and inv = 0: count·(1 − h) = 0 fails.
    let rows = snap.failing_rows(&[(h, Fr::zero()), (inv, Fr::zero())]);
    let not_zero = snap
        .rows_of(h)
        .into_iter()
        .find(|r| !snap.support(*r).contains(&inv) && rows.contains(r));
    assert!(not_zero.is_some(), "{rows:?}");
}

#[test]
fn the_statement_binds_importer_epoch_shard_registry_and_day() {
    let f = fleet();
    let (st, w) = &f.proofs[0];
    let edits: [(&str, fn(&mut DelayStatement)); 5] = [
        ("importer", |s| s.importer += Fr::one()),
        ("epoch", |s| s.epoch += 1),
        ("shard", |s| s.shard_commitment += Fr::one()),
        ("registry", |s| s.registry_root += Fr::one()),
        ("day", |s| s.day += 1),
    ];
    for (what, edit) in edits {
        let mut st2 = *st;
        edit(&mut st2);
        assert!(check_native(&SHAPE, &st2, w).is_err(), "{what}");
        let (snap, _) = snap(&st2, w);
        assert!(!snap.failing_rows(&[]).is_empty(), "{what}");
    }
}

#[test]
fn evidence_moved_between_slots_or_reused_fails() {
    let f = fleet();
    let (s, j, _) = evidenced_slot(&f);
    let (st, w) = &f.proofs[s];
    let k = (0..SHAPE.facilities)
        .find(|&k| k != j && w.shard.facilities[k].chips.iter().any(|c| c.ledger))
        .expect("a second evidenced slot in the shard");
    let mut swapped = w.clone();
    swapped.evidence.swap(j, k);
    assert!(check_native(&SHAPE, st, &swapped).is_err());
    assert!(!snap(st, &swapped).0.failing_rows(&[]).is_empty());
    let mut reused = w.clone();
    reused.evidence[k] = reused.evidence[j].clone();
    assert!(check_native(&SHAPE, st, &reused).is_err());
    assert!(!snap(st, &reused).0.failing_rows(&[]).is_empty());
    // A slot's evidence cannot be dropped either.
    let mut dropped = w.clone();
    dropped.evidence[j] = SlotEvidence::none();
    assert!(check_native(&SHAPE, st, &dropped).is_err());
    assert!(!snap(st, &dropped).0.failing_rows(&[]).is_empty());
}

#[test]
fn delay_relayouts_are_refused_or_change_nothing() {
    // Every re-layout the shard search tries, with the landmarks signing
    // honestly whatever the new layout asks them to measure: under the same
    // C_s, refused, or the same chips evidenced in the same facilities.
    let f = fleet();
    let mut total = (0, 0, 0);
    for (s, (st, w)) in f.proofs.iter().enumerate() {
        let transforms: Vec<Transform<DelayWitness>> =
            crate::relayout::shard_transforms(&f.fleet, &w.shard)
                .into_iter()
                .map(|t| Transform {
                    name: t.name,
                    witness: DelayWitness {
                        evidence: f.evidence_of(&t.witness),
                        shard: t.witness,
                        registry: w.registry,
                    },
                })
                .collect();
        let report = search(&DelayClaim(SHAPE), st, w, transforms).unwrap();
        println!("delay shard {s}: {report}");
        crate::relayout::tally_clean(&mut total, &format!("shard {s}"), &report);
    }
    println!("delay: {total:?} (tried, refused, unchanged)");
    assert!(total.0 > 100 && total.1 > 100, "{total:?}");
}

#[test]
fn batches_carry_what_the_landmark_measured() {
    let f = fleet();
    let (s, j, i) = evidenced_slot(&f);
    let (_, b) = f.batches[s][j].as_ref().unwrap();
    let slot = &f.proofs[s].1.shard.facilities[j];
    assert_eq!(b.entries.len(), SHAPE.slot_chips);
    assert_eq!(b.entries[i].0, slot.chips[i].record.ident);
    assert_eq!(
        Batch::request(slot),
        b.entries.iter().map(|e| e.0).collect::<Vec<_>>()
    );
    assert_eq!(
        b.max_rtt(),
        b.entries.iter().map(|e| e.1 as u64).max().unwrap()
    );
}

#[test]
fn the_registry_commits_landmarks_vendors_and_coverage() {
    use zkcc_circuits::delay::fixtures::{landmark_keys, registry_with_landmarks};
    use zkcc_circuits::delay::DelayRegistry;
    use zkcc_circuits::error::InputError;
    use zkcc_circuits::registry::{Registry, RegistryError};
    let auditors: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    let r = registry_with_landmarks(&auditors, &landmark_keys());
    let plain = zkcc_circuits::shard::fixtures::registry(&auditors);
    assert!(plain.landmark_section.is_none() && r.landmark_section.is_some());
    assert_ne!(r.root, plain.root, "landmarks are committed in the root");
    assert_eq!(DelayRegistry::of(&r).unwrap().root(), r.root);
    assert!(DelayRegistry::of(&plain).is_none());
    // Coverage: LM-PAR (600 km) covers Paris, Frankfurt (≈ 480 km) and Lyon
    // (≈ 390 km); LM-IAD Virginia; LM-SIN Singapore; LM-SHA none.
    let name = |(f, l): (usize, usize)| {
        (
            r.file.facilities[f].id.clone(),
            r.file.landmarks[l].id.clone(),
        )
    };
    let pairs: Vec<(String, String)> = r.coverage.iter().map(|&p| name(p)).collect();
    let want = [
        ("FR-PAR-01", "LM-PAR"),
        ("DE-FRA-02", "LM-PAR"),
        ("US-VA-03", "LM-IAD"),
        ("SG-JUR-04", "LM-SIN"),
        ("FR-LYS-06", "LM-PAR"),
    ];
    assert_eq!(pairs.len(), want.len(), "{pairs:?}");
    for (f, l) in want {
        assert!(pairs.contains(&(f.into(), l.into())), "{f} {l}: {pairs:?}");
    }
    // Every committed field changes the root.
    let mut roots = vec![r.root];
    for edit in [
        (|f: &mut zkcc_circuits::registry::RegistryFile| f.landmarks[0].max_distance_m += 1)
            as fn(&mut zkcc_circuits::registry::RegistryFile),
        |f| f.landmarks[0].lat_udeg += 1,
        |f| f.landmarks[0].country = "DE".into(),
        |f| f.landmarks.swap(0, 1),
        |f| f.device_vendors[0].id = "AMD".into(),
        |f| {
            f.device_vendors[0].models.pop();
        },
    ] {
        let mut file = r.file.clone();
        edit(&mut file);
        roots.push(Registry::from_file(file).unwrap().root);
    }
    let mut uniq = roots.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), roots.len());
    // Validation.
    let invalid = |edit: fn(&mut zkcc_circuits::registry::RegistryFile)| {
        let mut file = r.file.clone();
        edit(&mut file);
        match Registry::from_file(file) {
            Err(RegistryError::Input(InputError::Invalid(m))) => m,
            other => panic!("expected Invalid, got {other:?}", other = other.map(|_| ())),
        }
    };
    assert!(invalid(|f| f.landmarks[0].max_distance_m = 0).contains("max_distance_m"));
    assert!(invalid(|f| f.landmarks[0].max_distance_m = 20_000_001).contains("max_distance_m"));
    assert!(invalid(|f| f.landmarks[1].id = "LM-PAR".into()).contains("twice"));
    assert!(invalid(|f| f.landmarks[0].lat_udeg = 91_000_000).contains("out of range"));
    assert!(invalid(|f| f.device_vendors[0].public_key = "0x04ab".into()).contains("P-384"));
    // A vendor certifies its listed models only: none, an unknown one, or one
    // listed twice (under two vendors) is refused.
    assert!(invalid(|f| f.device_vendors[0].models.clear()).contains("lists no models"));
    assert!(
        invalid(|f| f.device_vendors[0].models.push("MI300X".into())).contains("not a chip model")
    );
    assert!(invalid(|f| {
        let mut other = f.device_vendors[0].clone();
        other.id = "XV".into();
        other.models.truncate(1);
        f.device_vendors.push(other);
    })
    .contains("two device vendors"));
    assert!(invalid(|f| f.landmarks.clear()).contains("without landmarks"));
}
