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
use zkcc_circuits::request::{RequestShape, RequestWitness};
use zkcc_circuits::shard::fixtures::{chip_in, Fleet};
use zkcc_circuits::shard::{ChipRecord, ChipSlot, FacilitySlot, ShardShape, ShardWitness};

const SHAPE: ShardShape = ShardShape {
    facilities: 3,
    slot_chips: 4,
};
const RSHAPE: RequestShape = RequestShape {
    shards: 3,
    entries: 3,
};

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
fn shard_transforms(f: &Fleet, w: &ShardWitness) -> Vec<Transform<ShardWitness>> {
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
            report
                .assert_clean()
                .unwrap_or_else(|e| panic!("shard {s}:\n{e}"));
            total.0 += report.tried();
            total.1 += report.refused();
            total.2 += report.unchanged();
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
