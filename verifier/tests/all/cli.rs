//! `zkcc-verify` as the agency runs it: the built binary on the golden
//! submission, keys, registry, ledger and request (`tests/data/`, see
//! `tests/golden.rs`) and on files written here. Exit codes: 0 accepted
//! (granted), 1 rejected (denied) with the reason on stdout, 2 bad input with
//! the reason on stderr, 3 a file that cannot be written — and a failed run leaves no output file
//! half-written and clobbers none. `ZKCC_VERIFY_BIN` runs them against another
//! build of the binary (see [`binary`]).
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;
use zkcc_verifier::access::{Outcome, Report, SAMPLE_ACCESS_POLICY};
use zkcc_verifier::submission::Submission;

/// The golden files, and their names in a scratch directory.
const GOLDEN_NAMES: [(&str, &str); 6] = [
    ("shard-3x4.vk", "shard-3x4.vk"),
    ("request-3x3.vk", "request-3x3.vk"),
    ("registry.json", "registry.json"),
    ("ledger.json", "ledger.json"),
    ("request.json", "request.json"),
    ("submission.json", "submission.json"),
];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Exit code, stdout, stderr.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The binary under test: cargo's build of it for this test, or — CI sets
/// `ZKCC_VERIFY_BIN` (an absolute path) — the one built from the verifier
/// crate alone, as the agency builds it (zkcc-circuits without `r1cs`).
fn binary() -> PathBuf {
    match std::env::var_os("ZKCC_VERIFY_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_zkcc-verify")),
    }
}

fn zkcc_verify(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(binary())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zkcc-verify runs");
    Out {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch directory holding copies of the golden files and the sample
/// access policy (`access-policy.json`).
fn scratch() -> TempDir {
    let t = tempfile::tempdir().unwrap();
    for (from, to) in GOLDEN_NAMES {
        std::fs::copy(data(from), t.path().join(to)).unwrap();
    }
    std::fs::write(t.path().join("access-policy.json"), SAMPLE_ACCESS_POLICY).unwrap();
    t
}

/// `zkcc-verify submission` with the agency's golden files, then `rest`.
fn submission<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "submission",
        "--shard-vk",
        "shard-3x4.vk",
        "--request-vk",
        "request-3x3.vk",
        "--registry",
        "registry.json",
        "--ledger",
        "ledger.json",
        "--request",
        "request.json",
    ];
    v.extend_from_slice(rest);
    v
}

fn golden_submission() -> Submission {
    Submission::from_json(&std::fs::read_to_string(data("submission.json")).unwrap()).unwrap()
}

fn assert_exit(o: &Out, code: i32) {
    assert_eq!(
        o.code,
        Some(code),
        "stdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
}

/// Asserts the exit code and the whole of the stream that speaks for it:
/// stdout for 0 and 1, stderr for 2 and 3.
fn assert_says(o: &Out, code: i32, text: &str) {
    assert_exit(o, code);
    let said = if code < 2 { &o.stdout } else { &o.stderr };
    assert_eq!(said, text);
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `zkcc-verify submission` on `bundle` under the access policy file
/// `policy`, the report to `report.json`.
fn with_policy(d: &Path, policy: &str, bundle: &str) -> Out {
    zkcc_verify(
        d,
        &submission(&["--policy", policy, "--report", "report.json", bundle]),
    )
}

/// `zkcc-verify snarkjs-export` of `bundle` under `vk` into directory `out`.
fn export(d: &Path, vk: &str, bundle: &str, out: &str) -> Out {
    zkcc_verify(
        d,
        &[
            "snarkjs-export",
            "--vk",
            vk,
            "--bundle",
            bundle,
            "--out",
            out,
        ],
    )
}

/// `zkcc-verify snarkjs-import` of `vk_json` (16 inputs) into `out`.
fn import(d: &Path, vk_json: &str, out: &str) -> Out {
    zkcc_verify(
        d,
        &[
            "snarkjs-import",
            "--vk-json",
            vk_json,
            "--inputs",
            "16",
            "--out",
            out,
        ],
    )
}

/// Writes `value` as pretty JSON to `path`.
fn write_json(path: &Path, value: &impl serde::Serialize) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// Asserts that `text` (a run's stdout or stderr) starts with `prefix`.
fn assert_starts(text: &str, prefix: &str) {
    assert!(text.starts_with(prefix), "{text}");
}

fn report(d: &Path, name: &str) -> Report {
    serde_json::from_str(&std::fs::read_to_string(d.join(name)).unwrap()).unwrap()
}

#[test]
fn golden_submission_is_accepted_and_granted() {
    let t = scratch();
    let d = t.path();
    let sub = golden_submission();
    let o = zkcc_verify(d, &submission(&["submission.json"]));
    assert_exit(&o, 0);
    assert!(
        o.stdout.starts_with(&format!(
            "ACCEPTED: submission.json: ACME-DC (epoch 7): all 8 ledger chips located exactly \
             once in 3 attested facilities (2 shards, commitment {}); rules proven: ",
            sub.commitment
        )),
        "{}",
        o.stdout
    );
    assert_eq!(o.stdout.lines().count(), 1);
    assert_eq!(o.stderr, "");
    // With the access policy: granted, and the report written.
    let o = with_policy(d, "access-policy.json", "submission.json");
    assert_exit(&o, 0);
    assert!(o.stdout.contains("DECISION: GRANT ACME-DC"), "{}", o.stdout);
    assert!(o.stdout.ends_with("report: report.json\n"), "{}", o.stdout);
    let r = report(d, "report.json");
    assert_eq!(r.decision.outcome, Outcome::Grant);
    assert_eq!(r.decision.rule.as_deref(), Some("validated-end-user"));
    assert_eq!(r.decision.quota_chips, 100_000);
}

/// The lifecycle options of `zkcc-verify submission` (the same as `zkcc
/// verify`'s): the claims are read and enter the decision — here the golden
/// registry lists no suite and the golden request is for epoch 7, so an
/// evaluation and a jurisdiction claim are set aside, each with its reason,
/// and the fleet rule still grants; a claim file that is not a claim, or
/// that does not exist, is the agency's own broken file (exit 2, named);
/// the options without `--policy` are a usage error (exit 2).
#[test]
fn lifecycle_claims_enter_the_decision() {
    let t = scratch();
    let d = t.path();
    let evaluation = zkcc_verifier::lifecycle::VerifiedEvaluation {
        importer: "ACME-DC".into(),
        suite: "FRONTIER-2026".into(),
        suite_version: 1,
        evals: 3,
        deployment_date: 20261201,
        not_before: 20251201,
        model_commitment: "0x05".into(),
    };
    let jurisdiction = zkcc_verifier::lifecycle::VerifiedJurisdiction {
        importer: "ACME-DC".into(),
        deployment: "CHAT-EU-1".into(),
        model_commitment: "0x05".into(),
        epoch: 202611,
        max_tier: 1,
    };
    write_json(&d.join("eval.json"), &evaluation);
    write_json(&d.join("jur.json"), &jurisdiction);
    let claims = [
        "--policy",
        "access-policy.json",
        "--evaluation-claim",
        "eval.json",
        "--jurisdiction-claim",
        "jur.json",
        "--decision-date",
        "20261201",
    ];
    let o = zkcc_verify(
        d,
        &submission(&[&claims[..], &["submission.json"]].concat()),
    );
    assert_exit(&o, 0);
    assert!(o.stdout.contains("DECISION: GRANT ACME-DC"), "{}", o.stdout);
    for why in [
        "  - evaluation of model 0x05 set aside: it passed suite FRONTIER-2026 v1, the registry lists no such suite\n",
        "  - jurisdiction of deployment CHAT-EU-1 set aside: it is for epoch 202611, the decision for epoch 7\n",
    ] {
        assert!(o.stdout.contains(why), "{why:?} not in {}", o.stdout);
    }
    let without = zkcc_verify(
        d,
        &submission(&["--policy", "access-policy.json", "submission.json"]),
    );
    assert!(!without.stdout.contains("set aside"), "{}", without.stdout);

    std::fs::write(d.join("bad.json"), "{\"importer\": \"ACME-DC\"}").unwrap();
    let o = zkcc_verify(
        d,
        &submission(&[
            "--policy",
            "access-policy.json",
            "--evaluation-claim",
            "bad.json",
            "submission.json",
        ]),
    );
    assert_says(
        &o,
        2,
        "error: bad.json: missing field `suite` at line 1 column 23\n",
    );
    assert_eq!(o.stdout, "");
    let o = zkcc_verify(
        d,
        &submission(&[
            "--policy",
            "access-policy.json",
            "--jurisdiction-claim",
            "none.json",
            "submission.json",
        ]),
    );
    assert_says(
        &o,
        2,
        "error: none.json: No such file or directory (os error 2)\n",
    );
    let o = zkcc_verify(
        d,
        &submission(&["--evaluation-claim", "eval.json", "submission.json"]),
    );
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .contains("the following required arguments were not provided")
            && o.stderr.contains("--policy"),
        "{}",
        o.stderr
    );
}

#[test]
fn rejected_submissions_exit_1_with_the_reason() {
    let t = scratch();
    let d = t.path();
    let write = |name: &str, s: &Submission| std::fs::write(d.join(name), s.to_json()).unwrap();
    // Shard 0's proof under shard 1's statement: shard 1 is named.
    let mut s = golden_submission();
    s.shards[1].proof = s.shards[0].proof.clone();
    write("swapped.json", &s);
    let o = zkcc_verify(d, &submission(&["swapped.json"]));
    assert_says(
        &o,
        1,
        "REJECTED: swapped.json: shard 1: proof does not verify for this statement\n",
    );
    // An answer to another nonce.
    let mut s = golden_submission();
    s.request.public_inputs.nonce = "0x01".into();
    write("nonce.json", &s);
    let o = zkcc_verify(d, &submission(&["nonce.json"]));
    assert_exit(&o, 1);
    assert_starts(&o.stdout, "REJECTED: nonce.json: statement nonce is 0x");
    // A version-1 file (the retired claim) is refused with a message.
    std::fs::write(
        d.join("v1.json"),
        r#"{ "version": 1, "claim": "old", "importer": "ACME-DC" }"#,
    )
    .unwrap();
    let o = zkcc_verify(d, &submission(&["v1.json"]));
    assert_exit(&o, 1);
    assert!(
        o.stdout.starts_with(
            "REJECTED: v1.json: unsupported bundle: version 1 bundles (the retired claim"
        ),
        "{}",
        o.stdout
    );
    // With the policy: a denial, and the report says why.
    let o = with_policy(d, "access-policy.json", "swapped.json");
    assert_exit(&o, 1);
    assert!(o.stdout.contains("DECISION: DENY ACME-DC"), "{}", o.stdout);
    let r = report(d, "report.json");
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert_eq!(r.decision.quota_chips, 0);
    assert!(
        r.rejected.as_deref().unwrap_or("").contains("shard 1"),
        "{r:?}"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let t = scratch();
    let d = t.path();
    // No subcommand: the single-bundle mode of the retired claim is gone.
    let o = zkcc_verify(d, &["--vk", "request-3x3.vk", "submission.json"]);
    assert_exit(&o, 2);
    assert_starts(&o.stderr, "error: unexpected argument '--vk' found");
    let o = zkcc_verify(d, &[]);
    assert_exit(&o, 2);
    assert!(
        // (clap names the binary by its file name: another build's copy may differ)
        o.stderr.contains("Usage: zkcc-verify") && o.stderr.contains(" <COMMAND>"),
        "{}",
        o.stderr
    );
    // The agency's own files.
    let o = zkcc_verify(d, &submission(&["missing.json"]));
    assert_says(
        &o,
        2,
        "error: missing.json: No such file or directory (os error 2)\n",
    );
    std::fs::write(d.join("notjson.json"), "registry?").unwrap();
    let mut args = submission(&["submission.json"]);
    args[6] = "notjson.json";
    let o = zkcc_verify(d, &args);
    assert_says(&o, 2, "error: notjson.json: registry is not valid JSON of the registry format: expected value at line 1 column 1\n");
    // A truncated key.
    let vk = std::fs::read(d.join("request-3x3.vk")).unwrap();
    std::fs::write(d.join("request-3x3.vk"), &vk[..vk.len() - 1]).unwrap();
    let o = zkcc_verify(d, &submission(&["submission.json"]));
    assert_exit(&o, 2);
    assert_starts(
        &o.stderr,
        "error: request-3x3.vk: verifying key encoding invalid: ",
    );
    std::fs::write(d.join("request-3x3.vk"), &vk).unwrap();
    // The shard key where the request key belongs: the wrong input count.
    let mut args = submission(&["--request-shape", "3x3", "submission.json"]);
    args[4] = "shard-3x4.vk";
    let o = zkcc_verify(d, &args);
    assert_says(
        &o,
        2,
        "error: shard-3x4.vk: verifying key has 7 public inputs, the claim has 16\n",
    );
    // A policy the registry does not commit to: refused before anything is
    // verified; an existing report is kept.
    std::fs::write(d.join("report.json"), "previous").unwrap();
    std::fs::write(
        d.join("policy4.json"),
        SAMPLE_ACCESS_POLICY.replacen("\"policy_version\": 3", "\"policy_version\": 4", 1),
    )
    .unwrap();
    let o = with_policy(d, "policy4.json", "submission.json");
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .contains("policy version 4 is not the registry's policy version 3"),
        "{}",
        o.stderr
    );
    assert_eq!(o.stdout, "");
    assert_eq!(
        std::fs::read_to_string(d.join("report.json")).unwrap(),
        "previous"
    );
    // Flags.
    let o = zkcc_verify(d, &submission(&["--frobnicate", "submission.json"]));
    assert_exit(&o, 2);
    assert_starts(&o.stderr, "error: unexpected argument '--frobnicate' found");
    let o = zkcc_verify(d, &["submission", "submission.json"]);
    assert_exit(&o, 2);
    assert_starts(
        &o.stderr,
        "error: the following required arguments were not provided:",
    );
}

#[test]
fn snarkjs_verbs_round_trip() {
    let t = scratch();
    let d = t.path();
    let sub = golden_submission();
    write_json(&d.join("request-bundle.json"), &sub.request);
    write_json(&d.join("shard-bundle.json"), &sub.shards[0]);
    let export = |vk: &str, bundle: &str, out: &str| export(d, vk, bundle, out);
    let sj_verify = |dir: &str, inputs: &str| {
        zkcc_verify(
            d,
            &[
                "snarkjs-verify",
                "--vk-json",
                &format!("{dir}/verification_key.json"),
                "--proof",
                &format!("{dir}/proof.json"),
                "--public",
                &format!("{dir}/public.json"),
                "--inputs",
                inputs,
            ],
        )
    };
    let o = export("request-3x3.vk", "request-bundle.json", "sj");
    assert_says(
        &o,
        0,
        "wrote sj/verification_key.json, proof.json, public.json\n",
    );
    assert_eq!(
        listing(&d.join("sj")),
        ["proof.json", "public.json", "verification_key.json"]
    );
    let o = sj_verify("sj", "16");
    assert_says(&o, 0, "ACCEPTED: the snarkjs proof verifies\n");
    // A shard bundle exports under the shard key.
    let o = export("shard-3x4.vk", "shard-bundle.json", "sj-shard");
    assert_exit(&o, 0);
    assert_exit(&sj_verify("sj-shard", "7"), 0);
    // …and not under the request key.
    let o = export("request-3x3.vk", "shard-bundle.json", "sj-wrong");
    assert_says(
        &o,
        2,
        "error: request-3x3.vk: verifying key has 16 public inputs, the claim has 7\n",
    );
    assert!(!d.join("sj-wrong").exists());
    // Import gives back the very key file.
    let o = import(d, "sj/verification_key.json", "back.vk");
    assert_says(
        &o,
        0,
        &format!("wrote back.vk (circuit id {})\n", sub.request.circuit_id),
    );
    assert_eq!(
        std::fs::read(d.join("back.vk")).unwrap(),
        std::fs::read(data("request-3x3.vk")).unwrap()
    );
    // Another nonce in public.json: rejected, exit 1.
    std::fs::create_dir(d.join("bad")).unwrap();
    for f in ["verification_key.json", "proof.json"] {
        std::fs::copy(d.join("sj").join(f), d.join("bad").join(f)).unwrap();
    }
    let mut public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("sj/public.json")).unwrap()).unwrap();
    public[5] = "1".into();
    write_json(&d.join("bad/public.json"), &public);
    let o = sj_verify("bad", "16");
    assert_says(
        &o,
        1,
        "REJECTED: proof does not verify for this statement\n",
    );
    // A public input ≥ r is malformed, not reduced.
    public[5] =
        "21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
    write_json(&d.join("bad/public.json"), &public);
    let o = sj_verify("bad", "16");
    assert_says(&o, 1, "REJECTED: snarkjs public.json: input 5: 21888242871839275222246405745257275088548364400416034343698204186575808495617 is not below the field modulus\n");
    // The input count is the agency's to give: a key for 16 inputs is not
    // one for 7.
    let o = sj_verify("sj", "7");
    assert_says(
        &o,
        1,
        "REJECTED: verifying key has 16 public inputs, the claim has 7\n",
    );
}

#[test]
fn snarkjs_failures_write_nothing_and_clobber_nothing() {
    let t = scratch();
    let d = t.path();
    write_json(&d.join("bundle.json"), &golden_submission().request);
    let export = |bundle: &str, out: &str| export(d, "request-3x3.vk", bundle, out);
    // A bundle that does not parse: no directory is made.
    std::fs::write(d.join("garbage.json"), "{").unwrap();
    let o = export("garbage.json", "sj");
    assert_says(&o, 2, "error: garbage.json: bundle is not valid JSON of the bundle format: EOF while parsing an object at line 1 column 1\n");
    assert!(!d.join("sj").exists());
    // A bad proof in the bundle: the same.
    let mut b = golden_submission().request;
    b.proof.truncate(10);
    write_json(&d.join("short.json"), &b);
    let o = export("short.json", "sj");
    assert_exit(&o, 2);
    assert_starts(&o.stderr, "error: short.json: proof encoding invalid: ");
    assert!(!d.join("sj").exists());
    // An existing export whose public.json cannot be replaced (a directory
    // is in the way): the other two files keep their old contents.
    std::fs::create_dir_all(d.join("old/public.json")).unwrap();
    std::fs::write(d.join("old/verification_key.json"), "old key").unwrap();
    std::fs::write(d.join("old/proof.json"), "old proof").unwrap();
    let o = export("bundle.json", "old");
    assert_exit(&o, 3); // I/O: the file exists but cannot be written
    assert_eq!(o.stderr, "error: old: old/public.json is a directory\n");
    assert_eq!(
        std::fs::read_to_string(d.join("old/verification_key.json")).unwrap(),
        "old key"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("old/proof.json")).unwrap(),
        "old proof"
    );
    assert_eq!(
        listing(&d.join("old")),
        ["proof.json", "public.json", "verification_key.json"]
    );
    // Import of a truncated verification_key.json: the key file is untouched.
    let o = export("bundle.json", "sj");
    assert_exit(&o, 0);
    let vk_json = std::fs::read_to_string(d.join("sj/verification_key.json")).unwrap();
    std::fs::write(
        d.join("sj/verification_key.json"),
        &vk_json[..vk_json.len() / 2],
    )
    .unwrap();
    std::fs::write(d.join("existing.vk"), "precious").unwrap();
    let o = import(d, "sj/verification_key.json", "existing.vk");
    assert_exit(&o, 2);
    assert_starts(
        &o.stderr,
        "error: sj/verification_key.json: snarkjs verification_key.json: ",
    );
    assert_eq!(
        std::fs::read_to_string(d.join("existing.vk")).unwrap(),
        "precious"
    );
    // Missing input files are exit 2 for import and export alike.
    let o = export("missing.json", "sj2");
    assert_says(
        &o,
        2,
        "error: missing.json: No such file or directory (os error 2)\n",
    );
    assert!(!d.join("sj2").exists());
    // And nothing but the files this test wrote is left behind (no
    // temporary files).
    let mut want = vec![
        "access-policy.json",
        "bundle.json",
        "existing.vk",
        "garbage.json",
        "old",
        "short.json",
        "sj",
    ];
    want.extend(GOLDEN_NAMES.map(|(_, to)| to));
    want.sort();
    assert_eq!(listing(d), want);
    assert_eq!(
        listing(&d.join("sj")),
        ["proof.json", "public.json", "verification_key.json"]
    );
}
