//! Error types of the circuits crate.
use thiserror::Error;

/// A value could not be encoded as, or decoded from, a field element.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EncodingError {
    /// A hex field element was malformed.
    #[error("not a hex field element ({0}): expected 0x followed by 1 to 64 hex digits")]
    BadHex(String),
    /// A field element encoding was not canonical (value ≥ the field modulus).
    #[error("field element {0} is not canonical: it is not below the BN254 scalar field modulus")]
    NonCanonical(String),
    /// A label (serial, id, model name) does not fit the label encoding.
    #[error("label {0:?} must be 1 to 31 printable ASCII characters")]
    BadLabel(String),
    /// A curve point is not on Baby Jubjub.
    #[error("point is not on the Baby Jubjub curve")]
    NotOnCurve,
    /// A curve point is not in the prime-order subgroup of Baby Jubjub.
    #[error("point is not in the prime-order subgroup of Baby Jubjub")]
    NotInSubgroup,
    /// A curve point is the identity.
    #[error("point is the identity")]
    Identity,
    /// A country code is not two upper-case letters.
    #[error("country code {0:?} must be two upper-case ASCII letters (ISO 3166-1 alpha-2)")]
    BadCountry(String),
}

/// Why an input (a registry, a ledger, an evaluation suite or result) was
/// rejected past its syntax: the part every input parser shares.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InputError {
    /// A label or a value failed to encode.
    #[error("{what}: {source}")]
    Encoding {
        /// Which value.
        what: String,
        /// The problem.
        source: EncodingError,
    },
    /// A semantic check failed.
    #[error("{0}")]
    Invalid(String),
}

/// `r`, its encoding error (if any) named `what`.
pub fn encoded<T>(what: impl Into<String>, r: Result<T, EncodingError>) -> Result<T, InputError> {
    r.map_err(|source| InputError::Encoding {
        what: what.into(),
        source,
    })
}

/// Why a claim does not hold for a given statement and witness. Returned by the
/// executable specifications (`check_native`) of every claim.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ClaimError {
    /// The witness does not have the shape of the circuit.
    #[error("witness shape mismatch: {0}")]
    Shape(String),
    /// More active chips than the cap allows.
    #[error("{active} active chips exceed the cap of {cap}")]
    CapExceeded {
        /// Active chips in the witness.
        active: u64,
        /// The public cap.
        cap: u64,
    },
    /// A padded (inactive) slot is not empty, or an active slot follows a padded one.
    #[error("chip slot {slot}: {reason}")]
    Padding {
        /// The offending chip slot.
        slot: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Chips are not grouped by facility slot in order.
    #[error("chip slot {slot}: chips must be grouped by facility slot in order 0, 1, 2, ...")]
    Grouping {
        /// The offending chip slot.
        slot: usize,
    },
    /// A chip lies outside its facility's geofence.
    #[error("chip slot {slot} lies outside the geofence of its facility: {detail}")]
    OutsideGeofence {
        /// The offending chip slot.
        slot: usize,
        /// The geofence arithmetic that failed.
        detail: String,
    },
    /// A facility is not in the registry under the public root.
    #[error("facility slot {slot}: facility is not in the registry")]
    FacilityNotInRegistry {
        /// The offending facility slot.
        slot: usize,
    },
    /// An auditor is not accredited under the public root.
    #[error("facility slot {slot}: auditor is not accredited in the registry")]
    AuditorNotAccredited {
        /// The offending facility slot.
        slot: usize,
    },
    /// An attestation is for another epoch.
    #[error("facility slot {slot}: attestation is for epoch {found}, the statement is for epoch {expected}")]
    WrongEpoch {
        /// The offending facility slot.
        slot: usize,
        /// The attestation's epoch.
        found: u64,
        /// The statement's epoch.
        expected: u64,
    },
    /// An attestation signature does not verify.
    #[error("{place} {slot}: {what} signature invalid: {reason}")]
    BadSignature {
        /// What the slot is: `"facility slot"` (shard), `"eval slot"`
        /// (evaluation), `"deployment slot"` (jurisdiction).
        place: &'static str,
        /// Whose signature: `"attestation"`, `"evaluator's result"`.
        what: &'static str,
        /// The offending slot.
        slot: usize,
        /// Why the signature was rejected.
        reason: String,
    },
    /// The registry root computed from the witness differs from the public one.
    #[error("registry root does not match the public registry root")]
    RegistryRootMismatch,
    /// A facility is operated by another importer than the statement's.
    #[error("facility slot {slot}: the facility is operated by another importer")]
    OperatorMismatch {
        /// The offending facility slot.
        slot: usize,
    },
    /// The shard's output commitment differs from the public one.
    #[error("shard output commitment does not match the public one")]
    OutputMismatch,
    /// A rule of the request does not hold, or the shards' outputs do not fit
    /// together (order, chunks, product).
    #[error("{rule}: {detail}")]
    Rule {
        /// Which rule or check.
        rule: &'static str,
        /// What failed, with the numbers.
        detail: String,
    },
    /// A facility slot's delay evidence does not hold (see `crate::delay`).
    #[error("facility slot {slot}: delay evidence: {reason}")]
    Delay {
        /// The offending facility slot.
        slot: usize,
        /// What failed.
        reason: String,
    },
    /// The commitment opened from the witness differs from the public one.
    #[error("inventory commitment does not match the public commitment")]
    CommitmentMismatch,
    /// A value does not fit the bit width the circuit allows.
    #[error("{what} = {value} does not fit in {bits} bits")]
    OutOfRange {
        /// What the value is.
        what: String,
        /// The value, printed.
        value: String,
        /// Allowed width.
        bits: u32,
    },
    /// The witness's evaluation suite is not the public suite.
    #[error("the evaluation suite does not match the public suite hash")]
    SuiteMismatch,
    /// No result for an eval of the suite.
    #[error("eval slot {slot}: no valid result for eval {eval:?} of the suite (one for this model, signed for this suite version by an accredited evaluator, on the right side of the threshold, dated within the request's window)")]
    MissingEval {
        /// The eval's position in the suite.
        slot: usize,
        /// The eval id.
        eval: String,
    },
    /// An evaluator is not accredited under the public root.
    #[error("eval slot {slot}: evaluator is not accredited in the registry")]
    EvaluatorNotAccredited {
        /// The offending eval slot.
        slot: usize,
    },
    /// A score is on the wrong side of its threshold.
    #[error("eval slot {slot}: score {score} is not {direction} the threshold {threshold}")]
    ScoreOutOfBounds {
        /// The offending eval slot.
        slot: usize,
        /// The signed score.
        score: u64,
        /// The suite's threshold.
        threshold: u64,
        /// `at most` or `at least`.
        direction: &'static str,
    },
    /// A result is dated after the deployment date.
    #[error("eval slot {slot}: result dated {date}, after the deployment date {deployment}")]
    AfterDeployment {
        /// The offending eval slot.
        slot: usize,
        /// The result's date (YYYYMMDD).
        date: u64,
        /// The public deployment date (YYYYMMDD).
        deployment: u64,
    },
    /// A result is dated before the not-before date (too old).
    #[error("eval slot {slot}: result dated {date}, before the not-before date {not_before}")]
    BeforeNotBefore {
        /// The offending eval slot.
        slot: usize,
        /// The result's date (YYYYMMDD).
        date: u64,
        /// The public not-before date (YYYYMMDD).
        not_before: u64,
    },
    /// A result is signed for another suite (or another version of it).
    #[error("eval slot {slot}: the result is signed for suite {suite} v{version}, not the suite of the statement")]
    ResultForAnotherSuite {
        /// The offending eval slot.
        slot: usize,
        /// The suite the result names.
        suite: String,
        /// The version it names.
        version: u64,
    },
    /// A deployment attestation lists no store: nothing would be proven.
    #[error(
        "the deployment attestation lists no store: a deployment without stores proves nothing"
    )]
    NoStores,
    /// A store's facility is in a country above the allowed tier.
    #[error("store slot {slot}: the facility's country is of tier {tier}, above the allowed tier {max_tier}")]
    DisallowedCountry {
        /// The offending store slot.
        slot: usize,
        /// The facility's tier.
        tier: u64,
        /// The highest tier allowed.
        max_tier: u64,
    },
    /// A store is not encrypted at rest.
    #[error("store slot {slot}: the store is not encrypted at rest")]
    NotEncrypted {
        /// The offending store slot.
        slot: usize,
    },
    /// The attestation is for another deployment.
    #[error("the store attestation is for another deployment")]
    WrongDeployment,
}
