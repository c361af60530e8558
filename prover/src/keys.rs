//! Setup and key files.
//!
//! For a circuit `<claim>-<shape>` (`shard-8x128`, `request-16x8`,
//! `delay-8x128`, `evaluation-3`, `jurisdiction-4`), a key directory holds:
//! * `<claim>-<shape>.vk` — the verifying key, compressed (what the agency publishes);
//! * `<claim>-<shape>.pk` — the tuned prover's key ([`ProverKey`]: the Groth16
//!   proving key without its identity bases, and the circuit's R1CS matrices),
//!   uncompressed, for fast loading;
//! * `<claim>-<shape>.manifest.json` — claim, shape, constraint count, circuit
//!   id and the SHA-256 and length of the proving key file.
//!
//! Loading the proving key checks the file's SHA-256 against the manifest and
//! then deserializes it *without* curve and subgroup checks (they cost more than
//! the proof itself at this size); the hash is what guarantees that these are
//! the bytes setup wrote. The verifying key is always loaded with full checks.
//!
//! Setup here is single-party and for development: whoever ran it can forge
//! proofs. Production keys come from a multi-party ceremony.
use crate::error::{read, read_json, write, write_json, ProverError, Result};
use ark_bn254::{Bn254, Fr};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_serialize::CanonicalSerialize;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkcc_circuits::delay::constraints::DelayCircuit;
use zkcc_circuits::evaluation::constraints::EvaluationCircuit;
use zkcc_circuits::jurisdiction::constraints::JurisdictionCircuit;
use zkcc_circuits::request::constraints::RequestCircuit;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::constraints::ShardCircuit;
use zkcc_circuits::shard::ShardShape;
use zkcc_engine::prove::Reduction;
use zkcc_engine::{ProverKey, R1cs};

/// A circuit zkcc has keys for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circuit {
    /// A shard proof of the accountable statement.
    Shard(ShardShape),
    /// A request proof of the accountable statement.
    Request(RequestShape),
    /// The model-evaluation claim for suites of this many evals.
    Evaluation(usize),
    /// The deployment-jurisdiction claim with this many store slots.
    Jurisdiction(usize),
    /// A delay proof of a shard of this shape (delay evidence).
    Delay(ShardShape),
}

/// Peak memory per constraint assumed by [`Circuit::memory_estimate`].
pub const BYTES_PER_CONSTRAINT: u64 = 2048;

/// Memory available to a new allocation, from `/proc/meminfo`'s
/// `MemAvailable` (`None` where there is no such file).
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

impl Circuit {
    /// Claim kind: `shard`, `request`, `evaluation` or `jurisdiction`.
    pub fn claim(&self) -> &'static str {
        match self {
            Self::Shard(_) => "shard",
            Self::Request(_) => "request",
            Self::Evaluation(_) => "evaluation",
            Self::Jurisdiction(_) => "jurisdiction",
            Self::Delay(_) => "delay",
        }
    }
    /// Shape name (`8x128`).
    pub fn shape_name(&self) -> String {
        match self {
            Self::Shard(s) | Self::Delay(s) => s.name(),
            Self::Request(s) => s.name(),
            Self::Evaluation(n) | Self::Jurisdiction(n) => n.to_string(),
        }
    }
    /// `claim-shape`, the key files' base name.
    pub fn name(&self) -> String {
        format!("{}-{}", self.claim(), self.shape_name())
    }
    /// Number of public inputs of the claim.
    pub fn num_inputs(&self) -> usize {
        match self {
            Self::Shard(_) => zkcc_circuits::shard::PUBLIC_INPUT_NAMES.len(),
            Self::Request(_) => zkcc_circuits::request::PUBLIC_INPUT_NAMES.len(),
            Self::Evaluation(_) => zkcc_circuits::evaluation::PUBLIC_INPUT_NAMES.len(),
            Self::Jurisdiction(_) => zkcc_circuits::jurisdiction::PUBLIC_INPUT_NAMES.len(),
            Self::Delay(_) => zkcc_circuits::delay::PUBLIC_INPUT_NAMES.len(),
        }
    }
    /// Parses `shard-8x128`, `request-16x8`, `delay-8x128`, `evaluation-3` or
    /// `jurisdiction-4`.
    /// Every dimension is bounded (see [`ShardShape::parse`],
    /// [`RequestShape::parse`]), so no name can overflow or ask for an
    /// absurd allocation; [`Circuit::check_memory`] then compares the size
    /// with the machine.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: String| {
            ProverError::Usage(format!(
                "{s:?} is not a circuit name like shard-8x128, request-16x8 or evaluation-3{why}"
            ))
        };
        let (claim, shape) = s.split_once('-').ok_or_else(|| bad(String::new()))?;
        let count = |max: usize| match shape.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) && shape.bytes().all(|c| c.is_ascii_digit()) => Ok(n),
            _ => Err(bad(format!(": {claim}-N takes N from 1 to {max}"))),
        };
        match claim {
            "evaluation" => Ok(Self::Evaluation(count(
                zkcc_circuits::evaluation::MAX_EVALS,
            )?)),
            "jurisdiction" => Ok(Self::Jurisdiction(count(
                zkcc_circuits::jurisdiction::MAX_STORES,
            )?)),
            "shard" => Ok(Self::Shard(
                ShardShape::parse(shape).map_err(|e| bad(format!(": {e}")))?,
            )),
            "delay" => Ok(Self::Delay(
                ShardShape::parse(shape).map_err(|e| bad(format!(": {e}")))?,
            )),
            "request" => Ok(Self::Request(
                RequestShape::parse(shape).map_err(|e| bad(format!(": {e}")))?,
            )),
            _ => Err(bad(String::new())),
        }
    }
    /// Constraints of the circuit, from the pinned cost formulas (no
    /// synthesis; the bounds of [`Circuit::parse`] keep them from overflowing).
    pub fn constraints(&self) -> u64 {
        (match self {
            Self::Shard(s) => zkcc_circuits::shard::constraints::cost(s),
            Self::Request(s) => zkcc_circuits::request::constraints::cost(s),
            Self::Evaluation(n) => zkcc_circuits::evaluation::constraints::cost(*n),
            Self::Jurisdiction(n) => zkcc_circuits::jurisdiction::constraints::cost(*n),
            Self::Delay(s) => zkcc_circuits::delay::constraints::cost(s),
        }) as u64
    }
    /// Estimated peak memory of setup or a proof, in bytes: the measured
    /// 1.5 KB per constraint of a `shard-8x128` proof (`benches/RESULTS.md`)
    /// rounded up to 2 KiB, plus 64 MiB for the process.
    pub fn memory_estimate(&self) -> u64 {
        self.constraints()
            .saturating_mul(BYTES_PER_CONSTRAINT)
            .saturating_add(64 << 20)
    }
    /// Refuses, up front and with the estimate, a circuit whose setup or
    /// proof cannot fit in `available` bytes of memory, or whose domain is
    /// larger than 2^27 (the odd-coset quotient of `zkcc setup` and ceremony
    /// keys needs a `2n`-th root of unity, and BN254's largest is 2^28).
    pub fn check_memory(&self, available: Option<u64>) -> Result<()> {
        let n = self.constraints();
        if n >= 1 << 27 {
            return Err(ProverError::Usage(format!(
                "{} has about {n} constraints: more than BN254's largest domain for the odd-coset quotient (2^27) holds; choose a smaller shape",
                self.name()
            )));
        }
        let need = self.memory_estimate();
        match available {
            Some(have) if need > have => Err(ProverError::Usage(format!(
                "{} has about {n} constraints and needs about {:.1} GB of memory; this machine has {:.1} GB available; choose a smaller shape",
                self.name(),
                need as f64 / 1e9,
                have as f64 / 1e9
            ))),
            _ => Ok(()),
        }
    }
    fn synthesize(&self, cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>) -> Result<()> {
        Ok(self.synthesize_raw(cs)?)
    }
    fn synthesize_raw(
        &self,
        cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
    ) -> std::result::Result<(), ark_relations::gr1cs::SynthesisError> {
        match *self {
            Self::Shard(s) => ShardCircuit::for_setup(s).generate_constraints(cs)?,
            Self::Request(s) => RequestCircuit::for_setup(s).generate_constraints(cs)?,
            Self::Evaluation(n) => EvaluationCircuit::for_setup(n).generate_constraints(cs)?,
            Self::Jurisdiction(n) => JurisdictionCircuit::for_setup(n).generate_constraints(cs)?,
            Self::Delay(s) => DelayCircuit::for_setup(s).generate_constraints(cs)?,
        }
        Ok(())
    }
}

/// The manifest written by setup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyManifest {
    /// Format version (3: claim and shape by name; the proving key file holds a [`ProverKey`]).
    pub version: u32,
    /// Claim kind.
    pub claim: String,
    /// Circuit shape, by name.
    pub shape: String,
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

/// File paths of a circuit's keys in a directory.
pub struct KeyPaths {
    /// Proving key.
    pub pk: PathBuf,
    /// Verifying key.
    pub vk: PathBuf,
    /// Manifest.
    pub manifest: PathBuf,
}

impl KeyPaths {
    /// Paths for `circuit` under `dir`.
    pub fn of(dir: &Path, circuit: &Circuit) -> Self {
        let base = circuit.name();
        Self {
            pk: dir.join(format!("{base}.pk")),
            vk: dir.join(format!("{base}.vk")),
            manifest: dir.join(format!("{base}.manifest.json")),
        }
    }
}

/// Number of R1CS constraints of a circuit.
pub fn constraints_of(circuit: &Circuit) -> Result<usize> {
    let cs = zkcc_engine::setup::setup_cs();
    circuit.synthesize(cs.clone())?;
    Ok(cs.num_constraints())
}

/// The R1CS matrices of a circuit (one synthesis in setup mode).
pub fn r1cs_of(circuit: &Circuit) -> Result<R1cs> {
    Ok(zkcc_engine::setup::r1cs_of_synthesis(&mut |cs| {
        circuit.synthesize_raw(cs)
    })?)
}

/// A (single-party, development) setup in memory: the stock `ark-groth16`
/// proving key (`LibsnarkReduction`, what `ark-groth16`'s own prover takes)
/// and the circuit's matrices: for comparisons with the stock prover.
pub fn setup_keys_of<R: rand::RngCore + rand::CryptoRng>(
    circuit: &Circuit,
    rng: &mut R,
) -> Result<(ProvingKey<Bn254>, R1cs)> {
    setup_keys_with(circuit, Reduction::Libsnark, rng)
}

/// [`setup_keys_of`] with the `H` points of reduction `red`. From the same
/// random source, both reductions give keys of the same toxic waste (one
/// verifying key).
pub fn setup_keys_with<R: rand::RngCore + rand::CryptoRng>(
    circuit: &Circuit,
    red: Reduction,
    rng: &mut R,
) -> Result<(ProvingKey<Bn254>, R1cs)> {
    Ok(zkcc_engine::setup::groth16_key_and_r1cs(
        &mut |cs| circuit.synthesize_raw(cs),
        red,
        rng,
    )?)
}

/// A (single-party, development) setup in memory of the tuned prover's key,
/// its `H` points on the odd coset as a ceremony key's (six FFTs per proof
/// instead of seven: [`Reduction::OddCoset`]).
pub fn setup_prover_key_of<R: rand::RngCore + rand::CryptoRng>(
    circuit: &Circuit,
    rng: &mut R,
) -> Result<ProverKey> {
    let (pk, r1cs) = setup_keys_with(circuit, Reduction::OddCoset, rng)?;
    Ok(ProverKey::new(pk, r1cs)?)
}

/// What every key manifest says of a single-party setup.
pub const DEV_SETUP: &str =
    "single-party development setup (NOT for production: the party that ran it can forge proofs)";

/// Runs a (single-party, development) setup of a circuit and writes its keys.
pub fn setup_circuit<R: rand::RngCore + rand::CryptoRng>(
    dir: &Path,
    circuit: &Circuit,
    rng: &mut R,
) -> Result<KeyManifest> {
    let pk = setup_prover_key_of(circuit, rng)?;
    write_keys(dir, circuit, pk, DEV_SETUP)
}

/// Writes a circuit's key files (prover key, verifying key, manifest) from a
/// prover key, recording in the manifest how the keys were made.
pub fn write_keys(dir: &Path, circuit: &Circuit, pk: ProverKey, how: &str) -> Result<KeyManifest> {
    let constraints = pk.r1cs.num_constraints();
    let vk = pk.vk.clone();
    let paths = KeyPaths::of(dir, circuit);
    let pk_bytes = pk.to_bytes()?;
    drop(pk);
    let mut vk_bytes = Vec::new();
    vk.serialize_compressed(&mut vk_bytes)
        .map_err(|e| ProverError::Backend(e.to_string()))?;
    let manifest = KeyManifest {
        version: 3,
        claim: circuit.claim().into(),
        shape: circuit.shape_name(),
        constraints,
        circuit_id: zkcc_verifier::keys::circuit_id(&vk),
        proving_key_sha256: hex::encode(Sha256::digest(&pk_bytes)),
        proving_key_bytes: pk_bytes.len() as u64,
        setup: how.into(),
    };
    write(&paths.pk, &pk_bytes)?;
    write(&paths.vk, &vk_bytes)?;
    write_json(&paths.manifest, &manifest)?;
    Ok(manifest)
}

/// Loads the manifest of a circuit.
pub fn load_manifest_of(dir: &Path, circuit: &Circuit) -> Result<KeyManifest> {
    let paths = KeyPaths::of(dir, circuit);
    if !paths.manifest.exists() {
        return Err(ProverError::Keys(format!(
            "no keys for {} in {} (run zkcc setup)",
            circuit.name(),
            dir.display()
        )));
    }
    let m: KeyManifest = read_json(&paths.manifest)?;
    if m.shape != circuit.shape_name() || m.claim != circuit.claim() || m.version != 3 {
        return Err(ProverError::Keys(format!(
            "{} does not describe keys for {}",
            paths.manifest.display(),
            circuit.name()
        )));
    }
    Ok(m)
}

/// Loads and fully validates the verifying key of a circuit.
pub fn load_verifying_key_of(dir: &Path, circuit: &Circuit) -> Result<VerifyingKey<Bn254>> {
    let paths = KeyPaths::of(dir, circuit);
    Ok(zkcc_verifier::keys::load_verifying_key_for(
        &read(&paths.vk)?,
        circuit.num_inputs(),
    )?)
}

/// Loads the proving key of a circuit: hash checked against the manifest, then
/// unchecked (fast) deserialization, then a structural consistency check.
pub fn load_proving_key_of(dir: &Path, circuit: &Circuit) -> Result<(ProverKey, KeyManifest)> {
    let manifest = load_manifest_of(dir, circuit)?;
    let paths = KeyPaths::of(dir, circuit);
    // Streamed twice, never held whole (a second copy of a 400 MB key was
    // the prover's peak memory): first hashed, so that only bytes matching
    // the manifest are parsed; then parsed and hashed again, so that the
    // parsed bytes are those that matched.
    let io = |source| ProverError::Io {
        path: paths.pk.display().to_string(),
        source,
    };
    let mismatch = || {
        ProverError::Keys(format!(
            "{} does not match its manifest (corrupt or replaced): run zkcc setup again",
            paths.pk.display()
        ))
    };
    let open = || -> Result<HashingReader<std::io::BufReader<std::fs::File>>> {
        let f = std::fs::File::open(&paths.pk).map_err(io)?;
        Ok(HashingReader::new(std::io::BufReader::with_capacity(
            1 << 20,
            f,
        )))
    };
    let mut first = open()?;
    std::io::copy(&mut first, &mut std::io::sink()).map_err(io)?;
    let (hash, len) = first.finish();
    if len != manifest.proving_key_bytes || hash != manifest.proving_key_sha256 {
        return Err(mismatch());
    }
    let mut r = open()?;
    let pk = ProverKey::read_unchecked(&mut r)
        .map_err(|e| ProverError::Keys(format!("{}: {e}", paths.pk.display())))?;
    std::io::copy(&mut r, &mut std::io::sink()).map_err(io)?;
    if r.finish() != (hash, len) {
        return Err(ProverError::Keys(format!(
            "{} changed while it was being loaded",
            paths.pk.display()
        )));
    }
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

/// A reader that hashes (SHA-256) and counts what passes through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    len: u64,
}

impl<R: std::io::Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }

    /// The hex SHA-256 and the length of everything read.
    fn finish(self) -> (String, u64) {
        (hex::encode(self.hasher.finalize()), self.len)
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        self.len += k as u64;
        Ok(k)
    }
}
