//! The AI lifecycle on the `zkcc` command line, step by step, as several
//! tests walk it: a lifecycle sample in `w/`, the lab's model commitment,
//! the evaluators' signed results, the agency's requests, a deployment
//! attested by an auditor, the jurisdiction proof. Each step asserts that
//! the command succeeded; the argument lists of the steps that tests also
//! make fail (with another input) are given as `*_args` functions.
use crate::cli::Cli;
use std::path::Path;

/// The sample registry, relative to the test directory.
pub const REGISTRY: &str = "w/registry.json";
/// Evaluator A's key in the sample.
pub const LAB_A: &str = "w/evaluators/EVAL-LAB-A.key.json";
/// Evaluator B's key in the sample.
pub const LAB_B: &str = "w/evaluators/EVAL-LAB-B.key.json";
/// The three results of the sample suite that [`sign_results`] writes.
pub const RESULTS: [&str; 3] = ["w/r1.json", "w/r2.json", "w/r3.json"];

/// `zkcc sample --lifecycle` of 12 chips in chunks of 4 into `w/`.
pub fn sample(cli: &Cli, d: &Path) {
    cli.ok(
        d,
        &[
            "sample",
            "--out",
            "w",
            "--chips",
            "12",
            "--chunk",
            "4",
            "--lifecycle",
        ],
    );
}

/// Writes `weights` as `w/model.bin` and commits to it for ACME-DC
/// (`w/model.secret.json`). Returns (stdout, the model commitment).
pub fn commit_model(cli: &Cli, d: &Path, weights: &[u8]) -> (String, String) {
    std::fs::write(d.join("w/model.bin"), weights).expect("write the weights");
    let out = cli.ok(
        d,
        &[
            "model",
            "commit",
            "--weights",
            "w/model.bin",
            "--importer",
            "ACME-DC",
            "--out",
            "w/model.secret.json",
        ],
    );
    let mc = out
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no commitment in {out}"))
        .to_string();
    (out, mc)
}

/// `evaluator sign` of one FRONTIER-2026 result, without the model's
/// identification (`--weights` or `--model-digest`, which the caller adds).
pub fn sign_args<'a>(
    key: &'a str,
    eval: &'a str,
    score: &'a str,
    date: &'a str,
    out: &'a str,
) -> Vec<&'a str> {
    vec![
        "evaluator",
        "sign",
        "--key",
        key,
        "--registry",
        REGISTRY,
        "--suite",
        "FRONTIER-2026",
        "--eval",
        eval,
        "--score",
        score,
        "--date",
        date,
        "--out",
        out,
    ]
}

/// The suite's three results, signed from the weights file: [`RESULTS`].
pub fn sign_results(cli: &Cli, d: &Path) {
    for (key, eval, score, date, out) in [
        (LAB_A, "CYBER-UPLIFT", "100", "20261101", RESULTS[0]),
        (LAB_B, "BIO-UPLIFT", "2000", "20261102", RESULTS[1]),
        (LAB_A, "REFUSAL-HARMFUL", "9600", "20261103", RESULTS[2]),
    ] {
        let mut args = sign_args(key, eval, score, date, out);
        args.extend(["--weights", "w/model.bin"]);
        cli.ok(d, &args);
    }
}

/// The agency's evaluation request (deployment 20261201, results from
/// 20251201 on) for ACME-DC, written to `out`.
pub fn eval_request(cli: &Cli, d: &Path, out: &str) {
    cli.ok(
        d,
        &[
            "agency",
            "eval-request",
            "--registry",
            REGISTRY,
            "--importer",
            "ACME-DC",
            "--suite",
            "FRONTIER-2026",
            "--deployment-date",
            "20261201",
            "--not-before",
            "20251201",
            "--out",
            out,
        ],
    );
}

/// Everything the evaluation claim needs: the sample, `weights` committed,
/// the three results signed, the request `w/ereq.json`. Returns the model
/// commitment.
pub fn evaluation_inputs(cli: &Cli, d: &Path, weights: &[u8]) -> String {
    sample(cli, d);
    let (_, mc) = commit_model(cli, d, weights);
    sign_results(cli, d);
    eval_request(cli, d, "w/ereq.json");
    mc
}

/// `prove evaluation` under `w/ereq.json` of `results`, to `out`.
pub fn prove_evaluation_args<'a>(out: &'a str, results: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "prove",
        "evaluation",
        "--registry",
        REGISTRY,
        "--secret",
        "w/model.secret.json",
        "--request",
        "w/ereq.json",
        "--out",
        out,
    ];
    args.extend(results);
    args
}

/// Writes `w/deployment.json`: ACME-DC's CHAT-EU-1 of model `mc` with two
/// encrypted stores (logs in FR, outputs in NL), epoch 202611.
pub fn write_deployment(d: &Path, mc: &str) {
    let dep = serde_json::json!({
        "version": 1, "importer": "ACME-DC", "deployment": "CHAT-EU-1",
        "model_commitment": mc, "epoch": 202611,
        "stores": [
            { "id": "LOGS-1", "kind": "logs", "facility": "FR-SACLAY-01",
              "encrypted": true, "key_fingerprint": "0x1111" },
            { "id": "OUT-1", "kind": "outputs", "facility": "NL-AMSTERDAM-03",
              "encrypted": true, "key_fingerprint": "0x2222" } ] });
    std::fs::write(d.join("w/deployment.json"), dep.to_string()).expect("write the deployment");
}

/// `auditor attest-deployment` of `deployment` by AUDIT-EU-01.
pub fn attest_args(deployment: &str) -> Vec<&str> {
    vec![
        "auditor",
        "attest-deployment",
        "--key",
        "w/auditors/AUDIT-EU-01.key.json",
        "--registry",
        REGISTRY,
        "--deployment",
        deployment,
    ]
}

/// The agency's jurisdiction request for CHAT-EU-1 of model `mc`, tier at
/// most 1, to `out`.
pub fn jurisdiction_request(cli: &Cli, d: &Path, mc: &str, out: &str) {
    cli.ok(
        d,
        &[
            "agency",
            "jurisdiction-request",
            "--importer",
            "ACME-DC",
            "--deployment",
            "CHAT-EU-1",
            "--model-commitment",
            mc,
            "--epoch",
            "202611",
            "--max-tier",
            "1",
            "--out",
            out,
        ],
    );
}

/// `prove jurisdiction` (jurisdiction-2) of the attested `w/deployment.json`
/// under `w/jreq.json`, to `w/jur.json`.
pub fn prove_jurisdiction(cli: &Cli, d: &Path) {
    cli.ok(
        d,
        &[
            "prove",
            "jurisdiction",
            "--circuit",
            "jurisdiction-2",
            "--registry",
            REGISTRY,
            "--deployment",
            "w/deployment.json",
            "--request",
            "w/jreq.json",
            "--out",
            "w/jur.json",
        ],
    );
}

/// `agency verify-jurisdiction` (jurisdiction-2) of `w/jur.json` under
/// `request`.
pub fn verify_jurisdiction_args(request: &str) -> Vec<&str> {
    vec![
        "agency",
        "verify-jurisdiction",
        "--circuit",
        "jurisdiction-2",
        "--registry",
        REGISTRY,
        "--request",
        request,
        "w/jur.json",
    ]
}

/// `zkcc agency verify-evaluation` of `bundle` against the sample registry
/// and the evaluation request `request`.
pub fn verify_evaluation_args<'a>(request: &'a str, bundle: &'a str) -> Vec<&'a str> {
    vec![
        "agency",
        "verify-evaluation",
        "--registry",
        REGISTRY,
        "--request",
        request,
        bundle,
    ]
}
