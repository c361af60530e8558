//! Interoperability with snarkjs (Groth16 on BN254, which snarkjs calls
//! `bn128`): `verification_key.json`, `proof.json` and `public.json`.
//!
//! arkworks' Groth16 checks the same equation as snarkjs
//! (`e(A, B) = e(α, β) · e(IC(x), γ) · e(C, δ)`), so a zkcc proof exported
//! here verifies with `snarkjs groth16 verify`, and a snarkjs proof imported
//! here verifies with [`crate::batch::PreparedKey`].
//!
//! Layout (every number a decimal string):
//! * G1: `[x, y, "1"]` (projective, normalized);
//! * G2: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]` where `Fq2 = c0 + c1·u`,
//!   `u² = −1` — the order of snarkjs's JSON (the *reverse* of the order of the
//!   EVM precompile and of snarkjs's Solidity call data);
//! * `public.json`: the public inputs, in the circuit's order.
//!
//! Import is strict: decimals must be canonical (digits only, no sign, no
//! leading zero) and below the field modulus — a public input `x + r` is an
//! error, never `x` —, `z` must be exactly `1` (`["1", "0"]` in G2), and every
//! point must be on its curve and in the prime-order subgroup (BN254's G2 has
//! a cofactor); keys then pass [`crate::keys::check_verifying_key_for`], and
//! proofs may not contain the identity. `vk_alphabeta_12` (e(α, β), which
//! snarkjs writes for its Solidity exporter but does not read when verifying)
//! is accepted and ignored on import, and not written on export.
use crate::error::VerifyError;
use crate::keys::check_verifying_key_for;
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use ark_serialize::Valid;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use zkcc_circuits::request::{self, RequestStatement, Rules};
use zkcc_circuits::shard::{self, ShardStatement};

/// A G1 point as snarkjs writes it.
pub type G1Json = [String; 3];
/// A G2 point as snarkjs writes it.
pub type G2Json = [[String; 2]; 3];

/// `verification_key.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationKeyJson {
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"`.
    pub curve: String,
    /// Number of public inputs.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// α in G1.
    pub vk_alpha_1: G1Json,
    /// β in G2.
    pub vk_beta_2: G2Json,
    /// γ in G2.
    pub vk_gamma_2: G2Json,
    /// δ in G2.
    pub vk_delta_2: G2Json,
    /// e(α, β), written by snarkjs; ignored here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk_alphabeta_12: Option<serde_json::Value>,
    /// The input bases `IC₀ … ICₙ`.
    #[serde(rename = "IC")]
    pub ic: Vec<G1Json>,
}

/// `proof.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofJson {
    /// A.
    pub pi_a: G1Json,
    /// B.
    pub pi_b: G2Json,
    /// C.
    pub pi_c: G1Json,
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"` (snarkjs ≥ 0.3 writes it; optional on import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

fn err(file: &'static str, reason: impl Into<String>) -> VerifyError {
    VerifyError::Snarkjs {
        file,
        reason: reason.into(),
    }
}

/// Parses a canonical decimal below the modulus of `F`.
fn decimal<F: PrimeField<BigInt = BigInt<4>>>(
    file: &'static str,
    what: &str,
    s: &str,
) -> Result<F, VerifyError> {
    let b = s.as_bytes();
    if b.is_empty()
        || b.len() > 78
        || !b.iter().all(u8::is_ascii_digit)
        || (b.len() > 1 && b[0] == b'0')
    {
        return Err(err(
            file,
            format!("{what}: {s:?} is not a canonical decimal"),
        ));
    }
    let n = BigInt::<4>::from_str(s)
        .map_err(|_| err(file, format!("{what}: {s:?} does not fit 256 bits")))?;
    F::from_bigint(n)
        .ok_or_else(|| err(file, format!("{what}: {s} is not below the field modulus")))
}

fn g1_from(file: &'static str, what: &str, p: &G1Json) -> Result<G1Affine, VerifyError> {
    if p[2] != "1" {
        return Err(err(
            file,
            format!("{what}: z must be \"1\" (no point at infinity, normalized coordinates)"),
        ));
    }
    let x: Fq = decimal(file, what, &p[0])?;
    let y: Fq = decimal(file, what, &p[1])?;
    let pt = G1Affine::new_unchecked(x, y);
    // arkworks encodes the identity as (0, 0): refuse it explicitly.
    if pt.is_zero() {
        return Err(err(file, format!("{what}: the identity point")));
    }
    pt.check()
        .map_err(|_| err(file, format!("{what}: not a point of G1")))?;
    Ok(pt)
}

fn g2_from(file: &'static str, what: &str, p: &G2Json) -> Result<G2Affine, VerifyError> {
    if p[2][0] != "1" || p[2][1] != "0" {
        return Err(err(
            file,
            format!(
                "{what}: z must be [\"1\", \"0\"] (no point at infinity, normalized coordinates)"
            ),
        ));
    }
    let fq2 = |c: &[String; 2]| -> Result<Fq2, VerifyError> {
        Ok(Fq2::new(
            decimal(file, what, &c[0])?,
            decimal(file, what, &c[1])?,
        ))
    };
    let pt = G2Affine::new_unchecked(fq2(&p[0])?, fq2(&p[1])?);
    if pt.is_zero() {
        return Err(err(file, format!("{what}: the identity point")));
    }
    pt.check().map_err(|_| {
        err(
            file,
            format!(
                "{what}: not a point of G2 (off the twist or outside the prime-order subgroup)"
            ),
        )
    })?;
    Ok(pt)
}

fn g1_to(p: &G1Affine) -> G1Json {
    match p.xy() {
        Some((x, y)) => [x.to_string(), y.to_string(), "1".into()],
        None => ["0".into(), "1".into(), "0".into()],
    }
}

fn g2_to(p: &G2Affine) -> G2Json {
    match p.xy() {
        Some((x, y)) => [
            [x.c0.to_string(), x.c1.to_string()],
            [y.c0.to_string(), y.c1.to_string()],
            ["1".into(), "0".into()],
        ],
        None => [
            ["0".into(), "0".into()],
            ["1".into(), "0".into()],
            ["0".into(), "0".into()],
        ],
    }
}

fn check_header(
    file: &'static str,
    protocol: &str,
    curve: Option<&str>,
) -> Result<(), VerifyError> {
    if protocol != "groth16" {
        return Err(err(
            file,
            format!("protocol {protocol:?} (expected \"groth16\")"),
        ));
    }
    if let Some(c) = curve {
        if c != "bn128" {
            return Err(err(file, format!("curve {c:?} (expected \"bn128\")")));
        }
    }
    Ok(())
}

/// Exports a verifying key.
pub fn vk_to_json(vk: &VerifyingKey<Bn254>) -> VerificationKeyJson {
    VerificationKeyJson {
        protocol: "groth16".into(),
        curve: "bn128".into(),
        n_public: vk.gamma_abc_g1.len().saturating_sub(1),
        vk_alpha_1: g1_to(&vk.alpha_g1),
        vk_beta_2: g2_to(&vk.beta_g2),
        vk_gamma_2: g2_to(&vk.gamma_g2),
        vk_delta_2: g2_to(&vk.delta_g2),
        vk_alphabeta_12: None,
        ic: vk.gamma_abc_g1.iter().map(g1_to).collect(),
    }
}

/// Imports a verifying key with full validation, for a claim with
/// `n_inputs` public inputs (`nPublic` must agree).
pub fn vk_from_json(
    j: &VerificationKeyJson,
    n_inputs: usize,
) -> Result<VerifyingKey<Bn254>, VerifyError> {
    const F: &str = "verification_key.json";
    check_header(F, &j.protocol, Some(&j.curve))?;
    // The file must agree with itself before it can disagree with the claim.
    if j.ic.len() != j.n_public.saturating_add(1) {
        return Err(err(
            F,
            format!(
                "nPublic is {} but IC has {} bases ({} inputs)",
                j.n_public,
                j.ic.len(),
                j.ic.len().saturating_sub(1)
            ),
        ));
    }
    if j.n_public != n_inputs {
        return Err(VerifyError::KeyInputCount {
            key_inputs: j.n_public,
            claim_inputs: n_inputs,
        });
    }
    let vk = VerifyingKey {
        alpha_g1: g1_from(F, "vk_alpha_1", &j.vk_alpha_1)?,
        beta_g2: g2_from(F, "vk_beta_2", &j.vk_beta_2)?,
        gamma_g2: g2_from(F, "vk_gamma_2", &j.vk_gamma_2)?,
        delta_g2: g2_from(F, "vk_delta_2", &j.vk_delta_2)?,
        gamma_abc_g1: j
            .ic
            .iter()
            .map(|p| g1_from(F, "IC", p))
            .collect::<Result<_, _>>()?,
    };
    check_verifying_key_for(&vk, n_inputs)?;
    Ok(vk)
}

/// Exports a proof.
pub fn proof_to_json(p: &Proof<Bn254>) -> ProofJson {
    ProofJson {
        pi_a: g1_to(&p.a),
        pi_b: g2_to(&p.b),
        pi_c: g1_to(&p.c),
        protocol: "groth16".into(),
        curve: Some("bn128".into()),
    }
}

/// Imports a proof with full validation (no identity points).
pub fn proof_from_json(j: &ProofJson) -> Result<Proof<Bn254>, VerifyError> {
    const F: &str = "proof.json";
    check_header(F, &j.protocol, j.curve.as_deref())?;
    Ok(Proof {
        a: g1_from(F, "pi_a", &j.pi_a)?,
        b: g2_from(F, "pi_b", &j.pi_b)?,
        c: g1_from(F, "pi_c", &j.pi_c)?,
    })
}

/// Exports public inputs.
pub fn public_to_json(inputs: &[Fr]) -> Vec<String> {
    inputs.iter().map(|x| x.to_string()).collect()
}

/// Imports public inputs: canonical decimals below r (an error names the
/// input by its index; [`shard_statement`] and [`request_statement`] then
/// read them as a claim's statement).
pub fn public_from_json(j: &[String]) -> Result<Vec<Fr>, VerifyError> {
    j.iter()
        .enumerate()
        .map(|(i, s)| decimal::<Fr>("public.json", &format!("input {i}"), s))
        .collect()
}

/// Parses `verification_key.json` text (see [`vk_from_json`]).
pub fn parse_vk(text: &str, n_inputs: usize) -> Result<VerifyingKey<Bn254>, VerifyError> {
    let j: VerificationKeyJson =
        serde_json::from_str(text).map_err(|e| err("verification_key.json", e.to_string()))?;
    vk_from_json(&j, n_inputs)
}

/// Parses `proof.json` text (see [`proof_from_json`]).
pub fn parse_proof(text: &str) -> Result<Proof<Bn254>, VerifyError> {
    let j: ProofJson = serde_json::from_str(text).map_err(|e| err("proof.json", e.to_string()))?;
    proof_from_json(&j)
}

/// Parses `public.json` text (see [`public_from_json`]).
pub fn parse_public(text: &str) -> Result<Vec<Fr>, VerifyError> {
    let j: Vec<String> =
        serde_json::from_str(text).map_err(|e| err("public.json", e.to_string()))?;
    public_from_json(&j)
}

/// Checks that `public.json` holds `names.len()` inputs, the count of
/// `claim`'s public inputs.
fn input_count(inputs: &[Fr], names: &[&str], claim: &str) -> Result<(), VerifyError> {
    if inputs.len() != names.len() {
        return Err(err(
            "public.json",
            format!(
                "{} inputs, the {claim} claim has {}",
                inputs.len(),
                names.len()
            ),
        ));
    }
    Ok(())
}

/// Input `i` as a 64-bit number (named by `names[i]` when it does not fit).
fn small(inputs: &[Fr], names: &[&'static str], i: usize) -> Result<u64, VerifyError> {
    let b = inputs[i].into_bigint();
    if b.0[1..].iter().any(|&l| l != 0) {
        return Err(VerifyError::PublicInput {
            name: names[i],
            reason: "does not fit in 64 bits".into(),
        });
    }
    Ok(b.0[0])
}

/// The shard statement named by the seven public inputs of `public.json`,
/// in the order of [`shard::PUBLIC_INPUT_NAMES`] (`epoch` must fit in 64
/// bits).
pub fn shard_statement(inputs: &[Fr]) -> Result<ShardStatement, VerifyError> {
    let names = &shard::PUBLIC_INPUT_NAMES;
    input_count(inputs, names, "shard")?;
    let st = ShardStatement {
        importer: inputs[0],
        registry_root: inputs[1],
        epoch: small(inputs, names, 2)?,
        commitment: inputs[3],
        shard_commitment: inputs[4],
        output: inputs[5],
        ledger_digest: inputs[6],
    };
    // The order above is the circuit's: checked, not assumed.
    debug_assert_eq!(st.public_inputs(), inputs);
    Ok(st)
}

/// The request statement named by the sixteen public inputs of
/// `public.json`, in the order of [`request::PUBLIC_INPUT_NAMES`]: the
/// epoch, the nine rule parameters and `facilities` must fit in 64 bits, and
/// the rules must be ones the circuit's range checks admit.
pub fn request_statement(inputs: &[Fr]) -> Result<RequestStatement, VerifyError> {
    let names = &request::PUBLIC_INPUT_NAMES;
    input_count(inputs, names, "request")?;
    let n = |i| small(inputs, names, i);
    let rules = Rules {
        facility_cap_chips: n(6)?,
        facility_cap_tpp: n(7)?,
        home_country: n(8)?,
        home_min_bp: n(9)?,
        other_max_bp: n(10)?,
        outside_tier1_max_bp: n(11)?,
        max_tier: n(12)?,
        total_cap_chips: n(13)?,
        total_cap_tpp: n(14)?,
    };
    rules
        .validate()
        .map_err(|reason| err("public.json", format!("rules: {reason}")))?;
    let st = RequestStatement {
        importer: inputs[0],
        epoch: n(1)?,
        commitment: inputs[2],
        shards_digest: inputs[3],
        ledger_product: inputs[4],
        nonce: inputs[5],
        rules,
        facilities: n(15)?,
    };
    debug_assert_eq!(st.public_inputs(), inputs);
    Ok(st)
}

/// Pretty JSON of any of the three files.
pub fn to_json_pretty<T: Serialize>(x: &T) -> String {
    serde_json::to_string_pretty(x).unwrap_or_default()
}
