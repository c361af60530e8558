//! The deployment-jurisdiction circuit. See the [module docs](super) for the
//! statement; this file lists the constraints in the order they are built.
//!
//! Global: the registry root from its three parts; the auditor's key (prime
//! order, not the identity), leaf and path equal to the auditor root;
//! `count · count⁻¹ = 1` (at least one store: `count ≤ S < p` cannot wrap);
//! the attested deployment and epoch (witness fields) equal to `D` and `e`;
//! the attestation message `Poseidon(TAG, X, D, MC, e, count, acc)` and its
//! signature; `nonce²` binds the nonce.
//!
//! Per store slot (`u` = used): `u` and `encrypted` boolean; the facility
//! leaf (8 fields) and its path, equal to the facility root when used;
//! `u·(facility_id − leaf id) = 0` (the attested record names the slot's
//! facility); `u·(operator − X) = 0`; `u·(max_tier − tier)` in 8 bits;
//! `u·(1 − encrypted) = 0`; the chain
//! `acc ← u ? Poseidon(acc, store_id, facility_id, encrypted, key_fp) : acc`;
//! `count += u`. Every check of a slot is conditional on `u`: what an unused
//! slot holds is never read, as in the native check (the re-layout search,
//! `circuits/tests/relayout.rs`, fills unused slots with every registry
//! facility).
//!
//! Cost: [`STORE_COST`] per store slot, [`FIXED_COST`] once (pinned by
//! `circuits/tests/jurisdiction.rs`).
use super::{tags, JurisdictionStatement, JurisdictionWitness, StoreSlot, MAX_STORES, TIER_BITS};
use crate::claim::{enforce_registry_root, new_inputs, open_facility};
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};
use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Constraints per store slot: flags 2, facility leaf Poseidon(8) 402, path
/// 2,430 and its conditional root equality 1, the record's facility id 1,
/// operator 1, `u·(max_tier − tier)` 1 and its range check 9, encryption 1,
/// chain Poseidon(5) 321 and its selection 1 (pinned by the test).
pub const STORE_COST: usize = 3_170;
/// Constraints once per circuit: registry root, auditor key, leaf and path
/// (about 1,530), `count · count⁻¹ = 1` (1), the attested deployment and
/// epoch (2), attestation message Poseidon(7), the signature (5,933) and
/// `nonce²` (pinned by the test).
pub const FIXED_COST: usize = 7_841;

/// Constraints of the jurisdiction circuit of `capacity` store slots.
pub fn cost(capacity: usize) -> usize {
    FIXED_COST + capacity * STORE_COST
}

claim_circuit! {
    /// The jurisdiction circuit for `capacity` store slots. With `witness: None`
    /// it synthesizes the constraints only (setup).
    JurisdictionCircuit {
        /// Store slots.
        capacity: usize,
        statement: JurisdictionStatement,
        witness: JurisdictionWitness,
        setup: Default::default(),
        padding: |capacity| JurisdictionWitness::padding(capacity),
        fits: fits,
    }
}

impl JurisdictionWitness {
    /// An all-padding witness (the setup witness).
    pub fn padding(capacity: usize) -> Self {
        let z = Fr::from(0u64);
        let key = crate::eddsa::generator();
        Self {
            stores: vec![StoreSlot::padding(); capacity],
            auditor: crate::registry::AuditorLeaf { id: z, key },
            auditor_path: crate::merkle::MerklePath::empty(AUDITOR_DEPTH),
            attested_deployment: z,
            attested_epoch: 0,
            signature: crate::eddsa::Signature {
                r: key,
                s: Default::default(),
            },
            facilities_root: z,
            auditors_root: z,
            params_digest: z,
        }
    }
}

/// Whether `w` has the circuit's shape (synthesis refuses it otherwise).
pub fn fits(capacity: &usize, w: &JurisdictionWitness) -> bool {
    (1..=MAX_STORES).contains(capacity)
        && w.stores.len() == *capacity
        && w.auditor_path.siblings.len() == AUDITOR_DEPTH
        && w.stores
            .iter()
            .all(|s| s.facility_path.siblings.len() == FACILITY_DEPTH)
}

/// The variables of a synthesized jurisdiction circuit that hostile tests
/// aim at.
#[derive(Clone, Default)]
pub struct JurisdictionVars {
    /// The public inputs, in order.
    pub inputs: Vec<FpVar<Fr>>,
    /// Per slot: used flag.
    pub used: Vec<Boolean<Fr>>,
    /// Per slot: encrypted flag.
    pub encrypted: Vec<Boolean<Fr>>,
    /// Per slot: the facility id the attested record names.
    pub facility_ids: Vec<FpVar<Fr>>,
    /// Per slot: the facility's operator field.
    pub operators: Vec<FpVar<Fr>>,
    /// Per slot: the facility's tier field.
    pub tiers: Vec<FpVar<Fr>>,
    /// Per slot: the bits of `u·(max_tier − tier)`.
    pub tier_bits: Vec<Vec<Boolean<Fr>>>,
    /// Per slot: the chain after the slot.
    pub chain: Vec<FpVar<Fr>>,
    /// The witnessed inverse of the store count.
    pub count_inverse: Option<FpVar<Fr>>,
    /// The deployment and the epoch the attestation names (witnessed).
    pub attested: Vec<FpVar<Fr>>,
}

/// Synthesizes the circuit and returns the variables tests aim at.
pub fn synthesize(
    c: JurisdictionCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<JurisdictionVars, SynthesisError> {
    let (_, st, w) = c.into_parts()?;
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let one = FpVar::<Fr>::one();

    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let [registry_root, importer, deployment, model_commitment, epoch, max_tier, nonce] =
        new_inputs(&cs, st.public_inputs())?;

    // Registry root.
    let fac_root = wit(w.facilities_root)?;
    let aud_root = wit(w.auditors_root)?;
    enforce_registry_root(&fac_root, &aud_root, wit(w.params_digest)?, &registry_root)?;

    let mut vars = JurisdictionVars {
        inputs: vec![
            registry_root,
            importer.clone(),
            deployment.clone(),
            model_commitment.clone(),
            epoch.clone(),
            max_tier.clone(),
            nonce.clone(),
        ],
        ..Default::default()
    };
    let mut acc = FpVar::<Fr>::zero();
    let mut count = FpVar::<Fr>::zero();
    for s in &w.stores {
        let u = Boolean::new_witness(cs.clone(), || Ok(s.used))?;
        let enc = Boolean::new_witness(cs.clone(), || Ok(s.record.encrypted))?;
        let uf = FpVar::from(u.clone());
        let ([id, _country, tier, _lat, _lon, _radius, _lon_scale, operator], _) =
            open_facility(&cs, &s.facility, &s.facility_path, &fac_root, &u)?;
        // The attested record names the slot's facility.
        let facility_id = wit(s.record.facility_id)?;
        (&facility_id - &id).mul_equals(&uf, &FpVar::zero())?;
        (&operator - &importer).mul_equals(&uf, &FpVar::zero())?;
        let tier_bits = enforce_bits(&(&uf * (&max_tier - &tier)), TIER_BITS)?;
        (&one - FpVar::from(enc.clone())).mul_equals(&uf, &FpVar::zero())?;
        let next = hash(&[
            acc.clone(),
            wit(s.record.store_id)?,
            facility_id.clone(),
            FpVar::from(enc.clone()),
            wit(s.record.key_fingerprint)?,
        ])?;
        acc = FpVar::conditionally_select(&u, &next, &acc)?;
        count += &uf;
        vars.used.push(u);
        vars.encrypted.push(enc);
        vars.facility_ids.push(facility_id);
        vars.operators.push(operator);
        vars.tiers.push(tier);
        vars.tier_bits.push(tier_bits);
        vars.chain.push(acc.clone());
    }

    // At least one store: count · inv = 1 (no inverse exists for 0).
    let used = w.stores.iter().filter(|s| s.used).count() as u64;
    let inv = wit(Fr::from(used).inverse().unwrap_or_default())?;
    count.mul_equals(&inv, &one)?;
    vars.count_inverse = Some(inv);

    // The attestation names the statement's deployment and epoch.
    let attested_deployment = wit(w.attested_deployment)?;
    attested_deployment.enforce_equal(&deployment)?;
    let attested_epoch = wit(Fr::from(w.attested_epoch))?;
    attested_epoch.enforce_equal(&epoch)?;
    vars.attested = vec![attested_deployment, attested_epoch];

    // The auditor and its attestation of the whole list.
    let key = alloc_subgroup_point(cs.clone(), w.auditor.key)?;
    let aud_leaf = hash(&[wit(w.auditor.id)?, key.x.clone(), key.y.clone()])?;
    MerklePathVar::new_witness(cs.clone(), &w.auditor_path)?
        .root(&aud_leaf)?
        .enforce_equal(&aud_root)?;
    let msg = hash(&[
        FpVar::constant(tags::deployment()),
        importer,
        deployment,
        model_commitment,
        epoch,
        count,
        acc,
    ])?;
    let sig = SignatureVar::new_witness(cs.clone(), &w.signature)?;
    verify(&key, &msg, &sig, &Boolean::TRUE)?;
    let _nonce_sq = nonce.square()?;
    Ok(vars)
}
