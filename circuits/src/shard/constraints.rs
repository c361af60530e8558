//! The shard circuit. See the [module docs](super) for the statement; this
//! file lists the constraints in the order they are built.
//!
//! Global: the registry root from its three parts; the challenges
//! `γ = Poseidon(TAG, C, ledger_digest, X, e)`, `β = Poseidon(TAG, γ)`.
//!
//! Per facility slot `j` (`u` = used): `u` boolean; the facility leaf (8
//! fields) and its Merkle path, equal to the registry's facility root when
//! used; `u·(operator − X) = 0`; the auditor leaf (key in the prime-order
//! subgroup, not the identity) and its path when used; `k`, `K` in 16 bits;
//! the attestation signature over `Poseidon(TAG, id, e, k, K, digest)` when
//! used; the shard commitment and output chains absorb the slot when used.
//!
//! Per chip slot `i` (`a` = active, `m` = ledger mark), all against the slot's
//! own fence (no selection):
//! * `a`, `m` boolean, `m·(1 − a) = 0`;
//! * the **layout**: `a_i·(1 − a_{i−1}) = 0`, with `a_{−1} = u` — the active
//!   chips of a slot are a prefix of it, and an unused slot has none (so it
//!   marks none). The chain digest then fixes which slot holds which record,
//!   and the mask, which records are marked (see `docs/statement.md`);
//! * `acc ← acc + a·(Poseidon(acc, ident, position, tpp) − acc)` with
//!   `position = (lat + 2^27) + 2^28·(lon + 2^28) + 2^57·unc` (linear);
//! * the geofence of `(lat, lon, unc)` (its range checks make the packing of
//!   `position` unique);
//! * `P ← P·(1 + m·(γ − ident − β·tpp − 1))`, `q = m·tpp`; `count += m`,
//!   `tpp += q`, `mask += 2^i·m` (linear).
//!
//! Cost: [`CHIP_COST`] per chip slot, [`FACILITY_COST`] per facility slot,
//! [`FIXED_COST`] once (pinned by `circuits/tests/shard.rs`).
use super::{ShardShape, ShardStatement, ShardWitness, CHUNK_BITS, LAT_OFFSET, LON_OFFSET};
use crate::claim::{enforce_registry_root, new_inputs, open_facility};
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::geofence::constraints::{enforce_inside, FenceVar};
use crate::ledger::challenge_tag;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Constraints per chip slot: booleans and mark 3, layout (prefix) 1, chain
/// step 297 + select 1, geofence 186, product and sums 4.
pub const CHIP_COST: usize = 492;
/// Constraints per facility slot (besides its chip slots): facility leaf 402
/// and path 2,430, operator 1, auditor key, leaf 261 and path 972, chunk range
/// checks 34, attestation message 354, signature, commitment and output
/// chains 354 + 402 + 2 selects, used flag 1.
pub const FACILITY_COST: usize = 11_142;
/// Constraints once per circuit: registry root 297, challenges 297 + 240,
/// `C_s` 297, `D_s` 381, public-input equalities.
pub const FIXED_COST: usize = 1_541;

/// Constraints of the shard circuit of `shape` (checked against real counts
/// by `circuits/tests/statement.rs`).
pub fn cost(shape: &ShardShape) -> usize {
    FIXED_COST + shape.facilities * (FACILITY_COST + shape.slot_chips * CHIP_COST)
}

claim_circuit! {
    /// The shard circuit for one [`ShardShape`]. With `witness: None` it
    /// synthesizes the constraints only (setup).
    ShardCircuit {
        /// Capacity.
        shape: ShardShape,
        statement: ShardStatement,
        witness: ShardWitness,
        setup: Default::default(),
        padding: |shape| ShardWitness::padding(&shape),
        fits: fits,
    }
}

impl ShardWitness {
    /// An all-padding witness of the given shape (the setup witness).
    pub fn padding(shape: &ShardShape) -> Self {
        let z = Fr::from(0u64);
        Self {
            facilities: vec![super::FacilitySlot::padding(shape.slot_chips); shape.facilities],
            facilities_root: z,
            auditors_root: z,
            params_digest: z,
            shard_blinding: z,
            output_blinding: z,
        }
    }
}

/// The variables of a synthesized shard circuit that hostile-assignment
/// tests aim at (see `circuits/tests/all/statement_hostile.rs`).
#[derive(Clone, Default)]
pub struct ShardVars {
    /// The public inputs, in order.
    pub inputs: Vec<FpVar<Fr>>,
    /// The challenge `γ`.
    pub gamma: Option<FpVar<Fr>>,
    /// Per facility slot, its variables.
    pub slots: Vec<SlotVars>,
    /// `C_s` as computed from the witness (compared with the public input).
    pub shard_commitment: Option<FpVar<Fr>>,
    /// `D_s` as computed from the witness (compared with the public input).
    pub output: Option<FpVar<Fr>>,
}

/// A chip slot's record as the attestation chain absorbs it.
pub struct ChipRecordVar {
    /// The chip identity.
    pub ident: FpVar<Fr>,
    /// The packed position (see [`super::pack_position`]).
    pub position: FpVar<Fr>,
    /// The chip's TPP.
    pub tpp: FpVar<Fr>,
}

/// One chip slot as [`ChunkChainVar::chip`] leaves it.
pub struct ChipStepVar<E> {
    /// `a` (active), as a field element.
    pub active: FpVar<Fr>,
    /// `m` (ledger mark), as a field element.
    pub mark: FpVar<Fr>,
    /// The record the chain absorbed (when active).
    pub record: ChipRecordVar,
    /// What the caller's record allocation returned besides the record.
    pub extra: E,
}

/// The chain over one facility slot's chip slots: the part of the opening of
/// `C_s` that the shard circuit proves and the delay circuit re-proves from
/// the same private witness, built here once for both.
///
/// Per chip slot ([`Self::chip`]): `a`, `m` boolean, `m·(1 − a) = 0`, the
/// **layout** `a_i·(1 − a_{i−1}) = 0` with `a_{−1} = u`, and
/// `acc ← acc + a·(Poseidon(acc, ident, position, tpp) − acc)` with `acc'` a
/// variable of its own; `mask += 2^i·m` and `count += m` are linear.
/// [`CHAIN_CHIP_COST`] constraints per chip slot, besides what the caller's
/// record allocation adds. Assumes `u` is an enforced boolean.
#[derive(Clone)]
pub struct ChunkChainVar {
    /// The flag before the next chip slot: `u`, then the last `a`.
    before: FpVar<Fr>,
    /// `2^i` for the next chip slot `i`.
    weight: Fr,
    /// The chain value (after the last chip slot: the chunk digest).
    pub acc: FpVar<Fr>,
    /// `Σ 2^i·m_i`.
    pub mask: FpVar<Fr>,
    /// `Σ m_i`.
    pub count: FpVar<Fr>,
    /// The chip slots' active flags.
    pub active: Vec<Boolean<Fr>>,
    /// The chip slots' ledger marks.
    pub marks: Vec<Boolean<Fr>>,
    /// The chain value after each chip slot.
    pub chain: Vec<FpVar<Fr>>,
}

/// Constraints of one [`ChunkChainVar::chip`] step: booleans and mark 3,
/// layout 1, Poseidon(4) 297, the chain select 1.
pub const CHAIN_CHIP_COST: usize = 302;

impl ChunkChainVar {
    /// The chain of a facility slot whose used flag is `used`, before its
    /// first chip slot.
    pub fn new(used: &Boolean<Fr>) -> Self {
        Self {
            before: FpVar::from(used.clone()),
            weight: Fr::from(1u64),
            acc: FpVar::zero(),
            mask: FpVar::zero(),
            count: FpVar::zero(),
            active: vec![],
            marks: vec![],
            chain: vec![],
        }
    }

    /// Chip slot `ch`: allocates its flags, then its record with `record`
    /// (the caller's allocation, which may return more variables), and
    /// enforces the flags, the layout and the chain step.
    pub fn chip<E>(
        &mut self,
        cs: &ConstraintSystemRef<Fr>,
        ch: &super::ChipSlot,
        record: impl FnOnce(&super::ChipRecord) -> Result<(ChipRecordVar, E), SynthesisError>,
    ) -> Result<ChipStepVar<E>, SynthesisError> {
        let one = FpVar::<Fr>::one();
        let a = Boolean::new_witness(cs.clone(), || Ok(ch.active))?;
        let m = Boolean::new_witness(cs.clone(), || Ok(ch.ledger))?;
        let (af, mf) = (FpVar::from(a.clone()), FpVar::from(m.clone()));
        mf.mul_equals(&(&one - &af), &FpVar::zero())?;
        // Layout: active slots form a prefix of a used facility slot.
        af.mul_equals(&(&one - &self.before), &FpVar::zero())?;
        self.before = af.clone();
        let (rec, extra) = record(&ch.record)?;
        let acc = &self.acc;
        let h = hash(&[
            acc.clone(),
            rec.ident.clone(),
            rec.position.clone(),
            rec.tpp.clone(),
        ])?;
        // acc' = acc + a·(h − acc), with acc' a variable of its own.
        let next = FpVar::new_witness(cs.clone(), || {
            Ok(if ch.active { h.value()? } else { acc.value()? })
        })?;
        (&h - acc).mul_equals(&af, &(&next - acc))?;
        self.acc = next;
        self.mask += &mf * self.weight;
        self.weight.double_in_place();
        self.count += &mf;
        self.active.push(a);
        self.marks.push(m);
        self.chain.push(self.acc.clone());
        Ok(ChipStepVar {
            active: af,
            mark: mf,
            record: rec,
            extra,
        })
    }

    /// The commitment chain's step over this facility slot (after its chip
    /// slots): `Poseidon(s, id, k, K, digest, mask)` when `used`, `s`
    /// otherwise. 354 constraints and the select.
    pub fn commit(
        &self,
        used: &Boolean<Fr>,
        s: &FpVar<Fr>,
        id: FpVar<Fr>,
        chunk: FpVar<Fr>,
        chunks: FpVar<Fr>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let next = hash(&[
            s.clone(),
            id,
            chunk,
            chunks,
            self.acc.clone(),
            self.mask.clone(),
        ])?;
        FpVar::conditionally_select(used, &next, s)
    }
}

/// `C_s = Poseidon(TAG, X, e, s, r)` from the commitment chain `s` and the
/// blinding `r` (allocated here as a witness), as the shard and delay circuits
/// both compute it; the caller compares it with its public input. 297
/// constraints.
pub fn shard_commitment_var(
    cs: &ConstraintSystemRef<Fr>,
    importer: &FpVar<Fr>,
    epoch: &FpVar<Fr>,
    chain: &FpVar<Fr>,
    blinding: Fr,
) -> Result<FpVar<Fr>, SynthesisError> {
    let blinding = FpVar::new_witness(cs.clone(), || Ok(blinding))?;
    hash(&[
        FpVar::constant(super::tags::shard()),
        importer.clone(),
        epoch.clone(),
        chain.clone(),
        blinding,
    ])
}

/// What every facility slot reads from the circuit around it: the statement's
/// importer and epoch, the registry's two tree roots, the challenges, and the
/// running product and chains of the slots before it (constants before the
/// first slot).
#[derive(Clone)]
pub struct SlotInputs {
    /// `X`.
    pub importer: FpVar<Fr>,
    /// `e`.
    pub epoch: FpVar<Fr>,
    /// Root of the registry's facility tree.
    pub facilities_root: FpVar<Fr>,
    /// Root of the registry's auditor tree.
    pub auditors_root: FpVar<Fr>,
    /// `γ`.
    pub gamma: FpVar<Fr>,
    /// `β`.
    pub beta: FpVar<Fr>,
    /// The running product.
    pub product: FpVar<Fr>,
    /// The shard commitment chain.
    pub commitment_chain: FpVar<Fr>,
    /// The output chain.
    pub output_chain: FpVar<Fr>,
}

/// What the prefix of the circuit (public inputs, registry root,
/// challenges) allocates, in order.
pub struct Prefix {
    /// The public inputs, in [`super::PUBLIC_INPUT_NAMES`] order.
    pub inputs: Vec<FpVar<Fr>>,
    /// The inputs of the first facility slot.
    pub slot: SlotInputs,
}

/// The prefix: public inputs, registry root, challenges. The first facility
/// slot's carries are constants (product 1, chains 0).
pub fn prefix(
    cs: &ConstraintSystemRef<Fr>,
    st: &ShardStatement,
    w: &ShardWitness,
) -> Result<Prefix, SynthesisError> {
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let [importer, registry_root, epoch, commitment, shard_commitment, output, ledger_digest] =
        new_inputs(cs, st.public_inputs())?;

    // Registry root.
    let fac_root = wit(w.facilities_root)?;
    let aud_root = wit(w.auditors_root)?;
    enforce_registry_root(&fac_root, &aud_root, wit(w.params_digest)?, &registry_root)?;

    // Challenges, from values that bind the whole inventory.
    let tag = FpVar::constant(challenge_tag());
    let gamma = hash(&[
        tag.clone(),
        commitment.clone(),
        ledger_digest.clone(),
        importer.clone(),
        epoch.clone(),
    ])?;
    let beta = hash(&[tag, gamma.clone()])?;
    Ok(Prefix {
        inputs: vec![
            importer.clone(),
            registry_root,
            epoch.clone(),
            commitment,
            shard_commitment,
            output,
            ledger_digest,
        ],
        slot: SlotInputs {
            importer,
            epoch,
            facilities_root: fac_root,
            auditors_root: aud_root,
            gamma,
            beta,
            product: FpVar::one(),
            commitment_chain: FpVar::zero(),
            output_chain: FpVar::zero(),
        },
    })
}

/// The variables of one facility slot that hostile-assignment tests aim at,
/// and its carries.
#[derive(Clone)]
pub struct SlotVars {
    /// Used flag.
    pub used: Boolean<Fr>,
    /// Its chip slots: flags, chain values, the chunk digest (`chips.acc`).
    pub chips: ChunkChainVar,
    /// The running product after each chip slot.
    pub products: Vec<FpVar<Fr>>,
    /// The operator field of the slot's registry leaf.
    pub operator: FpVar<Fr>,
    /// The running product after the slot.
    pub product: FpVar<Fr>,
    /// The commitment chain after the slot.
    pub commitment_chain: FpVar<Fr>,
    /// The output chain after the slot.
    pub output_chain: FpVar<Fr>,
}

/// One facility slot: every constraint of the slot and its chip slots (see
/// the module docs), reading only `inp`.
pub fn facility_slot(
    cs: &ConstraintSystemRef<Fr>,
    inp: &SlotInputs,
    f: &super::FacilitySlot,
) -> Result<SlotVars, SynthesisError> {
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let importer = &inp.importer;
    let gamma_minus_one = &inp.gamma - Fr::from(1u64);
    let beta = &inp.beta;
    let mut product = inp.product.clone();
    let u = Boolean::new_witness(cs.clone(), || Ok(f.used))?;
    let uf = FpVar::from(u.clone());

    // The facility: registry leaf, path, operator.
    let ([id, country, tier, lat, lon, radius_m, lon_scale, operator], path) =
        open_facility(cs, &f.facility, &f.facility_path, &inp.facilities_root, &u)?;
    (&operator - importer).mul_equals(&uf, &FpVar::zero())?;
    let op_var = operator;
    let index = path
        .index_bits
        .iter()
        .enumerate()
        .fold(FpVar::zero(), |acc, (i, b)| {
            acc + FpVar::from(b.clone()) * Fr::from(1u64 << i)
        });

    // The auditor.
    let aud_id = wit(f.auditor.id)?;
    let key = alloc_subgroup_point(cs.clone(), f.auditor.key)?;
    let aud_leaf = hash(&[aud_id, key.x.clone(), key.y.clone()])?;
    MerklePathVar::new_witness(cs.clone(), &f.auditor_path)?
        .root(&aud_leaf)?
        .conditional_enforce_equal(&inp.auditors_root, &u)?;

    // The chunk.
    let chunk = wit(Fr::from(f.chunk))?;
    let chunks = wit(Fr::from(f.chunks))?;
    enforce_bits(&chunk, CHUNK_BITS)?;
    enforce_bits(&chunks, CHUNK_BITS)?;

    // The chips, against this slot's own fence.
    let fence = FenceVar {
        lat,
        lon,
        radius_m,
        lon_scale,
    };
    let mut tpp_sum = FpVar::<Fr>::zero();
    let mut prods = vec![];
    let mut chips = ChunkChainVar::new(&u);
    for ch in &f.chips {
        let step = chips.chip(cs, ch, |r| {
            let ident = wit(r.ident)?;
            let lat = wit(crate::encoding::fr_from_i64(r.lat))?;
            let lon = wit(crate::encoding::fr_from_i64(r.lon))?;
            let unc = wit(Fr::from(r.uncertainty_m))?;
            let tpp = wit(Fr::from(r.tpp))?;
            let position = (&lat + Fr::from(LAT_OFFSET as u64))
                + (&lon + Fr::from(LON_OFFSET as u64)) * Fr::from(1u64 << 28)
                + &unc * Fr::from(1u64 << 57);
            Ok((
                ChipRecordVar {
                    ident,
                    position,
                    tpp,
                },
                [lat, lon, unc],
            ))
        })?;
        let [lat, lon, unc] = &step.extra;
        enforce_inside(&fence, lat, lon, unc)?;
        let (mf, rec) = (&step.mark, &step.record);
        let bt = beta * &rec.tpp;
        let mt = mf * (&gamma_minus_one - &rec.ident - &bt);
        product = &product * (mt + Fr::from(1u64));
        tpp_sum += mf * &rec.tpp;
        prods.push(product.clone());
    }

    // The attestation.
    let msg = hash(&[
        FpVar::constant(super::tags::attestation()),
        id.clone(),
        inp.epoch.clone(),
        chunk.clone(),
        chunks.clone(),
        chips.acc.clone(),
    ])?;
    let sig = SignatureVar::new_witness(cs.clone(), &f.signature)?;
    verify(&key, &msg, &sig, &u)?;

    // Commitment and output chains.
    let commitment_chain =
        chips.commit(&u, &inp.commitment_chain, id, chunk.clone(), chunks.clone())?;
    let o_acc = &inp.output_chain;
    let o_next = hash(&[
        o_acc.clone(),
        country,
        index,
        chunk,
        chunks,
        tier,
        chips.count.clone(),
        tpp_sum,
    ])?;
    let output_chain = FpVar::conditionally_select(&u, &o_next, o_acc)?;

    Ok(SlotVars {
        used: u,
        chips,
        products: prods,
        operator: op_var,
        product,
        commitment_chain,
        output_chain,
    })
}

/// The suffix: `C_s` and `D_s` from the last slot's chains and product,
/// compared with the public inputs. Returns them.
#[allow(clippy::too_many_arguments)]
pub fn suffix(
    cs: &ConstraintSystemRef<Fr>,
    inputs: &[FpVar<Fr>],
    last: (&FpVar<Fr>, &FpVar<Fr>, &FpVar<Fr>),
    w: &ShardWitness,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let [importer, _root, epoch, commitment, shard_commitment, output, _ledger] = inputs else {
        return Err(SynthesisError::Unsatisfiable);
    };
    let (s_acc, product, o_acc) = last;
    let c_s = shard_commitment_var(cs, importer, epoch, s_acc, w.shard_blinding)?;
    c_s.enforce_equal(shard_commitment)?;
    let output_blinding = wit(w.output_blinding)?;
    let d_s = hash(&[
        FpVar::constant(super::tags::output()),
        commitment.clone(),
        importer.clone(),
        epoch.clone(),
        o_acc.clone(),
        product.clone(),
        output_blinding,
    ])?;
    d_s.enforce_equal(output)?;
    Ok((c_s, d_s))
}

/// Whether `w` has the circuit's shape (synthesis refuses it otherwise).
pub fn fits(shape: &ShardShape, w: &ShardWitness) -> bool {
    w.facilities.len() == shape.facilities
        && shape.facilities >= 1
        && shape.slot_chips <= super::MAX_SLOT_CHIPS
        && w.facilities.iter().all(|f| {
            f.chips.len() == shape.slot_chips
                && f.facility_path.siblings.len() == FACILITY_DEPTH
                && f.auditor_path.siblings.len() == AUDITOR_DEPTH
        })
}

/// Synthesizes the circuit and returns the variables tests aim at: the
/// [`prefix`], every [`facility_slot`] in order, the [`suffix`].
pub fn synthesize(
    c: ShardCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<ShardVars, SynthesisError> {
    let (_, st, w) = c.into_parts()?;
    let pre = prefix(&cs, &st, &w)?;
    let mut vars = ShardVars {
        gamma: Some(pre.slot.gamma.clone()),
        inputs: pre.inputs[..6].to_vec(),
        ..Default::default()
    };
    let mut inp = pre.slot;
    for f in &w.facilities {
        let v = facility_slot(&cs, &inp, f)?;
        inp.product = v.product.clone();
        inp.commitment_chain = v.commitment_chain.clone();
        inp.output_chain = v.output_chain.clone();
        vars.slots.push(v);
    }
    let (c_s, d_s) = suffix(
        &cs,
        &pre.inputs,
        (&inp.commitment_chain, &inp.product, &inp.output_chain),
        &w,
    )?;
    vars.shard_commitment = Some(c_s);
    vars.output = Some(d_s);
    Ok(vars)
}
