//! # The delay claim: every ledger chip answered a landmark, within its distance
//!
//! *"For the shard committed as `C_s` (a shard of importer `X`'s inventory for
//! epoch `e`), every chip the shard marks as a ledger chip answered, on day
//! `d`, an accredited landmark of the registry `root` whose accepted distance
//! covers the chip's facility, within the round trip that distance allows."*
//! Public inputs, in order ([`DelayStatement::public_inputs`]): `X`, `root`,
//! `e`, `C_s`, `d`.
//!
//! ## Why it is sound, and complete
//! The circuit **re-opens `C_s`**: it recomputes, from the same private
//! witness as the shard proof, every slot's attestation chain, mark mask and
//! the commitment itself, under the same layout constraints (marks only on
//! active chips; active chips a prefix of a used slot). So the chips it
//! checks are *exactly* the chips the shard proof marked — the ones whose
//! grand product matched the agency's ledger — in the same slots: a ledger
//! chip cannot be left out of the delay evidence, moved to another facility,
//! or shown twice. The request proof's product over the shards, checked by the
//! agency against its ledger, is what makes the marked chips *every* ledger
//! chip; the agency checks natively that the delay proofs name exactly the
//! submission's shard commitments.
//!
//! ## The evidence
//! A landmark challenges each chip with a fresh nonce; the chip's device key
//! signs it (see `zkcc_verifier::device`); the landmark times the round trip.
//! Per facility slot of the shard, the importer has the slot's landmark measure
//! the slot's ledger chips, in slot order, and the landmark signs one batch:
//! ```text
//! e_i       = m_i ? ident_i : 0                       (i = 0 … M−1: the slot's chip positions)
//! digest    = chain over blocks of 10:  d_0 = 0,  d_b = Poseidon(d_{b−1}, e_{10b} … e_{10b+9})   (zero-padded)
//! rtts      = SHA-256 of the M round trips (u32 ns, 0 where e_i = 0) mod r          (for the audit trail)
//! message   = Poseidon(TAG_BATCH, landmark_id, d, max_rtt_ns, digest, rtts)
//! ```
//! where `max_rtt_ns` is the largest round trip of the batch. The circuit
//! checks, for every slot holding at least one ledger chip: the landmark leaf
//! is in the registry's landmark tree; the pair (slot's facility, landmark) is
//! in the registry's coverage tree (the whole facility fence lies within the
//! landmark's accepted distance); the batch is for day `d`; `max_rtt_ns <
//! 2^32` and `c · max_rtt_ns ≤ 2 · max_distance_m · 10^9` (the physics, in
//! integers: `c` = 299,792,458 m/s in vacuum, so distance ≤ c·rtt/2 ≤ the
//! accepted distance); and the landmark's EdDSA signature of the message.
//! Per-chip round trips are not re-checked in the circuit: the landmark signs
//! their maximum, and it is trusted for its timing in any case.
//!
//! ## What it does not prove
//! A millisecond of round trip is 150 km: the claim places a chip within the
//! landmark's accepted distance (hundreds of km), not inside a fence. It rests
//! on the device key not leaving the chip (a relay that holds no key cannot
//! answer; one that forwards to the chip adds the far leg's delay), on the
//! landmark's honesty and clock, and on light's speed; processing time only
//! lengthens a round trip, so it never lets a far chip pass.
//!
//! ## Cost
//! Per chip slot: booleans, mark and layout 4, the chain step 297 + 1, the
//! entry 1, a tenth of the batch block hash; per facility slot: the landmark
//! leaf and path, the coverage leaf and path, the message, the signature, the
//! range checks (pinned in `constraints.rs` and `circuits/tests/all/delay.rs`).
use crate::eddsa::{self, Signature};
use crate::error::ClaimError;
use crate::merkle::MerklePath;
use crate::poseidon;
use crate::registry::{
    coverage_leaf, registry_root, LandmarkLeaf, LandmarkSection, Registry, COVERAGE_DEPTH,
    LANDMARK_DEPTH,
};
use crate::shard::{FacilitySlot, ShardShape, ShardWitness};
use ark_bn254::Fr;
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::{BigInteger256, PrimeField, Zero};

#[cfg(feature = "r1cs")]
pub mod constraints;
#[doc(hidden)]
pub mod fixtures;

/// Domain tags of the delay claim.
pub mod tags {
    domain_tags! {
        /// A landmark's batch attestation.
        batch = b"zkcc landmark batch v1";
    }
}

/// Entries per block of the batch digest.
pub const BATCH_BLOCK: usize = 10;
/// Width of the range check of a batch's largest round trip (ns; < 4.29 s).
pub const RTT_BITS: usize = 32;
/// Width of the range check of the physics slack `2·10^9·max_distance − c·max_rtt`.
pub const SLACK_BITS: usize = 64;
/// The speed of light in vacuum, m/s (exact, by the SI definition of the metre).
pub const SPEED_OF_LIGHT_M_PER_S: u64 = 299_792_458;

/// Whether a round trip of `rtt_ns` places a chip within `max_distance_m` of
/// the landmark: `c · rtt / 2 ≤ max_distance`, in integers.
pub fn rtt_within(rtt_ns: u64, max_distance_m: u64) -> bool {
    rtt_ns < 1 << RTT_BITS
        && (SPEED_OF_LIGHT_M_PER_S as u128) * (rtt_ns as u128)
            <= 2_000_000_000u128 * max_distance_m as u128
}

/// The longest round trip (ns) accepted for `max_distance_m`.
pub fn rtt_bound_ns(max_distance_m: u64) -> u64 {
    ((2_000_000_000u128 * max_distance_m as u128) / SPEED_OF_LIGHT_M_PER_S as u128)
        .min((1u128 << RTT_BITS) - 1) as u64
}

/// The upper bound on the distance (m) that a round trip of `rtt_ns` proves.
pub fn distance_bound_m(rtt_ns: u64) -> f64 {
    SPEED_OF_LIGHT_M_PER_S as f64 * rtt_ns as f64 * 1e-9 / 2.0
}

/// The digest of a batch's entries (chain over zero-padded blocks of
/// [`BATCH_BLOCK`]).
pub fn idents_digest(entries: &[Fr]) -> Fr {
    entries.chunks(BATCH_BLOCK).fold(Fr::zero(), |acc, block| {
        let mut input = vec![acc];
        input.extend_from_slice(block);
        input.resize(BATCH_BLOCK + 1, Fr::zero());
        poseidon::hash(&input)
    })
}

/// The digest of a batch's round trips: SHA-256 of the big-endian `u32`s, mod r.
pub fn rtts_digest(rtts: &[u32]) -> Fr {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"zkcc landmark rtts v1");
    for r in rtts {
        h.update(r.to_be_bytes());
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// The message a landmark signs for a batch.
pub fn batch_message(landmark_id: Fr, day: u64, max_rtt_ns: u64, digest: Fr, rtts: Fr) -> Fr {
    poseidon::hash(&[
        tags::batch(),
        landmark_id,
        Fr::from(day),
        Fr::from(max_rtt_ns),
        digest,
        rtts,
    ])
}

/// A landmark's batch: what it measured for one facility slot, in slot order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Per chip position: the chip's identity and its round trip (ns), or
    /// `(0, 0)` where the slot holds no ledger chip.
    pub entries: Vec<(Fr, u32)>,
}

impl Batch {
    /// The entries the slot `f` asks its landmark to measure: its ledger
    /// chips' identities in slot order, 0 elsewhere (round trips still 0).
    pub fn request(f: &FacilitySlot) -> Vec<Fr> {
        f.chips
            .iter()
            .map(|c| if c.ledger { c.record.ident } else { Fr::zero() })
            .collect()
    }
    /// The largest round trip.
    pub fn max_rtt(&self) -> u64 {
        self.entries.iter().map(|e| e.1 as u64).max().unwrap_or(0)
    }
    /// [`idents_digest`] of the entries.
    pub fn digest(&self) -> Fr {
        idents_digest(&self.entries.iter().map(|e| e.0).collect::<Vec<_>>())
    }
    /// [`rtts_digest`] of the entries.
    pub fn rtts(&self) -> Fr {
        rtts_digest(&self.entries.iter().map(|e| e.1).collect::<Vec<_>>())
    }
    /// The message the landmark signs for `day`.
    pub fn message(&self, landmark_id: Fr, day: u64) -> Fr {
        batch_message(landmark_id, day, self.max_rtt(), self.digest(), self.rtts())
    }
}

/// The public statement of a delay proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DelayStatement {
    /// The importer `X` (encoded label).
    pub importer: Fr,
    /// Registry root (in its landmark form).
    pub registry_root: Fr,
    /// The inventory's epoch `e`.
    pub epoch: u64,
    /// The shard's commitment `C_s`.
    pub shard_commitment: Fr,
    /// The day of the evidence (days since 1970-01-01, UTC).
    pub day: u64,
}

public_inputs!(DelayStatement {
    importer,
    registry_root,
    epoch,
    shard_commitment,
    day,
});

/// Everything under the registry root that the delay circuit opens it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayRegistry {
    /// Root of the facility tree.
    pub facilities_root: Fr,
    /// Root of the auditor tree.
    pub auditors_root: Fr,
    /// The policy version.
    pub policy_version: u64,
    /// Root of the chip-model tree.
    pub models_root: Fr,
    /// The default tier.
    pub default_tier: u64,
    /// The lifecycle root, when the registry has the lifecycle form.
    pub lifecycle_root: Option<Fr>,
    /// The landmark section.
    pub section: LandmarkSection,
}

impl DelayRegistry {
    /// The opening of a registry that lists landmarks (`None` otherwise).
    pub fn of(r: &Registry) -> Option<Self> {
        let o = &r.opening;
        Some(Self {
            facilities_root: o.facilities_root,
            auditors_root: o.auditors_root,
            policy_version: o.policy_version,
            models_root: o.models_root,
            default_tier: o.default_tier,
            lifecycle_root: r
                .has_lifecycle()
                .then(|| crate::registry::lifecycle_root(o.evaluators_root, o.suites_root)),
            section: r.landmark_section?,
        })
    }
    /// The parameter digest (four- or five-input form).
    pub fn params_digest(&self) -> Fr {
        let mut p = vec![
            Fr::from(self.policy_version),
            self.models_root,
            self.section.countries_root(),
            Fr::from(self.default_tier),
        ];
        p.extend(self.lifecycle_root);
        poseidon::hash(&p)
    }
    /// The registry root.
    pub fn root(&self) -> Fr {
        registry_root(
            self.facilities_root,
            self.auditors_root,
            self.params_digest(),
        )
    }
}

/// One facility slot's delay evidence: the landmark's signed batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotEvidence {
    /// The landmark as committed in the registry.
    pub landmark: LandmarkLeaf,
    /// Its path in the landmark tree.
    pub landmark_path: MerklePath,
    /// The path of (facility, landmark) in the coverage tree.
    pub coverage_path: MerklePath,
    /// The day the batch is signed for.
    pub day: u64,
    /// The batch's largest round trip, ns.
    pub max_rtt_ns: u64,
    /// [`rtts_digest`] of the batch.
    pub rtts_digest: Fr,
    /// The landmark's signature of the batch message.
    pub signature: Signature,
}

impl SlotEvidence {
    /// The evidence of the registry's landmark (index) `landmark` for a slot of
    /// facility (index) `facility`: its batch `batch`, signed for `day`.
    /// `None` when the registry does not list the pair in its coverage.
    pub fn new(
        registry: &Registry,
        (facility, landmark): (usize, usize),
        day: u64,
        batch: &Batch,
        signature: Signature,
    ) -> Option<Self> {
        let cov = registry.coverage_index(facility, landmark)?;
        Some(Self {
            landmark: registry.landmarks[landmark],
            landmark_path: registry.landmark_tree.path(landmark),
            coverage_path: registry.coverage_tree.path(cov),
            day,
            max_rtt_ns: batch.max_rtt(),
            rtts_digest: batch.rtts(),
            signature,
        })
    }

    /// The evidence of a slot without ledger chips: well-formed dummies.
    pub fn none() -> Self {
        Self {
            landmark: LandmarkLeaf {
                id: Fr::zero(),
                country: 0,
                lat: 0,
                lon: 0,
                max_distance_m: 0,
                key: eddsa::generator(),
            },
            landmark_path: MerklePath::empty(LANDMARK_DEPTH),
            coverage_path: MerklePath::empty(COVERAGE_DEPTH),
            day: 0,
            max_rtt_ns: 0,
            rtts_digest: Fr::zero(),
            signature: Signature {
                r: EdwardsAffine::zero(),
                s: BigInteger256::zero(),
            },
        }
    }
}

/// The private witness of a delay proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayWitness {
    /// The shard's witness, as proven by its shard proof (the opening of
    /// `C_s`: records, layout, marks, blinding; its registry paths and
    /// attestations are not read here).
    pub shard: ShardWitness,
    /// The registry opening (landmark form).
    pub registry: DelayRegistry,
    /// Per facility slot, its evidence ([`SlotEvidence::none`] for a slot
    /// without ledger chips).
    pub evidence: Vec<SlotEvidence>,
}

/// The executable specification of the delay claim.
pub fn check_native(
    shape: &ShardShape,
    st: &DelayStatement,
    w: &DelayWitness,
) -> Result<(), ClaimError> {
    let s = &w.shard;
    if s.facilities.len() != shape.facilities
        || w.evidence.len() != shape.facilities
        || shape.slot_chips > crate::shard::MAX_SLOT_CHIPS
        || s.facilities
            .iter()
            .any(|f| f.chips.len() != shape.slot_chips)
        || w.evidence.iter().any(|e| {
            e.landmark_path.siblings.len() != LANDMARK_DEPTH
                || e.coverage_path.siblings.len() != COVERAGE_DEPTH
        })
    {
        return Err(ClaimError::Shape(format!(
            "witness does not have the shape {} of the circuit",
            shape.name()
        )));
    }
    if w.registry.root() != st.registry_root {
        return Err(ClaimError::RegistryRootMismatch);
    }
    for (j, (f, ev)) in s.facilities.iter().zip(&w.evidence).enumerate() {
        f.check_layout(j * shape.slot_chips)?;
        if !f.chips.iter().any(|c| c.ledger) {
            continue;
        }
        let bad = |reason: String| Err(ClaimError::Delay { slot: j, reason });
        let lm = &ev.landmark;
        if ev.landmark_path.root(lm.hash()) != w.registry.section.landmarks_root {
            return bad("the landmark is not accredited in the registry".into());
        }
        if ev.coverage_path.root(coverage_leaf(f.facility.id, lm.id))
            != w.registry.section.coverage_root
        {
            return bad("the facility does not lie within the landmark's accepted distance (no coverage entry)".into());
        }
        if ev.day != st.day {
            return bad(format!(
                "the batch is for day {}, the statement for day {}",
                ev.day, st.day
            ));
        }
        if !rtt_within(ev.max_rtt_ns, lm.max_distance_m) {
            return bad(format!(
                "a round trip of {} ns allows {:.0} km, the landmark accepts {} km",
                ev.max_rtt_ns,
                distance_bound_m(ev.max_rtt_ns) / 1000.0,
                lm.max_distance_m / 1000
            ));
        }
        let msg = batch_message(
            lm.id,
            st.day,
            ev.max_rtt_ns,
            idents_digest(&Batch::request(f)),
            ev.rtts_digest,
        );
        eddsa::verify(&lm.key, msg, &ev.signature).map_err(|e| ClaimError::BadSignature {
            place: "facility slot",
            what: "landmark batch",
            slot: j,
            reason: e.to_string(),
        })?;
    }
    s.check_shard_commitment(st.importer, st.epoch, st.shard_commitment)?;
    Ok(())
}
