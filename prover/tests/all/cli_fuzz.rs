//! Random argument vectors, built from each binary's own words and hostile
//! values, never make `zkcc` or `zkcc-verify` panic or abort: each run ends
//! with an exit code of the contract (0–3), never 101 or a signal. Seeded,
//! so a failure reproduces; commands that would run for long (`demo`, a
//! setup of a valid shape) are not in the vocabulary.
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::process::Command;

const ZKCC_WORDS: &[&str] = &[
    "setup",
    "sample",
    "registry",
    "agency",
    "ledger",
    "request",
    "eval-request",
    "jurisdiction-request",
    "verify-evaluation",
    "verify-jurisdiction",
    "auditor",
    "keygen",
    "attest",
    "attest-deployment",
    "evaluator",
    "sign",
    "model",
    "commit",
    "prove",
    "shards",
    "evaluation",
    "jurisdiction",
    "shard",
    "plan",
    "slurm",
    "status",
    "submit",
    "ceremony",
    "init",
    "contribute",
    "beacon",
    "finalize",
    "wtns",
    "r1cs",
    "verify",
];
const VERIFY_WORDS: &[&str] = &[
    "submission",
    "snarkjs-export",
    "snarkjs-verify",
    "snarkjs-import",
];
const FLAGS: &[&str] = &[
    "--out",
    "--circuit",
    "--registry",
    "--inventory",
    "--secret",
    "--ledger-digest",
    "--chips",
    "--chunk",
    "--seed",
    "--id",
    "--key",
    "--keys",
    "--request",
    "--shards",
    "--policy",
    "--report",
    "--epoch",
    "--rules",
    "--importer",
    "--hash",
    "--iterations-exp",
    "--cpus",
    "--plan",
    "--index",
    "--in",
    "--ptau",
    "--zkey",
    "--vk",
    "--bundle",
    "--inputs",
    "--shard-vk",
    "--request-vk",
    "--shard-shape",
    "--request-shape",
    "--ledger",
    "--force",
    "--help",
    "--version",
    "--weights",
    "--deployment",
    "--model-commitment",
    "--max-tier",
];
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "18446744073709551615",
    "99999999999999999999999",
    "0x",
    "0x…",
    "0xzz",
    "shard-0x0",
    "shard-4294967296x1",
    "request-18446744073709551615x2",
    "shard-100000x1",
    "request-65536x1024",
    "shard-1024x248",
    "evaluation-0",
    "jurisdiction-999",
    "x",
    "-",
    "registry.json",
    "missing/dir/file.json",
    "/",
    ".",
    "..",
    "\u{0}",
    "é",
    "%s%n",
    "policy.json",
    "submission.json",
    "keys",
    "w",
    "12x",
    "x12",
    "shard-",
    "request-1x",
];

fn argv(rng: &mut impl Rng, words: &[&str]) -> Vec<String> {
    let n = rng.gen_range(0..7);
    let mut v: Vec<String> = Vec::new();
    if rng.gen_bool(0.9) {
        v.push(words[rng.gen_range(0..words.len())].into());
    }
    for _ in 0..n {
        let pool = match rng.gen_range(0..3) {
            0 => words,
            1 => FLAGS,
            _ => VALUES,
        };
        v.push(pool[rng.gen_range(0..pool.len())].replace('\u{0}', ""));
    }
    v
}

fn never_panics(bin: &Path, words: &[&str], seed: u64, runs: usize) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("registry.json"), "{").unwrap();
    std::fs::write(t.path().join("submission.json"), "[]").unwrap();
    for _ in 0..runs {
        let args = argv(&mut rng, words);
        // Long runs (a real setup, a demo) are not what this test is about.
        if args.iter().any(|a| a == "demo") {
            continue;
        }
        let out = Command::new(bin)
            .current_dir(t.path())
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0..=3)) && !err.contains("panicked"),
            "{} {args:?}: {:?}\n{err}",
            bin.display(),
            out.status
        );
    }
}

#[test]
fn random_argument_vectors_never_crash_zkcc() {
    never_panics(Path::new(env!("CARGO_BIN_EXE_zkcc")), ZKCC_WORDS, 24, 150);
}

#[test]
fn random_argument_vectors_never_crash_zkcc_verify() {
    never_panics(
        &crate::cli_contract::zkcc_verify_bin(),
        VERIFY_WORDS,
        24,
        150,
    );
}
