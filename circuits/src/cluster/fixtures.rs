//! Deterministic fixtures for tests and benches: a small registry, two
//! auditors, and an honest cluster witness that tests then tamper with.
use super::*;
use crate::eddsa::{PointJson, SecretKey};
use crate::encoding::encode_label;
use crate::registry::{AuditorJson, ChipModelJson, FacilityJson, Registry, RegistryFile};
use ark_ff::UniformRand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Facilities of the fixture registry: (id, country, lat µdeg, lon µdeg, radius m).
pub const FACILITIES: [(&str, &str, i64, i64, u64); 4] = [
    ("FR-PAR-01", "FR", 48_856_600, 2_352_200, 600),
    ("DE-FRA-02", "DE", 50_110_900, 8_682_100, 900),
    ("US-VA-03", "US", 39_043_800, -77_487_400, 1_200),
    ("SG-JUR-04", "SG", 1_332_100, 103_740_500, 450),
];

/// The importer that operates the fixture facilities.
pub const IMPORTER: &str = "ACME-DC";

/// A fixture: registry, auditor keys, shape, statement and witness.
pub struct Fixture {
    /// The registry.
    pub registry: Registry,
    /// Secret keys of the registry's auditors, in registry order.
    pub auditor_keys: Vec<SecretKey>,
    /// Circuit shape.
    pub shape: ClusterShape,
    /// Public statement.
    pub statement: ClusterStatement,
    /// Private witness.
    pub witness: ClusterWitness,
}

/// The fixture registry with `auditors` accredited auditors.
pub fn registry(auditor_keys: &[SecretKey]) -> Registry {
    Registry::from_file(registry_file(auditor_keys)).expect("fixture registry is valid")
}

fn registry_file(auditor_keys: &[SecretKey]) -> RegistryFile {
    RegistryFile {
        version: crate::registry::FORMAT_VERSION,
        policy_version: 1,
        facilities: FACILITIES
            .iter()
            .map(|&(id, c, lat, lon, r)| FacilityJson::new(id, IMPORTER, c, lat, lon, r))
            .collect(),
        auditors: auditor_keys
            .iter()
            .enumerate()
            .map(|(i, k)| AuditorJson {
                id: format!("AUDITOR-{i}"),
                public_key: PointJson::from_point(&k.public()),
            })
            .collect(),
        country_tiers: [("FR", 1), ("DE", 1), ("US", 1), ("SG", 2), ("KP", 3)]
            .into_iter()
            .map(|(c, t)| (c.to_string(), t))
            .collect(),
        default_tier: 2,
        evaluators: vec![],
        eval_suites: vec![],
        importers: vec![],
        chip_models: vec![
            ChipModelJson {
                name: "H100-SXM".into(),
                tpp: 15_832,
            },
            ChipModelJson {
                name: "B200".into(),
                tpp: 36_000,
            },
        ],
    }
}

impl Fixture {
    /// An honest fixture: `groups[j]` chips at registry facility `j % 4`,
    /// attested by auditor `j % 2`, for epoch 7, with cap = total chips.
    pub fn new(shape: ClusterShape, groups: &[usize], seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let auditor_keys: Vec<SecretKey> = (0..2u8)
            .map(|i| SecretKey::from_seed([i + 1; 32]))
            .collect();
        let registry = registry(&auditor_keys);
        let mut chips = Vec::with_capacity(shape.chips);
        let mut facilities = Vec::with_capacity(shape.facilities);
        let mut serial = 0u64;
        for (j, &n) in groups.iter().enumerate() {
            let fi = j % FACILITIES.len();
            let leaf = registry.facilities[fi];
            for _ in 0..n {
                serial += 1;
                let record = loop {
                    let unc = rng.gen_range(5..60u64);
                    let span = (leaf.fence.radius_m * 5) as i64;
                    let lat = leaf.fence.lat + rng.gen_range(-span..=span);
                    let lon = leaf.fence.lon + rng.gen_range(-span..=span);
                    if leaf.fence.check(lat, lon, unc).is_ok() {
                        break ChipRecord {
                            serial: encode_label(&format!("SN-{serial:08}")).expect("label"),
                            model: encode_label(if serial.is_multiple_of(3) {
                                "B200"
                            } else {
                                "H100-SXM"
                            })
                            .expect("label"),
                            lat,
                            lon,
                            uncertainty_m: unc,
                        };
                    }
                };
                chips.push(ChipSlot {
                    active: true,
                    facility_slot: j,
                    record,
                });
            }
            let ai = j % 2;
            facilities.push(FacilitySlot {
                facility: leaf,
                facility_path: registry.facility_tree.path(fi),
                auditor: registry.auditors[ai],
                auditor_path: registry.auditor_tree.path(ai),
                attestation_epoch: 7,
                signature: FacilitySlot::padding().signature,
            });
        }
        assert!(
            chips.len() <= shape.chips && facilities.len() <= shape.facilities,
            "fixture does not fit the shape"
        );
        chips.resize(shape.chips, ChipSlot::padding());
        facilities.resize(shape.facilities, FacilitySlot::padding());
        let witness = ClusterWitness {
            chips,
            facilities,
            facilities_root: registry.facility_tree.root(),
            auditors_root: registry.auditor_tree.root(),
            params_digest: registry.params_digest,
            blinding: Fr::rand(&mut rng),
        };
        let statement = ClusterStatement {
            commitment: Fr::zero(),
            registry_root: registry.root,
            cap: serial,
            epoch: 7,
            nonce: Fr::rand(&mut rng),
        };
        let mut f = Self {
            registry,
            auditor_keys,
            shape,
            statement,
            witness,
        };
        f.resign();
        f.recommit();
        f
    }

    /// Re-signs every used facility slot, as the honest auditor would sign the
    /// current records (for tampering tests that target a check other than the
    /// signature).
    pub fn resign(&mut self) {
        let d = self.witness.derive(&self.shape).expect("fixture structure");
        for (j, f) in self
            .witness
            .facilities
            .iter_mut()
            .enumerate()
            .filter(|(j, _)| d.used[*j])
        {
            let ai = f.auditor_path.index as usize;
            let msg = attestation_message(f.facility.id, f.attestation_epoch, d.digests[j]);
            f.signature = self.auditor_keys[ai].sign(msg);
        }
    }

    /// Gives registry facility `fi` the geofence radius `radius_m`: rebuilds
    /// the registry, the facility slots' leaves and paths, the roots and the
    /// statement, then re-signs and recommits.
    ///
    /// # Panics
    /// If the registry rejects the radius (0 or above `MAX_RADIUS_M`).
    pub fn set_radius(&mut self, fi: usize, radius_m: u64) {
        let mut file = registry_file(&self.auditor_keys);
        let (id, c, lat, lon, _) = FACILITIES[fi];
        file.facilities[fi] = FacilityJson::new(id, IMPORTER, c, lat, lon, radius_m);
        self.registry = Registry::from_file(file).expect("radius within the registry's bounds");
        for f in &mut self.witness.facilities {
            if f.facility == crate::registry::FacilityLeaf::zero() {
                continue;
            }
            let i = f.facility_path.index as usize;
            f.facility = self.registry.facilities[i];
            f.facility_path = self.registry.facility_tree.path(i);
        }
        self.witness.facilities_root = self.registry.facility_tree.root();
        self.statement.registry_root = self.registry.root;
        self.resign();
        self.recommit();
    }

    /// Recomputes the public commitment from the witness.
    pub fn recommit(&mut self) {
        let d = self.witness.derive(&self.shape).expect("fixture structure");
        let groups: Vec<(Fr, Fr)> = self
            .witness
            .facilities
            .iter()
            .enumerate()
            .filter(|(j, _)| d.used[*j])
            .map(|(j, f)| (f.facility.id, d.digests[j]))
            .collect();
        self.statement.commitment =
            commitment(self.statement.epoch, &groups, self.witness.blinding);
    }
}
