//! The importer's delay evidence: what each landmark must measure, and the
//! delay proofs over the committed shards.
//!
//! For every shard of the committed inventory and every facility slot holding
//! a ledger chip, the importer asks a landmark that covers the slot's facility
//! to measure the slot's ledger chips, in slot order ([`slot_requests`]); the
//! landmark signs one batch per slot ([`SignedBatch`]); the importer then
//! proves, per shard, that every chip it marked as a ledger chip was measured
//! within the landmark's bound on that day ([`prove_delay`]). The proofs
//! re-open the shards' commitments `C_s`, so they cover exactly the chips the
//! shard proofs located, in the same facilities.
use crate::error::{ProverError, Result};
use crate::fleet::Fleet;
use crate::landmark::{BatchFile, ChipRef};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use zkcc_circuits::delay::constraints::DelayCircuit;
use zkcc_circuits::delay::{Batch, DelayRegistry, DelayStatement, DelayWitness, SlotEvidence};
use zkcc_circuits::eddsa::Signature;
use zkcc_circuits::ledger::{serial_of, MODEL_SHIFT};
use zkcc_circuits::registry::Registry;
use zkcc_verifier::submission::DelayBundle;

/// What one facility slot of one shard asks of a landmark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRequest {
    /// Shard index.
    pub shard: usize,
    /// Facility slot index.
    pub slot: usize,
    /// The slot's facility (registry index).
    pub facility: usize,
    /// The landmarks (registry indices) whose accepted distance covers the facility.
    pub landmarks: Vec<usize>,
    /// Per chip position: the ledger chip to measure, or `None`.
    pub entries: Vec<Option<ChipRef>>,
}

/// The serial and model of a chip identity.
pub fn chip_ref(registry: &Registry, ident: &Fr) -> Result<ChipRef> {
    let bad = || ProverError::Inventory(format!("{ident}: not a chip identity"));
    let serial = serial_of(ident).ok_or_else(bad)?;
    let bits = ident.into_bigint().to_bits_le();
    let index = (0..8).fold(0usize, |a, b| {
        a | ((bits[MODEL_SHIFT as usize + b] as usize) << b)
    });
    let model = registry
        .file
        .chip_models
        .get(index)
        .ok_or_else(bad)?
        .name
        .clone();
    Ok(ChipRef { serial, model })
}

/// Every facility slot with a ledger chip, with the landmarks that may
/// measure it and the chips they must measure, in slot order.
pub fn slot_requests(fleet: &Fleet, registry: &Registry) -> Result<Vec<SlotRequest>> {
    let mut out = Vec::new();
    for (s, w) in fleet.witnesses.iter().enumerate() {
        for (j, f) in w.facilities.iter().enumerate() {
            if !f.chips.iter().any(|c| c.ledger) {
                continue;
            }
            let facility = f.facility_path.index as usize;
            let landmarks = registry
                .coverage
                .iter()
                .filter(|p| p.0 == facility)
                .map(|p| p.1)
                .collect();
            let entries = f
                .chips
                .iter()
                .map(|c| {
                    c.ledger
                        .then(|| chip_ref(registry, &c.record.ident))
                        .transpose()
                })
                .collect::<Result<_>>()?;
            out.push(SlotRequest {
                shard: s,
                slot: j,
                facility,
                landmarks,
                entries,
            });
        }
    }
    Ok(out)
}

/// A landmark's signed batch for one slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBatch {
    /// Shard index.
    pub shard: usize,
    /// Facility slot index.
    pub slot: usize,
    /// The landmark (registry index).
    pub landmark: usize,
    /// The day it is signed for.
    pub day: u64,
    /// What it measured.
    pub batch: Batch,
    /// Its signature of [`Batch::message`].
    pub signature: Signature,
}

/// The delay statements and witnesses of a fleet for `day`, from one signed
/// batch per slot holding a ledger chip. Each batch is checked against the
/// slot (its chips, the coverage, the day, the bound, the signature) before
/// anything is proven: a missing, foreign or failing batch is named.
pub fn delay_claims(
    fleet: &Fleet,
    registry: &Registry,
    day: u64,
    batches: &[SignedBatch],
) -> Result<Vec<(DelayStatement, DelayWitness)>> {
    let opening = DelayRegistry::of(registry).ok_or_else(|| {
        ProverError::Inventory(
            "the registry lists no landmark: no delay evidence can be proven".into(),
        )
    })?;
    let requests = slot_requests(fleet, registry)?;
    let bad = |m: String| Err(ProverError::Inventory(m));
    let mut out = Vec::with_capacity(fleet.witnesses.len());
    for (s, w) in fleet.witnesses.iter().enumerate() {
        let mut evidence = vec![SlotEvidence::none(); w.facilities.len()];
        for r in requests.iter().filter(|r| r.shard == s) {
            let name = &registry.file.facilities[r.facility].id;
            let found: Vec<&SignedBatch> = batches
                .iter()
                .filter(|b| b.shard == s && b.slot == r.slot)
                .collect();
            let [b] = found[..] else {
                return bad(format!(
                    "shard {s} slot {} ({name}): {} signed batches, one is needed",
                    r.slot,
                    found.len()
                ));
            };
            let lm = registry.landmarks.get(b.landmark).ok_or_else(|| {
                ProverError::Inventory(format!("landmark {} is not in the registry", b.landmark))
            })?;
            let lname = &registry.file.landmarks[b.landmark].id;
            let want = Batch::request(&w.facilities[r.slot]);
            if b.batch.entries.iter().map(|e| e.0).collect::<Vec<_>>() != want {
                return bad(format!(
                    "shard {s} slot {} ({name}): landmark {lname}'s batch does not list the slot's ledger chips in slot order",
                    r.slot
                ));
            }
            if b.day != day {
                return bad(format!(
                    "shard {s} slot {} ({name}): landmark {lname}'s batch is for day {}, not {day}",
                    r.slot, b.day
                ));
            }
            let ev = SlotEvidence::new(
                registry,
                (r.facility, b.landmark),
                day,
                &b.batch,
                b.signature,
            )
            .ok_or_else(|| {
                ProverError::Inventory(format!(
                    "shard {s} slot {} ({name}): landmark {lname} does not cover the facility",
                    r.slot
                ))
            })?;
            if !zkcc_circuits::delay::rtt_within(ev.max_rtt_ns, lm.max_distance_m) {
                return bad(format!(
                    "shard {s} slot {} ({name}): a round trip of {} ns to landmark {lname} allows {:.0} km, it accepts {} km",
                    r.slot,
                    ev.max_rtt_ns,
                    zkcc_circuits::delay::distance_bound_m(ev.max_rtt_ns) / 1e3,
                    lm.max_distance_m / 1000
                ));
            }
            evidence[r.slot] = ev;
        }
        let st = DelayStatement {
            importer: fleet.importer,
            registry_root: registry.root,
            epoch: fleet.epoch,
            shard_commitment: zkcc_circuits::shard::shard_commitment(
                fleet.importer,
                fleet.epoch,
                w,
            ),
            day,
        };
        let wit = DelayWitness {
            shard: w.clone(),
            registry: opening,
            evidence,
        };
        zkcc_circuits::delay::check_native(&fleet.shape, &st, &wit)
            .map_err(|e| ProverError::Inventory(format!("delay evidence of shard {s}: {e}")))?;
        out.push((st, wit));
    }
    Ok(out)
}

/// Proves the delay evidence of every shard (checked first: [`delay_claims`]),
/// telling `progress` as each shard's proof finishes its stages.
#[allow(clippy::too_many_arguments)]
pub fn prove_delay<R: rand::RngCore + rand::CryptoRng>(
    pk: &zkcc_engine::prove::ProverKey,
    fleet: &Fleet,
    registry: &Registry,
    importer: &str,
    day: u64,
    batches: &[SignedBatch],
    rng: &mut R,
    progress: &dyn zkcc_engine::prove::Progress,
) -> Result<Vec<DelayBundle>> {
    let claims = delay_claims(fleet, registry, day, batches)?;
    let assignments: Vec<Result<Vec<Fr>>> = claims
        .iter()
        .enumerate()
        .map(|(k, (st, w))| {
            let z = crate::claims::delay_assignment(&DelayCircuit::with_witness(
                fleet.shape,
                *st,
                w.clone(),
            ));
            progress.assigned(k + 1, claims.len());
            z
        })
        .collect();
    let id = zkcc_verifier::keys::circuit_id(&pk.vk);
    zkcc_engine::prove::prove_assignments_observed(pk, assignments, rng, progress)
        .into_iter()
        .zip(&claims)
        .enumerate()
        .map(|(s, (p, (st, _)))| {
            let p =
                p.map_err(|e| ProverError::Inventory(format!("delay proof of shard {s}: {e}")))?;
            Ok(DelayBundle::new(importer, id.clone(), fleet.shape, st, &p))
        })
        .collect()
}

/// Matches the landmarks' batch files to the fleet's slots (a batch belongs
/// to the one slot whose ledger chips it lists, in slot order), each verified
/// natively first ([`BatchFile::verify`]). A file that matches no slot, or a
/// slot matched twice, is named.
pub fn match_batches(
    fleet: &Fleet,
    registry: &Registry,
    files: &[(String, BatchFile)],
) -> Result<Vec<SignedBatch>> {
    let requests = slot_requests(fleet, registry)?;
    let mut out: Vec<SignedBatch> = Vec::with_capacity(files.len());
    for (name, f) in files {
        let batch = f
            .verify(registry)
            .map_err(|e| ProverError::Inventory(format!("{name}: {e}")))?;
        let idents: Vec<Fr> = batch.entries.iter().map(|e| e.0).collect();
        let r = requests
            .iter()
            .find(|r| Batch::request(&fleet.witnesses[r.shard].facilities[r.slot]) == idents)
            .ok_or_else(|| {
                ProverError::Inventory(format!(
                    "{name}: its chips are not the ledger chips of any facility slot of this commitment, in slot order"
                ))
            })?;
        let signature = f
            .signature
            .to_signature()
            .map_err(|e| ProverError::Inventory(format!("{name}: signature: {e}")))?;
        if out.iter().any(|b| b.shard == r.shard && b.slot == r.slot) {
            return Err(ProverError::Inventory(format!(
                "{name}: a second batch for shard {} slot {}",
                r.shard, r.slot
            )));
        }
        out.push(SignedBatch {
            shard: r.shard,
            slot: r.slot,
            landmark: registry.landmark_index(&f.landmark).ok_or_else(|| {
                ProverError::Inventory(format!(
                    "{name}: landmark {} is not in the registry",
                    f.landmark
                ))
            })?,
            day: f.day,
            batch,
            signature,
        });
    }
    Ok(out)
}
