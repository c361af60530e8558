//! AI lifecycle claims, the lab's and evaluator's side: commit to a model
//! (the SHA-256 of its weights file, streamed, with a random blinding), sign
//! an evaluation result, prove the model-evaluation claim for the agency's
//! request. The claim itself is [`zkcc_circuits::evaluation`]; the agency's
//! verification is [`zkcc_verifier::lifecycle`].
use crate::claims::prove_one;
use crate::error::{ProverError, Result};
use crate::inventory::AuditorKeyFile;
use ark_bn254::Fr;
use ark_std::UniformRand;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkcc_circuits::encoding::{encode_label, fr_from_hex, fr_to_hex};
use zkcc_circuits::evaluation::{
    self, assemble, check_date, constraints::EvaluationCircuit, digest_limbs, model_commitment,
    parse_digest, DateWindow, EvaluationStatement, SignedResultJson, Suite,
};
use zkcc_circuits::registry::Registry;
use zkcc_engine::prove::{assignment_of, ProverKey};
use zkcc_verifier::lifecycle::{
    EvaluationBundle, EvaluationRequest, JurisdictionBundle, JurisdictionRequest,
};

/// The lab's secret for one committed model (keep it: it opens `MC`). The
/// blinding is wiped when it goes (`zeroize`).
#[derive(
    Clone, Debug, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop,
)]
#[serde(deny_unknown_fields)]
pub struct ModelSecret {
    /// Format version (1).
    #[zeroize(skip)]
    pub version: u32,
    /// The importer (lab) the commitment is bound to.
    #[zeroize(skip)]
    pub importer: String,
    /// SHA-256 of the weights file, hex.
    #[zeroize(skip)]
    pub model_digest: String,
    /// Blinding of the commitment (secret).
    pub blinding: String,
    /// The model commitment `MC` (public).
    #[zeroize(skip)]
    pub commitment: String,
}

/// SHA-256 of a file, streamed.
pub fn digest_file(path: &Path) -> Result<[u8; 32]> {
    let f = std::fs::File::open(path).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })?;
    evaluation::sha256_reader(std::io::BufReader::new(f)).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Commits to a model by its weights digest.
pub fn commit_model<R: rand::RngCore + rand::CryptoRng>(
    importer: &str,
    digest: &[u8; 32],
    rng: &mut R,
) -> Result<ModelSecret> {
    let x = encode_label(importer)?;
    let blinding = Fr::rand(rng);
    let (hi, lo) = digest_limbs(digest);
    Ok(ModelSecret {
        version: 1,
        importer: importer.into(),
        model_digest: hex::encode(digest),
        blinding: fr_to_hex(&blinding),
        commitment: fr_to_hex(&model_commitment(x, hi, lo, blinding)),
    })
}

fn inv(e: impl std::fmt::Display) -> ProverError {
    ProverError::Inventory(e.to_string())
}

/// Signs one result of an eval of `suite` (the registry's, this version of
/// it) with an evaluator key file.
pub fn sign_result(
    key: &AuditorKeyFile,
    suite: &Suite,
    digest: &[u8; 32],
    eval: &str,
    score: u64,
    date: u64,
) -> Result<SignedResultJson> {
    SignedResultJson::sign(
        &key.secret_key()?,
        &key.id,
        suite,
        digest,
        eval,
        score,
        date,
    )
    .map_err(inv)
}

/// The statement and witness for the agency's request, checked natively.
pub fn evaluation_claim(
    registry: &Registry,
    request: &EvaluationRequest,
    secret: &ModelSecret,
    results: &[SignedResultJson],
) -> Result<(usize, EvaluationStatement, evaluation::EvaluationWitness)> {
    if request.importer != secret.importer {
        return Err(inv(format!(
            "the request is for {}, the model is committed by {}",
            request.importer, secret.importer
        )));
    }
    check_date(request.deployment_date).map_err(inv)?;
    check_date(request.not_before).map_err(inv)?;
    if request.not_before > request.deployment_date {
        return Err(inv(format!(
            "the request's not-before date {} is after its deployment date {}",
            request.not_before, request.deployment_date
        )));
    }
    let window = DateWindow {
        not_before: request.not_before,
        deployment: request.deployment_date,
    };
    let suite = registry
        .suite(&request.suite)
        .ok_or_else(|| inv(format!("the registry has no suite {:?}", request.suite)))?;
    let digest = parse_digest(&secret.model_digest).map_err(inv)?;
    let blinding = fr_from_hex(&secret.blinding)?;
    let w = assemble(registry, suite, &digest, blinding, window, results)?;
    let st = EvaluationStatement {
        registry_root: registry.root,
        suite_hash: evaluation::suite_hash(suite),
        model_commitment: fr_from_hex(&secret.commitment)?,
        deployment_date: request.deployment_date,
        not_before: request.not_before,
        importer: encode_label(&request.importer)?,
        nonce: fr_from_hex(&request.nonce)?,
    };
    let n = suite.evals.len();
    evaluation::check_native(n, &st, &w)?;
    Ok((n, st, w))
}

/// Proves the model-evaluation claim for the agency's request, telling
/// `progress` as the proof's stages finish.
pub fn prove_evaluation<R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    registry: &Registry,
    request: &EvaluationRequest,
    secret: &ModelSecret,
    results: &[SignedResultJson],
    rng: &mut R,
    progress: &dyn zkcc_engine::prove::Progress,
) -> Result<EvaluationBundle> {
    let (n, st, w) = evaluation_claim(registry, request, secret, results)?;
    let suite = registry
        .suite(&request.suite)
        .ok_or_else(|| inv("no suite"))?;
    let z = assignment_of(EvaluationCircuit::with_witness(n, st, w));
    let proof = prove_one(pk, z.map_err(ProverError::from), rng, progress)?;
    Ok(EvaluationBundle::new(
        &request.importer,
        &request.suite,
        suite.version,
        zkcc_verifier::keys::circuit_id(&pk.vk),
        n,
        &st,
        &proof,
    ))
}

/// One store of a deployment, as the operator lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreJson {
    /// Store id (1–31 printable ASCII).
    pub id: String,
    /// `logs` or `outputs` (informative).
    pub kind: String,
    /// Registry facility id.
    pub facility: String,
    /// Encrypted at rest (as the auditor found it).
    pub encrypted: bool,
    /// Fingerprint of the operator-held encryption key (0x-hex field element).
    pub key_fingerprint: String,
}

/// The auditor's signature on a deployment's store list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentAttestation {
    /// Auditor id.
    pub auditor: String,
    /// Signature on [`zkcc_circuits::jurisdiction::attestation_message`].
    pub signature: zkcc_circuits::eddsa::SignatureJson,
}

/// A deployment, as its operator keeps it (private: stores and facilities).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentFile {
    /// Format version (1).
    pub version: u32,
    /// The operator (importer).
    pub importer: String,
    /// Deployment id.
    pub deployment: String,
    /// The served model's commitment.
    pub model_commitment: String,
    /// Epoch.
    pub epoch: u64,
    /// Every log and output store.
    pub stores: Vec<StoreJson>,
    /// The auditor's attestation for the epoch (absent until signed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<DeploymentAttestation>,
}

fn store_records(
    registry: &Registry,
    d: &DeploymentFile,
) -> Result<Vec<(usize, zkcc_circuits::jurisdiction::StoreRecord)>> {
    d.stores
        .iter()
        .map(|s| {
            let index = registry.facility_index(&s.facility).ok_or_else(|| {
                inv(format!(
                    "store {}: no facility {:?} in the registry",
                    s.id, s.facility
                ))
            })?;
            Ok((
                index,
                zkcc_circuits::jurisdiction::StoreRecord {
                    store_id: encode_label(&s.id)?,
                    facility_id: registry.facilities[index].id,
                    encrypted: s.encrypted,
                    key_fingerprint: fr_from_hex(&s.key_fingerprint)?,
                },
            ))
        })
        .collect()
}

/// The auditor signs the operator's deployment's store list for its epoch.
/// It refuses a list without stores: an attestation of nothing would let
/// "every store is in an allowed jurisdiction" hold of nothing.
pub fn attest_deployment(
    registry: &Registry,
    d: &mut DeploymentFile,
    key: &AuditorKeyFile,
) -> Result<()> {
    if registry.auditor_index(&key.id).is_none() {
        return Err(inv(format!("auditor {} is not in the registry", key.id)));
    }
    if d.stores.is_empty() {
        return Err(inv(format!(
            "deployment {} lists no store: an auditor attests no empty deployment",
            d.deployment
        )));
    }
    let records: Vec<_> = store_records(registry, d)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let msg = zkcc_circuits::jurisdiction::attestation_message(
        encode_label(&d.importer)?,
        encode_label(&d.deployment)?,
        fr_from_hex(&d.model_commitment)?,
        d.epoch,
        &records,
    );
    d.attestation = Some(DeploymentAttestation {
        auditor: key.id.clone(),
        signature: zkcc_circuits::eddsa::SignatureJson::from_signature(
            &key.secret_key()?.sign(msg),
        ),
    });
    Ok(())
}

/// The statement and witness for the agency's request, checked natively.
pub fn jurisdiction_claim(
    registry: &Registry,
    request: &JurisdictionRequest,
    d: &DeploymentFile,
    capacity: usize,
) -> Result<(
    zkcc_circuits::jurisdiction::JurisdictionStatement,
    zkcc_circuits::jurisdiction::JurisdictionWitness,
)> {
    use zkcc_circuits::jurisdiction::{self as j, StoreSlot};
    if request.importer != d.importer || request.deployment != d.deployment {
        return Err(inv(format!(
            "the request is for {} deployment {}, the file is {} deployment {}",
            request.importer, request.deployment, d.importer, d.deployment
        )));
    }
    if d.stores.len() > capacity {
        return Err(inv(format!(
            "{} stores do not fit jurisdiction-{capacity}",
            d.stores.len()
        )));
    }
    let a = d
        .attestation
        .as_ref()
        .ok_or_else(|| inv("the deployment is not attested (zkcc auditor attest-deployment)"))?;
    let ai = registry
        .auditor_index(&a.auditor)
        .ok_or_else(|| inv(format!("auditor {} is not in the registry", a.auditor)))?;
    let mut stores: Vec<StoreSlot> = store_records(registry, d)?
        .into_iter()
        .map(|(i, record)| StoreSlot {
            used: true,
            record,
            facility: registry.facilities[i],
            facility_path: registry.facility_tree.path(i),
        })
        .collect();
    stores.resize(capacity, StoreSlot::padding());
    let w = j::JurisdictionWitness {
        stores,
        auditor: registry.auditors[ai],
        auditor_path: registry.auditor_tree.path(ai),
        attested_deployment: encode_label(&d.deployment)?,
        attested_epoch: d.epoch,
        signature: a.signature.to_signature()?,
        facilities_root: registry.facility_tree.root(),
        auditors_root: registry.auditor_tree.root(),
        params_digest: registry.params_digest,
    };
    let st = j::JurisdictionStatement {
        registry_root: registry.root,
        importer: encode_label(&request.importer)?,
        deployment: encode_label(&request.deployment)?,
        model_commitment: fr_from_hex(&request.model_commitment)?,
        epoch: request.epoch,
        max_tier: request.max_tier,
        nonce: fr_from_hex(&request.nonce)?,
    };
    j::check_native(capacity, &st, &w)?;
    Ok((st, w))
}

/// Proves the deployment-jurisdiction claim for the agency's request,
/// telling `progress` as the proof's stages finish.
pub fn prove_jurisdiction<R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    capacity: usize,
    registry: &Registry,
    request: &JurisdictionRequest,
    d: &DeploymentFile,
    rng: &mut R,
    progress: &dyn zkcc_engine::prove::Progress,
) -> Result<JurisdictionBundle> {
    use zkcc_circuits::jurisdiction::constraints::JurisdictionCircuit;
    let (st, w) = jurisdiction_claim(registry, request, d, capacity)?;
    let z = assignment_of(JurisdictionCircuit::with_witness(capacity, st, w));
    let proof = prove_one(pk, z.map_err(ProverError::from), rng, progress)?;
    Ok(JurisdictionBundle::new(
        &request.importer,
        &request.deployment,
        zkcc_verifier::keys::circuit_id(&pk.vk),
        capacity,
        &st,
        &proof,
    ))
}
