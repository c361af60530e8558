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
//! use zkcc_circuits::encoding::fr_from_hex;
//! let vk = load_verifying_key(&std::fs::read("keys/cluster-1024x8.vk")?)?;
//! let bundle = ProofBundle::from_json(&std::fs::read_to_string("bundle.json")?)?;
//! let registry = zkcc_circuits::registry::Registry::from_json(&std::fs::read_to_string("registry.json")?)?;
//! // The epoch audited and the nonce the agency issued: never taken from the bundle.
//! let nonce = fr_from_hex("0x2a")?;
//! let expect = Expectations { registry_root: registry.root, epoch: 7, nonce };
//! let claim = verify_bundle(&vk, &bundle, &expect)?;
//! println!("{} chips at most, commitment {}", claim.statement.cap, claim.commitment_hex());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![doc = include_str!("../../docs/verifier.md")]

pub mod access;
pub mod batch;
pub mod bundle;
pub mod error;
pub mod files;
pub mod fleet;
pub mod fuzzing;
pub mod keys;
pub mod lifecycle;
pub mod miller;
pub mod par;
pub mod policy;
pub mod snarkjs;
pub mod submission;
pub mod transcript;

pub use bundle::ProofBundle;
pub use error::VerifyError;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};
use batch::{BatchItem, PreparedKey};
use rand::{CryptoRng, RngCore};
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
pub fn verify_statement(
    vk: &VerifyingKey<Bn254>,
    statement: &ClusterStatement,
    proof: &Proof<Bn254>,
) -> Result<(), VerifyError> {
    PreparedKey::new(vk).verify(&statement.public_inputs(), proof)
}

/// Everything about a bundle except the pairing check: its format, that it
/// was made for this verifying key, that its statement is the one the agency
/// expects; returns the claim it would make and its validated proof.
pub fn check_bundle(
    vk: &VerifyingKey<Bn254>,
    bundle: &ProofBundle,
    expect: &Expectations,
) -> Result<(VerifiedClaim, Proof<Bn254>), VerifyError> {
    bundle.check_format()?;
    let id = keys::circuit_id(vk);
    if bundle.circuit_id != id {
        return Err(VerifyError::WrongCircuit {
            bundle: bundle.circuit_id.clone(),
            key: id,
        });
    }
    let statement = bundle.statement()?;
    if statement.registry_root != expect.registry_root {
        return Err(VerifyError::StatementMismatch {
            field: "registry_root",
            expected: fr_to_hex(&expect.registry_root),
            found: fr_to_hex(&statement.registry_root),
        });
    }
    if statement.epoch != expect.epoch {
        return Err(VerifyError::StatementMismatch {
            field: "epoch",
            expected: expect.epoch.to_string(),
            found: statement.epoch.to_string(),
        });
    }
    if statement.nonce != expect.nonce {
        return Err(VerifyError::StatementMismatch {
            field: "nonce",
            expected: fr_to_hex(&expect.nonce),
            found: fr_to_hex(&statement.nonce),
        });
    }
    let proof = bundle.proof()?;
    Ok((
        VerifiedClaim {
            claim: bundle.claim.clone(),
            importer: bundle.importer.clone(),
            circuit_id: id,
            statement,
        },
        proof,
    ))
}

/// Verifies a bundle: its format, that it was made for this verifying key,
/// that its statement is the one the agency expects, and the proof.
pub fn verify_bundle(
    vk: &VerifyingKey<Bn254>,
    bundle: &ProofBundle,
    expect: &Expectations,
) -> Result<VerifiedClaim, VerifyError> {
    verify_bundle_with(&PreparedKey::new(vk), bundle, expect)
}

/// [`verify_bundle`] with a key prepared once (`e(α, β)` and the prepared
/// G2 points are computed by [`PreparedKey::new`], not on every call).
pub fn verify_bundle_with(
    key: &PreparedKey,
    bundle: &ProofBundle,
    expect: &Expectations,
) -> Result<VerifiedClaim, VerifyError> {
    let (claim, proof) = check_bundle(key.vk(), bundle, expect)?;
    key.verify(&claim.statement.public_inputs(), &proof)?;
    Ok(claim)
}

/// Verifies many bundles (e.g. the shards of one importer, or one epoch's
/// submissions) with one batched pairing check; one result per bundle, in
/// order. A bundle that fails its format or statement checks gets that
/// error; one whose proof fails gets [`VerifyError::ProofRejected`], found by
/// bisection (see [`batch`]). `rng` supplies the verifier's fresh
/// randomness (`rand::rngs::OsRng`).
pub fn verify_bundles<R: RngCore + CryptoRng>(
    vk: &VerifyingKey<Bn254>,
    bundles: &[ProofBundle],
    expect: &Expectations,
    rng: &mut R,
) -> Vec<Result<VerifiedClaim, VerifyError>> {
    let mut results: Vec<Result<VerifiedClaim, VerifyError>> = Vec::with_capacity(bundles.len());
    let mut items = Vec::new();
    let mut where_: Vec<usize> = Vec::new();
    for (i, b) in bundles.iter().enumerate() {
        match check_bundle(vk, b, expect) {
            Ok((claim, proof)) => {
                items.push(BatchItem {
                    inputs: claim.statement.public_inputs(),
                    proof,
                });
                where_.push(i);
                results.push(Ok(claim));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    match PreparedKey::new(vk).verify_batch(&items, rng) {
        Ok(()) => {}
        Err(VerifyError::BatchRejected { bad }) => {
            for k in bad {
                results[where_[k]] = Err(VerifyError::ProofRejected);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for &i in &where_ {
                results[i] = Err(VerifyError::Backend(msg.clone()));
            }
        }
    }
    results
}
