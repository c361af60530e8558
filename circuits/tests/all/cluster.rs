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

/// Asserts the tampered fixture fails natively with exactly `expect`, and
/// that the circuit's first violated row lies in the part labelled `at`
/// (`"chip slot i"`, `"facility slot j"`, `"commitment"`, `"tail"`, or
/// `"prefix"` for the registry root and public inputs; see [`Recorded`]).
fn assert_rejected(f: &Fixture, expect: ClaimError, at: &str) {
    assert_eq!(
        check_native(&f.shape, &f.statement, &f.witness),
        Err(expect.clone()),
        "native check"
    );
    // Recorded::of checks that its snapshot is the circuit's.
    let r = Recorded::of(f);
    let err = r.snap.is_satisfied().unwrap_err();
    assert_eq!(
        err.name.as_deref(),
        Some(at),
        "{expect}: circuit fails at {err}"
    );
}

/// The native geofence error of chip `slot`, as `check_native` words it.
fn fence_error(f: &Fixture, slot: usize) -> String {
    let c = &f.witness.chips[slot];
    let fence = f.witness.facilities[c.facility_slot].facility.fence;
    match fence.check(c.record.lat, c.record.lon, c.record.uncertainty_m) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("chip {slot} is inside"),
    }
}

const EQUATION: &str = "verification equation does not hold";

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
const PINNED_CONSTRAINTS: usize = 36_891;
const PINNED_MATRICES: &str = "3bf06406a44c2d130e7cd91ba50b2f27434d96b407f06865819630093b6e1776";

/// The documented cost formula ([`cost`]) against synthesis.
#[test]
fn cost_formula_matches_synthesis() {
    use ark_relations::gr1cs::SynthesisMode;
    let count = |chips, facilities| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        ClusterCircuit::for_setup(ClusterShape { chips, facilities })
            .generate_constraints(cs.clone())
            .unwrap();
        cs.num_constraints()
    };
    for (chips, facilities) in [(0, 1), (1, 1), (4, 1), (1, 0), (5, 2), (8, 3), (3, 4)] {
        let shape = ClusterShape { chips, facilities };
        assert_eq!(cost(&shape), count(chips, facilities), "{}", shape.name());
    }
    assert_eq!(cost(&SHAPE), PINNED_CONSTRAINTS);
    // Per chip slot (from slot 1 on) and per facility slot, by difference.
    assert_eq!(count(3, 2) - count(2, 2), cost_per_chip(2));
    assert_eq!(count(2, 3) - count(2, 2), COST_PER_FACILITY + 2 * 6);
    assert_eq!(cost_per_chip(8), 601);
    assert_eq!(
        cost(&ClusterShape {
            chips: 1024,
            facilities: 8
        }),
        700_537
    );
}

#[test]
fn cap_minus_one_fails() {
    let mut f = honest();
    f.statement.cap = 4; // 5 active chips
    assert_rejected(&f, ClaimError::CapExceeded { active: 5, cap: 4 }, "tail");
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
        ClaimError::OutsideGeofence {
            slot: 3,
            detail: fence_error(&f, 3),
        },
        "chip slot 3",
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
        ClaimError::OutsideGeofence {
            slot: 0,
            detail: fence_error(&f, 0),
        },
        "chip slot 0",
    );
}

/// Uncertainty is a 16-bit value. With a 100 km fence, `radius − 2^16` still
/// fits, so the only thing that refuses `2^16` is the 16-bit bound — natively
/// (the `uncertainty_m >= 2^16` check) and in the circuit (the recomposition
/// row of the uncertainty's range check, the only row violated), while
/// `2^16 − 1` passes both.
#[test]
fn value_of_2_to_the_k_fails() {
    let mut f = honest();
    f.set_radius(0, 100_000);
    f.witness.chips[1].record.uncertainty_m = (1 << 16) - 1;
    f.resign();
    f.recommit();
    check_native(&f.shape, &f.statement, &f.witness).unwrap();
    assert!(circuit_ok(&f), "2^16 − 1 fits");
    f.witness.chips[1].record.uncertainty_m = 1 << 16;
    f.resign();
    f.recommit();
    assert_eq!(
        check_native(&f.shape, &f.statement, &f.witness),
        Err(ClaimError::OutsideGeofence {
            slot: 1,
            detail: "uncertainty 65536 m does not fit in radius 100000 m".into()
        })
    );
    let r = Recorded::of(&f);
    // The geofence closes the chip slot: Δlat (25 rows), Δlon (25), then the
    // uncertainty's 16 bits and its recomposition.
    let fence = r.slots[1].rows.end - zkcc_circuits::geofence::constraints::FENCE_COST;
    let unc_recompose = fence + 25 + 25 + 16;
    assert_eq!(r.snap.failing_rows(&[]), vec![unc_recompose]);
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
        ClaimError::FacilityNotInRegistry { slot: 0 },
        "facility slot 0",
    );
    // Same id, wider fence: not the registered leaf either.
    let mut f = honest();
    f.witness.facilities[1].facility.fence.radius_m += 1;
    f.resign();
    f.recommit();
    assert_rejected(
        &f,
        ClaimError::FacilityNotInRegistry { slot: 1 },
        "facility slot 1",
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
        ClaimError::AuditorNotAccredited { slot: 0 },
        "facility slot 0",
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
        ClaimError::BadSignature {
            slot: 1,
            reason: EQUATION.into(),
        },
        "facility slot 1",
    );
    // The other accredited auditor's signature on the right message.
    let mut f = honest();
    let d = f.witness.derive(&f.shape).unwrap();
    let msg = attestation_message(f.witness.facilities[0].facility.id, 7, d.digests[0]);
    f.witness.facilities[0].signature = f.auditor_keys[1].sign(msg);
    assert_rejected(
        &f,
        ClaimError::BadSignature {
            slot: 0,
            reason: EQUATION.into(),
        },
        "facility slot 0",
    );
    // A signature re-used from another facility's attestation.
    let mut f = honest();
    f.witness.facilities[1].signature = f.witness.facilities[0].signature;
    assert_rejected(
        &f,
        ClaimError::BadSignature {
            slot: 1,
            reason: EQUATION.into(),
        },
        "facility slot 1",
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
        ClaimError::BadSignature {
            slot: 0,
            reason: "S is not below the subgroup order (non-canonical or malleated signature)"
                .into(),
        },
        "facility slot 0",
    );
}

#[test]
fn attestation_for_another_epoch_fails() {
    let mut f = honest();
    f.witness.facilities[1].attestation_epoch = 6;
    f.resign(); // the auditor honestly signed epoch 6
    assert_rejected(
        &f,
        ClaimError::WrongEpoch {
            slot: 1,
            found: 6,
            expected: 7,
        },
        "facility slot 1",
    );
}

#[test]
fn padded_slot_cannot_carry_a_record() {
    // A padded slot that carries a chip record.
    let mut f = honest();
    f.witness.chips[7].record = f.witness.chips[0].record;
    assert_rejected(
        &f,
        ClaimError::Padding {
            slot: 7,
            reason: "padded slot carries data".into(),
        },
        "chip slot 7",
    );
    // An active slot after the padding: see
    // `hostile_active_slot_after_padding_fails_only_at_its_row`.
}

#[test]
fn grouping_must_follow_facility_slots() {
    // Skipping a facility slot.
    let mut f = honest();
    f.witness.facilities[2] = f.witness.facilities[1].clone();
    for c in &mut f.witness.chips[3..5] {
        c.facility_slot = 2;
    }
    // In the circuit the used facility slots are then 0 and 2: the first
    // violated row is facility slot 2's `used_2 ⇒ used_1`.
    assert_rejected(&f, ClaimError::Grouping { slot: 3 }, "facility slot 2");
    // Interleaving groups.
    let mut f = honest();
    f.witness.chips.swap(2, 3);
    // Honest synthesis restarts group 0's chain at slot 3, so its digest is not
    // the signed one: the first violated row is facility slot 0's signature
    // (the grouping rows themselves: `hostile_start_flag_mid_group_*`).
    assert_rejected(&f, ClaimError::Grouping { slot: 3 }, "facility slot 0");
}

#[test]
fn duplicated_or_dropped_chip_fails() {
    let mut f = honest();
    f.witness.chips[1].record = f.witness.chips[0].record;
    f.recommit();
    assert_rejected(
        &f,
        ClaimError::BadSignature {
            slot: 0,
            reason: EQUATION.into(),
        },
        "facility slot 0",
    );
    // Dropping a chip from a group (to get under a cap) breaks the attestation.
    let mut f = honest();
    f.witness.chips.remove(2);
    f.witness.chips.push(ChipSlot::padding());
    f.recommit();
    assert_rejected(
        &f,
        ClaimError::BadSignature {
            slot: 0,
            reason: EQUATION.into(),
        },
        "facility slot 0",
    );
}

#[test]
fn commitment_opened_with_another_blinding_fails() {
    let mut f = honest();
    f.witness.blinding += Fr::one();
    assert_rejected(&f, ClaimError::CommitmentMismatch, "commitment");
    let mut f = honest();
    f.statement.registry_root += Fr::one();
    assert_rejected(&f, ClaimError::RegistryRootMismatch, "prefix");
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

// ---------------------------------------------------------------------------
// Hostile assignments: the matrices against values honest synthesis never
// produces (flags, selectors, digests), each failing at the row it should.
// ---------------------------------------------------------------------------

use ark_r1cs_std::{
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
};
use ark_relations::gr1cs::Variable;
use zkcc_circuits::cluster::constraints::{chip_slot, prefix, ChipCarry, Prefix};
use zkcc_circuits::harness::{var_of_bool, var_of_fp, Explained, RowRange, Snapshot, Unsatisfied};
use zkcc_circuits::range::enforce_bits;

/// The cluster circuit synthesized part by part with the public [`prefix`]
/// and [`chip_slot`] (as the prover's witness generator does), each part's
/// rows and witnesses recorded; asserted identical to [`ClusterCircuit`].
struct Recorded {
    snap: Snapshot,
    prefix: RowRange,
    slots: Vec<RowRange>,
    tail: RowRange,
    /// Per chip slot: active flag `a`, selectors `b_j`, start flag `s`.
    a: Vec<Variable>,
    b: Vec<Vec<Variable>>,
    s: Vec<Variable>,
    /// Per facility slot: used flag and digest.
    used: Vec<Variable>,
    digests: Vec<Variable>,
}

/// Row offsets inside a chip slot (see `cluster/constraints.rs`, `chip_slot`):
/// booleanity of `a`, of `b_0 … b_{F−1}`, of `s`; then `Σb = a`, `s·(1 − a) = 0`,
/// five padding products; then for slot 0 `s_0 = a_0`, `g_0 = 0`, and for the
/// others `a·(1 − a_prev) = 0`, `a·(g − g_prev − s) = 0`, the previous slot's
/// end-of-group check.
mod at {
    pub const BOOL_A: usize = 0;
    pub fn bool_b(j: usize) -> usize {
        1 + j
    }
    pub fn bool_s(f: usize) -> usize {
        f + 1
    }
    pub fn one_hot(f: usize) -> usize {
        f + 2
    }
    pub fn start_implies_active(f: usize) -> usize {
        f + 3
    }
    pub fn s0_eq_a0(f: usize) -> usize {
        f + 9
    }
    pub fn g0_zero(f: usize) -> usize {
        f + 10
    }
    pub fn active_prefix(f: usize) -> usize {
        f + 9
    }
    pub fn advance(f: usize) -> usize {
        f + 10
    }
    pub fn end_of_group(f: usize) -> usize {
        f + 11
    }
}

impl Recorded {
    fn of(f: &Fixture) -> Self {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = &f.witness;
        let nf = f.shape.facilities;
        let d = Derived::lenient(w, &f.shape);
        let (p, prefix_rows) =
            RowRange::record(&cs, "prefix", || prefix(&cs, &f.statement, w, &d).unwrap());
        let Prefix {
            facilities,
            used,
            cap,
        } = p;
        let (mut count, mut groups) = (FpVar::<Fr>::zero(), FpVar::<Fr>::zero());
        let mut prev: Option<ChipCarry> = None;
        let (mut slots, mut a, mut b, mut s) = (vec![], vec![], vec![], vec![]);
        for (i, c) in w.chips.iter().enumerate() {
            let (carry, rows) = RowRange::record(&cs, format!("chip slot {i}"), || {
                chip_slot(&cs, c, d.starts[i], &facilities, prev.as_ref()).unwrap()
            });
            // Allocation order: a, b_0 … b_{F−1}, s.
            assert_eq!(var_of_fp(&carry.a), Some(rows.witness(0)));
            assert_eq!(var_of_fp(&carry.s), Some(rows.witness(nf + 1)));
            a.push(rows.witness(0));
            b.push((0..nf).map(|j| rows.witness(1 + j)).collect::<Vec<_>>());
            s.push(rows.witness(nf + 1));
            count += &carry.a;
            groups += &carry.s;
            prev = Some(carry);
            slots.push(rows);
        }
        // The tail of `generate_constraints`.
        let ((), tail) = RowRange::record(&cs, "tail", || {
            if let Some(p) = &prev {
                (&p.acc - &p.sel).mul_equals(&p.a, &FpVar::zero()).unwrap();
            }
            used.iter()
                .fold(FpVar::zero(), |acc, u| acc + FpVar::from(u.clone()))
                .enforce_equal(&groups)
                .unwrap();
            enforce_bits(&(cap - count), CAP_BITS).unwrap();
        });
        let used_vars: Vec<Variable> = used.iter().map(|u| var_of_bool(u).unwrap()).collect();
        let digests = facilities
            .digests
            .iter()
            .map(|x| var_of_fp(x).unwrap())
            .collect();
        let snap = Snapshot::of(&cs).unwrap().with_labels(
            std::iter::once(prefix_rows.clone())
                .chain(slots.iter().cloned())
                .chain([tail.clone()]),
        );
        let real = Snapshot::from_circuit(ClusterCircuit {
            shape: f.shape,
            statement: f.statement,
            witness: Some(f.witness.clone()),
        })
        .unwrap();
        assert!(snap.same_system(&real), "the replica is the circuit");
        // Facility slot j's rows start at its `used` bit's booleanity row; the
        // prefix ends with the commitment check.
        let starts: Vec<usize> = used_vars
            .iter()
            .map(|u| snap.first_row_of(*u).unwrap())
            .collect();
        let commitment_row = prefix_rows.rows.end - 1;
        let facility_labels = (0..nf).map(|j| RowRange {
            label: format!("facility slot {j}"),
            rows: starts[j]..starts.get(j + 1).copied().unwrap_or(commitment_row),
            witnesses: 0..0,
        });
        let snap = snap.with_labels(facility_labels.chain([RowRange {
            label: "commitment".into(),
            rows: commitment_row..commitment_row + 1,
            witnesses: 0..0,
        }]));
        Self {
            snap,
            prefix: prefix_rows,
            slots,
            tail,
            a,
            b,
            s,
            used: used_vars,
            digests,
        }
    }

    fn f(&self) -> usize {
        self.digests.len()
    }

    fn row(&self, slot: usize, offset: usize) -> usize {
        self.slots[slot].row(offset)
    }

    /// The first failing row of `edits` completed by [`Snapshot::propagate`].
    fn first_failure(&self, edits: &[(Variable, Fr)]) -> Result<(), Unsatisfied> {
        self.snap.check(&self.snap.propagate(edits))
    }

    fn fails_at(&self, slot: usize, offset: usize) -> Result<(), Unsatisfied> {
        Err(Unsatisfied {
            row: self.row(slot, offset),
            name: Some(format!("chip slot {slot}")),
        })
    }
}

fn zero() -> Fr {
    Fr::from(0u64)
}
fn one() -> Fr {
    Fr::from(1u64)
}

#[test]
fn hostile_layout_rows_are_the_named_constraints() {
    let r = Recorded::of(&honest());
    r.snap.is_satisfied().unwrap();
    let f = r.f();
    let support = |row| r.snap.support(row);
    let mut one_hot = vec![Variable::one(), r.a[1]];
    one_hot.extend(&r.b[1]);
    one_hot.sort();
    assert_eq!(support(r.row(1, at::one_hot(f))), one_hot);
    let mut sa = vec![Variable::one(), r.a[6], r.s[6]];
    sa.sort();
    assert_eq!(support(r.row(6, at::start_implies_active(f))), sa);
    let mut s0 = vec![Variable::one(), r.a[0], r.s[0]];
    s0.sort();
    assert_eq!(support(r.row(0, at::s0_eq_a0(f))), s0);
    // g = Σ j·b_j: b_0 has coefficient 0.
    assert_eq!(
        support(r.row(0, at::g0_zero(f))),
        vec![Variable::one(), r.b[0][1], r.b[0][2]]
    );
    assert_eq!(
        support(r.row(3, at::active_prefix(f))),
        vec![Variable::one(), r.a[2], r.a[3]]
    );
    assert_eq!(
        r.snap.first_row_of(r.b[4][2]),
        Some(r.row(4, at::bool_b(2)))
    );
    assert_eq!(r.snap.first_row_of(r.s[4]), Some(r.row(4, at::bool_s(f))));
    assert_eq!(r.snap.first_row_of(r.a[4]), Some(r.row(4, at::BOOL_A)));
    assert!(r.snap.support(r.row(2, at::advance(f))).contains(&r.s[2]));
    assert_eq!(r.tail.rows.end, r.snap.num_rows());
}

/// `Σ_j b_j = a`: two selectors set on an active slot, or none.
#[test]
fn hostile_selector_not_one_hot_fails_at_sum_b_eq_a() {
    let r = Recorded::of(&honest());
    let f = r.f();
    // Slot 1 is in group 0: b = (1, 0, 0).
    assert_eq!(r.snap.value(r.b[1][0]), Some(one()));
    assert_eq!(
        r.first_failure(&[(r.b[1][1], one())]),
        r.fails_at(1, at::one_hot(f)),
        "two bits set"
    );
    assert_eq!(
        r.first_failure(&[(r.b[1][0], zero())]),
        r.fails_at(1, at::one_hot(f)),
        "no bit set on an active slot"
    );
    // A padded slot selecting a facility.
    assert_eq!(
        r.first_failure(&[(r.b[6][0], one())]),
        r.fails_at(6, at::one_hot(f)),
        "padded slot with a selector"
    );
}

/// `a·(g − g_prev − s) = 0`: a start flag in the middle of a group.
#[test]
fn hostile_start_flag_mid_group_fails_at_the_advance_row() {
    let r = Recorded::of(&honest());
    assert_eq!(r.snap.value(r.s[1]), Some(zero()));
    assert_eq!(
        r.first_failure(&[(r.s[1], one())]),
        r.fails_at(1, at::advance(r.f()))
    );
    // And a group start dropped (slot 3 opens group 1).
    assert_eq!(
        r.first_failure(&[(r.s[3], zero())]),
        r.fails_at(3, at::advance(r.f()))
    );
}

/// `s_0 = a_0`.
#[test]
fn hostile_first_slot_not_starting_fails_at_s0_eq_a0() {
    let r = Recorded::of(&honest());
    assert_eq!(
        r.first_failure(&[(r.s[0], zero())]),
        r.fails_at(0, at::s0_eq_a0(r.f()))
    );
}

/// `g_0 = 0`: the first group at facility slot 1 (skipping slot 0).
#[test]
fn hostile_first_group_not_at_slot_0_fails_at_g0_zero() {
    let r = Recorded::of(&honest());
    assert_eq!(
        r.first_failure(&[(r.b[0][0], zero()), (r.b[0][1], one())]),
        r.fails_at(0, at::g0_zero(r.f()))
    );
}

/// `s·(1 − a) = 0`: a padded slot that starts a group.
#[test]
fn hostile_padded_slot_starting_a_group_fails_at_s_implies_a() {
    let r = Recorded::of(&honest());
    assert_eq!(r.snap.value(r.a[6]), Some(zero()));
    assert_eq!(
        r.first_failure(&[(r.s[6], one())]),
        r.fails_at(6, at::start_implies_active(r.f()))
    );
}

/// Booleanity of `a`, `b_j`, `s` and of the facility slots' `used`: each
/// non-boolean value fails at its own booleanity row — including a
/// "one-hot" selector `(2, −1, 0)` whose sum is 1 and `g = −1`.
#[test]
fn hostile_non_boolean_flags_fail_at_their_booleanity_rows() {
    let r = Recorded::of(&honest());
    let f = r.f();
    let two = Fr::from(2u64);
    assert_eq!(r.first_failure(&[(r.a[1], two)]), r.fails_at(1, at::BOOL_A));
    assert_eq!(
        r.first_failure(&[(r.s[2], two)]),
        r.fails_at(2, at::bool_s(f))
    );
    assert_eq!(
        r.first_failure(&[(r.b[1][0], two), (r.b[1][1], -one())]),
        r.fails_at(1, at::bool_b(0))
    );
    let used_row = r.snap.first_row_of(r.used[2]).unwrap();
    assert_eq!(
        r.first_failure(&[(r.used[2], two)]),
        Err(Unsatisfied {
            row: used_row,
            name: Some("facility slot 2".into())
        })
    );
    assert_eq!(r.snap.support(used_row), vec![Variable::one(), r.used[2]]);
}

/// An arbitrary digest for facility slot 0 (a cheating prover's choice,
/// everything derived from it recomputed): rejected first inside that slot's
/// signature verification (between the attestation message and the
/// commitment step, the prefix's only other rows that read the digest), and
/// also by the chain's end-of-group check and by the commitment.
#[test]
fn hostile_arbitrary_digest_fails_in_the_signature() {
    let r = Recorded::of(&honest());
    let d0 = r.digests[0];
    let reads = r.snap.rows_of(d0);
    let (msg_rows, commit_row) = (reads[0], reads[2]);
    assert!(r.prefix.rows.contains(&commit_row));
    let edits = r.snap.propagate(&[(d0, Fr::from(123_456u64))]);
    let err = r.snap.check(&edits).unwrap_err();
    assert!(
        msg_rows < err.row && err.row < commit_row,
        "{err}: not in the signature of facility slot 0"
    );
    let failing = r.snap.failing_rows(&edits);
    let commitment_eq = r.prefix.rows.end - 1;
    assert!(failing.contains(&commitment_eq), "commitment");
    // Group 0 ends at slot 2; slot 3 checks it.
    assert!(
        failing.contains(&r.row(3, at::end_of_group(r.f()))),
        "end of group 0"
    );
}

/// An active slot after a padded one — the rest made consistent as a cheating
/// prover would: the chip of slot 3 (group 1, a single chip) copied to slot 5
/// after padded slot 4, facility slot 2 a copy of facility slot 1 (so
/// `Σ used = Σ s`), the commitment and cap of that inventory. Everything holds
/// but `a_5·(1 − a_4) = 0`: without it the chip would be counted twice.
#[test]
fn hostile_active_slot_after_padding_fails_only_at_its_row() {
    let f = Fixture::new(SHAPE, &[3, 1], 11);
    // Natively: the same inventory is refused for exactly this reason.
    let mut tampered = f.witness.clone();
    tampered.chips[5] = tampered.chips[3];
    tampered.facilities[2] = tampered.facilities[1].clone();
    assert_eq!(
        check_native(&f.shape, &f.statement, &tampered),
        Err(ClaimError::Padding {
            slot: 5,
            reason: "active slot after a padded one".into()
        })
    );
    let r = Recorded::of(&f);
    let mut edits = r
        .snap
        .copy_inputs(r.slots[3].witnesses.clone(), r.slots[5].witnesses.start);
    // Facility slots are value-independent blocks starting at their `used` bit.
    let first = |v: Variable| r.snap.column(v).unwrap() - r.snap.num_instance();
    let block = first(r.used[1]) - first(r.used[0]);
    edits.extend(
        r.snap
            .copy_inputs(first(r.used[1])..first(r.used[1]) + block, first(r.used[2])),
    );
    let d = f.witness.derive(&f.shape).unwrap();
    let fac = |j: usize| (f.witness.facilities[j].facility.id, d.digests[j]);
    let c = commitment(
        f.statement.epoch,
        &[fac(0), fac(1), fac(1)],
        f.witness.blinding,
    );
    // Public inputs: 1, commitment, registry_root, cap, epoch, nonce.
    edits.push((Variable::instance(1), c));
    edits.push((Variable::instance(3), Fr::from(5u64)));
    let edits = r.snap.propagate(&edits);
    assert_eq!(
        r.snap.failing_rows(&edits),
        vec![r.row(5, at::active_prefix(r.f()))]
    );
    assert_eq!(
        r.snap.check(&edits),
        r.fails_at(5, at::active_prefix(r.f()))
    );
}

/// Every witness variable of a small honest instance is pinned by some row.
#[test]
fn hostile_no_unexplained_free_variables() {
    for groups in [&[3usize, 2][..], &[1], &[]] {
        let f = Fixture::new(SHAPE, groups, 11);
        let r = Recorded::of(&f);
        r.snap
            .check_free(&Explained::new())
            .unwrap_or_else(|e| panic!("groups {groups:?}: {e}"));
    }
}
