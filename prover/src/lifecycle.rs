//! AI lifecycle claims, the lab's and evaluator's side: commit to a model
//! (the SHA-256 of its weights file, streamed, with a random blinding), sign
//! an evaluation result, prove the model-evaluation claim for the agency's
//! request. The claim itself is [`zkcc_circuits::evaluation`]; the agency's
//! verification is [`zkcc_verifier::lifecycle`].
use crate::error::{ProverError, Result};
use crate::inventory::AuditorKeyFile;
use crate::prove::{assignment_of, prove_assignments, ProverKey};
use ark_bn254::Fr;
use ark_std::UniformRand;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkcc_circuits::encoding::{encode_label, fr_from_hex, fr_to_hex};
use zkcc_circuits::evaluation::{
    self, assemble, check_date, constraints::EvaluationCircuit, digest_limbs, model_commitment,
    parse_digest, EvaluationStatement, SignedResultJson,
};
use zkcc_circuits::registry::Registry;
use zkcc_verifier::lifecycle::{EvaluationBundle, EvaluationRequest};

/// The lab's secret for one committed model (keep it: it opens `MC`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSecret {
    /// Format version (1).
    pub version: u32,
    /// The importer (lab) the commitment is bound to.
    pub importer: String,
    /// SHA-256 of the weights file, hex.
    pub model_digest: String,
    /// Blinding of the commitment (secret).
    pub blinding: String,
    /// The model commitment `MC` (public).
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

/// Signs one result with an evaluator key file.
pub fn sign_result(
    key: &AuditorKeyFile,
    digest: &[u8; 32],
    eval: &str,
    score: u64,
    date: u64,
) -> Result<SignedResultJson> {
    SignedResultJson::sign(&key.secret_key()?, &key.id, digest, eval, score, date).map_err(inv)
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
    let suite = registry
        .suite(&request.suite)
        .ok_or_else(|| inv(format!("the registry has no suite {:?}", request.suite)))?;
    let digest = parse_digest(&secret.model_digest).map_err(inv)?;
    let blinding = fr_from_hex(&secret.blinding)?;
    let w = assemble(
        registry,
        suite,
        &digest,
        blinding,
        request.deployment_date,
        results,
    )?;
    let st = EvaluationStatement {
        registry_root: registry.root,
        suite_hash: evaluation::suite_hash(suite),
        model_commitment: fr_from_hex(&secret.commitment)?,
        deployment_date: request.deployment_date,
        importer: encode_label(&request.importer)?,
        nonce: fr_from_hex(&request.nonce)?,
    };
    let n = suite.evals.len();
    evaluation::check_native(n, &st, &w)?;
    Ok((n, st, w))
}

/// Proves the model-evaluation claim for the agency's request.
pub fn prove_evaluation<R: rand::RngCore + rand::CryptoRng>(
    pk: &ProverKey,
    registry: &Registry,
    request: &EvaluationRequest,
    secret: &ModelSecret,
    results: &[SignedResultJson],
    rng: &mut R,
) -> Result<EvaluationBundle> {
    let (n, st, w) = evaluation_claim(registry, request, secret, results)?;
    let suite = registry
        .suite(&request.suite)
        .ok_or_else(|| inv("no suite"))?;
    let z = assignment_of(EvaluationCircuit {
        evals: n,
        statement: st,
        witness: Some(w),
    });
    let proof = prove_assignments(pk, vec![z], rng)
        .pop()
        .ok_or_else(|| ProverError::Backend("no proof".into()))??;
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
