//! The accountable statement's files: the agency's request, and the
//! importer's submission (one request proof and the shard proofs it rests on).
//!
//! ```json
//! { "version": 2, "importer": "ACME-DC", "epoch": 202611, "commitment": "0x…",
//!   "shards": [ { "version": 2, "claim": "shard", "circuit_id": "…",
//!                 "shape": { "facilities": 8, "slot_chips": 128 },
//!                 "public_inputs": { "importer": "ACME-DC", "registry_root": "0x…", "epoch": 202611,
//!                                    "commitment": "0x…", "shard_commitment": "0x…",
//!                                    "output": "0x…", "ledger_digest": "0x…" },
//!                 "proof": "…" } ],
//!   "request": { "version": 2, "claim": "request", "circuit_id": "…",
//!                "shape": { "shards": 16, "entries": 8 },
//!                "public_inputs": { "importer": "ACME-DC", "epoch": 202611, "commitment": "0x…",
//!                                   "shards_digest": "0x…", "ledger_product": "0x…", "nonce": "0x…",
//!                                   "rules": { … }, "facilities": 5 },
//!                "proof": "…" } }
//! ```
//! Shards are listed in the order of the fleet commitment `C`. Proof bytes are
//! malleable: a submission is identified by its statements, never its proofs.
use crate::bundle::{fe, label, parse_proof_hex, proof_hex};
use crate::error::VerifyError;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use serde::{Deserialize, Serialize};
use zkcc_circuits::delay::DelayStatement;
use zkcc_circuits::encoding::{encode_country, fr_to_hex};
use zkcc_circuits::request::{RequestShape, RequestStatement, Rules};
use zkcc_circuits::shard::{ShardShape, ShardStatement};

/// Format version of submissions, bundles and requests of the accountable
/// statement. Version 1 was the retired claim about an inventory the
/// importer chose, which proved nothing about the agency's ledger: it is
/// refused with a message saying so.
pub const SUBMISSION_VERSION: u32 = 2;

/// The agency's rules, as JSON (the home country as its ISO code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesJson {
    /// Largest number of ledger chips in one facility.
    pub facility_cap_chips: u64,
    /// Largest TPP in one facility.
    pub facility_cap_tpp: u64,
    /// The importer's home country (ISO 3166-1 alpha-2).
    pub home_country: String,
    /// Smallest share of TPP in the home country, basis points.
    pub home_min_bp: u64,
    /// Largest share of TPP in any other single country, basis points.
    pub other_max_bp: u64,
    /// Largest share of TPP outside tier 1, basis points.
    pub outside_tier1_max_bp: u64,
    /// Highest tier a ledger chip may be located in.
    pub max_tier: u64,
    /// Largest number of ledger chips in all.
    pub total_cap_chips: u64,
    /// Largest TPP in all.
    pub total_cap_tpp: u64,
}

impl RulesJson {
    /// One line of text, as reports print the rules.
    pub fn summary(&self) -> String {
        let Self {
            facility_cap_chips: fc,
            facility_cap_tpp: ft,
            home_country: home,
            home_min_bp: hb,
            other_max_bp: ob,
            outside_tier1_max_bp: tb,
            max_tier: tier,
            total_cap_chips: tc,
            total_cap_tpp: tt,
        } = self;
        format!(
            "per facility ≤ {fc} chips and ≤ {ft} TPP; home {home} ≥ {hb} bp, any other country \
             ≤ {ob} bp, outside tier 1 ≤ {tb} bp; no chip above tier {tier}; in all ≤ {tc} chips \
             and ≤ {tt} TPP"
        )
    }
    /// The rules as the circuit sees them, validated.
    pub fn to_rules(&self) -> Result<Rules, VerifyError> {
        let home_country = encode_country(&self.home_country)
            .map_err(|e| VerifyError::Unsupported(format!("rules: home_country: {e}")))?;
        let r = Rules {
            facility_cap_chips: self.facility_cap_chips,
            facility_cap_tpp: self.facility_cap_tpp,
            home_country,
            home_min_bp: self.home_min_bp,
            other_max_bp: self.other_max_bp,
            outside_tier1_max_bp: self.outside_tier1_max_bp,
            max_tier: self.max_tier,
            total_cap_chips: self.total_cap_chips,
            total_cap_tpp: self.total_cap_tpp,
        };
        r.validate()
            .map_err(|e| VerifyError::Unsupported(format!("rules: {e}")))?;
        Ok(r)
    }

    /// From the circuit's rules.
    pub fn from_rules(r: &Rules) -> Self {
        let hc = r.home_country;
        let code = [(hc >> 8) as u8, (hc & 0xff) as u8];
        Self {
            facility_cap_chips: r.facility_cap_chips,
            facility_cap_tpp: r.facility_cap_tpp,
            home_country: String::from_utf8_lossy(&code).into_owned(),
            home_min_bp: r.home_min_bp,
            other_max_bp: r.other_max_bp,
            outside_tier1_max_bp: r.outside_tier1_max_bp,
            max_tier: r.max_tier,
            total_cap_chips: r.total_cap_chips,
            total_cap_tpp: r.total_cap_tpp,
        }
    }
}

/// The agency's request to one importer (sent in the clear).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFile {
    /// [`SUBMISSION_VERSION`].
    pub version: u32,
    /// The importer asked.
    pub importer: String,
    /// The epoch audited.
    pub epoch: u64,
    /// A fresh nonce (0x-hex field element).
    pub nonce: String,
    /// The rules to prove.
    pub rules: RulesJson,
    /// The delay evidence the agency asks for, if any: one delay proof per
    /// shard, for a day in this window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayWindow>,
}

/// The days (since 1970-01-01, UTC) a request accepts delay evidence for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayWindow {
    /// The earliest day accepted.
    pub earliest_day: u64,
    /// The latest day accepted.
    pub latest_day: u64,
}

impl RequestFile {
    /// A request of this format version to `importer` for `epoch`, with
    /// `nonce` and `rules`.
    pub fn new(importer: &str, epoch: u64, nonce: &Fr, rules: RulesJson) -> Self {
        Self {
            version: SUBMISSION_VERSION,
            importer: importer.into(),
            epoch,
            nonce: fr_to_hex(nonce),
            rules,
            delay: None,
        }
    }
}

/// Public inputs of a shard proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardInputsJson {
    /// Importer id (label).
    pub importer: String,
    /// Registry root.
    pub registry_root: String,
    /// Epoch.
    pub epoch: u64,
    /// Fleet commitment `C`.
    pub commitment: String,
    /// Shard commitment `C_s`.
    pub shard_commitment: String,
    /// Output commitment `D_s`.
    pub output: String,
    /// Ledger digest.
    pub ledger_digest: String,
}

/// Public inputs of a request proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestInputsJson {
    /// Importer id (label).
    pub importer: String,
    /// Epoch.
    pub epoch: u64,
    /// Fleet commitment `C`.
    pub commitment: String,
    /// Chain of the shards' `D_s`.
    pub shards_digest: String,
    /// The ledger product.
    pub ledger_product: String,
    /// The agency's nonce.
    pub nonce: String,
    /// The rules proven.
    pub rules: RulesJson,
    /// Distinct facilities attested.
    pub facilities: u64,
}

/// A shard proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardBundle {
    /// [`SUBMISSION_VERSION`].
    pub version: u32,
    /// `"shard"`.
    pub claim: String,
    /// Circuit id: hex SHA-256 of the compressed verifying key.
    pub circuit_id: String,
    /// Circuit capacity.
    pub shape: ShardShape,
    /// Public inputs.
    pub public_inputs: ShardInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

/// A request proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBundle {
    /// [`SUBMISSION_VERSION`].
    pub version: u32,
    /// `"request"`.
    pub claim: String,
    /// Circuit id.
    pub circuit_id: String,
    /// Circuit capacity.
    pub shape: RequestShape,
    /// Public inputs.
    pub public_inputs: RequestInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

/// Public inputs of a delay proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayInputsJson {
    /// Importer id (label).
    pub importer: String,
    /// Registry root.
    pub registry_root: String,
    /// The inventory's epoch.
    pub epoch: u64,
    /// The shard commitment `C_s` it re-opens.
    pub shard_commitment: String,
    /// The day of the evidence (days since 1970-01-01, UTC).
    pub day: u64,
}

/// A delay proof of one shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayBundle {
    /// [`SUBMISSION_VERSION`].
    pub version: u32,
    /// `"delay"`.
    pub claim: String,
    /// Circuit id.
    pub circuit_id: String,
    /// Circuit capacity (the shard's).
    pub shape: ShardShape,
    /// Public inputs.
    pub public_inputs: DelayInputsJson,
    /// Hex of the compressed proof.
    pub proof: String,
}

impl DelayBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        circuit_id: String,
        shape: ShardShape,
        st: &DelayStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        Self {
            version: SUBMISSION_VERSION,
            claim: "delay".into(),
            circuit_id,
            shape,
            public_inputs: DelayInputsJson {
                importer: importer.into(),
                registry_root: fr_to_hex(&st.registry_root),
                epoch: st.epoch,
                shard_commitment: fr_to_hex(&st.shard_commitment),
                day: st.day,
            },
            proof: proof_hex(proof),
        }
    }

    /// The statement, every field checked canonical.
    pub fn statement(&self) -> Result<DelayStatement, VerifyError> {
        check_kind(self.version, &self.claim, "delay")?;
        let p = &self.public_inputs;
        Ok(DelayStatement {
            importer: label("importer", &p.importer)?,
            registry_root: fe("registry_root", &p.registry_root)?,
            epoch: p.epoch,
            shard_commitment: fe("shard_commitment", &p.shard_commitment)?,
            day: p.day,
        })
    }

    /// The proof, deserialized with full validation.
    pub fn proof(&self) -> Result<Proof<Bn254>, VerifyError> {
        parse_proof_hex(&self.proof)
    }
}

/// What the importer hands in for one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// [`SUBMISSION_VERSION`].
    pub version: u32,
    /// Importer id.
    pub importer: String,
    /// Epoch.
    pub epoch: u64,
    /// Fleet commitment `C`.
    pub commitment: String,
    /// Shard proofs, in the order of `C`.
    pub shards: Vec<ShardBundle>,
    /// The request proof.
    pub request: RequestBundle,
    /// Delay proofs, one per shard in the order of `shards`, when the
    /// request asks for delay evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delay: Vec<DelayBundle>,
}

fn check_kind(version: u32, claim: &str, expected: &str) -> Result<(), VerifyError> {
    if version == 1 {
        return Err(VerifyError::Unsupported(
            "version 1 bundles (the retired claim about an inventory the importer chose) prove \
             nothing about the agency's ledger; prove the accountable statement (zkcc prove) \
             instead"
                .into(),
        ));
    }
    if version != SUBMISSION_VERSION {
        return Err(VerifyError::Unsupported(format!(
            "version {version} (expected {SUBMISSION_VERSION})"
        )));
    }
    if claim != expected {
        return Err(VerifyError::Unsupported(format!(
            "claim kind {claim:?} where a {expected:?} proof was expected"
        )));
    }
    Ok(())
}

impl ShardBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        circuit_id: String,
        shape: ShardShape,
        st: &ShardStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        Self {
            version: SUBMISSION_VERSION,
            claim: "shard".into(),
            circuit_id,
            shape,
            public_inputs: ShardInputsJson {
                importer: importer.into(),
                registry_root: fr_to_hex(&st.registry_root),
                epoch: st.epoch,
                commitment: fr_to_hex(&st.commitment),
                shard_commitment: fr_to_hex(&st.shard_commitment),
                output: fr_to_hex(&st.output),
                ledger_digest: fr_to_hex(&st.ledger_digest),
            },
            proof: proof_hex(proof),
        }
    }

    /// The statement, every field checked canonical.
    pub fn statement(&self) -> Result<ShardStatement, VerifyError> {
        check_kind(self.version, &self.claim, "shard")?;
        let p = &self.public_inputs;
        Ok(ShardStatement {
            importer: label("importer", &p.importer)?,
            registry_root: fe("registry_root", &p.registry_root)?,
            epoch: p.epoch,
            commitment: fe("commitment", &p.commitment)?,
            shard_commitment: fe("shard_commitment", &p.shard_commitment)?,
            output: fe("output", &p.output)?,
            ledger_digest: fe("ledger_digest", &p.ledger_digest)?,
        })
    }

    /// The proof, deserialized with full validation.
    pub fn proof(&self) -> Result<Proof<Bn254>, VerifyError> {
        parse_proof_hex(&self.proof)
    }
}

impl RequestBundle {
    /// Builds a bundle.
    pub fn new(
        importer: &str,
        circuit_id: String,
        shape: RequestShape,
        st: &RequestStatement,
        proof: &Proof<Bn254>,
    ) -> Self {
        Self {
            version: SUBMISSION_VERSION,
            claim: "request".into(),
            circuit_id,
            shape,
            public_inputs: RequestInputsJson {
                importer: importer.into(),
                epoch: st.epoch,
                commitment: fr_to_hex(&st.commitment),
                shards_digest: fr_to_hex(&st.shards_digest),
                ledger_product: fr_to_hex(&st.ledger_product),
                nonce: fr_to_hex(&st.nonce),
                rules: RulesJson::from_rules(&st.rules),
                facilities: st.facilities,
            },
            proof: proof_hex(proof),
        }
    }

    /// The statement, every field checked canonical and the rules validated.
    pub fn statement(&self) -> Result<RequestStatement, VerifyError> {
        check_kind(self.version, &self.claim, "request")?;
        let p = &self.public_inputs;
        Ok(RequestStatement {
            importer: label("importer", &p.importer)?,
            epoch: p.epoch,
            commitment: fe("commitment", &p.commitment)?,
            shards_digest: fe("shards_digest", &p.shards_digest)?,
            ledger_product: fe("ledger_product", &p.ledger_product)?,
            nonce: fe("nonce", &p.nonce)?,
            rules: p.rules.to_rules()?,
            facilities: p.facilities,
        })
    }

    /// The proof, deserialized with full validation.
    pub fn proof(&self) -> Result<Proof<Bn254>, VerifyError> {
        parse_proof_hex(&self.proof)
    }
}

/// `text` as JSON, a version-1 file refused (as [`check_kind`] does) before
/// its fields are read: the retired claim's files have other fields.
fn parse_not_retired(text: &str) -> Result<serde_json::Value, VerifyError> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    if v.get("version").and_then(|x| x.as_u64()) == Some(1) {
        check_kind(1, "", "")?;
    }
    Ok(v)
}

/// One shard or request bundle on its own (as `zkcc-verify snarkjs-export`
/// reads it), told apart by its `claim`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// A shard proof.
    Shard(ShardBundle),
    /// A request proof.
    Request(RequestBundle),
}

impl Bundle {
    /// Parses a bundle: a version-1 file is refused as the retired claim's,
    /// a claim kind other than `shard` or `request` as unsupported.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let v = parse_not_retired(text)?;
        match v.get("claim").and_then(|x| x.as_str()) {
            Some("shard") => Ok(Self::Shard(serde_json::from_value(v)?)),
            Some("request") => Ok(Self::Request(serde_json::from_value(v)?)),
            other => Err(VerifyError::Unsupported(format!(
                "claim kind {other:?} where a \"shard\" or \"request\" bundle was expected"
            ))),
        }
    }

    /// The number of public inputs of its claim.
    pub fn input_count(&self) -> usize {
        match self {
            Self::Shard(_) => zkcc_circuits::shard::PUBLIC_INPUT_NAMES.len(),
            Self::Request(_) => zkcc_circuits::request::PUBLIC_INPUT_NAMES.len(),
        }
    }

    /// Its statement's public inputs, every field checked as
    /// [`ShardBundle::statement`] and [`RequestBundle::statement`] do.
    pub fn public_inputs(&self) -> Result<Vec<Fr>, VerifyError> {
        match self {
            Self::Shard(b) => Ok(b.statement()?.public_inputs()),
            Self::Request(b) => Ok(b.statement()?.public_inputs()),
        }
    }

    /// The proof, deserialized with full validation.
    pub fn proof(&self) -> Result<Proof<Bn254>, VerifyError> {
        match self {
            Self::Shard(b) => b.proof(),
            Self::Request(b) => b.proof(),
        }
    }
}

impl Submission {
    /// Parses a submission (format only; see [`crate::fleet::verify_submission`]).
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let v = parse_not_retired(text)?;
        let s: Self = serde_json::from_value(v)?;
        if s.version != SUBMISSION_VERSION {
            check_kind(s.version, "", "")?;
        }
        Ok(s)
    }

    /// To pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
