//! The claims as the engine proves them: each claim's native check (readable
//! reasons first), then its full assignment.
use crate::error::{ProverError, Result};
use ark_bn254::Bn254;
use ark_bn254::Fr;
use ark_groth16::Proof;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_engine::prove::{assignment_of, prove_observed, Progress, ProverKey};

/// Proves one assignment (as [`shard_assignment`] and the others return it)
/// with the tuned prover, telling `progress` as each stage finishes (a
/// command line's display; [`zkcc_engine::prove::Quiet`] for none).
pub fn prove_one<R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    z: Result<Vec<Fr>>,
    rng: &mut R,
    progress: &dyn Progress,
) -> Result<Proof<Bn254>> {
    prove_observed(pk, || z, rng, progress).map(|(p, _)| p)
}

/// A circuit's witness: a circuit for setup has none to prove with.
fn witness<W>(w: &Option<W>) -> Result<&W> {
    w.as_ref()
        .ok_or_else(|| ProverError::Backend("no witness to prove with".into()))
}

/// The native check of a shard statement, then its assignment (in parallel
/// across facility slots: [`crate::witness`]).
pub fn shard_assignment(c: &ShardCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    zkcc_circuits::shard::check_native(&c.shape, &c.statement, w)?;
    crate::witness::shard_assignment(c)
}

/// The native check of a request statement, then its assignment.
pub fn request_assignment(c: &RequestCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    zkcc_circuits::request::check_native(&c.shape, &c.statement, w)?;
    Ok(assignment_of(c.clone())?)
}

/// The native check of a delay statement, then its assignment.
pub fn delay_assignment(c: &zkcc_circuits::delay::constraints::DelayCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    zkcc_circuits::delay::check_native(&c.shape, &c.statement, w)?;
    Ok(assignment_of(c.clone())?)
}
