//! The claims as the engine proves them: each claim's native check (readable
//! reasons first) beside its full assignment.
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

/// The native check of a shard statement beside its assignment (in parallel
/// across facility slots: [`crate::witness`]).
pub fn shard_assignment(c: &ShardCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    beside(
        || zkcc_circuits::shard::check_native(&c.shape, &c.statement, w).map(drop),
        || crate::witness::shard_assignment(c),
    )
}

/// A claim's native check run beside its assignment, its verdict first: its
/// readable reason is the error when it refuses, whatever the assignment did
/// (even a panic on a witness the check refuses); otherwise the assignment's
/// result. The check is sequential (about 0.1 s for `shard-8x128`: an EdDSA
/// verification and Merkle paths per slot), and so are parts of the
/// assignment (the prefix, the carries' chains): side by side, each fills the
/// core the other leaves idle.
fn beside<E>(
    check: impl FnOnce() -> std::result::Result<(), E> + Send,
    assign: impl FnOnce() -> Result<Vec<Fr>> + Send,
) -> Result<Vec<Fr>>
where
    E: Send,
    ProverError: From<E>,
{
    let (checked, assigned) = rayon::join(check, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(assign))
    });
    checked?;
    match assigned {
        Ok(z) => z,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The native check of a request statement beside its assignment (one
/// synthesis).
pub fn request_assignment(c: &RequestCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    beside(
        || zkcc_circuits::request::check_native(&c.shape, &c.statement, w).map(drop),
        || Ok(assignment_of(c.clone())?),
    )
}

/// The native check of a delay statement beside its assignment (one
/// synthesis).
pub fn delay_assignment(c: &zkcc_circuits::delay::constraints::DelayCircuit) -> Result<Vec<Fr>> {
    let w = witness(&c.witness)?;
    beside(
        || zkcc_circuits::delay::check_native(&c.shape, &c.statement, w).map(drop),
        || Ok(assignment_of(c.clone())?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkcc_circuits::ClaimError;

    /// The check's verdict comes first: its reason when it refuses (even
    /// when the assignment failed or panicked beside it), else the
    /// assignment's result.
    #[test]
    fn the_check_speaks_first() {
        let refused = || Err(ClaimError::OutputMismatch);
        let passed = || Ok::<(), ClaimError>(());
        let is_check =
            |r: Result<Vec<Fr>>| matches!(r, Err(ProverError::Claim(ClaimError::OutputMismatch)));
        assert!(is_check(beside(refused, || Ok(vec![Fr::from(1u64)]))));
        assert!(is_check(beside(refused, || Err(ProverError::Backend(
            "x".into()
        )))));
        assert!(is_check(beside(refused, || panic!(
            "a witness the check refuses"
        ))));
        assert!(matches!(
            beside(passed, || Err(ProverError::Backend("assignment".into()))),
            Err(ProverError::Backend(m)) if m == "assignment"
        ));
        assert_eq!(
            beside(passed, || Ok(vec![Fr::from(7u64)])).unwrap(),
            vec![Fr::from(7u64)]
        );
        let unwound = std::panic::catch_unwind(|| beside(passed, || panic!("a bug")));
        assert!(
            unwound.is_err(),
            "a panic the check does not excuse propagates"
        );
    }
}
