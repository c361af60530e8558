//! The service's one error type: every refusal says why, and maps to one
//! HTTP status.
use zkcc_verifier::VerifyError;

/// Why an operation of the agency's service failed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum AgencyError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// No valid bearer token (HTTP 401).
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// Authenticated, but this party may not do this (HTTP 403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No such object (HTTP 404).
    #[error("not found: {0}")]
    NotFound(String),
    /// Malformed or invalid input (HTTP 400).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The request was already answered, or the record already held (HTTP 409).
    #[error("replay: {0}")]
    Replay(String),
    /// The submission's proofs name a ledger other than the importer's
    /// ledger as of intake: proven against an older one (HTTP 409; the
    /// request stays open).
    #[error("stale: {0}")]
    Stale(String),
    /// The request expired before the submission arrived (HTTP 410).
    #[error("late: {0}")]
    Late(String),
    /// A verifier check failed on input the service was given.
    #[error("{0}")]
    Verify(#[from] VerifyError),
    /// The audit chain does not verify: the first bad row and why.
    #[error("audit chain broken at row {seq}: {what}")]
    Chain {
        /// The first row that was altered, removed or reordered.
        seq: i64,
        /// What is wrong with it.
        what: String,
    },
    /// The audit chain verifies but disagrees with the state tables.
    #[error("audit chain and state disagree: {0}")]
    Mismatch(String),
    /// The service's configuration (files, keys, URLs).
    #[error("configuration: {0}")]
    Config(String),
    /// A worker task died.
    #[error("internal: {0}")]
    Internal(String),
    /// The service answered a [`crate::client::Client`] call with an error:
    /// its status, and the `{"error": kind, "reason": …}` it sent.
    #[error("HTTP {status} ({kind}): {reason}")]
    Remote {
        /// The HTTP status.
        status: u16,
        /// The error's kind as the service named it.
        kind: String,
        /// Why, as the service said.
        reason: String,
    },
    /// A [`crate::client::Client`] call did not get an answer it can read:
    /// the service is unreachable, the answer is not the expected JSON, or
    /// a wait ran out.
    #[error("client: {0}")]
    Transport(String),
}

impl AgencyError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Invalid(_) | Self::Verify(_) => 400,
            Self::Replay(_) | Self::Stale(_) => 409,
            Self::Late(_) => 410,
            Self::Remote { status, .. } => *status,
            _ => 500,
        }
    }

    /// A short machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) | Self::Verify(_) => "invalid",
            Self::Replay(_) => "replay",
            Self::Stale(_) => "stale",
            Self::Late(_) => "late",
            Self::Chain { .. } => "chain",
            Self::Mismatch(_) => "mismatch",
            Self::Remote { .. } => "remote",
            Self::Transport(_) => "transport",
            _ => "internal",
        }
    }
}

/// The service's results.
pub type Result<T, E = AgencyError> = std::result::Result<T, E>;
