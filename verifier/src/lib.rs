//! # zkcc-verifier
//!
//! What an export-control agency runs: a proof bundle, the agency's own
//! registry and request (epoch, nonce) and a verifying key in; accept — with
//! the verified claim — or a typed rejection out.
//!
//! This crate depends on `zkcc-circuits` *without* its `r1cs` feature (only
//! the statement encodings and native hashing), never on the prover, and never
//! on `ark-r1cs-std`: it is small enough to audit.
//!
//! ```no_run
//! use zkcc_verifier::{keys::load_verifying_key, verify_bundle, Expectations, ProofBundle};
//! let vk = load_verifying_key(&std::fs::read("keys/cluster-1024x8.vk")?)?;
//! let bundle = ProofBundle::from_json(&std::fs::read_to_string("bundle.json")?)?;
//! let registry = zkcc_circuits::registry::Registry::from_json(&std::fs::read_to_string("registry.json")?)?;
//! let expect = Expectations { registry_root: registry.root, epoch: 7, nonce: bundle.statement()?.nonce };
//! let claim = verify_bundle(&vk, &bundle, &expect)?;
//! println!("{} chips at most, commitment {}", claim.statement.cap, claim.commitment_hex());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bundle;
pub mod error;
pub mod fuzzing;
pub mod keys;

pub use bundle::ProofBundle;
pub use error::VerifyError;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, Proof, VerifyingKey};
use zkcc_circuits::cluster::ClusterStatement;
use zkcc_circuits::encoding::fr_to_hex;

/// What the agency expects the statement to say: a proof about another
/// registry, epoch or request is rejected even if it is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expectations {
    /// Root of the agency's current registry.
    pub registry_root: Fr,
    /// The epoch being audited.
    pub epoch: u64,
    /// The nonce the agency issued for this request.
    pub nonce: Fr,
}

/// A claim that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClaim {
    /// Claim kind (`cluster`).
    pub claim: String,
    /// Importer named in the bundle.
    pub importer: String,
    /// Circuit id (SHA-256 of the verifying key).
    pub circuit_id: String,
    /// The verified statement.
    pub statement: ClusterStatement,
}

impl VerifiedClaim {
    /// The commitment, as hex.
    pub fn commitment_hex(&self) -> String {
        fr_to_hex(&self.statement.commitment)
    }
}

/// Verifies a Groth16 proof of the cluster claim for a statement.
pub fn verify_statement(vk: &VerifyingKey<Bn254>, statement: &ClusterStatement, proof: &Proof<Bn254>) -> Result<(), VerifyError> {
    let inputs = statement.public_inputs();
    if vk.gamma_abc_g1.len() != inputs.len() + 1 {
        return Err(VerifyError::KeyInputCount { expected: inputs.len(), found: vk.gamma_abc_g1.len().saturating_sub(1) });
    }
    let pvk = ark_groth16::prepare_verifying_key(vk);
    match Groth16::<Bn254>::verify_proof(&pvk, proof, &inputs) {
        Ok(true) => Ok(()),
        Ok(false) => Err(VerifyError::ProofRejected),
        Err(e) => Err(VerifyError::Backend(e.to_string())),
    }
}

/// Verifies a bundle: its format, that it was made for this verifying key,
/// that its statement is the one the agency expects, and the proof.
pub fn verify_bundle(vk: &VerifyingKey<Bn254>, bundle: &ProofBundle, expect: &Expectations) -> Result<VerifiedClaim, VerifyError> {
    bundle.check_format()?;
    let id = keys::circuit_id(vk);
    if bundle.circuit_id != id {
        return Err(VerifyError::WrongCircuit { bundle: bundle.circuit_id.clone(), key: id });
    }
    let statement = bundle.statement()?;
    if statement.registry_root != expect.registry_root {
        return Err(VerifyError::StatementMismatch { field: "registry_root", expected: fr_to_hex(&expect.registry_root), found: fr_to_hex(&statement.registry_root) });
    }
    if statement.epoch != expect.epoch {
        return Err(VerifyError::StatementMismatch { field: "epoch", expected: expect.epoch.to_string(), found: statement.epoch.to_string() });
    }
    if statement.nonce != expect.nonce {
        return Err(VerifyError::StatementMismatch { field: "nonce", expected: fr_to_hex(&expect.nonce), found: fr_to_hex(&statement.nonce) });
    }
    let proof = bundle.proof()?;
    verify_statement(vk, &statement, &proof)?;
    Ok(VerifiedClaim { claim: bundle.claim.clone(), importer: bundle.importer.clone(), circuit_id: id, statement })
}
