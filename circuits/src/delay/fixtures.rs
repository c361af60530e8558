//! Deterministic fixtures of the delay claim: the shard fixtures' registry
//! with landmarks, and an honest fleet's delay statements and witnesses.
//!
//! A test edits a built [`DelayFleet`] (a batch's round trip, a landmark, a
//! day) and calls [`DelayFleet::sign`] again: signatures and statements are
//! recomputed honestly, so that the check under test is the only one that can
//! fail.
use super::*;
use crate::eddsa::{PointJson, SecretKey};
use crate::registry::{LandmarkJson, Registry, VendorCaJson};
use crate::shard::fixtures::{registry, Fleet, Plan, EPOCH};
use crate::shard::{ShardShape, ShardWitness};

/// Landmarks: (id, country, lat µdeg, lon µdeg, accepted distance m).
/// `LM-PAR` covers the Paris, Frankfurt and Lyon facilities; `LM-IAD`
/// Virginia; `LM-SIN` Singapore; `LM-SHA` (Shanghai) none of the fixtures'.
pub const LANDMARKS: [(&str, &str, i64, i64, u64); 4] = [
    ("LM-PAR", "FR", 48_850_000, 2_300_000, 600_000),
    ("LM-IAD", "US", 38_950_000, -77_450_000, 300_000),
    ("LM-SIN", "SG", 1_350_000, 103_800_000, 300_000),
    ("LM-SHA", "CN", 31_230_000, 121_470_000, 500_000),
];

/// The day of the fixtures' evidence (2026-12-06).
pub const DAY: u64 = 20_428;

/// The landmarks' signing keys (deterministic).
pub fn landmark_keys() -> Vec<SecretKey> {
    (0..LANDMARKS.len() as u8)
        .map(|i| SecretKey::from_seed([0x40 + i; 32]))
        .collect()
}

/// The shard fixtures' registry with [`LANDMARKS`] and one device vendor.
pub fn registry_with_landmarks(auditor_keys: &[SecretKey], keys: &[SecretKey]) -> Registry {
    let mut file = registry(auditor_keys).file;
    file.landmarks = LANDMARKS
        .iter()
        .zip(keys)
        .map(|(&(id, country, lat, lon, d), k)| LandmarkJson {
            id: id.into(),
            country: country.into(),
            lat_udeg: lat,
            lon_udeg: lon,
            max_distance_m: d,
            public_key: PointJson::from_point(&k.public()),
        })
        .collect();
    file.device_vendors = vec![VendorCaJson {
        id: "NV".into(),
        // A fixed point of P-384 (the generator), standing in for a CA key.
        public_key: "0x03aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7".into(),
        models: file.chip_models.iter().map(|m| m.name.clone()).collect(),
    }];
    Registry::from_file(file).expect("fixture registry with landmarks is valid")
}

/// An honest fleet with its delay evidence.
pub struct DelayFleet {
    /// The shard fleet (its registry lists the landmarks).
    pub fleet: Fleet,
    /// The landmarks' keys.
    pub landmark_keys: Vec<SecretKey>,
    /// Per shard: per facility slot, the landmark measuring it (registry
    /// index) and its batch (`None` for a slot without ledger chips).
    pub batches: Vec<Vec<Option<(usize, Batch)>>>,
    /// The day.
    pub day: u64,
    /// Per shard: the statement and witness.
    pub proofs: Vec<(DelayStatement, DelayWitness)>,
}

impl DelayFleet {
    /// The standard fleet of the shard fixtures, on the registry with
    /// landmarks, every ledger chip measured by the first landmark covering
    /// its facility, at a round trip of a quarter of the bound.
    pub fn standard(shape: ShardShape, seed: u64) -> Self {
        let auditors: Vec<SecretKey> = (0..2u8)
            .map(|i| SecretKey::from_seed([i + 1; 32]))
            .collect();
        let reg = registry_with_landmarks(&auditors, &landmark_keys());
        let m = shape.slot_chips;
        let sizes = [(0, m + 2, 1), (1, 3, 1), (2, 2, 0), (3, 1, 1)];
        let plan = Plan::new(&reg, &sizes, m, shape.facilities, seed);
        let ledger = plan.ledger(&reg);
        let request_shape =
            crate::request::RequestShape::new(plan.shards.len().max(3), shape.facilities);
        let fleet = Fleet::build(
            reg,
            auditors,
            ledger,
            shape,
            request_shape,
            plan,
            crate::request::Rules::permissive(crate::shard::fixtures::home()),
            seed,
        );
        let batches = fleet
            .shards
            .iter()
            .map(|(_, w)| batches_for(&fleet.registry, w))
            .collect();
        let mut d = Self {
            fleet,
            landmark_keys: landmark_keys(),
            batches,
            day: DAY,
            proofs: vec![],
        };
        d.sign();
        d
    }

    /// Signs every batch for [`Self::day`] and rebuilds the statements and
    /// witnesses.
    pub fn sign(&mut self) {
        let reg = &self.fleet.registry;
        self.proofs = self
            .fleet
            .shards
            .iter()
            .zip(&self.batches)
            .map(|((st, w), batches)| {
                (
                    DelayStatement {
                        importer: st.importer,
                        registry_root: st.registry_root,
                        epoch: EPOCH,
                        shard_commitment: st.shard_commitment,
                        day: self.day,
                    },
                    DelayWitness {
                        shard: w.clone(),
                        registry: DelayRegistry::of(reg).expect("the registry lists landmarks"),
                        evidence: evidence_for(reg, &self.landmark_keys, w, batches, self.day),
                    },
                )
            })
            .collect();
    }

    /// The honest evidence of any shard witness (e.g. a re-laid-out one): the
    /// batches the landmarks would sign for it, signed for [`Self::day`].
    pub fn evidence_of(&self, w: &ShardWitness) -> Vec<SlotEvidence> {
        let reg = &self.fleet.registry;
        evidence_for(reg, &self.landmark_keys, w, &batches_for(reg, w), self.day)
    }
}

/// The batches the landmarks measure for a shard: for each facility slot with
/// a ledger chip, the first landmark covering its facility (or landmark 0
/// when none does), each ledger chip at a quarter of the bound plus 97 ns per
/// position.
pub fn batches_for(reg: &Registry, w: &ShardWitness) -> Vec<Option<(usize, Batch)>> {
    w.facilities
        .iter()
        .map(|f| {
            if !f.chips.iter().any(|c| c.ledger) {
                return None;
            }
            let fi = f.facility_path.index as usize;
            let li = reg.coverage.iter().find(|p| p.0 == fi).map_or(0, |p| p.1);
            let bound = rtt_bound_ns(reg.landmarks[li].max_distance_m);
            let entries = Batch::request(f)
                .into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let rtt = if e.is_zero() {
                        0
                    } else {
                        (bound / 4 + 97 * i as u64) as u32
                    };
                    (e, rtt)
                })
                .collect();
            Some((li, Batch { entries }))
        })
        .collect()
}

/// The evidence of a shard's slots: each batch signed by its landmark for
/// `day`; a slot whose facility the landmark does not cover gets the
/// landmark's own leaf and path and a coverage path that cannot verify.
pub fn evidence_for(
    reg: &Registry,
    keys: &[SecretKey],
    w: &ShardWitness,
    batches: &[Option<(usize, Batch)>],
    day: u64,
) -> Vec<SlotEvidence> {
    w.facilities
        .iter()
        .zip(batches)
        .map(|(f, b)| match b {
            None => SlotEvidence::none(),
            Some((li, batch)) => {
                let lm = reg.landmarks[*li];
                let sig = keys[*li].sign(batch.message(lm.id, day));
                SlotEvidence::new(reg, (f.facility_path.index as usize, *li), day, batch, sig)
                    .unwrap_or_else(|| {
                        let mut e = SlotEvidence::new(reg, (0, 0), day, batch, sig)
                            .expect("facility 0 is covered by landmark 0");
                        e.landmark = lm;
                        e.landmark_path = reg.landmark_tree.path(*li);
                        e
                    })
            }
        })
        .collect()
}
