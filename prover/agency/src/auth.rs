//! Who is calling: bearer tokens (RFC 6750) issued at enrolment, and the
//! exporters' Ed25519 signatures (RFC 8032) on shipment records.
//!
//! A token is 256 random bits (`zkcc_` + 64 hex digits), shown once when the
//! party is enrolled; the database keeps only its SHA-256, so a copy of the
//! database authenticates nobody. A presented token is hashed, looked up by
//! its hash, and the stored hash compared in constant time.
use crate::db;
use crate::error::{AgencyError, Result};
use ed25519_dalek::{Signature, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use subtle::ConstantTimeEq;

/// A party's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An agency officer: enrols parties, issues requests, reads everything.
    Officer,
    /// An exporter: posts signed shipment records.
    Exporter,
    /// An importer: reads its own requests and ledger digest, submits proofs.
    Importer,
}

impl Role {
    /// Its name in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Exporter => "exporter",
            Role::Importer => "importer",
        }
    }

    /// From its name in the database.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "officer" => Ok(Role::Officer),
            "exporter" => Ok(Role::Exporter),
            "importer" => Ok(Role::Importer),
            _ => Err(AgencyError::Invalid(format!("unknown role {s:?}"))),
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// Its id (for an importer: the registry's importer label).
    pub id: String,
    /// Its role.
    pub role: Role,
    /// An exporter's Ed25519 public key (hex).
    pub public_key: Option<String>,
}

impl Party {
    /// Refuses unless the party has `role`.
    pub fn require(&self, role: Role) -> Result<()> {
        if self.role == role {
            Ok(())
        } else {
            Err(AgencyError::Forbidden(format!(
                "{} is an {}, this needs an {}",
                self.id,
                self.role.as_str(),
                role.as_str()
            )))
        }
    }
}

/// A fresh token: `zkcc_` and 256 random bits in hex.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("zkcc_{}", hex::encode(b))
}

/// Whether `t` is of the format [`new_token`] makes (`zkcc_` and 64
/// lower-case hex digits).
pub fn is_token(t: &str) -> bool {
    t.strip_prefix("zkcc_")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer(header: Option<&str>) -> Result<&str> {
    let h = header.ok_or_else(|| AgencyError::Unauthenticated("no Authorization header".into()))?;
    let (scheme, token) = h
        .split_once(' ')
        .ok_or_else(|| AgencyError::Unauthenticated("malformed Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AgencyError::Unauthenticated(
            "the Authorization scheme must be Bearer".into(),
        ));
    }
    Ok(token.trim())
}

/// The party a token belongs to.
pub async fn authenticate(pool: &AnyPool, token: &str) -> Result<Party> {
    let h = token_hash(token);
    let row = sqlx::query(
        "SELECT id, role, token_sha256, public_key FROM parties WHERE token_sha256 = $1",
    )
    .bind(&h)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or_else(|| AgencyError::Unauthenticated("unknown token".into()))?;
    let stored = db::text(&row, "token_sha256")?;
    if !bool::from(stored.as_bytes().ct_eq(h.as_bytes())) {
        return Err(AgencyError::Unauthenticated("unknown token".into()));
    }
    Ok(Party {
        id: db::text(&row, "id")?,
        role: Role::parse(&db::text(&row, "role")?)?,
        public_key: db::opt_text(&row, "public_key")?,
    })
}

/// Domain separation of shipment signatures.
pub const SHIPMENT_DOMAIN: &[u8] = b"zkcc shipment v1\n";

/// The bytes an exporter signs for a shipment record: the domain and the
/// record's canonical JSON.
pub fn shipment_message(canonical_record: &str) -> Vec<u8> {
    [SHIPMENT_DOMAIN, canonical_record.as_bytes()].concat()
}

/// Parses an Ed25519 public key (32 bytes, hex), refusing weak keys.
pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey> {
    let b: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| AgencyError::Invalid("public key: not 32 bytes of hex".into()))?;
    let k = VerifyingKey::from_bytes(&b)
        .map_err(|e| AgencyError::Invalid(format!("public key: {e}")))?;
    if k.is_weak() {
        return Err(AgencyError::Invalid(
            "public key: a weak (small-order) key".into(),
        ));
    }
    Ok(k)
}

/// Checks an exporter's signature (strict RFC 8032 verification).
pub fn check_signature(public_key: &str, message: &[u8], signature_hex: &str) -> Result<()> {
    let k = parse_public_key(public_key)?;
    let s: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| AgencyError::Invalid("signature: not 64 bytes of hex".into()))?;
    k.verify_strict(message, &Signature::from_bytes(&s))
        .map_err(|_| {
            AgencyError::Forbidden(
                "the shipment record's signature does not verify under the exporter's enrolled key"
                    .into(),
            )
        })
}
