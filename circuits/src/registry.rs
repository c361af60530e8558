//! The agency's registry: authorized facilities (with geofences), accredited
//! auditors (Baby Jubjub keys), chip models (TPP) and the policy version, all
//! committed in one public root.
//!
//! ```text
//! facility leaf = Poseidon(id, country, lat, lon, radius_m, lon_scale)
//! auditor leaf  = Poseidon(id, A.x, A.y)
//! model leaf    = Poseidon(name, tpp)
//! params_digest = Poseidon(policy_version, models_root)
//! registry_root = Poseidon(REGISTRY_TAG, facilities_root, auditors_root, params_digest)
//! ```
//! Trees have fixed depths ([`FACILITY_DEPTH`], [`AUDITOR_DEPTH`],
//! [`MODEL_DEPTH`]); a leaf's index is its position in the file.
use crate::eddsa::{validate_point, PointJson};
use crate::encoding::{encode_country, encode_label, fr_from_i64};
use crate::error::EncodingError;
use crate::geofence::{lon_scale_for, Fence, KLAT, RADIUS_BITS};
use crate::merkle::MerkleTree;
use crate::{domain, poseidon};
use ark_bn254::Fr;
use ark_ed_on_bn254::EdwardsAffine;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Depth of the facility tree (1,024 facilities).
pub const FACILITY_DEPTH: usize = 10;
/// Depth of the auditor tree (16 auditors).
pub const AUDITOR_DEPTH: usize = 4;
/// Depth of the chip-model tree (64 models).
pub const MODEL_DEPTH: usize = 6;
/// The registry file format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Largest geofence radius accepted, metres.
pub const MAX_RADIUS_M: u64 = 100_000;

/// The registry file (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    /// Format version, [`FORMAT_VERSION`].
    pub version: u32,
    /// Version of the agency's policy parameters.
    pub policy_version: u64,
    /// Authorized facilities.
    pub facilities: Vec<FacilityJson>,
    /// Accredited auditors.
    pub auditors: Vec<AuditorJson>,
    /// Chip models and their total processing performance.
    pub chip_models: Vec<ChipModelJson>,
}

/// An authorized facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityJson {
    /// Facility id (1–31 printable ASCII).
    pub id: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Geofence centre latitude, µdeg.
    pub lat_udeg: i64,
    /// Geofence centre longitude, µdeg.
    pub lon_udeg: i64,
    /// Geofence radius, metres.
    pub radius_m: u64,
    /// `round(KLAT·cos(lat))`, see [`crate::geofence`]; checked on load.
    pub lon_scale: u64,
}

impl FacilityJson {
    /// A facility entry with its longitude scale computed from the centre
    /// latitude, as the agency publishes it.
    pub fn new(id: &str, country: &str, lat_udeg: i64, lon_udeg: i64, radius_m: u64) -> Self {
        Self {
            id: id.to_string(),
            country: country.to_string(),
            lat_udeg,
            lon_udeg,
            radius_m,
            lon_scale: lon_scale_for(lat_udeg),
        }
    }
}

/// An accredited auditor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditorJson {
    /// Auditor id.
    pub id: String,
    /// EdDSA public key on Baby Jubjub.
    pub public_key: PointJson,
}

/// A chip model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipModelJson {
    /// Model name.
    pub name: String,
    /// Total processing performance.
    pub tpp: u64,
}

/// A facility as committed in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FacilityLeaf {
    /// Encoded id.
    pub id: Fr,
    /// Encoded country.
    pub country: u64,
    /// The geofence.
    pub fence: Fence,
}

impl FacilityLeaf {
    /// The leaf hash.
    pub fn hash(&self) -> Fr {
        poseidon::hash(&self.fields())
    }
    /// The six hashed fields.
    pub fn fields(&self) -> [Fr; 6] {
        [
            self.id,
            Fr::from(self.country),
            fr_from_i64(self.fence.lat),
            fr_from_i64(self.fence.lon),
            Fr::from(self.fence.radius_m),
            Fr::from(self.fence.lon_scale),
        ]
    }
    /// An all-zero leaf, for padded slots.
    pub fn zero() -> Self {
        Self {
            id: Fr::from(0u64),
            country: 0,
            fence: Fence {
                lat: 0,
                lon: 0,
                radius_m: 0,
                lon_scale: 0,
            },
        }
    }
}

/// An auditor as committed in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditorLeaf {
    /// Encoded id.
    pub id: Fr,
    /// Public key.
    pub key: EdwardsAffine,
}

impl AuditorLeaf {
    /// The leaf hash.
    pub fn hash(&self) -> Fr {
        poseidon::hash(&[self.id, self.key.x, self.key.y])
    }
}

/// The registry root from its three parts.
pub fn registry_root(facilities_root: Fr, auditors_root: Fr, params_digest: Fr) -> Fr {
    poseidon::hash(&[
        domain::registry(),
        facilities_root,
        auditors_root,
        params_digest,
    ])
}

/// Why a registry file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Not JSON of the registry schema.
    #[error("registry is not valid JSON of the registry format: {0}")]
    Json(#[from] serde_json::Error),
    /// Unsupported format version.
    #[error("registry format version {0} is not supported (expected {FORMAT_VERSION})")]
    Version(u32),
    /// A field failed to encode.
    #[error("{what}: {source}")]
    Encoding {
        /// Which entry.
        what: String,
        /// The problem.
        source: EncodingError,
    },
    /// A semantic check failed.
    #[error("{0}")]
    Invalid(String),
}

/// A validated registry with its trees.
#[derive(Clone, Debug)]
pub struct Registry {
    /// The file it came from.
    pub file: RegistryFile,
    /// Facility leaves, in file order.
    pub facilities: Vec<FacilityLeaf>,
    /// Auditor leaves, in file order.
    pub auditors: Vec<AuditorLeaf>,
    /// The facility tree.
    pub facility_tree: MerkleTree,
    /// The auditor tree.
    pub auditor_tree: MerkleTree,
    /// `Poseidon(policy_version, models_root)`.
    pub params_digest: Fr,
    /// The registry root.
    pub root: Fr,
}

fn enc<T>(what: impl Into<String>, r: Result<T, EncodingError>) -> Result<T, RegistryError> {
    r.map_err(|source| RegistryError::Encoding {
        what: what.into(),
        source,
    })
}

impl Registry {
    /// Parses and validates a registry file.
    pub fn from_json(text: &str) -> Result<Self, RegistryError> {
        Self::from_file(serde_json::from_str(text)?)
    }

    /// Validates a registry file and builds its trees.
    pub fn from_file(file: RegistryFile) -> Result<Self, RegistryError> {
        if file.version != FORMAT_VERSION {
            return Err(RegistryError::Version(file.version));
        }
        let invalid = |s: String| Err(RegistryError::Invalid(s));
        if file.facilities.len() > 1 << FACILITY_DEPTH
            || file.auditors.len() > 1 << AUDITOR_DEPTH
            || file.chip_models.len() > 1 << MODEL_DEPTH
        {
            return invalid(format!(
                "at most {} facilities, {} auditors and {} chip models fit the registry trees",
                1 << FACILITY_DEPTH,
                1 << AUDITOR_DEPTH,
                1 << MODEL_DEPTH
            ));
        }
        let mut seen = HashSet::new();
        let mut facilities = Vec::with_capacity(file.facilities.len());
        for f in &file.facilities {
            let id = enc(format!("facility {:?} id", f.id), encode_label(&f.id))?;
            if !seen.insert(f.id.clone()) {
                return invalid(format!("facility {:?} appears twice", f.id));
            }
            let country = enc(
                format!("facility {:?} country", f.id),
                encode_country(&f.country),
            )?;
            if f.lat_udeg.abs() > 90_000_000 || f.lon_udeg.abs() > 180_000_000 {
                return invalid(format!("facility {:?}: centre out of range", f.id));
            }
            if f.radius_m == 0 || f.radius_m > MAX_RADIUS_M || f.radius_m >= 1 << RADIUS_BITS {
                return invalid(format!(
                    "facility {:?}: radius must be 1..={MAX_RADIUS_M} m",
                    f.id
                ));
            }
            let expected = lon_scale_for(f.lat_udeg);
            if f.lon_scale > KLAT || f.lon_scale.abs_diff(expected) > 1 {
                return invalid(format!(
                    "facility {:?}: lon_scale {} should be {expected}",
                    f.id, f.lon_scale
                ));
            }
            let fence = Fence {
                lat: f.lat_udeg,
                lon: f.lon_udeg,
                radius_m: f.radius_m,
                lon_scale: f.lon_scale,
            };
            facilities.push(FacilityLeaf { id, country, fence });
        }
        let mut seen = HashSet::new();
        let mut auditors = Vec::with_capacity(file.auditors.len());
        for a in &file.auditors {
            let id = enc(format!("auditor {:?} id", a.id), encode_label(&a.id))?;
            if !seen.insert(a.id.clone()) {
                return invalid(format!("auditor {:?} appears twice", a.id));
            }
            let key = enc(format!("auditor {:?} key", a.id), a.public_key.to_point())?;
            enc(format!("auditor {:?} key", a.id), validate_point(&key))?;
            auditors.push(AuditorLeaf { id, key });
        }
        let mut seen = HashSet::new();
        let mut model_leaves = Vec::with_capacity(file.chip_models.len());
        for m in &file.chip_models {
            let name = enc(format!("chip model {:?}", m.name), encode_label(&m.name))?;
            if !seen.insert(m.name.clone()) {
                return invalid(format!("chip model {:?} appears twice", m.name));
            }
            if m.tpp == 0 || m.tpp >= 1 << 32 {
                return invalid(format!("chip model {:?}: tpp must be in 1..2^32", m.name));
            }
            model_leaves.push(poseidon::hash(&[name, Fr::from(m.tpp)]));
        }
        let facility_tree = MerkleTree::new(
            FACILITY_DEPTH,
            &facilities
                .iter()
                .map(FacilityLeaf::hash)
                .collect::<Vec<_>>(),
        )
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let auditor_tree = MerkleTree::new(
            AUDITOR_DEPTH,
            &auditors.iter().map(AuditorLeaf::hash).collect::<Vec<_>>(),
        )
        .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let model_tree = MerkleTree::new(MODEL_DEPTH, &model_leaves)
            .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let params_digest = poseidon::hash(&[Fr::from(file.policy_version), model_tree.root()]);
        let root = registry_root(facility_tree.root(), auditor_tree.root(), params_digest);
        Ok(Self {
            file,
            facilities,
            auditors,
            facility_tree,
            auditor_tree,
            params_digest,
            root,
        })
    }

    /// Index of a facility by id.
    pub fn facility_index(&self, id: &str) -> Option<usize> {
        self.file.facilities.iter().position(|f| f.id == id)
    }

    /// Index of an auditor by id.
    pub fn auditor_index(&self, id: &str) -> Option<usize> {
        self.file.auditors.iter().position(|a| a.id == id)
    }

    /// Whether a chip model is registered.
    pub fn has_model(&self, name: &str) -> bool {
        self.file.chip_models.iter().any(|m| m.name == name)
    }
}
