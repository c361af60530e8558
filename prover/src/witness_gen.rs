//! The full assignment `z = (1, inputs, witness)` of the cluster circuit,
//! computed in parallel across chip slots, without building constraints.
//!
//! The circuit allocates its variables in three runs, none of whose order
//! depends on the values: the prefix (public inputs, registry, facility slots,
//! commitment: [`prefix`]), one run per chip slot ([`chip_slot`]), and the 64
//! bits of `cap − active`. So:
//!
//! 1. the prefix is synthesized once, in prove mode without matrices;
//! 2. the values each chip slot passes to the next (`a`, `s`, `g`, the chain
//!    value `acc`, the selected digest) are computed natively — one Poseidon
//!    per slot;
//! 3. the chip slots are cut into chunks, and every chunk is synthesized on
//!    its own thread in a fresh constraint system whose first variables stand
//!    for what the chunk reads (the facility digests and fences, the carry of
//!    the slot before it); the chunk's own variables follow, in the global
//!    order, and are copied into place;
//! 4. the 64 bits of `cap − active` are computed natively.
//!
//! A slip here cannot produce a bad proof: the prover checks every row of the
//! matrices against the assignment before proving
//! ([`crate::prove::evaluate_checked`]), and the tests compare this
//! assignment with the one of a whole synthesis.
use crate::error::{ProverError, Result};
use ark_bn254::Fr;
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use rayon::prelude::*;
use zkcc_circuits::cluster::constraints::{
    chip_slot, prefix, ChipCarry, ClusterCircuit, FacilityVars,
};
use zkcc_circuits::cluster::{Derived, CAP_BITS};
use zkcc_circuits::geofence::constraints::FenceVar;
use zkcc_circuits::poseidon;
use zkcc_circuits::registry::{AUDITOR_DEPTH, FACILITY_DEPTH};

fn prove_cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    cs
}

fn witness_of(cs: &ConstraintSystemRef<Fr>) -> Result<Vec<Fr>> {
    let inner = cs
        .borrow()
        .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
    Ok(inner.witness_assignment()?.to_vec())
}

/// The assignment by one whole synthesis (prove mode, no matrices): the
/// reference the parallel [`assignment`] is tested against.
pub fn assignment_by_synthesis(circuit: &ClusterCircuit) -> Result<Vec<Fr>> {
    let cs = prove_cs();
    circuit.clone().generate_constraints(cs.clone())?;
    let inner = cs
        .borrow()
        .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
    let mut z = inner.instance_assignment()?.to_vec();
    z.extend_from_slice(inner.witness_assignment()?);
    Ok(z)
}

/// Native values a chip slot passes on: `(a, s, g, acc, sel)`.
type Carry = (Fr, Fr, Fr, Fr, Fr);

/// The assignment, in parallel across chip slots (see the module docs).
pub fn assignment(circuit: &ClusterCircuit) -> Result<Vec<Fr>> {
    let shape = circuit.shape;
    let w = circuit
        .witness
        .as_ref()
        .ok_or_else(|| ProverError::Backend("no witness to prove with".into()))?;
    let depths_ok = w.facilities.iter().all(|f| {
        f.facility_path.siblings.len() == FACILITY_DEPTH
            && f.auditor_path.siblings.len() == AUDITOR_DEPTH
    });
    if w.chips.len() != shape.chips || w.facilities.len() != shape.facilities || !depths_ok {
        return Err(ProverError::Backend(
            "the witness does not have the circuit's shape".into(),
        ));
    }
    let d = Derived::lenient(w, &shape);
    let nf = shape.facilities;

    // 1. Prefix.
    let cs = prove_cs();
    prefix(&cs, &circuit.statement, w, &d)?;
    let mut z = {
        let inner = cs
            .borrow()
            .ok_or_else(|| ProverError::Backend("constraint system unavailable".into()))?;
        let mut z = inner.instance_assignment()?.to_vec();
        z.extend_from_slice(inner.witness_assignment()?);
        z
    };
    drop(cs);

    // 2. Carries, natively.
    let fences: Vec<[Fr; 4]> = w
        .facilities
        .iter()
        .map(|f| {
            let [_, _, _, lat, lon, radius, lon_scale, _] = f.facility.fields();
            [lat, lon, radius, lon_scale]
        })
        .collect();
    let mut carries: Vec<Carry> = Vec::with_capacity(shape.chips);
    let mut count = Fr::zero();
    for (i, c) in w.chips.iter().enumerate() {
        let a = if c.active { Fr::one() } else { Fr::zero() };
        let s = if d.starts[i] { Fr::one() } else { Fr::zero() };
        let in_slot = c.active && c.facility_slot < nf;
        let g = if in_slot {
            Fr::from(c.facility_slot as u64)
        } else {
            Fr::zero()
        };
        let sel = if in_slot {
            d.digests[c.facility_slot]
        } else {
            Fr::zero()
        };
        let acc_in = match carries.last() {
            None => Fr::zero(),
            Some(p) => (Fr::one() - s) * p.3,
        };
        let f = c.record.fields();
        let acc = poseidon::hash(&[acc_in, f[0], f[1], f[2], f[3], f[4]]);
        count += a;
        carries.push((a, s, g, acc, sel));
    }

    // 3. Chip slots, in parallel chunks.
    let threads = rayon::current_num_threads().max(1);
    let chunk = shape.chips.div_ceil(4 * threads).max(1);
    let parts: Vec<Result<Vec<Fr>>> = (0..shape.chips.div_ceil(chunk))
        .into_par_iter()
        .map(|k| {
            let (i0, i1) = (k * chunk, ((k + 1) * chunk).min(shape.chips));
            let cs = prove_cs();
            let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
            let digests = (0..nf)
                .map(|j| wit(d.digests[j]))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let fence_vars = fences
                .iter()
                .map(|f| {
                    Ok(FenceVar {
                        lat: wit(f[0])?,
                        lon: wit(f[1])?,
                        radius_m: wit(f[2])?,
                        lon_scale: wit(f[3])?,
                    })
                })
                .collect::<std::result::Result<Vec<_>, ark_relations::gr1cs::SynthesisError>>()?;
            let facilities = FacilityVars {
                digests,
                fences: fence_vars,
            };
            let mut prev = match i0 {
                0 => None,
                _ => {
                    let (a, s, g, acc, sel) = carries[i0 - 1];
                    Some(ChipCarry {
                        a: wit(a)?,
                        s: wit(s)?,
                        g: wit(g)?,
                        acc: wit(acc)?,
                        sel: wit(sel)?,
                    })
                }
            };
            let imported = cs.num_witness_variables();
            for i in i0..i1 {
                prev = Some(chip_slot(
                    &cs,
                    &w.chips[i],
                    d.starts[i],
                    &facilities,
                    prev.as_ref(),
                )?);
            }
            drop(prev);
            drop(facilities);
            let mut v = witness_of(&cs)?;
            v.drain(..imported);
            Ok(v)
        })
        .collect();
    for p in parts {
        z.extend(p?);
    }

    // 4. The bits of cap − active, as `enforce_bits` allocates them.
    let rest = Fr::from(circuit.statement.cap) - count;
    let bits = rest.into_bigint().to_bits_le();
    z.extend(
        bits.iter()
            .take(CAP_BITS)
            .map(|&b| if b { Fr::one() } else { Fr::zero() }),
    );
    Ok(z)
}
