//! The verifier's error type: every rejection says why.
use thiserror::Error;

/// Why a bundle, key or proof was rejected.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The bundle is not JSON of the bundle format.
    #[error("bundle is not valid JSON of the bundle format: {0}")]
    BundleJson(#[from] serde_json::Error),
    /// Unsupported bundle version or claim kind.
    #[error("unsupported bundle: {0}")]
    Unsupported(String),
    /// A public input is malformed or not canonical.
    #[error("public input {name}: {reason}")]
    PublicInput {
        /// Which input.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The proof bytes are malformed (bad hex, wrong length, a point off the
    /// curve or outside the prime-order subgroup, a non-canonical coordinate).
    #[error("proof encoding invalid: {0}")]
    ProofEncoding(String),
    /// The verifying key bytes are malformed.
    #[error("verifying key encoding invalid: {0}")]
    KeyEncoding(String),
    /// The verifying key is well formed but unfit for use.
    #[error("verifying key rejected: {0}")]
    KeyInvalid(String),
    /// The verifying key and the claim disagree on the number of public
    /// inputs (a key of another claim, or public inputs of another claim).
    #[error("verifying key has {key_inputs} public inputs, the claim has {claim_inputs}")]
    KeyInputCount {
        /// Public inputs of the key (its input bases minus one).
        key_inputs: usize,
        /// Public inputs of the claim (or handed to the verifier).
        claim_inputs: usize,
    },
    /// The bundle was made for another circuit.
    #[error("bundle is for circuit {bundle}, the verifying key is circuit {key}")]
    WrongCircuit {
        /// Circuit id named by the bundle.
        bundle: String,
        /// Circuit id of the key.
        key: String,
    },
    /// The statement is not the one the agency asked about.
    #[error("statement {field} is {found}, the agency expects {expected}")]
    StatementMismatch {
        /// Which field.
        field: &'static str,
        /// The agency's value.
        expected: String,
        /// The bundle's value.
        found: String,
    },
    /// The pairing check failed: the proof does not prove this statement.
    #[error("proof does not verify for this statement")]
    ProofRejected,
    /// The proof system reported an error.
    #[error("proof system error: {0}")]
    Backend(String),
    /// A batch of proofs did not verify; the listed proofs (indices into the
    /// batch, ascending) are the ones that fail on their own.
    #[error("batch rejected: proof(s) {bad:?} do not verify")]
    BatchRejected {
        /// Indices of the proofs that fail.
        bad: Vec<usize>,
    },
    /// A batch item has the wrong number of public inputs for the key.
    #[error("batch item {index} has {found} public inputs, the key expects {expected}")]
    BatchInputCount {
        /// Index of the item in the batch.
        index: usize,
        /// Inputs the key expects.
        expected: usize,
        /// Inputs the item has.
        found: usize,
    },
    /// A snarkjs JSON file (`verification_key.json`, `proof.json`,
    /// `public.json`) is malformed: bad JSON, a non-canonical decimal, a
    /// coordinate ≥ p, a point off the curve or outside its subgroup, a
    /// projective `z` other than 1.
    #[error("snarkjs {file}: {reason}")]
    Snarkjs {
        /// Which file kind.
        file: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The policy file is malformed or inconsistent.
    #[error("policy: {0}")]
    Policy(String),
    /// The policy is not the one the registry commits to: its
    /// `policy_version` differs from the registry's.
    #[error("policy version {policy} is not the registry's policy version {registry}: no decision under a policy the registry does not commit to")]
    PolicyVersion {
        /// The policy file's `policy_version`.
        policy: u64,
        /// The registry's `policy_version`.
        registry: u64,
    },
    /// The bundle names a circuit shape other than the one whose key the
    /// agency chose.
    #[error("bundle claims circuit shape {bundle}, the agency verifies shape {expected}")]
    WrongShape {
        /// The shape the bundle names (`FxM` for a shard, `SxF` for a request).
        bundle: String,
        /// The shape of the key the agency chose.
        expected: String,
    },
    /// Shard `index` of a submission (in the order of `C`) is at fault;
    /// `source` says how.
    #[error("shard {index}: {source}")]
    Shard {
        /// Index of the shard in the submission.
        index: usize,
        /// Why it was rejected.
        source: Box<VerifyError>,
    },
    /// The rules name a home country other than the one the agency's registry
    /// lists for the importer (see [`crate::fleet::check_home_country`]).
    #[error(
        "rules name home country {rules} for importer {importer}, the registry lists {registry}"
    )]
    HomeCountry {
        /// The importer.
        importer: String,
        /// The registry's home country for it.
        registry: String,
        /// The rules' home country.
        rules: String,
    },
    /// The rules set a distribution rule (a home share, or a cap on any other
    /// country's share, both relative to the home country) for an importer
    /// the registry lists no home country for.
    #[error("importer {importer} is not in the registry's importers: it has no home country, so the rules may not set a distribution rule (home_min_bp {home_min_bp}, other_max_bp {other_max_bp})")]
    UnlistedImporter {
        /// The importer.
        importer: String,
        /// The rules' `home_min_bp`.
        home_min_bp: u64,
        /// The rules' `other_max_bp`.
        other_max_bp: u64,
    },
    /// A submission's shards and request proof do not fit together, or do not
    /// fit the agency's ledger (see [`crate::fleet`]).
    #[error("submission: {check}: {detail}")]
    Fleet {
        /// Which check failed (`shard_count`, `duplicate_shard`,
        /// `fleet_commitment`, `shards_digest`, `ledger_product`,
        /// `ledger_importer`, `request_file`).
        check: &'static str,
        /// Details.
        detail: String,
    },
}

/// A [`VerifyError::StatementMismatch`]: the statement's `field` is `found`
/// where the agency expects `expected`.
pub(crate) fn mismatch(
    field: &'static str,
    expected: impl ToString,
    found: impl ToString,
) -> VerifyError {
    VerifyError::StatementMismatch {
        field,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}
