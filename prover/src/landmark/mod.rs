//! # Landmarks and chip agents: delay evidence over the network
//!
//! A **landmark** is an agency-accredited server at a surveyed position (the
//! registry's `landmarks`: id, country, position, the largest distance the
//! agency accepts a chip at, and the landmark's EdDSA key). It times how long
//! a chip takes to sign a fresh challenge with its device key; nothing
//! travels faster than light, so a round trip of `rtt` places the chip within
//! `c·rtt/2` of the landmark (`zkcc_circuits::delay::rtt_within`). It then
//! signs, per facility slot of an importer, a batch of `(chip, rtt)` that the
//! delay proof consumes (`zkcc_circuits::delay::Batch`).
//!
//! A **chip agent** runs beside each chip: it holds the chip's device key
//! (ECDSA P-384, certified by the vendor, see `zkcc_verifier::device`),
//! connects to its landmark and answers every challenge. It signs nothing
//! but challenge messages (`zkcc_verifier::device::challenge_message`: a
//! tag, the landmark id, the day, its owner digest and the nonce).
//!
//! ## The protocol
//! One JSON object per line (UTF-8, `\n`-terminated, at most
//! [`Limits::max_line`] bytes), over TCP, tagged by `"type"` ([`wire::Msg`]):
//! ```text
//! chip agent                                   landmark
//!   hello {cert, owner}                 ──▶    vendor CA in the registry's device_vendors,
//!                                              for its models? serial encodable?
//!                                       ◀──    challenge {landmark, day, nonce}      (proof of possession, untimed)
//!   answer {signature}                  ──▶    check_answer under the certified key
//!                                       ◀──    welcome {landmark, day}   or   refused {reason} (and close)
//!   … the connection stays open; the agent sends nothing unless challenged …
//!                                       ◀──    challenge {landmark, day, nonce}      timer starts before the write
//!   answer {signature}                  ──▶    timer stops when the line is read; check_answer
//!
//! importer's client                            landmark
//!   batch {owner, entries: [{serial, model} | null, …]}  ──▶  measure each listed chip, in order
//!                                       ◀──    signed {batch: BatchFile}   or   refused {reason}
//! ```
//! `owner` is the digest of the importer's [`OwnerKey`] in a hello and the key
//! itself in a batch: a chip is measured only for the owner its agent named
//! (to anyone else it is not connected). A connected chip is `(serial,
//! model)`: chips of two models may share a serial. `day` is the landmark's
//! clock's UTC day when the batch (or hello) begins, unless it was started
//! for a fixed day (`--day`, tests): a batch is signed for the day of its
//! measurements. `nonce` is 32 fresh bytes from the OS (`0x` + hex), `signature` the
//! device key's ECDSA signature (`0x` + `r ‖ s` hex). A chip is measured
//! [`Limits::tries`] times (default 3) and its **smallest** round trip
//! kept: noise only adds delay, so the minimum is the best evidence; a wrong
//! answer in any try fails it. A chip fails a batch when it is not connected,
//! its certified model is not the one asked for, an answer does not verify
//! (another key, a replayed answer, a precomputed one: the nonce is fresh),
//! no answer comes within [`Limits::answer_timeout`], or its smallest round
//! trip exceeds the bound of the landmark's accepted distance ("too slow:
//! X ms allows Y km, the landmark accepts Z km"). One failing chip fails the
//! batch, naming it, and a chip whose answer failed (or never came) is
//! disconnected: it must say hello again. A batch lists at most
//! `MAX_SLOT_CHIPS` positions, a chip (serial, model) at most once.
//!
//! The hello's challenge is a proof of possession: a peer that shows a
//! genuine certificate (certificates are public) without holding its key is
//! refused, so it can neither be measured nor displace the connected chip.
//! A chip that says hello again, with its key, replaces its old connection.
//! Every answer signs the owner digest the hello registered, so a hello
//! relayed to the real agent under another owner's digest fails its proof of
//! possession. A batch whose measurements run past the end of the UTC day it
//! began on is refused ("measure again"): a batch's day is the day of all
//! its measurements.
//!
//! What this does not stop (stated, not solved): the owner key travels in
//! the batch request and is reusable — anyone who reads it on an untrusted
//! path can have the importer's chips measured (run landmarks behind TLS or
//! on the agency's network; a signature per request would remove this);
//! and one limit ([`Limits::max_connections`]) covers chips and clients, so
//! a peer opening many idle connections can fill it until their hello
//! timeouts expire (no per-address cap yet).
//!
//! Everything is bounded: line length, open connections
//! ([`Limits::max_connections`], further ones are closed at once), the wait
//! for a first message ([`Limits::hello_timeout`]), for an answer, and for a
//! whole batch.
//!
//! ## The batch file
//! [`BatchFile`]: the landmark id, the day (days since 1970-01-01, UTC), one
//! entry per chip position (`{serial, model, rtt_ns}` or `null`), the
//! largest round trip, the round trips' digest and the landmark's EdDSA
//! signature of `Batch::message(landmark id, day)`. [`BatchFile::verify`]
//! checks it natively against the registry: the landmark is accredited, the
//! signature is its key's, every round trip is within its bound.
//!
//! ## Trust model
//! - **The device key does not leave the chip.** Then a relay without the
//!   key cannot answer, and a relay forwarding to the chip adds the far leg's
//!   delay. In the tests and the demo the key is a file (`device.key`, 0600),
//!   which stands in for the hardware and gives no such guarantee.
//! - **The landmark is honest** about its clock and what it measured: it
//!   signs the round trips; a dishonest landmark can sign anything.
//! - **Light's speed** in vacuum bounds the distance; processing and queueing
//!   only lengthen a round trip, so they can make a near chip fail, never a
//!   far chip pass. The precision is coarse: a millisecond is 150 km.
pub mod agent;
pub mod client;
pub mod server;
pub mod wire;

use crate::error::ProverError;
use p384::ecdsa::SigningKey;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use zkcc_circuits::delay::{rtt_within, Batch};
use zkcc_circuits::eddsa::{self, SignatureJson};
use zkcc_circuits::encoding::{fr_from_hex, fr_to_hex};
use zkcc_circuits::ledger::{chip_ident, encode_serial};
use zkcc_circuits::registry::Registry;
use zkcc_verifier::device::DeviceError;

pub use agent::{Agent, Answerer, Challenge};
pub use server::Landmark;

/// Why a landmark, an agent or a batch file refused something.
#[derive(Debug, thiserror::Error)]
pub enum LandmarkError {
    /// The network failed (connect, read, write).
    #[error("network: {0}")]
    Network(String),
    /// The peer broke the protocol (a malformed or oversized line, an
    /// unexpected message, a closed connection).
    #[error("protocol: {0}")]
    Protocol(String),
    /// The peer refused, with its reason.
    #[error("refused by the landmark: {0}")]
    Refused(String),
    /// A device certificate or answer did not verify.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// A chip answered correctly but too late for the landmark's distance.
    #[error("chip {serial}: too slow: {ms:.3} ms allows {km:.0} km, the landmark accepts {accepted_km:.0} km")]
    TooSlow {
        /// The chip.
        serial: String,
        /// Its smallest round trip, ms.
        ms: f64,
        /// The distance that round trip allows, km.
        km: f64,
        /// The landmark's accepted distance, km.
        accepted_km: f64,
    },
    /// A chip did not answer in time.
    #[error("chip {serial}: no answer within {ms} ms")]
    Silent {
        /// The chip.
        serial: String,
        /// How long the landmark waited, ms.
        ms: u128,
    },
    /// A chip to measure is not connected to the landmark.
    #[error("chip {0}: not connected to this landmark")]
    NotConnected(String),
    /// A request is not acceptable (a model the registry does not list, a
    /// serial twice, too many entries, a model other than the certified one).
    #[error("{0}")]
    Request(String),
    /// The landmark's own configuration is wrong (an id the registry does not
    /// list, a key that is not the registry's, limits out of range).
    #[error("landmark configuration: {0}")]
    Config(String),
    /// A batch file does not verify.
    #[error("batch file: {0}")]
    Batch(String),
}

impl LandmarkError {
    fn network(what: &str, e: std::io::Error) -> Self {
        Self::Network(format!("{what}: {e}"))
    }
}

impl From<LandmarkError> for ProverError {
    /// Exit codes: a measurement or file that fails is a refusal (1); a bad
    /// configuration is usage (2); the network is I/O (3).
    fn from(e: LandmarkError) -> Self {
        match e {
            LandmarkError::Config(_) => ProverError::Usage(e.to_string()),
            LandmarkError::Network(_) => ProverError::Backend(e.to_string()),
            _ => ProverError::Rejected(e.to_string()),
        }
    }
}

/// The landmark's bounds on its peers.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Challenges per chip per batch; the smallest round trip is kept.
    pub tries: u32,
    /// Longest wait for an answer (at most 4 s: round trips are `u32` ns).
    pub answer_timeout: Duration,
    /// Longest wait for a connection's first message.
    pub hello_timeout: Duration,
    /// Longest line, bytes.
    pub max_line: usize,
    /// Most open connections (chips and clients); more are closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            tries: 3,
            answer_timeout: Duration::from_secs(2),
            hello_timeout: Duration::from_secs(10),
            max_line: 64 * 1024,
            max_connections: 4096,
        }
    }
}

impl Limits {
    fn check(&self) -> Result<(), LandmarkError> {
        if !(1..=100).contains(&self.tries)
            || self.answer_timeout.is_zero()
            || self.answer_timeout > Duration::from_secs(4)
            || self.max_line < 1024
            || self.max_connections == 0
        {
            return Err(LandmarkError::Config(format!(
                "limits out of range (tries 1–100, answer timeout 1 ns–4 s, lines ≥ 1 KiB, ≥ 1 connection): {self:?}"
            )));
        }
        Ok(())
    }
}

/// The importer's **owner key**: 32 secret bytes. Each of its chip agents
/// registers the key's digest at hello ([`OwnerKey::digest`]); a batch request
/// presents the key itself, and a landmark measures a listed chip only if the
/// key's digest is the one its agent registered — to anyone else the chip is
/// "not connected". So only whoever runs the chips' agents (the importer) can
/// have them measured: a stranger learns neither which chips a landmark holds
/// nor their round trips, and cannot keep them busy. The key travels in the
/// batch request (plain TCP here: run landmarks behind TLS or on the agency's
/// network where the path is not trusted).
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct OwnerKey([u8; 32]);

impl std::fmt::Debug for OwnerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnerKey(..)")
    }
}

/// [`P384KeyFile::kind`]-like tag of an owner key file.
pub const KIND_OWNER: &str = "owner (the importer's key for its chips' measurements)";

impl OwnerKey {
    /// A fresh key from the OS.
    pub fn random() -> Self {
        let mut k = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut k);
        Self(k)
    }
    /// From 32 bytes.
    pub fn from_bytes(k: [u8; 32]) -> Self {
        Self(k)
    }
    /// Parses `0x` + 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let b: [u8; 32] = hex::decode(s.strip_prefix("0x")?).ok()?.try_into().ok()?;
        Some(Self(b))
    }
    /// `0x` + hex (secret).
    pub fn hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }
    /// What agents register: SHA-256 of a tag and the key.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"zkcc landmark owner v1\n");
        h.update(self.0);
        h.finalize().into()
    }
}

/// `0x` + hex of an owner digest, as a hello carries it.
pub fn digest_hex(d: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(d))
}

/// Parses an owner digest (`0x` + 64 hex digits).
pub fn parse_digest(s: &str) -> Option<[u8; 32]> {
    hex::decode(s.strip_prefix("0x")?).ok()?.try_into().ok()
}

/// An owner key in a file (0600): `{"version": 1, "kind": KIND_OWNER, "secret": "0x…"}`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerKeyFile {
    /// Format version (1).
    pub version: u32,
    /// [`KIND_OWNER`].
    pub kind: String,
    /// The key, `0x` + 64 hex digits (secret).
    pub secret: String,
}

impl OwnerKeyFile {
    /// A file holding `key`.
    pub fn new(key: &OwnerKey) -> Self {
        Self {
            version: 1,
            kind: KIND_OWNER.into(),
            secret: key.hex(),
        }
    }
    /// The key, if the file holds one.
    pub fn key(&self) -> Result<OwnerKey, ProverError> {
        if self.version != 1 || self.kind != KIND_OWNER {
            return Err(ProverError::Keys(format!(
                "a {:?} key file of version {}, expected an owner key of version 1",
                self.kind, self.version
            )));
        }
        OwnerKey::from_hex(&self.secret)
            .ok_or_else(|| ProverError::Keys("owner key: not 0x + 64 hex digits".into()))
    }
}

/// Today, UTC, in days since 1970-01-01.
pub fn today() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0)
}

/// A chip the importer asks a landmark to measure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipRef {
    /// Serial number.
    pub serial: String,
    /// Model (a registry model name).
    pub model: String,
}

/// A measured chip in a batch file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredChip {
    /// Serial number.
    pub serial: String,
    /// Model (a registry model name).
    pub model: String,
    /// Its smallest round trip, ns (≥ 1).
    pub rtt_ns: u32,
}

/// A landmark's signed batch for one facility slot, as a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFile {
    /// Format version (1).
    pub version: u32,
    /// The landmark's id in the registry.
    pub landmark: String,
    /// The day signed for (days since 1970-01-01, UTC).
    pub day: u64,
    /// Per chip position of the slot: the measured chip, or `null`.
    pub entries: Vec<Option<MeasuredChip>>,
    /// The largest round trip, ns.
    pub max_rtt_ns: u64,
    /// `zkcc_circuits::delay::rtts_digest` of the round trips (0 where `null`).
    pub rtts_digest: String,
    /// The landmark's EdDSA signature of `Batch::message(landmark id, day)`.
    pub signature: SignatureJson,
}

/// Version of [`BatchFile`].
pub const BATCH_FILE_VERSION: u32 = 1;

/// The chip identity of `serial` of `model` under `registry`.
pub fn ident_of(
    registry: &Registry,
    serial: &str,
    model: &str,
) -> Result<ark_bn254::Fr, LandmarkError> {
    let m = registry.model_index(model).ok_or_else(|| {
        LandmarkError::Request(format!(
            "chip {serial}: model {model:?} is not a registry model"
        ))
    })?;
    let s = encode_serial(serial)
        .map_err(|e| LandmarkError::Request(format!("chip serial {serial:?}: {e}")))?;
    Ok(chip_ident(s, m))
}

impl BatchFile {
    /// The batch (identities and round trips in slot order) the delay proof consumes.
    pub fn to_batch(&self, registry: &Registry) -> Result<Batch, LandmarkError> {
        batch_of(registry, &self.entries)
    }

    /// Checks the file natively: the landmark is the registry's, the
    /// signature is its key's over the batch, the stated maximum and digest
    /// are the entries', and every round trip is within the landmark's bound.
    pub fn verify(&self, registry: &Registry) -> Result<Batch, LandmarkError> {
        let bad = |m: String| LandmarkError::Batch(format!("landmark {}: {m}", self.landmark));
        if self.version != BATCH_FILE_VERSION {
            return Err(bad(format!(
                "version {} (expected {BATCH_FILE_VERSION})",
                self.version
            )));
        }
        let li = registry
            .landmark_index(&self.landmark)
            .ok_or_else(|| bad("not a landmark of the registry".into()))?;
        let leaf = registry.landmarks[li];
        let batch = self.to_batch(registry)?;
        for c in self.entries.iter().flatten() {
            if !rtt_within(c.rtt_ns as u64, leaf.max_distance_m) {
                return Err(bad(format!(
                    "chip {}: round trip {} ns exceeds the bound of {} km",
                    c.serial,
                    c.rtt_ns,
                    leaf.max_distance_m / 1000
                )));
            }
        }
        if batch.max_rtt() != self.max_rtt_ns {
            return Err(bad(
                "max_rtt_ns is not the entries' largest round trip".into()
            ));
        }
        if fr_from_hex(&self.rtts_digest).ok() != Some(batch.rtts()) {
            return Err(bad("rtts_digest is not the entries' digest".into()));
        }
        let sig = self
            .signature
            .to_signature()
            .map_err(|e| bad(format!("signature: {e}")))?;
        eddsa::verify(&leaf.key, batch.message(leaf.id, self.day), &sig)
            .map_err(|_| bad("the signature is not the landmark's over this batch".into()))?;
        Ok(batch)
    }

    /// Assembles and signs a batch file (the landmark's last step).
    pub fn sign(
        registry: &Registry,
        landmark: usize,
        key: &eddsa::SecretKey,
        day: u64,
        entries: Vec<Option<MeasuredChip>>,
    ) -> Result<Self, LandmarkError> {
        let leaf = registry.landmarks[landmark];
        let batch = batch_of(registry, &entries)?;
        Ok(Self {
            version: BATCH_FILE_VERSION,
            landmark: registry.file.landmarks[landmark].id.clone(),
            day,
            entries,
            max_rtt_ns: batch.max_rtt(),
            rtts_digest: fr_to_hex(&batch.rtts()),
            signature: SignatureJson::from_signature(&key.sign(batch.message(leaf.id, day))),
        })
    }
}

/// The batch of a slot's entries: identities under `registry`, round trips.
fn batch_of(registry: &Registry, entries: &[Option<MeasuredChip>]) -> Result<Batch, LandmarkError> {
    if entries.len() > zkcc_circuits::shard::MAX_SLOT_CHIPS {
        return Err(LandmarkError::Batch(format!(
            "{} entries: a slot holds at most {}",
            entries.len(),
            zkcc_circuits::shard::MAX_SLOT_CHIPS
        )));
    }
    let entries = entries
        .iter()
        .map(|e| match e {
            None => Ok((ark_bn254::Fr::from(0u64), 0)),
            Some(c) if c.rtt_ns == 0 => Err(LandmarkError::Batch(format!(
                "chip {}: a measured round trip of 0 ns",
                c.serial
            ))),
            Some(c) => Ok((
                ident_of(registry, &c.serial, &c.model)
                    .map_err(|e| LandmarkError::Batch(e.to_string()))?,
                c.rtt_ns,
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Batch { entries })
}

/// A P-384 signing key in a file (0600): a vendor's CA key, or a chip's
/// device key. A device key in a file **stands in for the chip's hardware
/// key** (tests and demos): a file gives none of the hardware's guarantee that
/// the key cannot be copied.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct P384KeyFile {
    /// Format version (1).
    pub version: u32,
    /// What the key is: `"vendor-ca"` or `"device (file stand-in for the hardware key)"`.
    pub kind: String,
    /// The vendor's id, or the chip's serial.
    pub id: String,
    /// The 48-byte secret scalar, hex (secret).
    pub secret: String,
}

/// [`P384KeyFile::kind`] of a vendor CA key.
pub const KIND_VENDOR: &str = "vendor-ca";
/// [`P384KeyFile::kind`] of a device key.
pub const KIND_DEVICE: &str = "device (file stand-in for the hardware key)";

impl P384KeyFile {
    /// A file holding `key`.
    pub fn new(kind: &str, id: &str, key: &SigningKey) -> Self {
        Self {
            version: 1,
            kind: kind.to_string(),
            id: id.to_string(),
            secret: hex::encode(key.to_bytes()),
        }
    }
    /// The key, if the file holds one of `kind`.
    pub fn signing_key(&self, kind: &str) -> Result<SigningKey, ProverError> {
        if self.version != 1 || self.kind != kind {
            return Err(ProverError::Keys(format!(
                "key {}: a {:?} key file of version {}, expected a {kind:?} key of version 1",
                self.id, self.kind, self.version
            )));
        }
        hex::decode(&self.secret)
            .ok()
            .filter(|b| b.len() == 48)
            .and_then(|b| SigningKey::from_slice(&b).ok())
            .ok_or_else(|| ProverError::Keys(format!("key {}: not a P-384 secret key", self.id)))
    }
}
