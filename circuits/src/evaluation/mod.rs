//! # The model-evaluation claim
//!
//! *"The model committed as `MC` by importer `X` has, for every eval of the
//! agency's suite `SH`, a result signed by an evaluator accredited in the
//! registry `root`, for that model's weights digest, with a score on the right
//! side of the eval's threshold, signed for that suite (its hash `SH`, so for
//! this version of it), dated on or after the not-before date `nb` and on or
//! before the deployment date `d`."* Public inputs, in order
//! ([`EvaluationStatement::public_inputs`]): `root`, `SH`, `MC`, `d`, `nb`,
//! `X`, `nonce`. The weights digest, the scores, the dates and which
//! evaluators signed stay private.
//!
//! ```text
//! digest         = SHA-256(weights file)  = hi ‖ lo   (two 128-bit limbs, big-endian)
//! MC             = Poseidon(TAG_MODEL, X, hi, lo, blinding)
//! result message = Poseidon(TAG_RESULT, SH, hi, lo, eval_id, score, date)   (signed by the evaluator)
//! suite hash     s_0 = Poseidon(TAG_SUITE, suite_id, version, n)
//!                s_i = Poseidon(s_{i-1}, eval_id_i, threshold_i, direction_i)    SH = s_n
//! ```
//! A direction is `at_most` (0: a capability score, `score ≤ threshold`) or
//! `at_least` (1: a safety score, `score ≥ threshold`). Scores, thresholds and
//! dates are below 2^32; dates are `YYYYMMDD` integers (their numeric order is
//! the calendar order). The suite is public (it is the agency's, in its
//! registry); the circuit recomputes `SH` from the suite it checks against,
//! so the eval ids, thresholds and directions cannot be changed.
//!
//! **No stale results.** The evaluator signs `SH`: a result is for one suite
//! *version*, and a new version (a changed threshold, an added eval) needs new
//! results. Every date lies in `[nb, d]`: the agency's request sets `nb`
//! (how old a result it accepts), and its access policy counts an evaluation
//! only while `nb` is within the rule's `max_evaluation_age_days` of the
//! decision date (`verifier/src/access.rs`).
//!
//! A circuit has one eval slot per eval of the suite: a suite of `n` evals
//! is proven with the circuit `evaluation-n`.
use crate::eddsa::{self, PointJson, Signature, SignatureJson};
use crate::encoding::{decode_label, encode_label};
use crate::error::{encoded, ClaimError, InputError};
use crate::merkle::MerklePath;
use crate::poseidon;
use crate::registry::{EvaluatorLeaf, RegistryOpening, EVALUATOR_DEPTH};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Width of scores, thresholds, dates and date differences.
pub const VALUE_BITS: usize = 32;
/// Width of each of the two digest limbs.
pub const LIMB_BITS: usize = 128;
/// Largest suite (eval slots of one circuit).
pub const MAX_EVALS: usize = 64;

/// Domain tags of the evaluation claim.
pub mod tags {
    domain_tags! {
        /// Model commitment.
        model = b"zkcc model commitment v1";
        /// An evaluator's signed result.
        result = b"zkcc eval result v2";
        /// An evaluation suite.
        suite = b"zkcc eval suite v1";
    }
}

/// Which side of its threshold a score must be on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `score ≤ threshold` (a dangerous-capability score must stay low).
    AtMost,
    /// `score ≥ threshold` (a safety score must be high enough).
    AtLeast,
}

impl Direction {
    /// Its field encoding: 0 for `at_most`, 1 for `at_least`.
    pub fn flag(self) -> bool {
        self == Direction::AtLeast
    }
    /// Whether `score` is on the right side of `threshold`.
    pub fn holds(self, score: u64, threshold: u64) -> bool {
        match self {
            Direction::AtMost => score <= threshold,
            Direction::AtLeast => score >= threshold,
        }
    }
    /// `at most` / `at least`.
    pub fn words(self) -> &'static str {
        match self {
            Direction::AtMost => "at most",
            Direction::AtLeast => "at least",
        }
    }
}

/// One eval of a suite, as the registry file lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalJson {
    /// Eval id (1–31 printable ASCII).
    pub id: String,
    /// Threshold, below 2^32.
    pub threshold: u64,
    /// Which side the score must be on.
    pub direction: Direction,
}

/// An evaluation suite, as the registry file lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSuiteJson {
    /// Suite id (1–31 printable ASCII).
    pub id: String,
    /// Suite version (a new threshold is a new version).
    pub version: u64,
    /// The evals, in order.
    pub evals: Vec<EvalJson>,
}

/// Why a suite, a result or a date was rejected.
pub type EvaluationError = InputError;

/// One eval, encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvalSpec {
    /// Encoded eval id.
    pub id: Fr,
    /// Threshold.
    pub threshold: u64,
    /// Direction.
    pub direction: Direction,
}

/// An evaluation suite, encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suite {
    /// Encoded suite id.
    pub id: Fr,
    /// Version.
    pub version: u64,
    /// The evals, in order.
    pub evals: Vec<EvalSpec>,
}

impl EvalSuiteJson {
    /// Validates and encodes the suite: 1..=[`MAX_EVALS`] evals with distinct
    /// ids, thresholds below 2^32.
    pub fn encode(&self) -> Result<Suite, EvaluationError> {
        let id = encoded(format!("suite {:?} id", self.id), encode_label(&self.id))?;
        if self.evals.is_empty() || self.evals.len() > MAX_EVALS {
            return Err(EvaluationError::Invalid(format!(
                "suite {:?}: 1 to {MAX_EVALS} evals",
                self.id
            )));
        }
        let mut seen = std::collections::HashSet::new();
        let mut evals = Vec::with_capacity(self.evals.len());
        for e in &self.evals {
            if !seen.insert(e.id.clone()) {
                return Err(EvaluationError::Invalid(format!(
                    "suite {:?}: eval {:?} appears twice",
                    self.id, e.id
                )));
            }
            if e.threshold >= 1 << VALUE_BITS {
                return Err(EvaluationError::Invalid(format!(
                    "suite {:?}: eval {:?} threshold must be below 2^{VALUE_BITS}",
                    self.id, e.id
                )));
            }
            evals.push(EvalSpec {
                id: encoded(
                    format!("suite {:?} eval {:?}", self.id, e.id),
                    encode_label(&e.id),
                )?,
                threshold: e.threshold,
                direction: e.direction,
            });
        }
        Ok(Suite {
            id,
            version: self.version,
            evals,
        })
    }
}

/// `SH`, the hash of a suite (see the module docs).
pub fn suite_hash(s: &Suite) -> Fr {
    let start = poseidon::hash(&[
        tags::suite(),
        s.id,
        Fr::from(s.version),
        Fr::from(s.evals.len() as u64),
    ]);
    s.evals.iter().fold(start, |acc, e| {
        poseidon::hash(&[
            acc,
            e.id,
            Fr::from(e.threshold),
            Fr::from(e.direction.flag() as u64),
        ])
    })
}

/// The SHA-256 digest of everything `r` yields, read in 1 MiB blocks (a
/// weights file is never held in memory whole).
pub fn sha256_reader<R: std::io::Read>(mut r: R) -> std::io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// A model's weights digest as two 128-bit limbs `(hi, lo)`, big-endian.
pub fn digest_limbs(digest: &[u8; 32]) -> (Fr, Fr) {
    (
        Fr::from_be_bytes_mod_order(&digest[..16]),
        Fr::from_be_bytes_mod_order(&digest[16..]),
    )
}

/// The model commitment `MC = Poseidon(TAG_MODEL, X, hi, lo, blinding)`.
pub fn model_commitment(importer: Fr, hi: Fr, lo: Fr, blinding: Fr) -> Fr {
    poseidon::hash(&[tags::model(), importer, hi, lo, blinding])
}

/// The message an evaluator signs for one result of the suite hashed `sh`
/// ([`suite_hash`]).
pub fn result_message(sh: Fr, hi: Fr, lo: Fr, eval_id: Fr, score: u64, date: u64) -> Fr {
    poseidon::hash(&[
        tags::result(),
        sh,
        hi,
        lo,
        eval_id,
        Fr::from(score),
        Fr::from(date),
    ])
}

/// Checks a `YYYYMMDD` date (Gregorian, years 1970–9999).
pub fn check_date(d: u64) -> Result<(), EvaluationError> {
    let (y, m, day) = (d / 10_000, (d / 100) % 100, d % 100);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if !(1970..=9999).contains(&y) || day == 0 || day > days {
        return Err(EvaluationError::Invalid(format!(
            "{d} is not a YYYYMMDD date"
        )));
    }
    Ok(())
}

/// Days from 1970-01-01 to the `YYYYMMDD` date `d` (checked with
/// [`check_date`]): what a policy's age in days is measured in.
pub fn day_number(d: u64) -> Result<u64, EvaluationError> {
    check_date(d)?;
    let (y, m, day) = (d / 10_000, (d / 100) % 100, d % 100);
    let leaps_before = |y: u64| (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const BEFORE: [u64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let month_days = BEFORE[(m - 1) as usize] + u64::from(leap && m > 2);
    Ok(365 * (y - 1970) + leaps_before(y) - leaps_before(1970) + month_days + day - 1)
}

/// The public statement of a model-evaluation proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvaluationStatement {
    /// Registry root (in its lifecycle form).
    pub registry_root: Fr,
    /// Hash of the agency's suite, [`suite_hash`].
    pub suite_hash: Fr,
    /// The model commitment `MC`.
    pub model_commitment: Fr,
    /// Deployment date, `YYYYMMDD`: no result dated after it.
    pub deployment_date: u64,
    /// Not-before date, `YYYYMMDD`: no result dated before it.
    pub not_before: u64,
    /// The importer `X` (encoded label).
    pub importer: Fr,
    /// The agency's nonce.
    pub nonce: Fr,
}

public_inputs!(EvaluationStatement {
    registry_root,
    suite_hash,
    model_commitment,
    deployment_date,
    not_before,
    importer,
    nonce,
});

/// One evaluator-signed result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalResult {
    /// Encoded eval id the evaluator signed.
    pub eval_id: Fr,
    /// The score.
    pub score: u64,
    /// The date, `YYYYMMDD`.
    pub date: u64,
    /// The evaluator.
    pub evaluator: EvaluatorLeaf,
    /// Its path in the registry's evaluator tree.
    pub evaluator_path: MerklePath,
    /// The signature on [`result_message`].
    pub signature: Signature,
}

/// The private witness of a model-evaluation proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationWitness {
    /// High limb of the weights digest.
    pub digest_hi: Fr,
    /// Low limb of the weights digest.
    pub digest_lo: Fr,
    /// Blinding of `MC`.
    pub blinding: Fr,
    /// The suite (public in fact: its hash is a public input).
    pub suite: Suite,
    /// One result per eval of the suite, in suite order.
    pub results: Vec<EvalResult>,
    /// The registry root's opening.
    pub registry: RegistryOpening,
}

fn fits(x: &Fr, bits: usize) -> bool {
    x.into_bigint().num_bits() as usize <= bits
}

/// The executable specification of the model-evaluation claim, for a circuit
/// of `evals` eval slots.
pub fn check_native(
    evals: usize,
    st: &EvaluationStatement,
    w: &EvaluationWitness,
) -> Result<(), ClaimError> {
    if w.suite.evals.len() != evals
        || w.results.len() != evals
        || w.results
            .iter()
            .any(|r| r.evaluator_path.siblings.len() != EVALUATOR_DEPTH)
    {
        return Err(ClaimError::Shape(format!(
            "witness does not have the shape of the circuit evaluation-{evals}"
        )));
    }
    if w.registry.root() != st.registry_root {
        return Err(ClaimError::RegistryRootMismatch);
    }
    if suite_hash(&w.suite) != st.suite_hash {
        return Err(ClaimError::SuiteMismatch);
    }
    for (what, d) in [
        ("deployment date", st.deployment_date),
        ("not-before date", st.not_before),
    ] {
        if d >= 1 << VALUE_BITS {
            return Err(ClaimError::OutOfRange {
                what: what.into(),
                value: d.to_string(),
                bits: VALUE_BITS as u32,
            });
        }
    }
    for (what, limb) in [
        ("digest high limb", w.digest_hi),
        ("digest low limb", w.digest_lo),
    ] {
        if !fits(&limb, LIMB_BITS) {
            return Err(ClaimError::OutOfRange {
                what: what.into(),
                value: crate::encoding::fr_to_hex(&limb),
                bits: LIMB_BITS as u32,
            });
        }
    }
    if model_commitment(st.importer, w.digest_hi, w.digest_lo, w.blinding) != st.model_commitment {
        return Err(ClaimError::CommitmentMismatch);
    }
    for (i, (spec, r)) in w.suite.evals.iter().zip(&w.results).enumerate() {
        if r.eval_id != spec.id {
            return Err(ClaimError::MissingEval {
                slot: i,
                eval: decode_label(&spec.id).unwrap_or_default(),
            });
        }
        for (what, v) in [
            ("score", r.score),
            ("date", r.date),
            ("threshold", spec.threshold),
        ] {
            if v >= 1 << VALUE_BITS {
                return Err(ClaimError::OutOfRange {
                    what: format!("eval slot {i} {what}"),
                    value: v.to_string(),
                    bits: VALUE_BITS as u32,
                });
            }
        }
        if r.evaluator_path.root(r.evaluator.hash()) != w.registry.evaluators_root {
            return Err(ClaimError::EvaluatorNotAccredited { slot: i });
        }
        if !spec.direction.holds(r.score, spec.threshold) {
            return Err(ClaimError::ScoreOutOfBounds {
                slot: i,
                score: r.score,
                threshold: spec.threshold,
                direction: spec.direction.words(),
            });
        }
        if r.date > st.deployment_date {
            return Err(ClaimError::AfterDeployment {
                slot: i,
                date: r.date,
                deployment: st.deployment_date,
            });
        }
        if r.date < st.not_before {
            return Err(ClaimError::BeforeNotBefore {
                slot: i,
                date: r.date,
                not_before: st.not_before,
            });
        }
        let msg = result_message(
            st.suite_hash,
            w.digest_hi,
            w.digest_lo,
            spec.id,
            r.score,
            r.date,
        );
        eddsa::verify(&r.evaluator.key, msg, &r.signature).map_err(|e| {
            ClaimError::BadSignature {
                place: "eval slot",
                what: "evaluator's result",
                slot: i,
                reason: e.to_string(),
            }
        })?;
    }
    Ok(())
}

/// A result as an evaluator signs and hands it out (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedResultJson {
    /// Evaluator id (as in the registry).
    pub evaluator: String,
    /// The evaluator's public key.
    pub public_key: PointJson,
    /// The suite the result is for (informative).
    pub suite: String,
    /// Its version (informative).
    pub suite_version: u64,
    /// The suite's hash [`suite_hash`], 0x-hex: what the evaluator signs.
    pub suite_hash: String,
    /// SHA-256 of the weights file, 64 hex digits.
    pub model_digest: String,
    /// Eval id.
    pub eval: String,
    /// Score.
    pub score: u64,
    /// Date, `YYYYMMDD`.
    pub date: u64,
    /// Signature on [`result_message`].
    pub signature: SignatureJson,
}

/// Parses 64 hex digits (an optional `0x`) as a 32-byte digest.
pub fn parse_digest(s: &str) -> Result<[u8; 32], EvaluationError> {
    let h = s.strip_prefix("0x").unwrap_or(s);
    let v = hex::decode(h)
        .ok()
        .filter(|v| v.len() == 32)
        .ok_or_else(|| EvaluationError::Invalid(format!("{s:?} is not a 32-byte hex digest")))?;
    let mut d = [0u8; 32];
    d.copy_from_slice(&v);
    Ok(d)
}

impl SignedResultJson {
    /// Signs a result of an eval of `suite` (the evaluator's side).
    pub fn sign(
        key: &eddsa::SecretKey,
        evaluator: &str,
        suite: &Suite,
        digest: &[u8; 32],
        eval: &str,
        score: u64,
        date: u64,
    ) -> Result<Self, EvaluationError> {
        let eval_id = encoded("eval id", encode_label(eval))?;
        encoded("evaluator id", encode_label(evaluator))?;
        check_date(date)?;
        if score >= 1 << VALUE_BITS {
            return Err(EvaluationError::Invalid(format!(
                "score {score} must be below 2^{VALUE_BITS}"
            )));
        }
        let suite_id = decode_label(&suite.id)
            .ok_or_else(|| EvaluationError::Invalid("the suite id is not a label".into()))?;
        if !suite.evals.iter().any(|e| e.id == eval_id) {
            return Err(EvaluationError::Invalid(format!(
                "suite {suite_id} v{} has no eval {eval:?}",
                suite.version
            )));
        }
        let sh = suite_hash(suite);
        let (hi, lo) = digest_limbs(digest);
        let sig = key.sign(result_message(sh, hi, lo, eval_id, score, date));
        Ok(Self {
            evaluator: evaluator.to_string(),
            suite: suite_id,
            suite_version: suite.version,
            suite_hash: crate::encoding::fr_to_hex(&sh),
            public_key: PointJson::from_point(&key.public()),
            model_digest: hex::encode(digest),
            eval: eval.to_string(),
            score,
            date,
            signature: SignatureJson::from_signature(&sig),
        })
    }

    /// Decodes the result: `(digest, eval id, suite hash, signature)` (no
    /// signature or accreditation check: the claim's check does that).
    pub fn decode(&self) -> Result<([u8; 32], Fr, Fr, Signature), EvaluationError> {
        let digest = parse_digest(&self.model_digest)?;
        let eval_id = encoded("eval id", encode_label(&self.eval))?;
        let sh = encoded("suite hash", crate::encoding::fr_from_hex(&self.suite_hash))?;
        let sig = encoded("signature", self.signature.to_signature())?;
        Ok((digest, eval_id, sh, sig))
    }
}

/// The dates a result must fall in: `[not_before, deployment]`, both
/// `YYYYMMDD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateWindow {
    /// No result dated before it.
    pub not_before: u64,
    /// No result dated after it (the deployment date).
    pub deployment: u64,
}

impl DateWindow {
    /// Whether `date` lies in the window.
    pub fn contains(&self, date: u64) -> bool {
        (self.not_before..=self.deployment).contains(&date)
    }
}

/// Builds the witness from the importer's signed results: for each eval of
/// the suite, the first result that is for this model, for this suite
/// version, for that eval, signed by an accredited evaluator with a valid
/// signature, on the right side of the threshold and dated within `window`.
/// Fails naming the first eval with no such result.
pub fn assemble(
    registry: &crate::registry::Registry,
    suite: &Suite,
    digest: &[u8; 32],
    blinding: Fr,
    window: DateWindow,
    results: &[SignedResultJson],
) -> Result<EvaluationWitness, ClaimError> {
    let (hi, lo) = digest_limbs(digest);
    let sh = suite_hash(suite);
    let mut out = Vec::with_capacity(suite.evals.len());
    for (i, spec) in suite.evals.iter().enumerate() {
        let found = results.iter().find_map(|r| {
            let (d, eval_id, r_sh, signature) = r.decode().ok()?;
            let index = registry.evaluator_index(&r.evaluator)?;
            let evaluator = registry.evaluators[index];
            let ok = d == *digest
                && r_sh == sh
                && eval_id == spec.id
                && r.score < 1 << VALUE_BITS
                && window.contains(r.date)
                && spec.direction.holds(r.score, spec.threshold)
                && eddsa::verify(
                    &evaluator.key,
                    result_message(sh, hi, lo, eval_id, r.score, r.date),
                    &signature,
                )
                .is_ok();
            ok.then(|| EvalResult {
                eval_id,
                score: r.score,
                date: r.date,
                evaluator,
                evaluator_path: registry.evaluator_tree.path(index),
                signature,
            })
        });
        match found {
            Some(r) => out.push(r),
            None => return Err(explain(registry, spec, sh, i, digest, window, results)),
        }
    }
    Ok(EvaluationWitness {
        digest_hi: hi,
        digest_lo: lo,
        blinding,
        suite: suite.clone(),
        results: out,
        registry: registry.opening,
    })
}

/// Why no result serves eval `slot`: the first result for that eval, checked
/// in the order of the claim (model, suite version, accreditation, side,
/// dates, signature); [`ClaimError::MissingEval`] if there is none.
fn explain(
    registry: &crate::registry::Registry,
    spec: &EvalSpec,
    sh: Fr,
    slot: usize,
    digest: &[u8; 32],
    window: DateWindow,
    results: &[SignedResultJson],
) -> ClaimError {
    let missing = ClaimError::MissingEval {
        slot,
        eval: decode_label(&spec.id).unwrap_or_default(),
    };
    let Some((r, (d, _, r_sh, _))) = results
        .iter()
        .filter_map(|r| r.decode().ok().map(|x| (r, x)))
        .find(|(_, (_, id, _, _))| *id == spec.id)
    else {
        return missing;
    };
    if d != *digest {
        return ClaimError::BadSignature {
            place: "eval slot",
            what: "evaluator's result",
            slot,
            reason: format!(
                "the result of {} is signed for another model digest",
                r.evaluator
            ),
        };
    }
    if r_sh != sh {
        return ClaimError::ResultForAnotherSuite {
            slot,
            suite: r.suite.clone(),
            version: r.suite_version,
        };
    }
    if registry.evaluator_index(&r.evaluator).is_none()
        || registry
            .evaluators
            .iter()
            .all(|e| r.public_key.to_point().ok() != Some(e.key))
    {
        return ClaimError::EvaluatorNotAccredited { slot };
    }
    if !spec.direction.holds(r.score, spec.threshold) {
        return ClaimError::ScoreOutOfBounds {
            slot,
            score: r.score,
            threshold: spec.threshold,
            direction: spec.direction.words(),
        };
    }
    if r.date > window.deployment {
        return ClaimError::AfterDeployment {
            slot,
            date: r.date,
            deployment: window.deployment,
        };
    }
    if r.date < window.not_before {
        return ClaimError::BeforeNotBefore {
            slot,
            date: r.date,
            not_before: window.not_before,
        };
    }
    ClaimError::BadSignature {
        place: "eval slot",
        what: "evaluator's result",
        slot,
        reason: format!(
            "the result of {} does not verify under its registry key",
            r.evaluator
        ),
    }
}

#[doc(hidden)]
pub mod fixtures;
