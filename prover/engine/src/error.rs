//! The engine's error type.
use thiserror::Error;

/// What can go wrong between an assignment and a proof.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The assignment does not satisfy the circuit (caught before proving).
    #[error("the witness does not satisfy the circuit (first unsatisfied constraint: {0})")]
    Unsatisfied(String),
    /// The proof system or a key is not usable as given.
    #[error("proof system: {0}")]
    Backend(String),
}

impl From<ark_relations::gr1cs::SynthesisError> for EngineError {
    fn from(e: ark_relations::gr1cs::SynthesisError) -> Self {
        EngineError::Backend(e.to_string())
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, EngineError>;
