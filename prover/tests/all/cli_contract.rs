//! The exit-code contract of both binaries, `zkcc` and `zkcc-verify`, on the
//! verifier's golden submission (`verifier/tests/data/`: `shard-3x4`,
//! `request-3x3`), and the crashes of issue 24 turned into errors.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success; accepted (with a policy: granted) |
//! | 1 | rejected: a submission or bundle does not verify, the claim does not hold, access denied |
//! | 2 | usage or configuration: a bad argument, a file that does not exist, the agency's own file (policy, registry, keys, ledger, request) of the wrong format or content, a refused overwrite |
//! | 3 | I/O or internal: a file that exists cannot be read or written, the proof system or Slurm failed |
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use zkcc_test_support::fleet;

use crate::run::{text, zkcc};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../verifier/tests/data")
        .join(name)
}

/// `zkcc-verify`: the one `ZKCC_VERIFY_BIN` names (an absolute path; CI
/// names the workspace build's, which `cargo test --workspace` has made), else
/// the one beside the test's `zkcc` (same profile), built on first use.
pub fn zkcc_verify_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("ZKCC_VERIFY_BIN") {
            let bin = PathBuf::from(bin);
            assert!(
                bin.is_absolute() && bin.exists(),
                "ZKCC_VERIFY_BIN={} is not an existing absolute path",
                bin.display()
            );
            return bin;
        }
        let zkcc = PathBuf::from(env!("CARGO_BIN_EXE_zkcc"));
        let bin = zkcc.with_file_name("zkcc-verify");
        let release = zkcc.components().any(|c| c.as_os_str() == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-q", "-p", "zkcc-verifier", "--bin", "zkcc-verify"]);
        if release {
            cmd.arg("--release");
        }
        let st = cmd.status().expect("cargo runs");
        assert!(
            st.success() && bin.exists(),
            "cannot build {}",
            bin.display()
        );
        bin
    })
    .clone()
}

fn verify_bin(dir: &Path, args: &[&str]) -> Output {
    Command::new(zkcc_verify_bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zkcc-verify runs")
}

/// A scratch directory with the golden files (keys under `keys/`) and the
/// sample policy.
fn scratch() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir(d.join("keys")).unwrap();
    for k in ["shard-3x4.vk", "request-3x3.vk"] {
        std::fs::copy(golden(k), d.join("keys").join(k)).unwrap();
    }
    for f in [
        "registry.json",
        "ledger.json",
        "request.json",
        "submission.json",
    ] {
        std::fs::copy(golden(f), d.join(f)).unwrap();
    }
    std::fs::write(
        d.join("policy.json"),
        zkcc_verifier::access::SAMPLE_ACCESS_POLICY,
    )
    .unwrap();
    t
}

/// Runs `zkcc verify` and `zkcc-verify submission` on the same files (with
/// `extra` before the submission) and returns both outputs.
fn both(d: &Path, extra: &[&str], submission: &str) -> [Output; 2] {
    // The agency's files, the same for both; then `extra`, the submission.
    let files = ["registry.json", "ledger.json", "request.json"];
    let with = |head: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        for (flag, f) in ["--registry", "--ledger", "--request"].iter().zip(files) {
            v.extend([flag.to_string(), f.to_string()]);
        }
        v.extend(extra.iter().map(|s| s.to_string()));
        v.push(submission.to_string());
        v
    };
    let a = with(&[
        "verify",
        "--keys",
        "keys",
        "--shard-circuit",
        "shard-3x4",
        "--request-circuit",
        "request-3x3",
    ]);
    let b = with(&[
        "submission",
        "--shard-vk",
        "keys/shard-3x4.vk",
        "--request-vk",
        "keys/request-3x3.vk",
    ]);
    [zkcc(d, &strs(&a)), verify_bin(d, &strs(&b))]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Both binaries end with `code`, the same stdout, and the same stderr.
fn agree(outs: &[Output; 2], code: i32) -> (String, String) {
    for o in outs {
        assert_eq!(o.status.code(), Some(code), "{}", text(o));
    }
    let s = |o: &Output| {
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    assert_eq!(s(&outs[0]), s(&outs[1]), "the two binaries disagree");
    s(&outs[0])
}

#[test]
fn both_binaries_keep_one_exit_code_contract() {
    let t = scratch();
    let d = t.path();
    // 0: accepted; with the policy, granted.
    // Both document the contract in --help.
    for o in [zkcc(d, &["--help"]), verify_bin(d, &["--help"])] {
        assert!(
            text(&o).contains(zkcc_verifier::verdict::EXIT_CODES),
            "{}",
            text(&o)
        );
    }
    let (out, err) = agree(&both(d, &[], "submission.json"), 0);
    assert!(
        out.starts_with("ACCEPTED: submission.json: ACME-DC (epoch 7)"),
        "{out}"
    );
    assert_eq!(err, "");
    let (out, _) = agree(&both(d, &["--policy", "policy.json"], "submission.json"), 0);
    assert!(out.contains("DECISION: GRANT ACME-DC"), "{out}");

    // 1: a truncated submission is the importer's: the same rejection in both.
    let sub = std::fs::read_to_string(d.join("submission.json")).unwrap();
    std::fs::write(d.join("cut.json"), &sub[..sub.len() / 2]).unwrap();
    let (out, err) = agree(&both(d, &[], "cut.json"), 1);
    assert!(
        out.starts_with(
            "REJECTED: cut.json: bundle is not valid JSON of the bundle format: EOF while parsing"
        ),
        "{out}"
    );
    assert_eq!(err, "");
    // A short request proof: rejected, and the message names the proof.
    let mut v: serde_json::Value = serde_json::from_str(&sub).unwrap();
    let p = v["request"]["proof"].as_str().unwrap().to_string();
    v["request"]["proof"] = p[..p.len() - 10].into();
    std::fs::write(d.join("short.json"), v.to_string()).unwrap();
    let (out, _) = agree(&both(d, &[], "short.json"), 1);
    assert!(out.starts_with("REJECTED: short.json: "), "{out}");
    assert!(out.contains("request proof"), "{out}");

    // 2: the agency's own policy of another version: no verdict at all
    // (neither ACCEPTED nor REJECTED), the policy named.
    let mut pol: serde_json::Value =
        serde_json::from_str(zkcc_verifier::access::SAMPLE_ACCESS_POLICY).unwrap();
    pol["policy_version"] = 99.into();
    std::fs::write(d.join("bad-policy.json"), pol.to_string()).unwrap();
    let (out, err) = agree(
        &both(d, &["--policy", "bad-policy.json"], "submission.json"),
        2,
    );
    assert_eq!(out, "");
    assert!(
        err.starts_with(
            "error: bad-policy.json: policy version 99 is not the registry's policy version"
        ),
        "{err}"
    );
    // 2: a registry that does not exist.
    std::fs::rename(d.join("registry.json"), d.join("moved.json")).unwrap();
    let (out, err) = agree(&both(d, &[], "submission.json"), 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: registry.json: No such file or directory (os error 2)\n"
    );
    // 3: a registry that exists but cannot be read (a directory).
    std::fs::create_dir(d.join("registry.json")).unwrap();
    let (out, err) = agree(&both(d, &[], "submission.json"), 3);
    assert_eq!(out, "");
    assert!(
        err.starts_with("error: registry.json: Is a directory"),
        "{err}"
    );
}

/// Issue 24's crashes: each is now an error with exit 2 and a message.
#[test]
fn hostile_shapes_and_sizes_are_refused_up_front() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    for (args, needle) in [
        (
            &["setup", "--circuit", "shard-4294967296x1"][..],
            "F (facility slots) must be a number from 1 to 1024, not \"4294967296\"",
        ),
        (
            &["setup", "--circuit", "request-18446744073709551615x2"],
            "S (shard slots) must be a number from 1 to 65536",
        ),
        (
            &["setup", "--circuit", "request-99999999999999999999999x2"],
            "S (shard slots) must be a number from 1 to 65536",
        ),
        (
            &["setup", "--circuit", "shard-100000x1"],
            "must be a number from 1 to 1024, not \"100000\"",
        ),
        (
            &["setup", "--circuit", "shard-8x249"],
            "M (chips per slot) must be a number from 1 to 248",
        ),
        (&["setup", "--circuit", "shard-+8x1"], "not \"+8\""),
        (
            &["setup", "--circuit", "evaluation-0"],
            "evaluation-N takes N from 1 to 64",
        ),
        (
            &["setup", "--circuit", "request-65536x1024"],
            "more than BN254's largest domain for the odd-coset quotient (2^27) holds",
        ),
        (
            &["sample", "--out", "w", "--chips", "99999999999"],
            "expected a number from 1 to 1000000",
        ),
        (
            &["sample", "--out", "w", "--chunk", "0"],
            "expected a number from 1 to 248",
        ),
    ] {
        let o = zkcc(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{args:?}: {}", text(&o));
    }
    // A shape within the bounds but beyond this machine: refused with the
    // estimate, before any allocation.
    let o = zkcc(d, &["setup", "--circuit", "shard-512x248", "--out", "keys"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(
            "shard-512x248 has about 68178437 constraints and needs about 139.7 GB of memory"
        ),
        "{}",
        text(&o)
    );
    assert!(!d.join("keys").exists());
}

/// A reader that has gone away (`| head`): both binaries end quietly, by
/// SIGPIPE, with no panic message.
#[test]
fn a_closed_pipe_ends_both_binaries_quietly() {
    let t = scratch();
    let d = t.path();
    let runs: [(PathBuf, [&[&str]; 2]); 2] = [
        (
            PathBuf::from(env!("CARGO_BIN_EXE_zkcc")),
            [&["--help"], &["registry", "registry.json"]],
        ),
        (zkcc_verify_bin(), [&["--help"], &["submission", "--help"]]),
    ];
    for (bin, argss) in runs {
        for args in argss {
            let mut child = Command::new(&bin)
                .current_dir(d)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take()); // the reader exits before the first line
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{bin:?} {args:?}: {err}");
            assert_ne!(out.status.code(), Some(101), "{bin:?} {args:?}");
        }
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Secrets are written 0600 and never replaced without `--force`; with it
/// the old secret and the proofs made with it are moved aside, not lost;
/// outputs in missing directories are refused; Slurm helpers say what to do.
#[test]
fn secrets_are_never_replaced_silently() {
    use crate::run::{fails_with, ok};
    use zkcc_test_support::fixtures::SHARD;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fleet::sample(&crate::run::ZKCC, d);
    #[cfg(unix)]
    assert_eq!(mode(&d.join("w/auditors/AUDIT-EU-01.key.json")), 0o600);
    fails_with(
        d,
        &["sample", "--out", "w", "--chips", "12", "--chunk", "4"],
        2,
        "error: w: a sample is already there (its key w/auditors/AUDIT-EU-01.key.json exists); give --force",
    );

    // auditor keygen: 0600, refused over an existing key, --force moves it aside.
    let keygen = ["auditor", "keygen", "--id", "AUDIT-X", "--out", "k.json"];
    ok(d, &keygen);
    #[cfg(unix)]
    assert_eq!(mode(&d.join("k.json")), 0o600);
    let first = std::fs::read(d.join("k.json")).unwrap();
    fails_with(
        d,
        &keygen,
        2,
        "error: k.json: a secret is already there; refusing to replace it (give --force",
    );
    assert_eq!(std::fs::read(d.join("k.json")).unwrap(), first);
    let mut forced = keygen.to_vec();
    forced.push("--force");
    let o = zkcc(d, &forced);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("moved the old secret k.json aside to k.json.old-"));
    let aside = names_starting(d, "k.json.old-");
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(d.join(&aside[0])).unwrap(), first);
    assert_ne!(std::fs::read(d.join("k.json")).unwrap(), first);

    // commit: a proven shards.json is never orphaned.
    fleet::commit(&crate::run::ZKCC, d, SHARD, "w/secret.json");
    #[cfg(unix)]
    assert_eq!(mode(&d.join("w/secret.json")), 0o600);
    let secret: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("w/secret.json")).unwrap()).unwrap();
    let c = secret["commitment"].as_str().unwrap().to_string();
    std::fs::write(
        d.join("w/shards.json"),
        format!("[{{\"commitment\": \"{c}\"}}]"),
    )
    .unwrap();
    let commit = fleet::commit_args("w/inventory.json", SHARD, "w/secret.json");
    fails_with(
        d,
        &commit,
        2,
        "error: w/secret.json: a commitment secret is already there; refusing to replace it, which would orphan the shards proven with it",
    );
    let mut forced = commit.to_vec();
    forced.push("--force");
    let o = zkcc(d, &forced);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("moved w/shards.json aside to w/shards.json.old-"),
        "{}",
        text(&o)
    );
    assert!(!d.join("w/shards.json").exists());
    assert_eq!(names_starting(&d.join("w"), "shards.json.old-").len(), 1);
    assert_eq!(names_starting(&d.join("w"), "secret.json.old-").len(), 1);

    // An output in a directory that does not exist: refused, nothing made.
    fails_with(
        d,
        &fleet::ledger_args("typo/ledger.json"),
        2,
        "error: typo/ledger.json: the directory typo does not exist (create it first: mkdir -p typo)",
    );
    assert!(!d.join("typo").exists());
    fails_with(
        d,
        &["setup", "--circuit", "request-1x1", "--out", "a/b/keys"],
        2,
        "the directory a/b does not exist",
    );
    assert!(!d.join("a").exists());

    // Slurm: status before any submit says what to do; --cpus 0 is refused.
    let (_, digest) = fleet::ledger(&crate::run::ZKCC, d);
    for a in fleet::attest(&crate::run::ZKCC, d) {
        assert!(a.contains("signed"), "{a}");
    }
    let input = fleet::shard_input_args("w/inventory.json", SHARD);
    let plan = ["--ledger-digest", &digest, "--out", "plan"];
    ok(d, &[&["shard", "plan"][..], &input, &plan].concat());
    fails_with(
        d,
        &[
            "slurm",
            "status",
            "--plan",
            "plan",
            "--registry",
            "w/registry.json",
        ],
        2,
        "run zkcc slurm submit --plan plan first",
    );
    let submit = |last: &[&'static str]| {
        let mut v = vec![
            "slurm",
            "submit",
            "--plan",
            "plan",
            "--registry",
            "w/registry.json",
            "--request",
            "req.json",
        ];
        v.extend_from_slice(last);
        v
    };
    fails_with(
        d,
        &submit(&["--cpus", "0"]),
        2,
        "invalid value '0' for '--cpus <CPUS>'",
    );
    // --dry-run: the scripts and the sbatch commands, exit 0.
    ok(d, &["setup", "--circuit", SHARD, "--out", "keys"]);
    let out = ok(d, &submit(&["--dry-run"]));
    assert!(out.starts_with("sbatch --parsable --array=0-1 "), "{out}");
    assert!(
        out.contains("dry run: nothing submitted (2 of 2 shards missing); scripts in plan/slurm"),
        "{out}"
    );
}

/// An interrupted `setup` leaves no temporary key file behind: SIGTERM while
/// a key file is written (held at the test-only pause point
/// `ZKCC_TEST_PAUSE_BEFORE_RENAME`: its temporary file complete, not yet
/// renamed) removes it, exit 143, and the key it was to become is not there.
#[cfg(unix)]
#[test]
fn an_interrupted_setup_leaves_no_temporary_file() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let marker = d.join("paused");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcc"))
        .current_dir(d)
        .env("ZKCC_TEST_PAUSE_BEFORE_RENAME", &marker)
        .args(["setup", "--circuit", "shard-2x4", "--out", "keys"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "setup ended ({status}) before the pause point: {}",
                text(&out)
            );
        }
        assert!(
            t0.elapsed().as_secs() < 300,
            "setup never reached the pause point"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // The pause point names the temporary file: complete and not yet renamed.
    let tmp = d.join(std::fs::read_to_string(&marker).unwrap());
    let keys = d.join("keys");
    let tmp_name = tmp.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(names_starting(&keys, "."), vec![tmp_name.clone()]);
    assert!(std::fs::metadata(&tmp).unwrap().len() > 0);
    let pid = format!(".{}.tmp", child.id());
    let key = tmp_name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(&pid))
        .unwrap_or_else(|| panic!("{tmp_name} is not .<key>{pid}"));
    // SAFETY: a signal to our own child process, by its id.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out));
    assert!(
        text(&out).contains("interrupted: removed 1 unfinished temporary file(s)"),
        "{}",
        text(&out)
    );
    assert_eq!(names_starting(&keys, "."), Vec::<String>::new());
    assert!(!keys.join(key).exists(), "{key} was renamed into place");
}

/// Messages that say what is wrong, labelled by the file or argument.
#[test]
fn messages_name_the_file_or_argument() {
    use crate::run::fails_with;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let beacon = |hash: &'static str, exp: &'static str| {
        vec![
            "ceremony",
            "beacon",
            "--in",
            "none.zkey",
            "--out",
            "f.zkey",
            "--hash",
            hash,
            "--iterations-exp",
            exp,
        ]
    };
    fails_with(
        d,
        &beacon("0xzz", "10"),
        2,
        "error: --hash \"0xzz\": not hex",
    );
    // `0x…` is taken like every other hex argument: the error is the file.
    fails_with(d, &beacon("0xabcd", "10"), 2, "none.zkey");
    fails_with(d, &beacon("abcd", "33"), 2, "33 is not in 10..=32");

    zkcc_test_support::lifecycle::sample(&crate::run::ZKCC, d);
    let digest = "ab".repeat(32);
    fails_with(
        d,
        &[
            "evaluator",
            "sign",
            "--key",
            "w/evaluators/EVAL-LAB-A.key.json",
            "--registry",
            "w/registry.json",
            "--suite",
            "FRONTIER-2026",
            "--model-digest",
            &digest,
            "--eval",
            "NOPE",
            "--score",
            "1",
            "--date",
            "20261101",
            "--out",
            "r.json",
        ],
        2,
        "error: suite FRONTIER-2026 has no eval \"NOPE\" (its evals: CYBER-UPLIFT, BIO-UPLIFT, REFUSAL-HARMFUL)",
    );
    std::fs::write(d.join("bad-rules.json"), "{\"facility_cap_chips\": \"x\"}").unwrap();
    fails_with(
        d,
        &fleet::request_args("bad-rules.json", "req.json"),
        2,
        "error: bad-rules.json: rules: invalid type",
    );
    assert!(!d.join("req.json").exists());
}

/// `RUST_LOG=info` logs the steps' times and nothing that scales with the
/// circuit: ark-r1cs-std's `gr1cs` spans (each formats the whole constraint
/// system) are off unless `RUST_LOG` names them. Before, this command ran for
/// minutes in gigabytes; it is given 60 s here, then killed.
#[test]
fn rust_log_info_logs_the_steps_not_the_constraint_system() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkcc"))
        .current_dir(tmp.path())
        .args([
            "ceremony",
            "r1cs",
            "--circuit",
            "request-1x1",
            "--out",
            "x.r1cs",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    // Read stderr beside the wait, bounded: a span dump would be gigabytes.
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = Vec::new();
        let _ = (&mut err).take(1 << 20).read_to_end(&mut buf);
        buf
    });
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t0.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let log = String::from_utf8_lossy(&reader.join().unwrap()).to_string();
    let status =
        status.unwrap_or_else(|| panic!("still running after 60 s; log starts {:.2000}", log));
    assert!(status.success(), "{log}");
    assert!(log.contains("circuit synthesized"), "{log}");
    assert!(log.len() < 64 * 1024, "{} bytes of log", log.len());
    assert!(tmp.path().join("x.r1cs").exists());
}
