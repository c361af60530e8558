//! snarkjs, as `verifier/tests/js/install.sh` installs it: found, run, and a
//! phase-1 ceremony made with it.
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkcc_verifier::snarkjs::{parse_proof, parse_public};

/// Where install.sh puts snarkjs, from the workspace root.
const MODULE: &str = "verifier/tests/js/node_modules/snarkjs";

fn node_runs() -> bool {
    let version = Command::new("node").arg("--version").output();
    matches!(version, Ok(o) if o.status.success())
}

/// The snarkjs CLI script if node and snarkjs are installed. Without them:
/// `None` and a loud SKIPPING line naming `what` is skipped, or a panic under
/// `ZKCC_REQUIRE_SNARKJS=1` (CI), where skipping would hide a missing install.
pub fn cli(what: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let js = root.join(MODULE);
    let script = ["build/cli.cjs", "cli.js"]
        .into_iter()
        .map(|p| js.join(p))
        .find(|p| p.exists());
    if let (true, Some(script)) = (node_runs(), script) {
        return Some(script);
    }
    let msg = "node or snarkjs missing: run verifier/tests/js/install.sh";
    if std::env::var("ZKCC_REQUIRE_SNARKJS").as_deref() == Ok("1") {
        panic!("{msg} (ZKCC_REQUIRE_SNARKJS=1)");
    }
    eprintln!("\n**********\nSKIPPING {what}: {msg}\n**********\n");
    None
}

/// Runs `snarkjs args…` in `dir`: (success, stdout + stderr). snarkjs exits
/// 0 on some errors, so an `[ERROR]` line counts as failure.
pub fn run(cli: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("node")
        .arg(cli)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run node");
    let text = crate::cli::text(&out);
    (out.status.success() && !text.contains("[ERROR]"), text)
}

/// Runs snarkjs and panics with its output on failure; returns the output.
pub fn ok(cli: &Path, dir: &Path, args: &[&str]) -> String {
    let (ok, text) = run(cli, dir, args);
    assert!(ok, "snarkjs {args:?} failed:\n{text}");
    text
}

/// `snarkjs wtns check r1cs wtns` in `dir`: (accepted, output).
pub fn wtns_check(cli: &Path, dir: &Path, r1cs: &str, wtns: &str) -> (bool, String) {
    let (ok, text) = run(cli, dir, &["wtns", "check", r1cs, wtns]);
    (ok && text.contains("WITNESS IS CORRECT"), text)
}

/// A phase-1 ceremony of `power` by snarkjs in `dir`: two contributions, a
/// beacon, then `prepare phase2`. Returns the (raw, prepared) files.
pub fn phase1(cli: &Path, dir: &Path, power: u32) -> (PathBuf, PathBuf) {
    let p = power.to_string();
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let steps: [&[&str]; 5] = [
        &["powersoftau", "new", "bn128", &p, "pot0.ptau"],
        &[
            "powersoftau",
            "contribute",
            "pot0.ptau",
            "pot1.ptau",
            "--name=first",
            "-e=entropy one",
        ],
        &[
            "powersoftau",
            "contribute",
            "pot1.ptau",
            "pot2.ptau",
            "--name=second",
            "-e=entropy two",
        ],
        &[
            "powersoftau",
            "beacon",
            "pot2.ptau",
            "pot_beacon.ptau",
            beacon,
            "10",
            "-n=final beacon",
        ],
        &[
            "powersoftau",
            "prepare",
            "phase2",
            "pot_beacon.ptau",
            "pot_final.ptau",
        ],
    ];
    for args in steps {
        ok(cli, dir, args);
    }
    (dir.join("pot_beacon.ptau"), dir.join("pot_final.ptau"))
}

/// A fresh directory `zkcc-<prefix>-<name>-<pid>` under the system's temp
/// directory (emptied if a previous run left it).
pub fn fresh_dir(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkcc-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// `zkey verify r1cs ptau zkey`, for [`ok`] or [`run`] (a tampered key).
pub fn zkey_verify_args<'a>(r1cs: &'a str, ptau: &'a str, zkey: &'a str) -> [&'a str; 5] {
    ["zkey", "verify", r1cs, ptau, zkey]
}

/// `zkey contribute from to --name=name -e=entropy` in `dir`, asserted.
pub fn zkey_contribute(cli: &Path, dir: &Path, from: &str, to: &str, name: &str, entropy: &str) {
    let name = format!("--name={name}");
    let entropy = format!("-e={entropy}");
    ok(cli, dir, &["zkey", "contribute", from, to, &name, &entropy]);
}

/// `groth16 prove zkey wtns proof.json public` in `dir`, asserted; the
/// proof and public inputs as zkcc's verifier parses them.
pub fn groth16_prove(
    cli: &Path,
    dir: &Path,
    zkey: &str,
    wtns: &str,
    public: &str,
) -> (Proof<Bn254>, Vec<Fr>) {
    ok(
        cli,
        dir,
        &["groth16", "prove", zkey, wtns, "proof.json", public],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("snarkjs wrote it");
    let proof = parse_proof(&read("proof.json")).expect("snarkjs's proof.json parses");
    let public = parse_public(&read(public)).expect("snarkjs's public file parses");
    (proof, public)
}
