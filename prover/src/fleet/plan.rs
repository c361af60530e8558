//! Large fleets: the shard plan on disk, one shard proven per task, the
//! request proof from the shards' bundles.
//!
//! `zkcc shard plan` commits to an inventory and writes a **plan directory**:
//!
//! ```text
//! plan/manifest.json          public facts: importer, epoch, circuit, C, every C_s (and sizes)
//! plan/shards/0000.json …     one per shard (PRIVATE: its chips, attestations and blindings)
//! plan/bundles/0000.json …    the shard proofs, written by `zkcc shard prove` (atomically)
//! ```
//!
//! A task proving shard `s` reads the manifest, the registry and its own shard
//! file only: nothing holds the whole fleet in memory once the plan is
//! written. A bundle that already verifies for its shard is never proven
//! again, so re-running a job array proves only what is missing. The request
//! proof reads the shards one at a time and keeps only their openings.
use super::{bad, opening, request_statement, resolve, shard_statement, shard_witness};
use super::{FleetInventory, FLEET_INVENTORY_VERSION};
use crate::error::{read_json, write_json, ProverError, Result};
use crate::keys::Circuit;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zkcc_circuits::encoding::{encode_label, fr_from_hex, fr_to_hex};
use zkcc_circuits::ledger::challenges;
use zkcc_circuits::registry::Registry;
use zkcc_circuits::request::RequestShape;
use zkcc_circuits::shard::{fleet_commitment, ShardShape, ShardStatement, ShardWitness};
use zkcc_engine::prove::{Progress, ProverKey};
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::submission::{RequestFile, ShardBundle, Submission, SUBMISSION_VERSION};

/// Format version of the plan manifest and shard files.
pub const PLAN_VERSION: u32 = 1;

/// Environment variable of the fault-injection hook used by the Slurm test:
/// when it names a file that does not exist yet, the first `zkcc shard prove`
/// to get there creates it and kills itself (SIGKILL) midway, after its
/// witness is computed and before its bundle is written.
pub const FAULT_KILL_ONCE: &str = "ZKCC_FAULT_KILL_ONCE";

/// `plan/manifest.json`: what every task needs to know, nothing private.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanManifest {
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// The importer.
    pub importer: String,
    /// The epoch.
    pub epoch: u64,
    /// The shard circuit (`shard-FxM`); its key is `<keys>/shard-FxM.*`.
    pub circuit: String,
    /// The registry root the plan was made against.
    pub registry_root: String,
    /// The agency's ledger digest for this importer (a public input of every shard).
    pub ledger_digest: String,
    /// The fleet commitment `C` (public).
    pub commitment: String,
    /// Chips in the inventory.
    pub chips: usize,
    /// The shards, in the order of `C`.
    pub shards: Vec<PlanEntry>,
}

/// One shard of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// Its position in `C`.
    pub index: usize,
    /// Its shard file, relative to the plan directory.
    pub file: String,
    /// Its bundle, relative to the plan directory.
    pub bundle: String,
    /// `C_s` (public).
    pub shard_commitment: String,
    /// Attested chunks (facility slots used).
    pub attestations: usize,
    /// Chips.
    pub chips: usize,
}

/// `plan/shards/NNNN.json`: one shard's private inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// Position in `C`.
    pub index: usize,
    /// `C`.
    pub commitment: String,
    /// `C_s`.
    pub shard_commitment: String,
    /// Blinding of `C_s` (secret).
    pub blinding: String,
    /// Blinding of `D_s` (secret).
    pub output_blinding: String,
    /// This shard's part of the inventory: its attestations in slot order and
    /// their chips.
    pub inventory: FleetInventory,
}

/// A loaded plan: the directory, its manifest and its shard shape.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The plan directory.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: PlanManifest,
    /// The shard shape of `manifest.circuit`.
    pub shape: ShardShape,
    importer: Fr,
    commitment: Fr,
    ledger_digest: Fr,
}

/// Shard `s`'s file name, relative to the plan directory.
fn shard_file_name(s: usize) -> String {
    format!("shards/{s:04}.json")
}

/// Shard `s`'s bundle name, relative to the plan directory.
fn bundle_name(s: usize) -> String {
    format!("bundles/{s:04}.json")
}

/// Commits to `inv` for the shard circuit `shape` and writes the plan
/// directory `dir` (shard files first, the manifest last). The shard plan is
/// [`super::plan`]'s: deterministic in the inventory; the blindings are fresh.
pub fn write_plan<R: rand::RngCore + rand::CryptoRng>(
    dir: &Path,
    registry: &Registry,
    inv: &FleetInventory,
    shape: &ShardShape,
    ledger_digest: Fr,
    rng: &mut R,
) -> Result<PlanManifest> {
    let secret = super::commit(registry, inv, shape, rng)?;
    let mut entries = Vec::with_capacity(secret.shards.len());
    for (s, sh) in secret.shards.iter().enumerate() {
        let attestations: Vec<_> = sh
            .attestations
            .iter()
            .map(|&a| inv.attestations[a].clone())
            .collect();
        let serials: std::collections::HashSet<&str> = attestations
            .iter()
            .flat_map(|a| a.measurements.iter().map(|m| m.serial.as_str()))
            .collect();
        let chips: Vec<_> = inv
            .chips
            .iter()
            .filter(|c| serials.contains(c.serial.as_str()))
            .cloned()
            .collect();
        let file = ShardFile {
            version: PLAN_VERSION,
            index: s,
            commitment: secret.commitment.clone(),
            shard_commitment: sh.shard_commitment.clone(),
            blinding: sh.blinding.clone(),
            output_blinding: sh.output_blinding.clone(),
            inventory: FleetInventory {
                version: FLEET_INVENTORY_VERSION,
                importer: inv.importer.clone(),
                epoch: inv.epoch,
                chips,
                attestations,
            },
        };
        crate::error::write_secret_json(&dir.join(shard_file_name(s)), &file)?;
        entries.push(PlanEntry {
            index: s,
            file: shard_file_name(s),
            bundle: bundle_name(s),
            shard_commitment: sh.shard_commitment.clone(),
            attestations: file.inventory.attestations.len(),
            chips: file.inventory.chips.len(),
        });
    }
    let manifest = PlanManifest {
        version: PLAN_VERSION,
        importer: inv.importer.clone(),
        epoch: inv.epoch,
        circuit: Circuit::Shard(*shape).name(),
        registry_root: fr_to_hex(&registry.root),
        ledger_digest: fr_to_hex(&ledger_digest),
        commitment: secret.commitment,
        chips: inv.chips.len(),
        shards: entries,
    };
    write_json(&dir.join("manifest.json"), &manifest)?;
    Ok(manifest)
}

impl Plan {
    /// Loads and checks a plan directory's manifest: version, circuit, that
    /// `C` is the chain of its `C_s`, and that it was made against `registry`.
    pub fn load(dir: &Path, registry: &Registry) -> Result<Self> {
        let manifest: PlanManifest = read_json(&dir.join("manifest.json"))?;
        if manifest.version != PLAN_VERSION {
            return bad(format!(
                "plan format version {} is not supported (expected {PLAN_VERSION})",
                manifest.version
            ));
        }
        let Circuit::Shard(shape) = Circuit::parse(&manifest.circuit)? else {
            return bad(format!(
                "the plan's circuit {} is not a shard circuit",
                manifest.circuit
            ));
        };
        if manifest.registry_root != fr_to_hex(&registry.root) {
            return bad(format!(
                "the plan was made against registry {}, this registry is {}",
                manifest.registry_root,
                fr_to_hex(&registry.root)
            ));
        }
        let importer = encode_label(&manifest.importer)?;
        let commitment = fr_from_hex(&manifest.commitment)?;
        let ledger_digest = fr_from_hex(&manifest.ledger_digest)?;
        let mut cs = Vec::with_capacity(manifest.shards.len());
        for (s, e) in manifest.shards.iter().enumerate() {
            if e.index != s || e.file != shard_file_name(s) || e.bundle != bundle_name(s) {
                return bad(format!(
                    "the plan's shard {s} is out of place in the manifest"
                ));
            }
            cs.push(fr_from_hex(&e.shard_commitment)?);
        }
        if fleet_commitment(importer, manifest.epoch, &cs) != commitment {
            return bad("the plan's C is not the chain of its shard commitments".into());
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            shape,
            importer,
            commitment,
            ledger_digest,
        })
    }

    /// Number of shards.
    pub fn len(&self) -> usize {
        self.manifest.shards.len()
    }

    /// Whether the plan has no shard.
    pub fn is_empty(&self) -> bool {
        self.manifest.shards.is_empty()
    }

    /// The shard circuit.
    pub fn circuit(&self) -> Circuit {
        Circuit::Shard(self.shape)
    }

    /// Path of shard `s`'s bundle.
    pub fn bundle_path(&self, s: usize) -> PathBuf {
        self.dir.join(bundle_name(s))
    }

    fn entry(&self, s: usize) -> Result<&PlanEntry> {
        self.manifest.shards.get(s).ok_or_else(|| {
            ProverError::Inventory(format!(
                "the plan has {} shards (0..{}); there is no shard {s}",
                self.len(),
                self.len().saturating_sub(1)
            ))
        })
    }

    /// Shard `s`'s statement and witness, from its file alone, checked
    /// against the manifest (same `C`, same `C_s`).
    pub fn shard(&self, registry: &Registry, s: usize) -> Result<(ShardStatement, ShardWitness)> {
        let e = self.entry(s)?;
        let f: ShardFile = read_json(&self.dir.join(&e.file))?;
        if f.version != PLAN_VERSION
            || f.index != s
            || f.commitment != self.manifest.commitment
            || f.shard_commitment != e.shard_commitment
            || f.inventory.importer != self.manifest.importer
            || f.inventory.epoch != self.manifest.epoch
            || f.inventory.attestations.len() > self.shape.facilities
        {
            return bad(format!("{} does not belong to this plan", e.file));
        }
        let chunks = resolve(registry, &f.inventory)?;
        let idx: Vec<usize> = (0..chunks.len()).collect();
        let w = shard_witness(
            registry,
            &chunks,
            &idx,
            &self.shape,
            fr_from_hex(&f.blinding)?,
            fr_from_hex(&f.output_blinding)?,
        )?;
        let st = shard_statement(
            self.importer,
            self.manifest.epoch,
            self.commitment,
            registry,
            self.ledger_digest,
            &w,
        );
        if fr_to_hex(&st.shard_commitment) != e.shard_commitment {
            return bad(format!(
                "{} does not open to its shard commitment (changed since zkcc shard plan?)",
                e.file
            ));
        }
        Ok((st, w))
    }

    /// Whether shard `s`'s bundle exists, is for its statement, and verifies.
    /// `Err` only for a bundle that cannot be read at all.
    pub fn bundle_verifies(&self, s: usize, st: &ShardStatement, vk: &PreparedKey) -> bool {
        let Ok(b) = read_json::<ShardBundle>(&self.bundle_path(s)) else {
            return false;
        };
        match (b.statement(), b.proof()) {
            (Ok(found), Ok(proof)) => {
                found == *st
                    && b.shape == self.shape
                    && vk.verify(&found.public_inputs(), &proof).is_ok()
            }
            _ => false,
        }
    }

    /// Which shards still need a proof: those whose bundle is missing, for
    /// another statement, or does not verify.
    pub fn missing(&self, registry: &Registry, vk: &PreparedKey) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for s in 0..self.len() {
            let (st, _) = self.shard(registry, s)?;
            if !self.bundle_verifies(s, &st, vk) {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Proves shard `s` with `pk` unless its bundle already verifies; writes
    /// the bundle atomically.
    pub fn prove_shard<R: rand::RngCore + rand::CryptoRng>(
        &self,
        registry: &Registry,
        pk: &ProverKey,
        s: usize,
        rng: &mut R,
    ) -> Result<ShardOutcome> {
        let (st, w) = self.shard(registry, s)?;
        let vk = PreparedKey::new(&pk.vk);
        if self.bundle_verifies(s, &st, &vk) {
            return Ok(ShardOutcome::Skipped);
        }
        let t0 = Instant::now();
        let circuit =
            zkcc_circuits::shard::constraints::ShardCircuit::with_witness(self.shape, st, w);
        let z = crate::claims::shard_assignment(&circuit)?;
        fault_kill_once();
        let proof = zkcc_engine::prove::prove_assignments::<ProverError, _>(pk, vec![Ok(z)], rng)
            .pop()
            .ok_or_else(|| ProverError::Backend("no proof".into()))?
            .map_err(|e| ProverError::Inventory(format!("shard {s}: {e}")))?;
        let b = ShardBundle::new(
            &self.manifest.importer,
            zkcc_verifier::keys::circuit_id(&pk.vk),
            self.shape,
            &st,
            &proof,
        );
        write_json(&self.bundle_path(s), &b)?;
        Ok(ShardOutcome::Proved(t0.elapsed()))
    }

    /// The request proof over every shard of the plan, from the bundles:
    /// each shard is read, checked against its bundle's statement and
    /// reduced to its opening, one at a time. Tells `progress` as the
    /// proof's stages finish.
    pub fn prove_request<R: rand::RngCore + rand::CryptoRng>(
        &self,
        registry: &Registry,
        pk: &ProverKey,
        shape: &RequestShape,
        request: &RequestFile,
        rng: &mut R,
        progress: &dyn Progress,
    ) -> Result<Submission> {
        if request.importer != self.manifest.importer || request.epoch != self.manifest.epoch {
            return bad(format!(
                "the request is for {} epoch {}, this plan is {} epoch {}",
                request.importer, request.epoch, self.manifest.importer, self.manifest.epoch
            ));
        }
        if shape.entries != self.shape.facilities || self.len() > shape.shards {
            return bad(format!(
                "{} shards of {} facility slots do not fit the request circuit {} (shards x entries)",
                self.len(),
                self.shape.facilities,
                shape.name()
            ));
        }
        let (gamma, beta) = challenges(
            self.commitment,
            self.ledger_digest,
            self.importer,
            self.manifest.epoch,
        );
        let mut bundles = Vec::with_capacity(self.len());
        let mut openings = Vec::with_capacity(self.len());
        for s in 0..self.len() {
            let (st, w) = self.shard(registry, s)?;
            let b: ShardBundle = read_json(&self.bundle_path(s)).map_err(|e| {
                ProverError::Inventory(format!(
                    "shard {s} has no readable bundle ({e}): run zkcc shard prove --index {s}"
                ))
            })?;
            if b.statement().ok() != Some(st) {
                return bad(format!(
                    "shard {s}'s bundle is for another statement: run zkcc shard prove --index {s}"
                ));
            }
            openings.push(opening(&w.output(gamma, beta)));
            bundles.push(b);
        }
        let rules = request.rules.to_rules()?;
        let nonce = fr_from_hex(&request.nonce)?;
        let (st, w) = request_statement(
            self.importer,
            self.manifest.epoch,
            self.commitment,
            shape,
            nonce,
            rules,
            openings,
        )?;
        let circuit =
            zkcc_circuits::request::constraints::RequestCircuit::with_witness(*shape, st, w);
        let z = crate::claims::request_assignment(&circuit)?;
        let proof = crate::claims::prove_one(pk, Ok(z), rng, progress)?;
        Ok(Submission {
            version: SUBMISSION_VERSION,
            importer: self.manifest.importer.clone(),
            epoch: self.manifest.epoch,
            commitment: self.manifest.commitment.clone(),
            shards: bundles,
            request: zkcc_verifier::submission::RequestBundle::new(
                &self.manifest.importer,
                zkcc_verifier::keys::circuit_id(&pk.vk),
                *shape,
                &st,
                &proof,
            ),
            delay: vec![],
        })
    }
}

/// What [`Plan::prove_shard`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardOutcome {
    /// The bundle already verified.
    Skipped,
    /// Proven, in this time.
    Proved(Duration),
}

/// The test hook of [`FAULT_KILL_ONCE`].
fn fault_kill_once() {
    let Some(marker) = std::env::var_os(FAULT_KILL_ONCE) else {
        return;
    };
    if std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .is_ok()
    {
        eprintln!("{FAULT_KILL_ONCE}: killing this task midway (test hook)");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        std::process::abort();
    }
}
