//! `zkcc ceremony wtns`: the importer's witness as an iden3 `.wtns`, for
//! snarkjs or rapidsnark proving with the ceremony's `.zkey`. The written file
//! is read back and checked against the `.r1cs` that `zkcc ceremony r1cs`
//! exports (zkcc's own reader of both formats); when snarkjs is installed,
//! `snarkjs wtns check` must accept it too (required under
//! `ZKCC_REQUIRE_SNARKJS=1`).
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zkcc_prover::ceremony::export::{read_wtns, R1csFile};
use zkcc_prover::ceremony::CeremonyError;

fn zkcc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkcc"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("zkcc runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = zkcc(dir, args);
    assert!(out.status.success(), "zkcc {args:?} failed: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str], needle: &str) {
    let out = zkcc(dir, args);
    assert!(!out.status.success(), "{args:?} succeeded: {}", text(&out));
    assert!(
        text(&out).contains(needle),
        "{args:?}: expected {needle:?} in {}",
        text(&out)
    );
}

/// The snarkjs CLI if installed (see `tests/ceremony.rs`).
fn snarkjs_cli() -> Option<PathBuf> {
    let js =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../verifier/tests/js/node_modules/snarkjs");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let cli = ["build/cli.cjs", "cli.js"]
        .iter()
        .map(|p| js.join(p))
        .find(|p| p.exists());
    match (node, cli) {
        (true, Some(cli)) => Some(cli),
        _ => {
            let msg = "node or snarkjs missing: run verifier/tests/js/install.sh";
            if std::env::var("ZKCC_REQUIRE_SNARKJS").as_deref() == Ok("1") {
                panic!("{msg} (ZKCC_REQUIRE_SNARKJS=1)");
            }
            eprintln!("\n**********\nSKIPPING snarkjs wtns check: {msg}\n**********\n");
            None
        }
    }
}

/// `snarkjs wtns check r1cs wtns` in `dir`: (accepted, output).
fn snarkjs_wtns_check(cli: &Path, dir: &Path, r1cs: &str, wtns: &str) -> (bool, String) {
    let out = Command::new("node")
        .arg(cli)
        .args(["wtns", "check", r1cs, wtns])
        .current_dir(dir)
        .output()
        .expect("run node");
    let t = text(&out);
    (
        out.status.success() && !t.contains("[ERROR]") && t.contains("WITNESS IS CORRECT"),
        t,
    )
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(|s| s.as_str()).collect()
}

const SHARD: &str = "shard-3x4";
const REQUEST: &str = "request-3x3";

#[test]
fn the_importers_witness_as_wtns_satisfies_the_exported_r1cs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(
        d,
        &["sample", "--out", "w", "--chips", "12", "--chunk", "4"],
    );
    let l = ok(
        d,
        &[
            "agency",
            "ledger",
            "--registry",
            "w/registry.json",
            "--shipments",
            "w/shipments.json",
            "--importer",
            "ACME-DC",
            "--out",
            "w/ledger.json",
        ],
    );
    let digest = l.trim().rsplit(' ').next().unwrap().to_string();
    ok(
        d,
        &[
            "commit",
            "--registry",
            "w/registry.json",
            "--inventory",
            "w/inventory.json",
            "--circuit",
            SHARD,
            "--out",
            "w/secret.json",
        ],
    );
    ok(
        d,
        &[
            "agency",
            "request",
            "--importer",
            "ACME-DC",
            "--epoch",
            "202611",
            "--rules",
            "w/rules.json",
            "--out",
            "req.json",
        ],
    );
    let wtns = |circuit: &str, which: &[&str], out: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "ceremony",
            "wtns",
            "--circuit",
            circuit,
            "--registry",
            "w/registry.json",
            "--inventory",
            "w/inventory.json",
            "--secret",
            "w/secret.json",
            "--ledger-digest",
            &digest,
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(which.iter().map(|s| s.to_string()));
        a
    };

    // Unsigned attestations: the native check refuses, nothing is written.
    fails(
        d,
        &args(&wtns(SHARD, &["--shard", "0"], "s0.wtns")),
        "not signed",
    );
    assert!(!d.join("s0.wtns").exists());
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

    // The request proof's witness.
    ok(
        d,
        &[
            "ceremony",
            "r1cs",
            "--circuit",
            REQUEST,
            "--out",
            "req.r1cs",
        ],
    );
    let out = ok(
        d,
        &args(&wtns(
            REQUEST,
            &["--request", "req.json", "--public", "public.json"],
            "req.wtns",
        )),
    );
    assert!(out.contains("request-3x3: witness of"), "{out}");
    let r1cs = R1csFile::read(&std::fs::read(d.join("req.r1cs")).unwrap()).unwrap();
    let wbytes = std::fs::read(d.join("req.wtns")).unwrap();
    let z = read_wtns(&wbytes).unwrap();
    assert_eq!(z.len(), r1cs.n_wires as usize);
    r1cs.check(&z)
        .expect("the request witness satisfies the exported r1cs");
    // public.json holds exactly the public signals of the witness.
    let pubs: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(d.join("public.json")).unwrap()).unwrap();
    assert_eq!(pubs.len(), r1cs.n_pub_in as usize);
    assert_eq!(
        pubs,
        zkcc_verifier::snarkjs::public_to_json(r1cs.public_of(&z))
    );
    // The agency's nonce is among them (a request for another nonce gives another witness).
    let req: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("req.json")).unwrap()).unwrap();
    let nonce = zkcc_circuits::encoding::fr_from_hex(req["nonce"].as_str().unwrap()).unwrap();
    assert!(r1cs.public_of(&z).contains(&nonce));

    // Any changed value breaks a constraint; a changed file is refused or fails the check.
    for k in [1, z.len() / 2, z.len() - 1] {
        let mut t = z.clone();
        t[k] += ark_bn254::Fr::from(1u64);
        let err = r1cs.check(&t).unwrap_err().to_string();
        assert!(err.contains("is not satisfied"), "value {k}: {err}");
    }
    let mut t = z.clone();
    t[0] = ark_bn254::Fr::from(2u64);
    assert!(r1cs
        .check(&t)
        .unwrap_err()
        .to_string()
        .contains("constant 1"));
    assert!(r1cs.check(&z[1..]).is_err());
    assert!(matches!(
        read_wtns(&wbytes[..wbytes.len() - 1]),
        Err(CeremonyError::Format(..))
    ));
    let mut nc = wbytes.clone();
    let last = nc.len() - 1;
    nc[last] = 0xff; // the top byte of the last value: no longer below r
    let err = read_wtns(&nc).unwrap_err().to_string();
    assert!(err.contains("not canonical"), "{err}");
    // The shard circuit's r1cs does not accept the request's witness.
    ok(
        d,
        &[
            "ceremony",
            "r1cs",
            "--circuit",
            SHARD,
            "--out",
            "shard.r1cs",
        ],
    );
    let sr1cs = R1csFile::read(&std::fs::read(d.join("shard.r1cs")).unwrap()).unwrap();
    assert!(sr1cs.check(&z).is_err());

    // Each shard's witness.
    for k in ["0", "1"] {
        let f = format!("s{k}.wtns");
        ok(d, &args(&wtns(SHARD, &["--shard", k], &f)));
        let z = read_wtns(&std::fs::read(d.join(&f)).unwrap()).unwrap();
        sr1cs.check(&z).unwrap_or_else(|e| panic!("shard {k}: {e}"));
    }

    // Refusals, each with its reason.
    fails(
        d,
        &args(&wtns(SHARD, &["--shard", "2"], "x.wtns")),
        "has 2 shards",
    );
    fails(
        d,
        &args(&wtns("shard-3x5", &["--shard", "0"], "x.wtns")),
        "committed for 3x4",
    );
    fails(
        d,
        &args(&wtns(REQUEST, &["--shard", "0"], "x.wtns")),
        "request-SxF takes --request",
    );
    fails(
        d,
        &args(&wtns(SHARD, &["--request", "req.json"], "x.wtns")),
        "shard-FxM takes --shard",
    );
    fails(
        d,
        &args(&wtns("request-1x3", &["--request", "req.json"], "x.wtns")),
        "do not fit",
    );
    fails(
        d,
        &args(&wtns("evaluation-3", &["--shard", "0"], "x.wtns")),
        "request-SxF and shard-FxM",
    );
    assert!(!d.join("x.wtns").exists());

    // snarkjs agrees (optional unless ZKCC_REQUIRE_SNARKJS=1).
    if let Some(cli) = snarkjs_cli() {
        let (accepted, out) = snarkjs_wtns_check(&cli, d, "req.r1cs", "req.wtns");
        assert!(accepted, "snarkjs wtns check refused: {out}");
        let (accepted, out) = snarkjs_wtns_check(&cli, d, "shard.r1cs", "s1.wtns");
        assert!(accepted, "snarkjs wtns check refused: {out}");
        let mut bad = z.clone();
        bad[z.len() - 1] += ark_bn254::Fr::from(1u64);
        std::fs::write(
            d.join("bad.wtns"),
            zkcc_prover::ceremony::export::wtns_bytes(&bad),
        )
        .unwrap();
        let (accepted, out) = snarkjs_wtns_check(&cli, d, "req.r1cs", "bad.wtns");
        assert!(!accepted, "snarkjs accepted a broken witness: {out}");
    }
}
