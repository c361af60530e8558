//! The importer's private files: the inventory (chips and signed
//! attestations), the commitment secret, and the auditors' key files.
use crate::error::{ProverError, Result};
use serde::{Deserialize, Serialize};
use zkcc_circuits::eddsa::SignatureJson;

/// Inventory format version.
pub const INVENTORY_VERSION: u32 = 1;

/// The inventory (private to the importer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryFile {
    /// [`INVENTORY_VERSION`].
    pub version: u32,
    /// Importer name.
    pub importer: String,
    /// The epoch this inventory is for.
    pub epoch: u64,
    /// Every chip the importer operates.
    pub chips: Vec<ChipJson>,
    /// One auditor attestation per facility.
    pub attestations: Vec<AttestationJson>,
}

/// A chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipJson {
    /// Serial number (1–31 printable ASCII).
    pub serial: String,
    /// Model name, as in the registry.
    pub model: String,
    /// Facility id, as in the registry.
    pub facility: String,
}

/// An auditor's attestation for one facility and epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestationJson {
    /// Facility id.
    pub facility: String,
    /// Auditor id, as in the registry.
    pub auditor: String,
    /// Epoch of the measurement.
    pub epoch: u64,
    /// Per-chip measurements, in the order signed.
    pub measurements: Vec<MeasurementJson>,
    /// The auditor's signature; `null` until the auditor signs.
    pub signature: Option<SignatureJson>,
}

/// One chip's measured position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementJson {
    /// Serial number.
    pub serial: String,
    /// Measured latitude, µdeg.
    pub lat_udeg: i64,
    /// Measured longitude, µdeg.
    pub lon_udeg: i64,
    /// Uncertainty radius, m.
    pub uncertainty_m: u64,
}

/// The commitment secret (private to the importer): the blinding that opens
/// the public commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentSecret {
    /// Format version (1).
    pub version: u32,
    /// Epoch.
    pub epoch: u64,
    /// The public commitment.
    pub commitment: String,
    /// The blinding value (secret).
    pub blinding: String,
}

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

impl InventoryFile {
    /// Checks the version.
    pub fn check_version(&self) -> Result<()> {
        if self.version != INVENTORY_VERSION {
            return Err(ProverError::Inventory(format!(
                "format version {} is not supported (expected {INVENTORY_VERSION})",
                self.version
            )));
        }
        Ok(())
    }
}
