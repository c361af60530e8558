//! The AI lifecycle verbs of the `zkcc` command line, as the evaluator, the
//! lab, the auditor and the agency run them; and the agency's refusals.
use zkcc_test_support::lifecycle::{self, LAB_A, LAB_B, RESULTS};

use crate::run::{fails_with as fails, ok, ZKCC};

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
    let v = ok(d, &lifecycle::verify_jurisdiction_args("w/jreq.json"));
    assert!(v.starts_with("ACCEPTED"), "{v}");
    // The same proof against a request naming another model.
    lifecycle::jurisdiction_request(&ZKCC, d, "0x05", "w/jreq2.json");
    fails(
        d,
        &lifecycle::verify_jurisdiction_args("w/jreq2.json"),
        1,
        "model_commitment",
    );
}
