//! The `zkcc` command line as its users run it: every role of the accountable
//! statement, exit codes, errors, nothing half-written.
use std::path::Path;
use std::process::Output;

use zkcc_test_support::fixtures::{REQUEST, SHARD};
use zkcc_test_support::fleet;

use crate::run::{ok, text, zkcc, ZKCC};

/// `zkcc prove shards` of the sample inventory committed with `secret`,
/// under the keys in `keys`, into `shards.json`.
fn prove_shards(d: &Path, keys: &str, secret: &str, digest: &str) -> Output {
    let head = [
        "prove",
        "shards",
        "--keys",
        keys,
        "--registry",
        "w/registry.json",
    ];
    let committed = fleet::committed_args(secret, digest);
    zkcc(
        d,
        &[&head[..], &committed, &["--out", "shards.json"]].concat(),
    )
}

#[test]
fn every_role_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fleet::sample(&ZKCC, d);
    let root = ok(d, &["registry", "w/registry.json"]);
    assert!(root.trim().starts_with("0x") && root.trim().len() == 66);

    // Agency: the importer's ledger (returned chips and other consignees out).
    let (l, digest) = fleet::ledger(&ZKCC, d);
    assert!(l.starts_with("ACME-DC: 12 chips"), "{l}");
    assert!(digest.starts_with("0x"));

    // Importer: commit (attestations still unsigned), setup, prove.
    let c = fleet::commit(&ZKCC, d, SHARD, "w/secret.json");
    assert!(c.contains("2 shards of 3x4"), "{c}");
    let setup = zkcc(d, &["setup", "--circuit", SHARD, "--out", "keys"]);
    assert!(setup.status.success());
    assert!(String::from_utf8_lossy(&setup.stderr).contains("DEVELOPMENT ONLY"));
    ok(d, &["setup", "--circuit", REQUEST, "--out", "keys"]);
    let shards = |d: &Path| prove_shards(d, "keys", "w/secret.json", &digest);
    let out = shards(d);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not signed"));
    assert!(
        !d.join("shards.json").exists(),
        "nothing written on failure"
    );

    // Auditors sign their chunks.
    for a in fleet::attest(&ZKCC, d) {
        assert!(a.contains("signed"), "{a}");
    }
    let out = shards(d);
    assert!(out.status.success(), "{}", text(&out));
    // Standard error is a pipe here: the progress display stays quiet
    // (nothing at all on standard error), the result is one line on
    // standard output.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("proved 2 shards for epoch"),
        "{}",
        text(&out)
    );

    // Agency: a request; importer: a light proof answering it.
    let req = |d: &Path, rules: &str, out: &str| fleet::request(&ZKCC, d, rules, out);
    req(d, "w/rules.json", "req.json");
    let answer_with = |d: &Path, digest: &str, request: &str, out: &str| {
        let head = ["prove", "request", "--keys", "keys", "--circuit", REQUEST];
        let committed = fleet::committed_args("w/secret.json", digest);
        let tail = [
            "--registry",
            "w/registry.json",
            "--request",
            request,
            "--shards",
            "shards.json",
            "--out",
            out,
        ];
        zkcc(d, &[&head[..], &committed, &tail].concat())
    };
    let answer = |d: &Path, request: &str, out: &str| answer_with(d, &digest, request, out);
    let out = answer(d, "req.json", "submission.json");
    assert!(out.status.success(), "{}", text(&out));

    // Agency: verify and decide.
    let verify = |d: &Path, request: &str, extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--keys",
            "keys",
            "--shard-circuit",
            SHARD,
            "--request-circuit",
            REQUEST,
            "--registry",
            "w/registry.json",
            "--ledger",
            "w/ledger.json",
            "--request",
            request,
        ];
        args.extend_from_slice(extra);
        args.push("submission.json");
        zkcc(d, &args)
    };
    let out = verify(d, "req.json", &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).starts_with(
            "ACCEPTED: submission.json: ACME-DC (epoch 202611): all 12 ledger chips located exactly once in "
        ),
        "{}",
        text(&out)
    );
    let out = verify(
        d,
        "req.json",
        &["--policy", "w/policy.json", "--report", "report.json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("DECISION: GRANT"), "{}", text(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["importer"], "ACME-DC");

    // A new request (new nonce): the old submission is a replay, exit 1.
    req(d, "w/rules.json", "req2.json");
    let out = verify(d, "req2.json", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("REJECTED") && text(&out).contains("nonce"),
        "{}",
        text(&out)
    );

    // Rules the fleet does not meet: refused before proving, exit 1, the rule named.
    let mut rules: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("w/rules.json")).unwrap()).unwrap();
    rules["facility_cap_chips"] = 5.into();
    std::fs::write(d.join("tight.json"), rules.to_string()).unwrap();
    req(d, "tight.json", "req3.json");
    let out = answer(d, "req3.json", "sub3.json");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("facility cap"), "{}", text(&out));
    assert!(!d.join("sub3.json").exists());

    // Bad input: exit 2 with the file named; an existing output is not clobbered.
    let out = zkcc(d, &["registry", "w/missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("missing.json"));
    std::fs::write(d.join("bad.json"), "{\"version\": 1}").unwrap();
    let before = std::fs::read(d.join("submission.json")).unwrap();
    let out = answer_with(d, "0xnope", "req.json", "submission.json");
    assert_eq!(out.status.code(), Some(2));
    unchanged(d, "submission.json", &before);
    let out = zkcc(d, &["setup", "--circuit", "shard-3", "--out", "keys"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not a circuit name"));
}

/// The standard error of a command that exited 2 (bad input).
fn exit_2(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

/// Asserts that the file `name` under `d` still holds `before`.
fn unchanged(d: &Path, name: &str, before: &[u8]) {
    assert_eq!(std::fs::read(d.join(name)).unwrap(), before, "{name}");
}

/// The verbs on bad input: exit 2 with the reason, and nothing written or
/// clobbered.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fleet::sample(&ZKCC, d);
    let inventory = std::fs::read(d.join("w/inventory.json")).unwrap();

    // auditor keygen: an id that is not a label; an output path in the way.
    let out = zkcc(d, &["auditor", "keygen", "--id", "", "--out", "k.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!d.join("k.json").exists());
    std::fs::create_dir(d.join("taken.json")).unwrap();
    let err = exit_2(&zkcc(
        d,
        &[
            "auditor",
            "keygen",
            "--id",
            "AUDIT-X",
            "--out",
            "taken.json",
        ],
    ));
    assert!(
        err.starts_with("error: taken.json: ") && err.contains("directory"),
        "{err}"
    );
    let out = ok(
        d,
        &["auditor", "keygen", "--id", "AUDIT-X", "--out", "k.json"],
    );
    assert!(out.contains("\"id\": \"AUDIT-X\""), "{out}");

    // auditor attest: a key the registry does not accredit, a missing key, a
    // corrupt key file: the inventory is left as it was.
    let attest = |key: &str| zkcc(d, &fleet::attest_args(key));
    assert_eq!(
        exit_2(&attest("k.json")),
        "error: keys: auditor AUDIT-X is not accredited in this registry\n"
    );
    assert_eq!(
        exit_2(&attest("nokey.json")),
        "error: nokey.json: No such file or directory (os error 2)\n"
    );
    std::fs::write(
        d.join("corrupt.json"),
        "{\"version\": 1, \"id\": \"AUDIT-EU-01\"",
    )
    .unwrap();
    let err = exit_2(&attest("corrupt.json"));
    assert!(
        err.starts_with("error: corrupt.json: EOF while parsing"),
        "{err}"
    );
    unchanged(d, "w/inventory.json", &inventory);

    // commit: a missing inventory, an inventory of the old format; an existing
    // secret is not clobbered.
    std::fs::write(d.join("secret.json"), "earlier secret").unwrap();
    let commit = |inv: &str| zkcc(d, &fleet::commit_args(inv, SHARD, "secret.json"));
    assert_eq!(
        exit_2(&commit("w/none.json")),
        "error: w/none.json: No such file or directory (os error 2)\n"
    );
    let mut old: serde_json::Value = serde_json::from_slice(&inventory).unwrap();
    old["version"] = 1.into();
    std::fs::write(d.join("old-inventory.json"), old.to_string()).unwrap();
    let err = exit_2(&commit("old-inventory.json"));
    assert!(
        err.contains("inventory format version 1 is not supported (expected 2)"),
        "{err}"
    );
    unchanged(d, "secret.json", b"earlier secret");

    // registry: not JSON; a version-1 registry.
    std::fs::write(d.join("reg.json"), "registry").unwrap();
    let err = exit_2(&zkcc(d, &["registry", "reg.json"]));
    assert!(err.starts_with("error: registry: "), "{err}");

    // prove shards: a secret that is not one, missing keys, a bad digest; no
    // shards file is written.
    let prove = |digest: &str| prove_shards(d, "nokeys", "secret.json", digest);
    let err = exit_2(&prove("0x1"));
    assert!(
        err.starts_with("error: secret.json: expected value"),
        "{err}"
    );
    std::fs::remove_file(d.join("secret.json")).unwrap();
    fleet::commit(&ZKCC, d, SHARD, "secret.json");
    let err = exit_2(&prove("0xnope"));
    assert!(
        err.starts_with("error: ") && err.contains("0xnope"),
        "{err}"
    );
    let err = exit_2(&prove("0x1"));
    assert!(
        err.contains("not signed") || err.contains("no keys"),
        "{err}"
    );
    assert!(!d.join("shards.json").exists());

    // sample: the output directory is a file.
    std::fs::write(d.join("file"), "x").unwrap();
    let err = exit_2(&zkcc(d, &["sample", "--out", "file"]));
    assert_eq!(err, "error: file: exists and is not a directory\n");

    // Usage errors.
    for args in [
        &["frobnicate"][..],
        &["demo", "--seed", "x"],
        &["verify", "submission.json"],
        &["prove", "shards"],
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
            "old-inventory.json",
            "reg.json",
            "secret.json",
            "taken.json",
            "w"
        ]
    );
}

/// `prove shards`'s progress display ([`zkcc_prover::demo::StageBar`], on a
/// bar that a terminal would show): the witnesses counted, then each shard's
/// last finished stage and the count of its stages, the bar's position
/// counting the stages of the whole batch.
#[test]
fn the_progress_display_names_the_shard_and_the_stage() {
    use zkcc_engine::prove::{Progress, Stage, StageDone};
    let bar = zkcc_prover::demo::StageBar::new(indicatif::ProgressBar::hidden(), "shard", 2);
    assert_eq!(bar.pb.message(), "shards: witnesses 0/2");
    assert_eq!(bar.pb.length(), Some(14));
    bar.assigned(2, 2);
    assert_eq!(bar.pb.message(), "shards: witnesses 2/2");
    for (proof, stage, done, says, at) in [
        (0, Stage::Witness, 1, "shard 1/2: witness (1/7)", 1),
        (0, Stage::MsmH, 7, "shard 1/2: MSM H (7/7)", 7),
        (1, Stage::MsmL, 4, "shard 2/2: MSM L (4/7)", 11),
        (1, Stage::MsmBG2, 5, "shard 2/2: MSM B (G2) (5/7)", 12),
    ] {
        bar.stage(StageDone { proof, stage, done });
        assert_eq!(
            (bar.pb.message(), bar.pb.position()),
            (says.to_string(), at)
        );
    }
}
