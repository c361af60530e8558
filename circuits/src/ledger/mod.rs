//! The agency's shipment ledger, chip identities, and the grand product that
//! makes a claim *complete*.
//!
//! The agency keeps, per importer, the record `(serial, model, tpp)` of every
//! controlled chip exporters shipped to it. A claim is about that ledger, not
//! about chips the importer chose to list: a shard proof multiplies, over the
//! chips it marks as ledger chips, the terms
//!
//! ```text
//! term(chip) = γ − ident(chip) − β·tpp(chip)
//! ident      = serial + 2^240 · model_index        (injective: serial < 2^240, index < 2^8)
//! γ          = Poseidon(TAG_CHALLENGE, C, ledger_digest, X, e)
//! β          = Poseidon(TAG_CHALLENGE, γ)
//! ```
//!
//! and the agency computes the same product over its ledger
//! ([`Ledger::product`]). Equal products mean equal multisets except with
//! probability about `n / r` (see `docs/statement.md`).
//!
//! The digest of a ledger is SHA-256 over its canonical encoding (records
//! sorted by identity), reduced mod r; it names the ledger version a proof is
//! about and enters the challenge.
use crate::encoding::{decode_label, encode_label};
use crate::error::{encoded, EncodingError, InputError};
use crate::poseidon;
use crate::registry::Registry;
use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The ledger file format version this code reads and writes.
pub const LEDGER_VERSION: u32 = 1;
/// Longest serial number, bytes (so that `serial < 2^240`).
pub const MAX_SERIAL_LEN: usize = 30;
/// Bit offset of the model index in a chip identity.
pub const MODEL_SHIFT: u32 = 240;

/// Domain tag of the challenges.
pub fn challenge_tag() -> Fr {
    crate::domain::tag(b"zkcc ledger challenge v1")
}

/// The ledger file (JSON), kept by the agency for one importer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerFile {
    /// Format version, [`LEDGER_VERSION`].
    pub version: u32,
    /// The importer (consignee) the chips were shipped to.
    pub importer: String,
    /// Every controlled chip the importer holds.
    pub records: Vec<LedgerRecordJson>,
}

/// One shipped chip, as an exporter reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerRecordJson {
    /// Serial number (1–30 printable ASCII).
    pub serial: String,
    /// Chip model (a registry model name).
    pub model: String,
    /// Total processing performance (the registry's value for the model).
    pub tpp: u64,
}

/// A ledger record as the circuits see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LedgerEntry {
    /// The chip identity, [`chip_ident`].
    pub ident: Fr,
    /// Its TPP.
    pub tpp: u64,
}

/// Why a ledger was rejected.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Not JSON of the ledger schema.
    #[error("ledger is not valid JSON of the ledger format: {0}")]
    Json(#[from] serde_json::Error),
    /// Unsupported format version.
    #[error("ledger format version {0} is not supported (expected {LEDGER_VERSION})")]
    Version(u32),
    /// A field failed to encode, or a semantic check failed.
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Encodes a serial number (1–30 printable ASCII) as a field element below 2^240.
pub fn encode_serial(s: &str) -> Result<Fr, EncodingError> {
    if s.len() > MAX_SERIAL_LEN {
        return Err(EncodingError::BadLabel(s.to_string()));
    }
    encode_label(s)
}

/// The identity of a chip: `serial + 2^240 · model_index` (injective for
/// serials below 2^240 and indices below 2^8, and below r).
pub fn chip_ident(serial: Fr, model_index: usize) -> Fr {
    debug_assert!(model_index < 256);
    serial + Fr::from(2u64).pow([MODEL_SHIFT as u64]) * Fr::from(model_index as u64)
}

/// The serial number inside a chip identity, if it is one.
pub fn serial_of(ident: &Fr) -> Option<String> {
    let mut bytes = ident.into_bigint().to_bytes_be();
    bytes[0] = 0;
    bytes[1] = 0;
    decode_label(&Fr::from_be_bytes_mod_order(&bytes))
}

/// The challenges `(γ, β)` of the grand product, from values that bind the
/// whole inventory before they exist.
pub fn challenges(commitment: Fr, ledger_digest: Fr, importer: Fr, epoch: u64) -> (Fr, Fr) {
    let gamma = poseidon::hash(&[
        challenge_tag(),
        commitment,
        ledger_digest,
        importer,
        Fr::from(epoch),
    ]);
    let beta = poseidon::hash(&[challenge_tag(), gamma]);
    (gamma, beta)
}

/// One factor of the grand product: `γ − ident − β·tpp`.
pub fn term(gamma: Fr, beta: Fr, ident: Fr, tpp: u64) -> Fr {
    gamma - ident - beta * Fr::from(tpp)
}

/// A validated ledger: the importer and, per chip, only `(ident, tpp)` — 40
/// bytes a chip, whatever the file held. [`Ledger::from_reader`] builds it
/// from a file streamed record by record, so a ledger of a million chips
/// never sits in memory as JSON or strings.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// The importer (consignee) as in the file.
    pub importer_id: String,
    /// The encoded importer id.
    pub importer: Fr,
    /// Records, sorted by identity.
    pub entries: Vec<LedgerEntry>,
    /// [`Ledger::digest`].
    pub digest: Fr,
}

/// Turns records into entries one at a time: model and TPP checked against
/// the registry, serials collected for the uniqueness check.
struct Builder<'a> {
    registry: &'a Registry,
    entries: Vec<LedgerEntry>,
    serials: Vec<Fr>,
}

impl<'a> Builder<'a> {
    fn new(registry: &'a Registry) -> Self {
        Self {
            registry,
            entries: Vec::new(),
            serials: Vec::new(),
        }
    }

    fn push(&mut self, r: &LedgerRecordJson) -> Result<(), LedgerError> {
        let serial = encoded(format!("serial {:?}", r.serial), encode_serial(&r.serial))?;
        let mi = self.registry.model_index(&r.model).ok_or_else(|| {
            InputError::Invalid(format!(
                "serial {:?}: model {:?} is not in the registry",
                r.serial, r.model
            ))
        })?;
        let tpp = self.registry.models[mi].1;
        if r.tpp != tpp {
            return Err(InputError::Invalid(format!(
                "serial {:?}: tpp {} differs from the registry's {tpp} for {}",
                r.serial, r.tpp, r.model
            ))
            .into());
        }
        self.serials.push(serial);
        self.entries.push(LedgerEntry {
            ident: chip_ident(serial, mi),
            tpp,
        });
        Ok(())
    }

    fn finish(mut self, version: u32, importer_id: String) -> Result<Ledger, LedgerError> {
        if version != LEDGER_VERSION {
            return Err(LedgerError::Version(version));
        }
        let importer = encoded("importer", encode_label(&importer_id))?;
        self.serials.sort_unstable();
        if let Some(w) = self.serials.windows(2).find(|w| w[0] == w[1]) {
            return Err(InputError::Invalid(format!(
                "serial {:?} appears twice",
                decode_label(&w[0]).unwrap_or_default()
            ))
            .into());
        }
        let mut entries = self.entries;
        entries.sort_unstable();
        let digest = digest(importer, &entries);
        Ok(Ledger {
            importer_id,
            importer,
            entries,
            digest,
        })
    }
}

impl Ledger {
    /// Parses and validates a ledger file against the registry's model table.
    pub fn from_json(text: &str, registry: &Registry) -> Result<Self, LedgerError> {
        Self::from_reader(text.as_bytes(), registry)
    }

    /// Streams a ledger file: each record is validated and reduced to its
    /// entry as it is read (unknown fields and trailing data refused).
    pub fn from_reader<R: std::io::Read>(
        reader: R,
        registry: &Registry,
    ) -> Result<Self, LedgerError> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
        let ledger = stream::FileSeed { registry }.deserialize(&mut de)??;
        de.end()?;
        Ok(ledger)
    }

    /// Validates a ledger: known models, their registry TPP, unique serials.
    pub fn from_file(file: LedgerFile, registry: &Registry) -> Result<Self, LedgerError> {
        let mut b = Builder::new(registry);
        for r in &file.records {
            b.push(r)?;
        }
        b.finish(file.version, file.importer)
    }

    /// The ledger as a file (records in identity order).
    pub fn to_file(&self, registry: &Registry) -> LedgerFile {
        LedgerFile {
            version: LEDGER_VERSION,
            importer: self.importer_id.clone(),
            records: self
                .entries
                .iter()
                .map(|e| {
                    let bytes = e.ident.into_bigint().to_bytes_be();
                    let mi = bytes[1] as usize;
                    LedgerRecordJson {
                        serial: serial_of(&e.ident).unwrap_or_default(),
                        model: registry
                            .file
                            .chip_models
                            .get(mi)
                            .map(|m| m.name.clone())
                            .unwrap_or_default(),
                        tpp: e.tpp,
                    }
                })
                .collect(),
        }
    }

    /// `Π (γ − ident − β·tpp)` over the ledger.
    pub fn product(&self, gamma: Fr, beta: Fr) -> Fr {
        self.entries
            .iter()
            .fold(Fr::one(), |acc, e| acc * term(gamma, beta, e.ident, e.tpp))
    }

    /// Number of chips.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the ledger is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Total TPP.
    pub fn total_tpp(&self) -> u64 {
        self.entries.iter().map(|e| e.tpp).sum()
    }
}

/// SHA-256 of `"zkcc ledger v1" ‖ importer ‖ (ident ‖ tpp)*` (records sorted
/// by identity, 32-byte big-endian elements, 8-byte big-endian TPP), mod r.
pub fn digest(importer: Fr, sorted: &[LedgerEntry]) -> Fr {
    let mut h = Sha256::new();
    h.update(b"zkcc ledger v1");
    h.update(importer.into_bigint().to_bytes_be());
    h.update((sorted.len() as u64).to_be_bytes());
    for e in sorted {
        h.update(e.ident.into_bigint().to_bytes_be());
        h.update(e.tpp.to_be_bytes());
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_are_injective_and_reversible() {
        let s = encode_serial("SN-0001").unwrap();
        let a = chip_ident(s, 0);
        let b = chip_ident(s, 1);
        assert_ne!(a, b);
        assert_eq!(serial_of(&b).unwrap(), "SN-0001");
        assert!(encode_serial(&"x".repeat(31)).is_err());
        let long = encode_serial(&"~".repeat(30)).unwrap();
        assert!(long.into_bigint().num_bits() <= MODEL_SHIFT);
        assert!(chip_ident(long, 255).into_bigint().num_bits() <= 248);
    }
}

/// The streaming reader of [`Ledger::from_reader`]: serde visitors over the
/// file's object and its `records` array that never hold more than one record.
mod stream {
    use super::{Builder, Ledger, LedgerError, LedgerRecordJson};
    use crate::registry::Registry;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    pub(super) struct FileSeed<'a> {
        pub registry: &'a Registry,
    }

    struct RecordsSeed<'b, 'a> {
        builder: &'b mut Builder<'a>,
    }

    impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_> {
        type Value = Result<(), LedgerError>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for RecordsSeed<'_, '_> {
        type Value = Result<(), LedgerError>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of ledger records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while let Some(r) = seq.next_element::<LedgerRecordJson>()? {
                if let Err(e) = self.builder.push(&r) {
                    // Drain the rest so the error is the record's, not the parser's.
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(Err(e));
                }
            }
            Ok(Ok(()))
        }
    }

    impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
        type Value = Result<Ledger, LedgerError>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for FileSeed<'_> {
        type Value = Result<Ledger, LedgerError>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a ledger file")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut builder = Builder::new(self.registry);
            let (mut version, mut importer, mut records) = (None, None, false);
            let mut failed = None;
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "version" if version.is_none() => version = Some(map.next_value::<u32>()?),
                    "importer" if importer.is_none() => {
                        importer = Some(map.next_value::<String>()?)
                    }
                    "records" if !records => {
                        records = true;
                        if let Err(e) = map.next_value_seed(RecordsSeed {
                            builder: &mut builder,
                        })? {
                            failed.get_or_insert(e);
                        }
                    }
                    "version" | "importer" | "records" => {
                        return Err(de::Error::custom(format!("duplicate field `{key}`")))
                    }
                    other => {
                        return Err(de::Error::unknown_field(
                            other,
                            &["version", "importer", "records"],
                        ))
                    }
                }
            }
            if let Some(e) = failed {
                return Ok(Err(e));
            }
            let version = version.ok_or_else(|| de::Error::missing_field("version"))?;
            let importer = importer.ok_or_else(|| de::Error::missing_field("importer"))?;
            if !records {
                return Err(de::Error::missing_field("records"));
            }
            Ok(builder.finish(version, importer))
        }
    }
}
