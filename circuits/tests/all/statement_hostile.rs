//! Hostile assignments for the shard and request circuits: values handed to
//! the constraint matrices that honest synthesis never produces (or witnesses
//! that the native check refuses, with every public value recomputed to fit
//! them), each failing at the row it should — for most, the only row that
//! fails, so that removing that constraint would let the cheat through. And
//! every free witness variable accounted for.
use crate::common::{fails_only_at, synthesized, two_fails_at_booleanity};
use ark_ff::{One, Zero};
use ark_relations::gr1cs::Variable;
use zkcc_circuits::harness::{Explained, Snapshot};
use zkcc_circuits::ledger::challenges;
use zkcc_circuits::request;
use zkcc_circuits::request::constraints::{self as rc, RequestCircuit};
use zkcc_circuits::shard::constraints::{self as sc, ShardCircuit};
use zkcc_circuits::shard::fixtures::{chip_in, Fleet, Plan};
use zkcc_circuits::shard::{
    self, output_commitment, shard_commitment, ShardStatement, ShardWitness,
};
use zkcc_circuits::Fr;
use zkcc_test_support::hostile::{bv, fp};

use zkcc_test_support::fixtures::{RSHAPE, SHAPE};

fn fleet() -> Fleet {
    Fleet::standard(SHAPE, RSHAPE, 1)
}

fn shard_snap(st: &ShardStatement, w: &ShardWitness) -> (Snapshot, sc::ShardVars) {
    synthesized(
        sc::synthesize,
        ShardCircuit::with_witness(SHAPE, *st, w.clone()),
    )
}

fn request_snap(f: &Fleet) -> (Snapshot, rc::RequestVars) {
    let (st, w) = &f.request;
    synthesized(
        rc::synthesize,
        RequestCircuit::with_witness(RSHAPE, *st, w.clone()),
    )
}

/// The first row refused once `edits` are completed as a cheating prover
/// would (see `Snapshot::first_failure`) holds every one of `vars`.
fn refused_at_a_row_with(snap: &Snapshot, edits: &[(Variable, Fr)], vars: &[Variable]) {
    let e = snap.first_failure(edits);
    let support = snap.support(e.row);
    assert!(vars.iter().all(|v| support.contains(v)), "{e}");
}

/// The public statement a prover would publish for a (possibly malformed)
/// shard witness: `C_s` and `D_s` recomputed from it.
fn restate(st: &ShardStatement, w: &ShardWitness) -> ShardStatement {
    let (g, b) = challenges(st.commitment, st.ledger_digest, st.importer, st.epoch);
    let out = w.output(g, b);
    ShardStatement {
        shard_commitment: shard_commitment(st.importer, st.epoch, w),
        output: out.commitment(st.commitment, st.importer, st.epoch),
        ..*st
    }
}

// ---------------------------------------------------------------------------
// Free variables.

#[test]
fn no_unexplained_free_variables() {
    let f = fleet();
    for (st, w) in &f.shards {
        let (snap, _) = shard_snap(st, w);
        snap.is_satisfied().unwrap();
        snap.check_free(&Explained::new()).unwrap();
    }
    // An empty shard (all slots unused) too.
    let empty = ShardWitness {
        facilities: vec![shard::FacilitySlot::padding(SHAPE.slot_chips); SHAPE.facilities],
        ..f.shards[0].1.clone()
    };
    let st = restate(&f.shards[0].0, &empty);
    let (snap, _) = shard_snap(&st, &empty);
    snap.is_satisfied().unwrap();
    snap.check_free(&Explained::new()).unwrap();

    let (snap, vars) = request_snap(&f);
    snap.is_satisfied().unwrap();
    let mut explained = Explained::new();
    for (flag, inv) in vars.is_home.iter().chain(&vars.is_tier1) {
        if snap.value(fp(flag)) == Some(Fr::one()) {
            explained = explained.var(fp(inv), "inverse hint of a zero difference: 0·inv = 0 for any inv; the flag is forced to 1 by 0·inv = 1 − flag");
        }
    }
    assert_eq!(
        explained.len(),
        6,
        "2 home-country entries, 4 tier-1 entries"
    );
    snap.check_free(&explained).unwrap();
}

// ---------------------------------------------------------------------------
// Shard.

#[test]
fn a_mark_on_an_inactive_chip_slot_fails_only_at_m_times_one_minus_a() {
    let f = fleet();
    let (st, w) = &f.shards[1];
    let mut w = w.clone();
    // Slot 0 of shard 1 holds 1 + 1 chips of SG; chip slot 3 is inactive.
    assert!(!w.facilities[0].chips[3].active);
    w.facilities[0].chips[3].ledger = true;
    assert!(shard::check_native(&SHAPE, &restate(st, &w), &w).is_err());
    let (snap, vars) = shard_snap(&restate(st, &w), &w);
    fails_only_at(
        &snap,
        &[
            bv(&vars.slots[0].chips.marks[3]),
            bv(&vars.slots[0].chips.active[3]),
        ],
    );
}

#[test]
fn a_marked_chip_in_an_unused_facility_slot_fails_only_at_the_layout_row() {
    let f = fleet();
    let (st, w) = &f.shards[1];
    let mut w = w.clone();
    // Slot 2 of shard 1 is unused: make up an active, marked chip in it.
    assert!(!w.facilities[2].used);
    w.facilities[2].chips[0].active = true;
    w.facilities[2].chips[0].ledger = true;
    assert!(matches!(
        shard::check_native(&SHAPE, &restate(st, &w), &w),
        Err(zkcc_circuits::ClaimError::Padding { slot: 8, .. })
    ));
    let (snap, vars) = shard_snap(&restate(st, &w), &w);
    // a_0·(1 − u) = 0: an unused slot has no active chip, hence no mark.
    fails_only_at(
        &snap,
        &[bv(&vars.slots[2].used), bv(&vars.slots[2].chips.active[0])],
    );
}

/// The review's forgery, as a whole assignment: the records of a chunk of 3
/// in 4 shifted from slots 0–2 to 1–3 with the mask kept. Digest, signature,
/// mask and `C_s` are unchanged; the only failing row is the layout row
/// `a_1·(1 − a_0) = 0` (without it the marked multiset would change under
/// the same `C`).
#[test]
fn a_shifted_chunk_fails_only_at_the_layout_row() {
    let f = fleet().with_first_unmarked();
    let (s, j) = (0..f.shards.len())
        .flat_map(|s| (0..SHAPE.facilities).map(move |j| (s, j)))
        .find(|&(s, j)| {
            let x = &f.shards[s].1.facilities[j];
            x.used && x.chips.iter().filter(|c| c.active).count() == 3
        })
        .expect("a chunk of 3 in 4");
    let (st, w) = &f.shards[s];
    let mut w = w.clone();
    let slot = &mut w.facilities[j];
    let filler = slot.chips[3].record;
    for i in (1..4).rev() {
        slot.chips[i].record = slot.chips[i - 1].record;
        slot.chips[i].active = true;
    }
    slot.chips[0].record = filler;
    slot.chips[0].active = false;
    // Marks stay at their slot indices ({1, 2}: slot 0 is unmarked).
    assert!(!slot.chips[0].ledger);
    let st2 = restate(st, &w);
    assert_eq!(st2.shard_commitment, st.shard_commitment, "same C_s");
    assert!(matches!(
        shard::check_native(&SHAPE, &st2, &w),
        Err(zkcc_circuits::ClaimError::Padding { .. })
    ));
    let (snap, vars) = shard_snap(&st2, &w);
    fails_only_at(
        &snap,
        &[
            bv(&vars.slots[j].chips.active[0]),
            bv(&vars.slots[j].chips.active[1]),
        ],
    );
}

#[test]
fn a_facility_of_another_operator_fails_only_at_the_operator_row() {
    let base = fleet();
    let f = {
        let mut plan = base.plan.clone();
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(4);
        let c = plan
            .shards
            .iter_mut()
            .flatten()
            .find(|c| c.facility == 2)
            .unwrap();
        c.facility = 5; // FR-LYS-06, operated by OTHER-DC
        for ch in c.chips.iter_mut() {
            let serial = zkcc_circuits::ledger::serial_of(&ch.record.ident).unwrap();
            let model = usize::from(ch.record.tpp != 15_832);
            ch.record = chip_in(&base.registry, 5, &serial, model, &mut rng);
        }
        base.rebuild(plan, base.ledger.clone(), base.request.0.rules)
    };
    let (s, j) = f
        .plan
        .shards
        .iter()
        .enumerate()
        .find_map(|(s, cs)| cs.iter().position(|c| c.facility == 5).map(|j| (s, j)))
        .unwrap();
    let (st, w) = &f.shards[s];
    let (snap, vars) = shard_snap(st, w);
    fails_only_at(
        &snap,
        &[bv(&vars.slots[j].used), fp(&vars.slots[j].operator)],
    );
}

#[test]
fn a_non_boolean_mark_or_active_flag_fails_at_its_booleanity_row() {
    let f = fleet();
    let (st, w) = &f.shards[0];
    let (snap, vars) = shard_snap(st, w);
    for v in [
        bv(&vars.slots[0].chips.marks[0]),
        bv(&vars.slots[0].chips.active[0]),
    ] {
        two_fails_at_booleanity(&snap, v);
    }
}

#[test]
fn a_product_that_skips_a_marked_chip_fails_at_that_product_row() {
    let f = fleet();
    let (st, w) = &f.shards[0];
    let (snap, vars) = shard_snap(st, w);
    // Chip 2 of slot 0 is marked: keep the product of chip 1 past it.
    assert!(w.facilities[0].chips[2].ledger);
    let p1 = fp(&vars.slots[0].products[2]);
    let p0 = snap.value(fp(&vars.slots[0].products[1])).unwrap();
    // The prover publishes the D_s that its skipped product gives.
    let (g, b) = challenges(st.commitment, st.ledger_digest, st.importer, st.epoch);
    let out = w.output(g, b);
    let r = &w.facilities[0].chips[2].record;
    let skipped = out.product / zkcc_circuits::ledger::term(g, b, r.ident, r.tpp);
    let d = output_commitment(
        st.commitment,
        st.importer,
        st.epoch,
        &out.entries,
        skipped,
        out.blinding,
    );
    let edits = snap.propagate(&[(p1, p0), (Variable::instance(6), d)]);
    let failing = snap.failing_rows(&edits);
    assert_eq!(
        failing,
        vec![snap.defining_row(p1).unwrap()],
        "only the skipped chip's product row"
    );
}

#[test]
fn an_arbitrary_chunk_digest_fails_at_the_chain_row_first() {
    let f = fleet();
    let (st, w) = &f.shards[0];
    let (snap, vars) = shard_snap(st, w);
    let d = fp(&vars.slots[0].chips.acc);
    let e = snap.first_failure(&[(d, Fr::from(12345u64))]);
    assert_eq!(
        e.row,
        snap.defining_row(d).unwrap(),
        "the last chain step defines the digest"
    );
}

// ---------------------------------------------------------------------------
// Request.

/// The index (flattened) of the used entry of registry facility `fac`, chunk `k`.
fn entry(f: &Fleet, fac: u64, k: u64) -> usize {
    f.request
        .1
        .shards
        .iter()
        .flat_map(|s| &s.entries)
        .position(|e| e.used && e.facility_index == fac && e.chunk == k)
        .unwrap()
}

#[test]
fn a_forged_facility_run_start_fails() {
    let f = fleet();
    let (snap, vars) = request_snap(&f);
    // FR-PAR-01 (index 0) chunk 1 continues chunk 0: claiming a new run there
    // must fail at r·k = 0 (a run starts at chunk 0).
    let i = entry(&f, 0, 1);
    let r = bv(&vars.run_start[i]);
    let k = fp(&vars.chunks[i]);
    refused_at_a_row_with(&snap, &[(r, Fr::one())], &[r, k]);
    // Claiming a continuation where a new facility starts must fail at the
    // same-facility row.
    let j = entry(&f, 2, 0); // US-VA-03 follows SG-JUR-04
    let r = bv(&vars.run_start[j]);
    refused_at_a_row_with(&snap, &[(r, Fr::zero())], &[r]);
}

#[test]
fn a_forged_country_run_start_fails_at_the_country_order_check() {
    let f = fleet();
    let (snap, vars) = request_snap(&f);
    // FR-PAR-01 chunk 0 follows DE-FRA-02 (a new country, rightly); its chunk 1
    // is no new country: claiming one would reset the country's sum.
    let i = entry(&f, 0, 1);
    let cr = bv(&vars.country_start[i]);
    let r = bv(&vars.run_start[i]);
    snap.first_failure(&[(cr, Fr::one()), (r, Fr::one())]);
    // A new facility in the same country (none in the standard fleet): claim a
    // country start alone where a facility run continues.
    refused_at_a_row_with(&snap, &[(cr, Fr::one())], &[cr]);
}

#[test]
fn a_forged_home_flag_fails_at_its_zero_test() {
    let f = fleet();
    let (snap, vars) = request_snap(&f);
    let i = entry(&f, 1, 0); // DE: not home
    let (flag, _) = &vars.is_home[i];
    refused_at_a_row_with(&snap, &[(fp(flag), Fr::one())], &[fp(flag)]);
}

#[test]
fn a_forged_tier_flag_fails_at_its_range_check() {
    // KP (tier 3) with a ledger chip, max tier 3 so the honest flag is 0 and
    // the proof holds; then max tier 2 with the flag forged to 0.
    let base = fleet();
    let (plan, ledger) = crate::statement::blocked_tier_plan(&base);
    let rules = zkcc_circuits::request::Rules {
        max_tier: 2,
        ..zkcc_circuits::request::Rules::permissive(zkcc_circuits::shard::fixtures::home())
    };
    let f = base.rebuild(plan, ledger, rules);
    assert!(request::check_native(&RSHAPE, &f.request.0, &f.request.1).is_err());
    let (snap, vars) = request_snap(&f);
    let i = entry(&f, 4, 0);
    let b = bv(&vars.blocked[i]);
    assert_eq!(snap.value(b), Some(Fr::one()), "honest flag: tier 3 > 2");
    // Honest flag: only b·count = 0 fails.
    let failing = snap.failing_rows(&[]);
    assert_eq!(failing.len(), 1);
    assert!(snap.support(failing[0]).contains(&b));
    // Forged flag 0: the range check of max − tier fails instead.
    let e = snap.first_failure(&[(b, Fr::zero())]);
    assert!(e.row > snap.first_row_of(b).unwrap(), "{e}");
}

#[test]
fn an_unused_shard_slot_with_used_entries_fails() {
    let f = fleet();
    let (snap, vars) = request_snap(&f);
    // Mark shard slot 1 unused while its entries stay used (dropping its
    // product from Π).
    let su = bv(&vars.shard_used[1]);
    let u = bv(&vars.used[RSHAPE.entries]);
    refused_at_a_row_with(&snap, &[(su, Fr::zero())], &[su, u]);
}

#[test]
fn an_opened_count_that_differs_from_the_shard_fails_at_the_digest() {
    let f = fleet();
    let (snap, vars) = request_snap(&f);
    let i = entry(&f, 1, 0);
    let c = fp(&vars.counts[i]);
    let edits = snap.propagate(&[(c, Fr::zero())]);
    let failing = snap.failing_rows(&edits);
    // The opening no longer hashes to the shard's D_s: the row comparing the
    // chain of D_s with the public shards digest (input 4) fails.
    assert!(
        failing
            .iter()
            .any(|&r| snap.support(r).contains(&Variable::instance(4))),
        "{failing:?}"
    );
}

// ---------------------------------------------------------------------------
// Request: the facility count.

/// A fleet whose SG-JUR-04 holds only chips outside the ledger, between DE,
/// FR and US facilities that hold ledger chips (walk order DE FR SG US), or
/// as the last run (`last`).
fn fleet_with_an_unmarked_facility(last: bool) -> Fleet {
    let base = fleet();
    let sizes: &[(usize, usize, usize)] = if last {
        &[(0, 2, 0), (1, 1, 0), (3, 0, 2)]
    } else {
        &[(0, 2, 0), (1, 1, 0), (3, 0, 2), (2, 1, 0)]
    };
    let plan = Plan::new(&base.registry, sizes, SHAPE.slot_chips, SHAPE.facilities, 8);
    let ledger = plan.ledger(&base.registry);
    let f = base.rebuild(plan, ledger, base.request.0.rules);
    request::check_native(&RSHAPE, &f.request.0, &f.request.1).unwrap();
    f
}

/// The `facilities` public input.
fn facilities_input() -> Variable {
    Variable::instance(request::PUBLIC_INPUT_NAMES.len())
}

#[test]
fn a_run_without_ledger_chips_counted_fails_at_its_nonzero_test() {
    for last in [false, true] {
        let f = fleet_with_an_unmarked_facility(last);
        let honest = f.request.0.facilities;
        assert_eq!(honest, if last { 2 } else { 3 });
        let (snap, vars) = request_snap(&f);
        snap.is_satisfied().unwrap();
        // The [fc ≠ 0] that closes SG's run: at US's entry, or at the end.
        let k = if last {
            vars.run_nonzero.len() - 1
        } else {
            entry(&f, 2, 0)
        };
        let (nz, inv) = &vars.run_nonzero[k];
        let (nz, inv) = (fp(nz), fp(inv.as_ref().expect("a hint")));
        assert_eq!(snap.value(nz), Some(Fr::zero()), "SG holds no ledger chip");
        // The higher count alone fails at the count row.
        let more = Fr::from(honest + 1);
        let e = snap.check(&[(facilities_input(), more)]).unwrap_err();
        assert!(snap.support(e.row).contains(&facilities_input()), "{e}");
        // Claiming it through the flag (and the count) fails at nz = fc·inv:
        // fc = 0, so no hint makes the flag 1.
        for hint in [Fr::zero(), Fr::one(), Fr::from(7u64)] {
            let e = snap.first_failure(&[(facilities_input(), more), (nz, Fr::one()), (inv, hint)]);
            assert_eq!(Some(e.row), snap.first_row_of(nz), "{e}");
        }
        // A wrong hint alone: nz = fc·inv stays 0, the pin inv·(1 − nz) = 0 fails.
        let edits = snap.propagate(&[(inv, Fr::from(7u64))]);
        let failing = snap.failing_rows(&edits);
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert!(snap.support(failing[0]).contains(&inv));
        assert!(!snap.support(failing[0]).contains(&facilities_input()));
    }
}

#[test]
fn a_wrong_inverse_hint_of_a_counted_run_fails() {
    let f = fleet_with_an_unmarked_facility(false);
    let (snap, vars) = request_snap(&f);
    // SG's entry closes FR's run, which holds 2 ledger chips: nz = 1.
    let k = entry(&f, 3, 0);
    let (nz, inv) = &vars.run_nonzero[k];
    let (nz, inv) = (fp(nz), fp(inv.as_ref().expect("a hint")));
    assert_eq!(snap.value(nz), Some(Fr::one()));
    let honest_inv = snap.value(inv).unwrap();
    // A wrong hint makes nz = fc·inv ≠ 1: fc·(1 − nz) = 0 fails (and the
    // count drops, so the count row fails too). Dropping the run from the
    // count (nz = 0, the count one lower) fails at the same row.
    snap.first_failure(&[(inv, honest_inv + Fr::one())]);
    let less = Fr::from(f.request.0.facilities - 1);
    for hint in [Fr::zero(), honest_inv] {
        let edits = [(nz, Fr::zero()), (inv, hint), (facilities_input(), less)];
        refused_at_a_row_with(&snap, &edits, &[nz]);
    }
    // The counted product r·hp·nz is 1 here.
    assert_eq!(snap.value(fp(&vars.run_counted[k])), Some(Fr::one()));
}
