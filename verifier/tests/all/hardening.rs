//! One test per known Groth16 pitfall: each hostile input is rejected with
//! the right typed error, before or at the pairing check.
use crate::common;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use ark_groth16::{Groth16, Proof, VerifyingKey};
use ark_serialize::{CanonicalSerialize, Compress};
use common::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkcc_circuits::shard::fixtures::IMPORTER;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::bundle::{parse_proof, parse_proof_uncompressed};
use zkcc_verifier::keys::{check_verifying_key_for, circuit_id, load_verifying_key_for};
use zkcc_verifier::submission::{Bundle, RequestBundle, Submission};
use zkcc_verifier::{snarkjs, VerifyError};

/// [`load_verifying_key_for`] for the request claim.
fn load_verifying_key(bytes: &[u8]) -> Result<VerifyingKey<Bn254>, VerifyError> {
    load_verifying_key_for(bytes, N_INPUTS)
}

/// A request bundle's own checks and its proof, against `vk`.
fn verify_bundle(vk: &VerifyingKey<Bn254>, b: &RequestBundle) -> Result<(), VerifyError> {
    let st = b.statement()?;
    let proof = b.proof()?;
    PreparedKey::new(vk).verify(&st.public_inputs(), &proof)
}

fn vk_bytes(vk: &VerifyingKey<Bn254>) -> Vec<u8> {
    let mut b = Vec::new();
    vk.serialize_compressed(&mut b).unwrap();
    b
}

fn proof_bytes(p: &Proof<Bn254>, c: Compress) -> Vec<u8> {
    let mut b = Vec::new();
    p.serialize_with_mode(&mut b, c).unwrap();
    b
}

/// A point on BN254's twist `y² = x³ + b'` that is *not* in the order-r
/// subgroup (G2 has a cofactor): try-and-increment over `x = i + u`.
fn off_subgroup_g2() -> G2Affine {
    let b = ark_bn254::g2::Config::COEFF_B;
    for i in 1u64.. {
        let x = Fq2::new(Fq::from(i), Fq::from(1u64));
        if let Some(y) = (x.square() * x + b).sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            assert!(p.is_on_curve());
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
    unreachable!()
}

#[test]
fn honest_bundle_verifies() {
    let e = env();
    let b = bundle(0);
    assert_eq!(b.statement().unwrap(), e.statement(0));
    assert_eq!(b.circuit_id, circuit_id(&e.vk));
    verify_bundle(&e.vk, &b).unwrap();
}

/// Re-randomization turns a valid proof into different bytes that still
/// verify: proof bytes are never an identifier, the statement is.
#[test]
fn rerandomized_proof_verifies() {
    let e = env();
    let mut rng = StdRng::seed_from_u64(1);
    let p2 = Groth16::<Bn254>::rerandomize_proof(&e.vk, &e.proofs[0], &mut rng);
    assert_ne!(
        proof_bytes(&p2, Compress::Yes),
        proof_bytes(&e.proofs[0], Compress::Yes)
    );
    let st = e.statement(0);
    let b2 = RequestBundle::new(IMPORTER, circuit_id(&e.vk), SHAPE, &st, &p2);
    verify_bundle(&e.vk, &bundle(0)).unwrap();
    verify_bundle(&e.vk, &b2).unwrap();
    assert_eq!(
        b2.statement().unwrap(),
        bundle(0).statement().unwrap(),
        "the statement does not depend on the proof bytes"
    );
}

fn plus_r_hex(x: &Fr) -> String {
    let mut b = x.into_bigint();
    assert!(!b.add_with_carry(&Fr::MODULUS));
    format!("0x{}", hex::encode(b.to_bytes_be()))
}

fn plus_r_decimal(x: &Fr) -> String {
    let mut b = x.into_bigint();
    assert!(!b.add_with_carry(&Fr::MODULUS));
    b.to_string()
}

/// `x + r` encodes the same field element as `x` if reduced: it must be a
/// parse error, never `x`.
#[test]
fn public_input_plus_r_is_rejected_at_parsing() {
    let e = env();
    let st = e.statement(0);
    for (name, x) in [
        ("commitment", st.commitment),
        ("shards_digest", st.shards_digest),
        ("ledger_product", st.ledger_product),
        ("nonce", st.nonce),
    ] {
        let mut b = bundle(0);
        let p = &mut b.public_inputs;
        let field = match name {
            "commitment" => &mut p.commitment,
            "shards_digest" => &mut p.shards_digest,
            "ledger_product" => &mut p.ledger_product,
            _ => &mut p.nonce,
        };
        *field = plus_r_hex(&x);
        let err = verify_bundle(&e.vk, &b).unwrap_err();
        assert!(
            matches!(err, VerifyError::PublicInput { name: n, .. } if n == name),
            "{name}: {err}"
        );
        assert_reason(
            &err,
            &format!("public input {name}: field element {} is not canonical: it is not below the BN254 scalar field modulus", plus_r_hex(&x)),
        );
    }
    // The same through snarkjs's public.json, for every input.
    let inputs = st.public_inputs();
    for j in 0..inputs.len() {
        let mut json = snarkjs::public_to_json(&inputs);
        json[j] = plus_r_decimal(&inputs[j]);
        let err = snarkjs::public_from_json(&json).unwrap_err();
        assert_reason(
            &err,
            &format!(
                "snarkjs public.json: input {j}: {} is not below the field modulus",
                json[j]
            ),
        );
    }
    // r − 1 is canonical; r is not.
    assert!(snarkjs::public_from_json(&[(-Fr::from(1u64)).to_string()]).is_ok());
    assert_reason(
        &snarkjs::public_from_json(&[plus_r_decimal(&Fr::zero())]).unwrap_err(),
        &format!(
            "snarkjs public.json: input 0: {} is not below the field modulus",
            Fr::MODULUS
        ),
    );
}

/// A point on the twist outside the prime-order subgroup, as `B`, is
/// rejected at deserialization — compressed, uncompressed, in a bundle and
/// in snarkjs JSON — and never reaches the pairing.
#[test]
fn off_subgroup_g2_point_as_b_is_rejected() {
    let e = env();
    let bad_b = off_subgroup_g2();
    let bad = Proof::<Bn254> {
        b: bad_b,
        ..e.proofs[0].clone()
    };
    for c in [Compress::Yes, Compress::No] {
        let bytes = proof_bytes(&bad, c);
        let err = match c {
            Compress::Yes => parse_proof(&bytes).unwrap_err(),
            Compress::No => parse_proof_uncompressed(&bytes).unwrap_err(),
        };
        // arkworks' reason for a point outside the subgroup (the only change).
        assert_reason(
            &err,
            "proof encoding invalid: the input buffer contained invalid data",
        );
    }
    // The honest proof parses both ways.
    parse_proof(&proof_bytes(&e.proofs[0], Compress::Yes)).unwrap();
    parse_proof_uncompressed(&proof_bytes(&e.proofs[0], Compress::No)).unwrap();

    let mut b = bundle(0);
    b.proof = hex::encode(proof_bytes(&bad, Compress::Yes));
    let err = verify_bundle(&e.vk, &b).unwrap_err();
    assert_reason(
        &err,
        "proof encoding invalid: the input buffer contained invalid data",
    );

    let mut j = snarkjs::proof_to_json(&e.proofs[0]);
    j.pi_b = snarkjs::proof_to_json(&bad).pi_b;
    let err = snarkjs::proof_from_json(&j).unwrap_err();
    assert_reason(
        &err,
        "snarkjs proof.json: pi_b: not a point of G2 (off the twist or outside the prime-order subgroup)",
    );

    // The same point as γ in a key.
    let vk = VerifyingKey {
        gamma_g2: bad_b,
        ..e.vk.clone()
    };
    let err = load_verifying_key(&vk_bytes(&vk)).unwrap_err();
    assert_reason(
        &err,
        "verifying key encoding invalid: the input buffer contained invalid data",
    );
}

#[test]
fn identity_points_are_rejected() {
    let e = env();
    let p = &e.proofs[0];
    let zero1 = G1Affine::zero();
    for bad in [
        Proof {
            a: zero1,
            ..p.clone()
        },
        Proof {
            b: G2Affine::zero(),
            ..p.clone()
        },
        Proof {
            c: zero1,
            ..p.clone()
        },
    ] {
        let err = parse_proof(&proof_bytes(&bad, Compress::Yes)).unwrap_err();
        assert_reason(&err, "proof encoding invalid: identity point in the proof");
    }
    let keys = [
        VerifyingKey {
            alpha_g1: zero1,
            ..e.vk.clone()
        },
        VerifyingKey {
            beta_g2: G2Affine::zero(),
            ..e.vk.clone()
        },
        VerifyingKey {
            gamma_g2: G2Affine::zero(),
            ..e.vk.clone()
        },
        VerifyingKey {
            delta_g2: G2Affine::zero(),
            ..e.vk.clone()
        },
        {
            let mut vk = e.vk.clone();
            vk.gamma_abc_g1[3] = zero1;
            vk
        },
    ];
    for (i, vk) in keys.into_iter().enumerate() {
        let err = load_verifying_key(&vk_bytes(&vk)).unwrap_err();
        assert_reason(
            &err,
            if i < 4 {
                "verifying key rejected: an identity point among α, β, γ, δ"
            } else {
                "verifying key rejected: an identity point among the input bases: that input would not be bound"
            },
        );
    }
    // snarkjs: the point at infinity (z = 0) is refused.
    let mut j = snarkjs::proof_to_json(p);
    j.pi_a = ["0".into(), "1".into(), "0".into()];
    assert_reason(
        &snarkjs::proof_from_json(&j).unwrap_err(),
        "snarkjs proof.json: pi_a: z must be \"1\" (no point at infinity, normalized coordinates)",
    );
    // … and so is (0, 0), arkworks' own encoding of the identity.
    let mut j = snarkjs::proof_to_json(p);
    j.pi_a = ["0".into(), "0".into(), "1".into()];
    assert_reason(
        &snarkjs::proof_from_json(&j).unwrap_err(),
        "snarkjs proof.json: pi_a: the identity point",
    );
    let mut j = snarkjs::proof_to_json(p);
    j.pi_b = [
        ["0".into(), "0".into()],
        ["0".into(), "0".into()],
        ["1".into(), "0".into()],
    ];
    assert_reason(
        &snarkjs::proof_from_json(&j).unwrap_err(),
        "snarkjs proof.json: pi_b: the identity point",
    );
}

/// With γ = δ anyone can forge: A = α, B = β, C = −IC(x) satisfies the
/// verification equation for every x. Such a key is refused on load.
#[test]
fn gamma_equal_delta_key_is_rejected() {
    let e = env();
    let vk = VerifyingKey {
        delta_g2: e.vk.gamma_g2,
        ..e.vk.clone()
    };
    // The forgery works against an unchecked key…
    let st = e.statement(1);
    let pk = PreparedKey::new(&vk);
    let ic = vk.gamma_abc_g1[0].into_group()
        + vk.gamma_abc_g1[1..]
            .iter()
            .zip(st.public_inputs())
            .map(|(b, x)| *b * x)
            .sum::<ark_bn254::G1Projective>();
    let forged = Proof {
        a: vk.alpha_g1,
        b: vk.beta_g2,
        c: (-ic).into_affine(),
    };
    pk.verify(&st.public_inputs(), &forged).unwrap();
    // …so the key never gets that far.
    let err = load_verifying_key(&vk_bytes(&vk)).unwrap_err();
    let gd = "verifying key rejected: γ = δ: proofs for any statement could be forged";
    assert_reason(&err, gd);
    assert_reason(&check_verifying_key_for(&vk, N_INPUTS).unwrap_err(), gd);
    let j = snarkjs::vk_to_json(&vk);
    assert_reason(&snarkjs::vk_from_json(&j, N_INPUTS).unwrap_err(), gd);
}

#[test]
fn wrong_number_of_inputs_is_rejected() {
    let e = env();
    let count = |key_inputs, claim_inputs| VerifyError::KeyInputCount {
        key_inputs,
        claim_inputs,
    };
    let mut short = e.vk.clone();
    short.gamma_abc_g1.pop();
    let err = load_verifying_key(&vk_bytes(&short)).unwrap_err();
    assert_eq!(err.to_string(), count(15, 16).to_string());
    // The message names the key's count first, then the claim's.
    assert_eq!(
        err.to_string(),
        "verifying key has 15 public inputs, the claim has 16"
    );
    let mut long = e.vk.clone();
    long.gamma_abc_g1.push(long.gamma_abc_g1[1]);
    let err = load_verifying_key(&vk_bytes(&long)).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::KeyInputCount {
                key_inputs: 17,
                claim_inputs: 16
            }
        ),
        "{err}"
    );
    // Verifying with too few or too many inputs: the key has 16.
    let pk = PreparedKey::new(&e.vk);
    let inputs = e.statement(0).public_inputs();
    let err = pk.verify(&inputs[..15], &e.proofs[0]).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::KeyInputCount {
                key_inputs: 16,
                claim_inputs: 15
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "verifying key has 16 public inputs, the claim has 15"
    );
    let mut more = inputs.clone();
    more.push(Fr::zero());
    let err = pk.verify(&more, &e.proofs[0]).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::KeyInputCount {
                key_inputs: 16,
                claim_inputs: 17
            }
        ),
        "{err}"
    );
    // A snarkjs key for 15 inputs (nPublic and IC agreeing) under a 16-input claim.
    let j = snarkjs::vk_to_json(&short);
    let err = snarkjs::vk_from_json(&j, N_INPUTS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "verifying key has 15 public inputs, the claim has 16"
    );
    // A snarkjs key whose nPublic disagrees with its own IC is malformed.
    let mut j = snarkjs::vk_to_json(&e.vk);
    j.n_public = 15;
    let err = snarkjs::vk_from_json(&j, N_INPUTS).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::Snarkjs {
                file: "verification_key.json",
                ref reason
            } if reason == "nPublic is 15 but IC has 17 bases (16 inputs)"
        ),
        "{err}"
    );
}

/// A valid proof replayed under another nonce or epoch: the importer
/// rewrites the bundle's statement to the new request, and the proof no
/// longer verifies (every public input is bound). The agency's comparison of
/// the statement with its own request is `fleet`'s (tests/fleet.rs).
#[test]
fn proof_replayed_under_another_nonce_or_epoch_is_rejected() {
    let e = env();
    let st = e.statement(0);
    let mut st2 = st;
    st2.nonce += Fr::from(1u64);
    let b2 = RequestBundle::new(IMPORTER, circuit_id(&e.vk), SHAPE, &st2, &e.proofs[0]);
    assert!(matches!(
        verify_bundle(&e.vk, &b2),
        Err(VerifyError::ProofRejected)
    ));
    let mut st3 = st;
    st3.epoch += 1;
    let b3 = RequestBundle::new(IMPORTER, circuit_id(&e.vk), SHAPE, &st3, &e.proofs[0]);
    assert!(matches!(
        verify_bundle(&e.vk, &b3),
        Err(VerifyError::ProofRejected)
    ));
}

#[test]
fn every_public_input_is_bound() {
    let e = env();
    let pk = PreparedKey::new(&e.vk);
    let inputs = e.statement(0).public_inputs();
    pk.verify(&inputs, &e.proofs[0]).unwrap();
    for j in 0..inputs.len() {
        assert!(
            matches!(
                pk.verify(&bump(&inputs, j), &e.proofs[0]),
                Err(VerifyError::ProofRejected)
            ),
            "input {j}"
        );
    }
}

#[test]
fn bundle_of_another_format_is_rejected() {
    let e = env();
    // Bundle 0 with `edit` made: refused, the reason `why`.
    let refused = |edit: fn(&mut RequestBundle), why: &str| {
        let mut b = bundle(0);
        edit(&mut b);
        assert_reason(&verify_bundle(&e.vk, &b).unwrap_err(), why);
    };
    refused(
        |b| b.version = 3,
        "unsupported bundle: version 3 (expected 2)",
    );
    refused(
        |b| b.claim = "shard".into(),
        "unsupported bundle: claim kind \"shard\" where a \"request\" proof was expected",
    );
    // A version-1 file: the retired claim, refused with a message saying so.
    let mut v: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&bundle(0)).unwrap()).unwrap();
    v["version"] = 1.into();
    let err = Bundle::from_json(&v.to_string()).unwrap_err();
    assert!(
        matches!(&err, VerifyError::Unsupported(m) if m.starts_with("version 1 bundles (the retired claim")),
        "{err}"
    );
    // Another claim kind on its own.
    v["version"] = 2.into();
    v["claim"] = "evaluation".into();
    assert_reason(
        &Bundle::from_json(&v.to_string()).unwrap_err(),
        "unsupported bundle: claim kind Some(\"evaluation\") where a \"shard\" or \"request\" bundle was expected",
    );
    // Trailing bytes, truncation, bad hex.
    let good = proof_bytes(&e.proofs[0], Compress::Yes);
    let mut long = good.clone();
    long.push(0);
    assert_reason(
        &parse_proof(&long).unwrap_err(),
        "proof encoding invalid: 1 trailing bytes",
    );
    assert_reason(
        &parse_proof(&good[..127]).unwrap_err(),
        "proof encoding invalid: 127 bytes, a Groth16 proof is 128",
    );
    refused(
        |b| b.proof = "zz".into(),
        "proof encoding invalid: not hex: Invalid character 'z' at position 0",
    );
    // Unknown fields and bad JSON are typed errors too.
    assert_reason(
        &Submission::from_json("{").unwrap_err(),
        "bundle is not valid JSON of the bundle format: EOF while parsing an object at line 1 column 1",
    );
    let mut v: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&bundle(0)).unwrap()).unwrap();
    v["extra"] = 1.into();
    assert_reason(
        &Bundle::from_json(&v.to_string()).unwrap_err(),
        "bundle is not valid JSON of the bundle format: unknown field `extra`, expected one of `version`, `claim`, `circuit_id`, `shape`, `public_inputs`, `proof`",
    );
}
