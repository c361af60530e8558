//! Setup and key files.
//!
//! For a shape `NxF`, a key directory holds:
//! * `cluster-NxF.vk` — the verifying key, compressed (what the agency publishes);
//! * `cluster-NxF.pk` — the tuned prover's key ([`ProverKey`]: the Groth16
//!   proving key without its identity bases, and the circuit's R1CS matrices),
//!   uncompressed, for fast loading;
//! * `cluster-NxF.manifest.json` — shape, constraint count, circuit id and the
//!   SHA-256 and length of the proving key file.
//!
//! Loading the proving key checks the file's SHA-256 against the manifest and
//! then deserializes it *without* curve and subgroup checks (they cost more than
//! the proof itself at this size); the hash is what guarantees that these are
//! the bytes setup wrote. The verifying key is always loaded with full checks.
//!
//! Setup here is single-party and for development: whoever ran it can forge
//! proofs. Production keys come from a multi-party ceremony.
use crate::error::{read, read_json, write, write_json, ProverError, Result};
use crate::prove::ProverKey;
use crate::r1cs::R1cs;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkcc_circuits::cluster::constraints::ClusterCircuit;
use zkcc_circuits::cluster::ClusterShape;

/// The manifest written by setup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyManifest {
    /// Format version (2: the proving key file holds a [`ProverKey`]).
    pub version: u32,
    /// Claim kind.
    pub claim: String,
    /// Circuit shape.
    pub shape: ClusterShape,
    /// R1CS constraints.
    pub constraints: usize,
    /// Circuit id: hex SHA-256 of the compressed verifying key.
    pub circuit_id: String,
    /// Hex SHA-256 of the proving key file.
    pub proving_key_sha256: String,
    /// Length of the proving key file.
    pub proving_key_bytes: u64,
    /// How the keys were made.
    pub setup: String,
}

/// File paths of a shape's keys in a directory.
pub struct KeyPaths {
    /// Proving key.
    pub pk: PathBuf,
    /// Verifying key.
    pub vk: PathBuf,
    /// Manifest.
    pub manifest: PathBuf,
}

impl KeyPaths {
    /// Paths for `shape` under `dir`.
    pub fn new(dir: &Path, shape: &ClusterShape) -> Self {
        let base = format!("cluster-{}", shape.name());
        Self {
            pk: dir.join(format!("{base}.pk")),
            vk: dir.join(format!("{base}.vk")),
            manifest: dir.join(format!("{base}.manifest.json")),
        }
    }
}

/// Number of R1CS constraints of the cluster circuit of a shape.
pub fn constraint_count(shape: &ClusterShape) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    ClusterCircuit::for_setup(*shape).generate_constraints(cs.clone())?;
    Ok(cs.num_constraints())
}

/// The R1CS matrices of a shape's circuit (one synthesis in setup mode).
pub fn r1cs(shape: &ClusterShape) -> Result<R1cs> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    ClusterCircuit::for_setup(*shape).generate_constraints(cs.clone())?;
    cs.finalize();
    let matrices = cs.to_matrices()?;
    let m = matrices
        .get(R1CS_PREDICATE_LABEL)
        .ok_or_else(|| ProverError::Backend("constraint system has no R1CS matrices".into()))?;
    Ok(R1cs::from_matrices(
        m,
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    ))
}

/// A (single-party, development) setup in memory: the stock `ark-groth16`
/// proving key and the circuit's matrices (what [`ProverKey::new`] combines).
pub fn setup_keys<R: rand::RngCore + rand::CryptoRng>(
    shape: &ClusterShape,
    rng: &mut R,
) -> Result<(ProvingKey<Bn254>, R1cs)> {
    let r1cs = r1cs(shape)?;
    let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
        ClusterCircuit::for_setup(*shape),
        rng,
    )
    .map_err(|e| ProverError::Backend(e.to_string()))?;
    Ok((pk, r1cs))
}

/// A (single-party, development) setup in memory of the tuned prover's key.
pub fn setup_prover_key<R: rand::RngCore + rand::CryptoRng>(
    shape: &ClusterShape,
    rng: &mut R,
) -> Result<ProverKey> {
    let (pk, r1cs) = setup_keys(shape, rng)?;
    ProverKey::new(pk, r1cs)
}

/// Runs a (single-party, development) setup and writes the keys.
pub fn setup<R: rand::RngCore + rand::CryptoRng>(
    dir: &Path,
    shape: &ClusterShape,
    rng: &mut R,
) -> Result<KeyManifest> {
    let pk = setup_prover_key(shape, rng)?;
    let constraints = pk.r1cs.num_constraints();
    let vk = pk.vk.clone();
    let paths = KeyPaths::new(dir, shape);
    let mut pk_bytes = Vec::new();
    pk.serialize_uncompressed(&mut pk_bytes)
        .map_err(|e| ProverError::Backend(e.to_string()))?;
    drop(pk);
    let mut vk_bytes = Vec::new();
    vk.serialize_compressed(&mut vk_bytes)
        .map_err(|e| ProverError::Backend(e.to_string()))?;
    let manifest = KeyManifest {
        version: 2,
        claim: "cluster".into(),
        shape: *shape,
        constraints,
        circuit_id: zkcc_verifier::keys::circuit_id(&vk),
        proving_key_sha256: hex::encode(Sha256::digest(&pk_bytes)),
        proving_key_bytes: pk_bytes.len() as u64,
        setup: "single-party development setup (NOT for production: the party that ran it can forge proofs)".into(),
    };
    write(&paths.pk, &pk_bytes)?;
    write(&paths.vk, &vk_bytes)?;
    write_json(&paths.manifest, &manifest)?;
    Ok(manifest)
}

/// Loads the manifest of a shape.
pub fn load_manifest(dir: &Path, shape: &ClusterShape) -> Result<KeyManifest> {
    let paths = KeyPaths::new(dir, shape);
    if !paths.manifest.exists() {
        return Err(ProverError::Keys(format!(
            "no keys for {} in {} (run zkcc setup)",
            shape.name(),
            dir.display()
        )));
    }
    let m: KeyManifest = read_json(&paths.manifest)?;
    if m.shape != *shape || m.claim != "cluster" || m.version != 2 {
        return Err(ProverError::Keys(format!(
            "{} does not describe cluster keys for {}",
            paths.manifest.display(),
            shape.name()
        )));
    }
    Ok(m)
}

/// Loads and fully validates the verifying key of a shape.
pub fn load_verifying_key(dir: &Path, shape: &ClusterShape) -> Result<VerifyingKey<Bn254>> {
    let paths = KeyPaths::new(dir, shape);
    Ok(zkcc_verifier::keys::load_verifying_key(&read(&paths.vk)?)?)
}

/// Loads the proving key of a shape: hash checked against the manifest, then
/// unchecked (fast) deserialization, then a structural consistency check.
pub fn load_proving_key(dir: &Path, shape: &ClusterShape) -> Result<(ProverKey, KeyManifest)> {
    let manifest = load_manifest(dir, shape)?;
    let paths = KeyPaths::new(dir, shape);
    let bytes = read(&paths.pk)?;
    if bytes.len() as u64 != manifest.proving_key_bytes
        || hex::encode(Sha256::digest(&bytes)) != manifest.proving_key_sha256
    {
        return Err(ProverError::Keys(format!(
            "{} does not match its manifest (corrupt or replaced): run zkcc setup again",
            paths.pk.display()
        )));
    }
    let pk = ProverKey::deserialize_uncompressed_unchecked(&bytes[..])
        .map_err(|e| ProverError::Keys(format!("{}: {e}", paths.pk.display())))?;
    drop(bytes);
    if !pk.is_consistent() || pk.r1cs.num_constraints() != manifest.constraints {
        return Err(ProverError::Keys(format!(
            "{} is not a consistent prover key",
            paths.pk.display()
        )));
    }
    if zkcc_verifier::keys::circuit_id(&pk.vk) != manifest.circuit_id {
        return Err(ProverError::Keys(format!(
            "{} belongs to another circuit than its manifest",
            paths.pk.display()
        )));
    }
    Ok((pk, manifest))
}
