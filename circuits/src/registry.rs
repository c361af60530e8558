//! The agency's registry: authorized facilities (with geofences), accredited
//! auditors (Baby Jubjub keys), chip models (TPP) and the policy version, all
//! committed in one public root.
//!
//! ```text
//! facility leaf = Poseidon(id, country, tier, lat, lon, radius_m, lon_scale, operator)
//! auditor leaf  = Poseidon(id, A.x, A.y)
//! model leaf    = Poseidon(name, tpp)
//! tier leaf     = Poseidon(country, tier)          (sorted by country)
//! importer leaf = Poseidon(id, home_country)       (file order)
//! evaluator leaf = Poseidon(id, A.x, A.y)         (accredited evaluation labs)
//! suite leaf     = evaluation::suite_hash(suite)   (the agency's evaluation suites)
//! lifecycle_root = Poseidon(LIFECYCLE_TAG, evaluators_root, suites_root)
//! landmark leaf  = Poseidon(id, country, lat, lon, max_distance_m, A.x, A.y)  (delay-evidence servers)
//! coverage leaf  = Poseidon(facility_id, landmark_id)   (every pair whose facility lies within the landmark's distance)
//! vendors_digest = SHA-256(canonical list of device vendors' CA keys and models) mod r
//! countries_root = tiers_root                                              (no importers, no landmarks)
//! countries_root = Poseidon(IMPORTERS_TAG, tiers_root, importers_root)     (importers, no landmarks)
//! countries_root = Poseidon(LANDMARKS_TAG, tiers_root, importers_root or 0,
//!                           landmarks_root, coverage_root, vendors_digest)  (landmarks)
//! params_digest = Poseidon(policy_version, models_root, countries_root, default_tier)                  (no evaluators, no suites)
//! params_digest = Poseidon(policy_version, models_root, countries_root, default_tier, lifecycle_root)  (otherwise)
//! registry_root = Poseidon(REGISTRY_TAG, facilities_root, auditors_root, params_digest)
//! ```
//! A registry without evaluators and suites keeps the root it had before the
//! lifecycle claims existed (Poseidon of arity 4 and of arity 5 are distinct
//! permutations, so the two forms cannot collide); the evaluation claim proves
//! against the five-input form only. Likewise a registry without importers
//! keeps its root (`countries_root` is then the tier tree's root, a Poseidon of
//! arity 2; with importers it is one of arity 3); no circuit opens the country
//! tables, so the importer section changes no circuit.
//!
//! The **landmark** section (delay evidence, see [`crate::delay`]) lists the
//! agency's landmark servers (surveyed position, country, EdDSA key, the
//! largest distance it accepts from one) and the device vendors whose CA
//! keys certify chips' device keys. The agency derives the *coverage* table
//! from it: the pairs (facility, landmark) such that the whole facility fence
//! lies within the landmark's distance (great-circle distance on a sphere of
//! the equatorial radius, plus 0.5 %, plus the fence's extent — its radius,
//! stretched where the projected fence reaches towards the equator
//! ([`fence_extent_upper_bound_m`]) — so a pair is never listed that is out
//! of range on the real ellipsoid). Only the delay
//! circuit opens this section; a registry without landmarks keeps its root.
//!
//! The importer section names each importer's **home country**: the agency's
//! request takes `rules.home_country` from it, and the agency's verifier
//! refuses rules naming another (see `zkcc_verifier::fleet`). Each home
//! country must be in the country → tier table; an importer is listed once.
//! Trees have fixed depths ([`FACILITY_DEPTH`], [`AUDITOR_DEPTH`],
//! [`MODEL_DEPTH`], [`TIER_DEPTH`]); a leaf's index is its position in the
//! file (tiers: in country order).
//!
//! A facility's `operator` is the importer that runs it: a claim by importer
//! `X` may only use facilities whose operator is `X`. Its `tier` is the tier of
//! its country in the registry's country → tier table (or the default tier),
//! computed by the agency when it builds the registry, so that a circuit reads
//! the tier from the facility leaf instead of looking it up.
use crate::eddsa::{validate_point, PointJson};
use crate::encoding::{encode_country, encode_label, fr_from_i64};
use crate::error::{encoded as enc, InputError};
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
/// Depth of the evaluator tree (16 evaluators).
pub const EVALUATOR_DEPTH: usize = 4;
/// Depth of the evaluation-suite tree (16 suites).
pub const SUITE_DEPTH: usize = 4;
/// Depth of the chip-model tree (64 models).
pub const MODEL_DEPTH: usize = 6;
/// Depth of the country → tier tree (256 countries).
pub const TIER_DEPTH: usize = 8;
/// Depth of the importer → home country tree (1,024 importers).
pub const IMPORTER_DEPTH: usize = 10;
/// Largest tier number; tiers are `1..=MAX_TIER` (tier 1 is the closest allies).
pub const MAX_TIER: u8 = 15;
/// The registry file format version this code reads and writes.
pub const FORMAT_VERSION: u32 = 2;
/// Depth of the landmark tree (64 landmarks).
pub const LANDMARK_DEPTH: usize = 6;
/// Depth of the coverage tree (4,096 facility–landmark pairs).
pub const COVERAGE_DEPTH: usize = 12;
/// Largest distance a landmark may accept, metres (20,000 km: half the Earth's circumference).
pub const MAX_LANDMARK_DISTANCE_M: u64 = 20_000_000;
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
    /// Country (ISO 3166-1 alpha-2) → tier (`1..=MAX_TIER`).
    pub country_tiers: std::collections::BTreeMap<String, u8>,
    /// Tier of a country missing from `country_tiers`.
    pub default_tier: u8,
    /// Accredited evaluators (evaluation labs); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluators: Vec<AuditorJson>,
    /// The agency's evaluation suites; absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eval_suites: Vec<EvalSuiteJson>,
    /// Importers and their home countries; absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub importers: Vec<ImporterJson>,
    /// The agency's landmark servers (delay evidence); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub landmarks: Vec<LandmarkJson>,
    /// Device vendors' CA keys (chips' device certificates); absent in older files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device_vendors: Vec<VendorCaJson>,
}

/// An importer and its home country, as the agency registers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImporterJson {
    /// Importer id (1–31 printable ASCII), as facilities name their operator.
    pub id: String,
    /// ISO 3166-1 alpha-2 code of its home country (in `country_tiers`).
    pub home_country: String,
}

/// A country-tier table from `(ISO code, tier)` pairs.
pub fn tier_table(pairs: &[(&str, u8)]) -> std::collections::BTreeMap<String, u8> {
    pairs.iter().map(|&(c, t)| (c.to_string(), t)).collect()
}

impl ImporterJson {
    /// An importer entry.
    pub fn new(id: &str, home_country: &str) -> Self {
        Self {
            id: id.to_string(),
            home_country: home_country.to_string(),
        }
    }
}

/// An authorized facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityJson {
    /// Facility id (1–31 printable ASCII).
    pub id: String,
    /// The importer that operates it (1–31 printable ASCII).
    pub operator: String,
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
    pub fn new(
        id: &str,
        operator: &str,
        country: &str,
        lat_udeg: i64,
        lon_udeg: i64,
        radius_m: u64,
    ) -> Self {
        Self {
            id: id.to_string(),
            operator: operator.to_string(),
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

pub use crate::evaluation::{Direction, EvalJson, EvalSuiteJson};

/// A landmark server of the agency (delay evidence).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandmarkJson {
    /// Landmark id (1–31 printable ASCII).
    pub id: String,
    /// ISO 3166-1 alpha-2 code of the country it stands in.
    pub country: String,
    /// Surveyed latitude, µdeg.
    pub lat_udeg: i64,
    /// Surveyed longitude, µdeg.
    pub lon_udeg: i64,
    /// The largest distance the agency accepts a chip at from this landmark,
    /// metres (`1..=`[`MAX_LANDMARK_DISTANCE_M`]): a chip answers within
    /// the round trip `2·max_distance_m / c`.
    pub max_distance_m: u64,
    /// EdDSA public key on Baby Jubjub (signs the batch attestations).
    pub public_key: PointJson,
}

/// A device vendor's certificate authority (ECDSA P-384, see
/// `zkcc_verifier::device`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorCaJson {
    /// Vendor id (1–31 printable ASCII).
    pub id: String,
    /// The CA's public key, `0x` + compressed SEC1 hex (49 bytes; checked on
    /// the curve by the verifier).
    pub public_key: String,
    /// The registry's chip models this vendor makes: its CA's certificate of
    /// any other model is refused, and no model is listed under two vendors,
    /// so one vendor's CA cannot certify a stand-in key for another's chip.
    pub models: Vec<String>,
}

/// A landmark as committed in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LandmarkLeaf {
    /// Encoded id.
    pub id: Fr,
    /// Encoded country.
    pub country: u64,
    /// Latitude, µdeg.
    pub lat: i64,
    /// Longitude, µdeg.
    pub lon: i64,
    /// Accepted distance, metres.
    pub max_distance_m: u64,
    /// Public key.
    pub key: EdwardsAffine,
}

impl LandmarkLeaf {
    /// The seven hashed fields.
    pub fn fields(&self) -> [Fr; 7] {
        [
            self.id,
            Fr::from(self.country),
            fr_from_i64(self.lat),
            fr_from_i64(self.lon),
            Fr::from(self.max_distance_m),
            self.key.x,
            self.key.y,
        ]
    }
    /// The leaf hash.
    pub fn hash(&self) -> Fr {
        poseidon::hash(&self.fields())
    }
}

/// A coverage leaf: `Poseidon(facility_id, landmark_id)`.
pub fn coverage_leaf(facility_id: Fr, landmark_id: Fr) -> Fr {
    poseidon::hash(&[facility_id, landmark_id])
}

/// Equatorial Earth radius, metres (the largest radius of the ellipsoid).
pub const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// Smallest radius of curvature of the ellipsoid (the meridian's at the
/// equator), metres: a fence's radius spans the most latitude on it.
const EARTH_MIN_RADIUS_M: f64 = 6_335_439.0;

/// How far from its centre a point the geofence accepts can lie, metres (an
/// upper bound). The shard circuit's fence is a disc in the projection at
/// the centre (`lon_scale ≈ KLAT·cos(centre latitude)`, an integer), so on
/// its equator side, where a degree of longitude is longer, it reaches up to
/// `KLAT·cos(edge)/lon_scale` times farther east–west than its radius; 2 %
/// more covers the other fixed-point scales and the ellipsoid's flattening.
/// A fence reaching a pole, or whose `lon_scale` is under 100 (within about
/// 100 km of a pole, where its rounding alone exceeds 0.5 %), has no bound
/// (infinity): no landmark covers it.
pub fn fence_extent_upper_bound_m(lat_udeg: i64, radius_m: u64, lon_scale: u64) -> f64 {
    let deg = std::f64::consts::PI / 180.0;
    let centre = (lat_udeg.unsigned_abs() as f64) * 1e-6 * deg;
    let span = radius_m as f64 / EARTH_MIN_RADIUS_M;
    if centre + span >= std::f64::consts::FRAC_PI_2 || lon_scale < 100 {
        return f64::INFINITY;
    }
    let edge = (centre - span).max(0.0);
    let stretch = crate::geofence::KLAT as f64 * edge.cos() / lon_scale as f64;
    radius_m as f64 * stretch.max(1.0) * 1.02
}

/// Great-circle distance between two points (µdeg), metres, on a sphere of
/// [`EARTH_RADIUS_M`], widened by 0.5 % (an upper bound of the ellipsoidal
/// distance).
pub fn distance_upper_bound_m(a: (i64, i64), b: (i64, i64)) -> f64 {
    let rad = |u: i64| (u as f64) * 1e-6 * std::f64::consts::PI / 180.0;
    let (la, lo, lb, lob) = (rad(a.0), rad(a.1), rad(b.0), rad(b.1));
    let h =
        ((lb - la) / 2.0).sin().powi(2) + la.cos() * lb.cos() * ((lob - lo) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin() * 1.005
}

/// The canonical digest of the vendors' CA list (SHA-256 of
/// `id ‖ 0x00 ‖ key ‖ (0x00 ‖ model)* ‖ 0x0a` per vendor, in file order, mod r;
/// labels are printable ASCII, so the separators are unambiguous).
pub fn vendors_digest(vendors: &[VendorCaJson]) -> Fr {
    use ark_ff::PrimeField;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"zkcc device vendors v2\n");
    for v in vendors {
        h.update(v.id.as_bytes());
        h.update([0]);
        h.update(v.public_key.as_bytes());
        for m in &v.models {
            h.update([0]);
            h.update(m.as_bytes());
        }
        h.update([b'\n']);
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// The landmark section of the registry, as the delay circuit opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LandmarkSection {
    /// Root of the tier tree.
    pub tiers_root: Fr,
    /// Root of the importer tree (0 without importers).
    pub importers_root: Fr,
    /// Root of the landmark tree.
    pub landmarks_root: Fr,
    /// Root of the coverage tree.
    pub coverage_root: Fr,
    /// [`vendors_digest`].
    pub vendors_digest: Fr,
}

impl LandmarkSection {
    /// The country-table slot of the parameter digest in its landmark form.
    pub fn countries_root(&self) -> Fr {
        poseidon::hash(&[
            domain::landmarks(),
            self.tiers_root,
            self.importers_root,
            self.landmarks_root,
            self.coverage_root,
            self.vendors_digest,
        ])
    }
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
    /// Encoded operator (importer id).
    pub operator: Fr,
    /// Encoded country.
    pub country: u64,
    /// Tier of the country.
    pub tier: u64,
    /// The geofence.
    pub fence: Fence,
}

impl FacilityLeaf {
    /// The leaf hash.
    pub fn hash(&self) -> Fr {
        poseidon::hash(&self.fields())
    }
    /// The eight hashed fields, in [`LEAF_FIELDS`] order.
    pub fn fields(&self) -> [Fr; 8] {
        [
            self.id,
            Fr::from(self.country),
            Fr::from(self.tier),
            fr_from_i64(self.fence.lat),
            fr_from_i64(self.fence.lon),
            Fr::from(self.fence.radius_m),
            Fr::from(self.fence.lon_scale),
            self.operator,
        ]
    }
    /// An all-zero leaf, for padded slots.
    pub fn zero() -> Self {
        Self {
            id: Fr::from(0u64),
            operator: Fr::from(0u64),
            country: 0,
            tier: 0,
            fence: Fence {
                lat: 0,
                lon: 0,
                radius_m: 0,
                lon_scale: 0,
            },
        }
    }
}

/// Names of the facility leaf's fields, in hashing order.
pub const LEAF_FIELDS: [&str; 8] = [
    "id",
    "country",
    "tier",
    "lat",
    "lon",
    "radius_m",
    "lon_scale",
    "operator",
];

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

/// An evaluator as committed in the registry (the same leaf form as an
/// auditor's, in its own tree).
pub type EvaluatorLeaf = AuditorLeaf;

/// `Poseidon(LIFECYCLE_TAG, evaluators_root, suites_root)`.
pub fn lifecycle_root(evaluators_root: Fr, suites_root: Fr) -> Fr {
    poseidon::hash(&[domain::lifecycle(), evaluators_root, suites_root])
}

/// Everything under the registry root except the facility, auditor and
/// evaluator leaves: what a lifecycle proof opens the root with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryOpening {
    /// Root of the facility tree.
    pub facilities_root: Fr,
    /// Root of the auditor tree.
    pub auditors_root: Fr,
    /// The policy version.
    pub policy_version: u64,
    /// Root of the chip-model tree.
    pub models_root: Fr,
    /// The country-table slot of the parameter digest: the country → tier
    /// tree's root, or, when the registry lists importers,
    /// `Poseidon(IMPORTERS_TAG, tier tree root, importer tree root)`
    /// ([`countries_root`]).
    pub tiers_root: Fr,
    /// The default tier.
    pub default_tier: u64,
    /// Root of the evaluator tree.
    pub evaluators_root: Fr,
    /// Root of the evaluation-suite tree.
    pub suites_root: Fr,
}

impl RegistryOpening {
    /// The parameter digest in its five-input (lifecycle) form.
    pub fn params_digest(&self) -> Fr {
        poseidon::hash(&[
            Fr::from(self.policy_version),
            self.models_root,
            self.tiers_root,
            Fr::from(self.default_tier),
            lifecycle_root(self.evaluators_root, self.suites_root),
        ])
    }
    /// The registry root in its lifecycle form.
    pub fn root(&self) -> Fr {
        registry_root(
            self.facilities_root,
            self.auditors_root,
            self.params_digest(),
        )
    }
}

/// The country-table slot of the parameter digest: the tier tree's root alone
/// when the registry lists no importer (the root of older files), otherwise
/// `Poseidon(IMPORTERS_TAG, tiers_root, importers_root)`.
pub fn countries_root(tiers_root: Fr, importers_root: Option<Fr>) -> Fr {
    match importers_root {
        None => tiers_root,
        Some(i) => poseidon::hash(&[domain::importers(), tiers_root, i]),
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
    /// A field failed to encode, or a semantic check failed.
    #[error(transparent)]
    Input(#[from] InputError),
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
    /// Evaluator leaves, in file order.
    pub evaluators: Vec<EvaluatorLeaf>,
    /// Evaluation suites, encoded, in file order.
    pub suites: Vec<crate::evaluation::Suite>,
    /// The evaluator tree.
    pub evaluator_tree: MerkleTree,
    /// The opening of the root (tree roots and parameters).
    pub opening: RegistryOpening,
    /// The facility tree.
    pub facility_tree: MerkleTree,
    /// The auditor tree.
    pub auditor_tree: MerkleTree,
    /// `Poseidon(policy_version, models_root, tiers_root, default_tier)`.
    pub params_digest: Fr,
    /// Chip models: encoded name and TPP, in file order (the index is the
    /// model's number in chip identities, see [`crate::ledger`]).
    pub models: Vec<(Fr, u64)>,
    /// Root of the country → tier tree.
    pub tier_tree_root: Fr,
    /// Root of the importer → home country tree (`None` without importers).
    pub importers_root: Option<Fr>,
    /// Landmark leaves, in file order.
    pub landmarks: Vec<LandmarkLeaf>,
    /// The landmark tree.
    pub landmark_tree: MerkleTree,
    /// The coverage pairs `(facility index, landmark index)`, sorted; their tree.
    pub coverage: Vec<(usize, usize)>,
    /// The coverage tree (leaves in [`Registry::coverage`] order).
    pub coverage_tree: MerkleTree,
    /// The landmark section (`None` without landmarks).
    pub landmark_section: Option<LandmarkSection>,
    /// The registry root.
    pub root: Fr,
}

/// The Merkle tree of `depth` over `leaves`.
fn tree(depth: usize, leaves: Vec<Fr>) -> Result<MerkleTree, InputError> {
    MerkleTree::new(depth, &leaves).map_err(|e| InputError::Invalid(e.to_string()))
}

/// The Merkle tree of `depth` over the hashes of `items`.
fn tree_of<T>(
    depth: usize,
    items: &[T],
    hash: impl Fn(&T) -> Fr,
) -> Result<MerkleTree, InputError> {
    tree(depth, items.iter().map(hash).collect())
}

/// Whether `n` entries (`what`) fit a tree of `depth` (`tree` in the error).
fn fits(n: usize, depth: usize, what: &str, tree: &str) -> Result<(), InputError> {
    if n > 1 << depth {
        return Err(InputError::Invalid(format!(
            "at most {} {what} fit {tree}",
            1usize << depth
        )));
    }
    Ok(())
}

/// `id` (of a `kind` of entry) encoded, and not in `seen` before (then in it).
fn first_id(kind: &str, id: &str, seen: &mut HashSet<String>) -> Result<Fr, InputError> {
    let encoded = enc(format!("{kind} {id:?} id"), encode_label(id))?;
    if !seen.insert(id.to_string()) {
        return Err(InputError::Invalid(format!("{kind} {id:?} appears twice")));
    }
    Ok(encoded)
}

/// The leaves of a list of signers (auditors or evaluators, named `kind` in
/// errors): each id encoded and given once, each key a valid point.
fn signer_leaves(kind: &str, signers: &[AuditorJson]) -> Result<Vec<AuditorLeaf>, RegistryError> {
    leaves(kind, signers, |id, a| {
        let key = valid_key(kind, &a.id, &a.public_key)?;
        Ok(AuditorLeaf { id, key })
    })
}

/// An entry of one of the registry's lists that its id keys.
trait Entry {
    /// The id (a label, given once in its list).
    fn id(&self) -> &str;
}

macro_rules! entries {
    ($($T:ty),+) => {
        $(impl Entry for $T {
            fn id(&self) -> &str {
                &self.id
            }
        })+
    };
}

entries!(FacilityJson, AuditorJson, LandmarkJson, ImporterJson);

/// The leaves of a list of entries (a `kind` of entry), in order: each id
/// encoded and given once (checked first), then `leaf(id, entry)`.
fn leaves<T: Entry, L>(
    kind: &str,
    entries: &[T],
    mut leaf: impl FnMut(Fr, &T) -> Result<L, RegistryError>,
) -> Result<Vec<L>, RegistryError> {
    let mut seen = HashSet::new();
    entries
        .iter()
        .map(|e| leaf(first_id(kind, e.id(), &mut seen)?, e))
        .collect()
}

/// [`leaves`] of a list that must fit a registry tree of `depth` (at most
/// `2^depth` entries, `what` in the error).
fn tree_leaves<T: Entry, L>(
    kind: &str,
    what: &str,
    depth: usize,
    entries: &[T],
    leaf: impl FnMut(Fr, &T) -> Result<L, RegistryError>,
) -> Result<Vec<L>, RegistryError> {
    fits(entries.len(), depth, what, "the registry tree")?;
    leaves(kind, entries, leaf)
}

/// The country `code` (the `field` of the `kind` entry `id`), encoded.
fn entry_country(kind: &str, id: &str, field: &str, code: &str) -> Result<u64, InputError> {
    enc(format!("{kind} {id:?} {field}"), encode_country(code))
}

/// Whether a position (µdeg) is a latitude and a longitude.
fn on_earth(lat_udeg: i64, lon_udeg: i64) -> bool {
    lat_udeg.abs() <= 90_000_000 && lon_udeg.abs() <= 180_000_000
}

/// The key of the `kind` entry `id`: on Baby Jubjub, in the prime-order
/// subgroup, not the identity.
fn valid_key(kind: &str, id: &str, key: &PointJson) -> Result<EdwardsAffine, InputError> {
    let key = enc(format!("{kind} {id:?} key"), key.to_point())?;
    enc(format!("{kind} {id:?} key"), validate_point(&key))?;
    Ok(key)
}

/// An `Invalid` refusal.
fn invalid<T>(why: String) -> Result<T, RegistryError> {
    Err(InputError::Invalid(why).into())
}

/// The landmark leaves and the coverage pairs of a registry file, validated:
/// ids once, countries in the tier table's encoding, positions in range,
/// distances `1..=MAX_LANDMARK_DISTANCE_M`, keys valid points; vendors' ids
/// once and keys of the right form (the curve check is the verifier's).
fn landmark_leaves(
    file: &RegistryFile,
    facilities: &[FacilityLeaf],
) -> Result<(Vec<LandmarkLeaf>, Coverage), RegistryError> {
    let leaves = tree_leaves(
        "landmark",
        "landmarks",
        LANDMARK_DEPTH,
        &file.landmarks,
        |id, l| {
            let country = entry_country("landmark", &l.id, "country", &l.country)?;
            if !on_earth(l.lat_udeg, l.lon_udeg) {
                return invalid(format!("landmark {:?}: position out of range", l.id));
            }
            if !(1..=MAX_LANDMARK_DISTANCE_M).contains(&l.max_distance_m) {
                return invalid(format!(
                    "landmark {:?}: max_distance_m must be 1..={MAX_LANDMARK_DISTANCE_M}",
                    l.id
                ));
            }
            let key = valid_key("landmark", &l.id, &l.public_key)?;
            Ok(LandmarkLeaf {
                id,
                country,
                lat: l.lat_udeg,
                lon: l.lon_udeg,
                max_distance_m: l.max_distance_m,
                key,
            })
        },
    )?;
    let mut seen = HashSet::new();
    let mut made_by = HashSet::new();
    for v in &file.device_vendors {
        first_id("device vendor", &v.id, &mut seen)?;
        let ok = v.public_key.strip_prefix("0x").is_some_and(|h| {
            h.len() == 98
                && h.bytes().all(|b| b.is_ascii_hexdigit())
                && matches!(&h[..2], "02" | "03")
        });
        if !ok {
            return invalid(format!(
                "device vendor {:?}: public_key must be 0x + a compressed P-384 point (98 hex digits)",
                v.id
            ));
        }
        if v.models.is_empty() {
            return invalid(format!(
                "device vendor {:?} lists no models: its CA could certify none",
                v.id
            ));
        }
        for m in &v.models {
            if !file.chip_models.iter().any(|c| &c.name == m) {
                return invalid(format!(
                    "device vendor {:?}: model {m:?} is not a chip model of the registry",
                    v.id
                ));
            }
            if !made_by.insert(m.clone()) {
                return invalid(format!(
                    "model {m:?} is listed under two device vendors (or twice): one vendor certifies a model"
                ));
            }
        }
    }
    if !file.device_vendors.is_empty() && leaves.is_empty() {
        return invalid("device_vendors without landmarks: nothing would check device keys".into());
    }
    let mut coverage = Vec::new();
    for (fi, f) in facilities.iter().enumerate() {
        for (li, l) in leaves.iter().enumerate() {
            let d = distance_upper_bound_m((f.fence.lat, f.fence.lon), (l.lat, l.lon));
            if d + fence_extent_upper_bound_m(f.fence.lat, f.fence.radius_m, f.fence.lon_scale)
                <= l.max_distance_m as f64
            {
                coverage.push((fi, li));
            }
        }
    }
    if coverage.len() > 1 << COVERAGE_DEPTH {
        return invalid(format!(
            "{} facility–landmark pairs exceed the coverage tree ({})",
            coverage.len(),
            1 << COVERAGE_DEPTH
        ));
    }
    Ok((leaves, coverage))
}

/// Facility–landmark pairs `(facility index, landmark index)`, sorted.
type Coverage = Vec<(usize, usize)>;

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
        if file.evaluators.len() > 1 << EVALUATOR_DEPTH || file.eval_suites.len() > 1 << SUITE_DEPTH
        {
            return invalid(format!(
                "at most {} evaluators and {} evaluation suites fit the registry trees",
                1 << EVALUATOR_DEPTH,
                1 << SUITE_DEPTH
            ));
        }
        if !(1..=MAX_TIER).contains(&file.default_tier) {
            return invalid(format!("default tier must be 1..={MAX_TIER}"));
        }
        fits(
            file.country_tiers.len(),
            TIER_DEPTH,
            "countries",
            "the tier table",
        )?;
        let mut tier_leaves = Vec::with_capacity(file.country_tiers.len());
        for (c, &t) in &file.country_tiers {
            let code = enc(format!("tier table country {c:?}"), encode_country(c))?;
            if !(1..=MAX_TIER).contains(&t) {
                return invalid(format!("country {c:?}: tier must be 1..={MAX_TIER}"));
            }
            tier_leaves.push(poseidon::hash(&[Fr::from(code), Fr::from(t as u64)]));
        }
        let facilities = leaves("facility", &file.facilities, |id, f| {
            let operator = enc(
                format!("facility {:?} operator", f.id),
                encode_label(&f.operator),
            )?;
            let country = entry_country("facility", &f.id, "country", &f.country)?;
            let tier = file
                .country_tiers
                .get(&f.country)
                .copied()
                .unwrap_or(file.default_tier);
            if !on_earth(f.lat_udeg, f.lon_udeg) {
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
            Ok(FacilityLeaf {
                id,
                operator,
                country,
                tier: tier as u64,
                fence,
            })
        })?;
        let auditors = signer_leaves("auditor", &file.auditors)?;
        let evaluators = signer_leaves("evaluator", &file.evaluators)?;
        let mut seen = HashSet::new();
        let mut suites = Vec::with_capacity(file.eval_suites.len());
        for s in &file.eval_suites {
            if !seen.insert(s.id.clone()) {
                return invalid(format!("evaluation suite {:?} appears twice", s.id));
            }
            suites.push(s.encode().map_err(|e| InputError::Invalid(e.to_string()))?);
        }
        let importer_leaves = tree_leaves(
            "importer",
            "importers",
            IMPORTER_DEPTH,
            &file.importers,
            |id, i| {
                let home = entry_country("importer", &i.id, "home country", &i.home_country)?;
                if !file.country_tiers.contains_key(&i.home_country) {
                    return invalid(format!(
                        "importer {:?}: home country {:?} is not in country_tiers",
                        i.id, i.home_country
                    ));
                }
                Ok(poseidon::hash(&[id, Fr::from(home)]))
            },
        )?;
        let mut seen = HashSet::new();
        let mut model_leaves = Vec::with_capacity(file.chip_models.len());
        let mut models = Vec::with_capacity(file.chip_models.len());
        for m in &file.chip_models {
            let name = enc(format!("chip model {:?}", m.name), encode_label(&m.name))?;
            if !seen.insert(m.name.clone()) {
                return invalid(format!("chip model {:?} appears twice", m.name));
            }
            if m.tpp == 0 || m.tpp >= 1 << 32 {
                return invalid(format!("chip model {:?}: tpp must be in 1..2^32", m.name));
            }
            model_leaves.push(poseidon::hash(&[name, Fr::from(m.tpp)]));
            models.push((name, m.tpp));
        }
        let facility_tree = tree_of(FACILITY_DEPTH, &facilities, FacilityLeaf::hash)?;
        let auditor_tree = tree_of(AUDITOR_DEPTH, &auditors, AuditorLeaf::hash)?;
        let model_tree = tree(MODEL_DEPTH, model_leaves)?;
        let tier_tree = tree(TIER_DEPTH, tier_leaves)?;
        let evaluator_tree = tree_of(EVALUATOR_DEPTH, &evaluators, EvaluatorLeaf::hash)?;
        let suite_tree = tree_of(SUITE_DEPTH, &suites, crate::evaluation::suite_hash)?;
        let importers_root = if importer_leaves.is_empty() {
            None
        } else {
            Some(tree(IMPORTER_DEPTH, importer_leaves)?.root())
        };
        let (landmarks, coverage) = landmark_leaves(&file, &facilities)?;
        let landmark_tree = tree_of(LANDMARK_DEPTH, &landmarks, LandmarkLeaf::hash)?;
        let coverage_tree = tree(
            COVERAGE_DEPTH,
            coverage
                .iter()
                .map(|&(f, l)| coverage_leaf(facilities[f].id, landmarks[l].id))
                .collect(),
        )?;
        let landmark_section = (!landmarks.is_empty()).then(|| LandmarkSection {
            tiers_root: tier_tree.root(),
            importers_root: importers_root.unwrap_or(Fr::from(0u64)),
            landmarks_root: landmark_tree.root(),
            coverage_root: coverage_tree.root(),
            vendors_digest: vendors_digest(&file.device_vendors),
        });
        let tables_root = match &landmark_section {
            Some(l) => l.countries_root(),
            None => countries_root(tier_tree.root(), importers_root),
        };
        let opening = RegistryOpening {
            facilities_root: facility_tree.root(),
            auditors_root: auditor_tree.root(),
            policy_version: file.policy_version,
            models_root: model_tree.root(),
            tiers_root: tables_root,
            default_tier: file.default_tier as u64,
            evaluators_root: evaluator_tree.root(),
            suites_root: suite_tree.root(),
        };
        let params_digest = if evaluators.is_empty() && suites.is_empty() {
            poseidon::hash(&[
                Fr::from(file.policy_version),
                model_tree.root(),
                tables_root,
                Fr::from(file.default_tier as u64),
            ])
        } else {
            opening.params_digest()
        };
        let root = registry_root(facility_tree.root(), auditor_tree.root(), params_digest);
        Ok(Self {
            file,
            facilities,
            auditors,
            evaluators,
            suites,
            evaluator_tree,
            opening,
            facility_tree,
            auditor_tree,
            params_digest,
            models,
            tier_tree_root: tier_tree.root(),
            importers_root,
            landmarks,
            landmark_tree,
            coverage,
            coverage_tree,
            landmark_section,
            root,
        })
    }

    /// Index of a landmark by id.
    pub fn landmark_index(&self, id: &str) -> Option<usize> {
        self.file.landmarks.iter().position(|l| l.id == id)
    }

    /// Index in the coverage tree of the pair (facility, landmark), if the
    /// facility lies within the landmark's distance.
    pub fn coverage_index(&self, facility: usize, landmark: usize) -> Option<usize> {
        self.coverage.binary_search(&(facility, landmark)).ok()
    }

    /// Index of a chip model by name.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.file.chip_models.iter().position(|m| m.name == name)
    }

    /// Tier of a country (the table's, or the default tier).
    pub fn tier_of(&self, country: &str) -> u8 {
        self.file
            .country_tiers
            .get(country)
            .copied()
            .unwrap_or(self.file.default_tier)
    }

    /// The home country (ISO code) the registry names for importer `id`, if
    /// it lists the importer.
    pub fn home_country(&self, id: &str) -> Option<&str> {
        self.file
            .importers
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.home_country.as_str())
    }

    /// Index of a facility by id.
    pub fn facility_index(&self, id: &str) -> Option<usize> {
        self.file.facilities.iter().position(|f| f.id == id)
    }

    /// Index of an auditor by id.
    pub fn auditor_index(&self, id: &str) -> Option<usize> {
        self.file.auditors.iter().position(|a| a.id == id)
    }

    /// Index of an evaluator by id.
    pub fn evaluator_index(&self, id: &str) -> Option<usize> {
        self.file.evaluators.iter().position(|a| a.id == id)
    }

    /// An evaluation suite by id.
    pub fn suite(&self, id: &str) -> Option<&crate::evaluation::Suite> {
        self.file
            .eval_suites
            .iter()
            .position(|s| s.id == id)
            .map(|i| &self.suites[i])
    }

    /// Whether the root is in its lifecycle form (the registry lists
    /// evaluators or suites), the only form lifecycle claims prove against.
    pub fn has_lifecycle(&self) -> bool {
        !self.evaluators.is_empty() || !self.suites.is_empty()
    }

    /// Whether a chip model is registered.
    pub fn has_model(&self, name: &str) -> bool {
        self.file.chip_models.iter().any(|m| m.name == name)
    }
}
