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
use crate::eddsa::constraints::{alloc_subgroup_point, verify, SignatureVar};
use crate::geofence::constraints::{enforce_inside, FenceVar};
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};
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
        let statement = ClusterStatement {
            commitment: Fr::zero(),
            registry_root: Fr::zero(),
            cap: 0,
            epoch: 0,
            nonce: Fr::zero(),
        };
        Self {
            shape,
            statement,
            witness: None,
        }
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
        let w = self
            .witness
            .unwrap_or_else(|| ClusterWitness::padding(&shape));
        // The witness must have the circuit's shape, or it would build another circuit.
        let depths_ok = w.facilities.iter().all(|f| {
            f.facility_path.siblings.len() == FACILITY_DEPTH
                && f.auditor_path.siblings.len() == AUDITOR_DEPTH
        });
        if w.chips.len() != shape.chips || w.facilities.len() != shape.facilities || !depths_ok {
            return Err(SynthesisError::Unsatisfiable);
        }
        // Derived values are computed leniently: for a malformed witness it is
        // the constraints that must refuse it.
        let d = Derived::lenient(&w, &shape);
        let Prefix {
            facilities,
            used,
            cap,
        } = prefix(&cs, &st, &w, &d)?;
        // Chip slots.
        let mut count = FpVar::<Fr>::zero();
        let mut groups = FpVar::<Fr>::zero();
        let mut prev: Option<ChipCarry> = None;
        for (i, c) in w.chips.iter().enumerate() {
            let carry = chip_slot(&cs, c, d.starts[i], &facilities, prev.as_ref())?;
            count += &carry.a;
            groups += &carry.s;
            prev = Some(carry);
        }
        if let Some(p) = &prev {
            (&p.acc - &p.sel).mul_equals(&p.a, &FpVar::zero())?;
        }
        used.iter()
            .fold(FpVar::zero(), |acc, u| acc + FpVar::from(u.clone()))
            .enforce_equal(&groups)?;
        enforce_bits(&(cap - count), CAP_BITS)?;
        Ok(())
    }
}

/// The facility values a chip slot selects from: per facility slot, the
/// attested digest and the geofence.
pub struct FacilityVars {
    /// Digest of each facility slot's attestation.
    pub digests: Vec<FpVar<Fr>>,
    /// Geofence of each facility slot.
    pub fences: Vec<FenceVar>,
}

/// What one chip slot passes to the next: its `a` (active), `s` (starts a
/// group), `g` (group index), chain value `acc` and selected digest `sel`.
pub struct ChipCarry {
    /// Active flag.
    pub a: FpVar<Fr>,
    /// Group-start flag.
    pub s: FpVar<Fr>,
    /// Facility slot index `Σ j·b_j`.
    pub g: FpVar<Fr>,
    /// Chain value after this chip.
    pub acc: FpVar<Fr>,
    /// Digest of this chip's facility slot (0 when padded).
    pub sel: FpVar<Fr>,
}

/// The constraints of one chip slot (see the module docs), given the previous
/// slot's carry (`None` for slot 0). The end-of-group check of the previous
/// slot is enforced here, since it needs this slot's `a` and `s`.
///
/// The variables it allocates, and their order, do not depend on the
/// values: the prover computes the assignment of chip slots in parallel by
/// running this function on chunks of slots (see `zkcc_prover::witness_gen`).
pub fn chip_slot(
    cs: &ConstraintSystemRef<Fr>,
    c: &super::ChipSlot,
    starts: bool,
    facilities: &FacilityVars,
    prev: Option<&ChipCarry>,
) -> Result<ChipCarry, SynthesisError> {
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let one = FpVar::<Fr>::one();
    let nf = facilities.digests.len();
    let a = FpVar::from(Boolean::new_witness(cs.clone(), || Ok(c.active))?);
    let b: Vec<FpVar<Fr>> = (0..nf)
        .map(|j| {
            Ok(FpVar::from(Boolean::new_witness(cs.clone(), || {
                Ok(c.active && c.facility_slot == j)
            })?))
        })
        .collect::<Result<_, SynthesisError>>()?;
    let s = FpVar::from(Boolean::new_witness(cs.clone(), || Ok(starts))?);
    b.iter()
        .fold(FpVar::zero(), |acc, bj| acc + bj)
        .enforce_equal(&a)?;
    let g = b
        .iter()
        .enumerate()
        .fold(FpVar::zero(), |acc, (j, bj)| acc + bj * Fr::from(j as u64));
    enforce_product_zero(&s, &(&one - &a))?;

    let rec = c.record.fields().map(wit);
    let [serial, model, lat, lon, unc] = rec;
    let (serial, model, lat, lon, unc) = (serial?, model?, lat?, lon?, unc?);
    for f in [&serial, &model, &lat, &lon, &unc] {
        enforce_product_zero(f, &(&one - &a))?;
    }

    let acc_in = match prev {
        None => {
            s.enforce_equal(&a)?;
            g.enforce_equal(&FpVar::zero())?;
            FpVar::zero()
        }
        Some(p) => {
            enforce_product_zero(&a, &(&one - &p.a))?;
            enforce_product_zero(&a, &(&g - &p.g - &s))?;
            (&p.acc - &p.sel).mul_equals(&(&p.a - &a + &s), &FpVar::zero())?;
            (&one - &s) * &p.acc
        }
    };
    let acc = hash(&[acc_in, serial, model, lat.clone(), lon.clone(), unc.clone()])?;

    let select = |vals: &dyn Fn(usize) -> FpVar<Fr>| -> FpVar<Fr> {
        b.iter()
            .enumerate()
            .fold(FpVar::zero(), |acc, (j, bj)| acc + bj * vals(j))
    };
    let fences = &facilities.fences;
    let sel = select(&|j| facilities.digests[j].clone());
    let fence = FenceVar {
        lat: select(&|j| fences[j].lat.clone()),
        lon: select(&|j| fences[j].lon.clone()),
        radius_m: select(&|j| fences[j].radius_m.clone()),
        lon_scale: select(&|j| fences[j].lon_scale.clone()),
    };
    enforce_inside(&fence, &lat, &lon, &unc)?;
    Ok(ChipCarry { a, s, g, acc, sel })
}

/// The variables of the fixed and per-facility part that the chip slots and
/// the final checks use.
pub struct Prefix {
    /// Digests and geofences of the facility slots.
    pub facilities: FacilityVars,
    /// Used flag of each facility slot.
    pub used: Vec<Boolean<Fr>>,
    /// The public input `cap`.
    pub cap: FpVar<Fr>,
}

/// Everything before the chip slots: public inputs, registry root, facility
/// slots (registry and auditor membership, signature, commitment chain),
/// commitment. Like [`chip_slot`], value-independent in what it allocates.
pub fn prefix(
    cs: &ConstraintSystemRef<Fr>,
    st: &ClusterStatement,
    w: &ClusterWitness,
    d: &Derived,
) -> Result<Prefix, SynthesisError> {
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
    hash(&[
        FpVar::constant(domain::registry()),
        fac_root.clone(),
        aud_root.clone(),
        params,
    ])?
    .enforce_equal(&registry_root)?;

    // Facility slots.
    let nf = w.facilities.len();
    let mut used_vars: Vec<Boolean<Fr>> = Vec::with_capacity(nf);
    let mut digests = Vec::with_capacity(nf);
    let mut fences = Vec::with_capacity(nf);
    let mut commit_acc = FpVar::<Fr>::zero();
    for (j, f) in w.facilities.iter().enumerate() {
        let used = Boolean::new_witness(cs.clone(), || Ok(d.used[j]))?;
        if let Some(prev) = used_vars.last() {
            enforce_product_zero(
                &FpVar::from(used.clone()),
                &(&one - FpVar::from(prev.clone())),
            )?;
        }
        let fields = f
            .facility
            .fields()
            .map(&wit)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = hash(&fields)?;
        let [id, _country, _tier, lat, lon, radius_m, lon_scale, _operator]: [FpVar<Fr>; 8] =
            fields
                .try_into()
                .map_err(|_| SynthesisError::Unsatisfiable)?;
        MerklePathVar::new_witness(cs.clone(), &f.facility_path)?
            .root(&leaf)?
            .conditional_enforce_equal(&fac_root, &used)?;

        let aud_id = wit(f.auditor.id)?;
        let key = alloc_subgroup_point(cs.clone(), f.auditor.key)?;
        let aud_leaf = hash(&[aud_id, key.x.clone(), key.y.clone()])?;
        MerklePathVar::new_witness(cs.clone(), &f.auditor_path)?
            .root(&aud_leaf)?
            .conditional_enforce_equal(&aud_root, &used)?;

        let digest = wit(d.digests[j])?;
        let msg = hash(&[
            FpVar::constant(domain::attestation()),
            id.clone(),
            epoch.clone(),
            digest.clone(),
        ])?;
        let sig = SignatureVar::new_witness(cs.clone(), &f.signature)?;
        verify(&key, &msg, &sig, &used)?;

        let next = hash(&[commit_acc.clone(), id, digest.clone()])?;
        commit_acc = FpVar::conditionally_select(&used, &next, &commit_acc)?;

        used_vars.push(used);
        digests.push(digest);
        fences.push(FenceVar {
            lat,
            lon,
            radius_m,
            lon_scale,
        });
    }
    let blinding = wit(w.blinding)?;
    hash(&[
        FpVar::constant(domain::commitment()),
        epoch.clone(),
        commit_acc,
        blinding,
    ])?
    .enforce_equal(&commitment)?;

    Ok(Prefix {
        facilities: FacilityVars { digests, fences },
        used: used_vars,
        cap,
    })
}
