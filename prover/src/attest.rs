//! The auditor's side: sign the attestations it is named on.
use crate::error::{ProverError, Result};
use crate::inventory::{AuditorKeyFile, InventoryFile};
use crate::witness::resolve;
use zkcc_circuits::eddsa::SignatureJson;
use zkcc_circuits::registry::Registry;

/// Signs every attestation in `inv` that names this auditor (optionally only
/// those for `facility`). Returns the facilities signed.
///
/// The auditor signs what it measured: it does not check geofences (that is
/// the circuit's job), but it refuses to sign with a key the registry does not
/// accredit under its id.
pub fn attest(
    registry: &Registry,
    inv: &mut InventoryFile,
    key: &AuditorKeyFile,
    facility: Option<&str>,
) -> Result<Vec<String>> {
    let sk = key.secret_key()?;
    let idx = registry.auditor_index(&key.id).ok_or_else(|| {
        ProverError::Keys(format!(
            "auditor {} is not accredited in this registry",
            key.id
        ))
    })?;
    if registry.auditors[idx].key != sk.public() {
        return Err(ProverError::Keys(format!(
            "this key is not the key the registry accredits for {}",
            key.id
        )));
    }
    let groups = resolve(registry, inv)?;
    let mut signed = Vec::new();
    for (a, g) in inv.attestations.iter_mut().zip(&groups) {
        if a.auditor != key.id || facility.is_some_and(|f| f != a.facility) {
            continue;
        }
        a.signature = Some(SignatureJson::from_signature(&sk.sign(g.message(registry))));
        signed.push(a.facility.clone());
    }
    if let Some(f) = facility {
        if signed.is_empty() {
            return Err(ProverError::Inventory(format!(
                "no attestation of {f} names auditor {}",
                key.id
            )));
        }
    }
    Ok(signed)
}
