//! The full assignment `z = (1, inputs, witness)` of the shard circuit,
//! computed in parallel across facility slots.
//!
//! The shard circuit allocates its variables in runs whose lengths do not
//! depend on the values: the prefix (public inputs, registry root,
//! challenges), one run per facility slot, and the suffix (`C_s`, `D_s`):
//! [`zkcc_circuits::shard::constraints::synthesize`] is exactly
//! `prefix; facility_slot × F; suffix`. Each facility slot reads only the
//! prefix's values and three carries from the slot before it (running
//! product, commitment and output chains). So:
//!
//! 1. the prefix is synthesized once, in prove mode without matrices;
//! 2. the carries are computed natively: each slot's part in parallel (the
//!    product of its marked chips' terms, its chunk digest, mask and output
//!    entry), then the chains in order, one Poseidon per chain per slot (what
//!    the circuit computes);
//! 3. every facility slot is synthesized on its own thread, in a fresh
//!    constraint system whose first witness variables stand for what the slot
//!    reads; the slot's own variables follow, in the global order, and are
//!    copied into place (slot 0 reads the same constants as in the whole
//!    circuit, so its variables are the same);
//! 4. the suffix likewise.
//!
//! A slip here cannot produce a bad proof: the prover checks every row of the
//! matrices against the assignment before proving
//! ([`zkcc_engine::prove::evaluate_checked`]), and the tests compare this
//! assignment with the one of a whole synthesis.
use crate::error::{ProverError, Result};
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_r1cs_std::{
    alloc::AllocVar,
    fields::{fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use rayon::prelude::*;
use zkcc_circuits::ledger::term;
use zkcc_circuits::poseidon;
use zkcc_circuits::shard::constraints::{
    facility_slot, fits, prefix, suffix, ShardCircuit, SlotInputs,
};
use zkcc_circuits::shard::{FacilitySlot, ShardEntry};
use zkcc_engine::prove::prove_cs;

/// `xs` allocated as witnesses of `cs`, in order.
fn witnesses(
    cs: &ConstraintSystemRef<Fr>,
    xs: &[Fr],
) -> std::result::Result<Vec<FpVar<Fr>>, SynthesisError> {
    xs.iter()
        .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)))
        .collect()
}

fn witness_of(cs: &ConstraintSystemRef<Fr>) -> Result<Vec<Fr>> {
    let inner = cs
        .borrow()
        .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
    Ok(inner.witness_assignment()?.to_vec())
}

/// The assignment by one whole synthesis (prove mode, no matrices): the
/// reference [`shard_assignment`] is tested against.
pub fn shard_assignment_by_synthesis(circuit: &ShardCircuit) -> Result<Vec<Fr>> {
    Ok(zkcc_engine::prove::assignment_of(circuit.clone())?)
}

/// Native values of the three carries after a slot: (product, commitment
/// chain, output chain).
type Carry = (Fr, Fr, Fr);

/// What a slot adds to the carries, computed apart from the chain (slots in
/// parallel): the product of its marked chips' terms and, for a used slot,
/// its chunk digest (a hash per active chip: the bulk of the work), mask and
/// output entry.
struct SlotStep {
    factor: Fr,
    used: Option<(Fr, Fr, ShardEntry)>,
}

fn slot_step(f: &FacilitySlot, gamma: Fr, beta: Fr) -> SlotStep {
    let factor = f
        .chips
        .iter()
        .filter(|c| c.ledger)
        .map(|c| term(gamma, beta, c.record.ident, c.record.tpp))
        .product();
    let used = f.used.then(|| (f.digest(), f.mask(), f.entry()));
    SlotStep { factor, used }
}

/// The carries after slot `f` from those before it: its factor into the
/// product, one Poseidon per chain (what the circuit computes).
fn carry_after(c: Carry, f: &FacilitySlot, step: &SlotStep) -> Carry {
    let (product, s, o) = c;
    let product = product * step.factor;
    let Some((digest, mask, entry)) = &step.used else {
        return (product, s, o);
    };
    let s = poseidon::hash(&[
        s,
        f.facility.id,
        Fr::from(f.chunk),
        Fr::from(f.chunks),
        *digest,
        *mask,
    ]);
    (product, s, zkcc_circuits::shard::output_step(o, entry))
}

/// The shard circuit's assignment, in parallel across facility slots (see
/// the module docs). Refuses a witness that does not have the circuit's
/// shape. Does not run the native check: [`crate::claims::shard_assignment`]
/// does, then calls this.
pub fn shard_assignment(circuit: &ShardCircuit) -> Result<Vec<Fr>> {
    let w = circuit
        .witness
        .as_ref()
        .ok_or_else(|| ProverError::Backend("no witness to prove with".into()))?;
    if !fits(&circuit.shape, w) {
        return Err(ProverError::Backend(
            "the witness does not have the circuit's shape".into(),
        ));
    }
    // 1. Prefix.
    let cs = prove_cs();
    let pre = prefix(&cs, &circuit.statement, w)?;
    let v = |x: &FpVar<Fr>| x.value();
    let globals = [
        v(&pre.slot.importer)?,
        v(&pre.slot.epoch)?,
        v(&pre.slot.facilities_root)?,
        v(&pre.slot.auditors_root)?,
        v(&pre.slot.gamma)?,
        v(&pre.slot.beta)?,
    ];
    let inputs: Vec<Fr> = pre
        .inputs
        .iter()
        .map(v)
        .collect::<std::result::Result<_, _>>()?;
    let mut z = {
        let inner = cs
            .borrow()
            .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
        let mut z = inner.instance_assignment()?.to_vec();
        z.extend_from_slice(inner.witness_assignment()?);
        z
    };
    drop(cs);

    // 2. Carries, natively: carries[j] is what slot j reads.
    let (gamma, beta) = (globals[4], globals[5]);
    let steps: Vec<SlotStep> = w
        .facilities
        .par_iter()
        .map(|f| slot_step(f, gamma, beta))
        .collect();
    let mut carries: Vec<Carry> = Vec::with_capacity(w.facilities.len() + 1);
    carries.push((Fr::one(), Fr::zero(), Fr::zero()));
    for (f, step) in w.facilities.iter().zip(&steps) {
        let last = *carries.last().expect("non-empty");
        carries.push(carry_after(last, f, step));
    }

    // 3. Facility slots, in parallel.
    let slots: Vec<Result<Vec<Fr>>> = w
        .facilities
        .par_iter()
        .enumerate()
        .map(|(j, f)| -> Result<Vec<Fr>> {
            let cs = prove_cs();
            let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
            let g = witnesses(&cs, &globals)?;
            let (product, s, o) = carries[j];
            let carried = if j == 0 {
                // The whole circuit's first slot reads constants.
                (FpVar::one(), FpVar::zero(), FpVar::zero())
            } else {
                (wit(product)?, wit(s)?, wit(o)?)
            };
            let skip = cs.num_witness_variables();
            let inp = SlotInputs {
                importer: g[0].clone(),
                epoch: g[1].clone(),
                facilities_root: g[2].clone(),
                auditors_root: g[3].clone(),
                gamma: g[4].clone(),
                beta: g[5].clone(),
                product: carried.0,
                commitment_chain: carried.1,
                output_chain: carried.2,
            };
            facility_slot(&cs, &inp, f)?;
            Ok(witness_of(&cs)?.split_off(skip))
        })
        .collect();
    for s in slots {
        z.extend(s?);
    }

    // 4. Suffix.
    let cs = prove_cs();
    let wit = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
    let ins = witnesses(&cs, &inputs)?;
    let (product, s, o) = *carries.last().expect("non-empty");
    let (s, product, o) = (wit(s)?, wit(product)?, wit(o)?);
    let skip = cs.num_witness_variables();
    let _ = suffix(&cs, &ins, (&s, &product, &o), w)?;
    z.extend(witness_of(&cs)?.split_off(skip));
    Ok(z)
}
