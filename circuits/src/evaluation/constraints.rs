//! The model-evaluation circuit. See the [module docs](super) for the
//! statement; this file lists the constraints in the order they are built.
//!
//! Global: the registry root from its opening (lifecycle form: the evaluator
//! and suite roots under the parameter digest); the digest limbs in 128 bits
//! each; `MC = Poseidon(TAG, X, hi, lo, blinding)`; the suite chain's start
//! `Poseidon(TAG, suite_id, version, n)` and its end equal to `SH`;
//! `nonce²` binds the nonce.
//!
//! Per eval slot: the eval's `(id, threshold, direction)` (direction boolean)
//! absorbed in the suite chain; the eval id the result names equal to the
//! eval's (as in the native check); `score`, `date`, `threshold` in 32 bits;
//! `(1 − 2·direction)·(threshold − score)` in 32 bits (the score on the right
//! side); `deployment − date` and `date − not_before` in 32 bits (the date in
//! the request's window); the evaluator's key (prime-order subgroup, not the
//! identity), leaf and path equal to the evaluator root; the signature on
//! `Poseidon(TAG, SH, hi, lo, id, score, date)` (the public suite hash: a
//! result signed for another suite version does not verify).
//!
//! Cost: [`EVAL_COST`] per eval slot, [`FIXED_COST`] once (pinned by
//! `circuits/tests/evaluation.rs`).
use super::{
    tags, EvaluationStatement, EvaluationWitness, RegistryOpening, Suite, LIMB_BITS, VALUE_BITS,
};
use crate::claim::{enforce_registry_root, new_inputs};
use crate::domain;
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::registry::EVALUATOR_DEPTH;
use ark_bn254::Fr;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Constraints per eval slot: suite chain Poseidon(4) 297, direction 1,
/// the result's eval id 1,
/// range checks 6 × 33 (score, date, threshold, side, days to deployment,
/// days since not-before), side product 1, evaluator leaf Poseidon(3) 261,
/// path 972 and root equality 1, result message Poseidon(7) 378 (a constant
/// tag folds one S-box), signature with key and nonce allocation 5,933.
pub const EVAL_COST: usize = 8_043;
/// Constraints once per circuit: registry root from its opening (lifecycle
/// 258, parameters 321, root 294), digest limbs 2 × 129, model commitment
/// 318, suite start 291, the equalities with the public root, commitment and
/// suite hash, and `nonce²`.
pub const FIXED_COST: usize = 1_744;

/// Constraints of the evaluation circuit for a suite of `evals` evals.
pub fn cost(evals: usize) -> usize {
    FIXED_COST + evals * EVAL_COST
}

claim_circuit! {
    /// The model-evaluation circuit for suites of `evals` evals. With `witness:
    /// None` it synthesizes the constraints only (setup).
    EvaluationCircuit {
        /// Eval slots.
        evals: usize,
        statement: EvaluationStatement,
        witness: EvaluationWitness,
        setup: Default::default(),
        padding: |evals| EvaluationWitness::padding(evals),
        fits: fits,
    }
}

impl EvaluationWitness {
    /// A placeholder witness of `evals` slots (the setup witness: it satisfies
    /// nothing, only its shape matters).
    pub fn padding(evals: usize) -> Self {
        let z = Fr::from(0u64);
        let key = crate::eddsa::generator();
        Self {
            digest_hi: z,
            digest_lo: z,
            blinding: z,
            suite: Suite {
                id: z,
                version: 0,
                evals: vec![
                    super::EvalSpec {
                        id: z,
                        threshold: 0,
                        direction: super::Direction::AtMost,
                    };
                    evals
                ],
            },
            results: vec![
                super::EvalResult {
                    eval_id: z,
                    score: 0,
                    date: 0,
                    evaluator: crate::registry::EvaluatorLeaf { id: z, key },
                    evaluator_path: crate::merkle::MerklePath::empty(EVALUATOR_DEPTH),
                    signature: crate::eddsa::Signature {
                        r: key,
                        s: Default::default(),
                    },
                };
                evals
            ],
            registry: RegistryOpening {
                facilities_root: z,
                auditors_root: z,
                policy_version: 0,
                models_root: z,
                tiers_root: z,
                default_tier: 0,
                evaluators_root: z,
                suites_root: z,
            },
        }
    }
}

/// Whether `w` has the circuit's shape (synthesis refuses it otherwise).
pub fn fits(evals: &usize, w: &EvaluationWitness) -> bool {
    let n = *evals;
    (1..=super::MAX_EVALS).contains(&n)
        && w.suite.evals.len() == n
        && w.results.len() == n
        && w.results
            .iter()
            .all(|r| r.evaluator_path.siblings.len() == EVALUATOR_DEPTH)
}

/// The variables of a synthesized evaluation circuit that hostile-assignment
/// tests aim at.
#[derive(Clone, Default)]
pub struct EvaluationVars {
    /// The public inputs, in order.
    pub inputs: Vec<FpVar<Fr>>,
    /// The digest limbs.
    pub limbs: Vec<FpVar<Fr>>,
    /// Per slot: the eval id the result names.
    pub result_ids: Vec<FpVar<Fr>>,
    /// Per slot: the direction flag.
    pub directions: Vec<Boolean<Fr>>,
    /// Per slot: the threshold.
    pub thresholds: Vec<FpVar<Fr>>,
    /// Per slot: the score.
    pub scores: Vec<FpVar<Fr>>,
    /// Per slot: the date.
    pub dates: Vec<FpVar<Fr>>,
    /// Per slot: the bits of the signed side difference.
    pub side_bits: Vec<Vec<Boolean<Fr>>>,
    /// Per slot: the bits of `deployment − date`.
    pub days_bits: Vec<Vec<Boolean<Fr>>>,
    /// Per slot: the bits of `date − not_before`.
    pub age_bits: Vec<Vec<Boolean<Fr>>>,
    /// Per slot: the evaluator root computed from its leaf and path.
    pub evaluator_roots: Vec<FpVar<Fr>>,
    /// The evaluator-tree root of the opening.
    pub evaluators_root: Option<FpVar<Fr>>,
}

/// Synthesizes the circuit and returns the variables tests aim at.
pub fn synthesize(
    c: EvaluationCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<EvaluationVars, SynthesisError> {
    let (n, st, w) = c.into_parts()?;
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));

    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let [registry_root, suite_hash, model_commitment, deployment, not_before, importer, nonce] =
        new_inputs(&cs, st.public_inputs())?;

    // Registry root, lifecycle form.
    let o = &w.registry;
    let evaluators_root = wit(o.evaluators_root)?;
    let lifecycle = hash(&[
        FpVar::constant(domain::lifecycle()),
        evaluators_root.clone(),
        wit(o.suites_root)?,
    ])?;
    let params = hash(&[
        wit(Fr::from(o.policy_version))?,
        wit(o.models_root)?,
        wit(o.tiers_root)?,
        wit(Fr::from(o.default_tier))?,
        lifecycle,
    ])?;
    let (fac_root, aud_root) = (wit(o.facilities_root)?, wit(o.auditors_root)?);
    enforce_registry_root(&fac_root, &aud_root, params, &registry_root)?;

    // The model.
    let hi = wit(w.digest_hi)?;
    let lo = wit(w.digest_lo)?;
    enforce_bits(&hi, LIMB_BITS)?;
    enforce_bits(&lo, LIMB_BITS)?;
    hash(&[
        FpVar::constant(tags::model()),
        importer.clone(),
        hi.clone(),
        lo.clone(),
        wit(w.blinding)?,
    ])?
    .enforce_equal(&model_commitment)?;

    let mut vars = EvaluationVars {
        inputs: vec![
            registry_root,
            suite_hash.clone(),
            model_commitment,
            deployment.clone(),
            not_before.clone(),
            importer,
            nonce.clone(),
        ],
        limbs: vec![hi.clone(), lo.clone()],
        evaluators_root: Some(evaluators_root.clone()),
        ..Default::default()
    };

    // The suite chain.
    let mut s_acc = hash(&[
        FpVar::constant(tags::suite()),
        wit(w.suite.id)?,
        wit(Fr::from(w.suite.version))?,
        FpVar::constant(Fr::from(n as u64)),
    ])?;
    for (spec, r) in w.suite.evals.iter().zip(&w.results) {
        let eval_id = wit(spec.id)?;
        let threshold = wit(Fr::from(spec.threshold))?;
        let dir = Boolean::new_witness(cs.clone(), || Ok(spec.direction.flag()))?;
        s_acc = hash(&[
            s_acc,
            eval_id.clone(),
            threshold.clone(),
            FpVar::from(dir.clone()),
        ])?;

        // The result is for this eval.
        let result_id = wit(r.eval_id)?;
        result_id.enforce_equal(&eval_id)?;

        // The score on the right side, dated in [not_before, deployment].
        let score = wit(Fr::from(r.score))?;
        let date = wit(Fr::from(r.date))?;
        enforce_bits(&score, VALUE_BITS)?;
        enforce_bits(&date, VALUE_BITS)?;
        enforce_bits(&threshold, VALUE_BITS)?;
        let gap = &threshold - &score;
        let flipped = FpVar::from(dir.clone()) * &gap;
        let side = &gap - flipped.double()?;
        let side_bits = enforce_bits(&side, VALUE_BITS)?;
        let days_bits = enforce_bits(&(&deployment - &date), VALUE_BITS)?;
        let age_bits = enforce_bits(&(&date - &not_before), VALUE_BITS)?;

        // The evaluator, accredited.
        let ev_id = wit(r.evaluator.id)?;
        let key = alloc_subgroup_point(cs.clone(), r.evaluator.key)?;
        let leaf = hash(&[ev_id, key.x.clone(), key.y.clone()])?;
        let root = MerklePathVar::new_witness(cs.clone(), &r.evaluator_path)?.root(&leaf)?;
        root.enforce_equal(&evaluators_root)?;

        // The signed result.
        let msg = hash(&[
            FpVar::constant(tags::result()),
            suite_hash.clone(),
            hi.clone(),
            lo.clone(),
            eval_id,
            score.clone(),
            date.clone(),
        ])?;
        let sig = SignatureVar::new_witness(cs.clone(), &r.signature)?;
        verify(&key, &msg, &sig, &Boolean::TRUE)?;

        vars.result_ids.push(result_id);
        vars.directions.push(dir);
        vars.thresholds.push(threshold);
        vars.scores.push(score);
        vars.dates.push(date);
        vars.side_bits.push(side_bits);
        vars.days_bits.push(days_bits);
        vars.age_bits.push(age_bits);
        vars.evaluator_roots.push(root);
    }
    s_acc.enforce_equal(&suite_hash)?;
    let _nonce_sq = nonce.square()?;
    Ok(vars)
}
