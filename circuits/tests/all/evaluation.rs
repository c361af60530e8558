//! The model-evaluation claim: honest and tampered, native check and circuit
//! both; every public input bound; hostile assignments to the matrices.
use crate::common::{fails_only_at, synthesized, two_fails_at_booleanity};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use zkcc_circuits::error::ClaimError;
use zkcc_circuits::evaluation::constraints::{self as ec, EvaluationCircuit};
use zkcc_circuits::evaluation::fixtures::{EvalFixture, DEPLOYMENT, EVALS, NOT_BEFORE, WINDOW};
use zkcc_circuits::evaluation::{
    self, assemble, check_native, EvaluationStatement, EvaluationWitness,
};
use zkcc_circuits::harness::{Explained, Snapshot};
use zkcc_circuits::Fr;
use zkcc_test_support::groth16;
use zkcc_test_support::hostile::{bv, fp, row_with};
use zkcc_test_support::pins;

const N: usize = 3;

fn fixture() -> EvalFixture {
    EvalFixture::standard(N)
}

fn circuit(st: &EvaluationStatement, w: &EvaluationWitness) -> EvaluationCircuit {
    EvaluationCircuit::with_witness(w.suite.evals.len(), *st, w.clone())
}

fn sat(st: &EvaluationStatement, w: &EvaluationWitness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit(st, w).generate_constraints(cs.clone()).unwrap();
    zkcc_circuits::harness::satisfied(&cs).unwrap()
}

fn snap(st: &EvaluationStatement, w: &EvaluationWitness) -> (Snapshot, ec::EvaluationVars) {
    synthesized(ec::synthesize, circuit(st, w))
}

/// Replaces result `slot` of `w` by one that `key` (with evaluator
/// `path_of`'s registry path) signs for `score` on `date`.
fn resign(
    f: &EvalFixture,
    w: &mut EvaluationWitness,
    slot: usize,
    key: &zkcc_circuits::eddsa::SecretKey,
    path_of: usize,
    score: u64,
    date: u64,
) {
    let id = f.suite.evals[slot].id;
    w.results[slot] = f.result(key, path_of, &f.digest, id, score, date);
}

/// Honest results for `slots`, signed by evaluator 0 on 2026-11-01.
fn signed_results(f: &EvalFixture, slots: &[usize]) -> Vec<evaluation::SignedResultJson> {
    slots
        .iter()
        .map(|&i| f.signed(0, &f.digest, i, EVALS[i].3, 20261101))
        .collect()
}

/// Assembles the fixture's claim from `signed`.
fn assemble_from(
    f: &EvalFixture,
    signed: &[evaluation::SignedResultJson],
) -> Result<EvaluationWitness, ClaimError> {
    assemble(&f.registry, &f.suite, &f.digest, f.blinding, WINDOW, signed)
}

/// A tampered witness (statement recomputed to fit it): the native check
/// fails with `expected` and the circuit is unsatisfied.
/// `w` (with its statement) passes the native check and satisfies the circuit.
fn holds(f: &EvalFixture, w: &EvaluationWitness) {
    check_native(N, &f.statement_for(w), w).unwrap();
    assert!(sat(&f.statement_for(w), w));
}

/// `w`, under the statement it implies, fails natively on the signature of
/// eval slot `slot`, and the circuit rejects it too.
fn bad_signature(f: &EvalFixture, w: &EvaluationWitness, slot: usize) {
    let st = f.statement_for(w);
    match check_native(N, &st, w) {
        Err(ClaimError::BadSignature { slot: s, .. }) => assert_eq!(s, slot),
        other => panic!("expected a bad signature, got {other:?}"),
    }
    assert!(!sat(&st, w));
}

fn rejected(f: &EvalFixture, w: &EvaluationWitness, expected: ClaimError) {
    let st = f.statement_for(w);
    assert_eq!(check_native(N, &st, w), Err(expected));
    assert!(!sat(&st, w), "the circuit must reject it too");
}

#[test]
fn honest_results_pass_both_at_every_suite_size() {
    for n in 1..=3 {
        let f = EvalFixture::standard(n);
        assert_eq!(f.statement.registry_root, f.registry.root);
        assert_eq!(
            f.statement.suite_hash,
            evaluation::suite_hash(&f.registry.suites[0])
        );
        check_native(n, &f.statement, &f.witness).unwrap();
        assert!(sat(&f.statement, &f.witness), "suite of {n}");
    }
}

#[test]
fn costs_are_pinned_and_the_formula_holds() {
    pins::assert_formula_and_pinned(
        "evaluation",
        EvaluationCircuit::for_setup,
        ec::cost,
        N,
        (PINNED_CONSTRAINTS, PINNED_MATRICES),
    );
}
const PINNED_CONSTRAINTS: usize = 25_873;
const PINNED_MATRICES: &str = "2873ee77dead7cbdb1469017f6a1eff23d97c534b10e1d1d1d8b38f2f39f7a7e";

// ---------------------------------------------------------------------------
// Tampering, one change each.

#[test]
fn a_missing_eval_fails() {
    let f = fixture();
    // The importer has no result for eval 1: assembling names it.
    let only = signed_results(&f, &[0, 2]);
    assert_eq!(
        assemble_from(&f, &only),
        Err(ClaimError::MissingEval {
            slot: 1,
            eval: "BIO-UPLIFT".into()
        })
    );
    // In its slot, eval 0's result (an honest signature for another eval).
    let mut w = f.witness.clone();
    w.results[1] = w.results[0].clone();
    rejected(
        &f,
        &w,
        ClaimError::MissingEval {
            slot: 1,
            eval: "BIO-UPLIFT".into(),
        },
    );
    // The same with the eval id relabelled: the signature is for eval 0.
    w.results[1].eval_id = f.suite.evals[1].id;
    let st = f.statement_for(&w);
    let e = check_native(N, &st, &w).unwrap_err();
    assert!(matches!(e, ClaimError::BadSignature { slot: 1, .. }), "{e}");
    // Said as what it is: an evaluator's result, not a facility's attestation.
    assert!(
        e.to_string()
            .starts_with("eval slot 1: evaluator's result signature invalid"),
        "{e}"
    );
    assert!(!sat(&st, &w));
}

#[test]
fn a_score_one_unit_on_the_wrong_side_fails_in_either_direction() {
    let f = fixture();
    // Eval 1: at most 200 (honest 200, exactly on the threshold); eval 2: at least 9,500.
    for (slot, score, threshold, direction) in
        [(1, 201, 200, "at most"), (2, 9_499, 9_500, "at least")]
    {
        let mut w = f.witness.clone();
        resign(&f, &mut w, slot, &f.evaluators[0], 0, score, 20261101);
        rejected(
            &f,
            &w,
            ClaimError::ScoreOutOfBounds {
                slot,
                score,
                threshold,
                direction,
            },
        );
    }
}

/// A result dated one day outside the request's window is refused, on
/// either side; dated on the window's last day on that side, it holds.
#[test]
fn a_result_dated_one_day_outside_the_window_fails() {
    // (slot, score, the day outside, the window's last day, the refusal)
    let cases = [
        (
            0,
            120,
            20261202,
            DEPLOYMENT,
            ClaimError::AfterDeployment {
                slot: 0,
                date: 20261202,
                deployment: DEPLOYMENT,
            },
        ),
        // 2025-11-30, the day before NOT_BEFORE (2025-12-01).
        (
            1,
            150,
            20251130,
            NOT_BEFORE,
            ClaimError::BeforeNotBefore {
                slot: 1,
                date: 20251130,
                not_before: NOT_BEFORE,
            },
        ),
    ];
    let f = fixture();
    for (slot, score, past, bound, expected) in cases {
        let mut w = f.witness.clone();
        resign(&f, &mut w, slot, &f.evaluators[0], 0, score, past);
        rejected(&f, &w, expected);
        resign(&f, &mut w, slot, &f.evaluators[0], 0, score, bound);
        holds(&f, &w);
    }
}

/// Assembling skips a result dated before the not-before date, and says why.
#[test]
fn assembling_skips_a_result_dated_before_the_not_before_date() {
    let f = fixture();
    let mut signed = signed_results(&f, &[0, 1, 2]);
    signed[1] = f.signed(0, &f.digest, 1, 150, 20251130);
    assert_eq!(
        assemble_from(&f, &signed),
        Err(ClaimError::BeforeNotBefore {
            slot: 1,
            date: 20251130,
            not_before: NOT_BEFORE,
        })
    );
}

/// A result signed for version 2 of the suite (same eval ids, thresholds
/// and directions: only the version differs) does not serve version 1,
/// and the other way round.
#[test]
fn a_result_signed_for_another_suite_version_fails() {
    let f = fixture();
    let v2 = evaluation::Suite {
        version: 2,
        ..f.suite.clone()
    };
    let signed_v2 = evaluation::SignedResultJson::sign(
        &f.evaluators[0],
        "EVAL-0",
        &v2,
        &f.digest,
        EVALS[0].0,
        EVALS[0].3,
        20261101,
    )
    .unwrap();
    // In the witness: the signature does not verify on the statement's suite.
    let (_, eval_id, _, signature) = signed_v2.decode().unwrap();
    let mut w = f.witness.clone();
    w.results[0] = evaluation::EvalResult {
        eval_id,
        score: signed_v2.score,
        date: signed_v2.date,
        evaluator: f.registry.evaluators[0],
        evaluator_path: f.registry.evaluator_tree.path(0),
        signature,
    };
    bad_signature(&f, &w, 0);
    // Assembling names the version.
    let mut signed = signed_results(&f, &[0, 1, 2]);
    signed[0] = signed_v2.clone();
    assert_eq!(
        assemble_from(&f, &signed),
        Err(ClaimError::ResultForAnotherSuite {
            slot: 0,
            suite: "FRONTIER-2026".into(),
            version: 2,
        })
    );
    // The same signature, in a witness for suite v2 (the prover claims the
    // statement of v2): the other slots' v1 results fail instead.
    let mut w2 = w.clone();
    w2.suite = v2;
    bad_signature(&f, &w2, 1);
}

#[test]
fn a_signature_by_an_unaccredited_evaluator_fails() {
    let f = fixture();
    let mut w = f.witness.clone();
    resign(&f, &mut w, 2, &f.unaccredited, 1, 9_600, 20261101);
    rejected(&f, &w, ClaimError::EvaluatorNotAccredited { slot: 2 });
    // Nor does assembling pick it.
    let signed = zkcc_circuits::evaluation::SignedResultJson::sign(
        &f.unaccredited,
        "EVAL-1",
        &f.suite,
        &f.digest,
        EVALS[2].0,
        9_600,
        20261101,
    )
    .unwrap();
    let mut all = signed_results(&f, &[0, 1]);
    all.push(signed);
    assert!(matches!(
        assemble_from(&f, &all),
        Err(ClaimError::EvaluatorNotAccredited { slot: 2 })
    ));
}

#[test]
fn a_result_signed_for_another_model_fails() {
    let f = fixture();
    let mut other = f.digest;
    other[31] ^= 1;
    let mut w = f.witness.clone();
    w.results[0] = f.result(
        &f.evaluators[1],
        1,
        &other,
        f.suite.evals[0].id,
        120,
        20261101,
    );
    bad_signature(&f, &w, 0);
    // Claiming the other model instead: the other results do not cover it.
    let (hi, lo) = evaluation::digest_limbs(&other);
    let w2 = EvaluationWitness {
        digest_hi: hi,
        digest_lo: lo,
        ..w
    };
    bad_signature(&f, &w2, 1);
}

#[test]
fn a_relaxed_suite_or_another_model_commitment_or_registry_fails() {
    let f = fixture();
    // The prover checks against a suite whose threshold it relaxed.
    let mut w = f.witness.clone();
    w.suite.evals[1].threshold = 250;
    resign(&f, &mut w, 1, &f.evaluators[0], 0, 240, 20261101);
    let st = EvaluationStatement {
        suite_hash: f.statement.suite_hash,
        ..f.statement_for(&w)
    };
    assert_eq!(check_native(N, &st, &w), Err(ClaimError::SuiteMismatch));
    assert!(!sat(&st, &w));
    // Another blinding under the public commitment.
    let mut w = f.witness.clone();
    w.blinding += Fr::from(1u64);
    assert_eq!(
        check_native(N, &f.statement, &w),
        Err(ClaimError::CommitmentMismatch)
    );
    assert!(!sat(&f.statement, &w));
    // Another evaluator root (an evaluator the agency never accredited added).
    let mut w = f.witness.clone();
    w.registry.evaluators_root += Fr::from(1u64);
    assert_eq!(
        check_native(N, &f.statement, &w),
        Err(ClaimError::RegistryRootMismatch)
    );
    assert!(!sat(&f.statement, &w));
}

// ---------------------------------------------------------------------------
// Groth16: proves, verifies, and every public input is bound.

#[test]
fn proves_and_verifies_and_binds_every_input() {
    let f = EvalFixture::standard(2);
    let inputs = f.statement.public_inputs();
    assert_eq!(inputs.len(), evaluation::PUBLIC_INPUT_NAMES.len());
    groth16::round_trip_binds_every_input(
        EvaluationCircuit::for_setup(2),
        circuit(&f.statement, &f.witness),
        &inputs,
        &evaluation::PUBLIC_INPUT_NAMES,
        12,
    );
}

// ---------------------------------------------------------------------------
// Hostile assignments.

/// The fixture's witness with result `slot` replaced by one that `key`
/// (with evaluator `path_of`'s registry path) signs for `score` on `date`,
/// the statement recomputed to fit: its snapshot and variables.
fn resigned(
    f: &EvalFixture,
    slot: usize,
    key: &zkcc_circuits::eddsa::SecretKey,
    path_of: usize,
    score: u64,
    date: u64,
) -> (Snapshot, ec::EvaluationVars) {
    let mut w = f.witness.clone();
    resign(f, &mut w, slot, key, path_of, score, date);
    snap(&f.statement_for(&w), &w)
}

/// The only failing row is the one recomposing the 32 `bits` (a range
/// check) next to `value`.
fn only_the_recomposition_fails(
    snap: &Snapshot,
    bits: &[ark_r1cs_std::boolean::Boolean<Fr>],
    value: &ark_r1cs_std::fields::fp::FpVar<Fr>,
) {
    fails_only_at(snap, &[bv(&bits[0]), bv(&bits[31]), fp(value)]);
}

#[test]
fn no_unexplained_free_variables() {
    let f = fixture();
    let (snap, _) = snap(&f.statement, &f.witness);
    snap.is_satisfied().unwrap();
    snap.check_free(&Explained::new()).unwrap();
}

/// A score one past its threshold, honestly signed: the only row that fails
/// is the recomposition of the side difference's bits (it would need −1 in 32
/// bits), so that range check is what stops it.
#[test]
fn a_score_past_its_threshold_fails_only_at_the_side_range_check() {
    let f = fixture();
    for (slot, score) in [(1usize, 201u64), (2, 9_499)] {
        let (snap, vars) = resigned(&f, slot, &f.evaluators[0], 0, score, 20261101);
        only_the_recomposition_fails(&snap, &vars.side_bits[slot], &vars.scores[slot]);
    }
}

/// A result dated the day after deployment: only the recomposition of
/// `deployment − date` fails.
#[test]
fn a_late_result_fails_only_at_the_date_range_check() {
    let f = fixture();
    let (snap, vars) = resigned(&f, 0, &f.evaluators[1], 1, 120, 20261202);
    only_the_recomposition_fails(&snap, &vars.days_bits[0], &vars.dates[0]);
}

/// A result dated the day before the not-before date: only the
/// recomposition of `date − not_before` fails (without it the statement
/// would hold).
#[test]
fn an_old_result_fails_only_at_the_not_before_range_check() {
    let f = fixture();
    let (snap, vars) = resigned(&f, 2, &f.evaluators[1], 1, 9_500, 20251130);
    only_the_recomposition_fails(&snap, &vars.age_bits[2], &vars.dates[2]);
}

/// An unaccredited key with an accredited evaluator's path: only the
/// equality of the recomputed evaluator root fails.
#[test]
fn an_unaccredited_evaluator_fails_only_at_the_evaluator_root() {
    let f = fixture();
    let (snap, vars) = resigned(&f, 1, &f.unaccredited, 0, 150, 20261101);
    // The recomputed root is a linear combination (Poseidon's last MDS
    // layer): the failing row is the one equality row holding the opening's
    // evaluator root and not slot 0's or slot 2's.
    let root = fp(vars.evaluators_root.as_ref().unwrap());
    let failing = snap.failing_rows(&[]);
    assert_eq!(failing.len(), 1, "{failing:?}");
    // (The opening's first rows are the lifecycle hash's; then one equality per slot.)
    let rows = snap.rows_of(root);
    let equalities = &rows[rows.len() - N..];
    assert!(equalities.iter().all(|&r| snap.support(r).len() < 10));
    assert_eq!(failing[0], equalities[1]);
}

/// Hostile side bits: in the honest assignment, a "bit" of 2 with the bit
/// below cleared still recomposes to the same difference; only that bit's
/// booleanity row rejects it. And a hostile direction flag of 2 (which would
/// turn `t − s` into `3·(s − t)`) fails at its booleanity row first.
#[test]
fn hostile_bits_and_direction_fail_at_their_booleanity_rows() {
    let f = fixture();
    let (snap, vars) = snap(&f.statement, &f.witness);
    // Slot 0: side = 300 − 120 = 180 = 0b1011_0100; bit 2 is set, bit 3 is not... use bits 4, 5.
    let bits = &vars.side_bits[0];
    assert_eq!(snap.value(bv(&bits[2])), Some(Fr::from(1u64)));
    assert_eq!(snap.value(bv(&bits[3])), Some(Fr::from(0u64)));
    let edits = [
        (bv(&bits[2]), Fr::from(0u64)),
        (bv(&bits[1]), Fr::from(2u64)),
    ];
    // 180 has bit 1 = 0: 2·2 = 4 = the removed bit 2.
    assert_eq!(snap.value(bv(&bits[1])), Some(Fr::from(0u64)));
    assert_eq!(
        snap.failing_rows(&edits),
        vec![snap.first_row_of(bv(&bits[1])).unwrap()]
    );
    let d = bv(&vars.directions[0]);
    two_fails_at_booleanity(&snap, d);
}

/// A digest limb of `hi + 2^128` (not a 128-bit limb): with everything it
/// feeds recomputed as a cheating prover would, the limb's range check fails.
#[test]
fn a_limb_past_128_bits_fails_its_range_check() {
    let f = fixture();
    let (snap, vars) = snap(&f.statement, &f.witness);
    let hi = fp(&vars.limbs[0]);
    let two128 = Fr::from(2u64).pow([128u64]);
    let edits = snap.propagate(&[(hi, f.witness.digest_hi + two128)]);
    let failing = snap.failing_rows(&edits);
    let recomposition = snap
        .rows_of(hi)
        .into_iter()
        .find(|&r| snap.support(r).len() > 100)
        .expect("the recomposition row of hi");
    assert!(failing.contains(&recomposition), "{failing:?}");
}

use ark_ff::Field;

/// Found by the re-layout search (`circuits/tests/relayout.rs`): a result
/// whose witness names another eval than its slot, its signature still over
/// the slot's eval. Natively: no result for the slot's eval. The circuit used
/// only the suite's id and accepted; it now requires the result's eval id to
/// equal the eval's, and that row alone fails.
#[test]
fn a_result_naming_another_eval_than_its_slot_fails_only_at_its_id_row() {
    let f = fixture();
    for (slot, other) in [(0usize, 1usize), (2, 0)] {
        let mut w = f.witness.clone();
        w.results[slot].eval_id = f.suite.evals[other].id;
        let st = f.statement_for(&w);
        assert_eq!(
            check_native(N, &st, &w),
            Err(ClaimError::MissingEval {
                slot,
                eval: EVALS[slot].0.into(),
            })
        );
        let (snap, vars) = snap(&st, &w);
        let target = row_with(&snap, &[fp(&vars.result_ids[slot])]);
        assert_eq!(snap.failing_rows(&[]), vec![target], "slot {slot}");
    }
}
