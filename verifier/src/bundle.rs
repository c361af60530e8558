//! The proof bundle: what an importer hands to the agency.
//!
//! ```json
//! { "version": 1, "claim": "cluster", "importer": "…",
//!   "circuit_id": "<hex SHA-256 of the verifying key>",
//!   "shape": { "chips": 1024, "facilities": 8 },
//!   "public_inputs": { "commitment": "0x…", "registry_root": "0x…",
//!                      "cap": 1000, "epoch": 7, "nonce": "0x…" },
//!   "proof": "<hex of the 128-byte compressed Groth16 proof>" }
//! ```
//! Proof bytes are malleable (a proof can be re-randomized into another valid
//! one): they are never an identifier. A claim is identified by its statement.
use crate::error::VerifyError;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde::{Deserialize, Serialize};
use zkcc_circuits::cluster::{ClusterShape, ClusterStatement};
use zkcc_circuits::encoding::{fr_from_hex, fr_to_hex};

/// Bundle format version.
pub const BUNDLE_VERSION: u32 = 1;

/// The public inputs, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicInputsJson {
    /// Inventory commitment.
    pub commitment: String,
    /// Registry root.
    pub registry_root: String,
    /// Chip cap.
    pub cap: u64,
    /// Epoch.
    pub epoch: u64,
    /// Verifier nonce.
    pub nonce: String,
}

/// A proof bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    /// [`BUNDLE_VERSION`].
    pub version: u32,
    /// Claim kind: `cluster`.
    pub claim: String,
    /// Importer name (informational; the statement binds the commitment).
    pub importer: String,
    /// Circuit id: hex SHA-256 of the compressed verifying key.
    pub circuit_id: String,
    /// Circuit capacity.
    pub shape: ClusterShape,
    /// Public inputs.
    pub public_inputs: PublicInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

impl ProofBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        circuit_id: String,
        shape: ClusterShape,
        st: &ClusterStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        let mut bytes = Vec::new();
        // Serializing into a Vec cannot fail.
        let _ = proof.serialize_compressed(&mut bytes);
        Self {
            version: BUNDLE_VERSION,
            claim: "cluster".into(),
            importer: importer.into(),
            circuit_id,
            shape,
            public_inputs: PublicInputsJson {
                commitment: fr_to_hex(&st.commitment),
                registry_root: fr_to_hex(&st.registry_root),
                cap: st.cap,
                epoch: st.epoch,
                nonce: fr_to_hex(&st.nonce),
            },
            proof: hex::encode(bytes),
        }
    }

    /// Parses a bundle (format only; see [`crate::verify_bundle`]).
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let b: Self = serde_json::from_str(text)?;
        b.check_format()?;
        Ok(b)
    }

    /// To pretty JSON.
    pub fn to_json(&self) -> String {
        // Plain strings and integers: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Version and claim kind.
    pub fn check_format(&self) -> Result<(), VerifyError> {
        if self.version != BUNDLE_VERSION {
            return Err(VerifyError::Unsupported(format!(
                "bundle version {} (expected {BUNDLE_VERSION})",
                self.version
            )));
        }
        if self.claim != "cluster" {
            return Err(VerifyError::Unsupported(format!(
                "claim kind {:?}",
                self.claim
            )));
        }
        Ok(())
    }

    /// The statement, with every field element checked canonical.
    pub fn statement(&self) -> Result<ClusterStatement, VerifyError> {
        let p = &self.public_inputs;
        let fe = |name: &'static str, s: &str| {
            fr_from_hex(s).map_err(|e| VerifyError::PublicInput {
                name,
                reason: e.to_string(),
            })
        };
        Ok(ClusterStatement {
            commitment: fe("commitment", &p.commitment)?,
            registry_root: fe("registry_root", &p.registry_root)?,
            cap: p.cap,
            epoch: p.epoch,
            nonce: fe("nonce", &p.nonce)?,
        })
    }

    /// The proof, deserialized with full validation.
    pub fn proof(&self) -> Result<Proof<Bn254>, VerifyError> {
        let bytes = hex::decode(&self.proof)
            .map_err(|e| VerifyError::ProofEncoding(format!("not hex: {e}")))?;
        parse_proof(&bytes)
    }
}

/// Deserializes a compressed proof: on-curve, subgroup and canonical checks,
/// no identity points, no trailing bytes.
pub fn parse_proof(bytes: &[u8]) -> Result<Proof<Bn254>, VerifyError> {
    parse_proof_with(bytes, Compress::Yes)
}

/// [`parse_proof`] for the uncompressed encoding (256 bytes), with the same
/// checks.
pub fn parse_proof_uncompressed(bytes: &[u8]) -> Result<Proof<Bn254>, VerifyError> {
    parse_proof_with(bytes, Compress::No)
}

fn parse_proof_with(bytes: &[u8], compress: Compress) -> Result<Proof<Bn254>, VerifyError> {
    let mut reader = bytes;
    let proof = Proof::<Bn254>::deserialize_with_mode(&mut reader, compress, Validate::Yes)
        .map_err(|e| VerifyError::ProofEncoding(e.to_string()))?;
    if !reader.is_empty() {
        return Err(VerifyError::ProofEncoding(format!(
            "{} trailing bytes",
            reader.len()
        )));
    }
    if proof.a.is_zero() || proof.b.is_zero() || proof.c.is_zero() {
        return Err(VerifyError::ProofEncoding(
            "identity point in the proof".into(),
        ));
    }
    Ok(proof)
}
