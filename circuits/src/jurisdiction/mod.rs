//! # The deployment-jurisdiction claim
//!
//! *"Deployment `D` of importer `X`, serving the model committed as `MC`,
//! keeps its prompt logs and outputs, in epoch `e`, only in stores that an
//! accredited auditor attested — all of them, in one list — each encrypted
//! at rest under a key the operator holds, each in a facility of the registry
//! `root` operated by `X` in a country of tier at most `t`."* Public inputs,
//! in order ([`JurisdictionStatement::public_inputs`]): `root`, `X`, `D`,
//! `MC`, `e`, `t`, `nonce`. Which facilities, which keys and how many stores
//! stay private (up to the circuit's capacity `S`); that there is at least
//! one is proven: a deployment with no store would otherwise prove "every
//! store is in an allowed jurisdiction" about nothing.
//!
//! ## The auditor's attestation
//! The auditor inspects the deployment (it checks that the served weights
//! open `MC`, and finds every log and output store) and signs, per epoch, the
//! whole store list:
//! ```text
//! store record  = (store_id, facility_id, encrypted, key_fingerprint)
//! acc_0 = 0,  acc_i = Poseidon(acc_{i-1}, store_id, facility_id, encrypted, key_fingerprint)
//! M = Poseidon(TAG_DEPLOYMENT, X, D, MC, e, count, acc_count)
//! ```
//! One signature over the list (not one per store) is what makes the claim
//! *complete*: a store left out changes `count` and the chain, and the
//! signature no longer verifies. The operator `X` is in the message: an
//! attestation of one operator's deployment cannot serve another operator.
//! The auditor signs no empty list, and the circuit requires `count ≠ 0`. `encrypted` is what the auditor found (0 or
//! 1); the circuit requires 1 for every store.
//!
//! ## Slots
//! `S` store slots, each used or not (`u`); the chain absorbs the used slots
//! in order and `count = Σ u`. A used slot's facility must be in the
//! registry, operated by `X`, of tier ≤ `t` (the tier the registry computed
//! from its country table, in the facility leaf), and its record must name
//! that facility. What an unused slot holds is not read, here or in the
//! circuit.
use crate::eddsa::{self, Signature};
use crate::error::ClaimError;
use crate::merkle::MerklePath;
use crate::poseidon;
use crate::registry::{registry_root, AuditorLeaf, FacilityLeaf, AUDITOR_DEPTH, FACILITY_DEPTH};
use ark_bn254::Fr;
use ark_ff::Zero;

#[cfg(feature = "r1cs")]
pub mod constraints;
#[doc(hidden)]
pub mod fixtures;

/// Width of the tier comparison (`max_tier − tier`).
pub const TIER_BITS: usize = 8;
/// Largest capacity of one circuit.
pub const MAX_STORES: usize = 256;

/// Domain tags of the jurisdiction claim.
pub mod tags {
    domain_tags! {
        /// The auditor's deployment attestation.
        deployment = b"zkcc deployment attestation v2";
    }
}

/// One store as the auditor found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreRecord {
    /// Encoded store id.
    pub store_id: Fr,
    /// Encoded facility id.
    pub facility_id: Fr,
    /// Encrypted at rest.
    pub encrypted: bool,
    /// Fingerprint of the operator-held encryption key.
    pub key_fingerprint: Fr,
}

/// One step of the store chain.
pub fn store_step(acc: Fr, r: &StoreRecord) -> Fr {
    poseidon::hash(&[
        acc,
        r.store_id,
        r.facility_id,
        Fr::from(r.encrypted as u64),
        r.key_fingerprint,
    ])
}

/// The message the auditor signs for operator `importer`'s deployment's store
/// list.
pub fn attestation_message(
    importer: Fr,
    deployment: Fr,
    model_commitment: Fr,
    epoch: u64,
    stores: &[StoreRecord],
) -> Fr {
    let acc = stores.iter().fold(Fr::zero(), store_step);
    poseidon::hash(&[
        tags::deployment(),
        importer,
        deployment,
        model_commitment,
        Fr::from(epoch),
        Fr::from(stores.len() as u64),
        acc,
    ])
}

/// The public statement of a jurisdiction proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JurisdictionStatement {
    /// Registry root.
    pub registry_root: Fr,
    /// The importer (operator) `X`.
    pub importer: Fr,
    /// The deployment id `D` (encoded label).
    pub deployment: Fr,
    /// The deployed model's commitment `MC`.
    pub model_commitment: Fr,
    /// Epoch.
    pub epoch: u64,
    /// Highest tier allowed for a store's country.
    pub max_tier: u64,
    /// The agency's nonce.
    pub nonce: Fr,
}

public_inputs!(JurisdictionStatement {
    registry_root,
    importer,
    deployment,
    model_commitment,
    epoch,
    max_tier,
    nonce,
});

/// A store slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSlot {
    /// Holds a store.
    pub used: bool,
    /// The store as attested.
    pub record: StoreRecord,
    /// Its facility as committed in the registry.
    pub facility: FacilityLeaf,
    /// The facility's registry path.
    pub facility_path: MerklePath,
}

impl StoreSlot {
    /// An unused slot.
    pub fn padding() -> Self {
        Self {
            used: false,
            record: StoreRecord {
                store_id: Fr::zero(),
                facility_id: Fr::zero(),
                encrypted: false,
                key_fingerprint: Fr::zero(),
            },
            facility: FacilityLeaf::zero(),
            facility_path: MerklePath::empty(FACILITY_DEPTH),
        }
    }
}

/// The private witness of a jurisdiction proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JurisdictionWitness {
    /// `S` store slots.
    pub stores: Vec<StoreSlot>,
    /// The attesting auditor.
    pub auditor: AuditorLeaf,
    /// Its registry path.
    pub auditor_path: MerklePath,
    /// The deployment the attestation names (the statement's, honestly).
    pub attested_deployment: Fr,
    /// The epoch the attestation names (the statement's, honestly).
    pub attested_epoch: u64,
    /// The auditor's signature on the deployment attestation.
    pub signature: Signature,
    /// Root of the registry's facility tree.
    pub facilities_root: Fr,
    /// Root of the registry's auditor tree.
    pub auditors_root: Fr,
    /// The registry's parameter digest.
    pub params_digest: Fr,
}

impl JurisdictionWitness {
    /// The used slots' records, in order.
    pub fn records(&self) -> Vec<StoreRecord> {
        self.stores
            .iter()
            .filter(|s| s.used)
            .map(|s| s.record)
            .collect()
    }
}

/// The executable specification of the jurisdiction claim, for a circuit of
/// `capacity` store slots.
pub fn check_native(
    capacity: usize,
    st: &JurisdictionStatement,
    w: &JurisdictionWitness,
) -> Result<(), ClaimError> {
    if w.stores.len() != capacity
        || capacity > MAX_STORES
        || w.auditor_path.siblings.len() != AUDITOR_DEPTH
        || w.stores
            .iter()
            .any(|s| s.facility_path.siblings.len() != FACILITY_DEPTH)
    {
        return Err(ClaimError::Shape(format!(
            "witness does not have the shape of the circuit jurisdiction-{capacity}"
        )));
    }
    if registry_root(w.facilities_root, w.auditors_root, w.params_digest) != st.registry_root {
        return Err(ClaimError::RegistryRootMismatch);
    }
    if w.stores.iter().all(|s| !s.used) {
        return Err(ClaimError::NoStores);
    }
    if st.max_tier >= 1 << TIER_BITS {
        return Err(ClaimError::OutOfRange {
            what: "max_tier".into(),
            value: st.max_tier.to_string(),
            bits: TIER_BITS as u32,
        });
    }
    for (i, s) in w.stores.iter().enumerate() {
        if !s.used {
            continue;
        }
        if s.facility_path.root(s.facility.hash()) != w.facilities_root
            || s.record.facility_id != s.facility.id
        {
            return Err(ClaimError::FacilityNotInRegistry { slot: i });
        }
        if s.facility.operator != st.importer {
            return Err(ClaimError::OperatorMismatch { slot: i });
        }
        if s.facility.tier > st.max_tier {
            return Err(ClaimError::DisallowedCountry {
                slot: i,
                tier: s.facility.tier,
                max_tier: st.max_tier,
            });
        }
        if !s.record.encrypted {
            return Err(ClaimError::NotEncrypted { slot: i });
        }
    }
    if w.auditor_path.root(w.auditor.hash()) != w.auditors_root {
        return Err(ClaimError::AuditorNotAccredited { slot: 0 });
    }
    if w.attested_epoch != st.epoch {
        return Err(ClaimError::WrongEpoch {
            slot: 0,
            found: w.attested_epoch,
            expected: st.epoch,
        });
    }
    if w.attested_deployment != st.deployment {
        return Err(ClaimError::WrongDeployment);
    }
    let msg = attestation_message(
        st.importer,
        st.deployment,
        st.model_commitment,
        st.epoch,
        &w.records(),
    );
    eddsa::verify(&w.auditor.key, msg, &w.signature).map_err(|e| ClaimError::BadSignature {
        place: "deployment slot",
        what: "attestation",
        slot: 0,
        reason: e.to_string(),
    })
}
