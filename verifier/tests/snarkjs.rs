//! snarkjs interop: zkcc's key, proof and public inputs exported as
//! snarkjs JSON verify with `snarkjs groth16 verify` (and a tampered one does
//! not), and import back to the same objects.
//!
//! The snarkjs half needs node and `tests/js/install.sh`. Locally it is
//! skipped, loudly, when either is missing; CI sets `ZKCC_REQUIRE_SNARKJS=1`
//! (see `.ci/test`), so there it fails instead.
mod common;

use ark_bn254::Fr;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::{snarkjs, VerifyError};

#[test]
fn export_import_round_trip() {
    let e = env();
    let st = e.fixtures[0].statement;
    let vk_text = snarkjs::to_json_pretty(&snarkjs::vk_to_json(&e.vk));
    let proof_text = snarkjs::to_json_pretty(&snarkjs::proof_to_json(&e.proofs[0]));
    let public_text = snarkjs::to_json_pretty(&snarkjs::public_to_json(&st.public_inputs()));
    let vk = snarkjs::parse_vk(&vk_text, 5).unwrap();
    let proof = snarkjs::parse_proof(&proof_text).unwrap();
    let inputs = snarkjs::parse_public(&public_text).unwrap();
    assert_eq!(vk, e.vk);
    assert_eq!(proof, e.proofs[0]);
    assert_eq!(inputs, st.public_inputs());
    assert_eq!(snarkjs::cluster_statement(&inputs).unwrap(), st);
    PreparedKey::new(&vk).verify(&inputs, &proof).unwrap();
    // snarkjs's own key files carry vk_alphabeta_12: accepted and ignored.
    let mut v: serde_json::Value = serde_json::from_str(&vk_text).unwrap();
    v["vk_alphabeta_12"] = serde_json::json!([[["1", "2"]]]);
    assert_eq!(snarkjs::parse_vk(&v.to_string(), 5).unwrap(), e.vk);
    // Layout: G1 [x, y, "1"]; G2 [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]].
    let j = snarkjs::vk_to_json(&e.vk);
    assert_eq!(j.vk_alpha_1[2], "1");
    assert_eq!(j.vk_beta_2[2], ["1".to_string(), "0".to_string()]);
    assert_eq!(j.vk_beta_2[0][0], e.vk.beta_g2.x.c0.to_string());
    assert_eq!(j.vk_beta_2[0][1], e.vk.beta_g2.x.c1.to_string());
    assert_eq!(
        (
            j.n_public,
            j.ic.len(),
            j.protocol.as_str(),
            j.curve.as_str()
        ),
        (5, 6, "groth16", "bn128")
    );
}

#[test]
fn malformed_snarkjs_files_are_rejected() {
    let e = env();
    let good = snarkjs::proof_to_json(&e.proofs[0]);
    let mut j = good.clone();
    j.pi_a[0] = format!("0{}", j.pi_a[0]); // leading zero
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut j = good.clone();
    j.pi_a[0] = "+1".into();
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut j = good.clone();
    // x + p for the coordinate: same residue, not canonical.
    let mut x = ark_ff::PrimeField::into_bigint(e.proofs[0].a.x);
    ark_ff::BigInteger::add_with_carry(&mut x, &<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS);
    j.pi_a[0] = x.to_string();
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut j = good.clone();
    j.pi_a[1] = "1".into(); // off the curve
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut j = good.clone();
    j.pi_b[2] = ["0".into(), "1".into()];
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut j = good.clone();
    j.protocol = "plonk".into();
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    // Swapping the Fq2 components (the EVM order) is caught as off-curve.
    let mut j = good;
    j.pi_b[0].swap(0, 1);
    j.pi_b[1].swap(0, 1);
    assert!(matches!(
        snarkjs::proof_from_json(&j),
        Err(VerifyError::Snarkjs { .. })
    ));
    assert!(matches!(
        snarkjs::parse_public("[\"1\", 2]"),
        Err(VerifyError::Snarkjs { .. })
    ));
    assert!(matches!(
        snarkjs::cluster_statement(&[Fr::from(1u64); 4]),
        Err(VerifyError::Snarkjs { .. })
    ));
    let mut big = vec![Fr::from(1u64); 5];
    big[2] = Fr::from(u64::MAX) + Fr::from(1u64);
    assert!(matches!(
        snarkjs::cluster_statement(&big),
        Err(VerifyError::PublicInput { name: "cap", .. })
    ));
}

/// The snarkjs CLI, if installed.
fn snarkjs_cli() -> Option<PathBuf> {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules/snarkjs");
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
            eprintln!("\n**********\nSKIPPING the snarkjs interop check: {msg}\n**********\n");
            None
        }
    }
}

fn snarkjs_verify(cli: &Path, dir: &Path) -> bool {
    let out = Command::new("node")
        .arg(cli)
        .args(["groth16", "verify"])
        .args([
            dir.join("verification_key.json"),
            dir.join("public.json"),
            dir.join("proof.json"),
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // snarkjs prints "OK!" on success and "Invalid proof" on failure.
    assert_eq!(
        out.status.success(),
        text.contains("OK"),
        "snarkjs said: {text}"
    );
    out.status.success()
}

fn write_files(
    dir: &Path,
    vk: &snarkjs::VerificationKeyJson,
    proof: &snarkjs::ProofJson,
    public: &[String],
) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("verification_key.json"),
        snarkjs::to_json_pretty(vk),
    )
    .unwrap();
    std::fs::write(dir.join("proof.json"), snarkjs::to_json_pretty(proof)).unwrap();
    std::fs::write(
        dir.join("public.json"),
        snarkjs::to_json_pretty(&public.to_vec()),
    )
    .unwrap();
}

#[test]
fn snarkjs_accepts_zkcc_proofs_and_rejects_tampered_ones() {
    let Some(cli) = snarkjs_cli() else { return };
    let e = env();
    let st = e.fixtures[1].statement;
    let root = std::env::temp_dir().join(format!("zkcc-snarkjs-{}", std::process::id()));
    let vk = snarkjs::vk_to_json(&e.vk);
    let proof = snarkjs::proof_to_json(&e.proofs[1]);
    let public = snarkjs::public_to_json(&st.public_inputs());

    let ok = root.join("ok");
    write_files(&ok, &vk, &proof, &public);
    assert!(snarkjs_verify(&cli, &ok), "snarkjs rejects zkcc's proof");
    // zkcc verifies the very files it handed to snarkjs.
    let read = |n: &str| std::fs::read_to_string(ok.join(n)).unwrap();
    let (vk2, p2, x2) = (
        snarkjs::parse_vk(&read("verification_key.json"), 5).unwrap(),
        snarkjs::parse_proof(&read("proof.json")).unwrap(),
        snarkjs::parse_public(&read("public.json")).unwrap(),
    );
    PreparedKey::new(&vk2).verify(&x2, &p2).unwrap();

    // Tampered: another nonce; another proof's A; a proof of another statement.
    let mut bad_public = public.clone();
    bad_public[4] = (st.nonce + Fr::from(1u64)).to_string();
    let d = root.join("nonce");
    write_files(&d, &vk, &proof, &bad_public);
    assert!(
        !snarkjs_verify(&cli, &d),
        "snarkjs accepts a proof under another nonce"
    );
    let mut bad_proof = proof.clone();
    bad_proof.pi_a = snarkjs::proof_to_json(&e.proofs[0]).pi_a;
    let d = root.join("a");
    write_files(&d, &vk, &bad_proof, &public);
    assert!(
        !snarkjs_verify(&cli, &d),
        "snarkjs accepts a proof with another A"
    );
    let d = root.join("other");
    write_files(&d, &vk, &snarkjs::proof_to_json(&e.proofs[0]), &public);
    assert!(
        !snarkjs_verify(&cli, &d),
        "snarkjs accepts a proof of another statement"
    );
    let _ = std::fs::remove_dir_all(&root);
}
