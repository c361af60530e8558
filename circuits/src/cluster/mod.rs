//! # The cluster claim
//!
//! *"The inventory committed as `C` holds at most `cap` active chips, and every
//! one of them is covered by an attestation for epoch `e`, signed by an auditor
//! accredited in the registry `root`, that places it — widened by its
//! measurement uncertainty — inside the geofence of an authorized facility of
//! that registry."* The public inputs are `C`, `root`, `cap`, `e` and a
//! verifier-chosen `nonce`, in that order ([`ClusterStatement::public_inputs`]).
//!
//! ## Shape of the witness
//! `N` chip slots and `F` facility slots. Active chips come first, grouped by
//! facility slot in order (`0, 0, …, 1, 1, …`); padded chip slots follow and are
//! all-zero. Facility slot `j` is *used* iff some chip is in group `j`; used
//! slots are a prefix.
//!
//! ## Attestations (one signature per facility and epoch)
//! The auditor of a facility signs, per epoch, the hash chain of the chips it
//! measured there, in its order:
//! ```text
//! acc_0 = 0,  acc_k = Poseidon(acc_{k-1}, serial, model, lat, lon, uncertainty)
//! digest = acc_n
//! M = Poseidon(ATTESTATION_TAG, facility_id, epoch, digest)
//! ```
//! The circuit recomputes each group's chain, so a proven group is exactly a
//! signed list: a chip cannot be added, dropped, duplicated, moved or
//! re-measured without breaking the signature.
//!
//! ## Commitment
//! ```text
//! a_0 = 0,  a_j = Poseidon(a_{j-1}, facility_id_j, digest_j)   (used slots)
//! C = Poseidon(COMMITMENT_TAG, epoch, a_F, blinding)
//! ```
//! It binds every chip record and its facility, and depends neither on `N` nor
//! on `F`, so every claim about the same inventory and epoch names the same `C`.
//!
//! ## What the proof does not say
//! That the inventory is complete: a facility whose attestation the importer
//! leaves out is simply not counted. Completeness rests on the auditors (who
//! attest every chip they find at a facility) and on the agency's knowledge of
//! which facilities an importer operates. Serial uniqueness across facilities
//! is likewise the auditors' (within one attestation the signed list fixes it).
use crate::eddsa::{self, Signature};
use crate::encoding::fr_from_i64;
use crate::error::ClaimError;
use crate::merkle::MerklePath;
use crate::registry::{registry_root, AuditorLeaf, FacilityLeaf, AUDITOR_DEPTH, FACILITY_DEPTH};
use crate::{domain, poseidon};
use ark_bn254::Fr;
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::{BigInteger256, Zero};

#[cfg(feature = "r1cs")]
pub mod constraints;

/// Width of the range check of `cap − active`; caps are `u64`.
pub const CAP_BITS: usize = 64;

/// Constraints of the cluster circuit that do not scale with the shape
/// (public inputs, registry root, commitment, `Σ used = Σ s`, the 64-bit cap
/// check), when it has at least one chip slot: see [`cost`].
pub const COST_FIXED: usize = 649;
/// Constraints per facility slot: signature 5,933, facility Merkle path 2,430
/// and leaf 402 (eight fields: id, country, tier, centre, radius, scale,
/// operator), auditor path 972 and leaf 261, the two root checks 2,
/// attestation message 294 (its tag is a constant), commitment step 261 and
/// its selection 1, the `used` flag and `used_j ⇒ used_{j−1}` 2. Facility
/// slot 0 is 4 cheaper (no predecessor; its commitment step starts from the
/// constant 0), which [`COST_FIXED`] absorbs.
pub const COST_PER_FACILITY: usize = 10_558;
/// Constraints per chip slot, not counting facility selection: Poseidon(6)
/// chain step 354, geofence 186, flags and structure 13.
pub const COST_PER_CHIP: usize = 553;
/// Constraints per chip slot and facility slot: the selector bit `b_j` and
/// the five selections (digest, fence centre, radius, scale) — 6.
pub const COST_PER_CHIP_PER_FACILITY: usize = 6;

/// Constraints per chip slot at `facilities` facility slots:
/// `COST_PER_CHIP + COST_PER_CHIP_PER_FACILITY · F` (601 at F = 8).
pub const fn cost_per_chip(facilities: usize) -> usize {
    COST_PER_CHIP + COST_PER_CHIP_PER_FACILITY * facilities
}

/// The constraint count of the cluster circuit at `shape` — for `N ≥ 1`,
/// `649 + 10,558·F + (553 + 6·F)·N` (chip slot 0 is 5 constraints cheaper
/// than the others — its chain starts from the constant 0 and it has no
/// predecessor to link to — and the last slot's end-of-group check adds 1,
/// both folded into [`COST_FIXED`]); `653 + 10,558·F` for `N = 0`; one less
/// for `F ≤ 1`, where `g_0 = Σ j·b_j` is the constant 0 and `g_0 = 0` costs
/// nothing. Checked against synthesis at several shapes by
/// `circuits/tests/cluster.rs`.
pub const fn cost(shape: &ClusterShape) -> usize {
    let chips = match (shape.chips, shape.facilities) {
        (0, _) => 4,
        (n, 0 | 1) => n * cost_per_chip(shape.facilities) - 1,
        (n, _) => n * cost_per_chip(shape.facilities),
    };
    COST_FIXED + COST_PER_FACILITY * shape.facilities + chips
}

/// Names of the public inputs, in order.
pub const PUBLIC_INPUT_NAMES: [&str; 5] = ["commitment", "registry_root", "cap", "epoch", "nonce"];

/// Capacity of one cluster circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ClusterShape {
    /// Chip slots `N`.
    pub chips: usize,
    /// Facility slots `F`.
    pub facilities: usize,
}

impl ClusterShape {
    /// A short name, e.g. `1024x8`.
    pub fn name(&self) -> String {
        format!("{}x{}", self.chips, self.facilities)
    }
}

/// The public statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterStatement {
    /// Inventory commitment `C`.
    pub commitment: Fr,
    /// Registry root.
    pub registry_root: Fr,
    /// Largest number of active chips allowed.
    pub cap: u64,
    /// Epoch of the attestations and of the commitment.
    pub epoch: u64,
    /// Verifier-chosen nonce (or a digest of the agency's request).
    pub nonce: Fr,
}

impl ClusterStatement {
    /// The Groth16 public inputs, in [`PUBLIC_INPUT_NAMES`] order.
    pub fn public_inputs(&self) -> Vec<Fr> {
        vec![
            self.commitment,
            self.registry_root,
            Fr::from(self.cap),
            Fr::from(self.epoch),
            self.nonce,
        ]
    }
}

/// One chip as measured and signed by the auditor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipRecord {
    /// Encoded serial number.
    pub serial: Fr,
    /// Encoded model name.
    pub model: Fr,
    /// Measured latitude, µdeg.
    pub lat: i64,
    /// Measured longitude, µdeg.
    pub lon: i64,
    /// Measurement uncertainty radius, m.
    pub uncertainty_m: u64,
}

impl ChipRecord {
    /// The all-zero record of a padded slot.
    pub fn zero() -> Self {
        Self {
            serial: Fr::zero(),
            model: Fr::zero(),
            lat: 0,
            lon: 0,
            uncertainty_m: 0,
        }
    }
    /// The record's fields as hashed.
    pub fn fields(&self) -> [Fr; 5] {
        [
            self.serial,
            self.model,
            fr_from_i64(self.lat),
            fr_from_i64(self.lon),
            Fr::from(self.uncertainty_m),
        ]
    }
}

/// One step of an attestation chain.
pub fn chain_step(acc: Fr, rec: &ChipRecord) -> Fr {
    let f = rec.fields();
    poseidon::hash(&[acc, f[0], f[1], f[2], f[3], f[4]])
}

/// The digest an auditor signs for a facility: the chain over its records.
pub fn facility_digest<'a>(records: impl IntoIterator<Item = &'a ChipRecord>) -> Fr {
    records.into_iter().fold(Fr::zero(), chain_step)
}

/// The message an auditor signs: `Poseidon(ATTESTATION_TAG, facility_id, epoch, digest)`.
pub fn attestation_message(facility_id: Fr, epoch: u64, digest: Fr) -> Fr {
    poseidon::hash(&[domain::attestation(), facility_id, Fr::from(epoch), digest])
}

/// The inventory commitment over `(facility_id, digest)` groups.
pub fn commitment(epoch: u64, groups: &[(Fr, Fr)], blinding: Fr) -> Fr {
    let acc = groups
        .iter()
        .fold(Fr::zero(), |acc, (id, d)| poseidon::hash(&[acc, *id, *d]));
    poseidon::hash(&[domain::commitment(), Fr::from(epoch), acc, blinding])
}

/// A chip slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipSlot {
    /// Active (holds a chip) or padded.
    pub active: bool,
    /// The facility slot of its group (ignored for padded slots).
    pub facility_slot: usize,
    /// The record (all zero for padded slots).
    pub record: ChipRecord,
}

impl ChipSlot {
    /// A padded slot.
    pub fn padding() -> Self {
        Self {
            active: false,
            facility_slot: 0,
            record: ChipRecord::zero(),
        }
    }
}

/// A facility slot: the facility, its registry path, the auditor and its
/// registry path, and the attestation signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FacilitySlot {
    /// The facility as committed in the registry.
    pub facility: FacilityLeaf,
    /// Its path in the facility tree.
    pub facility_path: MerklePath,
    /// The signing auditor as committed in the registry.
    pub auditor: AuditorLeaf,
    /// Its path in the auditor tree.
    pub auditor_path: MerklePath,
    /// The epoch the attestation was made for.
    pub attestation_epoch: u64,
    /// The auditor's signature.
    pub signature: Signature,
}

impl FacilitySlot {
    /// An unused slot: well-formed dummies that no constraint reads.
    pub fn padding() -> Self {
        Self {
            facility: FacilityLeaf::zero(),
            facility_path: MerklePath::empty(FACILITY_DEPTH),
            auditor: AuditorLeaf {
                id: Fr::zero(),
                key: eddsa::generator(),
            },
            auditor_path: MerklePath::empty(AUDITOR_DEPTH),
            attestation_epoch: 0,
            signature: Signature {
                r: EdwardsAffine::zero(),
                s: BigInteger256::zero(),
            },
        }
    }
}

/// The private witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterWitness {
    /// `N` chip slots.
    pub chips: Vec<ChipSlot>,
    /// `F` facility slots.
    pub facilities: Vec<FacilitySlot>,
    /// Root of the registry's facility tree.
    pub facilities_root: Fr,
    /// Root of the registry's auditor tree.
    pub auditors_root: Fr,
    /// The registry's parameter digest.
    pub params_digest: Fr,
    /// The commitment's blinding value.
    pub blinding: Fr,
}

/// Values derived from a witness that the circuit recomputes: per chip slot the
/// segment-start flag, per facility slot the used flag and chain digest.
#[derive(Clone, Debug)]
pub struct Derived {
    /// Chip slot starts a new group.
    pub starts: Vec<bool>,
    /// Facility slot is used.
    pub used: Vec<bool>,
    /// Chain digest of each facility slot's group (0 if unused).
    pub digests: Vec<Fr>,
    /// Active chips.
    pub active: u64,
}

impl ClusterWitness {
    /// An all-padding witness of the given shape (the circuit's setup witness).
    pub fn padding(shape: &ClusterShape) -> Self {
        Self {
            chips: vec![ChipSlot::padding(); shape.chips],
            facilities: vec![FacilitySlot::padding(); shape.facilities],
            facilities_root: Fr::zero(),
            auditors_root: Fr::zero(),
            params_digest: Fr::zero(),
            blinding: Fr::zero(),
        }
    }

    /// Checks the slot structure (padding, grouping) and derives the flags and digests.
    pub fn derive(&self, shape: &ClusterShape) -> Result<Derived, ClaimError> {
        if self.chips.len() != shape.chips || self.facilities.len() != shape.facilities {
            return Err(ClaimError::Shape(format!(
                "{} chip slots and {} facility slots, circuit has {}",
                self.chips.len(),
                self.facilities.len(),
                shape.name()
            )));
        }
        for (j, f) in self.facilities.iter().enumerate() {
            if f.facility_path.siblings.len() != FACILITY_DEPTH
                || f.auditor_path.siblings.len() != AUDITOR_DEPTH
            {
                return Err(ClaimError::Shape(format!(
                    "facility slot {j}: registry path of the wrong depth"
                )));
            }
        }
        let mut starts = vec![false; shape.chips];
        let mut digests = vec![Fr::zero(); shape.facilities];
        let mut used = vec![false; shape.facilities];
        let mut acc = Fr::zero();
        let mut active = 0u64;
        for (i, c) in self.chips.iter().enumerate() {
            if !c.active {
                if c.record != ChipRecord::zero() {
                    return Err(ClaimError::Padding {
                        slot: i,
                        reason: "padded slot carries data".into(),
                    });
                }
                continue;
            }
            if i > 0 && !self.chips[i - 1].active {
                return Err(ClaimError::Padding {
                    slot: i,
                    reason: "active slot after a padded one".into(),
                });
            }
            active += 1;
            let fs = c.facility_slot;
            let start = match i {
                0 if fs == 0 => true,
                0 => return Err(ClaimError::Grouping { slot: i }),
                _ if fs == self.chips[i - 1].facility_slot => false,
                _ if fs == self.chips[i - 1].facility_slot + 1 => true,
                _ => return Err(ClaimError::Grouping { slot: i }),
            };
            if fs >= shape.facilities {
                return Err(ClaimError::Grouping { slot: i });
            }
            if start {
                starts[i] = true;
                acc = Fr::zero();
            }
            acc = chain_step(acc, &c.record);
            digests[c.facility_slot] = acc;
            used[c.facility_slot] = true;
        }
        Ok(Derived {
            starts,
            used,
            digests,
            active,
        })
    }
}

impl Derived {
    /// Best-effort flags and digests for any witness of the right length,
    /// well formed or not, so that the *constraints* (not the witness
    /// generator) decide whether a malformed witness is accepted.
    pub fn lenient(w: &ClusterWitness, shape: &ClusterShape) -> Self {
        let mut starts = vec![false; shape.chips];
        let mut digests = vec![Fr::zero(); shape.facilities];
        let mut used = vec![false; shape.facilities];
        let mut acc = Fr::zero();
        let mut active = 0u64;
        for (i, c) in w.chips.iter().enumerate().take(shape.chips) {
            if !c.active {
                continue;
            }
            active += 1;
            if i == 0 || w.chips[i - 1].facility_slot != c.facility_slot || !w.chips[i - 1].active {
                starts[i] = true;
                acc = Fr::zero();
            }
            acc = chain_step(acc, &c.record);
            if c.facility_slot < shape.facilities {
                digests[c.facility_slot] = acc;
                used[c.facility_slot] = true;
            }
        }
        Self {
            starts,
            used,
            digests,
            active,
        }
    }
}

/// The executable specification of the cluster claim.
pub fn check_native(
    shape: &ClusterShape,
    st: &ClusterStatement,
    w: &ClusterWitness,
) -> Result<(), ClaimError> {
    let d = w.derive(shape)?;
    if d.active > st.cap {
        return Err(ClaimError::CapExceeded {
            active: d.active,
            cap: st.cap,
        });
    }
    if registry_root(w.facilities_root, w.auditors_root, w.params_digest) != st.registry_root {
        return Err(ClaimError::RegistryRootMismatch);
    }
    let mut groups = Vec::new();
    for (j, f) in w.facilities.iter().enumerate().filter(|(j, _)| d.used[*j]) {
        if f.facility_path.root(f.facility.hash()) != w.facilities_root {
            return Err(ClaimError::FacilityNotInRegistry { slot: j });
        }
        if f.auditor_path.root(f.auditor.hash()) != w.auditors_root {
            return Err(ClaimError::AuditorNotAccredited { slot: j });
        }
        if f.attestation_epoch != st.epoch {
            return Err(ClaimError::WrongEpoch {
                slot: j,
                found: f.attestation_epoch,
                expected: st.epoch,
            });
        }
        let msg = attestation_message(f.facility.id, st.epoch, d.digests[j]);
        eddsa::verify(&f.auditor.key, msg, &f.signature).map_err(|e| ClaimError::BadSignature {
            slot: j,
            reason: e.to_string(),
        })?;
        groups.push((f.facility.id, d.digests[j]));
    }
    for (i, c) in w.chips.iter().enumerate().filter(|(_, c)| c.active) {
        let fence = w.facilities[c.facility_slot].facility.fence;
        fence
            .check(c.record.lat, c.record.lon, c.record.uncertainty_m)
            .map_err(|e| ClaimError::OutsideGeofence {
                slot: i,
                detail: e.to_string(),
            })?;
    }
    if commitment(st.epoch, &groups, w.blinding) != st.commitment {
        return Err(ClaimError::CommitmentMismatch);
    }
    Ok(())
}

#[doc(hidden)]
pub mod fixtures;
