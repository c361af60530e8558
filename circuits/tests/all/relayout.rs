//! Re-layout search: two witnesses under the same binding inputs must not give
//! two answers.
//!
//! Each test applies whole-witness transformations to an honest witness —
//! every active-slot layout of a chunk, slot permutations, records moved
//! between chunks, chunks split and merged, unused slots filled, marks moved,
//! facility slots reordered — and runs the native check and the full
//! assignment of the circuit against its matrices, with every binding public
//! input fixed and the outputs restated from the transformed witness
//! ([`zkcc_circuits::harness::relayout`]). Each must be refused by both, or
//! change no output.
use zkcc_circuits::error::ClaimError;
use zkcc_circuits::harness::relayout::request::RequestClaim;
use zkcc_circuits::harness::relayout::shard::ShardClaim;
use zkcc_circuits::harness::relayout::{search, CircuitRefusal, Report, Transform, Verdict};
use zkcc_circuits::request::RequestWitness;
use zkcc_circuits::shard::fixtures::{chip_in, Fleet};
use zkcc_circuits::shard::{ChipRecord, ChipSlot, FacilitySlot, ShardWitness};

use zkcc_test_support::fixtures::{RSHAPE, SHAPE};

fn fleet() -> Fleet {
    Fleet::standard(SHAPE, RSHAPE, 1)
}

/// The standard fleet with its partly filled chunks' first records unmarked:
/// the shape of the review's forgery.
fn fleet_unmarked_first() -> Fleet {
    fleet().with_first_unmarked()
}

/// The active records of a facility slot, with their marks, in order.
fn records(f: &FacilitySlot) -> Vec<(ChipRecord, bool)> {
    f.chips
        .iter()
        .filter(|c| c.active)
        .map(|c| (c.record, c.ledger))
        .collect()
}

/// The slot with `recs` placed at the active positions `active` (in order),
/// fillers elsewhere; marks either follow the records or stay at the honest
/// slot indices (`keep_mask`).
fn place(
    f: &FacilitySlot,
    recs: &[(ChipRecord, bool)],
    active: &[bool],
    keep_mask: bool,
) -> FacilitySlot {
    let filler = ChipRecord::filler(&f.facility);
    let mut it = recs.iter();
    let chips = active
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let (record, mark) = if a {
                *it.next().expect("as many active slots as records")
            } else {
                (filler, false)
            };
            let ledger = if keep_mask {
                f.chips[i].ledger
            } else {
                mark && a
            };
            ChipSlot {
                active: a,
                ledger,
                record,
            }
        })
        .collect();
    FacilitySlot { chips, ..f.clone() }
}

fn with_slot(w: &ShardWitness, j: usize, slot: FacilitySlot) -> ShardWitness {
    let mut w = w.clone();
    w.facilities[j] = slot;
    w
}

fn set(bits: usize, m: usize) -> String {
    let v: Vec<String> = (0..m)
        .filter(|i| bits >> i & 1 == 1)
        .map(|i| i.to_string())
        .collect();
    format!("{{{}}}", v.join(","))
}

/// Every whole-witness transformation of one shard witness that the search
/// tries (see the module docs).
pub(crate) fn shard_transforms(f: &Fleet, w: &ShardWitness) -> Vec<Transform<ShardWitness>> {
    let m = SHAPE.slot_chips;
    let mut out = Vec::new();
    let used: Vec<usize> = (0..w.facilities.len())
        .filter(|&j| w.facilities[j].used)
        .collect();
    let unused: Vec<usize> = (0..w.facilities.len())
        .filter(|&j| !w.facilities[j].used)
        .collect();
    for &j in &used {
        let slot = &w.facilities[j];
        let recs = records(slot);
        let n = recs.len();
        // 1. Every layout of the chunk's records over its chip slots (every
        // active set of the same size, records in signed order), marks kept
        // at their slot indices (same mask: the review's forgery) or moved
        // with their records.
        for bits in 0..(1usize << m) {
            if bits.count_ones() as usize != n || bits == (1 << n) - 1 {
                continue;
            }
            let active: Vec<bool> = (0..m).map(|i| bits >> i & 1 == 1).collect();
            for keep in [true, false] {
                let name = format!(
                    "slot {j}: records at {} (marks {})",
                    set(bits, m),
                    if keep {
                        "kept by slot"
                    } else {
                        "moved with records"
                    }
                );
                let t = with_slot(w, j, place(slot, &recs, &active, keep));
                if t != *w {
                    out.push(Transform::new(name, t));
                }
            }
        }
        // 2. Permutations: every transposition of two records, marks kept or
        // moved with them.
        for a in 0..n {
            for b in a + 1..n {
                for keep in [true, false] {
                    let mut r = recs.clone();
                    r.swap(a, b);
                    let active: Vec<bool> = (0..m).map(|i| i < n).collect();
                    let t = with_slot(w, j, place(slot, &r, &active, keep));
                    if t != *w {
                        out.push(Transform::new(
                            format!(
                                "slot {j}: records {a} and {b} swapped (marks {})",
                                if keep { "kept" } else { "moved" }
                            ),
                            t,
                        ));
                    }
                }
            }
        }
        // 3. Marks: each flipped alone.
        for i in 0..n {
            let mut t = w.clone();
            t.facilities[j].chips[i].ledger ^= true;
            out.push(Transform::new(format!("slot {j}: mark {i} flipped"), t));
        }
        // 4. Fills: an inactive chip slot made active with a copy of a record
        // (marked or not), or holding another record while inactive.
        if n < m {
            for (i, &(rec, _)) in recs.iter().enumerate() {
                for mark in [false, true] {
                    let mut r = recs.clone();
                    r.push((rec, mark));
                    let active: Vec<bool> = (0..m).map(|k| k <= n).collect();
                    out.push(Transform::new(
                        format!("slot {j}: record {i} copied into chip slot {n} (marked: {mark})"),
                        with_slot(w, j, place(slot, &r, &active, false)),
                    ));
                }
            }
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(j as u64);
            let fac = f
                .registry
                .facilities
                .iter()
                .position(|l| *l == slot.facility)
                .expect("a registry facility");
            let other = chip_in(&f.registry, fac, "SN-FILLED", 0, &mut rng);
            let mut t = w.clone();
            t.facilities[j].chips[n].record = other;
            out.push(Transform::new(
                format!("slot {j}: inactive chip slot {n} holds another record"),
                t.clone(),
            ));
            t.facilities[j].chips[n].active = true;
            out.push(Transform::new(
                format!("slot {j}: a new record made active in chip slot {n}"),
                t,
            ));
        }
        // 5. Moves: each record moved to another used slot of the same shard
        // (appended to its prefix), mark with it.
        for &k in &used {
            if k == j || records(&w.facilities[k]).len() >= m {
                continue;
            }
            for i in 0..n {
                let mut from = recs.clone();
                let moved = from.remove(i);
                let mut to = records(&w.facilities[k]);
                to.push(moved);
                let mut t = with_slot(w, j, place(slot, &from, &prefix(from.len(), m), false));
                let dest = place(&w.facilities[k], &to, &prefix(to.len(), m), false);
                t.facilities[k] = dest;
                out.push(Transform::new(
                    format!("record {i} of slot {j} moved to slot {k}"),
                    t,
                ));
            }
        }
        // 6. Split: the chunk's records split over this slot and an unused
        // one (same facility, chunk, signature).
        if n >= 2 {
            if let Some(&k) = unused.first() {
                let (a, b) = recs.split_at(n / 2);
                let mut t = with_slot(w, j, place(slot, a, &prefix(a.len(), m), false));
                t.facilities[k] = place(slot, b, &prefix(b.len(), m), false);
                out.push(Transform::new(
                    format!("slot {j} split into slots {j} and {k}"),
                    t,
                ));
            }
        }
        // 7. Facility slots: moved into an unused slot (order of used slots
        // kept, or not), copied into an unused slot (used or not).
        for &k in &unused {
            let mut t = w.clone();
            t.facilities.swap(j, k);
            out.push(Transform::new(
                format!("used slot {j} moved to unused slot {k}"),
                t,
            ));
            for used_flag in [true, false] {
                let mut t = w.clone();
                t.facilities[k] = FacilitySlot {
                    used: used_flag,
                    ..slot.clone()
                };
                out.push(Transform::new(
                    format!("slot {j} copied into unused slot {k} (used: {used_flag})"),
                    t,
                ));
            }
        }
        for &k in &used {
            if k > j {
                let mut t = w.clone();
                t.facilities.swap(j, k);
                out.push(Transform::new(format!("used slots {j} and {k} swapped"), t));
            }
        }
        // 8. Unused: the slot marked unused (its chips dropped).
        let mut t = w.clone();
        t.facilities[j].used = false;
        out.push(Transform::new(format!("slot {j} marked unused"), t));
    }
    // 9. Merge: two used slots of the same facility merged into one.
    for &j in &used {
        for &k in &used {
            let (a, b) = (&w.facilities[j], &w.facilities[k]);
            if j < k && a.facility == b.facility {
                let mut r = records(a);
                r.extend(records(b));
                r.truncate(m);
                let mut t = with_slot(w, j, place(a, &r, &prefix(r.len(), m), false));
                t.facilities[k] = FacilitySlot::padding(m);
                out.push(Transform::new(format!("slots {j} and {k} merged"), t));
            }
        }
    }
    out
}

fn prefix(n: usize, m: usize) -> Vec<bool> {
    (0..m).map(|i| i < n).collect()
}

/// Adds a search's counts to `total` (tried, refused, unchanged) after
/// asserting that it found nothing (`what` names the search in the panic).
pub(crate) fn tally_clean(total: &mut (usize, usize, usize), what: &str, report: &Report) {
    report
        .assert_clean()
        .unwrap_or_else(|e| panic!("{what}:\n{e}"));
    total.0 += report.tried();
    total.1 += report.refused();
    total.2 += report.unchanged();
}

fn shard_search(f: &Fleet, s: usize) -> Report {
    let (st, w) = &f.shards[s];
    let report = search(&ShardClaim(SHAPE), st, w, shard_transforms(f, w)).unwrap();
    println!("shard {s}: {report}");
    report
}

#[test]
fn shard_relayouts_are_refused_or_change_nothing() {
    let mut total = (0, 0, 0);
    for f in [fleet(), fleet_unmarked_first()] {
        for s in 0..f.shards.len() {
            let report = shard_search(&f, s);
            tally_clean(&mut total, &format!("shard {s}"), &report);
            // Harmless ones exist (a used slot moved into an unused one), so the
            // search can tell "unchanged" from "refused".
            if f.shards[s].1.facilities.iter().any(|x| !x.used) {
                assert!(report.unchanged() > 0, "shard {s}: {report}");
            }
        }
    }
    println!("shards: {total:?} (tried, refused, unchanged)");
    assert!(total.0 > 200, "{total:?}");
}

/// The forgery of the review: records r0, r1, r2 of a 4-slot chunk moved
/// from slots 0–2 to slots 1–3 with the mask kept. Same digest, signature,
/// mask, `C_s`, `C`, γ; another marked multiset. Refused by the layout
/// constraint (natively: an active slot after an inactive one; in the
/// circuit: the row `a_1·(1 − a_0) = 0`).
#[test]
fn the_reviewed_relayout_is_refused_for_its_layout() {
    let f = fleet_unmarked_first();
    let (s, j) = (0..f.shards.len())
        .flat_map(|s| (0..SHAPE.facilities).map(move |j| (s, j)))
        .find(|&(s, j)| {
            let x = &f.shards[s].1.facilities[j];
            x.used && records(x).len() == 3
        })
        .unwrap();
    let w = &f.shards[s].1;
    let slot = &w.facilities[j];
    let recs = records(slot);
    let t = with_slot(w, j, place(slot, &recs, &[false, true, true, true], true));
    // The commitment does not see the difference…
    assert_eq!(t.facilities[j].digest(), slot.digest());
    assert_eq!(t.facilities[j].mask(), slot.mask());
    assert_eq!(
        zkcc_circuits::shard::shard_commitment(f.shards[s].0.importer, f.shards[s].0.epoch, &t),
        f.shards[s].0.shard_commitment
    );
    // …the marked multiset does…
    let marked = |x: &FacilitySlot| -> Vec<ChipRecord> {
        x.chips
            .iter()
            .filter(|c| c.ledger)
            .map(|c| c.record)
            .collect()
    };
    assert_ne!(marked(&t.facilities[j]), marked(slot));
    // …and the layout refuses it, natively and in the circuit.
    let name = "the review's re-layout";
    let report = search(
        &ShardClaim(SHAPE),
        &f.shards[s].0,
        w,
        [Transform::new(name, t)],
    )
    .unwrap();
    report.assert_clean().unwrap();
    match report.verdict(name) {
        Some(Verdict::Refused {
            native: ClaimError::Padding { slot, reason },
            circuit: CircuitRefusal::Row(_),
        }) => {
            assert_eq!(*slot, j * SHAPE.slot_chips + 1);
            assert!(reason.contains("follows an inactive one"), "{reason}");
        }
        v => panic!("{v:?}"),
    }
}

/// The request: every reordering of openings and entries, entries dropped,
/// copied or made unused, and shards marked unused, under every facility
/// count the prover could claim.
#[test]
fn request_relayouts_are_refused_or_change_nothing() {
    let f = fleet();
    let (st, w) = &f.request;
    let mut ts: Vec<Transform<RequestWitness>> = Vec::new();
    let n = w.shards.len();
    for a in 0..n {
        for b in a + 1..n {
            let mut t = w.clone();
            t.shards.swap(a, b);
            if t != *w {
                ts.push(Transform::new(format!("openings {a} and {b} swapped"), t));
            }
        }
        let e = w.shards[a].entries.len();
        for x in 0..e {
            for y in x + 1..e {
                let mut t = w.clone();
                t.shards[a].entries.swap(x, y);
                if t != *w {
                    ts.push(Transform::new(
                        format!("opening {a}: entries {x} and {y} swapped"),
                        t,
                    ));
                }
            }
            if w.shards[a].entries[x].used {
                let mut t = w.clone();
                t.shards[a].entries[x].used = false;
                ts.push(Transform::new(
                    format!("opening {a}: entry {x} made unused"),
                    t,
                ));
                for y in 0..e {
                    if !w.shards[a].entries[y].used {
                        let mut t = w.clone();
                        t.shards[a].entries[y] = w.shards[a].entries[x];
                        ts.push(Transform::new(
                            format!("opening {a}: entry {x} copied into {y}"),
                            t,
                        ));
                    }
                }
                let mut t = w.clone();
                t.shards[a].entries[x].count += 1;
                ts.push(Transform::new(
                    format!("opening {a}: entry {x} count + 1"),
                    t,
                ));
            }
        }
        if w.shards[a].used {
            let mut t = w.clone();
            t.shards[a].used = false;
            ts.push(Transform::new(format!("opening {a} made unused"), t));
            for b in 0..n {
                if !w.shards[b].used {
                    let mut t = w.clone();
                    t.shards[b] = w.shards[a].clone();
                    ts.push(Transform::new(format!("opening {a} copied into {b}"), t));
                }
            }
        }
    }
    let report = search(&RequestClaim(RSHAPE), st, w, ts).unwrap();
    println!("request: {report}");
    report.assert_clean().unwrap();
    assert!(report.tried() > 20, "{report}");
}

// ---------------------------------------------------------------------------
// The AI-lifecycle claims.

use ark_ff::Field;
use zkcc_circuits::evaluation::fixtures::{EvalFixture, EVALS};
use zkcc_circuits::evaluation::{EvaluationWitness, Suite};
use zkcc_circuits::harness::relayout::evaluation::EvaluationClaim;
use zkcc_circuits::harness::relayout::jurisdiction::JurisdictionClaim;
use zkcc_circuits::jurisdiction::fixtures::{Deployment, Store};
use zkcc_circuits::jurisdiction::{JurisdictionWitness, StoreSlot};
use zkcc_circuits::Fr;

/// Eval slots of the evaluation searches.
const EVAL_N: usize = 3;

/// Every permutation of `0..n` (n ≤ 4), the identity first.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for at in (0..=p.len()).rev() {
            let mut q = p.clone();
            q.insert(at, n - 1);
            out.push(q);
        }
    }
    out.sort();
    out
}

/// Every whole-witness transformation of an honest evaluation witness: which
/// slot holds which result, which result serves an eval, the private copy of
/// the suite, the digest's split into limbs.
fn evaluation_transforms(f: &EvalFixture) -> Vec<Transform<EvaluationWitness>> {
    let w = &f.witness;
    let n = w.results.len();
    let mut out = Vec::new();
    // 1. The results permuted over the eval slots (the suite kept), and the
    // suite permuted with them (each result still beside its eval).
    for p in permutations(n).into_iter().skip(1) {
        let mut t = w.clone();
        t.results = p.iter().map(|&i| w.results[i].clone()).collect();
        out.push(Transform::new(format!("results permuted {p:?}"), t.clone()));
        t.suite.evals = p.iter().map(|&i| w.suite.evals[i]).collect();
        out.push(Transform::new(
            format!("suite and results permuted {p:?}"),
            t,
        ));
    }
    for (a, &(_, threshold, dir, score)) in EVALS[..n].iter().enumerate() {
        for b in 0..n {
            if a == b {
                continue;
            }
            // 2. Two results for one eval: eval a's result also in eval b's
            // slot, as signed, or relabelled with eval b's id.
            let mut t = w.clone();
            t.results[b] = w.results[a].clone();
            out.push(Transform::new(
                format!("eval {a}'s result also in slot {b}"),
                t.clone(),
            ));
            t.results[b].eval_id = w.suite.evals[b].id;
            out.push(Transform::new(
                format!("eval {a}'s result in slot {b}, relabelled"),
                t,
            ));
            // 3. Slot a's result relabelled with eval b's id (nothing else).
            let mut t = w.clone();
            t.results[a].eval_id = w.suite.evals[b].id;
            out.push(Transform::new(
                format!("slot {a}'s result relabelled as eval {b}"),
                t,
            ));
            // 4. Eval a passed twice in the private suite copy, in place of b.
            let mut t = w.clone();
            t.suite.evals[b] = w.suite.evals[a];
            t.results[b] = w.results[a].clone();
            out.push(Transform::new(
                format!("suite copy: eval {a} in place of eval {b}"),
                t,
            ));
            // 5. The evaluators of two results swapped (leaf and path).
            let mut t = w.clone();
            t.results[a].evaluator = w.results[b].evaluator;
            t.results[a].evaluator_path = w.results[b].evaluator_path.clone();
            if t != *w {
                out.push(Transform::new(
                    format!("slot {a} names slot {b}'s evaluator"),
                    t,
                ));
            }
        }
        // 6. Another result the importer holds for the same eval: by the
        // other evaluator, another passing score and date (harmless); one
        // unit on the wrong side; for another model.
        let other = (a + 1) % 2;
        let passing = if dir.holds(score.saturating_sub(1), threshold) {
            score.saturating_sub(1)
        } else {
            score + 1
        };
        let failing = if dir.flag() {
            threshold - 1
        } else {
            threshold + 1
        };
        let spec = w.suite.evals[a].id;
        for (what, key, digest, s) in [
            ("another passing result", other, f.digest, passing),
            ("a failing result", other, f.digest, failing),
            ("a result for another model", other, [7u8; 32], score),
        ] {
            let mut t = w.clone();
            t.results[a] = f.result(&f.evaluators[key], key, &digest, spec, s, 20261115);
            out.push(Transform::new(format!("slot {a}: {what}"), t));
        }
        // 7. The private suite copy relaxed: threshold, direction.
        let mut t = w.clone();
        let e = &mut t.suite.evals[a];
        e.threshold = if e.direction.flag() {
            e.threshold - 1
        } else {
            e.threshold + 1
        };
        out.push(Transform::new(format!("suite copy: eval {a} relaxed"), t));
        let mut t = w.clone();
        t.suite.evals[a].direction = if w.suite.evals[a].direction.flag() {
            zkcc_circuits::evaluation::Direction::AtMost
        } else {
            zkcc_circuits::evaluation::Direction::AtLeast
        };
        out.push(Transform::new(format!("suite copy: eval {a} flipped"), t));
    }
    // 8. The list shortened or extended (another circuit's shape), the suite
    // version changed.
    let mut t = w.clone();
    t.suite.evals.pop();
    t.results.pop();
    out.push(Transform::new("last eval and result dropped", t));
    let mut t = w.clone();
    t.suite.evals.push(w.suite.evals[0]);
    t.results.push(w.results[0].clone());
    out.push(Transform::new("eval 0 and its result appended", t));
    let mut t = w.clone();
    t.suite = Suite {
        version: w.suite.version + 1,
        ..w.suite.clone()
    };
    out.push(Transform::new("suite copy: another version", t));
    // 9. The digest split otherwise: hi − 1, lo + 2^128.
    let mut t = w.clone();
    t.digest_hi -= Fr::from(1u64);
    t.digest_lo += Fr::from(2u64).pow([128]);
    out.push(Transform::new(
        "digest limbs carried (hi − 1, lo + 2^128)",
        t,
    ));
    out
}

#[test]
fn evaluation_relayouts_are_refused_or_change_nothing() {
    let f = EvalFixture::standard(EVAL_N);
    let ts = evaluation_transforms(&f);
    let report = search(&EvaluationClaim(EVAL_N), &f.statement, &f.witness, ts).unwrap();
    println!("evaluation: {report}");
    report.assert_clean().unwrap();
    assert!(report.tried() > 40, "{report}");
    // Another passing result for an eval is a harmless choice: the search
    // can tell "unchanged" from "refused".
    assert!(report.unchanged() > 0, "{report}");
    assert_eq!(
        report.verdict("slot 1: another passing result"),
        Some(&Verdict::Unchanged)
    );
    // Refused for the right reasons: a result in another eval's slot names
    // the wrong eval (natively) and fails the row binding its eval id, or its
    // signature; a changed suite copy no longer hashes to `SH`.
    for (name, slot) in [
        ("results permuted [1, 0, 2]", 0),
        ("slot 0's result relabelled as eval 1", 0),
        ("eval 2's result also in slot 1", 1),
    ] {
        match report.verdict(name) {
            Some(Verdict::Refused {
                native: ClaimError::MissingEval { slot: s, .. },
                circuit: CircuitRefusal::Row(_),
            }) => assert_eq!(*s, slot, "{name}"),
            v => panic!("{name}: {v:?}"),
        }
    }
    for name in [
        "suite and results permuted [1, 0, 2]",
        "suite copy: eval 0 relaxed",
        "suite copy: eval 0 in place of eval 1",
    ] {
        assert!(
            matches!(
                report.verdict(name),
                Some(Verdict::Refused {
                    native: ClaimError::SuiteMismatch,
                    circuit: CircuitRefusal::Row(_),
                })
            ),
            "{name}: {:?}",
            report.verdict(name)
        );
    }
}

/// Capacity of the jurisdiction searches (two or more unused slots).
const JCAP: usize = 4;

/// The deployment's honest statement and witness, at capacity [`JCAP`].
fn deployment(
    d: &Deployment,
) -> (
    zkcc_circuits::jurisdiction::JurisdictionStatement,
    JurisdictionWitness,
) {
    let (st, mut w) = d.build();
    w.stores.resize(JCAP, StoreSlot::padding());
    (st, w)
}

/// A used slot holding store `id` in registry facility `fac`.
fn store_slot(d: &Deployment, fac: usize, id: &str, key: u64) -> StoreSlot {
    let facility = d.registry.facilities[fac];
    StoreSlot {
        used: true,
        record: zkcc_circuits::jurisdiction::StoreRecord {
            store_id: zkcc_circuits::encoding::encode_label(id).unwrap(),
            facility_id: facility.id,
            encrypted: true,
            key_fingerprint: Fr::from(key),
        },
        facility,
        facility_path: d.registry.facility_tree.path(fac),
    }
}

/// Every whole-witness transformation of an honest jurisdiction witness:
/// which slot holds which store, which slots are used, what unused slots
/// hold, which facility a store is placed in, the attested fields.
fn jurisdiction_transforms(
    d: &Deployment,
    w: &JurisdictionWitness,
) -> Vec<Transform<JurisdictionWitness>> {
    let m = w.stores.len();
    let used: Vec<usize> = (0..m).filter(|&i| w.stores[i].used).collect();
    let unused: Vec<usize> = (0..m).filter(|&i| !w.stores[i].used).collect();
    let facilities = d.registry.facilities.len();
    let mut out = Vec::new();
    // 1. Every layout of the used stores over the slots, their order kept
    // (harmless), and every permutation of them in place.
    for bits in 0..(1usize << m) {
        if bits.count_ones() as usize != used.len() {
            continue;
        }
        let mut t = w.clone();
        let mut it = used.iter();
        for i in 0..m {
            t.stores[i] = if bits >> i & 1 == 1 {
                w.stores[*it.next().unwrap()].clone()
            } else {
                StoreSlot::padding()
            };
        }
        if t != *w {
            out.push(Transform::new(
                format!("stores at slots {}", set(bits, m)),
                t,
            ));
        }
    }
    for p in permutations(used.len()).into_iter().skip(1) {
        let mut t = w.clone();
        for (k, &i) in used.iter().enumerate() {
            t.stores[i] = w.stores[used[p[k]]].clone();
        }
        if t != *w {
            out.push(Transform::new(format!("stores permuted {p:?}"), t));
        }
    }
    for &i in &used {
        // 2. Marked unused: the list shortened.
        let mut t = w.clone();
        t.stores[i].used = false;
        out.push(Transform::new(format!("slot {i} marked unused"), t));
        // 3. Copied (split) into an unused slot, used or not.
        for &k in &unused {
            for flag in [true, false] {
                let mut t = w.clone();
                t.stores[k] = StoreSlot {
                    used: flag,
                    ..w.stores[i].clone()
                };
                out.push(Transform::new(
                    format!("slot {i} copied into slot {k} (used: {flag})"),
                    t,
                ));
            }
        }
        // 4. Moved to another registry facility (leaf, path and record);
        // only the leaf and path; only the record's facility id.
        for fac in 0..facilities {
            if d.registry.facilities[fac] == w.stores[i].facility {
                continue;
            }
            let moved = store_slot(d, fac, "x", 0);
            let mut t = w.clone();
            t.stores[i].facility = moved.facility;
            t.stores[i].facility_path = moved.facility_path.clone();
            out.push(Transform::new(
                format!("slot {i}: leaf and path of facility {fac}"),
                t.clone(),
            ));
            t.stores[i].record.facility_id = moved.record.facility_id;
            out.push(Transform::new(
                format!("slot {i}: moved to facility {fac}"),
                t,
            ));
            let mut t = w.clone();
            t.stores[i].record.facility_id = moved.record.facility_id;
            out.push(Transform::new(
                format!("slot {i}: record names facility {fac}"),
                t,
            ));
        }
        // 5. Not encrypted; another key fingerprint.
        let mut t = w.clone();
        t.stores[i].record.encrypted = false;
        out.push(Transform::new(format!("slot {i}: not encrypted"), t));
        let mut t = w.clone();
        t.stores[i].record.key_fingerprint += Fr::from(1u64);
        out.push(Transform::new(format!("slot {i}: another key"), t));
    }
    // 6. Merge: two used stores of one facility into one slot (the second
    // dropped, or its slot reused as padding).
    for (x, &i) in used.iter().enumerate() {
        for &k in &used[x + 1..] {
            if w.stores[i].facility == w.stores[k].facility {
                let mut t = w.clone();
                t.stores[k] = StoreSlot::padding();
                out.push(Transform::new(format!("slots {i} and {k} merged"), t));
            }
        }
    }
    for &k in &unused {
        // 7. The list extended: a new store of an allowed facility of `X`.
        let mut t = w.clone();
        t.stores[k] = store_slot(d, 1, "NEW-STORE", 5);
        out.push(Transform::new(
            format!("slot {k}: a new store, used"),
            t.clone(),
        ));
        // 8. Unused slots holding anything: that store unused, each registry
        // facility (another operator's, a disallowed tier's), padding marked
        // used, a padding record encrypted.
        t.stores[k].used = false;
        out.push(Transform::new(format!("slot {k}: a new store, unused"), t));
        for fac in 0..facilities {
            let mut t = w.clone();
            t.stores[k] = StoreSlot {
                used: false,
                ..store_slot(d, fac, "IDLE", 1)
            };
            out.push(Transform::new(
                format!("slot {k}: holds facility {fac}, unused"),
                t,
            ));
        }
        let mut t = w.clone();
        t.stores[k].used = true;
        out.push(Transform::new(format!("slot {k}: padding marked used"), t));
        let mut t = w.clone();
        t.stores[k].record.encrypted = true;
        out.push(Transform::new(format!("slot {k}: padding encrypted"), t));
    }
    // 9. The attestation's own fields and the auditor.
    let mut t = w.clone();
    t.attested_epoch += 1;
    out.push(Transform::new("attested epoch relabelled", t));
    let mut t = w.clone();
    t.attested_deployment += Fr::from(1u64);
    out.push(Transform::new("attested deployment relabelled", t));
    let mut t = w.clone();
    t.auditor = d.registry.auditors[0];
    t.auditor_path = d.registry.auditor_tree.path(0);
    out.push(Transform::new("the other auditor named", t));
    out
}

#[test]
fn jurisdiction_relayouts_are_refused_or_change_nothing() {
    let standard = Deployment::standard();
    // Three stores, two of them in one facility (for merges).
    let mut three = Deployment::standard();
    three.stores.insert(
        1,
        Store {
            id: "LOGS-2".into(),
            facility: 0,
            encrypted: true,
            key_fingerprint: 0xfeed,
        },
    );
    let mut total = (0, 0, 0);
    for (name, d) in [("standard", standard), ("three stores", three)] {
        let (st, w) = deployment(&d);
        let ts = jurisdiction_transforms(&d, &w);
        let report = search(&JurisdictionClaim(JCAP), &st, &w, ts).unwrap();
        println!("jurisdiction, {name}: {report}");
        tally_clean(&mut total, name, &report);
        assert!(report.unchanged() > 0, "{name}: {report}");
        // Refused for the right reasons: a reordered, shortened or extended
        // list no longer verifies under the auditor's signature; a record
        // naming another facility than its slot fails its own check.
        let swapped = if w.records().len() == 2 {
            "stores permuted [1, 0]"
        } else {
            "stores permuted [1, 0, 2]"
        };
        for t in [
            swapped,
            "slot 0 marked unused",
            "slot 0 copied into slot 3 (used: true)",
            "slot 3: a new store, used",
        ] {
            assert!(
                matches!(
                    report.verdict(t),
                    Some(Verdict::Refused {
                        native: ClaimError::BadSignature { .. } | ClaimError::NoStores,
                        circuit: CircuitRefusal::Row(_),
                    })
                ),
                "{name}, {t}: {:?}",
                report.verdict(t)
            );
        }
        assert!(
            matches!(
                report.verdict("slot 0: record names facility 1"),
                Some(Verdict::Refused {
                    native: ClaimError::FacilityNotInRegistry { slot: 0 },
                    circuit: CircuitRefusal::Row(_),
                })
            ),
            "{name}"
        );
    }
    println!("jurisdiction: {total:?} (tried, refused, unchanged)");
    assert!(total.0 > 100, "{total:?}");
}

/// A search checks every witness against the rows it builds from the honest
/// pair (in setup mode): those are the rows the keys are made from, the
/// digest of `for_setup`, whatever the honest witness.
#[test]
fn the_search_checks_against_the_keys_rows() {
    use zkcc_circuits::harness::relayout::Claim;
    use zkcc_circuits::harness::{matrices_digest, Matrices};
    use zkcc_circuits::request::constraints::RequestCircuit;
    use zkcc_circuits::shard::constraints::ShardCircuit;
    let f = fleet();
    let keys = matrices_digest(ShardCircuit::for_setup(SHAPE)).unwrap();
    for (st, w) in &f.shards {
        let m = Matrices::of(ShardClaim(SHAPE).circuit(st, w)).unwrap();
        assert_eq!(m.digest(), keys);
    }
    let (st, w) = &f.request;
    let m = Matrices::of(RequestClaim(RSHAPE).circuit(st, w)).unwrap();
    assert_eq!(
        m.digest(),
        matrices_digest(RequestCircuit::for_setup(RSHAPE)).unwrap()
    );
}
