//! Progress as a user waiting at a terminal sees it (issue 24): the long
//! steps draw what they are doing, with counts and an estimate, on standard
//! error when it is a terminal, and write nothing there when it is a pipe.
//!
//! The terminal is a pseudo-terminal from util-linux's `script` (in Debian's
//! essential bsdutils). The draws are deterministic enough to assert: a bar
//! draws its first updates at once (indicatif's burst of 20) and the
//! smallest shapes finish in a few of them.
use std::path::Path;
use std::process::Command;

use ark_bn254::Fr;
use zkcc_prover::ceremony::ptau::Ptau;
use zkcc_prover::keys::{self, Circuit};
use zkcc_test_support::fixtures::{REQUEST, SHARD};
use zkcc_test_support::fleet;

use crate::run::{ok, text, zkcc, ZKCC};

/// The smallest circuit, for a ceremony that takes seconds.
const SMALLEST: &str = "request-1x1";

/// Runs `zkcc args` in `d` on a pseudo-terminal, its standard output into
/// `stdout.txt`: returns what it drew on the terminal (standard error).
fn on_a_terminal(d: &Path, args: &[&str]) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            assert!(!a.contains('\''), "{a}");
            format!("'{a}'")
        })
        .collect();
    let cmd = format!(
        "'{}' {} >stdout.txt",
        env!("CARGO_BIN_EXE_zkcc"),
        quoted.join(" ")
    );
    let out = Command::new("script")
        .current_dir(d)
        .args(["-qefc", &cmd, "/dev/null"])
        .output()
        .expect("util-linux's script runs");
    assert!(out.status.success(), "{cmd}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `zkcc args` in `d` with standard error a pipe: succeeds and writes
/// nothing there. Returns its standard output.
fn quiet_when_piped(d: &Path, args: &[&str]) -> String {
    let out = zkcc(d, args);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sample fleet in `d`, committed to and attested, the development
/// keys of its circuits, the agency's request: ready to prove. Returns the
/// ledger digest.
fn ready_to_prove(d: &Path) -> String {
    fleet::sample(&ZKCC, d);
    for c in [SHARD, REQUEST] {
        ok(d, &["setup", "--circuit", c, "--out", "keys"]);
    }
    fleet::commit(&ZKCC, d, SHARD, "w/secret.json");
    for a in fleet::attest(&ZKCC, d) {
        assert!(a.contains("signed"), "{a}");
    }
    fleet::request(&ZKCC, d, "w/rules.json", "req.json");
    fleet::ledger(&ZKCC, d).1
}

#[test]
fn shard_and_request_proofs_draw_their_stages_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let digest = ready_to_prove(d);
    let committed = fleet::committed_args("w/secret.json", &digest);
    let keys = ["--keys", "keys", "--registry", "w/registry.json"];

    // The two shards' proofs, stage by stage, with an estimate.
    let shards = [
        &["prove", "shards"][..],
        &keys,
        &committed,
        &["--out", "shards.json"],
    ]
    .concat();
    let drawn = on_a_terminal(d, &shards);
    for s in [
        "shards: witnesses 0/2",
        "shard 1/2: ",
        "MSM",
        "/7)",
        "left]",
    ] {
        assert!(drawn.contains(s), "{s:?} not drawn: {drawn:?}");
    }
    let out = quiet_when_piped(d, &shards);
    assert!(out.starts_with("proved 2 shards"), "{out}");

    // One request proof: its stages, without a count of proofs.
    let request = [
        &["prove", "request", "--circuit", REQUEST][..],
        &keys,
        &committed,
        &["--request", "req.json", "--shards", "shards.json"],
        &["--out", "submission.json"],
    ]
    .concat();
    let drawn = on_a_terminal(d, &request);
    for s in ["request: witness", "request: ", "MSM", "/7)", "left]"] {
        assert!(drawn.contains(s), "{s:?} not drawn: {drawn:?}");
    }
    assert!(!drawn.contains("request 1/1"), "{drawn:?}");
    let out = quiet_when_piped(d, &request);
    assert!(out.starts_with("proved the request"), "{out}");
}

#[test]
fn a_ceremony_draws_phase_one_checks_and_contribution_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A raw phase-1 file from known secrets, just large enough for the
    // smallest circuit: development only, and no snarkjs needed.
    let n = keys::constraints_of(&Circuit::parse(SMALLEST).unwrap()).unwrap();
    let power = (2 * n).next_power_of_two().trailing_zeros();
    let (t, a, b) = (Fr::from(3u64), Fr::from(5u64), Fr::from(7u64));
    let p = Ptau::insecure_from_secrets(power, t, a, b, false).unwrap();
    std::fs::write(d.join("pot.ptau"), p.to_bytes()).unwrap();

    // Reading the phase-1 file: its sections' points, then the checks of
    // its powers, counted (5 sections and 5 checks in a raw file).
    // (Piped, only the development warning is on standard error: the
    // ceremony's own tests read their output so.)
    let init = [
        "ceremony",
        "init",
        "--circuit",
        SMALLEST,
        "--ptau",
        "pot.ptau",
        "--dev-unpublished-ptau",
        "--out",
        "r0.zkey",
    ];
    let drawn = on_a_terminal(d, &init);
    for s in ["phase 1: 1/10: points of tauG1", "phase 1: 2/10: "] {
        assert!(drawn.contains(s), "{s:?} not drawn: {drawn:?}");
    }

    // A contribution: the points of L and H rescaled, of their number.
    let contribute = |from: &str, to: &str| {
        [
            "ceremony".to_string(),
            "contribute".into(),
            "--in".into(),
            from.into(),
            "--out".into(),
            to.into(),
        ]
    };
    let args = contribute("r0.zkey", "r1.zkey");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let drawn = on_a_terminal(d, &args);
    assert!(
        drawn.contains("contribution: reading the key") && drawn.contains("contribution: L "),
        "{drawn:?}"
    );
    let h = drawn
        .split("contribution: H ")
        .last()
        .and_then(|s| s.split(" points").next())
        .unwrap_or_default();
    let (done, of) = h.split_once('/').unwrap_or_default();
    assert!(
        !of.is_empty() && done == of,
        "the last count drawn {h:?}: {drawn:?}"
    );
    let args = contribute("r1.zkey", "r2.zkey");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = quiet_when_piped(d, &args);
    assert!(out.contains("contribution #2"), "{out}");
}
