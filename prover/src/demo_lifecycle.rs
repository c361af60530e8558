//! `zkcc demo lifecycle`: the AI lifecycle scenario after the fleet demo's
//! accountable statement. Two accredited evaluators score the lab's model
//! (ACME-DC trains and deploys it) on the agency's suite; the lab commits to
//! the model by its weights digest and proves that it passed every eval
//! before deployment; an auditor attests where the deployment's prompt logs
//! and outputs are stored; the lab proves they stay encrypted in its own
//! tier-1 facilities, naming the evaluated model; the agency verifies both
//! and decides under a policy whose best rule requires them. Then the checks
//! that must fail.
use crate::demo::{must_fail, proving, secs, timed, timed_setup};
use crate::error::{write, write_json, ProverError, Result};
use crate::inventory::AuditorKeyFile;
use crate::keys::{self, Circuit};
use crate::lifecycle::{
    attest_deployment, commit_model, digest_file, jurisdiction_claim, prove_evaluation,
    prove_jurisdiction, sign_result, DeploymentFile,
};
use crate::sample::{sample_suite, SAMPLE_SUITE};
use ark_bn254::Fr;
use ark_std::UniformRand;
use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use std::path::Path;
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::evaluation::{SignedResultJson, Suite};
use zkcc_circuits::registry::Registry;
use zkcc_engine::prove::Quiet;
use zkcc_verifier::access::{decide_with, LifecycleFacts, Policy};
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::fleet::VerifiedSubmission;
use zkcc_verifier::lifecycle::{
    verify_evaluation, verify_jurisdiction, EvaluationRequest, JurisdictionRequest,
    LIFECYCLE_VERSION,
};

/// The rule the lifecycle demo adds to the sample access policy
/// ([`zkcc_verifier::access::SAMPLE_ACCESS_POLICY`]), `evaluated-frontier-lab`:
/// on top of the attested fleet's facts, a model proven to pass
/// `FRONTIER-2026` with results at most a year old at the decision date and a
/// deployment of that model keeping its logs and outputs in tier 1 in the
/// decision's epoch: 20,000 chips.
pub const LIFECYCLE_RULE: &str = r#"{ "id": "evaluated-frontier-lab", "tiers": [1],
  "require": { "min_facilities": 1, "min_ledger_chips": 1, "max_facility_cap_chips": 5000,
               "evaluated_suite": "FRONTIER-2026", "max_deployment_tier": 1,
               "max_evaluation_age_days": 365 },
  "grants": { "access": "evaluated-frontier-lab", "quota_chips": 20000 } }"#;

/// The lifecycle demo's policy: the sample policy's two rules and
/// [`LIFECYCLE_RULE`], validated.
pub fn lifecycle_policy() -> Result<Policy> {
    let mut policy = Policy::from_json(zkcc_verifier::access::SAMPLE_ACCESS_POLICY)?;
    let rule = serde_json::from_str(LIFECYCLE_RULE)
        .map_err(|e| ProverError::Backend(format!("the lifecycle rule: {e}")))?;
    policy.rules.push(rule);
    policy.validate()?;
    Ok(policy)
}

/// The deployment date of the demo (YYYYMMDD), also the decision date.
pub const DEPLOYMENT_DATE: u64 = 20261201;
/// The oldest result the demo's evaluation request accepts (YYYYMMDD): a
/// year before deployment.
pub const NOT_BEFORE: u64 = 20251201;
/// The day before [`NOT_BEFORE`] (YYYYMMDD): the date of the demo's result
/// that must be refused as too old.
pub const DAY_BEFORE_NOT_BEFORE: u64 = 20251130;
/// Store slots of the demo's jurisdiction circuit.
pub const STORE_SLOTS: usize = 4;

/// Runs the lifecycle scenario. `registry` holds the evaluators and the
/// suite ([`crate::sample::add_lifecycle`]); `facts` is the verified fleet
/// submission of the same importer.
#[allow(clippy::too_many_arguments)]
pub fn run(
    dir: &Path,
    registry: &Registry,
    evaluator_keys: &[AuditorKeyFile],
    auditor: &AuditorKeyFile,
    importer: &str,
    epoch: u64,
    facts: &VerifiedSubmission,
    rng: &mut ChaCha20Rng,
) -> Result<()> {
    println!("\nAI lifecycle: model evaluation before deployment, and where prompt logs live\n");
    let suite = sample_suite();
    let suite_enc = registry
        .suite(SAMPLE_SUITE)
        .ok_or_else(|| ProverError::Backend(format!("the registry has no suite {SAMPLE_SUITE}")))?
        .clone();
    for k in evaluator_keys {
        crate::error::write_secret_json(
            &dir.join("evaluators").join(format!("{}.key.json", k.id)),
            k,
        )?;
    }
    println!(
        "8. agency    registry also accredits {} evaluators and publishes suite {} v{}: {}",
        evaluator_keys.len(),
        suite.id,
        suite.version,
        suite
            .evals
            .iter()
            .map(|e| format!("{} {} {}", e.id, e.direction.words(), e.threshold))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // The lab's model: a weights file, hashed streamed, committed with blinding.
    let weights = dir.join("model.safetensors");
    let mut bytes = vec![0u8; 8 << 20];
    rng.fill_bytes(&mut bytes);
    write(&weights, &bytes)?;
    drop(bytes);
    let digest = digest_file(&weights)?;
    let secret = commit_model(importer, &digest, rng)?;
    crate::error::write_secret_json(&dir.join("model.secret.json"), &secret)?;
    println!(
        "9. lab       {importer} commits to its model (8 MiB weights, SHA-256 {}…): MC = {}",
        &secret.model_digest[..16],
        short(&secret.commitment)
    );

    // Evaluators score and sign.
    let scores = [1_240u64, 1_990, 9_710];
    let mut results = Vec::new();
    for (i, (e, score)) in suite.evals.iter().zip(scores).enumerate() {
        let k = &evaluator_keys[i % evaluator_keys.len()];
        let date = 20261103 + 7 * i as u64;
        let r = sign_result(k, &suite_enc, &digest, &e.id, score, date)?;
        write_json(&dir.join("results").join(format!("{}.json", e.id)), &r)?;
        println!(
            "   evaluator {} signs {} = {score} ({} {}) on {date}",
            k.id,
            e.id,
            e.direction.words(),
            e.threshold
        );
        results.push(r);
    }

    // Setup of both lifecycle circuits.
    let keys_dir = dir.join("keys");
    let ec = Circuit::Evaluation(suite.evals.len());
    let jc = Circuit::Jurisdiction(STORE_SLOTS);
    let (em, t_setup_e) = timed_setup(&keys_dir, &ec, rng)?;
    let (jm, t_setup_j) = timed_setup(&keys_dir, &jc, rng)?;
    println!(
        "10. setup    {}: {} constraints ({} per eval); {}: {} constraints ({} per store slot); {} + {}  [development only]",
        ec.name(),
        em.constraints,
        zkcc_circuits::evaluation::constraints::EVAL_COST,
        jc.name(),
        jm.constraints,
        zkcc_circuits::jurisdiction::constraints::STORE_COST,
        secs(t_setup_e),
        secs(t_setup_j)
    );

    // The agency asks; the lab proves the evaluation claim.
    let ereq = EvaluationRequest {
        version: LIFECYCLE_VERSION,
        importer: importer.into(),
        suite: SAMPLE_SUITE.into(),
        deployment_date: DEPLOYMENT_DATE,
        not_before: NOT_BEFORE,
        nonce: fr_to_hex(&Fr::rand(rng)),
    };
    write_json(&dir.join("evaluation.request.json"), &ereq)?;
    let (epk, _) = keys::load_proving_key_of(&keys_dir, &ec)?;
    let (eb, t_eval) = proving("evaluation", 1, |progress| {
        prove_evaluation(&epk, registry, &ereq, &secret, &results, rng, progress)
    });
    let eb = eb?;
    write_json(&dir.join("evaluation.json"), &eb)?;
    println!(
        "11. lab      proves: model MC passed every eval of {} v{} between {} and {} (scores, evaluators, digest private): {}",
        SAMPLE_SUITE,
        suite_enc.version,
        NOT_BEFORE,
        DEPLOYMENT_DATE,
        secs(t_eval)
    );

    // The deployment: an auditor attests its stores.
    let mut dep = crate::sample::sample_deployment(&secret.commitment, epoch);
    dep.importer = importer.into();
    attest_deployment(registry, &mut dep, auditor)?;
    write_json(&dir.join("deployment.json"), &dep)?;
    println!(
        "12. auditor  {} attests deployment {} (model MC) for epoch {epoch}: {} stores, each encrypted under an operator key",
        auditor.id,
        dep.deployment,
        dep.stores.len()
    );
    let jreq = JurisdictionRequest {
        version: LIFECYCLE_VERSION,
        importer: importer.into(),
        deployment: dep.deployment.clone(),
        model_commitment: eb.public_inputs.model_commitment.clone(),
        epoch,
        max_tier: 1,
        nonce: fr_to_hex(&Fr::rand(rng)),
    };
    write_json(&dir.join("jurisdiction.request.json"), &jreq)?;
    let (jpk, _) = keys::load_proving_key_of(&keys_dir, &jc)?;
    let (jb, t_jur) = proving("jurisdiction", 1, |progress| {
        prove_jurisdiction(&jpk, STORE_SLOTS, registry, &jreq, &dep, rng, progress)
    });
    let jb = jb?;
    write_json(&dir.join("jurisdiction.json"), &jb)?;
    println!(
        "13. lab      proves: every store of {} is attested, encrypted, in its own tier-1 facilities (which and how many private): {}",
        dep.deployment,
        secs(t_jur)
    );

    // The agency verifies both and decides.
    let evk = PreparedKey::new(&keys::load_verifying_key_of(&keys_dir, &ec)?);
    let jvk = PreparedKey::new(&keys::load_verifying_key_of(&keys_dir, &jc)?);
    let ((ev, jv), t_verify) = timed("verifying the lifecycle claims", || {
        (
            verify_evaluation(&evk, registry, &ereq, &eb),
            verify_jurisdiction(&jvk, registry, &jreq, &jb),
        )
    });
    let (ev, jv) = (ev?, jv?);
    println!(
        "14. agency   verifies both proofs against its registry and requests: ACCEPTED ({})",
        secs(t_verify)
    );
    let policy = lifecycle_policy()?;
    let lifecycle = LifecycleFacts {
        decision_date: DEPLOYMENT_DATE,
        evaluations: vec![ev],
        jurisdictions: vec![jv],
    };
    let report = decide_with(&policy, registry, facts, &lifecycle)?;
    print!("{}", report.human());
    write(
        &dir.join("lifecycle.report.json"),
        report.to_json().as_bytes(),
    )?;
    write(
        &dir.join("lifecycle.policy.json"),
        policy.to_json().as_bytes(),
    )?;
    if report.decision.rule.as_deref() != Some("evaluated-frontier-lab") {
        return Err(ProverError::Backend(
            "the lifecycle rule was not met".into(),
        ));
    }

    // What must fail.
    println!("\nLifecycle checks that must fail:");
    // `results` with the result of eval `i` signed anew by `key`, for suite
    // `suite_enc` and model digest `digest`, with `score` and `date`.
    let resigned = |i: usize,
                    key: &AuditorKeyFile,
                    suite_enc: &Suite,
                    digest: &[u8; 32],
                    score: u64,
                    date: u64|
     -> Result<Vec<SignedResultJson>> {
        let mut r = results.clone();
        r[i] = sign_result(key, suite_enc, digest, &suite.evals[i].id, score, date)?;
        Ok(r)
    };
    let mut refused = |what: &str, results: Vec<SignedResultJson>| {
        must_fail(
            what,
            prove_evaluation(&epk, registry, &ereq, &secret, &results, rng, &Quiet),
        )
    };
    let ev = &evaluator_keys;
    let late = resigned(
        2,
        &ev[0],
        &suite_enc,
        &digest,
        scores[2],
        DEPLOYMENT_DATE + 1,
    )?;
    refused("the safety result dated one day after deployment", late)?;
    let low = resigned(2, &ev[1], &suite_enc, &digest, 9_499, 20261110)?;
    refused("a safety score one unit below its threshold", low)?;
    let rogue = AuditorKeyFile {
        version: 1,
        id: "EVAL-LAB-A".into(),
        seed: hex::encode([0x42u8; 32]),
    };
    let forged = resigned(0, &rogue, &suite_enc, &digest, 100, 20261101)?;
    refused("a result signed by an unaccredited key", forged)?;
    let mut other = digest;
    other[0] ^= 1;
    let wrong_model = resigned(1, &ev[1], &suite_enc, &other, 1_500, 20261101)?;
    refused("a result signed for another model's digest", wrong_model)?;
    let old = resigned(
        0,
        &ev[0],
        &suite_enc,
        &digest,
        scores[0],
        DAY_BEFORE_NOT_BEFORE,
    )?;
    refused(
        "a result dated the day before the request's not-before date",
        old,
    )?;
    let mut v2 = suite_enc.clone();
    v2.version += 1;
    let other_version = resigned(1, &ev[1], &v2, &digest, scores[1], 20261110)?;
    refused(
        "a result signed for another version of the suite",
        other_version,
    )?;
    let replay = EvaluationRequest {
        nonce: fr_to_hex(&Fr::rand(rng)),
        ..ereq.clone()
    };
    must_fail(
        "the evaluation proof replayed against a new request",
        verify_evaluation(&evk, registry, &replay, &eb),
    )?;
    // A tampered deployment: no jurisdiction claim can be made of it.
    let unclaimable = |what: &str, d: &DeploymentFile| {
        must_fail(what, jurisdiction_claim(registry, &jreq, d, STORE_SLOTS))
    };
    let mut moved = dep.clone();
    moved.stores[1].facility = "AE-ABUDHABI-04".into();
    attest_deployment(registry, &mut moved, auditor)?;
    unclaimable("an output store in AE (tier 2), honestly attested", &moved)?;
    let mut plain = dep.clone();
    plain.stores[0].encrypted = false;
    attest_deployment(registry, &mut plain, auditor)?;
    unclaimable("a prompt-log store found unencrypted", &plain)?;
    let mut hidden = dep.clone();
    hidden.stores.pop();
    hidden.attestation = dep.attestation.clone();
    unclaimable("a store left out of the attested list", &hidden)?;
    let mut empty = dep.clone();
    empty.stores.clear();
    must_fail(
        "an auditor asked to attest a deployment with no store",
        attest_deployment(registry, &mut empty, auditor),
    )?;
    let mut borrowed = dep.clone();
    borrowed.importer = "OTHER-DC".into();
    attest_deployment(registry, &mut borrowed, auditor)?;
    borrowed.importer = importer.into();
    unclaimable(
        "an attestation made for another operator's deployment",
        &borrowed,
    )?;
    let mut other_mc = jreq.clone();
    other_mc.model_commitment = fr_to_hex(&Fr::rand(rng));
    must_fail(
        "the deployment presented for another (unevaluated) model",
        verify_jurisdiction(&jvk, registry, &other_mc, &jb),
    )?;
    must_fail(
        "the same deployment proof for epoch+1",
        verify_jurisdiction(
            &jvk,
            registry,
            &JurisdictionRequest {
                epoch: epoch + 1,
                ..jreq.clone()
            },
            &jb,
        ),
    )?;
    let without = decide_with(&policy, registry, facts, &LifecycleFacts::default())?;
    println!(
        "  - without the lifecycle proofs: rule {} ({} chips), not evaluated-frontier-lab",
        without.decision.rule.as_deref().unwrap_or("-"),
        without.decision.quota_chips
    );
    for (what, stale) in [
        (
            "the jurisdiction proof of the previous epoch",
            LifecycleFacts {
                jurisdictions: lifecycle
                    .jurisdictions
                    .iter()
                    .map(|j| zkcc_verifier::lifecycle::VerifiedJurisdiction {
                        epoch: j.epoch.saturating_sub(1),
                        ..j.clone()
                    })
                    .collect(),
                ..lifecycle.clone()
            },
        ),
        (
            "the same proofs judged two years later (results older than 365 days)",
            LifecycleFacts {
                decision_date: DEPLOYMENT_DATE + 20_000,
                ..lifecycle.clone()
            },
        ),
    ] {
        let r = decide_with(&policy, registry, facts, &stale)?;
        if r.decision.rule.as_deref() == Some("evaluated-frontier-lab") {
            return Err(ProverError::Backend(format!(
                "{what}: the lifecycle rule was met, but must not be"
            )));
        }
        println!(
            "  - {what}: rule {} ({} chips), not evaluated-frontier-lab",
            r.decision.rule.as_deref().unwrap_or("-"),
            r.decision.quota_chips
        );
    }

    println!("\nLifecycle report");
    println!("  evaluation       public: registry root, suite hash, MC, deployment and not-before dates, importer, nonce; private: weights digest,");
    println!(
        "                   scores, dates, which evaluators signed; {}: {} constraints",
        ec.name(),
        em.constraints
    );
    println!("  jurisdiction     public: registry root, importer, deployment, MC, epoch, tier cap, nonce; private: which facilities,");
    println!(
        "                   how many stores, key fingerprints; {}: {} constraints",
        jc.name(),
        jm.constraints
    );
    println!(
        "  times            setup {} + {}, evaluation proof {}, jurisdiction proof {}, verify both {}",
        secs(t_setup_e),
        secs(t_setup_j),
        secs(t_eval),
        secs(t_jur),
        secs(t_verify)
    );
    println!("  files            {}/{{model.secret.json, results/, evaluators/, evaluation.request.json, evaluation.json,", dir.display());
    println!("                   deployment.json, jurisdiction.request.json, jurisdiction.json, lifecycle.policy.json, lifecycle.report.json}}");
    Ok(())
}

fn short(x: &str) -> String {
    if x.len() > 18 {
        format!("{}…", &x[..18])
    } else {
        x.to_string()
    }
}
