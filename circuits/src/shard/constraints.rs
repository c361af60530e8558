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
use crate::domain;
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::geofence::constraints::{enforce_inside, FenceVar};
use crate::ledger::challenge_tag;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};
use ark_bn254::Fr;
use ark_ff::AdditiveGroup;
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    select::CondSelectGadget,
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

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

/// The shard circuit for one [`ShardShape`]. With `witness: None` it
/// synthesizes the constraints only (setup).
#[derive(Clone)]
pub struct ShardCircuit {
    /// Capacity.
    pub shape: ShardShape,
    /// Public statement.
    pub statement: ShardStatement,
    /// Private witness (`None` for setup).
    pub witness: Option<ShardWitness>,
}

impl ShardCircuit {
    /// The circuit used at setup: constraints only.
    pub fn for_setup(shape: ShardShape) -> Self {
        let z = Fr::from(0u64);
        Self {
            shape,
            statement: ShardStatement {
                importer: z,
                registry_root: z,
                epoch: 0,
                commitment: z,
                shard_commitment: z,
                output: z,
                ledger_digest: z,
            },
            witness: None,
        }
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
/// tests aim at (see `circuits/tests/shard.rs`).
#[derive(Clone, Default)]
pub struct ShardVars {
    /// Per facility slot: used flag.
    pub used: Vec<Boolean<Fr>>,
    /// Per facility slot: chain digest of the chunk.
    pub digests: Vec<FpVar<Fr>>,
    /// Per facility slot: the chip slots' active flags.
    pub active: Vec<Vec<Boolean<Fr>>>,
    /// Per facility slot: the chip slots' ledger marks.
    pub marks: Vec<Vec<Boolean<Fr>>>,
    /// Per facility slot: the running product after each chip slot.
    pub products: Vec<Vec<FpVar<Fr>>>,
    /// Per facility slot: the chain value after each chip slot.
    pub chain: Vec<Vec<FpVar<Fr>>>,
    /// The challenge `γ`.
    pub gamma: Option<FpVar<Fr>>,
    /// Per facility slot: the operator field of its registry leaf.
    pub operators: Vec<FpVar<Fr>>,
    /// The public inputs, in order.
    pub inputs: Vec<FpVar<Fr>>,
    /// `C_s` as computed from the witness (compared with the public input).
    pub shard_commitment: Option<FpVar<Fr>>,
    /// `D_s` as computed from the witness (compared with the public input).
    pub output: Option<FpVar<Fr>>,
}

impl ConstraintSynthesizer<Fr> for ShardCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        synthesize(self, cs).map(|_| ())
    }
}

/// Synthesizes the circuit and returns the variables tests aim at.
pub fn synthesize(
    c: ShardCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<ShardVars, SynthesisError> {
    let shape = c.shape;
    let st = c.statement;
    let w = c.witness.unwrap_or_else(|| ShardWitness::padding(&shape));
    let shape_ok = w.facilities.len() == shape.facilities
        && shape.slot_chips <= super::MAX_SLOT_CHIPS
        && w.facilities.iter().all(|f| {
            f.chips.len() == shape.slot_chips
                && f.facility_path.siblings.len() == FACILITY_DEPTH
                && f.auditor_path.siblings.len() == AUDITOR_DEPTH
        });
    if !shape_ok {
        return Err(SynthesisError::Unsatisfiable);
    }
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let one = FpVar::<Fr>::one();

    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let importer = FpVar::new_input(cs.clone(), || Ok(st.importer))?;
    let registry_root = FpVar::new_input(cs.clone(), || Ok(st.registry_root))?;
    let epoch = FpVar::new_input(cs.clone(), || Ok(Fr::from(st.epoch)))?;
    let commitment = FpVar::new_input(cs.clone(), || Ok(st.commitment))?;
    let shard_commitment = FpVar::new_input(cs.clone(), || Ok(st.shard_commitment))?;
    let output = FpVar::new_input(cs.clone(), || Ok(st.output))?;
    let ledger_digest = FpVar::new_input(cs.clone(), || Ok(st.ledger_digest))?;

    // Registry root.
    let fac_root = wit(w.facilities_root)?;
    let aud_root = wit(w.auditors_root)?;
    let params = wit(w.params_digest)?;
    hash(&[
        FpVar::constant(domain::registry()),
        fac_root.clone(),
        aud_root.clone(),
        params,
    ])?
    .enforce_equal(&registry_root)?;

    // Challenges, from values that bind the whole inventory.
    let tag = FpVar::constant(challenge_tag());
    let gamma = hash(&[
        tag.clone(),
        commitment.clone(),
        ledger_digest,
        importer.clone(),
        epoch.clone(),
    ])?;
    let beta = hash(&[tag, gamma.clone()])?;
    let gamma_minus_one = &gamma - Fr::from(1u64);

    let mut vars = ShardVars {
        gamma: Some(gamma.clone()),
        inputs: vec![
            importer.clone(),
            registry_root.clone(),
            epoch.clone(),
            commitment.clone(),
            shard_commitment.clone(),
            output.clone(),
        ],
        ..Default::default()
    };
    let mut product = FpVar::<Fr>::one();
    let mut s_acc = FpVar::<Fr>::zero();
    let mut o_acc = FpVar::<Fr>::zero();
    for f in &w.facilities {
        let u = Boolean::new_witness(cs.clone(), || Ok(f.used))?;
        let uf = FpVar::from(u.clone());

        // The facility: registry leaf, path, operator.
        let fields = f
            .facility
            .fields()
            .map(&wit)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = hash(&fields)?;
        let [id, country, tier, lat, lon, radius_m, lon_scale, operator]: [FpVar<Fr>; 8] = fields
            .try_into()
            .map_err(|_| SynthesisError::Unsatisfiable)?;
        let path = MerklePathVar::new_witness(cs.clone(), &f.facility_path)?;
        path.root(&leaf)?.conditional_enforce_equal(&fac_root, &u)?;
        (&operator - &importer).mul_equals(&uf, &FpVar::zero())?;
        vars.operators.push(operator);
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
            .conditional_enforce_equal(&aud_root, &u)?;

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
        let mut acc = FpVar::<Fr>::zero();
        let mut mask = FpVar::<Fr>::zero();
        let mut count = FpVar::<Fr>::zero();
        let mut tpp_sum = FpVar::<Fr>::zero();
        let (mut actives, mut marks, mut prods, mut chain) = (vec![], vec![], vec![], vec![]);
        let mut weight = Fr::from(1u64);
        // The flag before chip slot i: `u` for the first, `a_{i−1}` after.
        let mut before = uf.clone();
        for ch in &f.chips {
            let a = Boolean::new_witness(cs.clone(), || Ok(ch.active))?;
            let m = Boolean::new_witness(cs.clone(), || Ok(ch.ledger))?;
            let (af, mf) = (FpVar::from(a.clone()), FpVar::from(m.clone()));
            mf.mul_equals(&(&one - &af), &FpVar::zero())?;
            // Layout: active slots form a prefix of a used facility slot.
            af.mul_equals(&(&one - &before), &FpVar::zero())?;
            before = af.clone();
            let r = &ch.record;
            let ident = wit(r.ident)?;
            let lat = wit(crate::encoding::fr_from_i64(r.lat))?;
            let lon = wit(crate::encoding::fr_from_i64(r.lon))?;
            let unc = wit(Fr::from(r.uncertainty_m))?;
            let tpp = wit(Fr::from(r.tpp))?;
            let position = (&lat + Fr::from(LAT_OFFSET as u64))
                + (&lon + Fr::from(LON_OFFSET as u64)) * Fr::from(1u64 << 28)
                + &unc * Fr::from(1u64 << 57);
            let h = hash(&[acc.clone(), ident.clone(), position, tpp.clone()])?;
            // acc' = acc + a·(h − acc), with acc' a variable of its own.
            let next = FpVar::new_witness(cs.clone(), || {
                Ok(if ch.active { h.value()? } else { acc.value()? })
            })?;
            (&h - &acc).mul_equals(&af, &(&next - &acc))?;
            acc = next;
            enforce_inside(&fence, &lat, &lon, &unc)?;
            let bt = &beta * &tpp;
            let mt = &mf * (&gamma_minus_one - &ident - &bt);
            product = &product * (mt + Fr::from(1u64));
            let q = &mf * &tpp;
            mask += &mf * weight;
            weight.double_in_place();
            count += &mf;
            tpp_sum += q;
            actives.push(a);
            marks.push(m);
            prods.push(product.clone());
            chain.push(acc.clone());
        }
        let digest = acc;

        // The attestation.
        let msg = hash(&[
            FpVar::constant(super::tags::attestation()),
            id.clone(),
            epoch.clone(),
            chunk.clone(),
            chunks.clone(),
            digest.clone(),
        ])?;
        let sig = SignatureVar::new_witness(cs.clone(), &f.signature)?;
        verify(&key, &msg, &sig, &u)?;

        // Commitment and output chains.
        let s_next = hash(&[
            s_acc.clone(),
            id,
            chunk.clone(),
            chunks.clone(),
            digest.clone(),
            mask,
        ])?;
        s_acc = FpVar::conditionally_select(&u, &s_next, &s_acc)?;
        let o_next = hash(&[
            o_acc.clone(),
            country,
            index,
            chunk,
            chunks,
            tier,
            count,
            tpp_sum,
        ])?;
        o_acc = FpVar::conditionally_select(&u, &o_next, &o_acc)?;

        vars.used.push(u);
        vars.digests.push(digest);
        vars.active.push(actives);
        vars.marks.push(marks);
        vars.products.push(prods);
        vars.chain.push(chain);
    }

    let shard_blinding = wit(w.shard_blinding)?;
    let c_s = hash(&[
        FpVar::constant(super::tags::shard()),
        importer.clone(),
        epoch.clone(),
        s_acc,
        shard_blinding,
    ])?;
    c_s.enforce_equal(&shard_commitment)?;
    let output_blinding = wit(w.output_blinding)?;
    let d_s = hash(&[
        FpVar::constant(super::tags::output()),
        commitment,
        importer,
        epoch,
        o_acc,
        product,
        output_blinding,
    ])?;
    d_s.enforce_equal(&output)?;
    vars.shard_commitment = Some(c_s);
    vars.output = Some(d_s);
    Ok(vars)
}
