//! Verifying keys: checked deserialization, sanity checks, circuit ids.
use crate::error::VerifyError;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_groth16::VerifyingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};

/// The circuit id: hex SHA-256 of the compressed verifying key.
pub fn circuit_id(vk: &VerifyingKey<Bn254>) -> String {
    let mut bytes = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = vk.serialize_compressed(&mut bytes);
    hex::encode(Sha256::digest(&bytes))
}

/// Deserializes a compressed verifying key with full validation (points on
/// the curve, in the prime-order subgroups, canonical coordinates, no trailing
/// bytes) and checks that it is fit for a claim with `n_inputs` public inputs
/// ([`check_verifying_key_for`]): 7 for the shard claim, 16 for the request
/// claim (their `PUBLIC_INPUT_NAMES`).
pub fn load_verifying_key_for(
    bytes: &[u8],
    n_inputs: usize,
) -> Result<VerifyingKey<Bn254>, VerifyError> {
    let mut reader = bytes;
    let vk =
        VerifyingKey::<Bn254>::deserialize_with_mode(&mut reader, Compress::Yes, Validate::Yes)
            .map_err(|e| VerifyError::KeyEncoding(e.to_string()))?;
    if !reader.is_empty() {
        return Err(VerifyError::KeyEncoding(format!(
            "{} trailing bytes",
            reader.len()
        )));
    }
    check_verifying_key_for(&vk, n_inputs)?;
    Ok(vk)
}

/// The sanity checks for a key of a claim with `n_inputs` public inputs: no
/// identity points, `γ ≠ δ`, and exactly `n_inputs + 1` input bases. (The
/// points' curve and subgroup membership is checked when they are
/// deserialized.)
pub fn check_verifying_key_for(
    vk: &VerifyingKey<Bn254>,
    n_inputs: usize,
) -> Result<(), VerifyError> {
    let bad = |s: &str| Err(VerifyError::KeyInvalid(s.to_string()));
    if vk.alpha_g1.is_zero()
        || vk.beta_g2.is_zero()
        || vk.gamma_g2.is_zero()
        || vk.delta_g2.is_zero()
    {
        return bad("an identity point among α, β, γ, δ");
    }
    if vk.gamma_g2 == vk.delta_g2 {
        return bad("γ = δ: proofs for any statement could be forged");
    }
    if vk.gamma_abc_g1.iter().any(|p| p.is_zero()) {
        return bad("an identity point among the input bases: that input would not be bound");
    }
    if vk.gamma_abc_g1.len() != n_inputs + 1 {
        return Err(VerifyError::KeyInputCount {
            key_inputs: vk.gamma_abc_g1.len().saturating_sub(1),
            claim_inputs: n_inputs,
        });
    }
    Ok(())
}
