//! A realistic sample: the agency's registry (with the importers' home
//! countries: ACME-DC in FR, OTHER-DC in US), two auditors' keys, and an
//! importer's inventory of 1,000 chips in five facilities in four countries,
//! with the auditors' measurements (unsigned until `zkcc auditor attest`).
//!
//! Facility locations are real data-centre areas; chip TPP values are
//! illustrative.
use crate::fleet::{
    ChunkAttestation, FleetChip, FleetInventory, Measurement, Shipment, ShipmentsFile,
    FLEET_INVENTORY_VERSION,
};
use crate::inventory::AuditorKeyFile;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::geofence::Fence;
use zkcc_circuits::registry::{
    tier_table, AuditorJson, ChipModelJson, FacilityJson, ImporterJson, RegistryFile,
    FORMAT_VERSION,
};

/// Registry facilities: id, country, lat, lon (µdeg), radius (m).
const FACILITIES: [(&str, &str, i64, i64, u64); 8] = [
    ("FR-SACLAY-01", "FR", 48_712_000, 2_171_000, 500),
    ("DE-FRANKFURT-02", "DE", 50_110_900, 8_682_100, 700),
    ("NL-AMSTERDAM-03", "NL", 52_356_000, 4_952_000, 600),
    ("AE-ABUDHABI-04", "AE", 24_453_900, 54_377_300, 900),
    ("IN-MUMBAI-05", "IN", 19_076_000, 72_877_700, 800),
    ("SG-JURONG-06", "SG", 1_332_100, 103_740_500, 450),
    ("FR-MARSEILLE-07", "FR", 43_296_500, 5_369_800, 400),
    ("US-ASHBURN-08", "US", 39_043_800, -77_487_400, 1_200),
];

/// Models: name, TPP.
const MODELS: [(&str, u64); 4] = [
    ("H100-SXM", 15_832),
    ("H200-SXM", 15_832),
    ("B200", 36_000),
    ("MI300X", 20_918),
];

/// The importer's chips per facility (the first five registry facilities).
pub const SAMPLE_GROUPS: [(usize, usize); 5] = [(0, 320), (1, 240), (2, 200), (3, 160), (4, 80)];

/// The sample importer's id (the operator of its facilities).
pub const SAMPLE_IMPORTER: &str = "ACME-DC";

/// Epoch of the sample (year·100 + month).
pub const SAMPLE_EPOCH: u64 = 202_611;

/// The sample's files.
pub struct Sample {
    /// The agency's registry.
    pub registry: RegistryFile,
    /// The auditors' secret key files.
    pub auditor_keys: Vec<AuditorKeyFile>,
    /// The importer's inventory (attestations unsigned).
    pub inventory: FleetInventory,
    /// The exporters' shipment records the agency builds ledgers from.
    pub shipments: ShipmentsFile,
}

/// Chips per attested chunk in the sample (the demo's shard circuit holds
/// facility slots of this many chips).
pub const SAMPLE_CHUNK: usize = 128;

/// Generates the sample deterministically from `seed`.
pub fn generate(seed: u64) -> Sample {
    generate_with(seed, &SAMPLE_GROUPS, SAMPLE_CHUNK)
}

/// The sample's five facilities with `total` chips spread in the proportions
/// of [`SAMPLE_GROUPS`] (at least one chip per facility when `total ≥ 5`).
pub fn groups_for(total: usize) -> Vec<(usize, usize)> {
    let base: usize = SAMPLE_GROUPS.iter().map(|g| g.1).sum();
    let mut groups: Vec<(usize, usize)> = SAMPLE_GROUPS
        .iter()
        .map(|&(f, n)| (f, (n * total / base).max(usize::from(total >= 5))))
        .collect();
    let assigned: usize = groups.iter().map(|g| g.1).sum();
    if assigned < total {
        groups[0].1 += total - assigned;
    } else {
        let mut excess = assigned - total;
        for g in groups.iter_mut() {
            let take = excess.min(g.1.saturating_sub(1));
            g.1 -= take;
            excess -= take;
        }
    }
    groups.retain(|g| g.1 > 0);
    groups
}

/// Generates a sample with `groups` = (registry facility index, chips) pairs,
/// attested in chunks of at most `chunk` chips. One chip in 25 is not a
/// controlled chip of the ledger (another vendor's); the shipment records
/// also hold chips shipped to another importer and two returned chips.
pub fn generate_with(seed: u64, groups: &[(usize, usize)], chunk: usize) -> Sample {
    let chunk = chunk.max(1);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let auditor_ids = ["AUDIT-EU-01", "AUDIT-ME-02", "AUDIT-APAC-03"];
    let auditor_keys: Vec<AuditorKeyFile> = auditor_ids
        .iter()
        .map(|id| {
            let sk = SecretKey::generate(&mut rng);
            AuditorKeyFile {
                version: 1,
                id: id.to_string(),
                seed: hex::encode(sk.seed()),
            }
        })
        .collect();
    let registry = RegistryFile {
        version: FORMAT_VERSION,
        policy_version: 3,
        facilities: FACILITIES
            .iter()
            .enumerate()
            .map(|(i, &(id, c, lat, lon, r))| {
                // The importer runs the first five; the others are other operators'.
                let op = if i < 5 { SAMPLE_IMPORTER } else { "OTHER-DC" };
                FacilityJson::new(id, op, c, lat, lon, r)
            })
            .collect(),
        auditors: auditor_keys
            .iter()
            .map(|k| AuditorJson {
                id: k.id.clone(),
                public_key: PointJson::from_point(&k.secret_key().expect("generated key").public()),
            })
            .collect(),
        chip_models: MODELS
            .iter()
            .map(|(n, t)| ChipModelJson {
                name: n.to_string(),
                tpp: *t,
            })
            .collect(),
        country_tiers: tier_table(&[
            ("FR", 1),
            ("DE", 1),
            ("NL", 1),
            ("US", 1),
            ("AE", 2),
            ("IN", 2),
            ("SG", 2),
            ("KP", 3),
        ]),
        default_tier: 2,
        evaluators: vec![],
        eval_suites: vec![],
        importers: vec![
            ImporterJson::new(SAMPLE_IMPORTER, "FR"),
            ImporterJson::new("OTHER-DC", "US"),
        ],
        landmarks: vec![],
        device_vendors: vec![],
    };
    let mut chips = Vec::new();
    let mut attestations = Vec::new();
    let mut shipments = Vec::new();
    for &(fi, n) in groups {
        let (fid, country, lat, lon, radius) = FACILITIES[fi];
        let fence = Fence::new(lat, lon, radius);
        let auditor = if country == "AE" || country == "IN" {
            auditor_ids[1]
        } else {
            auditor_ids[0]
        };
        let mut measurements = Vec::with_capacity(n);
        for k in 0..n {
            let serial = format!("{}-{:05}", &fid[..2], fi * 10_000 + k + 1);
            let model = MODELS[(k * 7 + fi) % MODELS.len()].0;
            let ledger = k % 25 != 24;
            chips.push(FleetChip {
                serial: serial.clone(),
                model: model.into(),
                facility: fid.into(),
                ledger,
            });
            if ledger {
                shipments.push(Shipment {
                    exporter: if model == "MI300X" { "AMD" } else { "NVIDIA" }.into(),
                    serial: serial.clone(),
                    model: model.into(),
                    consignee: SAMPLE_IMPORTER.into(),
                    returned: false,
                });
            }
            // Racks sit within 60% of the fence radius; delay-based location
            // checks give 10–80 m of uncertainty.
            let m = loop {
                let span = (radius as f64 * 0.6 * 9.0) as i64; // ≈ 9 µdeg per metre
                let la = lat + rng.gen_range(-span..=span);
                let lo = lon + rng.gen_range(-span..=span);
                let unc = rng.gen_range(10..=80u64);
                if fence.check(la, lo, unc).is_ok() {
                    break Measurement {
                        serial,
                        lat_udeg: la,
                        lon_udeg: lo,
                        uncertainty_m: unc,
                    };
                }
            };
            measurements.push(m);
        }
        let k = measurements.len().div_ceil(chunk).max(1) as u64;
        for (c, part) in measurements.chunks(chunk).enumerate() {
            attestations.push(ChunkAttestation {
                facility: fid.into(),
                auditor: auditor.into(),
                epoch: SAMPLE_EPOCH,
                chunk: c as u64,
                chunks: k,
                measurements: part.to_vec(),
                signature: None,
            });
        }
    }
    // Chips that stay out of the ledger: 3 shipped to another importer, 2
    // shipped here and returned.
    let others = [
        ("SG-9", 3, "H100-SXM", "OTHER-DC", false),
        ("RT-0", 2, "H200-SXM", SAMPLE_IMPORTER, true),
    ];
    for (prefix, count, model, consignee, returned) in others {
        for i in 0..count {
            shipments.push(Shipment {
                exporter: "NVIDIA".into(),
                serial: format!("{prefix}{i:04}"),
                model: model.into(),
                consignee: consignee.into(),
                returned,
            });
        }
    }
    let inventory = FleetInventory {
        version: FLEET_INVENTORY_VERSION,
        importer: SAMPLE_IMPORTER.into(),
        epoch: SAMPLE_EPOCH,
        chips,
        attestations,
    };
    Sample {
        registry,
        auditor_keys,
        inventory,
        shipments: ShipmentsFile {
            version: 1,
            shipments,
        },
    }
}

/// The sample evaluation suite's id.
pub const SAMPLE_SUITE: &str = "FRONTIER-2026";

/// The sample suite: two dangerous-capability evals whose score must stay at
/// most the threshold, one safety eval whose score must be at least it
/// (scores in basis points of the eval's maximum).
pub fn sample_suite() -> zkcc_circuits::evaluation::EvalSuiteJson {
    use zkcc_circuits::evaluation::{Direction, EvalJson, EvalSuiteJson};
    let e = |id: &str, threshold, direction| EvalJson {
        id: id.into(),
        threshold,
        direction,
    };
    EvalSuiteJson {
        id: SAMPLE_SUITE.into(),
        version: 1,
        evals: vec![
            e("CYBER-UPLIFT", 3_000, Direction::AtMost),
            e("BIO-UPLIFT", 2_000, Direction::AtMost),
            e("REFUSAL-HARMFUL", 9_500, Direction::AtLeast),
        ],
    }
}

/// Adds the AI lifecycle part to a sample registry — two accredited
/// evaluators and [`sample_suite`] — and returns the evaluators' key files
/// (deterministic from `seed`).
pub fn add_lifecycle(registry: &mut RegistryFile, seed: u64) -> Vec<AuditorKeyFile> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x6576_616c);
    let keys: Vec<AuditorKeyFile> = ["EVAL-LAB-A", "EVAL-LAB-B"]
        .iter()
        .map(|id| AuditorKeyFile {
            version: 1,
            id: id.to_string(),
            seed: hex::encode(SecretKey::generate(&mut rng).seed()),
        })
        .collect();
    registry.evaluators = keys
        .iter()
        .map(|k| AuditorJson {
            id: k.id.clone(),
            public_key: PointJson::from_point(&k.secret_key().expect("generated key").public()),
        })
        .collect();
    registry.eval_suites = vec![sample_suite()];
    keys
}

/// The sample deployment `CHAT-EU-1` of [`SAMPLE_IMPORTER`] for `epoch`:
/// three stores (prompt logs, outputs) in the sample's EU facilities, each
/// encrypted under an operator key (its fingerprint a field element, 0x-hex),
/// unsigned. `model_commitment` is the served model's `MC` (`zkcc model
/// commit --deployment` fills it in).
pub fn sample_deployment(model_commitment: &str, epoch: u64) -> crate::lifecycle::DeploymentFile {
    use crate::lifecycle::{DeploymentFile, StoreJson};
    let store = |id: &str, kind: &str, facility: &str, fp: u64| StoreJson {
        id: id.into(),
        kind: kind.into(),
        facility: facility.into(),
        encrypted: true,
        key_fingerprint: zkcc_circuits::encoding::fr_to_hex(&ark_bn254::Fr::from(fp)),
    };
    DeploymentFile {
        version: 1,
        importer: SAMPLE_IMPORTER.into(),
        deployment: "CHAT-EU-1".into(),
        model_commitment: model_commitment.into(),
        epoch,
        stores: vec![
            store("PROMPT-LOGS-1", "logs", "FR-SACLAY-01", 0x005a_c1a7),
            store("OUTPUTS-1", "outputs", "NL-AMSTERDAM-03", 0x00a3_57e7),
            store("PROMPT-LOGS-2", "logs", "DE-FRANKFURT-02", 0x00f7_a0c2),
        ],
        attestation: None,
    }
}

/// The lab's files of the lifecycle walk-through, in `dir`:
/// `model.safetensors` (64 KiB of seeded bytes standing in for weights) and
/// `deployment.json` ([`sample_deployment`] for [`SAMPLE_EPOCH`], its model
/// commitment empty until `zkcc model commit --deployment` sets it).
pub fn write_lifecycle_files(dir: &std::path::Path, seed: u64) -> crate::error::Result<()> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x7765_6967);
    let mut weights = vec![0u8; 64 << 10];
    rng.fill(&mut weights[..]);
    crate::error::write(&dir.join("model.safetensors"), &weights)?;
    crate::error::write_json(
        &dir.join("deployment.json"),
        &sample_deployment("", SAMPLE_EPOCH),
    )
}
