//! snarkjs interop: zkcc's key, proof and public inputs exported as
//! snarkjs JSON verify with `snarkjs groth16 verify` (and a tampered one does
//! not), and import back to the same objects.
//!
//! The snarkjs half needs node and `tests/js/install.sh`. Locally it is
//! skipped, loudly, when either is missing; CI sets `ZKCC_REQUIRE_SNARKJS=1`
//! (see `.ci/test`), so there it fails instead.
use crate::common;

use ark_bn254::Fr;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::{snarkjs, VerifyError};

#[test]
fn export_import_round_trip() {
    let e = env();
    let st = e.statement(0);
    let vk_text = snarkjs::to_json_pretty(&snarkjs::vk_to_json(&e.vk));
    let proof_text = snarkjs::to_json_pretty(&snarkjs::proof_to_json(&e.proofs[0]));
    let public_text = snarkjs::to_json_pretty(&snarkjs::public_to_json(&st.public_inputs()));
    let vk = snarkjs::parse_vk(&vk_text, N_INPUTS).unwrap();
    let proof = snarkjs::parse_proof(&proof_text).unwrap();
    let inputs = snarkjs::parse_public(&public_text).unwrap();
    assert_eq!(vk, e.vk);
    assert_eq!(proof, e.proofs[0]);
    assert_eq!(inputs, st.public_inputs());
    assert_eq!(snarkjs::request_statement(&inputs).unwrap(), st);
    // A shard proof's public.json reads back as its statement too.
    let shard = e.fleets[0].shards[0].0;
    let shard_inputs = snarkjs::parse_public(&snarkjs::to_json_pretty(&snarkjs::public_to_json(
        &shard.public_inputs(),
    )))
    .unwrap();
    assert_eq!(snarkjs::shard_statement(&shard_inputs).unwrap(), shard);
    PreparedKey::new(&vk).verify(&inputs, &proof).unwrap();
    // snarkjs's own key files carry vk_alphabeta_12: accepted and ignored.
    let mut v: serde_json::Value = serde_json::from_str(&vk_text).unwrap();
    v["vk_alphabeta_12"] = serde_json::json!([[["1", "2"]]]);
    assert_eq!(snarkjs::parse_vk(&v.to_string(), N_INPUTS).unwrap(), e.vk);
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
        (16, 17, "groth16", "bn128")
    );
}

#[test]
fn malformed_snarkjs_files_are_rejected() {
    let e = env();
    let good = snarkjs::proof_to_json(&e.proofs[0]);
    let x = good.pi_a[0].clone();
    let refused = |j: &snarkjs::ProofJson, want: &str| {
        assert_reason(&snarkjs::proof_from_json(j).unwrap_err(), want);
    };
    let mut j = good.clone();
    j.pi_a[0] = format!("0{x}"); // leading zero
    refused(
        &j,
        &format!("snarkjs proof.json: pi_a: \"0{x}\" is not a canonical decimal"),
    );
    let mut j = good.clone();
    j.pi_a[0] = "+1".into();
    refused(
        &j,
        "snarkjs proof.json: pi_a: \"+1\" is not a canonical decimal",
    );
    let mut j = good.clone();
    // x + p for the coordinate: same residue, not canonical.
    let mut xp = ark_ff::PrimeField::into_bigint(e.proofs[0].a.x);
    ark_ff::BigInteger::add_with_carry(&mut xp, &<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS);
    j.pi_a[0] = xp.to_string();
    refused(
        &j,
        &format!("snarkjs proof.json: pi_a: {xp} is not below the field modulus"),
    );
    let mut j = good.clone();
    j.pi_a[1] = "1".into(); // off the curve
    refused(&j, "snarkjs proof.json: pi_a: not a point of G1");
    let mut j = good.clone();
    j.pi_b[2] = ["0".into(), "1".into()];
    refused(
        &j,
        "snarkjs proof.json: pi_b: z must be [\"1\", \"0\"] (no point at infinity, normalized coordinates)",
    );
    let mut j = good.clone();
    j.protocol = "plonk".into();
    refused(
        &j,
        "snarkjs proof.json: protocol \"plonk\" (expected \"groth16\")",
    );
    let mut j = good.clone();
    j.curve = Some("bls12381".into());
    refused(
        &j,
        "snarkjs proof.json: curve \"bls12381\" (expected \"bn128\")",
    );
    // Swapping the Fq2 components (the EVM order) is caught as off-curve.
    let mut j = good;
    j.pi_b[0].swap(0, 1);
    j.pi_b[1].swap(0, 1);
    refused(
        &j,
        "snarkjs proof.json: pi_b: not a point of G2 (off the twist or outside the prime-order subgroup)",
    );
    assert_reason(
        &snarkjs::parse_public("[\"1\", 2]").unwrap_err(),
        "snarkjs public.json: invalid type: integer `2`, expected a string at line 1 column 7",
    );
    assert_reason(
        &snarkjs::request_statement(&[Fr::from(1u64); 7]).unwrap_err(),
        "snarkjs public.json: 7 inputs, the request claim has 16",
    );
    assert_reason(
        &snarkjs::shard_statement(&[Fr::from(1u64); 16]).unwrap_err(),
        "snarkjs public.json: 16 inputs, the shard claim has 7",
    );
    let honest = e.statement(0).public_inputs();
    let mut big = honest.clone();
    big[7] = Fr::from(u64::MAX) + Fr::from(1u64);
    let err = snarkjs::request_statement(&big).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::PublicInput {
                name: "facility_cap_tpp",
                ..
            }
        ),
        "{err}"
    );
    assert_reason(
        &err,
        "public input facility_cap_tpp: does not fit in 64 bits",
    );
    // Rules the circuit's range checks would not admit: a share over 100 %.
    let mut over = honest;
    over[9] = Fr::from(10_001u64);
    assert_reason(
        &snarkjs::request_statement(&over).unwrap_err(),
        "snarkjs public.json: rules: home_min_bp = 10001 exceeds 10000 basis points",
    );
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

/// What `snarkjs groth16 verify` printed (stdout, colours stripped; stderr)
/// and whether it accepted.
fn snarkjs_verify(cli: &Path, dir: &Path) -> (bool, String, String) {
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
    (
        out.status.success(),
        strip_ansi(&String::from_utf8_lossy(&out.stdout)),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// snarkjs's logger colours its output even into a pipe.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// snarkjs 0.7.5's lines (`groth16Verify`): the pairing check passed; it
/// failed. Its other refusals ("Public inputs are not valid.", "Proof
/// commitments are not valid.") are other reasons and must not pass for
/// these.
const SNARKJS_OK: &str = "[INFO]  snarkJS: OK!\n";
const SNARKJS_INVALID: &str = "[ERROR] snarkJS: Invalid proof\n";

#[track_caller]
fn assert_snarkjs(cli: &Path, dir: &Path, accepted: bool, what: &str) {
    let (ok, stdout, stderr) = snarkjs_verify(cli, dir);
    let want = if accepted {
        SNARKJS_OK
    } else {
        SNARKJS_INVALID
    };
    assert_eq!(
        (ok, stdout.as_str(), stderr.as_str()),
        (accepted, want, ""),
        "{what}"
    );
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
    let st = e.statement(1);
    let root = std::env::temp_dir().join(format!("zkcc-snarkjs-{}", std::process::id()));
    let vk = snarkjs::vk_to_json(&e.vk);
    let proof = snarkjs::proof_to_json(&e.proofs[1]);
    let public = snarkjs::public_to_json(&st.public_inputs());

    let ok = root.join("ok");
    write_files(&ok, &vk, &proof, &public);
    assert_snarkjs(&cli, &ok, true, "snarkjs rejects zkcc's proof");
    // zkcc verifies the very files it handed to snarkjs.
    let read = |n: &str| std::fs::read_to_string(ok.join(n)).unwrap();
    let (vk2, p2, x2) = (
        snarkjs::parse_vk(&read("verification_key.json"), N_INPUTS).unwrap(),
        snarkjs::parse_proof(&read("proof.json")).unwrap(),
        snarkjs::parse_public(&read("public.json")).unwrap(),
    );
    PreparedKey::new(&vk2).verify(&x2, &p2).unwrap();

    // Tampered: another nonce; another proof's A; a proof of another statement.
    let mut bad_public = public.clone();
    bad_public[5] = (st.nonce + Fr::from(1u64)).to_string();
    let d = root.join("nonce");
    write_files(&d, &vk, &proof, &bad_public);
    assert_snarkjs(&cli, &d, false, "a proof under another nonce");
    let mut bad_proof = proof.clone();
    bad_proof.pi_a = snarkjs::proof_to_json(&e.proofs[0]).pi_a;
    let d = root.join("a");
    write_files(&d, &vk, &bad_proof, &public);
    assert_snarkjs(&cli, &d, false, "a proof with another A");
    let d = root.join("other");
    write_files(&d, &vk, &snarkjs::proof_to_json(&e.proofs[0]), &public);
    assert_snarkjs(&cli, &d, false, "a proof of another statement");
    let _ = std::fs::remove_dir_all(&root);
}
