//! The cluster circuit. See the [module docs](super) for the statement; this
//! file lists the constraints in the order they are built.
//!
//! Per chip slot `i` (a = active, b_j = "in group j", s = "starts a group"):
//! * `a`, `b_j`, `s` boolean; `a_i ⇒ a_{i-1}` (actives first);
//! * `Σ_j b_j = a` (an active chip is in exactly one group, a padded one in none);
//! * `s_0 = a_0`, `g_0 = 0`, and `a_i·(g_i − g_{i−1} − s_i) = 0` with `g = Σ j·b_j`
//!   (groups advance by exactly one facility slot at a time); `s·(1 − a) = 0`;
//! * padded slots are all-zero: `(1 − a)·field = 0` for each record field;
//! * chain: `acc_i = Poseidon(acc_in, record)`, `acc_in = (1 − s_i)·acc_{i−1}`;
//! * at a group's last chip (`e_i = a_i − a_{i+1} + s_{i+1}`):
//!   `e_i·(acc_i − Σ_j b_j·digest_j) = 0`;
//! * geofence of the chip against `Σ_j b_j·fence_j`.
//!
//! Per facility slot `j` (u = used): `u` boolean, `u_j ⇒ u_{j−1}`, and
//! `Σ_j u_j = Σ_i s_i` (the used slots are exactly the groups); facility and
//! auditor Merkle paths checked against the registry's roots when used; the
//! attestation signature verified over
//! `Poseidon(ATTESTATION_TAG, facility_id, epoch, digest_j)` when used; the
//! commitment chain absorbs `(facility_id_j, digest_j)` when used.
//!
//! Global: `registry_root = Poseidon(REGISTRY_TAG, fac_root, aud_root, params)`,
//! `C = Poseidon(COMMITMENT_TAG, epoch, chain, blinding)`, `cap − Σ a` in 64
//! bits, and `nonce²` computed so that the nonce sits in a constraint.
use super::{ClusterShape, ClusterStatement, ClusterWitness, Derived, CAP_BITS};
use crate::domain;
use crate::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::geofence::constraints::{enforce_inside, FenceVar};
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    select::CondSelectGadget,
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// The cluster circuit for one [`ClusterShape`]. With `witness: None` it
/// synthesizes the constraints only (setup).
#[derive(Clone)]
pub struct ClusterCircuit {
    /// Capacity.
    pub shape: ClusterShape,
    /// Public statement.
    pub statement: ClusterStatement,
    /// Private witness (`None` for setup).
    pub witness: Option<ClusterWitness>,
}

impl ClusterCircuit {
    /// The circuit used at setup: constraints only.
    pub fn for_setup(shape: ClusterShape) -> Self {
        let statement = ClusterStatement { commitment: Fr::zero(), registry_root: Fr::zero(), cap: 0, epoch: 0, nonce: Fr::zero() };
        Self { shape, statement, witness: None }
    }
}

/// `x · y = 0` as one constraint.
fn enforce_product_zero(x: &FpVar<Fr>, y: &FpVar<Fr>) -> Result<(), SynthesisError> {
    x.mul_equals(y, &FpVar::zero())
}

impl ConstraintSynthesizer<Fr> for ClusterCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.shape;
        let st = self.statement;
        let w = self.witness.unwrap_or_else(|| ClusterWitness::padding(&shape));
        // The witness must have the circuit's shape, or it would build another circuit.
        let depths_ok = w.facilities.iter().all(|f| f.facility_path.siblings.len() == FACILITY_DEPTH && f.auditor_path.siblings.len() == AUDITOR_DEPTH);
        if w.chips.len() != shape.chips || w.facilities.len() != shape.facilities || !depths_ok {
            return Err(SynthesisError::Unsatisfiable);
        }
        // Derived values are computed leniently: for a malformed witness it is
        // the constraints that must refuse it.
        let d = Derived::lenient(&w, &shape);
        let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
        let one = FpVar::<Fr>::one();

        // Public inputs, in PUBLIC_INPUT_NAMES order.
        let commitment = FpVar::new_input(cs.clone(), || Ok(st.commitment))?;
        let registry_root = FpVar::new_input(cs.clone(), || Ok(st.registry_root))?;
        let cap = FpVar::new_input(cs.clone(), || Ok(Fr::from(st.cap)))?;
        let epoch = FpVar::new_input(cs.clone(), || Ok(Fr::from(st.epoch)))?;
        let nonce = FpVar::new_input(cs.clone(), || Ok(st.nonce))?;
        // The nonce takes part in no statement; this constraint binds it.
        let _nonce_sq = nonce.square()?;

        // Registry root.
        let fac_root = wit(w.facilities_root)?;
        let aud_root = wit(w.auditors_root)?;
        let params = wit(w.params_digest)?;
        hash(&[FpVar::constant(domain::registry()), fac_root.clone(), aud_root.clone(), params])?.enforce_equal(&registry_root)?;

        // Facility slots.
        let mut used_vars: Vec<Boolean<Fr>> = Vec::with_capacity(shape.facilities);
        let mut digests = Vec::with_capacity(shape.facilities);
        let mut fences = Vec::with_capacity(shape.facilities);
        let mut commit_acc = FpVar::<Fr>::zero();
        for (j, f) in w.facilities.iter().enumerate() {
            let used = Boolean::new_witness(cs.clone(), || Ok(d.used[j]))?;
            if let Some(prev) = used_vars.last() {
                enforce_product_zero(&FpVar::from(used.clone()), &(&one - FpVar::from(prev.clone())))?;
            }
            let fields = f.facility.fields().map(|v| wit(v));
            let [id, country, lat, lon, radius_m, lon_scale] = fields;
            let (id, country, lat, lon, radius_m, lon_scale) = (id?, country?, lat?, lon?, radius_m?, lon_scale?);
            let leaf = hash(&[id.clone(), country, lat.clone(), lon.clone(), radius_m.clone(), lon_scale.clone()])?;
            MerklePathVar::new_witness(cs.clone(), &f.facility_path)?.root(&leaf)?.conditional_enforce_equal(&fac_root, &used)?;

            let aud_id = wit(f.auditor.id)?;
            let key = alloc_subgroup_point(cs.clone(), f.auditor.key)?;
            let aud_leaf = hash(&[aud_id, key.x.clone(), key.y.clone()])?;
            MerklePathVar::new_witness(cs.clone(), &f.auditor_path)?.root(&aud_leaf)?.conditional_enforce_equal(&aud_root, &used)?;

            let digest = wit(d.digests[j])?;
            let msg = hash(&[FpVar::constant(domain::attestation()), id.clone(), epoch.clone(), digest.clone()])?;
            let sig = SignatureVar::new_witness(cs.clone(), &f.signature)?;
            verify(&key, &msg, &sig, &used)?;

            let next = hash(&[commit_acc.clone(), id, digest.clone()])?;
            commit_acc = FpVar::conditionally_select(&used, &next, &commit_acc)?;

            used_vars.push(used);
            digests.push(digest);
            fences.push(FenceVar { lat, lon, radius_m, lon_scale });
        }
        let blinding = wit(w.blinding)?;
        hash(&[FpVar::constant(domain::commitment()), epoch.clone(), commit_acc, blinding])?.enforce_equal(&commitment)?;

        // Chip slots.
        let mut count = FpVar::<Fr>::zero();
        let mut groups = FpVar::<Fr>::zero();
        // (a, acc, selected digest) of the previous slot, whose end check
        // needs this slot's a and s.
        let mut prev: Option<(FpVar<Fr>, FpVar<Fr>, FpVar<Fr>)> = None;
        let mut prev_g = FpVar::<Fr>::zero();
        let enforce_end = |e: FpVar<Fr>, acc: &FpVar<Fr>, sel: &FpVar<Fr>| (acc - sel).mul_equals(&e, &FpVar::zero());
        for (i, c) in w.chips.iter().enumerate() {
            let a = FpVar::from(Boolean::new_witness(cs.clone(), || Ok(c.active))?);
            let b: Vec<FpVar<Fr>> = (0..shape.facilities)
                .map(|j| Ok(FpVar::from(Boolean::new_witness(cs.clone(), || Ok(c.active && c.facility_slot == j))?)))
                .collect::<Result<_, SynthesisError>>()?;
            let s = FpVar::from(Boolean::new_witness(cs.clone(), || Ok(d.starts[i]))?);
            b.iter().fold(FpVar::zero(), |acc, bj| acc + bj).enforce_equal(&a)?;
            let g = b.iter().enumerate().fold(FpVar::zero(), |acc, (j, bj)| acc + bj * Fr::from(j as u64));
            enforce_product_zero(&s, &(&one - &a))?;

            let rec = c.record.fields().map(|v| wit(v));
            let [serial, model, lat, lon, unc] = rec;
            let (serial, model, lat, lon, unc) = (serial?, model?, lat?, lon?, unc?);
            for f in [&serial, &model, &lat, &lon, &unc] {
                enforce_product_zero(f, &(&one - &a))?;
            }

            let acc_in = match &prev {
                None => {
                    s.enforce_equal(&a)?;
                    g.enforce_equal(&FpVar::zero())?;
                    FpVar::zero()
                }
                Some((prev_a, prev_acc, prev_sel)) => {
                    enforce_product_zero(&a, &(&one - prev_a))?;
                    enforce_product_zero(&a, &(&g - &prev_g - &s))?;
                    enforce_end(prev_a - &a + &s, prev_acc, prev_sel)?;
                    (&one - &s) * prev_acc
                }
            };
            let acc = hash(&[acc_in, serial, model, lat.clone(), lon.clone(), unc.clone()])?;

            let select = |vals: &dyn Fn(usize) -> FpVar<Fr>| -> FpVar<Fr> {
                b.iter().enumerate().fold(FpVar::zero(), |acc, (j, bj)| acc + bj * vals(j))
            };
            let sel_digest = select(&|j| digests[j].clone());
            let fence = FenceVar {
                lat: select(&|j| fences[j].lat.clone()),
                lon: select(&|j| fences[j].lon.clone()),
                radius_m: select(&|j| fences[j].radius_m.clone()),
                lon_scale: select(&|j| fences[j].lon_scale.clone()),
            };
            enforce_inside(&fence, &lat, &lon, &unc)?;

            count += &a;
            groups += &s;
            prev_g = g;
            prev = Some((a, acc, sel_digest));
        }
        if let Some((a, acc, sel)) = &prev {
            enforce_end(a.clone(), acc, sel)?;
        }
        used_vars.iter().fold(FpVar::zero(), |acc, u| acc + FpVar::from(u.clone())).enforce_equal(&groups)?;
        enforce_bits(&(cap - count), CAP_BITS)?;
        Ok(())
    }
}
