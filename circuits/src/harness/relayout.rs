//! The multi-variable mode of the harness: whole-witness transformations under
//! fixed binding inputs.
//!
//! One-variable perturbation ([`super::Snapshot::free_witness_variables`])
//! finds missing *constraints*. It cannot find a missing *binding*: a cheating
//! prover changes many private values at once (permutes the slots of a chunk,
//! moves a record to another chunk, fills an unused slot, splits a chunk) so
//! that every check still holds while an output changes. This module searches
//! for exactly that.
//!
//! A [`Claim`] names, for one circuit, its native check, its circuit, and how
//! a prover restates the public values that are *outputs* (the shard's `D_s`,
//! the request's facility count) while every *binding* value (`X`, `e`, `C`,
//! `C_s`, the registry root, the ledger digest, the rules, the nonce) stays the
//! honest one. The lifecycle claims ([`evaluation`], [`jurisdiction`]) have no
//! public output: every public input is binding, and their outputs are what
//! the proof is about (the evals passed; the attested stores and their
//! facilities). [`search`] applies each [`Transform`] to the honest witness,
//! runs the native check and the full assignment that synthesis produces for
//! the transformed witness against every constraint row, for every
//! statement the prover could publish, and classifies the result:
//!
//! * **refused**: the native check and the circuit both refuse (the native
//!   reason and the first unsatisfied row are kept, so a test can assert
//!   *why*);
//! * **unchanged**: both accept, with outputs equal to the honest ones (the
//!   transformation was harmless: e.g. a used facility slot moved into an
//!   unused one);
//! * a [`Finding`] otherwise: both accept with other outputs (a forgery: two
//!   witnesses, one set of binding inputs, two answers), or the native check
//!   and the circuit disagree (one of them misses a check), or the
//!   transformation changed nothing (a defect of the test).
//!
//! A test asserts that a search over its transformations has no finding, and
//! that the transformations it expects to be refused are refused for the
//! right reason.
use super::{Matrices, Unsatisfied};
use crate::error::ClaimError;
use ark_bn254::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use rayon::prelude::*;
use std::fmt;

/// One claim as the search sees it.
pub trait Claim: Sync {
    /// The public statement.
    type Statement: Clone + fmt::Debug + Sync;
    /// The private witness.
    type Witness: Clone + PartialEq + Send + Sync;
    /// What the claim outputs (for the shard: the opening of `D_s`).
    type Output: PartialEq + fmt::Debug + Send + Sync;
    /// The claim's circuit.
    type Circuit: ConstraintSynthesizer<Fr>;

    /// The executable specification: the outputs, or why the claim fails.
    fn native(&self, st: &Self::Statement, w: &Self::Witness) -> Result<Self::Output, ClaimError>;

    /// Every statement a prover holding `w` could publish: the honest
    /// statement's binding values, with the output values recomputed from
    /// `w` (or, where an output is a small number, every value it can take).
    /// By default the honest statement alone: for a claim whose public
    /// values are all binding, none recomputed from the witness.
    fn restate(&self, honest: &Self::Statement, _w: &Self::Witness) -> Vec<Self::Statement> {
        vec![honest.clone()]
    }

    /// The circuit for `(st, w)`. A search builds its matrices once (from
    /// the honest pair, in setup mode: the rows the keys enforce) and checks
    /// the full assignment that synthesis produces for every other pair
    /// against them ([`check_circuit`]).
    fn circuit(&self, st: &Self::Statement, w: &Self::Witness) -> Self::Circuit;
}

/// Why the circuit refused an assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CircuitRefusal {
    /// Synthesis itself refused the witness (wrong shape).
    Synthesis(String),
    /// The first unsatisfied row of the full assignment.
    Row(Unsatisfied),
}

impl fmt::Display for CircuitRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Synthesis(e) => write!(f, "synthesis refused: {e}"),
            Self::Row(u) => write!(f, "{u}"),
        }
    }
}

/// Computes the full assignment that synthesis produces for `circuit` and
/// checks it against `m`, the matrices of the same circuit (built once per
/// search: building the rows for each witness would dominate).
pub fn check_circuit(
    m: &Matrices,
    circuit: impl ConstraintSynthesizer<Fr>,
) -> Result<(), CircuitRefusal> {
    let z = match m.assignment(circuit) {
        Ok(z) => z,
        Err(SynthesisError::Unsatisfiable) => {
            return Err(CircuitRefusal::Synthesis(
                "the witness does not fit the circuit".into(),
            ))
        }
        Err(SynthesisError::AssignmentMissing) => {
            return Err(CircuitRefusal::Synthesis(
                "the assignment does not have the circuit's number of variables".into(),
            ))
        }
        Err(e) => return Err(CircuitRefusal::Synthesis(e.to_string())),
    };
    match m.first_unsatisfied(&z) {
        None => Ok(()),
        Some(row) => Err(CircuitRefusal::Row(Unsatisfied { row, name: None })),
    }
}

/// A named whole-witness transformation, applied.
#[derive(Clone)]
pub struct Transform<W> {
    /// What was done, e.g. `"shard 0 slot 1: active {1,2,3}, mask kept"`.
    pub name: String,
    /// The transformed witness.
    pub witness: W,
}

impl<W> Transform<W> {
    /// A transformation named `name` that produced `witness`.
    pub fn new(name: impl Into<String>, witness: W) -> Self {
        Self {
            name: name.into(),
            witness,
        }
    }
}

/// How one transformation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Both the native check and the circuit refuse, under every statement
    /// the prover could publish (the first one's reasons are kept).
    Refused {
        /// The native check's reason.
        native: ClaimError,
        /// The circuit's.
        circuit: CircuitRefusal,
    },
    /// Accepted, with the honest outputs.
    Unchanged,
}

/// A transformation that breaks the claim's binding or shows a disagreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The transformation.
    pub transform: String,
    /// What was found.
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.transform, self.what)
    }
}

/// The result of a [`search`].
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every transformation tried, with its verdict (those with a finding
    /// are listed in `findings` instead).
    pub verdicts: Vec<(String, Verdict)>,
    /// Forgeries, disagreements and no-op transformations.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Transformations tried.
    pub fn tried(&self) -> usize {
        self.verdicts.len() + self.findings.len()
    }
    /// How many were refused.
    pub fn refused(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Refused { .. }))
            .count()
    }
    /// How many were accepted with the honest outputs.
    pub fn unchanged(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|(_, v)| *v == Verdict::Unchanged)
            .count()
    }
    /// The verdict of the transformation named `name`.
    pub fn verdict(&self, name: &str) -> Option<&Verdict> {
        self.verdicts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
    /// `Ok` if nothing was found; the findings, one per line, otherwise.
    pub fn assert_clean(&self) -> Result<(), String> {
        if self.findings.is_empty() {
            return Ok(());
        }
        Err(self
            .findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} transformations: {} refused, {} unchanged, {} findings",
            self.tried(),
            self.refused(),
            self.unchanged(),
            self.findings.len()
        )
    }
}

/// Applies every transformation to the honest `(st, w)` and classifies it
/// (see the [module docs](self)). The honest pair itself must be accepted by
/// both checks, or the search is meaningless: that is returned as an error.
pub fn search<C: Claim>(
    claim: &C,
    st: &C::Statement,
    w: &C::Witness,
    transforms: impl IntoIterator<Item = Transform<C::Witness>>,
) -> Result<Report, String> {
    let honest = claim
        .native(st, w)
        .map_err(|e| format!("the honest witness fails natively: {e}"))?;
    let m = Matrices::of(claim.circuit(st, w))
        .map_err(|e| format!("the circuit's matrices cannot be built: {e}"))?;
    check_circuit(&m, claim.circuit(st, w))
        .map_err(|e| format!("the honest witness fails in the circuit: {e}"))?;
    let mut report = Report::default();
    // The honest witness under every other output the prover could claim.
    for st2 in claim.restate(st, w) {
        let (native, circuit) = (
            claim.native(&st2, w),
            check_circuit(&m, claim.circuit(&st2, w)),
        );
        let what = match (native, circuit) {
            (Err(_), Err(_)) => continue,
            (Ok(out), Ok(())) if out == honest => continue,
            (Ok(out), Ok(())) => {
                format!("ACCEPTED with other outputs: {out:?} (statement {st2:?})")
            }
            (Ok(_), Err(c)) => {
                format!("the native check accepts, the circuit refuses ({c}) (statement {st2:?})")
            }
            (Err(n), Ok(())) => format!(
                "the circuit accepts what the native check refuses ({n}) (statement {st2:?})"
            ),
        };
        report.findings.push(Finding {
            transform: "the honest witness, other outputs".into(),
            what,
        });
    }
    // Two transformations that land on the same witness are one check (both
    // checks are deterministic): the first of them runs, the others take its
    // outcome under their own names. The distinct ones run in parallel, each
    // a full synthesis; the report keeps the transformations' order.
    let transforms: Vec<Transform<C::Witness>> = transforms.into_iter().collect();
    let mut distinct: Vec<usize> = Vec::new();
    let mut runs_as: Vec<usize> = Vec::with_capacity(transforms.len());
    for (i, t) in transforms.iter().enumerate() {
        match distinct
            .iter()
            .position(|&d| transforms[d].witness == t.witness)
        {
            Some(k) => runs_as.push(k),
            None => {
                runs_as.push(distinct.len());
                distinct.push(i);
            }
        }
    }
    let outcomes: Vec<Outcome> = distinct
        .par_iter()
        .map(|&i| classify(claim, &m, st, w, &honest, &transforms[i].witness))
        .collect();
    for (t, k) in transforms.into_iter().zip(runs_as) {
        let finding = |what: String| Finding {
            transform: t.name.clone(),
            what,
        };
        match &outcomes[k] {
            Outcome::NoOp => report
                .findings
                .push(finding("the transformation changed nothing".into())),
            Outcome::Found(what) => report.findings.push(finding(what.clone())),
            Outcome::Unchanged => report.verdicts.push((t.name, Verdict::Unchanged)),
            Outcome::Refused(native, circuit) => report.verdicts.push((
                t.name,
                Verdict::Refused {
                    native: native.clone(),
                    circuit: circuit.clone(),
                },
            )),
            Outcome::NothingTried => report
                .findings
                .push(finding("the claim restated no statement to try".into())),
        }
    }
    Ok(report)
}

/// How one transformed witness fared ([`search`]).
enum Outcome {
    /// The witness is the honest one.
    NoOp,
    /// A forgery or a disagreement, described.
    Found(String),
    /// Accepted with the honest outputs.
    Unchanged,
    /// Refused by both checks (the first statement's reasons).
    Refused(ClaimError, CircuitRefusal),
    /// The claim restated no statement.
    NothingTried,
}

/// Both checks of one transformed witness `tw` under every statement the
/// claim restates from it.
fn classify<C: Claim>(
    claim: &C,
    m: &Matrices,
    st: &C::Statement,
    w: &C::Witness,
    honest: &C::Output,
    tw: &C::Witness,
) -> Outcome {
    if tw == w {
        return Outcome::NoOp;
    }
    let mut first_refusal = None;
    let mut accepted_same = false;
    for st2 in claim.restate(st, tw) {
        let native = claim.native(&st2, tw);
        let circuit = check_circuit(m, claim.circuit(&st2, tw));
        match (native, circuit) {
            (Err(n), Err(c)) => {
                first_refusal.get_or_insert((n, c));
            }
            (Ok(out), Ok(())) if out == *honest => accepted_same = true,
            (Ok(out), Ok(())) => {
                return Outcome::Found(format!(
                    "ACCEPTED with other outputs under the same binding inputs: {out:?} instead of {honest:?} (statement {st2:?})"
                ))
            }
            (Ok(_), Err(c)) => {
                return Outcome::Found(format!(
                    "the native check accepts, the circuit refuses ({c}): the native twin misses a check (statement {st2:?})"
                ))
            }
            (Err(n), Ok(())) => {
                return Outcome::Found(format!(
                    "the circuit accepts what the native check refuses ({n}): a missing constraint (statement {st2:?})"
                ))
            }
        }
    }
    match (accepted_same, first_refusal) {
        (true, _) => Outcome::Unchanged,
        (false, Some((n, c))) => Outcome::Refused(n, c),
        (false, None) => Outcome::NothingTried,
    }
}

/// The shard claim ([`crate::shard`]): outputs are the opening of `D_s` (the
/// used entries in order and the partial product); `D_s` is restated from the
/// witness, every other public input is the honest one.
pub mod shard {
    use super::Claim;
    use crate::error::ClaimError;
    use crate::ledger::challenges;
    use crate::shard::constraints::ShardCircuit;
    use crate::shard::{check_native, ShardEntry, ShardShape, ShardStatement, ShardWitness};
    use ark_bn254::Fr;

    /// The shard claim of one shape.
    pub struct ShardClaim(pub ShardShape);

    /// What a shard proves: its used entries, in order, and its product.
    pub type ShardOpened = (Vec<ShardEntry>, Fr);

    impl Claim for ShardClaim {
        type Statement = ShardStatement;
        type Witness = ShardWitness;
        type Output = ShardOpened;

        fn native(&self, st: &ShardStatement, w: &ShardWitness) -> Result<ShardOpened, ClaimError> {
            let out = check_native(&self.0, st, w)?;
            let used = out.entries.into_iter().filter(|e| e.used).collect();
            Ok((used, out.product))
        }

        fn restate(&self, honest: &ShardStatement, w: &ShardWitness) -> Vec<ShardStatement> {
            let (gamma, beta) = challenges(
                honest.commitment,
                honest.ledger_digest,
                honest.importer,
                honest.epoch,
            );
            let out = w.output(gamma, beta);
            let output = out.commitment(honest.commitment, honest.importer, honest.epoch);
            vec![ShardStatement { output, ..*honest }]
        }

        type Circuit = ShardCircuit;

        fn circuit(&self, st: &ShardStatement, w: &ShardWitness) -> ShardCircuit {
            ShardCircuit::with_witness(self.0, *st, w.clone())
        }
    }
}

/// The delay claim ([`crate::delay`]): it has no public output (every public
/// input binds); what it proves is which chips carry evidence and where —
/// the multiset of `(facility id, chunk, chip identity)` of the marked chips,
/// with the landmark that measured each — so that a re-layout accepted with
/// another such multiset under the same `C_s` is a finding.
pub mod delay {
    use super::Claim;
    use crate::delay::constraints::DelayCircuit;
    use crate::delay::{check_native, DelayStatement, DelayWitness};
    use crate::error::ClaimError;
    use crate::shard::ShardShape;
    use ark_bn254::Fr;

    /// The delay claim of one shape.
    pub struct DelayClaim(pub ShardShape);

    /// `(facility id, chunk, chip identity, landmark id)` of every marked chip, sorted.
    pub type Evidenced = Vec<(Fr, u64, Fr, Fr)>;

    impl Claim for DelayClaim {
        type Statement = DelayStatement;
        type Witness = DelayWitness;
        type Output = Evidenced;

        fn native(&self, st: &DelayStatement, w: &DelayWitness) -> Result<Evidenced, ClaimError> {
            check_native(&self.0, st, w)?;
            let mut out: Evidenced = w
                .shard
                .facilities
                .iter()
                .zip(&w.evidence)
                .flat_map(|(f, e)| {
                    f.chips
                        .iter()
                        .filter(|c| c.ledger)
                        .map(move |c| (f.facility.id, f.chunk, c.record.ident, e.landmark.id))
                })
                .collect();
            out.sort();
            Ok(out)
        }

        type Circuit = DelayCircuit;

        fn circuit(&self, st: &DelayStatement, w: &DelayWitness) -> DelayCircuit {
            DelayCircuit::with_witness(self.0, *st, w.clone())
        }
    }
}

/// The request claim ([`crate::request`]): its output is the facility count,
/// which the prover may claim to be any number up to the entries it opens;
/// every other public input is the honest one.
pub mod request {
    use super::Claim;
    use crate::error::ClaimError;
    use crate::request::constraints::RequestCircuit;
    use crate::request::{check_native, RequestShape, RequestStatement, RequestWitness, Totals};

    /// The request claim of one shape.
    pub struct RequestClaim(pub RequestShape);

    impl Claim for RequestClaim {
        type Statement = RequestStatement;
        type Witness = RequestWitness;
        type Output = Totals;

        fn native(&self, st: &RequestStatement, w: &RequestWitness) -> Result<Totals, ClaimError> {
            check_native(&self.0, st, w)
        }

        fn restate(&self, honest: &RequestStatement, _w: &RequestWitness) -> Vec<RequestStatement> {
            let most = (self.0.shards * self.0.entries) as u64;
            (0..=most)
                .map(|facilities| RequestStatement {
                    facilities,
                    ..*honest
                })
                .collect()
        }

        type Circuit = RequestCircuit;

        fn circuit(&self, st: &RequestStatement, w: &RequestWitness) -> RequestCircuit {
            RequestCircuit::with_witness(self.0, *st, w.clone())
        }
    }
}

/// The model-evaluation claim ([`crate::evaluation`]).
///
/// **Outputs.** The claim has no public output beyond its statement: what a
/// verifier learns, and what the access policy reads, is that *every* eval of
/// the suite hashed `SH` was passed by the model committed as `MC`, with
/// results dated in `[nb, d]`. The search's output is therefore the list of
/// evals passed, `(id, threshold, direction)` in suite order: a witness that
/// the claim accepted with another list under the same `SH` (an eval left
/// out, a threshold relaxed, an eval passed twice in place of another) would
/// be a forgery.
///
/// **Binding inputs.** All of them: `root`, `SH`, `MC`, `d`, `nb`, `X` and
/// the nonce are the agency's (registry, suite, request) or the importer's
/// earlier commitment, and the verifier matches each against the request
/// (`verifier/src/lifecycle.rs`). No public value is recomputed from the
/// witness, so [`Claim::restate`] returns the honest statement alone.
pub mod evaluation {
    use super::Claim;
    use crate::error::ClaimError;
    use crate::evaluation::constraints::EvaluationCircuit;
    use crate::evaluation::{check_native, EvalSpec, EvaluationStatement, EvaluationWitness};

    /// The evaluation claim for suites of `.0` evals.
    pub struct EvaluationClaim(pub usize);

    impl Claim for EvaluationClaim {
        type Statement = EvaluationStatement;
        type Witness = EvaluationWitness;
        type Output = Vec<EvalSpec>;

        fn native(
            &self,
            st: &EvaluationStatement,
            w: &EvaluationWitness,
        ) -> Result<Vec<EvalSpec>, ClaimError> {
            check_native(self.0, st, w)?;
            Ok(w.suite.evals.clone())
        }

        type Circuit = EvaluationCircuit;

        fn circuit(&self, st: &EvaluationStatement, w: &EvaluationWitness) -> EvaluationCircuit {
            EvaluationCircuit::with_witness(self.0, *st, w.clone())
        }
    }
}

/// The deployment-jurisdiction claim ([`crate::jurisdiction`]).
///
/// **Outputs.** The claim publishes none: how many stores a deployment has
/// and which facilities hold them stay private, and the verifier learns that
/// there is at least one store and that every store of the attested list is
/// in a facility of `X` of tier at most `t`. What the proof is *about* is the
/// list the auditor signed: the search's output is the used slots' stores in
/// chain order, each with the registry facility that holds it (so its length
/// is the store count). A witness accepted with another list — a store left
/// out, counted twice, moved to another facility, or the stores reordered —
/// under the same binding inputs would be a forgery.
///
/// **Binding inputs.** All of them: `root`, `X`, `D`, `MC`, `e`, `t` and the
/// nonce come from the registry, the request and the evaluation proof, and
/// the verifier matches each against the request. The store count, the only
/// small number a prover chooses, is private (bound by the signed message),
/// so [`Claim::restate`] returns the honest statement alone.
pub mod jurisdiction {
    use super::Claim;
    use crate::error::ClaimError;
    use crate::jurisdiction::constraints::JurisdictionCircuit;
    use crate::jurisdiction::{
        check_native, JurisdictionStatement, JurisdictionWitness, StoreRecord,
    };
    use crate::registry::FacilityLeaf;

    /// The jurisdiction claim of `.0` store slots.
    pub struct JurisdictionClaim(pub usize);

    /// What a jurisdiction proof is about: the attested stores, in order,
    /// with their facilities.
    pub type AttestedStores = Vec<(StoreRecord, FacilityLeaf)>;

    impl Claim for JurisdictionClaim {
        type Statement = JurisdictionStatement;
        type Witness = JurisdictionWitness;
        type Output = AttestedStores;

        fn native(
            &self,
            st: &JurisdictionStatement,
            w: &JurisdictionWitness,
        ) -> Result<AttestedStores, ClaimError> {
            check_native(self.0, st, w)?;
            Ok(w.stores
                .iter()
                .filter(|s| s.used)
                .map(|s| (s.record, s.facility))
                .collect())
        }

        type Circuit = JurisdictionCircuit;

        fn circuit(
            &self,
            st: &JurisdictionStatement,
            w: &JurisdictionWitness,
        ) -> JurisdictionCircuit {
            JurisdictionCircuit::with_witness(self.0, *st, w.clone())
        }
    }
}
