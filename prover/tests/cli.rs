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

/// `zkcc verify` against the sample registry and the agency's key (shape
/// 16x5 in `keys/`), plus `extra` arguments.
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
        "--chips",
        "16",
        "--facilities",
        "5",
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
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: inventory: the attestation of ")
            && stderr.ends_with(" is not signed yet (zkcc auditor attest)\n"),
        "{stderr}"
    );
    assert!(!d.join("bundle.json").exists());

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
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the claim does not hold: 12 active chips exceed the cap of 11\n"
    );
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
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("DECISION: DENY "), "{stdout}");
    assert!(stdout.contains("  - quota is 0: denied\n"), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Another epoch: rejected, exit 1.
    let out = zkcc(d, &verify_args("202612", &nonce, "bundle.json", &[]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "REJECTED: verification: statement epoch is 202611, the agency expects 202612\n"
    );

    // The agency names the key; the bundle does not choose it.
    let vk_args = |vk: &'static str| -> Vec<String> {
        [
            "verify",
            "--vk",
            vk,
            "--registry",
            "w/registry.json",
            "--epoch",
            "202611",
            "--nonce",
            &nonce,
            "bundle.json",
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |args: &[String]| zkcc(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(&vk_args("keys/cluster-16x5.vk"));
    assert!(out.status.success(), "{out:?}");
    // The agency expects another shape: rejected before any key is loaded.
    let mut args = verify_args("202611", &nonce, "bundle.json", &[]);
    args[4] = "8";
    let out = zkcc(d, &args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "REJECTED: verification: bundle claims circuit shape 16x5, the agency verifies shape 8x5\n"
    );
    // A bundle claiming the agency's shape, made under another key.
    let golden_vk = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../verifier/tests/data/cluster-4x1.vk"
    );
    let out = run(&vk_args(golden_vk));
    assert_eq!(out.status.code(), Some(1));
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("bundle.json")).unwrap()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "REJECTED: verification: bundle is for circuit {}, the verifying key is circuit 17223c3a5c75e6d284aa1f0dbedbb2b40233a573ba0afb908d445a74eafcba1b\n",
            bundle["circuit_id"].as_str().unwrap()
        )
    );
    // --vk with a shape is a usage error.
    let mut args = vk_args("keys/cluster-16x5.vk");
    args.extend(["--chips".to_string(), "16".to_string()]);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: the argument '--vk <VK>' cannot be used with '--chips <CHIPS>'"));

    // The policy must be the registry's (version 3 in the sample): refused
    // with exit 2 before verifying, no report written, an old one kept.
    std::fs::write(d.join("report.json"), "previous").unwrap();
    let mut p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("w/policy.json")).unwrap()).unwrap();
    p["policy_version"] = 4.into();
    std::fs::write(d.join("v4.json"), p.to_string()).unwrap();
    let out = zkcc(
        d,
        &verify_args(
            "202611",
            &nonce,
            "bundle.json",
            &[
                "--policy",
                "v4.json",
                "--country",
                "FR",
                "--report",
                "report.json",
            ],
        ),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: verification: policy version 4 is not the registry's policy version 3: no decision under a policy the registry does not commit to\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        std::fs::read_to_string(d.join("report.json")).unwrap(),
        "previous"
    );
    // A malformed policy is bad input (exit 2), not a rejected bundle.
    p["policy_version"] = 3.into();
    p["tiers"]["1"] = serde_json::json!({});
    std::fs::write(d.join("bad-policy.json"), p.to_string()).unwrap();
    let out = zkcc(
        d,
        &verify_args(
            "202611",
            &nonce,
            "bundle.json",
            &[
                "--policy",
                "bad-policy.json",
                "--country",
                "FR",
                "--report",
                "report.json",
            ],
        ),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: verification: policy: missing field `max_quota_chips`"));
    // A report into a directory that is in the way: exit 2, nothing clobbered.
    std::fs::create_dir(d.join("dir.json")).unwrap();
    let out = zkcc(
        d,
        &verify_args(
            "202611",
            &nonce,
            "bundle.json",
            &[
                "--policy",
                "w/policy.json",
                "--country",
                "FR",
                "--report",
                "dir.json",
            ],
        ),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: dir.json: dir.json is a directory\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("report.json")).unwrap(),
        "previous"
    );

    // Bad input: exit 2 with the file named.
    let out = zkcc(d, &["registry", "w/missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: w/missing.json: No such file or directory (os error 2)\n"
    );
    std::fs::write(d.join("bad.json"), "{\"version\": 1}").unwrap();
    let out = zkcc(d, &verify_args("1", "0x1", "bad.json", &[]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: verification: bundle is not valid JSON of the bundle format: missing field `claim` at line 1 column 14\n"
    );
    let out = zkcc(d, &verify_args("1", "0xnope", "bundle.json", &[]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    // A failed prove run keeps the earlier bundle.
    let before = std::fs::read(d.join("bundle.json")).unwrap();
    assert_eq!(prove("11").status.code(), Some(1));
    assert_eq!(std::fs::read(d.join("bundle.json")).unwrap(), before);
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The verbs that need no keys, on bad input: exit 2 with the reason, and
/// nothing written or clobbered.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["sample", "--out", "w", "--chips", "12"]);
    let inventory = std::fs::read(d.join("w/inventory.json")).unwrap();

    // auditor keygen: an id that is not a label; an output path in the way.
    let out = zkcc(d, &["auditor", "keygen", "--id", "", "--out", "k.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("k.json").exists());
    std::fs::create_dir(d.join("taken.json")).unwrap();
    let out = zkcc(
        d,
        &[
            "auditor",
            "keygen",
            "--id",
            "AUDIT-X",
            "--out",
            "taken.json",
        ],
    );
    assert_eq!(
        code_and_stderr(&out),
        (
            Some(2),
            "error: taken.json: taken.json is a directory\n".into()
        )
    );
    let out = ok(
        d,
        &["auditor", "keygen", "--id", "AUDIT-X", "--out", "k.json"],
    );
    assert!(out.contains("\"id\": \"AUDIT-X\""), "{out}");

    // auditor attest: a key the registry does not accredit, a missing key,
    // a corrupt key file: the inventory is left as it was.
    let attest = |key: &str| {
        zkcc(
            d,
            &[
                "auditor",
                "attest",
                "--key",
                key,
                "--registry",
                "w/registry.json",
                "--inventory",
                "w/inventory.json",
            ],
        )
    };
    assert_eq!(
        code_and_stderr(&attest("k.json")),
        (
            Some(2),
            "error: keys: auditor AUDIT-X is not accredited in this registry\n".into()
        )
    );
    assert_eq!(
        code_and_stderr(&attest("nokey.json")),
        (
            Some(2),
            "error: nokey.json: No such file or directory (os error 2)\n".into()
        )
    );
    std::fs::write(
        d.join("corrupt.json"),
        "{\"version\": 1, \"id\": \"AUDIT-EU-01\"",
    )
    .unwrap();
    let (code, err) = code_and_stderr(&attest("corrupt.json"));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: corrupt.json: EOF while parsing"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(d.join("w/inventory.json")).unwrap(),
        inventory
    );

    // commit: a missing inventory; an existing secret is not clobbered.
    std::fs::write(d.join("secret.json"), "earlier secret").unwrap();
    let commit = |inv: &str| {
        zkcc(
            d,
            &[
                "commit",
                "--registry",
                "w/registry.json",
                "--inventory",
                inv,
                "--out",
                "secret.json",
            ],
        )
    };
    assert_eq!(
        code_and_stderr(&commit("w/none.json")),
        (
            Some(2),
            "error: w/none.json: No such file or directory (os error 2)\n".into()
        )
    );
    std::fs::write(d.join("not-inventory.json"), "[1, 2]").unwrap();
    let (code, err) = code_and_stderr(&commit("not-inventory.json"));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: not-inventory.json: invalid type: "),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("secret.json")).unwrap(),
        "earlier secret"
    );

    // registry: not JSON.
    std::fs::write(d.join("reg.json"), "registry").unwrap();
    let (code, err) = code_and_stderr(&zkcc(d, &["registry", "reg.json"]));
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: registry: "), "{err}");

    // prove: a bad nonce, missing keys; no bundle is written.
    let prove = |nonce: &str| {
        zkcc(
            d,
            &[
                "prove",
                "--chips",
                "16",
                "--facilities",
                "5",
                "--keys",
                "nokeys",
                "--registry",
                "w/registry.json",
                "--inventory",
                "w/inventory.json",
                "--secret",
                "secret.json",
                "--cap",
                "12",
                "--nonce",
                nonce,
                "--out",
                "bundle.json",
            ],
        )
    };
    let (code, err) = code_and_stderr(&prove("0xnope"));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: secret.json: expected value"),
        "{err}"
    );
    ok(
        d,
        &[
            "commit",
            "--registry",
            "w/registry.json",
            "--inventory",
            "w/inventory.json",
            "--out",
            "secret.json",
        ],
    );
    let (code, err) = code_and_stderr(&prove("0xnope"));
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: "), "{err}");
    assert!(!d.join("bundle.json").exists());

    // sample: the output directory is a file.
    std::fs::write(d.join("file"), "x").unwrap();
    let (code, err) = code_and_stderr(&zkcc(d, &["sample", "--out", "file"]));
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: file/registry.json: "), "{err}");

    // Usage errors.
    for args in [
        &["frobnicate"][..],
        &["nonce", "extra"],
        &["demo", "--seed", "x"],
        &["verify", "bundle.json"],
    ] {
        let out = zkcc(d, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{args:?}"
        );
    }
    // Nothing but what the test wrote and the good runs made.
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "corrupt.json",
            "file",
            "k.json",
            "not-inventory.json",
            "reg.json",
            "secret.json",
            "taken.json",
            "w"
        ]
    );
}
