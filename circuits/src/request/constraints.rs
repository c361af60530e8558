//! The request circuit. See the [module docs](super) for the statement.
//!
//! Per shard slot `k` (`su` = used): `su` boolean; `D_k =
//! Poseidon(TAG_OUTPUT, C, X, e, o_k, P_k, blinding_k)` from the opened entries;
//! `digest ← digest + su·(Poseidon(digest, D_k) − digest)`;
//! `P ← P·(1 + su·(P_k − 1))`.
//!
//! Per entry (`u` used, `r` starts a facility run, `cr` starts a country run,
//! `hp` = some earlier entry was used; `p_*` = values of the last used entry):
//! * `u`, `r`, `cr` boolean; `u·(1 − su) = 0`, `r·(1 − u) = 0`, `cr·(1 − r) = 0`;
//! * `o ← o + u·(Poseidon(o, country, index, k, K, tier, count, tpp) − o)`;
//! * order: `u·hp·(key − p_key − 1) ∈ [0, 2^43)`;
//! * the first used entry starts a facility and a country run:
//!   `(u − u·hp)·(1 − r) = 0`, `(u − u·hp)·(1 − cr) = 0`;
//! * continuation (`u − r`): same facility, `k = p_k + 1`, `K = p_K`;
//! * a run start: `r·k = 0`, and the previous run is complete:
//!   `r·hp·(p_k + 1 − p_K) = 0`;
//! * a facility run within the same country: `(r − cr)·(country − p_country) = 0`;
//!   a new country run is a larger country: `cr·hp·(country − p_country − 1) ∈ [0, 2^16)`;
//! * the facility count: a run start ends the previous run, which counts if
//!   its ledger count is not 0: `runs ← runs + r·hp·nz` with `nz = [fc ≠ 0]`
//!   ([`is_nonzero`], 3 constraints, + 1 for the product: 4 per entry);
//! * running sums `fc, ft` (facility) and `cc` (country) reset at run starts;
//!   `u·(cap_chips − fc) ∈ [0, 2^32)`, `u·(cap_tpp − ft) ∈ [0, 2^64)`;
//! * `is_home = [country = home]`, `is_t1 = [tier = 1]` (two constraints each);
//!   `u·(1 − is_home)·(o_bp·T − 10⁴·cc) ∈ [0, 2^80)` once `T` is known;
//! * tier: `b = [tier > max_tier]` by `b·(tier − max − 1) + (1 − b)·(max − tier)
//!   ∈ [0, 2^8)`, and `b·u·count = 0`.
//!
//! At the end: the last run is complete; `Π = P_public`, digest =
//! `shards_digest`; `10⁴·H − h_bp·T`, `t_bp·T − 10⁴·O` in 80 bits; totals
//! against their caps; `runs + [fc ≠ 0] = facilities` (the last run, which no
//! later run start closes: `fc` is 0 when no entry is used); `nonce²` binds
//! the nonce.
use super::{
    RequestShape, RequestStatement, RequestWitness, BP, COUNTRY_BITS, COUNT_BITS, KEY_BITS,
    SHARE_BITS, TIER_BITS, TPP_BITS,
};
use crate::claim::new_inputs;
use crate::poseidon::constraints::hash;
use crate::range::enforce_bits;
use crate::shard::tags;
use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Constraints per entry (a facility slot of a shard): its Poseidon(8) chain
/// step 402 + select, order and run checks, caps, shares and tier, and 4 for
/// the facility count (`[fc ≠ 0]` 3, its product with the run start 1).
pub const ENTRY_COST: usize = 698;
/// Constraints per shard slot: `D_s` 381, digest step 240 + select, product.
pub const SHARD_COST: usize = 619;
/// Constraints once per circuit: with the last run's `[fc ≠ 0]` (3), less the
/// first entry's facility count (4: `fc` and `hp` are the constant 0 there).
pub const FIXED_COST: usize = 257;

/// Constraints of the request circuit of `shape` (checked against real
/// counts by `circuits/tests/statement.rs`).
pub fn cost(shape: &RequestShape) -> usize {
    FIXED_COST + shape.shards * (SHARD_COST + shape.entries * ENTRY_COST)
}

claim_circuit! {
    /// The request circuit for one [`RequestShape`].
    RequestCircuit {
        /// Capacity.
        shape: RequestShape,
        statement: RequestStatement,
        witness: RequestWitness,
        setup: RequestStatement {
            importer: Fr::zero(),
            epoch: 0,
            commitment: Fr::zero(),
            shards_digest: Fr::zero(),
            ledger_product: Fr::zero(),
            nonce: Fr::zero(),
            rules: super::Rules::permissive(0),
            facilities: 0,
        },
        padding: |shape| RequestWitness {
            shards: vec![super::ShardOpening::padding(shape.entries); shape.shards],
        },
        fits: fits,
    }
}

/// Whether `w` has the circuit's shape (synthesis refuses it otherwise).
pub fn fits(shape: &RequestShape, w: &RequestWitness) -> bool {
    w.shards.len() == shape.shards && w.shards.iter().all(|s| s.entries.len() == shape.entries)
}

/// Variables that hostile-assignment tests aim at.
#[derive(Clone, Default)]
pub struct RequestVars {
    /// Per entry (flattened): used, facility-run start, country-run start.
    pub used: Vec<Boolean<Fr>>,
    /// Facility-run start flags.
    pub run_start: Vec<Boolean<Fr>>,
    /// Country-run start flags.
    pub country_start: Vec<Boolean<Fr>>,
    /// Tier-exceeds flags.
    pub blocked: Vec<Boolean<Fr>>,
    /// Per entry: the opened count of ledger chips.
    pub counts: Vec<FpVar<Fr>>,
    /// Per entry: the opened chunk index.
    pub chunks: Vec<FpVar<Fr>>,
    /// Per entry: TPP sums.
    pub tpps: Vec<FpVar<Fr>>,
    /// Per shard slot: used flag and opened product.
    pub shard_used: Vec<Boolean<Fr>>,
    /// Per shard slot: opened product.
    pub shard_products: Vec<FpVar<Fr>>,
    /// Per entry: `[country = home]` and the inverse hint of `country − home`.
    pub is_home: Vec<(FpVar<Fr>, FpVar<Fr>)>,
    /// Per entry: `[tier = 1]` and the inverse hint of `tier − 1`.
    pub is_tier1: Vec<(FpVar<Fr>, FpVar<Fr>)>,
    /// Per entry, then once at the end: `[fc ≠ 0]` for the facility run that
    /// a run start there would close (the last one: the final run), and its
    /// inverse hint (`None` where `fc` is the constant 0, before any entry).
    pub run_nonzero: Vec<(FpVar<Fr>, Option<FpVar<Fr>>)>,
    /// Per entry: `r·hp·[fc ≠ 0]`, the count a run start there adds.
    pub run_counted: Vec<FpVar<Fr>>,
}

/// `[x = 0]` as a witness with its two constraints: `x·inv = 1 − flag`,
/// `x·flag = 0`. Returns `(flag, inv)`. When `x = 0` the hint `inv` is free
/// (any value satisfies `0·inv = 0`): harmless, `flag` is still forced to 1.
fn is_zero(
    cs: &ConstraintSystemRef<Fr>,
    x: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let v = x.value().unwrap_or_default();
    let inv = FpVar::new_witness(cs.clone(), || Ok(v.inverse().unwrap_or_default()))?;
    let flag = FpVar::new_witness(cs.clone(), || Ok(Fr::from(v.is_zero() as u64)))?;
    x.mul_equals(&inv, &(FpVar::one() - &flag))?;
    x.mul_equals(&flag, &FpVar::zero())?;
    Ok((flag, inv))
}

/// `[x ≠ 0]` with its inverse hint pinned: `nz = x·inv`, `x·(1 − nz) = 0`,
/// `inv·(1 − nz) = 0` (3 constraints). For `x ≠ 0` the second forces `nz = 1`
/// and the first `inv = 1/x`; for `x = 0` the first gives `nz = 0` and the
/// third `inv = 0`. So `nz` is boolean and no witness is free. Returns
/// `(nz, inv)`; a constant `x` costs nothing (no hint).
pub fn is_nonzero(
    cs: &ConstraintSystemRef<Fr>,
    x: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, Option<FpVar<Fr>>), SynthesisError> {
    if let FpVar::Constant(c) = x {
        return Ok((FpVar::constant(Fr::from(!c.is_zero() as u64)), None));
    }
    let v = x.value().unwrap_or_default();
    let inv = FpVar::new_witness(cs.clone(), || Ok(v.inverse().unwrap_or_default()))?;
    let nz = x * &inv;
    let not = FpVar::one() - &nz;
    x.mul_equals(&not, &FpVar::zero())?;
    inv.mul_equals(&not, &FpVar::zero())?;
    Ok((nz, Some(inv)))
}

/// Synthesizes the circuit and returns the variables tests aim at.
pub fn synthesize(
    c: RequestCircuit,
    cs: ConstraintSystemRef<Fr>,
) -> Result<RequestVars, SynthesisError> {
    let (_, st, w) = c.into_parts()?;
    let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
    let one = FpVar::<Fr>::one();

    // Public inputs, in PUBLIC_INPUT_NAMES order.
    let [importer, epoch, commitment, shards_digest, ledger_product, nonce, cap_chips, cap_tpp, home, home_bp, other_bp, t1_bp, max_tier, total_chips_cap, total_tpp_cap, facilities] =
        new_inputs(&cs, st.public_inputs())?;
    let _nonce_sq = nonce.square()?;

    let mut vars = RequestVars::default();
    let mut digest = FpVar::<Fr>::zero();
    let mut product = FpVar::<Fr>::one();
    // Walk state.
    let mut hp = FpVar::<Fr>::zero();
    let zero = |_| FpVar::<Fr>::zero();
    let [mut p_key, mut p_fac, mut p_k, mut p_kk, mut p_country] = std::array::from_fn(zero);
    let [mut fc, mut ft, mut cc] = std::array::from_fn(zero);
    let [mut runs, mut total_chips, mut total_tpp, mut home_tpp, mut outside_tpp] =
        std::array::from_fn(zero);
    let mut share_checks: Vec<(FpVar<Fr>, FpVar<Fr>)> = Vec::new();
    let max2 = &max_tier * Fr::from(2u64);

    for s in &w.shards {
        let su = Boolean::new_witness(cs.clone(), || Ok(s.used))?;
        let suf = FpVar::from(su.clone());
        let mut o = FpVar::<Fr>::zero();
        for e in &s.entries {
            let u = Boolean::new_witness(cs.clone(), || Ok(e.used))?;
            let uf = FpVar::from(u.clone());
            uf.mul_equals(&(&one - &suf), &FpVar::zero())?;
            let fields = e
                .fields()
                .map(&wit)
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            let [country, fac, k, kk, tier, count, tpp]: [FpVar<Fr>; 7] = fields
                .clone()
                .try_into()
                .map_err(|_| SynthesisError::Unsatisfiable)?;
            let mut hin = vec![o.clone()];
            hin.extend(fields);
            let h = hash(&hin)?;
            o = &o + &uf * (&h - &o);

            let key = &country * Fr::from(1u64 << 26) + &fac * Fr::from(1u64 << 16) + &k;
            let facpart = &country * Fr::from(1u64 << 10) + &fac;
            let r = Boolean::new_witness(cs.clone(), || Ok(run_start(&w, e, true)))?;
            let cr = Boolean::new_witness(cs.clone(), || Ok(run_start(&w, e, false)))?;
            let (rf, crf) = (FpVar::from(r.clone()), FpVar::from(cr.clone()));
            rf.mul_equals(&(&one - &uf), &FpVar::zero())?;
            crf.mul_equals(&(&one - &rf), &FpVar::zero())?;

            // Strict order of used entries.
            let uhp = &uf * &hp;
            let v1 = &uhp * (&key - &p_key - Fr::from(1u64));
            enforce_bits(&v1, KEY_BITS)?;
            let first = &uf - &uhp;
            first.mul_equals(&(&one - &rf), &FpVar::zero())?;
            first.mul_equals(&(&one - &crf), &FpVar::zero())?;
            // Continuation of a facility run.
            let cont = &uf - &rf;
            cont.mul_equals(&(&facpart - &p_fac), &FpVar::zero())?;
            cont.mul_equals(&(&k - &p_k - Fr::from(1u64)), &FpVar::zero())?;
            cont.mul_equals(&(&kk - &p_kk), &FpVar::zero())?;
            // A run start: chunk 0, previous run complete.
            rf.mul_equals(&k, &FpVar::zero())?;
            let rhp = &rf * &hp;
            rhp.mul_equals(&(&p_k + Fr::from(1u64) - &p_kk), &FpVar::zero())?;
            // The facility count: a run start closes the previous run, which
            // counts if it holds a ledger chip (`fc` is still its sum here).
            let (nz, nz_inv) = is_nonzero(&cs, &fc)?;
            let counted = &rhp * &nz;
            runs += &counted;
            vars.run_nonzero.push((nz, nz_inv));
            vars.run_counted.push(counted);
            // Country runs.
            (&rf - &crf).mul_equals(&(&country - &p_country), &FpVar::zero())?;
            let crhp = &crf * &hp;
            let v2 = &crhp * (&country - &p_country - Fr::from(1u64));
            enforce_bits(&v2, COUNTRY_BITS)?;

            // Running sums and the facility caps.
            let ucount = &uf * &count;
            let utpp = &uf * &tpp;
            fc = &fc - &rf * &fc + &ucount;
            ft = &ft - &rf * &ft + &utpp;
            cc = &cc - &crf * &cc + &utpp;
            enforce_bits(&(&uf * (&cap_chips - &fc)), COUNT_BITS)?;
            enforce_bits(&(&uf * (&cap_tpp - &ft)), TPP_BITS)?;

            // Distribution sums.
            let (is_home, home_inv) = is_zero(&cs, &(&country - &home))?;
            let (is_t1, t1_inv) = is_zero(&cs, &(&tier - Fr::from(1u64)))?;
            vars.is_home.push((is_home.clone(), home_inv));
            vars.is_tier1.push((is_t1.clone(), t1_inv));
            home_tpp += &is_home * &utpp;
            outside_tpp += &utpp - &is_t1 * &utpp;
            share_checks.push((&uf - &uf * &is_home, cc.clone()));

            // Tier exclusion.
            let b = Boolean::new_witness(cs.clone(), || Ok(e.tier > st.rules.max_tier))?;
            let bf = FpVar::from(b.clone());
            let v4 = &bf * (&tier * Fr::from(2u64) - &max2 - Fr::from(1u64)) + &max_tier - &tier;
            enforce_bits(&v4, TIER_BITS)?;
            bf.mul_equals(&ucount, &FpVar::zero())?;

            // Carry the last used entry.
            p_key = &p_key + &uf * (&key - &p_key);
            p_fac = &p_fac + &uf * (&facpart - &p_fac);
            p_k = &p_k + &uf * (&k - &p_k);
            p_kk = &p_kk + &uf * (&kk - &p_kk);
            p_country = &p_country + &uf * (&country - &p_country);
            hp = &hp + &uf - &uhp;
            total_chips += &ucount;
            total_tpp += &utpp;

            vars.used.push(u);
            vars.run_start.push(r);
            vars.country_start.push(cr);
            vars.blocked.push(b);
            vars.counts.push(count);
            vars.chunks.push(k);
            vars.tpps.push(tpp);
        }
        // The shard's output commitment, its place in the digest, its product.
        let p_s = wit(s.product)?;
        let blinding = wit(s.blinding)?;
        let d = hash(&[
            FpVar::constant(tags::output()),
            commitment.clone(),
            importer.clone(),
            epoch.clone(),
            o,
            p_s.clone(),
            blinding,
        ])?;
        let next = hash(&[digest.clone(), d])?;
        digest = &digest + &suf * (&next - &digest);
        product = &product * (&suf * (&p_s - Fr::from(1u64)) + Fr::from(1u64));
        vars.shard_used.push(su);
        vars.shard_products.push(p_s);
    }
    // The last run is complete.
    hp.mul_equals(&(&p_k + Fr::from(1u64) - &p_kk), &FpVar::zero())?;
    product.enforce_equal(&ledger_product)?;
    digest.enforce_equal(&shards_digest)?;
    // The last run, closed by no run start (`fc = 0` if no entry is used).
    let (nz, nz_inv) = is_nonzero(&cs, &fc)?;
    (runs + &nz).enforce_equal(&facilities)?;
    vars.run_nonzero.push((nz, nz_inv));

    // Distribution, against the final total.
    let bp = Fr::from(BP);
    let o_total = &other_bp * &total_tpp;
    for (non_home, cc) in &share_checks {
        enforce_bits(&(non_home * (&o_total - cc * bp)), SHARE_BITS)?;
    }
    enforce_bits(&(&home_tpp * bp - &home_bp * &total_tpp), SHARE_BITS)?;
    enforce_bits(&(&t1_bp * &total_tpp - &outside_tpp * bp), SHARE_BITS)?;
    // Totals.
    enforce_bits(&(&total_chips_cap - &total_chips), COUNT_BITS)?;
    enforce_bits(&(&total_tpp_cap - &total_tpp), TPP_BITS)?;
    Ok(vars)
}

/// Honest run-start flags for the witness: whether used entry `e` starts a
/// facility run (`facility = true`) or a country run.
fn run_start(w: &RequestWitness, e: &crate::shard::ShardEntry, facility: bool) -> bool {
    if !e.used {
        return false;
    }
    let mut prev = None;
    for x in w.shards.iter().flat_map(|s| s.entries.iter()) {
        if std::ptr::eq(x, e) {
            break;
        }
        if x.used {
            prev = Some(x);
        }
    }
    match prev {
        None => true,
        Some(p) if facility => (p.country, p.facility_index) != (e.country, e.facility_index),
        Some(p) => p.country != e.country,
    }
}
