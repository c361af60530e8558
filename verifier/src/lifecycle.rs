//! AI lifecycle claims: the agency's side of the model-evaluation claim.
//!
//! The agency sends an [`EvaluationRequest`] (importer, suite id from its
//! registry, deployment date, not-before date, fresh nonce); the importer
//! answers with an [`EvaluationBundle`]:
//! ```json
//! { "version": 2, "claim": "evaluation", "circuit_id": "…", "evals": 3,
//!   "public_inputs": { "registry_root": "0x…", "suite": "FRONTIER-2026", "suite_version": 1,
//!                      "suite_hash": "0x…", "model_commitment": "0x…",
//!                      "deployment_date": 20261201, "not_before": 20251201,
//!                      "importer": "ACME-DC", "nonce": "0x…" },
//!   "proof": "…" }
//! ```
//! [`verify_evaluation`] takes every public value from the agency's own
//! registry and request (the root in its lifecycle form, the suite's hash
//! recomputed from the registry, the dates, the importer, the nonce), compares
//! the bundle's with them, and checks the proof. What it returns —
//! [`VerifiedEvaluation`] — names the model commitment that a deployment
//! claim must name in turn.
use crate::batch::PreparedKey;
use crate::bundle::{fe, label, parse_proof_hex, proof_hex};
use crate::error::{mismatch, VerifyError};
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use serde::{Deserialize, Serialize};
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::evaluation::{suite_hash, EvaluationStatement};
use zkcc_circuits::registry::Registry;

/// Version of the lifecycle files.
pub const LIFECYCLE_VERSION: u32 = 2;

/// The agency's request for a model-evaluation proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    /// [`LIFECYCLE_VERSION`].
    pub version: u32,
    /// The importer (or lab) asked.
    pub importer: String,
    /// Id of the registry's evaluation suite to pass.
    pub suite: String,
    /// Deployment date, `YYYYMMDD`: every result must be dated on or before it.
    pub deployment_date: u64,
    /// Not-before date, `YYYYMMDD`: every result must be dated on or after
    /// it (the oldest result the agency accepts).
    pub not_before: u64,
    /// A fresh nonce (0x-hex field element).
    pub nonce: String,
}

/// Public inputs of an evaluation proof, as the bundle states them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInputsJson {
    /// Registry root.
    pub registry_root: String,
    /// Suite id (informative: the hash is what is proven).
    pub suite: String,
    /// Suite version (informative).
    pub suite_version: u64,
    /// Suite hash.
    pub suite_hash: String,
    /// The model commitment.
    pub model_commitment: String,
    /// Deployment date, `YYYYMMDD`.
    pub deployment_date: u64,
    /// Not-before date, `YYYYMMDD`.
    pub not_before: u64,
    /// Importer id.
    pub importer: String,
    /// The agency's nonce.
    pub nonce: String,
}

/// A model-evaluation proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationBundle {
    /// [`LIFECYCLE_VERSION`].
    pub version: u32,
    /// `"evaluation"`.
    pub claim: String,
    /// Circuit id of the key it was proven with.
    pub circuit_id: String,
    /// Eval slots of the circuit (the suite's length).
    pub evals: usize,
    /// Public inputs.
    pub public_inputs: EvaluationInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

/// What a verified evaluation proof establishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedEvaluation {
    /// The importer.
    pub importer: String,
    /// The suite passed.
    pub suite: String,
    /// Its version.
    pub suite_version: u64,
    /// Evals in the suite.
    pub evals: usize,
    /// Every result dated on or before this date.
    pub deployment_date: u64,
    /// Every result dated on or after this date.
    pub not_before: u64,
    /// The evaluated model's commitment.
    pub model_commitment: String,
}

impl EvaluationBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        suite: &str,
        suite_version: u64,
        circuit_id: String,
        evals: usize,
        st: &EvaluationStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        Self {
            version: LIFECYCLE_VERSION,
            claim: "evaluation".into(),
            circuit_id,
            evals,
            public_inputs: EvaluationInputsJson {
                registry_root: fr_to_hex(&st.registry_root),
                suite: suite.into(),
                suite_version,
                suite_hash: fr_to_hex(&st.suite_hash),
                model_commitment: fr_to_hex(&st.model_commitment),
                deployment_date: st.deployment_date,
                not_before: st.not_before,
                importer: importer.into(),
                nonce: fr_to_hex(&st.nonce),
            },
            proof: proof_hex(proof),
        }
    }

    /// Parses a bundle.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The statement, every field checked canonical.
    pub fn statement(&self) -> Result<EvaluationStatement, VerifyError> {
        check_header(self.version, &self.claim, "evaluation")?;
        let p = &self.public_inputs;
        Ok(EvaluationStatement {
            registry_root: fe("registry_root", &p.registry_root)?,
            suite_hash: fe("suite_hash", &p.suite_hash)?,
            model_commitment: fe("model_commitment", &p.model_commitment)?,
            deployment_date: p.deployment_date,
            not_before: p.not_before,
            importer: label("importer", &p.importer)?,
            nonce: fe("nonce", &p.nonce)?,
        })
    }
}

/// A bundle's version and claim are this module's, for `claim`.
fn check_header(version: u32, found: &str, claim: &str) -> Result<(), VerifyError> {
    if version != LIFECYCLE_VERSION || found != claim {
        return Err(VerifyError::Unsupported(format!(
            "version {version} claim {found:?} where a version {LIFECYCLE_VERSION} {claim:?} proof was expected"
        )));
    }
    Ok(())
}

/// A bundle names the circuit of the agency's key.
fn check_circuit(key: &PreparedKey, circuit_id: &str) -> Result<(), VerifyError> {
    let key_id = crate::keys::circuit_id(key.vk());
    if circuit_id != key_id {
        return Err(VerifyError::WrongCircuit {
            bundle: circuit_id.to_string(),
            key: key_id,
        });
    }
    Ok(())
}

/// The statement's nonce is the request's (`stated`: the bundle's text of it).
fn check_nonce(requested: &str, nonce: Fr, stated: &str) -> Result<(), VerifyError> {
    if nonce != fe("request nonce", requested)? {
        return Err(mismatch("nonce", requested, stated));
    }
    Ok(())
}

/// The statement's registry root is the agency's (`stated`: the bundle's
/// text of it).
fn check_registry_root(registry: &Registry, root: Fr, stated: &str) -> Result<(), VerifyError> {
    if root != registry.root {
        return Err(mismatch("registry_root", fr_to_hex(&registry.root), stated));
    }
    Ok(())
}

/// Checks a bundle's hex proof against the public inputs under `key`.
fn verify_proof(key: &PreparedKey, inputs: &[Fr], proof: &str) -> Result<(), VerifyError> {
    key.verify(inputs, &parse_proof_hex(proof)?)
}

/// Verifies a model-evaluation bundle against the agency's registry and
/// request. Every public input comes from the agency's side; the bundle's
/// are only compared with them.
pub fn verify_evaluation(
    key: &PreparedKey,
    registry: &Registry,
    request: &EvaluationRequest,
    bundle: &EvaluationBundle,
) -> Result<VerifiedEvaluation, VerifyError> {
    let st = bundle.statement()?;
    check_circuit(key, &bundle.circuit_id)?;
    if !registry.has_lifecycle() {
        return Err(VerifyError::Unsupported(
            "the registry lists no evaluators or suites: it cannot anchor an evaluation claim"
                .into(),
        ));
    }
    let suite = registry.suite(&request.suite).ok_or_else(|| {
        VerifyError::Unsupported(format!(
            "the request names suite {:?}, which the registry does not list",
            request.suite
        ))
    })?;
    if bundle.evals != suite.evals.len() {
        return Err(VerifyError::WrongShape {
            bundle: format!("evaluation-{}", bundle.evals),
            expected: format!("evaluation-{}", suite.evals.len()),
        });
    }
    let p = &bundle.public_inputs;
    if p.importer != request.importer {
        return Err(mismatch("importer", &request.importer, &p.importer));
    }
    check_registry_root(registry, st.registry_root, &p.registry_root)?;
    let sh = suite_hash(suite);
    if st.suite_hash != sh {
        return Err(mismatch("suite_hash", fr_to_hex(&sh), &p.suite_hash));
    }
    if st.deployment_date != request.deployment_date {
        return Err(mismatch(
            "deployment_date",
            request.deployment_date,
            st.deployment_date,
        ));
    }
    if st.not_before != request.not_before {
        return Err(mismatch("not_before", request.not_before, st.not_before));
    }
    check_nonce(&request.nonce, st.nonce, &p.nonce)?;
    verify_proof(key, &st.public_inputs(), &bundle.proof)?;
    Ok(VerifiedEvaluation {
        importer: request.importer.clone(),
        suite: request.suite.clone(),
        suite_version: suite.version,
        evals: suite.evals.len(),
        deployment_date: st.deployment_date,
        not_before: st.not_before,
        model_commitment: fr_to_hex(&st.model_commitment),
    })
}

/// The agency's request for a deployment-jurisdiction proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionRequest {
    /// [`LIFECYCLE_VERSION`].
    pub version: u32,
    /// The importer (operator) asked.
    pub importer: String,
    /// The deployment id.
    pub deployment: String,
    /// The evaluated model's commitment the deployment must serve (from a
    /// verified evaluation claim).
    pub model_commitment: String,
    /// The epoch audited.
    pub epoch: u64,
    /// Highest tier of the registry's country table a store may be in.
    pub max_tier: u64,
    /// A fresh nonce (0x-hex field element).
    pub nonce: String,
}

/// Public inputs of a jurisdiction proof, as the bundle states them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionInputsJson {
    /// Registry root.
    pub registry_root: String,
    /// Importer id.
    pub importer: String,
    /// Deployment id.
    pub deployment: String,
    /// The model commitment.
    pub model_commitment: String,
    /// Epoch.
    pub epoch: u64,
    /// Highest allowed tier.
    pub max_tier: u64,
    /// The agency's nonce.
    pub nonce: String,
}

/// A deployment-jurisdiction proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionBundle {
    /// [`LIFECYCLE_VERSION`].
    pub version: u32,
    /// `"jurisdiction"`.
    pub claim: String,
    /// Circuit id of the key it was proven with.
    pub circuit_id: String,
    /// Store slots of the circuit.
    pub capacity: usize,
    /// Public inputs.
    pub public_inputs: JurisdictionInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

/// What a verified jurisdiction proof establishes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedJurisdiction {
    /// The importer.
    pub importer: String,
    /// The deployment.
    pub deployment: String,
    /// The model it serves.
    pub model_commitment: String,
    /// The epoch.
    pub epoch: u64,
    /// Every store is in a country of tier at most this.
    pub max_tier: u64,
}

impl JurisdictionBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        deployment: &str,
        circuit_id: String,
        capacity: usize,
        st: &zkcc_circuits::jurisdiction::JurisdictionStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        Self {
            version: LIFECYCLE_VERSION,
            claim: "jurisdiction".into(),
            circuit_id,
            capacity,
            public_inputs: JurisdictionInputsJson {
                registry_root: fr_to_hex(&st.registry_root),
                importer: importer.into(),
                deployment: deployment.into(),
                model_commitment: fr_to_hex(&st.model_commitment),
                epoch: st.epoch,
                max_tier: st.max_tier,
                nonce: fr_to_hex(&st.nonce),
            },
            proof: proof_hex(proof),
        }
    }

    /// Parses a bundle.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The statement, every field checked canonical.
    pub fn statement(
        &self,
    ) -> Result<zkcc_circuits::jurisdiction::JurisdictionStatement, VerifyError> {
        check_header(self.version, &self.claim, "jurisdiction")?;
        let p = &self.public_inputs;
        Ok(zkcc_circuits::jurisdiction::JurisdictionStatement {
            registry_root: fe("registry_root", &p.registry_root)?,
            importer: label("importer", &p.importer)?,
            deployment: label("deployment", &p.deployment)?,
            model_commitment: fe("model_commitment", &p.model_commitment)?,
            epoch: p.epoch,
            max_tier: p.max_tier,
            nonce: fe("nonce", &p.nonce)?,
        })
    }
}

/// Verifies a deployment-jurisdiction bundle against the agency's registry
/// and request (which names the model commitment the agency saw evaluated).
pub fn verify_jurisdiction(
    key: &PreparedKey,
    registry: &Registry,
    request: &JurisdictionRequest,
    bundle: &JurisdictionBundle,
) -> Result<VerifiedJurisdiction, VerifyError> {
    let st = bundle.statement()?;
    check_circuit(key, &bundle.circuit_id)?;
    let p = &bundle.public_inputs;
    if p.importer != request.importer {
        return Err(mismatch("importer", &request.importer, &p.importer));
    }
    if p.deployment != request.deployment {
        return Err(mismatch("deployment", &request.deployment, &p.deployment));
    }
    check_registry_root(registry, st.registry_root, &p.registry_root)?;
    let mc = fe("request model_commitment", &request.model_commitment)?;
    if st.model_commitment != mc {
        return Err(mismatch(
            "model_commitment",
            &request.model_commitment,
            &p.model_commitment,
        ));
    }
    if st.epoch != request.epoch {
        return Err(mismatch("epoch", request.epoch, st.epoch));
    }
    if st.max_tier != request.max_tier {
        return Err(mismatch("max_tier", request.max_tier, st.max_tier));
    }
    check_nonce(&request.nonce, st.nonce, &p.nonce)?;
    verify_proof(key, &st.public_inputs(), &bundle.proof)?;
    Ok(VerifiedJurisdiction {
        importer: request.importer.clone(),
        deployment: request.deployment.clone(),
        model_commitment: request.model_commitment.clone(),
        epoch: st.epoch,
        max_tier: st.max_tier,
    })
}
