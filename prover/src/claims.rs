//! The claims as the engine proves them: each claim's native check (readable
//! reasons first), then its full assignment.
use crate::error::{ProverError, Result};
use ark_bn254::Fr;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_engine::prove::assignment_of;

/// The native check of a shard statement, then its assignment (in parallel
/// across facility slots: [`crate::witness`]).
pub fn shard_assignment(c: &ShardCircuit) -> Result<Vec<Fr>> {
    let w = c
        .witness
        .as_ref()
        .ok_or_else(|| ProverError::Backend("no witness to prove with".into()))?;
    zkcc_circuits::shard::check_native(&c.shape, &c.statement, w)?;
    crate::witness::shard_assignment(c)
}

/// The native check of a request statement, then its assignment.
pub fn request_assignment(c: &RequestCircuit) -> Result<Vec<Fr>> {
    let w = c
        .witness
        .as_ref()
        .ok_or_else(|| ProverError::Backend("no witness to prove with".into()))?;
    zkcc_circuits::request::check_native(&c.shape, &c.statement, w)?;
    Ok(assignment_of(c.clone())?)
}
