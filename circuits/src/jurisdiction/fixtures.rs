//! Deterministic fixtures for the jurisdiction claim: the shard fixtures'
//! registry (facilities of `ACME-DC` in FR, DE, US — tier 1 —, SG — tier 2 —
//! and KP — tier 3 —, one of `OTHER-DC`), a deployment with its stores, and
//! the auditor's attestation. A test builds a [`Deployment`], edits it, and
//! calls [`Deployment::build`]: the attestation is signed over exactly what
//! the deployment says, so the check under test is the only one that fails.
use super::*;
use crate::eddsa::SecretKey;
use crate::encoding::encode_label;
use crate::registry::Registry;

/// Capacity of the fixture circuit.
pub const CAPACITY: usize = 3;
/// Epoch of the fixtures.
pub const EPOCH: u64 = 7;
/// Highest allowed tier of the fixtures (KP, tier 3, is not allowed).
pub const MAX_TIER: u64 = 2;

/// One store of the deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// Store id.
    pub id: String,
    /// Registry index of its facility.
    pub facility: usize,
    /// Encrypted at rest.
    pub encrypted: bool,
    /// Key fingerprint.
    pub key_fingerprint: u64,
}

/// A deployment as the auditor finds it, and what it signs.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// The registry.
    pub registry: Registry,
    /// Auditor keys (`AUDITOR-0`, `AUDITOR-1`).
    pub auditors: Vec<SecretKey>,
    /// Deployment id.
    pub id: String,
    /// The model commitment the deployment names.
    pub model_commitment: Fr,
    /// Its stores.
    pub stores: Vec<Store>,
    /// The deployment id the auditor signs (honestly `id`).
    pub signed_id: String,
    /// The operator the auditor signs for (honestly the fixtures' importer).
    pub signed_importer: String,
    /// The model commitment the auditor signs (honestly `model_commitment`).
    pub signed_model: Fr,
    /// The epoch the auditor signs.
    pub signed_epoch: u64,
    /// The signing key (honestly an accredited auditor's).
    pub signer: SecretKey,
    /// The registry path used for the signer (auditor index).
    pub signer_path: usize,
}

impl Deployment {
    /// The standard deployment: a log store in FR-PAR-01 and an output store
    /// in SG-JUR-04, both encrypted, attested by AUDITOR-1.
    pub fn standard() -> Self {
        let auditors: Vec<SecretKey> = (0..2u8)
            .map(|i| SecretKey::from_seed([i + 1; 32]))
            .collect();
        let registry = crate::shard::fixtures::registry(&auditors);
        let model = crate::evaluation::fixtures::EvalFixture::standard(1)
            .statement
            .model_commitment;
        Self {
            signer: auditors[1].clone(),
            registry,
            auditors,
            id: "CHAT-EU-1".into(),
            model_commitment: model,
            stores: vec![
                Store {
                    id: "LOGS-1".into(),
                    facility: 0,
                    encrypted: true,
                    key_fingerprint: 0xfeed,
                },
                Store {
                    id: "OUT-1".into(),
                    facility: 3,
                    encrypted: true,
                    key_fingerprint: 0xbeef,
                },
            ],
            signed_id: "CHAT-EU-1".into(),
            signed_importer: crate::shard::fixtures::IMPORTER.into(),
            signed_model: model,
            signed_epoch: EPOCH,
            signer_path: 1,
        }
    }

    /// The statement and witness (capacity [`CAPACITY`], stores in the
    /// first slots).
    pub fn build(&self) -> (JurisdictionStatement, JurisdictionWitness) {
        let label = |s: &str| encode_label(s).expect("label");
        let mut slots: Vec<StoreSlot> = self
            .stores
            .iter()
            .map(|s| {
                let facility = self.registry.facilities[s.facility];
                StoreSlot {
                    used: true,
                    record: StoreRecord {
                        store_id: label(&s.id),
                        facility_id: facility.id,
                        encrypted: s.encrypted,
                        key_fingerprint: Fr::from(s.key_fingerprint),
                    },
                    facility,
                    facility_path: self.registry.facility_tree.path(s.facility),
                }
            })
            .collect();
        slots.resize(CAPACITY, StoreSlot::padding());
        let records: Vec<StoreRecord> = slots.iter().filter(|s| s.used).map(|s| s.record).collect();
        let msg = attestation_message(
            label(&self.signed_importer),
            label(&self.signed_id),
            self.signed_model,
            self.signed_epoch,
            &records,
        );
        let auditor = AuditorLeaf {
            id: self.registry.auditors[self.signer_path].id,
            key: self.signer.public(),
        };
        let w = JurisdictionWitness {
            stores: slots,
            auditor,
            auditor_path: self.registry.auditor_tree.path(self.signer_path),
            attested_deployment: label(&self.signed_id),
            attested_epoch: self.signed_epoch,
            signature: self.signer.sign(msg),
            facilities_root: self.registry.facility_tree.root(),
            auditors_root: self.registry.auditor_tree.root(),
            params_digest: self.registry.params_digest,
        };
        let st = JurisdictionStatement {
            registry_root: self.registry.root,
            importer: label(crate::shard::fixtures::IMPORTER),
            deployment: label(&self.id),
            model_commitment: self.model_commitment,
            epoch: EPOCH,
            max_tier: MAX_TIER,
            nonce: Fr::from(0x77u64),
        };
        (st, w)
    }
}
