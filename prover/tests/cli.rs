//! The `zkcc` command line as a user runs it: every role, exit codes, errors.
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

/// `zkcc verify` against the sample registry and keys, plus `extra` arguments.
fn verify_args<'a>(
    epoch: &'a str,
    nonce: &'a str,
    bundle: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "verify",
        "--keys",
        "keys",
        "--registry",
        "w/registry.json",
        "--epoch",
        epoch,
        "--nonce",
        nonce,
        bundle,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn every_role_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["sample", "--out", "w", "--chips", "12"]);
    let root = ok(d, &["registry", "w/registry.json"]);
    assert!(root.trim().starts_with("0x") && root.trim().len() == 66);

    // Unsigned attestations: commit works, proving does not.
    ok(
        d,
        &[
            "commit",
            "--registry",
            "w/registry.json",
            "--inventory",
            "w/inventory.json",
            "--out",
            "w/secret.json",
        ],
    );
    ok(
        d,
        &[
            "setup",
            "--chips",
            "16",
            "--facilities",
            "5",
            "--out",
            "keys",
        ],
    );
    let nonce = ok(d, &["nonce"]).trim().to_string();
    let prove = |cap: &str| {
        zkcc(
            d,
            &[
                "prove",
                "--chips",
                "16",
                "--facilities",
                "5",
                "--keys",
                "keys",
                "--registry",
                "w/registry.json",
                "--inventory",
                "w/inventory.json",
                "--secret",
                "w/secret.json",
                "--cap",
                cap,
                "--nonce",
                &nonce,
                "--out",
                "bundle.json",
            ],
        )
    };
    let out = prove("12");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not signed"));

    for id in ["AUDIT-EU-01", "AUDIT-ME-02"] {
        let key = format!("w/auditors/{id}.key.json");
        ok(
            d,
            &[
                "auditor",
                "attest",
                "--key",
                &key,
                "--registry",
                "w/registry.json",
                "--inventory",
                "w/inventory.json",
            ],
        );
    }
    // The secret no longer opens the (now signed but identical) records? It does:
    // signatures are not part of the commitment.
    assert!(prove("12").status.success());
    // cap − 1: the claim does not hold, exit 1, before any proving work.
    let out = prove("11");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exceed the cap"));
    assert!(prove("12").status.success());

    let accepted = ok(d, &verify_args("202611", &nonce, "bundle.json", &[]));
    assert!(accepted.starts_with("ACCEPTED"), "{accepted}");
    // Ending in a decision under the agency's policy, with a JSON report.
    let policy = ["--policy", "w/policy.json", "--country"];
    let decided = ok(
        d,
        &verify_args(
            "202611",
            &nonce,
            "bundle.json",
            &[&policy[..], &["FR", "--report", "report.json"]].concat(),
        ),
    );
    assert!(
        decided.contains("cluster-small") || decided.contains("attested-cluster"),
        "{decided}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["epoch"], 202611);
    // An embargoed country is denied: exit 1.
    let out = zkcc(
        d,
        &verify_args(
            "202611",
            &nonce,
            "bundle.json",
            &[&policy[..], &["KP"]].concat(),
        ),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Another epoch: rejected, exit 1.
    let out = zkcc(d, &verify_args("202612", &nonce, "bundle.json", &[]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("REJECTED"));

    // Bad input: exit 2 with the file named.
    let out = zkcc(d, &["registry", "w/missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
    std::fs::write(d.join("bad.json"), "{\"version\": 1}").unwrap();
    let out = zkcc(d, &verify_args("1", "0x1", "bad.json", &[]));
    assert_eq!(out.status.code(), Some(2));
    let out = zkcc(d, &verify_args("1", "0xnope", "bundle.json", &[]));
    assert_eq!(out.status.code(), Some(2));
}
