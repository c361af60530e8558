//! The AI lifecycle verbs of the `zkcc` command line, as the evaluator, the
//! lab, the auditor and the agency run them; and the agency's refusals.
use std::path::Path;
use std::process::{Command, Output};

fn zkcc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkcc"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zkcc runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = zkcc(dir, args);
    assert!(
        out.status.success(),
        "zkcc {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str], code: i32, needle: &str) {
    let out = zkcc(dir, args);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(code), "{args:?}: {all}");
    assert!(all.contains(needle), "{args:?}: {all}");
}

#[test]
fn evaluation_and_jurisdiction_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
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
    std::fs::write(d.join("w/model.bin"), vec![3u8; 1 << 20]).unwrap();

    // Lab: commit to the model.
    let c = ok(
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
    let digest = c
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    assert_eq!(digest.len(), 64, "{c}");
    let mc = c
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();

    // Evaluators sign (one from the weights file, two from the digest).
    let sign = |key: &str, eval: &str, score: &str, date: &str, out: &str, by_file: bool| {
        let mut args = vec![
            "evaluator",
            "sign",
            "--key",
            key,
            "--registry",
            "w/registry.json",
            "--suite",
            "FRONTIER-2026",
            "--eval",
            eval,
            "--score",
            score,
        ];
        args.extend(["--date", date, "--out", out]);
        if by_file {
            args.extend(["--weights", "w/model.bin"]);
        } else {
            args.extend(["--model-digest", digest.as_str()]);
        }
        ok(d, &args)
    };
    let a = "w/evaluators/EVAL-LAB-A.key.json";
    let b = "w/evaluators/EVAL-LAB-B.key.json";
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
    ok(
        d,
        &[
            "agency",
            "eval-request",
            "--registry",
            "w/registry.json",
            "--importer",
            "ACME-DC",
            "--suite",
            "FRONTIER-2026",
            "--deployment-date",
            "20261201",
            "--not-before",
            "20251201",
            "--out",
            "w/ereq.json",
        ],
    );
    let p = ok(
        d,
        &[
            "prove",
            "evaluation",
            "--registry",
            "w/registry.json",
            "--secret",
            "w/model.secret.json",
            "--request",
            "w/ereq.json",
            "--out",
            "w/eval.json",
            "w/r1.json",
            "w/r2.json",
            "w/r3.json",
        ],
    );
    assert!(p.contains("passed suite FRONTIER-2026"), "{p}");
    let v = ok(
        d,
        &[
            "agency",
            "verify-evaluation",
            "--registry",
            "w/registry.json",
            "--request",
            "w/ereq.json",
            "--report",
            "w/eval.report.json",
            "w/eval.json",
        ],
    );
    assert!(v.starts_with("ACCEPTED"), "{v}");
    assert!(v.contains(&mc), "{v}");
    // The late result alone cannot serve; a new request refuses the old proof.
    fails(
        d,
        &[
            "prove",
            "evaluation",
            "--registry",
            "w/registry.json",
            "--secret",
            "w/model.secret.json",
            "--request",
            "w/ereq.json",
            "--out",
            "w/eval2.json",
            "w/r1.json",
            "w/r2.json",
            "w/late.json",
        ],
        1,
        "after the deployment date",
    );
    assert!(!d.join("w/eval2.json").exists());
    // Nor the one dated before the request's not-before date.
    fails(
        d,
        &[
            "prove",
            "evaluation",
            "--registry",
            "w/registry.json",
            "--secret",
            "w/model.secret.json",
            "--request",
            "w/ereq.json",
            "--out",
            "w/eval2.json",
            "w/r1.json",
            "w/r2.json",
            "w/old.json",
        ],
        1,
        "before the not-before date 20251201",
    );
    assert!(!d.join("w/eval2.json").exists());
    ok(
        d,
        &[
            "agency",
            "eval-request",
            "--registry",
            "w/registry.json",
            "--importer",
            "ACME-DC",
            "--suite",
            "FRONTIER-2026",
            "--deployment-date",
            "20261201",
            "--not-before",
            "20251201",
            "--out",
            "w/ereq2.json",
        ],
    );
    fails(
        d,
        &[
            "agency",
            "verify-evaluation",
            "--registry",
            "w/registry.json",
            "--request",
            "w/ereq2.json",
            "w/eval.json",
        ],
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
        &[
            "auditor",
            "attest-deployment",
            "--key",
            "w/auditors/AUDIT-EU-01.key.json",
            "--registry",
            "w/registry.json",
            "--deployment",
            "w/empty.json",
        ],
        2,
        "lists no store",
    );

    // The deployment: the auditor attests its stores; the lab proves; the agency verifies.
    let dep = serde_json::json!({
        "version": 1, "importer": "ACME-DC", "deployment": "CHAT-EU-1",
        "model_commitment": mc, "epoch": 202611,
        "stores": [
            { "id": "LOGS-1", "kind": "logs", "facility": "FR-SACLAY-01",
              "encrypted": true, "key_fingerprint": "0x1111" },
            { "id": "OUT-1", "kind": "outputs", "facility": "NL-AMSTERDAM-03",
              "encrypted": true, "key_fingerprint": "0x2222" } ] });
    std::fs::write(d.join("w/deployment.json"), dep.to_string()).unwrap();
    ok(
        d,
        &[
            "auditor",
            "attest-deployment",
            "--key",
            "w/auditors/AUDIT-EU-01.key.json",
            "--registry",
            "w/registry.json",
            "--deployment",
            "w/deployment.json",
        ],
    );
    ok(
        d,
        &["setup", "--circuit", "jurisdiction-2", "--out", "keys"],
    );
    ok(
        d,
        &[
            "agency",
            "jurisdiction-request",
            "--importer",
            "ACME-DC",
            "--deployment",
            "CHAT-EU-1",
            "--model-commitment",
            &mc,
            "--epoch",
            "202611",
            "--max-tier",
            "1",
            "--out",
            "w/jreq.json",
        ],
    );
    ok(
        d,
        &[
            "prove",
            "jurisdiction",
            "--circuit",
            "jurisdiction-2",
            "--registry",
            "w/registry.json",
            "--deployment",
            "w/deployment.json",
            "--request",
            "w/jreq.json",
            "--out",
            "w/jur.json",
        ],
    );
    let v = ok(
        d,
        &[
            "agency",
            "verify-jurisdiction",
            "--circuit",
            "jurisdiction-2",
            "--registry",
            "w/registry.json",
            "--request",
            "w/jreq.json",
            "w/jur.json",
        ],
    );
    assert!(v.starts_with("ACCEPTED"), "{v}");
    // The same proof against a request naming another model.
    ok(
        d,
        &[
            "agency",
            "jurisdiction-request",
            "--importer",
            "ACME-DC",
            "--deployment",
            "CHAT-EU-1",
            "--model-commitment",
            "0x05",
            "--epoch",
            "202611",
            "--max-tier",
            "1",
            "--out",
            "w/jreq2.json",
        ],
    );
    fails(
        d,
        &[
            "agency",
            "verify-jurisdiction",
            "--circuit",
            "jurisdiction-2",
            "--registry",
            "w/registry.json",
            "--request",
            "w/jreq2.json",
            "w/jur.json",
        ],
        1,
        "model_commitment",
    );
}
