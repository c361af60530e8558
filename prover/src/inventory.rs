//! The auditors' key files (the importer's inventory and secrets are in
//! [`crate::fleet`]).
use crate::error::{ProverError, Result};
use serde::{Deserialize, Serialize};

/// An auditor's key file (secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditorKeyFile {
    /// Format version (1).
    pub version: u32,
    /// Auditor id.
    pub id: String,
    /// Hex of the 32-byte seed the key is derived from (secret).
    pub seed: String,
}

impl AuditorKeyFile {
    /// The secret key.
    pub fn secret_key(&self) -> Result<zkcc_circuits::eddsa::SecretKey> {
        let bytes = hex::decode(&self.seed).map_err(|e| {
            ProverError::Keys(format!("auditor key {}: seed is not hex: {e}", self.id))
        })?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| {
            ProverError::Keys(format!("auditor key {}: seed must be 32 bytes", self.id))
        })?;
        Ok(zkcc_circuits::eddsa::SecretKey::from_seed(seed))
    }
}
