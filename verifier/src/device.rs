//! Chips' device identity keys and the vendor's certificates of them.
//!
//! Modelled on the vendor's scheme: every chip holds an **ECDSA P-384** identity
//! key generated in hardware, and the vendor's certificate authority certifies
//! its public key together with the chip's serial number and model. Here the
//! certificate is not X.509 but one canonical byte string, signed by the
//! vendor's CA key with ECDSA P-384 over SHA-384:
//!
//! ```text
//! cert message      = "zkcc device cert v1" ‖ lv(vendor) ‖ lv(serial) ‖ lv(model) ‖ device key (SEC1, 49 bytes)
//! challenge message = "zkcc landmark challenge v2" ‖ lv(landmark) ‖ day (u64, big-endian) ‖ owner (32 bytes) ‖ nonce (32 bytes)
//! lv(s)             = one length byte ‖ the bytes of s          (s is 1–31 bytes of 0x20–0x7e, as the registry's labels)
//! ```
//!
//! An exporter's shipment record carries the certificate; the agency's service
//! checks it against the registry's vendor CAs and keeps it with the ledger
//! entry; a landmark checks it before it times a chip, then checks the chip's
//! answer to its fresh nonce with that key. A vendor's CA certifies only the
//! models the registry lists under it, and a model has one vendor. The trust
//! assumptions this adds: **the device key cannot leave the chip**, and **a
//! vendor's CA certifies one key per chip it made** (a landmark does not hold
//! the ledger's recorded key, so a second certificate for the same chip from
//! its own vendor would be accepted). In the tests and
//! the demo a key file stands in for the hardware, which gives no such
//! guarantee.
//!
//! Signatures (ECDSA's `s` and `n − s` both verify) are never used as
//! identifiers: a certificate is named by its chip.
use p384::ecdsa::signature::{Signer, Verifier};
use p384::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Bytes of a compressed SEC1 P-384 public key.
pub const DEVICE_KEY_LEN: usize = 49;
/// Bytes of a landmark's challenge nonce.
pub const NONCE_LEN: usize = 32;
const CERT_TAG: &[u8] = b"zkcc device cert v1";
const CHALLENGE_TAG: &[u8] = b"zkcc landmark challenge v2";
/// Bytes of the owner digest a chip's agent registers with a landmark.
pub const OWNER_LEN: usize = 32;

/// Why a device key, certificate or answer was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    /// Not a P-384 public key (hex of a 49-byte compressed SEC1 point on the curve).
    #[error(
        "{what}: not a P-384 public key (0x + 98 hex digits of a compressed point on the curve)"
    )]
    BadKey {
        /// Which key.
        what: String,
    },
    /// Not an ECDSA P-384 signature (0x + 192 hex digits, `r ‖ s` in range).
    #[error("{what}: not an ECDSA P-384 signature (0x + 192 hex digits)")]
    BadSignature {
        /// Which signature.
        what: String,
    },
    /// A vendor, serial or model label outside 1–31 printable ASCII.
    #[error("{what} {value:?}: must be 1–31 printable ASCII characters")]
    BadLabel {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// The certificate names a vendor whose CA the verifier does not accept.
    #[error("device certificate of chip {serial}: vendor {vendor:?} is not an accepted vendor CA")]
    UnknownVendor {
        /// The chip.
        serial: String,
        /// The vendor named.
        vendor: String,
    },
    /// The vendor's CA certifies a model the registry does not list under it.
    #[error("device certificate of chip {serial}: vendor {vendor:?} does not make model {model:?} (the registry lists the models each vendor's CA may certify)")]
    NotVendorsModel {
        /// The chip.
        serial: String,
        /// The vendor named.
        vendor: String,
        /// The model certified.
        model: String,
    },
    /// The vendor's signature does not verify.
    #[error("device certificate of chip {serial}: the vendor's signature does not verify")]
    CertInvalid {
        /// The chip.
        serial: String,
    },
    /// The chip's answer to a challenge does not verify under its device key.
    #[error("chip {serial}: its answer is not its device key's signature of this challenge")]
    AnswerInvalid {
        /// The chip.
        serial: String,
    },
}

/// A vendor's certificate authority, as the agency's registry lists it
/// (`device_vendors`).
pub use zkcc_circuits::registry::VendorCaJson as VendorCa;

/// The vendor's certificate of one chip's device key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCert {
    /// The certifying vendor (a [`VendorCa`] id).
    pub vendor: String,
    /// The chip's serial number.
    pub serial: String,
    /// The chip's model (a registry model name).
    pub model: String,
    /// The device public key, `0x` + compressed SEC1 hex.
    pub device_key: String,
    /// The vendor CA's ECDSA P-384 signature of the cert message, `0x` + `r ‖ s` hex.
    pub signature: String,
}

fn label(what: &'static str, s: &str) -> Result<(), DeviceError> {
    // A label takes what the registry and the ledger take (`encode_label`:
    // the space too); the length byte keeps the message unambiguous.
    if (1..=31).contains(&s.len()) && s.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err(DeviceError::BadLabel {
            what,
            value: s.chars().take(40).collect(),
        })
    }
}

fn lv(out: &mut Vec<u8>, s: &str) {
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.strip_prefix("0x")?).ok()
}

/// `0x` + compressed SEC1 hex of a P-384 public key.
pub fn key_hex(key: &VerifyingKey) -> String {
    format!("0x{}", hex::encode(key.to_encoded_point(true).as_bytes()))
}

/// Parses `0x` + compressed SEC1 hex of a P-384 public key (checked on the curve).
pub fn parse_key(what: &str, s: &str) -> Result<VerifyingKey, DeviceError> {
    unhex(s)
        .filter(|b| b.len() == DEVICE_KEY_LEN)
        .and_then(|b| VerifyingKey::from_sec1_bytes(&b).ok())
        .ok_or_else(|| DeviceError::BadKey {
            what: what.to_string(),
        })
}

fn parse_signature(what: &str, s: &str) -> Result<Signature, DeviceError> {
    unhex(s)
        .and_then(|b| Signature::from_slice(&b).ok())
        .ok_or_else(|| DeviceError::BadSignature {
            what: what.to_string(),
        })
}

fn sig_hex(sig: &Signature) -> String {
    format!("0x{}", hex::encode(sig.to_bytes()))
}

impl DeviceCert {
    fn message(&self, key: &VerifyingKey) -> Result<Vec<u8>, DeviceError> {
        label("vendor", &self.vendor)?;
        label("serial", &self.serial)?;
        label("model", &self.model)?;
        let mut m = CERT_TAG.to_vec();
        lv(&mut m, &self.vendor);
        lv(&mut m, &self.serial);
        lv(&mut m, &self.model);
        m.extend_from_slice(key.to_encoded_point(true).as_bytes());
        Ok(m)
    }

    /// The vendor's CA issues the certificate of `device` for chip `serial` of `model`.
    pub fn issue(
        ca: &SigningKey,
        vendor: &str,
        serial: &str,
        model: &str,
        device: &VerifyingKey,
    ) -> Result<Self, DeviceError> {
        let mut cert = Self {
            vendor: vendor.to_string(),
            serial: serial.to_string(),
            model: model.to_string(),
            device_key: key_hex(device),
            signature: String::new(),
        };
        let sig: Signature = ca.sign(&cert.message(device)?);
        cert.signature = sig_hex(&sig);
        Ok(cert)
    }

    /// Checks the certificate against the accepted vendor CAs; the certified device key.
    pub fn verify(&self, vendors: &[VendorCa]) -> Result<VerifyingKey, DeviceError> {
        let device = parse_key(
            &format!("device key of chip {}", self.serial),
            &self.device_key,
        )?;
        let msg = self.message(&device)?;
        let ca = vendors
            .iter()
            .find(|v| v.id == self.vendor)
            .ok_or_else(|| DeviceError::UnknownVendor {
                serial: self.serial.clone(),
                vendor: self.vendor.clone(),
            })?;
        if !ca.models.iter().any(|m| m == &self.model) {
            return Err(DeviceError::NotVendorsModel {
                serial: self.serial.clone(),
                vendor: self.vendor.clone(),
                model: self.model.clone(),
            });
        }
        let ca_key = parse_key(&format!("CA key of vendor {}", ca.id), &ca.public_key)?;
        let sig = parse_signature(
            &format!("certificate signature of chip {}", self.serial),
            &self.signature,
        )?;
        ca_key
            .verify(&msg, &sig)
            .map_err(|_| DeviceError::CertInvalid {
                serial: self.serial.clone(),
            })?;
        Ok(device)
    }
}

/// The bytes a chip signs to answer landmark `landmark`'s challenge `nonce` on
/// `day`, registered for the owner digest `owner`: the owner is signed with
/// every answer, so a hello relayed with another owner's digest fails its
/// proof of possession, and answers of one registration do not serve another.
pub fn challenge_message(
    landmark: &str,
    day: u64,
    owner: &[u8; OWNER_LEN],
    nonce: &[u8; NONCE_LEN],
) -> Vec<u8> {
    let mut m = CHALLENGE_TAG.to_vec();
    lv(&mut m, landmark);
    m.extend_from_slice(&day.to_be_bytes());
    m.extend_from_slice(owner);
    m.extend_from_slice(nonce);
    m
}

/// The chip's answer: its device key's signature of the challenge, `0x` + hex.
pub fn answer(
    device: &SigningKey,
    landmark: &str,
    day: u64,
    owner: &[u8; OWNER_LEN],
    nonce: &[u8; NONCE_LEN],
) -> String {
    let sig: Signature = device.sign(&challenge_message(landmark, day, owner, nonce));
    sig_hex(&sig)
}

/// Checks a chip's answer to a challenge under its certified device key.
pub fn check_answer(
    device: &VerifyingKey,
    serial: &str,
    landmark: &str,
    day: u64,
    owner: &[u8; OWNER_LEN],
    nonce: &[u8; NONCE_LEN],
    answer: &str,
) -> Result<(), DeviceError> {
    let bad = || DeviceError::AnswerInvalid {
        serial: serial.to_string(),
    };
    let sig = parse_signature(&format!("answer of chip {serial}"), answer).map_err(|_| bad())?;
    device
        .verify(&challenge_message(landmark, day, owner, nonce), &sig)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    const OWNER: [u8; OWNER_LEN] = [5; OWNER_LEN];

    fn vendor() -> (SigningKey, Vec<VendorCa>) {
        let ca = SigningKey::random(&mut OsRng);
        let list = vec![VendorCa {
            id: "NV".into(),
            public_key: key_hex(ca.verifying_key()),
            models: vec!["H100".into(), "H20".into()],
        }];
        (ca, list)
    }

    #[test]
    fn a_certificate_verifies_and_every_field_is_bound() {
        let (ca, vendors) = vendor();
        let dev = SigningKey::random(&mut OsRng);
        let cert = DeviceCert::issue(&ca, "NV", "SN-1", "H100", dev.verifying_key()).unwrap();
        assert_eq!(cert.verify(&vendors).unwrap(), *dev.verifying_key());
        let other = key_hex(SigningKey::random(&mut OsRng).verifying_key());
        for (i, edit) in [
            (|c: &mut DeviceCert, _: &str| c.serial = "SN-2".into()) as fn(&mut DeviceCert, &str),
            |c, _| c.model = "H20".into(),
            |c, o| c.device_key = o.to_string(),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = cert.clone();
            edit(&mut c, &other);
            assert!(
                matches!(c.verify(&vendors), Err(DeviceError::CertInvalid { .. })),
                "edit {i}"
            );
        }
        let mut c = cert.clone();
        c.vendor = "AMD".into();
        assert!(matches!(
            c.verify(&vendors),
            Err(DeviceError::UnknownVendor { .. })
        ));
        // A certificate from another CA under the accepted vendor's name.
        let (rogue, _) = vendor();
        let forged = DeviceCert::issue(&rogue, "NV", "SN-1", "H100", dev.verifying_key()).unwrap();
        assert!(matches!(
            forged.verify(&vendors),
            Err(DeviceError::CertInvalid { .. })
        ));
    }

    #[test]
    fn hostile_bytes_get_errors_not_panics() {
        let (ca, vendors) = vendor();
        let dev = SigningKey::random(&mut OsRng);
        let cert = DeviceCert::issue(&ca, "NV", "SN-1", "H100", dev.verifying_key()).unwrap();
        for bad in ["", "0x", "0xzz", "02ab", &format!("0x{}", "00".repeat(49))] {
            let mut c = cert.clone();
            c.device_key = bad.into();
            assert!(matches!(
                c.verify(&vendors),
                Err(DeviceError::BadKey { .. })
            ));
            let mut c = cert.clone();
            c.signature = bad.into();
            assert!(matches!(
                c.verify(&vendors),
                Err(DeviceError::BadSignature { .. })
            ));
        }
        let mut c = cert.clone();
        c.serial = "x".repeat(32);
        assert!(matches!(
            c.verify(&vendors),
            Err(DeviceError::BadLabel { .. })
        ));
        assert!(DeviceCert::issue(&ca, "", "SN", "H100", dev.verifying_key()).is_err());
    }

    #[test]
    fn an_answer_binds_key_landmark_day_owner_and_nonce() {
        let dev = SigningKey::random(&mut OsRng);
        let vk = *dev.verifying_key();
        let nonce = [7u8; NONCE_LEN];
        let a = answer(&dev, "LM-PAR", 20_000, &OWNER, &nonce);
        check_answer(&vk, "SN-1", "LM-PAR", 20_000, &OWNER, &nonce, &a).unwrap();
        let other = *SigningKey::random(&mut OsRng).verifying_key();
        let mut n2 = nonce;
        n2[31] ^= 1;
        let refused = [
            check_answer(&other, "SN-1", "LM-PAR", 20_000, &OWNER, &nonce, &a),
            check_answer(&vk, "SN-1", "LM-SHA", 20_000, &OWNER, &nonce, &a),
            check_answer(&vk, "SN-1", "LM-PAR", 20_001, &OWNER, &nonce, &a),
            check_answer(&vk, "SN-1", "LM-PAR", 20_000, &OWNER, &n2, &a),
            check_answer(&vk, "SN-1", "LM-PAR", 20_000, &OWNER, &nonce, "0x00"),
            check_answer(&vk, "SN-1", "LM-PAR", 20_000, &[6; OWNER_LEN], &nonce, &a),
        ];
        for (i, r) in refused.into_iter().enumerate() {
            assert!(
                matches!(r, Err(DeviceError::AnswerInvalid { .. })),
                "case {i}"
            );
        }
    }
}
