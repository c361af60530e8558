//! The importer's fleet under the accountable statement: the inventory file
//! (chips, ledger marks, chunked attestations), the deterministic shard plan,
//! the fleet commitment and its secret, and the witnesses of the shard and
//! request proofs.
//!
//! Plan: every attested chunk of a facility is one facility slot; chunks are
//! sorted by (country, registry index of the facility, chunk index) — the order
//! the request proof requires — and packed `F` to a shard in that order. The
//! same inventory and shape always give the same plan.
use crate::error::{ProverError, Result};

pub mod plan;
pub mod slurm;

use ark_bn254::Fr;
use ark_std::UniformRand;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use zkcc_circuits::eddsa::{Signature, SignatureJson};
use zkcc_circuits::encoding::{encode_label, fr_from_hex, fr_to_hex};
use zkcc_circuits::ledger::{challenges, chip_ident, encode_serial};
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::{
    shards_digest, RequestShape, RequestStatement, RequestWitness, Rules, ShardOpening,
};
use zkcc_circuits::shard::{
    attestation_message, chunk_digest, fleet_commitment, shard_commitment, ChipRecord,
    FacilitySlot, ShardShape, ShardStatement, ShardWitness,
};

/// Inventory format version of the accountable statement.
pub const FLEET_INVENTORY_VERSION: u32 = 2;

/// The importer's inventory (private).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetInventory {
    /// [`FLEET_INVENTORY_VERSION`].
    pub version: u32,
    /// The importer (operator of its facilities in the registry).
    pub importer: String,
    /// Epoch.
    pub epoch: u64,
    /// Every chip at the importer's facilities.
    pub chips: Vec<FleetChip>,
    /// Auditor attestations, one per facility chunk.
    pub attestations: Vec<ChunkAttestation>,
}

/// A chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetChip {
    /// Serial number (1–30 printable ASCII).
    pub serial: String,
    /// Model, as in the registry.
    pub model: String,
    /// Facility id, as in the registry.
    pub facility: String,
    /// The chip is in the agency's shipment ledger (a controlled chip shipped
    /// to this importer). Every ledger chip must be marked, and only those.
    pub ledger: bool,
}

/// An auditor's attestation of chunk `chunk` of `chunks` of a facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkAttestation {
    /// Facility id.
    pub facility: String,
    /// Auditor id.
    pub auditor: String,
    /// Epoch of the measurement.
    pub epoch: u64,
    /// Chunk index.
    pub chunk: u64,
    /// Chunk count.
    pub chunks: u64,
    /// Measurements, in the order signed.
    pub measurements: Vec<Measurement>,
    /// The signature; `null` until the auditor signs.
    pub signature: Option<SignatureJson>,
}

/// One chip's measured position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Serial number.
    pub serial: String,
    /// Measured latitude, µdeg.
    pub lat_udeg: i64,
    /// Measured longitude, µdeg.
    pub lon_udeg: i64,
    /// Uncertainty radius, m.
    pub uncertainty_m: u64,
}

/// A chunk resolved against the registry.
#[derive(Clone, Debug)]
pub struct Chunk {
    /// Index of its attestation in the inventory.
    pub attestation: usize,
    /// Registry index of the facility.
    pub facility: usize,
    /// Registry index of the auditor.
    pub auditor: usize,
    /// Epoch signed.
    pub epoch: u64,
    /// Chunk index.
    pub chunk: u64,
    /// Chunk count.
    pub chunks: u64,
    /// Signed records and ledger marks, in signed order.
    pub chips: Vec<(ChipRecord, bool)>,
    /// The signature, if signed.
    pub signature: Option<Signature>,
}

impl Chunk {
    /// The digest the auditor signs.
    pub fn digest(&self) -> Fr {
        chunk_digest(self.chips.iter().map(|(r, _)| r))
    }
    /// The message the auditor signs.
    pub fn message(&self, registry: &Registry) -> Fr {
        attestation_message(
            registry.facilities[self.facility].id,
            self.epoch,
            self.chunk,
            self.chunks,
            self.digest(),
        )
    }
}

fn bad<T>(s: String) -> Result<T> {
    Err(ProverError::Inventory(s))
}

/// Resolves an inventory against the registry: every chip in exactly one
/// attestation of its own facility, every facility, auditor and model
/// registered, serials and labels valid.
pub fn resolve(registry: &Registry, inv: &FleetInventory) -> Result<Vec<Chunk>> {
    if inv.version != FLEET_INVENTORY_VERSION {
        return bad(format!(
            "inventory format version {} is not supported (expected {FLEET_INVENTORY_VERSION})",
            inv.version
        ));
    }
    encode_label(&inv.importer)?;
    let mut chips: HashMap<&str, &FleetChip> = HashMap::new();
    for c in &inv.chips {
        if chips.insert(&c.serial, c).is_some() {
            return bad(format!("chip {} is listed twice", c.serial));
        }
    }
    let mut placed: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(inv.attestations.len());
    for (ai, a) in inv.attestations.iter().enumerate() {
        let fi = registry.facility_index(&a.facility).ok_or_else(|| {
            ProverError::Inventory(format!("facility {} is not in the registry", a.facility))
        })?;
        let au = registry.auditor_index(&a.auditor).ok_or_else(|| {
            ProverError::Inventory(format!("auditor {} is not accredited", a.auditor))
        })?;
        if a.chunks == 0 || a.chunk >= a.chunks || a.chunks >= 1 << 16 {
            return bad(format!(
                "attestation of {}: chunk {} of {} is not a valid chunk",
                a.facility, a.chunk, a.chunks
            ));
        }
        let mut recs = Vec::with_capacity(a.measurements.len());
        for m in &a.measurements {
            let c = chips.get(m.serial.as_str()).ok_or_else(|| {
                ProverError::Inventory(format!(
                    "attestation of {} measures chip {}, which the inventory does not list",
                    a.facility, m.serial
                ))
            })?;
            if c.facility != a.facility {
                return bad(format!(
                    "chip {} is listed at {} but measured at {}",
                    m.serial, c.facility, a.facility
                ));
            }
            if !placed.insert(&m.serial) {
                return bad(format!("chip {} is measured twice", m.serial));
            }
            let mi = registry.model_index(&c.model).ok_or_else(|| {
                ProverError::Inventory(format!(
                    "chip {}: model {:?} is not in the registry",
                    c.serial, c.model
                ))
            })?;
            recs.push((
                ChipRecord {
                    ident: chip_ident(encode_serial(&c.serial)?, mi),
                    lat: m.lat_udeg,
                    lon: m.lon_udeg,
                    uncertainty_m: m.uncertainty_m,
                    tpp: registry.models[mi].1,
                },
                c.ledger,
            ));
        }
        let signature = a
            .signature
            .as_ref()
            .map(SignatureJson::to_signature)
            .transpose()?;
        out.push(Chunk {
            attestation: ai,
            facility: fi,
            auditor: au,
            epoch: a.epoch,
            chunk: a.chunk,
            chunks: a.chunks,
            chips: recs,
            signature,
        });
    }
    if let Some(c) = inv
        .chips
        .iter()
        .find(|c| !placed.contains(c.serial.as_str()))
    {
        return bad(format!("chip {} is in no attestation", c.serial));
    }
    Ok(out)
}

/// The deterministic shard plan: chunk indices per shard.
pub fn plan(registry: &Registry, chunks: &[Chunk], shape: &ShardShape) -> Result<Vec<Vec<usize>>> {
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.sort_by_key(|&i| {
        let c = &chunks[i];
        (registry.facilities[c.facility].country, c.facility, c.chunk)
    });
    for &i in &order {
        if chunks[i].chips.len() > shape.slot_chips {
            return bad(format!(
                "attestation of {} chunk {} holds {} chips; a facility slot holds {} (attest in smaller chunks)",
                registry.file.facilities[chunks[i].facility].id,
                chunks[i].chunk,
                chunks[i].chips.len(),
                shape.slot_chips
            ));
        }
    }
    Ok(order.chunks(shape.facilities).map(|c| c.to_vec()).collect())
}

/// The importer's secret for one epoch: the plan and every blinding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSecret {
    /// Format version (2).
    pub version: u32,
    /// Importer.
    pub importer: String,
    /// Epoch.
    pub epoch: u64,
    /// Shard circuit shape the plan is for.
    pub shape: ShardShape,
    /// The fleet commitment `C` (public).
    pub commitment: String,
    /// Per shard.
    pub shards: Vec<ShardSecret>,
}

/// One shard of the secret. The blindings are wiped when it goes
/// (`zeroize`).
#[derive(
    Clone, Debug, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop,
)]
#[serde(deny_unknown_fields)]
pub struct ShardSecret {
    /// Attestation indices (in the inventory), in slot order.
    #[zeroize(skip)]
    pub attestations: Vec<usize>,
    /// `C_s` (public).
    #[zeroize(skip)]
    pub shard_commitment: String,
    /// Blinding of `C_s` (secret).
    pub blinding: String,
    /// Blinding of `D_s` (secret).
    pub output_blinding: String,
}

/// Everything derived from the inventory, the secret and the registry.
pub struct Fleet {
    /// Encoded importer.
    pub importer: Fr,
    /// Epoch.
    pub epoch: u64,
    /// `C`.
    pub commitment: Fr,
    /// Shard shape.
    pub shape: ShardShape,
    /// Per shard witness (blindings from the secret).
    pub witnesses: Vec<ShardWitness>,
}

pub(crate) fn shard_witness(
    registry: &Registry,
    chunks: &[Chunk],
    idx: &[usize],
    shape: &ShardShape,
    blinding: Fr,
    output_blinding: Fr,
) -> Result<ShardWitness> {
    let mut slots = Vec::with_capacity(shape.facilities);
    for &i in idx {
        let c = chunks
            .iter()
            .find(|c| c.attestation == i)
            .ok_or_else(|| ProverError::Inventory(format!("no attestation {i}")))?;
        let signature = c.signature.ok_or_else(|| {
            ProverError::Inventory(format!(
                "the attestation of {} chunk {} is not signed (zkcc auditor attest)",
                registry.file.facilities[c.facility].id, c.chunk
            ))
        })?;
        slots.push(FacilitySlot::attested(
            registry,
            (c.facility, c.auditor),
            (c.epoch, c.chunk, c.chunks),
            c.chips.iter().copied(),
            shape.slot_chips,
            signature,
        ));
    }
    slots.resize(shape.facilities, FacilitySlot::padding(shape.slot_chips));
    Ok(ShardWitness {
        facilities: slots,
        facilities_root: registry.facility_tree.root(),
        auditors_root: registry.auditor_tree.root(),
        params_digest: registry.params_digest,
        shard_blinding: blinding,
        output_blinding,
    })
}

/// Commits to an inventory: plans the shards, draws the blindings, computes
/// every `C_s` and `C`. Signatures are not needed to commit.
pub fn commit<R: rand::RngCore + rand::CryptoRng>(
    registry: &Registry,
    inv: &FleetInventory,
    shape: &ShardShape,
    rng: &mut R,
) -> Result<FleetSecret> {
    let chunks = resolve(registry, inv)?;
    let importer = encode_label(&inv.importer)?;
    let plan = plan(registry, &chunks, shape)?;
    let mut shards = Vec::with_capacity(plan.len());
    let mut cs = Vec::with_capacity(plan.len());
    // Unsigned chunks commit the same way: the signature is not committed.
    let mut unsigned = chunks.clone();
    for c in unsigned.iter_mut() {
        c.signature
            .get_or_insert(FacilitySlot::padding(0).signature);
    }
    for idx in &plan {
        let (b, ob) = (Fr::rand(rng), Fr::rand(rng));
        let idx: Vec<usize> = idx.iter().map(|&i| chunks[i].attestation).collect();
        let w = shard_witness(registry, &unsigned, &idx, shape, b, ob)?;
        let c_s = shard_commitment(importer, inv.epoch, &w);
        cs.push(c_s);
        shards.push(ShardSecret {
            attestations: idx,
            shard_commitment: fr_to_hex(&c_s),
            blinding: fr_to_hex(&b),
            output_blinding: fr_to_hex(&ob),
        });
    }
    Ok(FleetSecret {
        version: 2,
        importer: inv.importer.clone(),
        epoch: inv.epoch,
        shape: *shape,
        commitment: fr_to_hex(&fleet_commitment(importer, inv.epoch, &cs)),
        shards,
    })
}

/// Rebuilds the fleet from the inventory and the secret, checking that the
/// secret opens to this inventory (same plan, same commitments).
pub fn open(registry: &Registry, inv: &FleetInventory, secret: &FleetSecret) -> Result<Fleet> {
    let chunks = resolve(registry, inv)?;
    let importer = encode_label(&inv.importer)?;
    if secret.version != 2 || secret.importer != inv.importer || secret.epoch != inv.epoch {
        return bad("the commitment secret is for another importer, epoch or format (run zkcc commit again)".into());
    }
    let shape = secret.shape;
    if shape.facilities == 0
        || shape.slot_chips == 0
        || shape.slot_chips > zkcc_circuits::shard::MAX_SLOT_CHIPS
        || shape.facilities > 1 << 12
        || secret
            .shards
            .iter()
            .any(|s| s.attestations.len() > shape.facilities)
    {
        return bad(format!(
            "the commitment secret's shape {} or shard plan is not a valid one (run zkcc commit again)",
            shape.name()
        ));
    }
    let mut witnesses = Vec::new();
    let mut cs = Vec::new();
    for s in &secret.shards {
        let w = shard_witness(
            registry,
            &chunks,
            &s.attestations,
            &shape,
            fr_from_hex(&s.blinding)?,
            fr_from_hex(&s.output_blinding)?,
        )?;
        let c_s = shard_commitment(importer, inv.epoch, &w);
        if fr_to_hex(&c_s) != s.shard_commitment {
            return bad("the commitment secret does not open to this inventory (changed since zkcc commit?)".into());
        }
        cs.push(c_s);
        witnesses.push(w);
    }
    let commitment = fleet_commitment(importer, inv.epoch, &cs);
    if fr_to_hex(&commitment) != secret.commitment {
        return bad("the commitment secret's C does not match its shards".into());
    }
    Ok(Fleet {
        importer,
        epoch: inv.epoch,
        commitment,
        shape,
        witnesses,
    })
}

impl Fleet {
    /// The statements of the shard proofs, for the agency's ledger digest.
    pub fn shard_statements(&self, registry: &Registry, ledger_digest: Fr) -> Vec<ShardStatement> {
        self.witnesses
            .iter()
            .map(|w| {
                shard_statement(
                    self.importer,
                    self.epoch,
                    self.commitment,
                    registry,
                    ledger_digest,
                    w,
                )
            })
            .collect()
    }

    /// The request statement and witness for the agency's nonce and rules.
    pub fn request(
        &self,
        ledger_digest: Fr,
        shape: &RequestShape,
        nonce: Fr,
        rules: Rules,
    ) -> Result<(RequestStatement, RequestWitness)> {
        if self.witnesses.len() > shape.shards || self.shape.facilities != shape.entries {
            return bad(format!(
                "{} shards of {} facility slots do not fit the request circuit {} (shards x entries)",
                self.witnesses.len(),
                self.shape.facilities,
                shape.name()
            ));
        }
        let (gamma, beta) = challenges(self.commitment, ledger_digest, self.importer, self.epoch);
        let openings = self
            .witnesses
            .iter()
            .map(|w| opening(&w.output(gamma, beta)))
            .collect();
        request_statement(
            self.importer,
            self.epoch,
            self.commitment,
            shape,
            nonce,
            rules,
            openings,
        )
    }
}

/// The statement of one shard's proof: its `C_s`, and `D_s` under the
/// challenges of `C` and the ledger digest.
pub fn shard_statement(
    importer: Fr,
    epoch: u64,
    commitment: Fr,
    registry: &Registry,
    ledger_digest: Fr,
    w: &ShardWitness,
) -> ShardStatement {
    let (gamma, beta) = challenges(commitment, ledger_digest, importer, epoch);
    let out = w.output(gamma, beta);
    ShardStatement {
        importer,
        registry_root: registry.root,
        epoch,
        commitment,
        shard_commitment: shard_commitment(importer, epoch, w),
        output: out.commitment(commitment, importer, epoch),
        ledger_digest,
    }
}

/// The request proof's opening of one shard's `D_s`.
pub fn opening(out: &zkcc_circuits::shard::ShardOutput) -> ShardOpening {
    ShardOpening {
        used: true,
        product: out.product,
        blinding: out.blinding,
        entries: out.entries.clone(),
    }
}

/// The request statement and witness from the shards' openings (in the
/// order of `C`): the ledger product, the shards digest, the number of
/// distinct facilities holding a ledger chip; padding slots up to the request
/// shape.
pub fn request_statement(
    importer: Fr,
    epoch: u64,
    commitment: Fr,
    shape: &RequestShape,
    nonce: Fr,
    rules: Rules,
    mut openings: Vec<ShardOpening>,
) -> Result<(RequestStatement, RequestWitness)> {
    if openings.len() > shape.shards || openings.iter().any(|o| o.entries.len() != shape.entries) {
        return bad(format!(
            "{} shards do not fit the request circuit {} (shards x entries)",
            openings.len(),
            shape.name()
        ));
    }
    let mut outputs = Vec::with_capacity(openings.len());
    let mut product = Fr::from(1u64);
    for o in &openings {
        outputs.push(o.commitment(commitment, importer, epoch));
        product *= o.product;
    }
    openings.resize(shape.shards, ShardOpening::padding(shape.entries));
    let witness = RequestWitness { shards: openings };
    // Facilities holding a ledger chip: one with none adds nothing.
    let facilities = zkcc_circuits::request::ledger_facilities(&witness);
    Ok((
        RequestStatement {
            importer,
            epoch,
            commitment,
            shards_digest: shards_digest(&outputs),
            ledger_product: product,
            nonce,
            rules,
            facilities,
        },
        witness,
    ))
}

/// The auditor's side: signs every attestation of `inv` that names this
/// auditor (optionally only those of `facility`). Returns how many it signed.
///
/// The auditor signs what it measured; it refuses a key that the registry
/// does not accredit under its id.
pub fn attest(
    registry: &Registry,
    inv: &mut FleetInventory,
    key: &crate::inventory::AuditorKeyFile,
    facility: Option<&str>,
) -> Result<usize> {
    let sk = key.secret_key()?;
    let idx = registry.auditor_index(&key.id).ok_or_else(|| {
        ProverError::Keys(format!(
            "auditor {} is not accredited in this registry",
            key.id
        ))
    })?;
    if registry.auditors[idx].key != sk.public() {
        return Err(ProverError::Keys(format!(
            "this key is not the key the registry accredits for {}",
            key.id
        )));
    }
    let chunks = resolve(registry, inv)?;
    let mut signed = 0;
    for c in &chunks {
        let a = &mut inv.attestations[c.attestation];
        if a.auditor != key.id || facility.is_some_and(|f| f != a.facility) {
            continue;
        }
        a.signature = Some(SignatureJson::from_signature(&sk.sign(c.message(registry))));
        signed += 1;
    }
    if signed == 0 {
        return bad(format!(
            "no attestation{} names auditor {}",
            facility.map(|f| format!(" of {f}")).unwrap_or_default(),
            key.id
        ));
    }
    Ok(signed)
}

/// Exporters' shipment records, as the agency receives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentsFile {
    /// Format version (1).
    pub version: u32,
    /// Every reported shipment.
    pub shipments: Vec<Shipment>,
}

/// One shipped chip.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// The exporter that reported it.
    pub exporter: String,
    /// Serial number.
    pub serial: String,
    /// Model, as in the registry.
    pub model: String,
    /// The consignee (importer id).
    pub consignee: String,
    /// `true` once the chip was returned or retired: it leaves the ledger.
    #[serde(default)]
    pub returned: bool,
}

/// The agency's ledger for `importer` from exporters' shipment records: every
/// chip shipped to it and not returned, with the registry's TPP for its model.
pub fn ledger_from_shipments(
    registry: &Registry,
    shipments: &ShipmentsFile,
    importer: &str,
) -> Result<zkcc_circuits::ledger::Ledger> {
    use zkcc_circuits::ledger::{Ledger, LedgerFile, LedgerRecordJson, LEDGER_VERSION};
    if shipments.version != 1 {
        return bad(format!(
            "shipments format version {} is not supported (expected 1)",
            shipments.version
        ));
    }
    let mut records = Vec::new();
    for s in shipments
        .shipments
        .iter()
        .filter(|s| s.consignee == importer && !s.returned)
    {
        let mi = registry.model_index(&s.model).ok_or_else(|| {
            ProverError::Inventory(format!(
                "shipment of {} by {}: model {:?} is not in the registry",
                s.serial, s.exporter, s.model
            ))
        })?;
        records.push(LedgerRecordJson {
            serial: s.serial.clone(),
            model: s.model.clone(),
            tpp: registry.models[mi].1,
        });
    }
    Ledger::from_file(
        LedgerFile {
            version: LEDGER_VERSION,
            importer: importer.into(),
            records,
        },
        registry,
    )
    .map_err(|e| ProverError::Inventory(e.to_string()))
}

/// Proves every shard of a fleet with the tuned prover: native checks and
/// assignments in parallel across shards, then one proof at a time with every
/// core. The bundles are in the order of `C`.
pub fn prove_shards<R: rand::RngCore + rand::CryptoRng>(
    pk: &zkcc_engine::prove::ProverKey,
    fleet: &Fleet,
    registry: &Registry,
    importer: &str,
    ledger_digest: Fr,
    rng: &mut R,
) -> Result<Vec<zkcc_verifier::submission::ShardBundle>> {
    prove_shards_counted(
        pk,
        fleet,
        registry,
        importer,
        ledger_digest,
        rng,
        &zkcc_engine::prove::Quiet,
    )
}

/// [`prove_shards`], telling `progress` as the shards' witnesses are
/// computed and as each shard proof's stages finish (for a progress display).
pub fn prove_shards_counted<R: rand::RngCore + rand::CryptoRng>(
    pk: &zkcc_engine::prove::ProverKey,
    fleet: &Fleet,
    registry: &Registry,
    importer: &str,
    ledger_digest: Fr,
    rng: &mut R,
    progress: &dyn zkcc_engine::prove::Progress,
) -> Result<Vec<zkcc_verifier::submission::ShardBundle>> {
    use zkcc_circuits::shard::constraints::ShardCircuit;
    let statements = fleet.shard_statements(registry, ledger_digest);
    let circuits: Vec<ShardCircuit> = statements
        .iter()
        .zip(&fleet.witnesses)
        .map(|(st, w)| ShardCircuit::with_witness(fleet.shape, *st, w.clone()))
        .collect();
    let id = zkcc_verifier::keys::circuit_id(&pk.vk);
    let proofs = zkcc_engine::prove::prove_many_observed(
        pk,
        &circuits,
        crate::claims::shard_assignment,
        rng,
        progress,
    );
    proofs
        .into_iter()
        .zip(&statements)
        .enumerate()
        .map(|(s, (p, st))| {
            let p = p.map_err(|e| ProverError::Inventory(format!("shard {s}: {e}")))?;
            Ok(zkcc_verifier::submission::ShardBundle::new(
                importer,
                id.clone(),
                fleet.shape,
                st,
                &p,
            ))
        })
        .collect()
}

/// Proves the agency's request over the fleet's shards, telling `progress`
/// as the proof's stages finish.
#[allow(clippy::too_many_arguments)]
pub fn prove_request<R: rand::RngCore + rand::CryptoRng>(
    pk: &zkcc_engine::prove::ProverKey,
    shape: &RequestShape,
    fleet: &Fleet,
    importer: &str,
    ledger_digest: Fr,
    request: &zkcc_verifier::submission::RequestFile,
    rng: &mut R,
    progress: &dyn zkcc_engine::prove::Progress,
) -> Result<zkcc_verifier::submission::RequestBundle> {
    use zkcc_circuits::request::constraints::RequestCircuit;
    if request.importer != importer || request.epoch != fleet.epoch {
        return bad(format!(
            "the request is for {} epoch {}, this fleet is {importer} epoch {}",
            request.importer, request.epoch, fleet.epoch
        ));
    }
    let rules = request.rules.to_rules()?;
    let nonce = fr_from_hex(&request.nonce)?;
    let (st, w) = fleet.request(ledger_digest, shape, nonce, rules)?;
    let circuit = RequestCircuit::with_witness(*shape, st, w);
    let z = crate::claims::request_assignment(&circuit)?;
    let proof = crate::claims::prove_one(pk, Ok(z), rng, progress)?;
    Ok(zkcc_verifier::submission::RequestBundle::new(
        importer,
        zkcc_verifier::keys::circuit_id(&pk.vk),
        *shape,
        &st,
        &proof,
    ))
}
