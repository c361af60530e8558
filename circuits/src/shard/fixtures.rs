//! Deterministic fixtures for tests and benches: a registry with facilities
//! of two operators in five countries, an importer's fleet planned into
//! shards, its ledger, and every statement and witness of a submission.
//!
//! A test edits the [`Plan`] (drop a chip, list one twice, change a model,
//! move a chunk) or the ledger and calls [`Fleet::build`] again: everything
//! downstream (signatures, commitments, challenges, outputs) is recomputed
//! honestly, so that the check under test is the only one that can fail.
use super::*;
use crate::eddsa::{PointJson, SecretKey};
use crate::encoding::{encode_country, encode_label};
use crate::ledger::{
    challenges, chip_ident, encode_serial, Ledger, LedgerFile, LedgerRecordJson, LEDGER_VERSION,
};
use crate::registry::{
    tier_table, AuditorJson, ChipModelJson, FacilityJson, ImporterJson, Registry, RegistryFile,
};
use crate::request::{
    shards_digest, RequestShape, RequestStatement, RequestWitness, Rules, ShardOpening,
};
use ark_ff::UniformRand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The importer of the fixtures.
pub const IMPORTER: &str = "ACME-DC";
/// Another importer.
pub const OTHER: &str = "OTHER-DC";
/// Epoch of the fixtures.
pub const EPOCH: u64 = 7;

/// Facilities: (id, operator, country, lat µdeg, lon µdeg, radius m).
pub const FACILITIES: [(&str, &str, &str, i64, i64, u64); 6] = [
    ("FR-PAR-01", IMPORTER, "FR", 48_856_600, 2_352_200, 600),
    ("DE-FRA-02", IMPORTER, "DE", 50_110_900, 8_682_100, 900),
    ("US-VA-03", IMPORTER, "US", 39_043_800, -77_487_400, 1_200),
    ("SG-JUR-04", IMPORTER, "SG", 1_332_100, 103_740_500, 450),
    ("KP-PYO-05", IMPORTER, "KP", 39_019_400, 125_738_000, 500),
    ("FR-LYS-06", OTHER, "FR", 45_764_000, 4_835_700, 700),
];

/// Chip models: (name, TPP).
pub const MODELS: [(&str, u64); 2] = [("H100-SXM", 15_832), ("B200", 36_000)];

/// The fixture registry, with two accredited auditors.
pub fn registry(auditor_keys: &[SecretKey]) -> Registry {
    let file = RegistryFile {
        version: crate::registry::FORMAT_VERSION,
        policy_version: 1,
        facilities: FACILITIES
            .iter()
            .map(|&(id, op, c, lat, lon, r)| FacilityJson::new(id, op, c, lat, lon, r))
            .collect(),
        auditors: auditor_keys
            .iter()
            .enumerate()
            .map(|(i, k)| AuditorJson {
                id: format!("AUDITOR-{i}"),
                public_key: PointJson::from_point(&k.public()),
            })
            .collect(),
        chip_models: MODELS
            .iter()
            .map(|&(n, t)| ChipModelJson {
                name: n.into(),
                tpp: t,
            })
            .collect(),
        country_tiers: tier_table(&[("FR", 1), ("DE", 1), ("US", 1), ("SG", 2), ("KP", 3)]),
        default_tier: 2,
        evaluators: vec![],
        eval_suites: vec![],
        importers: vec![
            ImporterJson::new(IMPORTER, "FR"),
            ImporterJson::new(OTHER, "DE"),
        ],
        landmarks: vec![],
        device_vendors: vec![],
    };
    Registry::from_file(file).expect("fixture registry is valid")
}

/// One chip of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanChip {
    /// The measured, signed record.
    pub record: ChipRecord,
    /// Marked as a ledger chip.
    pub ledger: bool,
}

/// One attested chunk of a facility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanChunk {
    /// Registry index of the facility.
    pub facility: usize,
    /// Auditor index.
    pub auditor: usize,
    /// Chunk index and count.
    pub chunk: u64,
    /// Chunk count.
    pub chunks: u64,
    /// Epoch the auditor signs.
    pub epoch: u64,
    /// The chips.
    pub chips: Vec<PlanChip>,
}

/// The importer's fleet, planned into shards of chunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `shards[s]` = the chunks in shard `s`, in slot order.
    pub shards: Vec<Vec<PlanChunk>>,
}

/// A built submission: per shard statement and witness, the request.
pub struct Fleet {
    /// Registry.
    pub registry: Registry,
    /// Auditor keys.
    pub auditor_keys: Vec<SecretKey>,
    /// The agency's ledger for the importer.
    pub ledger: Ledger,
    /// Shard circuit shape.
    pub shape: ShardShape,
    /// Request circuit shape.
    pub request_shape: RequestShape,
    /// The plan it was built from.
    pub plan: Plan,
    /// Per shard.
    pub shards: Vec<(ShardStatement, ShardWitness)>,
    /// The request.
    pub request: (RequestStatement, RequestWitness),
    /// Seeded randomness for blindings.
    pub seed: u64,
}

/// A chip record at a random position inside facility `f`'s fence.
pub fn chip_in(
    reg: &Registry,
    f: usize,
    serial: &str,
    model: usize,
    rng: &mut StdRng,
) -> ChipRecord {
    let leaf = reg.facilities[f];
    loop {
        let unc = rng.gen_range(5..60u64);
        let span = (leaf.fence.radius_m * 5) as i64;
        let lat = leaf.fence.lat + rng.gen_range(-span..=span);
        let lon = leaf.fence.lon + rng.gen_range(-span..=span);
        if leaf.fence.check(lat, lon, unc).is_ok() {
            return ChipRecord {
                ident: chip_ident(encode_serial(serial).expect("serial"), model),
                lat,
                lon,
                uncertainty_m: unc,
                tpp: MODELS[model].1,
            };
        }
    }
}

impl Plan {
    /// A plan for `sizes[f]` = (registry facility, ledger chips, other chips),
    /// chunked by `m`, sorted by (country, facility), packed `f_slots` chunks
    /// per shard.
    pub fn new(
        reg: &Registry,
        sizes: &[(usize, usize, usize)],
        m: usize,
        f_slots: usize,
        seed: u64,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut order: Vec<&(usize, usize, usize)> = sizes.iter().collect();
        order.sort_by_key(|(f, _, _)| (reg.facilities[*f].country, *f));
        let mut chunks = Vec::new();
        let mut serial = 0usize;
        for &&(f, ledger, other) in &order {
            let mut chips = Vec::new();
            for i in 0..ledger + other {
                serial += 1;
                let rec = chip_in(reg, f, &format!("SN-{serial:07}"), serial % 2, &mut rng);
                chips.push(PlanChip {
                    record: rec,
                    ledger: i < ledger,
                });
            }
            let k = chips.len().div_ceil(m).max(1);
            for (c, part) in chips.chunks(m).enumerate() {
                chunks.push(PlanChunk {
                    facility: f,
                    auditor: f % 2,
                    chunk: c as u64,
                    chunks: k as u64,
                    epoch: EPOCH,
                    chips: part.to_vec(),
                });
            }
        }
        Self {
            shards: chunks.chunks(f_slots).map(|c| c.to_vec()).collect(),
        }
    }

    /// The ledger of every chip marked in the plan.
    pub fn ledger(&self, reg: &Registry) -> Ledger {
        let records = self
            .shards
            .iter()
            .flatten()
            .flat_map(|c| c.chips.iter())
            .filter(|c| c.ledger)
            .map(|c| {
                let model = (c.record.ident.into_bigint().as_ref()[3] >> 48) as usize;
                LedgerRecordJson {
                    serial: crate::ledger::serial_of(&c.record.ident).expect("serial"),
                    model: MODELS[model].0.into(),
                    tpp: c.record.tpp,
                }
            })
            .collect();
        Ledger::from_file(
            LedgerFile {
                version: LEDGER_VERSION,
                importer: IMPORTER.into(),
                records,
            },
            reg,
        )
        .expect("fixture ledger is valid")
    }
}

use ark_ff::PrimeField;

/// The home country of the fixture importer.
pub fn home() -> u64 {
    encode_country("FR").expect("country")
}

impl Fleet {
    /// The standard honest fleet: FR (2 facilities' worth), DE, US and SG,
    /// with one facility in two chunks, in shards of `shape`, answered by a
    /// request of `request_shape` under permissive rules.
    pub fn standard(shape: ShardShape, request_shape: RequestShape, seed: u64) -> Self {
        let keys: Vec<SecretKey> = (0..2u8)
            .map(|i| SecretKey::from_seed([i + 1; 32]))
            .collect();
        let reg = registry(&keys);
        let m = shape.slot_chips;
        let sizes = [(0, m + 2, 1), (1, 3, 1), (2, 2, 0), (3, 1, 1)];
        let plan = Plan::new(&reg, &sizes, m, shape.facilities, seed);
        let ledger = plan.ledger(&reg);
        Self::build(
            reg,
            keys,
            ledger,
            shape,
            request_shape,
            plan,
            Rules::permissive(home()),
            seed,
        )
    }

    /// Builds every statement and witness from a plan, honestly.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        registry: Registry,
        auditor_keys: Vec<SecretKey>,
        ledger: Ledger,
        shape: ShardShape,
        request_shape: RequestShape,
        plan: Plan,
        rules: Rules,
        seed: u64,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let importer = encode_label(IMPORTER).expect("label");
        let mut witnesses = Vec::new();
        for chunks in &plan.shards {
            let mut slots: Vec<FacilitySlot> = chunks
                .iter()
                .map(|c| {
                    let mut slot = FacilitySlot::attested(
                        &registry,
                        (c.facility, c.auditor),
                        (c.epoch, c.chunk, c.chunks),
                        c.chips.iter().map(|p| (p.record, p.ledger)),
                        shape.slot_chips,
                        FacilitySlot::padding(0).signature,
                    );
                    let id = slot.facility.id;
                    let msg = attestation_message(id, c.epoch, c.chunk, c.chunks, slot.digest());
                    slot.signature = auditor_keys[c.auditor].sign(msg);
                    slot
                })
                .collect();
            slots.resize(shape.facilities, FacilitySlot::padding(shape.slot_chips));
            witnesses.push(ShardWitness {
                facilities: slots,
                facilities_root: registry.facility_tree.root(),
                auditors_root: registry.auditor_tree.root(),
                params_digest: registry.params_digest,
                shard_blinding: Fr::rand(&mut rng),
                output_blinding: Fr::rand(&mut rng),
            });
        }
        let shard_cs: Vec<Fr> = witnesses
            .iter()
            .map(|w| shard_commitment(importer, EPOCH, w))
            .collect();
        let commitment = fleet_commitment(importer, EPOCH, &shard_cs);
        let (gamma, beta) = challenges(commitment, ledger.digest, importer, EPOCH);
        let mut shards = Vec::new();
        let mut openings = Vec::new();
        let mut outputs = Vec::new();
        for (w, c_s) in witnesses.into_iter().zip(&shard_cs) {
            let out = w.output(gamma, beta);
            let d = out.commitment(commitment, importer, EPOCH);
            outputs.push(d);
            openings.push(ShardOpening {
                used: true,
                product: out.product,
                blinding: out.blinding,
                entries: out.entries,
            });
            shards.push((
                ShardStatement {
                    importer,
                    registry_root: registry.root,
                    epoch: EPOCH,
                    commitment,
                    shard_commitment: *c_s,
                    output: d,
                    ledger_digest: ledger.digest,
                },
                w,
            ));
        }
        openings.resize(
            request_shape.shards,
            ShardOpening::padding(request_shape.entries),
        );
        let request_witness = RequestWitness { shards: openings };
        let facilities = crate::request::ledger_facilities(&request_witness);
        let request = RequestStatement {
            importer,
            epoch: EPOCH,
            commitment,
            shards_digest: shards_digest(&outputs),
            ledger_product: ledger.product(gamma, beta),
            nonce: Fr::rand(&mut rng),
            rules,
            facilities,
        };
        Self {
            registry,
            auditor_keys,
            ledger,
            shape,
            request_shape,
            plan,
            shards,
            request: (request, request_witness),
            seed,
        }
    }

    /// The same fleet with the first record of every partly filled chunk
    /// unmarked (not a ledger chip) and the ledger rebuilt: the shape of a
    /// re-layout forgery, where shifting a chunk's records by one slot keeps
    /// every mark of the mask on an active slot.
    pub fn with_first_unmarked(&self) -> Self {
        let mut plan = self.plan.clone();
        for c in plan.shards.iter_mut().flatten() {
            if c.chips.len() < self.shape.slot_chips {
                for (i, ch) in c.chips.iter_mut().enumerate() {
                    ch.ledger = i > 0;
                }
            }
        }
        let ledger = plan.ledger(&self.registry);
        self.rebuild(plan, ledger, self.request.0.rules)
    }

    /// Rebuilds after an edit of the plan, the ledger or the rules.
    pub fn rebuild(&self, plan: Plan, ledger: Ledger, rules: Rules) -> Self {
        Self::build(
            self.registry.clone(),
            self.auditor_keys.clone(),
            ledger,
            self.shape,
            self.request_shape,
            plan,
            rules,
            self.seed,
        )
    }
}
