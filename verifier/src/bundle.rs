//! Proof bytes, as every bundle carries them (shard and request bundles of a
//! submission, the AI lifecycle claims' bundles): hex of the 128-byte
//! compressed Groth16 proof, deserialized with full validation.
//!
//! Proof bytes are malleable (a proof can be re-randomized into another valid
//! one): they are never an identifier. A claim is identified by its statement.
use crate::error::VerifyError;
use ark_bn254::{Bn254, Fr};
use ark_ec::AffineRepr;
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use zkcc_circuits::encoding::{encode_label, fr_from_hex};

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

/// [`parse_proof`] of the hex a bundle carries.
pub fn parse_proof_hex(hex_text: &str) -> Result<Proof<Bn254>, VerifyError> {
    let bytes =
        hex::decode(hex_text).map_err(|e| VerifyError::ProofEncoding(format!("not hex: {e}")))?;
    parse_proof(&bytes)
}

/// Hex of the compressed proof, as a bundle carries it.
pub(crate) fn proof_hex(proof: &Proof<Bn254>) -> String {
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = proof.serialize_compressed(&mut bytes);
    hex::encode(bytes)
}

/// A bundle's public input `name`: a canonical field element in 0x-hex.
pub(crate) fn fe(name: &'static str, s: &str) -> Result<Fr, VerifyError> {
    fr_from_hex(s).map_err(|e| VerifyError::PublicInput {
        name,
        reason: e.to_string(),
    })
}

/// A bundle's public input `name`: a label, encoded as a field element.
pub(crate) fn label(name: &'static str, s: &str) -> Result<Fr, VerifyError> {
    encode_label(s).map_err(|e| VerifyError::PublicInput {
        name,
        reason: e.to_string(),
    })
}

fn parse_proof_with(bytes: &[u8], compress: Compress) -> Result<Proof<Bn254>, VerifyError> {
    // A (G1), B (G2), C (G1) on BN254: 32 + 64 + 32 bytes compressed.
    let size = match compress {
        Compress::Yes => 128,
        Compress::No => 256,
    };
    if bytes.len() < size {
        return Err(VerifyError::ProofEncoding(format!(
            "{} bytes, a Groth16 proof is {size}",
            bytes.len()
        )));
    }
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
