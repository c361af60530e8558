//! # zkcc-prover
//!
//! The importer's side of zkcc: inventory and registry files in, witness,
//! commitment and Groth16 proof out; setup and key files; the auditor's
//! signing; the sample data and the end-to-end demo behind the `zkcc` CLI.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod attest;
pub mod demo;
pub mod error;
pub mod inventory;
pub mod keys;
pub mod mem;
pub mod msm;
pub mod prove;
pub mod r1cs;
pub mod sample;
pub mod witness;
pub mod witness_gen;

pub use error::{ProverError, Result};

use ark_bn254::Fr;
use ark_std::UniformRand;
use inventory::{CommitmentSecret, InventoryFile};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::{ClusterShape, ClusterStatement};
use zkcc_circuits::encoding::{fr_from_hex, fr_to_hex};
use zkcc_circuits::registry::Registry;
use zkcc_verifier::ProofBundle;

/// Commits to an inventory with a fresh random blinding.
pub fn commit<R: rand::RngCore + rand::CryptoRng>(
    registry: &Registry,
    inv: &InventoryFile,
    rng: &mut R,
) -> Result<CommitmentSecret> {
    let groups = witness::resolve(registry, inv)?;
    let blinding = Fr::rand(rng);
    let c = witness::commitment_of(registry, &groups, inv.epoch, blinding);
    Ok(CommitmentSecret {
        version: 1,
        epoch: inv.epoch,
        commitment: fr_to_hex(&c),
        blinding: fr_to_hex(&blinding),
    })
}

/// What the importer is asked to prove.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// Largest number of active chips.
    pub cap: u64,
    /// The agency's nonce.
    pub nonce: Fr,
}

/// Builds the statement and circuit for a request, checking the commitment secret.
pub fn circuit_for(
    shape: &ClusterShape,
    registry: &Registry,
    inv: &InventoryFile,
    secret: &CommitmentSecret,
    req: &Request,
) -> Result<ClusterCircuit> {
    let groups = witness::resolve(registry, inv)?;
    let blinding = fr_from_hex(&secret.blinding)?;
    let commitment = fr_from_hex(&secret.commitment)?;
    if secret.epoch != inv.epoch
        || witness::commitment_of(registry, &groups, inv.epoch, blinding) != commitment
    {
        return Err(ProverError::Inventory("the commitment secret does not open to this inventory and epoch (run zkcc commit again)".into()));
    }
    let w = witness::build_witness(registry, &groups, shape, blinding)?;
    let statement = ClusterStatement {
        commitment,
        registry_root: registry.root,
        cap: req.cap,
        epoch: inv.epoch,
        nonce: req.nonce,
    };
    Ok(ClusterCircuit {
        shape: *shape,
        statement,
        witness: Some(w),
    })
}

/// Proves a request and packages the proof as a bundle.
pub fn prove_bundle<R: rand::RngCore + rand::CryptoRng>(
    pk: &prove::ProverKey,
    circuit: ClusterCircuit,
    importer: &str,
    rng: &mut R,
) -> Result<ProofBundle> {
    let (shape, statement) = (circuit.shape, circuit.statement);
    let proof = prove::prove(pk, circuit, rng)?;
    Ok(ProofBundle::new(
        importer,
        zkcc_verifier::keys::circuit_id(&pk.vk),
        shape,
        &statement,
        &proof,
    ))
}
