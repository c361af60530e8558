//! The delay circuit. See the [module docs](super) for the statement; this
//! file lists the constraints in the order they are built.
//!
//! Global: the registry root from its parts, in its landmark form
//! (`countries_root = Poseidon(LANDMARKS_TAG, tiers, importers, landmarks,
//! coverage, vendors)`; the parameter digest in its four- or five-input form,
//! chosen by a boolean); at the end `C_s` from the slots' chain, equal to the
//! public input.
//!
//! Per facility slot `j` (`u` = used, `h` = holds a ledger chip):
//! * `u` boolean; per chip slot `a`, `m` boolean, `m·(1 − a) = 0`, the
//!   **layout** `a_i·(1 − a_{i−1}) = 0` with `a_{−1} = u`; the attestation
//!   chain step `acc ← acc + a·(Poseidon(acc, ident, position, tpp) − acc)`;
//!   the entry `e = m·ident`; `mask += 2^i·m`, `count += m` (linear);
//! * the commitment chain absorbs `(id, k, K, acc, mask)` when `u` — the same
//!   chain as the shard circuit's, so `C_s` fixes every record, slot and mark;
//! * `h`: `count·inv = h`, `count·(1 − h) = 0` (so `h = [count ≠ 0]`);
//! * the batch digest over the entries in blocks of ten;
//! * the landmark leaf (key in the prime-order subgroup) and its path, equal
//!   to the landmark root when `h`; the coverage leaf `(id, landmark id)` and
//!   its path, equal to the coverage root when `h`;
//! * `max_rtt` in 32 bits; `2·10^9·max_distance − c·max_rtt` in 64 bits;
//! * the landmark's signature of `Poseidon(TAG_BATCH, landmark id, d,
//!   max_rtt, digest, rtts)` when `h`.
//!
//! Cost: [`CHIP_COST`] per chip slot plus [`BLOCK_COST`] per block of ten,
//! [`FACILITY_COST`] per facility slot, [`FIXED_COST`] once (pinned by
//! `circuits/tests/all/delay.rs`).
use super::{DelayStatement, DelayWitness, BATCH_BLOCK, RTT_BITS, SLACK_BITS};
use crate::claim::{enforce_registry_root, new_inputs};
use crate::domain;
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::shard::constraints::{shard_commitment_var, ChipRecordVar, ChunkChainVar};
use crate::shard::{ShardShape, ShardWitness, MAX_SLOT_CHIPS};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Constraints per chip slot: the booleans, the mark and the layout, the
/// attestation chain step and its select, the entry.
pub const CHIP_COST: usize = 306;
/// Constraints per block of [`BATCH_BLOCK`] entries of the batch digest
/// (one Poseidon of eleven inputs).
pub const BLOCK_COST: usize = 435;
/// Constraints per facility slot besides its chips and blocks: the used flag,
/// the commitment chain and its select, `h`, the landmark leaf, key and path
/// (depth 6), the coverage leaf and path (depth 12), the two range checks,
/// the message, the signature.
pub const FACILITY_COST: usize = 11_732;
/// Constraints once: the registry root (the country tables, both parameter
/// digests and their select, the root) and `C_s`.
pub const FIXED_COST: usize = 1_582;

/// The budget of the delay evidence, constraints per chip slot (counted as
/// the shard's [`crate::shard::constraints::CHIP_COST`] is: what one more
/// chip slot costs, its share of the batch blocks included).
pub const CHIP_BUDGET: f64 = 400.0;

/// What one more chip slot costs: [`CHIP_COST`] and a tenth of a block.
pub fn marginal_cost_per_chip() -> f64 {
    CHIP_COST as f64 + BLOCK_COST as f64 / BATCH_BLOCK as f64
}

/// Constraints of the delay circuit of `shape`.
pub fn cost(shape: &ShardShape) -> usize {
    let blocks = shape.slot_chips.div_ceil(BATCH_BLOCK);
    FIXED_COST
        + shape.facilities * (FACILITY_COST + shape.slot_chips * CHIP_COST + blocks * BLOCK_COST)
}

/// Constraints per chip slot, all included: the chip's own, its share of its
/// slot's blocks and of its facility slot (not of the fixed part).
pub fn cost_per_chip(shape: &ShardShape) -> f64 {
    (cost(shape) - FIXED_COST) as f64 / shape.chips() as f64
}

claim_circuit! {
    /// The delay circuit for one [`ShardShape`] (the shape of the shard it
    /// re-opens). With `witness: None` it synthesizes the constraints only.
    DelayCircuit {
        /// Capacity.
        shape: ShardShape,
        statement: DelayStatement,
        witness: DelayWitness,
        setup: Default::default(),
        padding: |shape| DelayWitness::padding(&shape),
        fits: fits,
    }
}

impl DelayWitness {
    /// An all-padding witness of `shape` (the setup witness).
    pub fn padding(shape: &ShardShape) -> Self {
        let z = Fr::ZERO;
        Self {
            shard: ShardWitness::padding(shape),
            registry: super::DelayRegistry {
                facilities_root: z,
                auditors_root: z,
                policy_version: 0,
                models_root: z,
                default_tier: 0,
                lifecycle_root: None,
                section: crate::registry::LandmarkSection {
                    tiers_root: z,
                    importers_root: z,
                    landmarks_root: z,
                    coverage_root: z,
                    vendors_digest: z,
                },
            },
            evidence: vec![super::SlotEvidence::none(); shape.facilities],
        }
    }
}

/// Whether `w` has the circuit's shape (synthesis refuses it otherwise).
pub fn fits(shape: &ShardShape, w: &DelayWitness) -> bool {
    use crate::registry::{COVERAGE_DEPTH, LANDMARK_DEPTH};
    shape.facilities >= 1
        && shape.slot_chips <= MAX_SLOT_CHIPS
        && w.shard.facilities.len() == shape.facilities
        && w.evidence.len() == shape.facilities
        && w.shard
            .facilities
            .iter()
            .all(|f| f.chips.len() == shape.slot_chips)
        && w.evidence.iter().all(|e| {
            e.landmark_path.siblings.len() == LANDMARK_DEPTH
                && e.coverage_path.siblings.len() == COVERAGE_DEPTH
        })
}

/// The variables of a synthesized delay circuit that hostile-assignment tests
/// aim at.
#[derive(Clone, Default)]
pub struct DelayVars {
    /// The public inputs, in order.
    pub inputs: Vec<FpVar<Fr>>,
    /// Per facility slot, its variables.
    pub slots: Vec<DelaySlotVars>,
    /// The registry's landmark root (a witness opened from the root).
    pub landmarks_root: Option<FpVar<Fr>>,
    /// The registry's coverage root (a witness opened from the root).
    pub coverage_root: Option<FpVar<Fr>>,
    /// `C_s` as computed from the witness.
    pub shard_commitment: Option<FpVar<Fr>>,
}

/// The variables of one facility slot of the delay circuit.
#[derive(Clone)]
pub struct DelaySlotVars {
    /// `h` (holds a ledger chip).
    pub holds: Boolean<Fr>,
    /// Its chip slots, as the shard circuit chains them.
    pub chips: ChunkChainVar,
    /// The batch entries.
    pub entries: Vec<FpVar<Fr>>,
    /// The largest round trip.
    pub max_rtt: FpVar<Fr>,
    /// The landmark's accepted distance.
    pub max_distance: FpVar<Fr>,
    /// The inverse hint of the ledger-chip count.
    pub inverse: FpVar<Fr>,
}

/// Synthesizes the circuit and returns the variables tests aim at.
pub fn synthesize(
    c: DelayCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<DelayVars, SynthesisError> {
    let (_, st, w) = c.into_parts()?;
    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let [importer, root, epoch, shard_commitment, day] = new_inputs(&cs, st.public_inputs())?;
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let one = FpVar::<Fr>::one();

    // The registry root, landmark form.
    let r = &w.registry;
    let sec = &r.section;
    let landmarks_root = wit(sec.landmarks_root)?;
    let coverage_root = wit(sec.coverage_root)?;
    let countries = hash(&[
        FpVar::constant(domain::landmarks()),
        wit(sec.tiers_root)?,
        wit(sec.importers_root)?,
        landmarks_root.clone(),
        coverage_root.clone(),
        wit(sec.vendors_digest)?,
    ])?;
    let head = [
        wit(Fr::from(r.policy_version))?,
        wit(r.models_root)?,
        countries,
        wit(Fr::from(r.default_tier))?,
    ];
    let has_lifecycle = Boolean::new_witness(cs.clone(), || Ok(r.lifecycle_root.is_some()))?;
    let lifecycle = wit(r.lifecycle_root.unwrap_or(Fr::ZERO))?;
    let p4 = hash(&head)?;
    let mut head5 = head.to_vec();
    head5.push(lifecycle);
    let p5 = hash(&head5)?;
    let params = FpVar::conditionally_select(&has_lifecycle, &p5, &p4)?;
    let (fac_root, aud_root) = (wit(r.facilities_root)?, wit(r.auditors_root)?);
    enforce_registry_root(&fac_root, &aud_root, params, &root)?;

    let mut vars = DelayVars {
        inputs: vec![
            importer.clone(),
            root,
            epoch.clone(),
            shard_commitment.clone(),
            day.clone(),
        ],
        landmarks_root: Some(landmarks_root.clone()),
        coverage_root: Some(coverage_root.clone()),
        ..Default::default()
    };
    let c_light = Fr::from(super::SPEED_OF_LIGHT_M_PER_S);
    let two_e9 = Fr::from(2_000_000_000u64);
    let mut s_acc = FpVar::<Fr>::zero();
    for (f, ev) in w.shard.facilities.iter().zip(&w.evidence) {
        let u = Boolean::new_witness(cs.clone(), || Ok(f.used))?;
        let id = wit(f.facility.id)?;
        let chunk = wit(Fr::from(f.chunk))?;
        let chunks = wit(Fr::from(f.chunks))?;

        // The chips: the shard's chain and layout, and the batch entries.
        let mut chips = ChunkChainVar::new(&u);
        let mut entries = vec![];
        for ch in &f.chips {
            let step = chips.chip(&cs, ch, |r| {
                let rec = ChipRecordVar {
                    ident: wit(r.ident)?,
                    position: wit(r.position())?,
                    tpp: wit(Fr::from(r.tpp))?,
                };
                Ok((rec, ()))
            })?;
            let e = FpVar::new_witness(cs.clone(), || {
                Ok(if ch.ledger { ch.record.ident } else { Fr::ZERO })
            })?;
            step.mark.mul_equals(&step.record.ident, &e)?;
            entries.push(e);
        }
        s_acc = chips.commit(&u, &s_acc, id.clone(), chunk, chunks)?;
        let count = chips.count.clone();

        // h = [count ≠ 0].
        let count_val = count.value().unwrap_or(Fr::ZERO);
        let holds = Boolean::new_witness(cs.clone(), || Ok(!count_val.is_zero()))?;
        let hf = FpVar::from(holds.clone());
        let inv = wit(count_val.inverse().unwrap_or(Fr::ZERO))?;
        count.mul_equals(&inv, &hf)?;
        count.mul_equals(&(&one - &hf), &FpVar::zero())?;

        // The batch digest, blocks of ten.
        let mut digest = FpVar::<Fr>::zero();
        for block in entries.chunks(BATCH_BLOCK) {
            let mut input = vec![digest];
            input.extend_from_slice(block);
            input.resize(BATCH_BLOCK + 1, FpVar::zero());
            digest = hash(&input)?;
        }

        // The landmark and the coverage.
        let lm = &ev.landmark;
        let lid = wit(lm.id)?;
        let max_distance = wit(Fr::from(lm.max_distance_m))?;
        let key = alloc_subgroup_point(cs.clone(), lm.key)?;
        let leaf = hash(&[
            lid.clone(),
            wit(Fr::from(lm.country))?,
            wit(crate::encoding::fr_from_i64(lm.lat))?,
            wit(crate::encoding::fr_from_i64(lm.lon))?,
            max_distance.clone(),
            key.x.clone(),
            key.y.clone(),
        ])?;
        MerklePathVar::new_witness(cs.clone(), &ev.landmark_path)?
            .root(&leaf)?
            .conditional_enforce_equal(&landmarks_root, &holds)?;
        let pair = hash(&[id, lid.clone()])?;
        MerklePathVar::new_witness(cs.clone(), &ev.coverage_path)?
            .root(&pair)?
            .conditional_enforce_equal(&coverage_root, &holds)?;

        // The physics: c·max_rtt ≤ 2·10^9·max_distance.
        let max_rtt = wit(Fr::from(ev.max_rtt_ns))?;
        enforce_bits(&max_rtt, RTT_BITS)?;
        enforce_bits(&(&max_distance * two_e9 - &max_rtt * c_light), SLACK_BITS)?;

        // The landmark's signature of the batch.
        let msg = hash(&[
            FpVar::constant(super::tags::batch()),
            lid,
            day.clone(),
            max_rtt.clone(),
            digest,
            wit(ev.rtts_digest)?,
        ])?;
        let sig = SignatureVar::new_witness(cs.clone(), &ev.signature)?;
        verify(&key, &msg, &sig, &holds)?;

        vars.slots.push(DelaySlotVars {
            holds,
            chips,
            entries,
            max_rtt,
            max_distance,
            inverse: inv,
        });
    }

    // C_s, as the shard circuit computes it.
    let c_s = shard_commitment_var(&cs, &importer, &epoch, &s_acc, w.shard.shard_blinding)?;
    c_s.enforce_equal(&shard_commitment)?;
    vars.shard_commitment = Some(c_s);
    Ok(vars)
}
