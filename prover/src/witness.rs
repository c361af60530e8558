//! From files to the circuit's witness: resolve the inventory against the
//! registry, group chips by attestation, and lay them out in slots.
use crate::error::{ProverError, Result};
use crate::inventory::InventoryFile;
use ark_bn254::Fr;
use std::collections::{HashMap, HashSet};
use zkcc_circuits::cluster::{
    attestation_message, commitment, facility_digest, ChipRecord, ChipSlot, ClusterShape,
    ClusterWitness, FacilitySlot,
};
use zkcc_circuits::eddsa::Signature;
use zkcc_circuits::encoding::encode_label;
use zkcc_circuits::registry::Registry;

/// One facility's attested group of chips.
#[derive(Clone, Debug)]
pub struct Group {
    /// Facility id.
    pub facility: String,
    /// Index of the facility in the registry.
    pub facility_index: usize,
    /// Index of the auditor in the registry.
    pub auditor_index: usize,
    /// Epoch of the attestation.
    pub epoch: u64,
    /// Chip records in signed order.
    pub records: Vec<ChipRecord>,
    /// The signature, if signed.
    pub signature: Option<Signature>,
}

impl Group {
    /// The chain digest the auditor signs.
    pub fn digest(&self) -> Fr {
        facility_digest(&self.records)
    }
    /// The message the auditor signs.
    pub fn message(&self, registry: &Registry) -> Fr {
        attestation_message(
            registry.facilities[self.facility_index].id,
            self.epoch,
            self.digest(),
        )
    }
}

/// Resolves an inventory against a registry: every chip in exactly one
/// attestation of its own facility, every facility and auditor registered,
/// every model registered, labels valid.
pub fn resolve(registry: &Registry, inv: &InventoryFile) -> Result<Vec<Group>> {
    inv.check_version()?;
    let bad = |s: String| Err(ProverError::Inventory(s));
    let mut chips: HashMap<&str, (&str, &str)> = HashMap::new();
    for c in &inv.chips {
        if chips.insert(&c.serial, (&c.model, &c.facility)).is_some() {
            return bad(format!("chip {} is listed twice", c.serial));
        }
        if !registry.has_model(&c.model) {
            return bad(format!(
                "chip {}: model {:?} is not in the registry",
                c.serial, c.model
            ));
        }
    }
    let mut covered: HashSet<&str> = HashSet::new();
    let mut seen_facilities = HashSet::new();
    let mut groups = Vec::with_capacity(inv.attestations.len());
    for a in &inv.attestations {
        if !seen_facilities.insert(&a.facility) {
            return bad(format!("facility {} has two attestations", a.facility));
        }
        let Some(facility_index) = registry.facility_index(&a.facility) else {
            return bad(format!(
                "facility {} is not in the agency's registry",
                a.facility
            ));
        };
        let Some(auditor_index) = registry.auditor_index(&a.auditor) else {
            return bad(format!(
                "auditor {} (attestation of {}) is not accredited in the registry",
                a.auditor, a.facility
            ));
        };
        let mut records = Vec::with_capacity(a.measurements.len());
        for m in &a.measurements {
            let Some((model, facility)) = chips.get(m.serial.as_str()) else {
                return bad(format!(
                    "attestation of {} measures chip {} which is not in the inventory",
                    a.facility, m.serial
                ));
            };
            if *facility != a.facility {
                return bad(format!(
                    "chip {} is listed at {} but attested at {}",
                    m.serial, facility, a.facility
                ));
            }
            if !covered.insert(&m.serial) {
                return bad(format!("chip {} is measured twice", m.serial));
            }
            records.push(ChipRecord {
                serial: encode_label(&m.serial)?,
                model: encode_label(model)?,
                lat: m.lat_udeg,
                lon: m.lon_udeg,
                uncertainty_m: m.uncertainty_m,
            });
        }
        let signature = a.signature.as_ref().map(|s| s.to_signature()).transpose()?;
        groups.push(Group {
            facility: a.facility.clone(),
            facility_index,
            auditor_index,
            epoch: a.epoch,
            records,
            signature,
        });
    }
    if let Some(c) = inv
        .chips
        .iter()
        .find(|c| !covered.contains(c.serial.as_str()))
    {
        return bad(format!(
            "chip {} at {} is not covered by any attestation",
            c.serial, c.facility
        ));
    }
    Ok(groups)
}

/// The inventory commitment for a blinding value (independent of circuit shape).
pub fn commitment_of(registry: &Registry, groups: &[Group], epoch: u64, blinding: Fr) -> Fr {
    let pairs: Vec<(Fr, Fr)> = groups
        .iter()
        .map(|g| (registry.facilities[g.facility_index].id, g.digest()))
        .collect();
    commitment(epoch, &pairs, blinding)
}

/// Lays out the groups in a circuit of the given shape.
pub fn build_witness(
    registry: &Registry,
    groups: &[Group],
    shape: &ClusterShape,
    blinding: Fr,
) -> Result<ClusterWitness> {
    let total: usize = groups.iter().map(|g| g.records.len()).sum();
    if total > shape.chips || groups.len() > shape.facilities {
        return Err(ProverError::Inventory(format!(
            "{total} chips in {} facilities do not fit a {} circuit (chips x facilities); shard the inventory or set up a larger circuit",
            groups.len(),
            shape.name()
        )));
    }
    let mut chips = Vec::with_capacity(shape.chips);
    let mut facilities = Vec::with_capacity(shape.facilities);
    for (j, g) in groups.iter().enumerate() {
        let Some(signature) = g.signature else {
            return Err(ProverError::Inventory(format!(
                "the attestation of {} is not signed yet (zkcc auditor attest)",
                g.facility
            )));
        };
        chips.extend(g.records.iter().map(|r| ChipSlot {
            active: true,
            facility_slot: j,
            record: *r,
        }));
        facilities.push(FacilitySlot {
            facility: registry.facilities[g.facility_index],
            facility_path: registry.facility_tree.path(g.facility_index),
            auditor: registry.auditors[g.auditor_index],
            auditor_path: registry.auditor_tree.path(g.auditor_index),
            attestation_epoch: g.epoch,
            signature,
        });
    }
    chips.resize(shape.chips, ChipSlot::padding());
    facilities.resize(shape.facilities, FacilitySlot::padding());
    Ok(ClusterWitness {
        chips,
        facilities,
        facilities_root: registry.facility_tree.root(),
        auditors_root: registry.auditor_tree.root(),
        params_digest: registry.params_digest,
        blinding,
    })
}
