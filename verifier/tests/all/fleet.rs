//! The agency's verification of a submission of the accountable statement:
//! the honest multi-shard case, and each way a submission can be wrong,
//! each rejected with its exact reason (variant, fields, shard index).
use crate::fleet_env;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use fleet_env::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkcc_circuits::encoding::{fr_from_hex, fr_to_hex};
use zkcc_circuits::shard::fixtures::{EPOCH, IMPORTER, OTHER};
use zkcc_verifier::access::{decide, Outcome, Policy as AccessPolicy, SAMPLE_ACCESS_POLICY};
use zkcc_verifier::fleet::{verify_submission, VerifiedSubmission};
use zkcc_verifier::submission::Submission;
use zkcc_verifier::VerifyError;

fn verify(p: &Proven) -> Result<VerifiedSubmission, VerifyError> {
    let mut rng = StdRng::seed_from_u64(9);
    verify_submission(
        &keys().fleet,
        &p.registry,
        &p.ledger,
        &p.request,
        &p.submission,
        &mut rng,
    )
}

fn rejected(p: &Proven) -> VerifyError {
    match verify(p) {
        Ok(_) => panic!("the submission must be rejected"),
        Err(e) => e,
    }
}

/// The honest submission with its submission edited.
fn edited(edit: impl FnOnce(&mut Submission)) -> Proven {
    let mut p = honest().clone();
    edit(&mut p.submission);
    p
}

/// `Shard { index, source }` → `(index, source)`.
fn at_shard(e: VerifyError) -> (usize, VerifyError) {
    match e {
        VerifyError::Shard { index, source } => (index, *source),
        other => panic!("expected a shard to be named, got: {other}"),
    }
}

/// The field of a `StatementMismatch`.
fn mismatch(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::StatementMismatch { field, .. } => field,
        other => panic!("expected a statement mismatch, got: {other}"),
    }
}

/// The shard that the rejection of `p` names, and the field of its
/// statement mismatch.
fn shard_mismatch(p: &Proven) -> (usize, &'static str) {
    let (i, e) = at_shard(rejected(p));
    (i, mismatch(&e))
}

/// The check of a `Fleet` error.
fn fleet_check(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::Fleet { check, .. } => check,
        other => panic!("expected a fleet check to fail, got: {other}"),
    }
}

fn random_fr(seed: u64) -> String {
    fr_to_hex(&Fr::rand(&mut StdRng::seed_from_u64(seed)))
}

#[test]
fn honest_multi_shard_submission_verifies_and_is_granted() {
    let p = honest();
    assert_eq!(p.submission.shards.len(), 2);
    let v = verify(p).unwrap();
    assert_eq!(v.importer, IMPORTER);
    assert_eq!(v.epoch, EPOCH);
    assert_eq!(v.shards, 2);
    // SG-JUR-04 holds only a chip outside the ledger: not counted.
    assert_eq!(v.facilities, 3);
    assert_eq!(v.ledger_chips, 8);
    assert_eq!(v.ledger_tpp, p.ledger.total_tpp());
    assert_eq!(v.rules, strict_rules());
    assert_eq!(v.commitment_hex(), p.submission.commitment);
    assert_eq!(v.registry_root, p.registry.root);
    assert_eq!(v.ledger_digest, p.ledger.digest);
    // Through JSON and back, as the agency receives it.
    let back = Submission::from_json(&p.submission.to_json()).unwrap();
    assert_eq!(back, p.submission);

    let policy = AccessPolicy::from_json(SAMPLE_ACCESS_POLICY).unwrap();
    let report = decide(&policy, &p.registry, &v).unwrap();
    assert_eq!(
        report.decision.outcome,
        Outcome::Grant,
        "{}",
        report.human()
    );
    assert_eq!(report.decision.access, "validated-end-user");
    assert_eq!(report.decision.quota_chips, 100_000);
    assert_eq!(report.decision.rule.as_deref(), Some("validated-end-user"));
    assert!(report.human().starts_with("DECISION: GRANT ACME-DC"));
}

#[test]
fn nobody_ltd_verifies_but_is_denied() {
    let p = nobody();
    let v = verify(p).unwrap();
    assert_eq!(
        (v.importer.as_str(), v.facilities, v.ledger_chips),
        (NOBODY, 0, 0)
    );
    let policy = AccessPolicy::from_json(SAMPLE_ACCESS_POLICY).unwrap();
    let report = decide(&policy, &p.registry, &v).unwrap();
    assert_eq!(report.decision.outcome, Outcome::Deny, "{}", report.human());
    assert_eq!(report.decision.quota_chips, 0);
    assert!(report.human().starts_with("DECISION: DENY Nobody Ltd"));
    for id in ["attested-fleet", "validated-end-user"] {
        assert!(
            report
                .rules
                .iter()
                .any(|r| r.id == id && !r.met && r.why.iter().any(|w| w.contains("facilities"))),
            "{}",
            report.human()
        );
    }
}

#[test]
fn nobody_ltd_without_a_shard_verifies_but_is_denied() {
    let p = nobody_without_shards();
    assert!(p.submission.shards.is_empty());
    let v = verify(p).unwrap();
    assert_eq!((v.shards, v.facilities, v.ledger_chips), (0, 0, 0));
    let policy = AccessPolicy::from_json(SAMPLE_ACCESS_POLICY).unwrap();
    let report = decide(&policy, &p.registry, &v).unwrap();
    assert_eq!(report.decision.outcome, Outcome::Deny);
    // Against a non-empty ledger the same empty answer fails on the product.
    let mut q = p.clone();
    q.ledger = {
        let mut l = honest().ledger.clone();
        l.importer = zkcc_circuits::encoding::encode_label(NOBODY).unwrap();
        l.digest = p.ledger.digest;
        l
    };
    assert_eq!(fleet_check(&rejected(&q)), "ledger_product");
}

#[test]
fn a_shard_used_twice_is_named() {
    let p = edited(|s| {
        let again = s.shards[1].clone();
        s.shards.push(again);
    });
    let (i, e) = at_shard(rejected(&p));
    assert_eq!((i, fleet_check(&e)), (2, "duplicate_shard"));
}

#[test]
fn a_shard_of_another_importer_is_named() {
    // A real, valid shard proof of Nobody Ltd, slipped into ACME-DC's fleet.
    let foreign = nobody().submission.shards[0].clone();
    let p = edited(|s| s.shards.insert(1, foreign));
    assert_eq!(shard_mismatch(&p), (1, "importer"));
}

#[test]
fn a_bundle_naming_another_importer_is_rejected() {
    // The submission itself.
    let p = edited(|s| s.importer = OTHER.into());
    assert_eq!(mismatch(&rejected(&p)), "importer");
    // A shard bundle's public input.
    let p = edited(|s| s.shards[1].public_inputs.importer = OTHER.into());
    assert_eq!(shard_mismatch(&p), (1, "importer"));
    // The request bundle's public input.
    let p = edited(|s| s.request.public_inputs.importer = OTHER.into());
    assert_eq!(mismatch(&rejected(&p)), "importer");
    // Everything consistently relabelled: the agency asked ACME-DC, not OTHER-DC.
    let p = edited(|s| {
        s.importer = OTHER.into();
        for b in &mut s.shards {
            b.public_inputs.importer = OTHER.into();
        }
        s.request.public_inputs.importer = OTHER.into();
    });
    assert_eq!(mismatch(&rejected(&p)), "importer");
    // The agency's request names another importer than its ledger.
    let mut p = honest().clone();
    p.request.importer = OTHER.into();
    assert_eq!(fleet_check(&rejected(&p)), "ledger_importer");
}

#[test]
fn a_shard_of_another_epoch_is_named() {
    let p = edited(|s| s.shards[1].public_inputs.epoch = EPOCH + 1);
    assert_eq!(shard_mismatch(&p), (1, "epoch"));
    // The submission, the request proof.
    let p = edited(|s| s.epoch = EPOCH + 1);
    assert_eq!(mismatch(&rejected(&p)), "epoch");
    let p = edited(|s| s.request.public_inputs.epoch = EPOCH + 1);
    assert_eq!(mismatch(&rejected(&p)), "epoch");
    // The agency audits another epoch.
    let mut p = honest().clone();
    p.request.epoch = EPOCH + 1;
    assert_eq!(mismatch(&rejected(&p)), "epoch");
}

#[test]
fn a_shard_left_out_added_or_reordered_breaks_the_fleet_commitment() {
    let left_out = edited(|s| {
        s.shards.pop();
    });
    assert_eq!(fleet_check(&rejected(&left_out)), "fleet_commitment");
    let reordered = edited(|s| s.shards.swap(0, 1));
    assert_eq!(fleet_check(&rejected(&reordered)), "fleet_commitment");
    // A valid shard of another fleet, relabelled to name this C: its C_s is
    // not in C's chain.
    let c = honest().submission.commitment.clone();
    let mut extra = other_fleet_shard().clone();
    extra.public_inputs.commitment = c;
    let added = edited(|s| s.shards.push(extra));
    assert_eq!(fleet_check(&rejected(&added)), "fleet_commitment");
    // No shard at all.
    let none = edited(|s| s.shards.clear());
    assert_eq!(fleet_check(&rejected(&none)), "fleet_commitment");
}

#[test]
fn two_shards_naming_different_commitments_are_named() {
    let p = edited(|s| s.shards[1].public_inputs.commitment = random_fr(1));
    assert_eq!(shard_mismatch(&p), (1, "commitment"));
    // The submission names another C than its shards: the first is named.
    let p = edited(|s| s.commitment = random_fr(2));
    assert_eq!(shard_mismatch(&p), (0, "commitment"));
    // The request proof names another C.
    let p = edited(|s| s.request.public_inputs.commitment = random_fr(3));
    assert_eq!(mismatch(&rejected(&p)), "commitment");
}

#[test]
fn a_shard_from_another_fleet_is_named() {
    // Same plan, other blindings: a valid proof naming another C.
    let other = other_fleet_shard().clone();
    assert_ne!(
        other.public_inputs.commitment,
        honest().submission.commitment
    );
    let p = edited(|s| s.shards[1] = other.clone());
    assert_eq!(shard_mismatch(&p), (1, "commitment"));
    // Relabelled to name this C: C is not the chain of the shards submitted.
    let p = edited(|s| {
        s.shards[1] = other;
        s.shards[1].public_inputs.commitment = s.commitment.clone();
    });
    assert_eq!(fleet_check(&rejected(&p)), "fleet_commitment");
}

#[test]
fn a_tampered_shard_proof_is_named_by_index() {
    // Shard 0's (valid) proof under shard 1's statement.
    let p = edited(|s| s.shards[1].proof = s.shards[0].proof.clone());
    let (i, e) = at_shard(rejected(&p));
    assert_eq!(i, 1);
    assert!(matches!(e, VerifyError::ProofRejected), "{e}");
    // Proof bytes that do not decode.
    let p = edited(|s| s.shards[0].proof.replace_range(0..2, "zz"));
    let (i, e) = at_shard(rejected(&p));
    assert_eq!(i, 0);
    assert!(matches!(e, VerifyError::ProofEncoding(_)), "{e}");
    // The request proof: a plain rejection (no shard named).
    let p = edited(|s| {
        let other = nobody().submission.request.proof.clone();
        s.request.proof = other;
    });
    assert!(matches!(rejected(&p), VerifyError::ProofRejected));
}

#[test]
fn a_request_replayed_under_another_nonce_is_rejected() {
    let mut p = honest().clone();
    p.request.nonce = random_fr(4);
    assert_eq!(mismatch(&rejected(&p)), "nonce");
    // Relabelled to the new nonce: the proof does not verify.
    let nonce = p.request.nonce.clone();
    p.submission.request.public_inputs.nonce = nonce;
    assert!(matches!(rejected(&p), VerifyError::ProofRejected));
}

#[test]
fn rules_other_than_the_agency_request_are_rejected() {
    let mut p = honest().clone();
    p.request.rules.home_min_bp += 1;
    let e = rejected(&p);
    assert_eq!(mismatch(&e), "rules.home_min_bp");
    // Each rule field is compared.
    for (k, name) in [
        (0, "rules.facility_cap_chips"),
        (1, "rules.facility_cap_tpp"),
        (3, "rules.other_max_bp"),
        (4, "rules.outside_tier1_max_bp"),
        (5, "rules.max_tier"),
        (6, "rules.total_cap_chips"),
        (7, "rules.total_cap_tpp"),
    ] {
        let mut p = honest().clone();
        let r = &mut p.request.rules;
        match k {
            0 => r.facility_cap_chips -= 1,
            1 => r.facility_cap_tpp -= 1,
            3 => r.other_max_bp -= 1,
            4 => r.outside_tier1_max_bp -= 1,
            5 => r.max_tier -= 1,
            6 => r.total_cap_chips -= 1,
            _ => r.total_cap_tpp -= 1,
        }
        assert_eq!(mismatch(&rejected(&p)), name);
    }
    // Relabelled to the agency's rules: the proof does not verify.
    let mut p = honest().clone();
    p.request.rules.home_min_bp += 1;
    p.submission.request.public_inputs.rules = p.request.rules.clone();
    assert!(matches!(rejected(&p), VerifyError::ProofRejected));
}

#[test]
fn another_registry_root_is_named() {
    let mut p = honest().clone();
    p.registry = registry_v(POLICY_VERSION + 1);
    assert_eq!(shard_mismatch(&p), (0, "registry_root"));
    let p = edited(|s| s.shards[1].public_inputs.registry_root = random_fr(5));
    assert_eq!(shard_mismatch(&p), (1, "registry_root"));
}

#[test]
fn another_ledger_is_rejected() {
    // The agency's ledger is not the one the shards name.
    let mut p = honest().clone();
    p.ledger = empty_ledger(IMPORTER);
    assert_eq!(shard_mismatch(&p), (0, "ledger_digest"));
    let p = edited(|s| s.shards[1].public_inputs.ledger_digest = random_fr(6));
    assert_eq!(shard_mismatch(&p), (1, "ledger_digest"));
    // The request proof names another product.
    let p = edited(|s| s.request.public_inputs.ledger_product = random_fr(7));
    assert_eq!(fleet_check(&rejected(&p)), "ledger_product");
}

#[test]
fn a_diverted_chip_is_caught_by_the_agency_product_alone() {
    let p = diverted();
    // Every proof is valid for its statement: with the importer's product
    // the agency's other checks pass …
    let mut forged = p.clone();
    forged.ledger = {
        let mut l = p.ledger.clone();
        l.entries.retain(|e| {
            zkcc_circuits::ledger::serial_of(&e.ident).as_deref() != Some("SN-DIVERTED")
        });
        l
    };
    assert_eq!(forged.ledger.len() + 1, p.ledger.len());
    assert_eq!(forged.ledger.digest, p.ledger.digest);
    verify(&forged).unwrap();
    // … but the product over the agency's ledger differs.
    assert_eq!(fleet_check(&rejected(p)), "ledger_product");
}

#[test]
fn shards_digest_other_than_the_chain_of_outputs_is_rejected() {
    let p = edited(|s| s.request.public_inputs.shards_digest = random_fr(8));
    assert_eq!(fleet_check(&rejected(&p)), "shards_digest");
    // A shard's output relabelled: its D_s is no longer in the chain.
    let p = edited(|s| s.shards[0].public_inputs.output = random_fr(9));
    assert_eq!(fleet_check(&rejected(&p)), "shards_digest");
}

#[test]
fn keys_and_shapes_are_the_agency_s() {
    let p = edited(|s| s.shards[1].circuit_id = "00".repeat(32));
    let (i, e) = at_shard(rejected(&p));
    assert_eq!(i, 1);
    assert!(matches!(e, VerifyError::WrongCircuit { .. }), "{e}");
    let p = edited(|s| s.shards[0].shape.slot_chips = 128);
    let (i, e) = at_shard(rejected(&p));
    assert_eq!(i, 0);
    assert!(
        matches!(&e, VerifyError::WrongShape { bundle, expected } if bundle == "3x128" && expected == "3x4"),
        "{e}"
    );
    let p = edited(|s| s.request.circuit_id = s.shards[0].circuit_id.clone());
    assert!(matches!(rejected(&p), VerifyError::WrongCircuit { .. }));
    let p = edited(|s| s.request.shape.shards = 16);
    assert!(matches!(rejected(&p), VerifyError::WrongShape { .. }));
    // More shards than the agency's request circuit opens.
    let p = edited(|s| {
        let extra = s.shards[0].clone();
        s.shards.extend([extra.clone(), extra]);
    });
    assert_eq!(fleet_check(&rejected(&p)), "shard_count");
}

#[test]
fn an_old_version_1_bundle_is_refused() {
    // A version-1 file handed in as a submission.
    let v1 = r#"{ "version": 1, "claim": "cluster", "importer": "ACME-DC", "circuit_id": "00",
                  "shape": { "chips": 4, "facilities": 1 }, "public_inputs": {}, "proof": "" }"#;
    let e = Submission::from_json(v1).unwrap_err();
    assert!(
        matches!(&e, VerifyError::Unsupported(m) if m.contains("version 1")),
        "{e}"
    );
    // A version-1 shard inside a submission.
    let p = edited(|s| s.shards[1].version = 1);
    let (i, e) = at_shard(rejected(&p));
    assert_eq!(i, 1);
    assert!(
        matches!(&e, VerifyError::Unsupported(m) if m.contains("version 1")),
        "{e}"
    );
    // A version-1 request bundle.
    let p = edited(|s| s.request.version = 1);
    assert!(matches!(rejected(&p), VerifyError::Unsupported(m) if m.contains("version 1")));
}

#[test]
fn the_agency_request_file_is_checked() {
    let mut p = honest().clone();
    p.request.nonce = "0xzz".into();
    assert_eq!(fleet_check(&rejected(&p)), "request_file");
    let mut p = honest().clone();
    p.request.rules.home_min_bp = 10_001;
    assert_eq!(fleet_check(&rejected(&p)), "request_file");
    // The honest nonce parses to the request proof's.
    let h = honest();
    assert_eq!(
        fr_from_hex(&h.request.nonce).unwrap(),
        fr_from_hex(&h.submission.request.public_inputs.nonce).unwrap()
    );
}

// ---------------------------------------------------------------------------
// `zkcc-verify submission`: exit 0 granted, 1 rejected or denied, 2 the
// agency's own files broken; the report written whole or not at all.

mod cli {
    use super::*;
    use ark_serialize::CanonicalSerialize;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use zkcc_verifier::access::Report;

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The agency's files and the honest submission in a fresh directory.
    fn files(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("zkcc-fleet-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let k = keys();
        let p = honest();
        let key = |vk: &ark_groth16::VerifyingKey<ark_bn254::Bn254>| {
            let mut b = Vec::new();
            vk.serialize_compressed(&mut b).unwrap();
            b
        };
        let w = |n: &str, b: &[u8]| std::fs::write(d.join(n), b).unwrap();
        w("shard-3x4.vk", &key(&k.shard_vk));
        w("request-3x3.vk", &key(&k.request_vk));
        w(
            "registry.json",
            serde_json::to_string(&p.registry.file).unwrap().as_bytes(),
        );
        w(
            "ledger.json",
            serde_json::to_string(&p.ledger.to_file(&p.registry))
                .unwrap()
                .as_bytes(),
        );
        w(
            "request.json",
            serde_json::to_string(&p.request).unwrap().as_bytes(),
        );
        w("policy.json", SAMPLE_ACCESS_POLICY.as_bytes());
        w("submission.json", p.submission.to_json().as_bytes());
        Dir(d)
    }

    fn run(d: &Path, extra: &[&str]) -> (i32, String, String) {
        let mut args: Vec<String> = vec!["submission".into()];
        for (flag, file) in [
            ("--shard-vk", "shard-3x4.vk"),
            ("--request-vk", "request-3x3.vk"),
            ("--registry", "registry.json"),
            ("--ledger", "ledger.json"),
            ("--request", "request.json"),
        ] {
            if !extra.contains(&flag) {
                args.push(flag.into());
                args.push(d.join(file).display().to_string());
            }
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = Command::new(env!("CARGO_BIN_EXE_zkcc-verify"))
            .args(&args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn p(d: &Path, f: &str) -> String {
        d.join(f).display().to_string()
    }

    #[test]
    fn granted_rejected_and_broken_files_exit_0_1_2() {
        let dir = files("exit");
        let d = dir.0.as_path();
        let (sub, pol, rep) = (
            p(d, "submission.json"),
            p(d, "policy.json"),
            p(d, "report.json"),
        );

        // Accepted, no policy.
        let (code, out, err) = run(d, &[&sub]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.starts_with("ACCEPTED:"), "{out}");
        // Granted, with the report.
        let (code, out, err) = run(d, &["--policy", &pol, "--report", &rep, &sub]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("DECISION: GRANT ACME-DC"), "{out}");
        let r: Report = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
        assert_eq!(r.decision.outcome, Outcome::Grant);

        // Rejected: a shard twice; the report says why.
        let mut bad = honest().submission.clone();
        bad.shards.push(bad.shards[1].clone());
        std::fs::write(d.join("bad.json"), bad.to_json()).unwrap();
        let (code, out, _) = run(d, &["--policy", &pol, "--report", &rep, &p(d, "bad.json")]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("REJECTED:") && out.contains("shard 2: submission: duplicate_shard"),
            "{out}"
        );
        let r: Report = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
        assert_eq!(r.decision.outcome, Outcome::Deny);
        assert!(r.rejected.unwrap().contains("duplicate_shard"));
        // Not JSON of a submission: a rejection too.
        std::fs::write(d.join("junk.json"), "{").unwrap();
        assert_eq!(run(d, &[&p(d, "junk.json")]).0, 1);

        // A policy the registry does not commit to: refused (exit 2) before
        // anything is verified; the previous report is untouched.
        let before = std::fs::read_to_string(&rep).unwrap();
        std::fs::write(
            d.join("policy4.json"),
            SAMPLE_ACCESS_POLICY.replacen("\"policy_version\": 3", "\"policy_version\": 4", 1),
        )
        .unwrap();
        let (code, _, err) = run(
            d,
            &["--policy", &p(d, "policy4.json"), "--report", &rep, &sub],
        );
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("policy version 4 is not the registry's policy version 3"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&rep).unwrap(), before);
        // Missing ledger, missing submission: exit 2.
        assert_eq!(run(d, &["--ledger", &p(d, "nope.json"), &sub]).0, 2);
        assert_eq!(run(d, &[&p(d, "nope.json")]).0, 2);
        // Shapes: from the key's file name, else a flag.
        std::fs::copy(d.join("shard-3x4.vk"), d.join("shard.vk")).unwrap();
        let (code, _, err) = run(d, &["--shard-vk", &p(d, "shard.vk"), &sub]);
        assert_eq!(code, 2);
        assert!(err.contains("--shard-shape is required"), "{err}");
        let shard_vk = p(d, "shard.vk");
        let with_shape =
            |shape: &str| run(d, &["--shard-vk", &shard_vk, "--shard-shape", shape, &sub]);
        let (code, out, _) = with_shape("3x4");
        assert_eq!(code, 0, "{out}");
        // The agency's shape, not the bundle's: another shape is a rejection.
        let (code, out, _) = with_shape("3x8");
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("shape"), "{out}");
        // No temporary file left behind.
        let left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
    }
}

/// The rules' home country is the registry's for the importer: a request or
/// a proof naming another is refused, naming both; an importer the registry
/// does not list may be asked no distribution rule.
#[test]
fn a_home_country_other_than_the_registry_s_is_refused() {
    use zkcc_circuits::encoding::encode_country;
    use zkcc_circuits::request::Rules;
    use zkcc_verifier::fleet::check_home_country;
    let expect = |e: VerifyError| {
        assert_eq!(
            e.to_string(),
            "rules name home country DE for importer ACME-DC, the registry lists FR"
        );
        match e {
            VerifyError::HomeCountry {
                importer,
                registry,
                rules,
            } => assert_eq!(
                (importer.as_str(), registry.as_str(), rules.as_str()),
                (IMPORTER, "FR", "DE")
            ),
            other => panic!("expected HomeCountry, got {other}"),
        }
    };
    // The agency's request names DE (and the proof, answering it, too).
    let mut p = honest().clone();
    p.request.rules.home_country = "DE".into();
    expect(rejected(&p));
    p.submission.request.public_inputs.rules.home_country = "DE".into();
    expect(rejected(&p));
    // The proof alone names DE.
    let p = edited(|s| s.request.public_inputs.rules.home_country = "DE".into());
    expect(rejected(&p));
    assert_eq!(p.registry.home_country(IMPORTER), Some("FR"));

    // An importer the registry does not list: no distribution rule.
    let reg = &honest().registry;
    let fr = encode_country("FR").unwrap();
    let free = Rules::permissive(fr);
    check_home_country(reg, "UNLISTED-DC", &free).unwrap();
    for rules in [
        Rules {
            home_min_bp: 1,
            ..free
        },
        Rules {
            other_max_bp: 9_999,
            ..free
        },
    ] {
        let e = check_home_country(reg, "UNLISTED-DC", &rules).unwrap_err();
        assert!(
            matches!(&e, VerifyError::UnlistedImporter { importer, .. } if importer == "UNLISTED-DC"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("importer UNLISTED-DC is not in the registry's importers"),
            "{e}"
        );
    }
    // A share outside tier 1 does not depend on the home country.
    check_home_country(
        reg,
        "UNLISTED-DC",
        &Rules {
            outside_tier1_max_bp: 0,
            ..free
        },
    )
    .unwrap();
    // The listed importer's own rules pass.
    check_home_country(reg, IMPORTER, &strict_rules()).unwrap();
}

/// The agency's keys must describe circuits that fit together: a request
/// that opens fewer (or more) entries per shard than the shard has facility
/// slots would leave entries, and the rules on them, unchecked; a shard of
/// more than 248 chip slots per facility slot would overflow its mark mask.
#[test]
fn key_shapes_that_do_not_fit_together_are_refused() {
    use zkcc_circuits::request::RequestShape;
    use zkcc_circuits::shard::ShardShape;
    use zkcc_verifier::fleet::FleetKeys;
    let k = fleet_env::keys();
    let other = RequestShape::new(fleet_env::RSHAPE.shards, fleet_env::SHAPE.facilities + 1);
    match FleetKeys::new(&k.shard_vk, fleet_env::SHAPE, &k.request_vk, other) {
        Err(VerifyError::KeyInvalid(m)) => assert_eq!(
            m,
            "the request circuit 3x4 opens 4 entries per shard, the shard circuit 3x4 has 3 facility slots"
        ),
        other => panic!("{:?}", other.map(|_| ())),
    }
    let wide = ShardShape::new(fleet_env::SHAPE.facilities, 249);
    match FleetKeys::new(&k.shard_vk, wide, &k.request_vk, fleet_env::RSHAPE) {
        Err(VerifyError::KeyInvalid(m)) => assert!(m.contains("more than 248 chip slots"), "{m}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
    assert!(FleetKeys::new(
        &k.shard_vk,
        fleet_env::SHAPE,
        &k.request_vk,
        fleet_env::RSHAPE
    )
    .is_ok());
}
