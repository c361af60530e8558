//! `zkcc-verify` as the agency runs it: the built binary on the golden key,
//! bundle, registry and policy (`tests/data/`) and on files written here.
//! Exit codes: 0 accepted (granted), 1 rejected (denied) with the reason on
//! stdout, 2 bad input with the reason on stderr — and a failed run leaves
//! no output file half-written and clobbers none. `.ci/test` runs these
//! tests a second time on the standalone build (see [`binary`]).
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;
use zkcc_verifier::policy::{Outcome, Report};
use zkcc_verifier::ProofBundle;

/// The golden statement: epoch 7, this nonce, the golden registry.
const EPOCH: &str = "7";
const NONCE: &str = "0x19499279d839b49714a19b5844abd54c7ee092b4700b6d459d10e43d7b57004d";
const COMMITMENT: &str = "0x2016185e499ad8f79ff1f8cbbab6923e8d8186b863d4eb9e5a0ca8c9df3226bc";
const CIRCUIT_ID: &str = "0c3c1c7de2415348ed30b62e9e1575fef08b4cd590922024d13a9e61a83766ea";

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

/// A scratch directory holding copies of the golden files under short names
/// (`key.vk`, `bundle.json`, `registry.json`, `policy.json`).
fn scratch() -> TempDir {
    let t = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("cluster-4x1.vk", "key.vk"),
        ("cluster-4x1.bundle.json", "bundle.json"),
        ("registry.json", "registry.json"),
        ("policy.json", "policy.json"),
    ] {
        std::fs::copy(data(from), t.path().join(to)).unwrap();
    }
    t
}

/// `zkcc-verify --vk key.vk --registry registry.json --epoch E --nonce N`,
/// then `rest`.
fn verify<'a>(epoch: &'a str, nonce: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "--vk",
        "key.vk",
        "--registry",
        "registry.json",
        "--epoch",
        epoch,
        "--nonce",
        nonce,
    ];
    v.extend_from_slice(rest);
    v
}

fn golden_bundle() -> ProofBundle {
    ProofBundle::from_json(&std::fs::read_to_string(data("cluster-4x1.bundle.json")).unwrap())
        .unwrap()
}

fn accepted_line(name: &str) -> String {
    format!(
        "ACCEPTED: {name}: ACME-DC holds at most 1 active chips, all attested inside authorized facilities, epoch 7 (commitment {COMMITMENT})\n"
    )
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

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn golden_bundle_is_accepted() {
    let t = scratch();
    let o = zkcc_verify(t.path(), &verify(EPOCH, NONCE, &["bundle.json"]));
    assert_exit(&o, 0);
    assert_eq!(o.stdout, accepted_line("bundle.json"));
    assert_eq!(o.stderr, "");
}

#[test]
fn rejected_bundles_exit_1_with_the_reason() {
    let t = scratch();
    let d = t.path();
    let golden = golden_bundle();
    // Tampered proof: A negated (the sign flag of its compressed encoding),
    // still a valid point, so the pairing check is what fails.
    let mut b = golden.clone();
    let mut bytes = hex::decode(&b.proof).unwrap();
    bytes[31] ^= 0x80;
    b.proof = hex::encode(bytes);
    std::fs::write(d.join("tampered.json"), b.to_json()).unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["tampered.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: tampered.json: proof does not verify for this statement\n"
    );
    // Another cap in the statement: the proof no longer proves it.
    let mut b = golden.clone();
    b.public_inputs.cap = 2;
    std::fs::write(d.join("cap.json"), b.to_json()).unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["cap.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: cap.json: proof does not verify for this statement\n"
    );
    // Proof bytes that are not a proof.
    let mut b = golden.clone();
    b.proof.truncate(200);
    std::fs::write(d.join("short.json"), b.to_json()).unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["short.json"]));
    assert_exit(&o, 1);
    assert!(
        o.stdout
            .starts_with("REJECTED: short.json: proof encoding invalid: "),
        "{}",
        o.stdout
    );
    // The agency issued another nonce; it audits another epoch.
    let other = format!("0x{}1", "0".repeat(63));
    let o = zkcc_verify(d, &verify(EPOCH, &other, &["bundle.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        format!("REJECTED: bundle.json: statement nonce is {NONCE}, the agency expects {other}\n")
    );
    let o = zkcc_verify(d, &verify("8", NONCE, &["bundle.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: bundle.json: statement epoch is 7, the agency expects 8\n"
    );
    // A bundle made for another key.
    let mut b = golden.clone();
    b.circuit_id = "00".repeat(32);
    std::fs::write(d.join("circuit.json"), b.to_json()).unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["circuit.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        format!(
            "REJECTED: circuit.json: bundle is for circuit {}, the verifying key is circuit {CIRCUIT_ID}\n",
            "00".repeat(32)
        )
    );
    // A submission that is not a bundle is the importer's to fix: rejected
    // (exit 1, with the parser's reason), not a usage error.
    std::fs::write(d.join("garbage.json"), "not json").unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["garbage.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: garbage.json: bundle is not valid JSON of the bundle format: expected ident at line 1 column 2\n"
    );
    // In a batch, the good bundle is still accepted, the run is rejected.
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["bundle.json", "tampered.json"]));
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        format!(
            "{}REJECTED: tampered.json: proof does not verify for this statement\n",
            accepted_line("bundle.json")
        )
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let t = scratch();
    let d = t.path();
    let stderr_is = |args: Vec<&str>, want: &str| {
        let o = zkcc_verify(d, &args);
        assert_exit(&o, 2);
        assert_eq!(o.stderr, want, "{args:?}");
        assert_eq!(o.stdout, "", "{args:?}");
    };
    stderr_is(
        verify(EPOCH, NONCE, &["missing.json"]),
        "error: missing.json: No such file or directory (os error 2)\n",
    );
    std::fs::write(d.join("notjson.json"), "registry?").unwrap();
    stderr_is(
        vec![
            "--vk",
            "key.vk",
            "--registry",
            "notjson.json",
            "--epoch",
            EPOCH,
            "--nonce",
            NONCE,
            "bundle.json",
        ],
        "error: notjson.json: registry is not valid JSON of the registry format: expected value at line 1 column 1\n",
    );
    let o = zkcc_verify(d, &verify(EPOCH, "0xzz", &["bundle.json"]));
    assert_exit(&o, 2);
    assert!(o.stderr.starts_with("error: --nonce: "), "{}", o.stderr);
    // A nonce ≥ r is not silently reduced.
    let o = zkcc_verify(
        d,
        &verify(EPOCH, &format!("0x{}", "f".repeat(64)), &["bundle.json"]),
    );
    assert_exit(&o, 2);
    assert!(o.stderr.starts_with("error: --nonce: "), "{}", o.stderr);
    // A truncated key.
    let vk = std::fs::read(d.join("key.vk")).unwrap();
    std::fs::write(d.join("key.vk"), &vk[..vk.len() - 1]).unwrap();
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["bundle.json"]));
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: key.vk: verifying key encoding invalid: "),
        "{}",
        o.stderr
    );
    std::fs::write(d.join("key.vk"), &vk).unwrap();
    // Flags.
    let o = zkcc_verify(d, &verify(EPOCH, NONCE, &["--frobnicate", "bundle.json"]));
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: unexpected argument '--frobnicate' found"),
        "{}",
        o.stderr
    );
    let o = zkcc_verify(d, &["--vk", "key.vk", "bundle.json"]);
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: the following required arguments were not provided:"),
        "{}",
        o.stderr
    );
    let o = zkcc_verify(d, &verify("seven", NONCE, &["bundle.json"]));
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: invalid value 'seven' for '--epoch <EPOCH>'"),
        "{}",
        o.stderr
    );
}

#[test]
fn snarkjs_verbs_round_trip() {
    let t = scratch();
    let d = t.path();
    let o = zkcc_verify(
        d,
        &[
            "snarkjs-export",
            "--vk",
            "key.vk",
            "--bundle",
            "bundle.json",
            "--out",
            "sj",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(
        o.stdout,
        "wrote sj/verification_key.json, proof.json, public.json\n"
    );
    assert_eq!(
        listing(&d.join("sj")),
        ["proof.json", "public.json", "verification_key.json"]
    );
    let sj_verify = |dir: &str| {
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
            ],
        )
    };
    let o = sj_verify("sj");
    assert_exit(&o, 0);
    assert_eq!(o.stdout, "ACCEPTED: the snarkjs proof verifies\n");
    // Import gives back the very key file.
    let o = zkcc_verify(
        d,
        &[
            "snarkjs-import",
            "--vk-json",
            "sj/verification_key.json",
            "--out",
            "back.vk",
        ],
    );
    assert_exit(&o, 0);
    assert_eq!(
        o.stdout,
        format!("wrote back.vk (circuit id {CIRCUIT_ID})\n")
    );
    assert_eq!(
        std::fs::read(d.join("back.vk")).unwrap(),
        std::fs::read(data("cluster-4x1.vk")).unwrap()
    );
    // Another nonce in public.json: rejected, exit 1.
    std::fs::create_dir(d.join("bad")).unwrap();
    for f in ["verification_key.json", "proof.json"] {
        std::fs::copy(d.join("sj").join(f), d.join("bad").join(f)).unwrap();
    }
    let mut public: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("sj/public.json")).unwrap()).unwrap();
    public[4] = "1".into();
    std::fs::write(
        d.join("bad/public.json"),
        serde_json::to_string(&public).unwrap(),
    )
    .unwrap();
    let o = sj_verify("bad");
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: proof does not verify for this statement\n"
    );
    // A public input ≥ r is malformed, not reduced.
    public[4] =
        "21888242871839275222246405745257275088548364400416034343698204186575808495617".into();
    std::fs::write(
        d.join("bad/public.json"),
        serde_json::to_string(&public).unwrap(),
    )
    .unwrap();
    let o = sj_verify("bad");
    assert_exit(&o, 1);
    assert_eq!(
        o.stdout,
        "REJECTED: public input nonce: input 4: 21888242871839275222246405745257275088548364400416034343698204186575808495617 is not below the field modulus\n"
    );
}

#[test]
fn snarkjs_failures_write_nothing_and_clobber_nothing() {
    let t = scratch();
    let d = t.path();
    let export = |bundle: &str, out: &str| {
        zkcc_verify(
            d,
            &[
                "snarkjs-export",
                "--vk",
                "key.vk",
                "--bundle",
                bundle,
                "--out",
                out,
            ],
        )
    };
    // A bundle that does not parse: no directory is made.
    std::fs::write(d.join("garbage.json"), "{").unwrap();
    let o = export("garbage.json", "sj");
    assert_exit(&o, 2);
    assert_eq!(
        o.stderr,
        "error: garbage.json: bundle is not valid JSON of the bundle format: EOF while parsing an object at line 1 column 1\n"
    );
    assert!(!d.join("sj").exists());
    // A bad proof in the bundle: the same.
    let mut b = golden_bundle();
    b.proof.truncate(10);
    std::fs::write(d.join("short.json"), b.to_json()).unwrap();
    let o = export("short.json", "sj");
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: short.json: proof encoding invalid: "),
        "{}",
        o.stderr
    );
    assert!(!d.join("sj").exists());
    // An existing export whose public.json cannot be replaced (a directory
    // is in the way): the other two files keep their old contents.
    std::fs::create_dir_all(d.join("old/public.json")).unwrap();
    std::fs::write(d.join("old/verification_key.json"), "old key").unwrap();
    std::fs::write(d.join("old/proof.json"), "old proof").unwrap();
    let o = export("bundle.json", "old");
    assert_exit(&o, 2);
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
    let o = zkcc_verify(
        d,
        &[
            "snarkjs-import",
            "--vk-json",
            "sj/verification_key.json",
            "--out",
            "existing.vk",
        ],
    );
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: sj/verification_key.json: snarkjs verification_key.json: "),
        "{}",
        o.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.join("existing.vk")).unwrap(),
        "precious"
    );
    // Missing input files are exit 2 for import and export alike.
    let o = export("missing.json", "sj2");
    assert_exit(&o, 2);
    assert_eq!(
        o.stderr,
        "error: missing.json: No such file or directory (os error 2)\n"
    );
    assert!(!d.join("sj2").exists());
    // And nothing but the files this test wrote is left behind (no
    // temporary files).
    assert_eq!(
        listing(d),
        [
            "bundle.json",
            "existing.vk",
            "garbage.json",
            "key.vk",
            "old",
            "policy.json",
            "registry.json",
            "short.json",
            "sj"
        ]
    );
    assert_eq!(
        listing(&d.join("sj")),
        ["proof.json", "public.json", "verification_key.json"]
    );
}

fn report(d: &Path, name: &str) -> Report {
    serde_json::from_str(&std::fs::read_to_string(d.join(name)).unwrap()).unwrap()
}

#[test]
fn policy_decisions_and_reports() {
    let t = scratch();
    let d = t.path();
    let decide = |country: &'static str, bundle: &'static str, report: &'static str| {
        zkcc_verify(
            d,
            &verify(
                EPOCH,
                NONCE,
                &[
                    "--policy",
                    "policy.json",
                    "--country",
                    country,
                    "--report",
                    report,
                    bundle,
                ],
            ),
        )
    };
    // Tier 1, cap 1: the large rule wins.
    let o = decide("FR", "bundle.json", "fr.json");
    assert_exit(&o, 0);
    assert!(
        o.stdout.contains(
            "DECISION: GRANT ACME-DC — quota 50000 chips, access \"attested-cluster-large\" (rule cluster-large)\n"
        ),
        "{}",
        o.stdout
    );
    assert!(o.stdout.ends_with("report: fr.json\n"), "{}", o.stdout);
    let r = report(d, "fr.json");
    assert_eq!(
        (
            r.decision.outcome,
            r.decision.quota_chips,
            r.decision.access.as_str(),
            r.decision.rule.as_deref()
        ),
        (
            Outcome::Grant,
            50000,
            "attested-cluster-large",
            Some("cluster-large")
        )
    );
    assert_eq!(
        (
            r.importer.as_str(),
            r.country.as_str(),
            r.country_tier,
            r.epoch
        ),
        ("ACME-DC", "FR", 1, 7)
    );
    assert_eq!((r.report_version, r.policy_version), (1, 1));
    assert_eq!(r.commitment.as_deref(), Some(COMMITMENT));
    assert_eq!(r.claims_verified.len(), 1);
    assert_eq!(
        (
            r.claims_verified[0].claim.as_str(),
            r.claims_verified[0].circuit_id.as_str(),
            r.claims_verified[0].cap
        ),
        ("cluster", CIRCUIT_ID, Some(1))
    );
    assert!(r.claims_rejected.is_empty());
    // Tier 3 (embargoed): denied, exit 1, and the report says so.
    let o = decide("KP", "bundle.json", "kp.json");
    assert_exit(&o, 1);
    assert!(
        o.stdout.contains("DECISION: DENY ACME-DC — no quota\n"),
        "{}",
        o.stdout
    );
    let r = report(d, "kp.json");
    assert_eq!(
        (r.decision.outcome, r.decision.quota_chips, r.country_tier),
        (Outcome::Deny, 0, 3)
    );
    assert_eq!(
        r.reasons.last().map(String::as_str),
        Some("quota is 0: denied")
    );
    // A rejected bundle: denied, its reason in the report.
    let mut b = golden_bundle();
    b.public_inputs.cap = 2;
    std::fs::write(d.join("cap.json"), b.to_json()).unwrap();
    let o = decide("FR", "cap.json", "rejected.json");
    assert_exit(&o, 1);
    let r = report(d, "rejected.json");
    assert_eq!(r.decision.outcome, Outcome::Deny);
    assert!(r.commitment.is_none());
    assert_eq!(r.claims_rejected.len(), 1);
    assert_eq!(
        (
            r.claims_rejected[0].claim.as_str(),
            r.claims_rejected[0].reason.as_str()
        ),
        ("cap.json", "proof does not verify for this statement")
    );
}

#[test]
fn refused_decisions_write_no_report_and_keep_the_old_one() {
    let t = scratch();
    let d = t.path();
    std::fs::write(d.join("report.json"), "previous report").unwrap();
    let run = |policy: &str, report: &str| {
        zkcc_verify(
            d,
            &verify(
                EPOCH,
                NONCE,
                &[
                    "--policy",
                    policy,
                    "--country",
                    "FR",
                    "--report",
                    report,
                    "bundle.json",
                ],
            ),
        )
    };
    // A policy whose version is not the registry's: refused before anything
    // is verified.
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("policy.json")).unwrap()).unwrap();
    p["policy_version"] = 2.into();
    std::fs::write(d.join("v2.json"), p.to_string()).unwrap();
    let o = run("v2.json", "report.json");
    assert_exit(&o, 2);
    assert_eq!(
        o.stderr,
        "error: v2.json: policy version 2 is not the registry's policy version 1: no decision under a policy the registry does not commit to\n"
    );
    assert_eq!(o.stdout, "");
    // A malformed policy.
    p["policy_version"] = (-1).into();
    std::fs::write(d.join("neg.json"), p.to_string()).unwrap();
    let o = run("neg.json", "report.json");
    assert_exit(&o, 2);
    assert!(
        o.stderr
            .starts_with("error: neg.json: policy: invalid value: integer `-1`, expected u64"),
        "{}",
        o.stderr
    );
    // A report that cannot be written (its directory does not exist): the
    // decision is printed, the run fails, nothing is created.
    let o = run("policy.json", "no/such/dir/report.json");
    assert_exit(&o, 2);
    assert!(
        o.stderr.starts_with("error: no/such/dir/report.json: "),
        "{}",
        o.stderr
    );
    assert!(!d.join("no").exists());
    // A directory in the way of the report.
    std::fs::create_dir(d.join("dir.json")).unwrap();
    let o = run("policy.json", "dir.json");
    assert_exit(&o, 2);
    assert_eq!(o.stderr, "error: dir.json: dir.json is a directory\n");
    // The earlier report survived all of it, and no temporary is left.
    assert_eq!(
        std::fs::read_to_string(d.join("report.json")).unwrap(),
        "previous report"
    );
    assert_eq!(
        listing(d),
        [
            "bundle.json",
            "dir.json",
            "key.vk",
            "neg.json",
            "policy.json",
            "registry.json",
            "report.json",
            "v2.json"
        ]
    );
    // The same run with a good policy replaces it whole.
    let o = run("policy.json", "report.json");
    assert_exit(&o, 0);
    assert_eq!(report(d, "report.json").decision.outcome, Outcome::Grant);
}
