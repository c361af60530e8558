//! The model-evaluation claim end to end through the library the CLI drives:
//! model commitment over a weights file, evaluator signatures, the agency's
//! request, setup, proof with the tuned prover, the agency's verification —
//! and the agency's rejections of a bundle that names anything but what it
//! asked.
use rand::{rngs::StdRng, SeedableRng};
use zkcc_circuits::eddsa::SecretKey;
use zkcc_circuits::encoding::fr_to_hex;
use zkcc_circuits::evaluation::fixtures::{registry, EVALS, SUITE};
use zkcc_circuits::ClaimError;
use zkcc_engine::prove::Quiet;
use zkcc_prover::inventory::AuditorKeyFile;
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::lifecycle::{commit_model, digest_file, prove_evaluation, sign_result};
use zkcc_prover::ProverError;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::lifecycle::{verify_evaluation, EvaluationRequest, LIFECYCLE_VERSION};
use zkcc_verifier::VerifyError;

const N: usize = 2;

fn key_file(i: u8) -> AuditorKeyFile {
    AuditorKeyFile {
        version: 1,
        id: format!("EVAL-{i}"),
        seed: hex::encode([0x40 + i; 32]),
    }
}

#[test]
fn commit_sign_prove_verify_and_every_mismatch_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(31);
    let keys_ = [key_file(0), key_file(1)];
    let sks: Vec<SecretKey> = keys_.iter().map(|k| k.secret_key().unwrap()).collect();
    let reg = registry(N, &sks);

    // The lab's weights file, hashed streamed.
    let weights = dir.path().join("model.safetensors");
    std::fs::write(&weights, vec![7u8; 3 << 20]).unwrap();
    let digest = digest_file(&weights).unwrap();
    let secret = commit_model("ACME-DC", &digest, &mut rng).unwrap();

    // The evaluators sign.
    let suite = reg.suite(SUITE).unwrap().clone();
    let sign = |k: usize, s: &zkcc_circuits::evaluation::Suite, i: usize, date: u64| {
        sign_result(&keys_[k], s, &digest, EVALS[i].0, EVALS[i].3, date).unwrap()
    };
    let results: Vec<_> = (0..N).map(|i| sign(i % 2, &suite, i, 20261110)).collect();
    let request = EvaluationRequest {
        version: LIFECYCLE_VERSION,
        importer: "ACME-DC".into(),
        suite: SUITE.into(),
        deployment_date: 20261201,
        not_before: 20251201,
        nonce: fr_to_hex(&zkcc_circuits::Fr::from(0x1234u64)),
    };

    // Setup, prove, verify.
    let c = Circuit::parse(&format!("evaluation-{N}")).unwrap();
    assert_eq!(c, Circuit::Evaluation(N));
    let m = keys::setup_circuit(dir.path(), &c, &mut rng).unwrap();
    assert_eq!(
        m.constraints,
        zkcc_circuits::evaluation::constraints::cost(N)
    );
    let (pk, _) = keys::load_proving_key_of(dir.path(), &c).unwrap();
    let vk = PreparedKey::new(&keys::load_verifying_key_of(dir.path(), &c).unwrap());
    let b = prove_evaluation(&pk, &reg, &request, &secret, &results, &mut rng, &Quiet).unwrap();
    let v = verify_evaluation(&vk, &reg, &request, &b).unwrap();
    assert_eq!(v.model_commitment, secret.commitment);
    assert_eq!((v.evals, v.suite_version), (N, 1));

    // The agency's own values, changed one at a time.
    let reject = |req: &EvaluationRequest, field: &str| match verify_evaluation(&vk, &reg, req, &b)
    {
        Err(VerifyError::StatementMismatch { field: f, .. }) => assert_eq!(f, field),
        other => panic!("{field}: expected a mismatch, got {other:?}"),
    };
    reject(
        &EvaluationRequest {
            nonce: fr_to_hex(&zkcc_circuits::Fr::from(0x1235u64)),
            ..request.clone()
        },
        "nonce",
    );
    reject(
        &EvaluationRequest {
            importer: "OTHER-DC".into(),
            ..request.clone()
        },
        "importer",
    );
    reject(
        &EvaluationRequest {
            deployment_date: 20261130,
            ..request.clone()
        },
        "deployment_date",
    );
    reject(
        &EvaluationRequest {
            not_before: 20261001,
            ..request.clone()
        },
        "not_before",
    );
    // A registry with another suite version.
    let mut file = reg.file.clone();
    file.eval_suites[0].version = 2;
    let reg2 = zkcc_circuits::registry::Registry::from_file(file).unwrap();
    assert!(matches!(
        verify_evaluation(&vk, &reg2, &request, &b),
        Err(VerifyError::StatementMismatch {
            field: "registry_root",
            ..
        })
    ));
    // The bundle's public inputs edited to the agency's other values: the proof fails.
    let later = EvaluationRequest {
        deployment_date: 20261130,
        ..request.clone()
    };
    let mut b2 = b.clone();
    b2.public_inputs.deployment_date = later.deployment_date;
    assert!(matches!(
        verify_evaluation(&vk, &reg, &later, &b2),
        Err(VerifyError::ProofRejected)
    ));
    let mut b3 = b.clone();
    b3.public_inputs.model_commitment = fr_to_hex(&zkcc_circuits::Fr::from(5u64));
    assert!(matches!(
        verify_evaluation(&vk, &reg, &request, &b3),
        Err(VerifyError::ProofRejected)
    ));

    // The prover refuses before proving: a result after deployment, a missing eval.
    let mut refused =
        |results: &[_]| prove_evaluation(&pk, &reg, &request, &secret, results, &mut rng, &Quiet);
    let late: Vec<_> = (0..N).map(|i| sign(0, &suite, i, 20261202)).collect();
    assert!(matches!(
        refused(&late),
        Err(ProverError::Claim(ClaimError::AfterDeployment {
            slot: 0,
            ..
        }))
    ));
    assert!(matches!(
        refused(&results[..1]),
        Err(ProverError::Claim(ClaimError::MissingEval { slot: 1, .. }))
    ));
    // A result older than the request's not-before date; one signed for
    // version 2 of the suite.
    let old = vec![results[0].clone(), sign(1, &suite, 1, 20251130)];
    assert!(matches!(
        refused(&old),
        Err(ProverError::Claim(ClaimError::BeforeNotBefore {
            slot: 1,
            date: 20251130,
            not_before: 20251201
        }))
    ));
    let v2 = zkcc_circuits::evaluation::Suite {
        version: 2,
        ..suite.clone()
    };
    let other_version = vec![sign(0, &v2, 0, 20261110), results[1].clone()];
    assert!(matches!(
        refused(&other_version),
        Err(ProverError::Claim(ClaimError::ResultForAnotherSuite {
            slot: 0,
            version: 2,
            ..
        }))
    ));
}

#[test]
fn attest_prove_verify_a_deployment_and_every_mismatch_is_rejected() {
    use zkcc_prover::lifecycle::{
        attest_deployment, jurisdiction_claim, prove_jurisdiction, DeploymentFile, StoreJson,
    };
    use zkcc_verifier::lifecycle::{verify_jurisdiction, JurisdictionRequest};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(32);
    // The shard fixtures' registry: auditors AUDITOR-0/1 from seeds 1, 2.
    let auditors: Vec<SecretKey> = (0..2u8)
        .map(|i| SecretKey::from_seed([i + 1; 32]))
        .collect();
    let reg = zkcc_circuits::shard::fixtures::registry(&auditors);
    let auditor = AuditorKeyFile {
        version: 1,
        id: "AUDITOR-1".into(),
        seed: hex::encode([2u8; 32]),
    };
    let mc = fr_to_hex(&zkcc_circuits::Fr::from(0xc0ffeeu64));
    let store = |id: &str, kind: &str, facility: &str| StoreJson {
        id: id.into(),
        kind: kind.into(),
        facility: facility.into(),
        encrypted: true,
        key_fingerprint: "0x1234".into(),
    };
    let mut d = DeploymentFile {
        version: 1,
        importer: "ACME-DC".into(),
        deployment: "CHAT-EU-1".into(),
        model_commitment: mc.clone(),
        epoch: 7,
        stores: vec![
            store("LOGS-1", "logs", "FR-PAR-01"),
            store("OUT-1", "outputs", "SG-JUR-04"),
        ],
        attestation: None,
    };
    attest_deployment(&reg, &mut d, &auditor).unwrap();
    let request = JurisdictionRequest {
        version: LIFECYCLE_VERSION,
        importer: "ACME-DC".into(),
        deployment: "CHAT-EU-1".into(),
        model_commitment: mc.clone(),
        epoch: 7,
        max_tier: 2,
        nonce: fr_to_hex(&zkcc_circuits::Fr::from(99u64)),
    };
    let c = Circuit::parse("jurisdiction-3").unwrap();
    keys::setup_circuit(dir.path(), &c, &mut rng).unwrap();
    let (pk, _) = keys::load_proving_key_of(dir.path(), &c).unwrap();
    let vk = PreparedKey::new(&keys::load_verifying_key_of(dir.path(), &c).unwrap());
    let b = prove_jurisdiction(&pk, 3, &reg, &request, &d, &mut rng, &Quiet).unwrap();
    let v = verify_jurisdiction(&vk, &reg, &request, &b).unwrap();
    assert_eq!((v.max_tier, v.model_commitment.as_str()), (2, mc.as_str()));

    // The agency's values, one at a time.
    for (req, field) in [
        (
            JurisdictionRequest {
                model_commitment: fr_to_hex(&zkcc_circuits::Fr::from(1u64)),
                ..request.clone()
            },
            "model_commitment",
        ),
        (
            JurisdictionRequest {
                epoch: 8,
                ..request.clone()
            },
            "epoch",
        ),
        (
            JurisdictionRequest {
                max_tier: 1,
                ..request.clone()
            },
            "max_tier",
        ),
        (
            JurisdictionRequest {
                deployment: "CHAT-EU-2".into(),
                ..request.clone()
            },
            "deployment",
        ),
        (
            JurisdictionRequest {
                nonce: fr_to_hex(&zkcc_circuits::Fr::from(98u64)),
                ..request.clone()
            },
            "nonce",
        ),
    ] {
        match verify_jurisdiction(&vk, &reg, &req, &b) {
            Err(VerifyError::StatementMismatch { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // The bundle edited to a stricter tier cap: the proof fails.
    let mut b2 = b.clone();
    b2.public_inputs.max_tier = 1;
    assert!(matches!(
        verify_jurisdiction(
            &vk,
            &reg,
            &JurisdictionRequest {
                max_tier: 1,
                ..request.clone()
            },
            &b2
        ),
        Err(VerifyError::ProofRejected)
    ));
    // The prover refuses: tier 1 only (SG is tier 2); a store moved to KP after attestation.
    assert!(matches!(
        jurisdiction_claim(
            &reg,
            &JurisdictionRequest {
                max_tier: 1,
                ..request.clone()
            },
            &d,
            3
        ),
        Err(ProverError::Claim(ClaimError::DisallowedCountry {
            slot: 1,
            ..
        }))
    ));
    let mut moved = d.clone();
    moved.stores[0].facility = "DE-FRA-02".into();
    assert!(matches!(
        jurisdiction_claim(&reg, &request, &moved, 3),
        Err(ProverError::Claim(ClaimError::BadSignature { .. }))
    ));
    // An attestation the auditor made for another operator's deployment.
    let mut borrowed = d.clone();
    borrowed.importer = "OTHER-DC".into();
    attest_deployment(&reg, &mut borrowed, &auditor).unwrap();
    borrowed.importer = "ACME-DC".into();
    assert!(matches!(
        jurisdiction_claim(&reg, &request, &borrowed, 3),
        Err(ProverError::Claim(ClaimError::BadSignature { slot: 0, .. }))
    ));
    // The auditor attests no deployment without stores; the stores
    // dropped under another list's attestation are refused as no store.
    let mut empty = d.clone();
    empty.stores.clear();
    let e = attest_deployment(&reg, &mut empty, &auditor).unwrap_err();
    assert!(e.to_string().contains("lists no store"), "{e}");
    assert!(matches!(
        jurisdiction_claim(&reg, &request, &empty, 3),
        Err(ProverError::Claim(ClaimError::NoStores))
    ));
}
