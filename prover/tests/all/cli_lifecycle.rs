//! The AI lifecycle verbs of the `zkcc` command line, as the evaluator, the
//! lab, the auditor and the agency run them; and the agency's refusals.
use zkcc_test_support::lifecycle::{self, LAB_A, LAB_B, RESULTS};

use crate::run::{fails_with as fails, ok, small_demo, text, zkcc, ZKCC};

#[test]
fn evaluation_and_jurisdiction_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    lifecycle::sample(&ZKCC, d);

    // Lab: commit to the model.
    let (c, mc) = lifecycle::commit_model(&ZKCC, d, &vec![3u8; 1 << 20]);
    let digest = c
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    assert_eq!(digest.len(), 64, "{c}");

    // Evaluators sign (one from the weights file, two from the digest).
    let sign = |key: &str, eval: &str, score: &str, date: &str, out: &str, by_file: bool| {
        let mut args = lifecycle::sign_args(key, eval, score, date, out);
        if by_file {
            args.extend(["--weights", "w/model.bin"]);
        } else {
            args.extend(["--model-digest", digest.as_str()]);
        }
        ok(d, &args)
    };
    let (a, b) = (LAB_A, LAB_B);
    sign(a, "CYBER-UPLIFT", "100", "20261101", "w/r1.json", true);
    sign(b, "BIO-UPLIFT", "2000", "20261102", "w/r2.json", false);
    sign(a, "REFUSAL-HARMFUL", "9600", "20261103", "w/r3.json", false);
    sign(
        a,
        "REFUSAL-HARMFUL",
        "9600",
        "20261202",
        "w/late.json",
        false,
    );
    sign(
        b,
        "REFUSAL-HARMFUL",
        "9600",
        "20251130",
        "w/old.json",
        false,
    );

    // Setup, the agency's request, the proof, the verification.
    ok(d, &["setup", "--circuit", "evaluation-3", "--out", "keys"]);
    lifecycle::eval_request(&ZKCC, d, "w/ereq.json");
    let p = ok(
        d,
        &lifecycle::prove_evaluation_args("w/eval.json", &RESULTS),
    );
    assert!(p.contains("passed suite FRONTIER-2026"), "{p}");
    let mut verify = lifecycle::verify_evaluation_args("w/ereq.json", "w/eval.json");
    verify.extend(["--report", "w/eval.report.json"]);
    let v = ok(d, &verify);
    assert!(v.starts_with("ACCEPTED"), "{v}");
    assert!(v.contains(&mc), "{v}");
    // The late result alone cannot serve; a new request refuses the old proof.
    fails(
        d,
        &lifecycle::prove_evaluation_args("w/eval2.json", &[RESULTS[0], RESULTS[1], "w/late.json"]),
        1,
        "after the deployment date",
    );
    assert!(!d.join("w/eval2.json").exists());
    // Nor the one dated before the request's not-before date.
    fails(
        d,
        &lifecycle::prove_evaluation_args("w/eval2.json", &[RESULTS[0], RESULTS[1], "w/old.json"]),
        1,
        "before the not-before date 20251201",
    );
    assert!(!d.join("w/eval2.json").exists());
    lifecycle::eval_request(&ZKCC, d, "w/ereq2.json");
    fails(
        d,
        &lifecycle::verify_evaluation_args("w/ereq2.json", "w/eval.json"),
        1,
        "nonce",
    );

    // An auditor attests no deployment without stores.
    let empty = serde_json::json!({
        "version": 1, "importer": "ACME-DC", "deployment": "CHAT-EU-0",
        "model_commitment": mc, "epoch": 202611, "stores": [] });
    std::fs::write(d.join("w/empty.json"), empty.to_string()).unwrap();
    fails(
        d,
        &lifecycle::attest_args("w/empty.json"),
        2,
        "lists no store",
    );

    // The deployment: the auditor attests its stores; the lab proves; the agency verifies.
    lifecycle::write_deployment(d, &mc);
    ok(d, &lifecycle::attest_args("w/deployment.json"));
    ok(
        d,
        &["setup", "--circuit", "jurisdiction-2", "--out", "keys"],
    );
    lifecycle::jurisdiction_request(&ZKCC, d, &mc, "w/jreq.json");
    lifecycle::prove_jurisdiction(&ZKCC, d);
    let mut verify = lifecycle::verify_jurisdiction_args("w/jreq.json");
    verify.extend(["--report", "w/jur.report.json"]);
    let v = ok(d, &verify);
    assert!(v.starts_with("ACCEPTED"), "{v}");
    // The same proof against a request naming another model.
    lifecycle::jurisdiction_request(&ZKCC, d, "0x05", "w/jreq2.json");
    fails(
        d,
        &lifecycle::verify_jurisdiction_args("w/jreq2.json"),
        1,
        "model_commitment",
    );

    decide_with_the_claims(d, &mc);
}

/// The fleet's submission for epoch 202611 (`w/submission.json`), decided
/// under a policy whose one rule requires the evaluated suite and a tier-1
/// deployment of that model (the lifecycle demo's rule), by `zkcc verify` and
/// `zkcc-verify submission` alike: granted with the verified claims of the
/// test above and the decision date 20261201, denied without the claims and
/// with a decision date one day past the results' window (exit 1, the same
/// words from both binaries); the claim options without `--policy` are a
/// usage error (exit 2).
fn decide_with_the_claims(d: &std::path::Path, mc: &str) {
    use zkcc_test_support::fixtures::{REQUEST, SHARD};
    use zkcc_test_support::fleet;
    let (_, digest) = fleet::ledger(&ZKCC, d);
    fleet::commit(&ZKCC, d, SHARD, "w/secret.json");
    fleet::attest(&ZKCC, d);
    ok(d, &["setup", "--circuit", SHARD, "--out", "keys"]);
    ok(d, &["setup", "--circuit", REQUEST, "--out", "keys"]);
    let committed = fleet::committed_args("w/secret.json", &digest);
    let head = [
        "prove",
        "shards",
        "--keys",
        "keys",
        "--registry",
        lifecycle::REGISTRY,
    ];
    ok(
        d,
        &[&head[..], &committed, &["--out", "w/shards.json"]].concat(),
    );
    fleet::request(&ZKCC, d, "w/rules.json", "w/req.json");
    let head = ["prove", "request", "--keys", "keys", "--circuit", REQUEST];
    let tail = [
        "--registry",
        lifecycle::REGISTRY,
        "--request",
        "w/req.json",
        "--shards",
        "w/shards.json",
        "--out",
        "w/submission.json",
    ];
    ok(d, &[&head[..], &committed, &tail].concat());
    let mut policy: serde_json::Value =
        serde_json::from_str(zkcc_verifier::access::SAMPLE_ACCESS_POLICY).unwrap();
    let rule: serde_json::Value =
        serde_json::from_str(zkcc_prover::demo_lifecycle::LIFECYCLE_RULE).unwrap();
    policy["rules"] = serde_json::json!([rule]);
    std::fs::write(d.join("w/lpolicy.json"), policy.to_string()).unwrap();

    let files = [
        "--registry",
        lifecycle::REGISTRY,
        "--ledger",
        "w/ledger.json",
        "--request",
        "w/req.json",
    ];
    let zkcc_args = |rest: &[&str]| -> Vec<String> {
        let keys = ["verify", "--keys", "keys", "--shard-circuit", SHARD];
        let keys2 = ["--request-circuit", REQUEST];
        [&keys[..], &keys2, &files, rest, &["w/submission.json"]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let shard_vk = format!("keys/{SHARD}.vk");
    let request_vk = format!("keys/{REQUEST}.vk");
    let verify_args = |rest: &[&str]| -> Vec<String> {
        let keys = [
            "submission",
            "--shard-vk",
            &shard_vk,
            "--request-vk",
            &request_vk,
        ];
        [&keys[..], &files, rest, &["w/submission.json"]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let zkcc_verify = crate::cli_contract::zkcc_verify_bin();
    // Both binaries on the same options: the same exit code and the same
    // words (the verdict on stdout, an error on stderr). Returns them.
    let both = |rest: &[&str]| -> (Option<i32>, String) {
        let a = zkcc_args(rest);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let ours = zkcc(d, &a);
        let b = verify_args(rest);
        let theirs = std::process::Command::new(&zkcc_verify)
            .current_dir(d)
            .args(&b)
            .output()
            .unwrap();
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "{rest:?}: {}\n{}",
            text(&ours),
            text(&theirs)
        );
        assert_eq!(
            ours.stdout,
            theirs.stdout,
            "{rest:?}: {}\n{}",
            text(&ours),
            text(&theirs)
        );
        (ours.status.code(), text(&ours))
    };
    let claims = [
        "--policy",
        "w/lpolicy.json",
        "--evaluation-claim",
        "w/eval.report.json",
        "--jurisdiction-claim",
        "w/jur.report.json",
    ];
    let says = |out: &str, line: &str| assert!(out.contains(line), "{line:?} not in {out}");
    let (code, out) = both(&[&claims[..], &["--decision-date", "20261201"]].concat());
    assert_eq!(code, Some(0), "{out}");
    says(&out, "DECISION: GRANT ACME-DC — quota 20000 chips, access \"evaluated-frontier-lab\" (rule evaluated-frontier-lab)\n");
    says(&out, &format!("proven (evaluation): model {mc} of ACME-DC passed suite FRONTIER-2026 v1 (3 evals), every result signed for it by an accredited evaluator between 20251201 and 20261201\n"));
    says(&out, &format!("      deployment CHAT-EU-1 of evaluated model {mc} keeps every store encrypted in tier ≤ 1 (epoch 202611)\n"));
    // Without the claims: the rule is not met, denied.
    let (code, out) = both(&["--policy", "w/lpolicy.json", "--decision-date", "20261201"]);
    assert_eq!(code, Some(1), "{out}");
    says(&out, "DECISION: DENY ACME-DC — no quota\n");
    says(&out, "      no model proven to pass suite FRONTIER-2026 with results at most 365 days old on 20261201\n");
    says(&out, "      no deployment of an evaluated model proven to keep its stores in tier ≤ 1 in epoch 202611\n");
    says(&out, "  - no rule met: denied\n");
    // Decided a day after the window (results from 20251201, at most 365
    // days old): the evaluation no longer counts, nor the deployment of it.
    let (code, out) = both(&[&claims[..], &["--decision-date", "20261202"]].concat());
    assert_eq!(code, Some(1), "{out}");
    says(&out, "DECISION: DENY ACME-DC — no quota\n");
    says(&out, "      no model proven to pass suite FRONTIER-2026 with results at most 365 days old on 20261202\n");
    // Claims without a policy to weigh them: a usage error.
    let (code, out) = both(&claims[2..]);
    assert_eq!(code, Some(2), "{out}");
    says(
        &out,
        "error: the following required arguments were not provided:\n  --policy <POLICY>\n",
    );
}

/// `zkcc demo lifecycle` as its users run it, on a small sample: the fleet,
/// both lifecycle claims, the decision and every check that must fail. (It
/// once stopped at its too-old result, dated `NOT_BEFORE - 1` = 20251200.)
#[test]
fn the_lifecycle_demo_runs_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    small_demo(
        d,
        "lifecycle",
        &[
            "Lifecycle checks that must fail:",
            "result dated 20251130, before the not-before date 20251201",
            "result dated 20261202, after the deployment date 20261201",
            "the store is not encrypted at rest",
            "rule evaluated-frontier-lab grants the largest quota of the rules met",
            "Lifecycle report",
        ],
    );
    assert!(d.join("demo/lifecycle.report.json").is_file());
}
