//! Encodings of protocol values as BN254 scalar-field elements, and their
//! canonical text forms.
//!
//! * Field elements travel as `0x`-prefixed big-endian hex; decoding rejects any
//!   value ≥ the modulus instead of reducing it (a public input `x + r` must be an
//!   error, never silently `x`).
//! * Labels (serials, facility and auditor ids, model names) are 1–31 printable
//!   ASCII bytes read as a big-endian integer: injective, below 2^248 < r, and
//!   reversible.
//! * Signed integers (micro-degrees) map to `x mod r`.
use crate::error::EncodingError;
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// Encodes a signed integer as a field element (`x mod r`).
pub fn fr_from_i64(v: i64) -> Fr {
    if v >= 0 {
        Fr::from(v as u64)
    } else {
        -Fr::from(v.unsigned_abs())
    }
}

/// The canonical text form of a field element: `0x` and 64 lower-case hex digits.
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex::encode(x.into_bigint().to_bytes_be()))
}

/// Parses `0x` + 1..=64 hex digits into a field element, rejecting values ≥ r.
pub fn fr_from_hex(s: &str) -> Result<Fr, EncodingError> {
    let bytes = be_bytes_from_hex(s)?;
    let x = Fr::from_be_bytes_mod_order(&bytes);
    if x.into_bigint().to_bytes_be() != bytes {
        return Err(EncodingError::NonCanonical(s.to_string()));
    }
    Ok(x)
}

/// Parses `0x` + 1..=64 hex digits into 32 big-endian bytes.
pub fn be_bytes_from_hex(s: &str) -> Result<[u8; 32], EncodingError> {
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| EncodingError::BadHex(s.to_string()))?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EncodingError::BadHex(s.to_string()));
    }
    let padded = format!("{digits:0>64}");
    let mut out = [0u8; 32];
    hex::decode_to_slice(padded, &mut out).map_err(|_| EncodingError::BadHex(s.to_string()))?;
    Ok(out)
}

/// Encodes a label (1–31 printable ASCII bytes) as a field element.
pub fn encode_label(s: &str) -> Result<Fr, EncodingError> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 31 || !b.iter().all(|c| (0x20..0x7f).contains(c)) {
        return Err(EncodingError::BadLabel(s.to_string()));
    }
    Ok(Fr::from_be_bytes_mod_order(b))
}

/// Decodes a field element produced by [`encode_label`]; `None` if it is not one.
pub fn decode_label(x: &Fr) -> Option<String> {
    let bytes = x.into_bigint().to_bytes_be();
    let start = bytes.iter().position(|&b| b != 0)?;
    let s = std::str::from_utf8(&bytes[start..]).ok()?;
    (encode_label(s).ok()? == *x).then(|| s.to_string())
}

/// Encodes an ISO 3166-1 alpha-2 country code as the integer `256·c0 + c1`.
pub fn encode_country(code: &str) -> Result<u64, EncodingError> {
    let b = code.as_bytes();
    if b.len() != 2 || !b.iter().all(|c| c.is_ascii_uppercase()) {
        return Err(EncodingError::BadCountry(code.to_string()));
    }
    Ok(256 * b[0] as u64 + b[1] as u64)
}

/// The ISO 3166-1 alpha-2 code of an integer made by [`encode_country`]
/// (`"FR"`), for messages; anything else as its number.
pub fn decode_country(code: u64) -> String {
    let (c0, c1) = (code / 256, code % 256);
    let letter = |c: u64| (c < 128 && (c as u8).is_ascii_uppercase()).then_some(c as u8 as char);
    match (letter(c0), letter(c1)) {
        (Some(a), Some(b)) => format!("{a}{b}"),
        _ => code.to_string(),
    }
}

/// Serde adapter: a field element as canonical hex text.
pub mod serde_fr {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `0x…`.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fr_to_hex(x))
    }
    /// Deserializes from `0x…`, rejecting non-canonical values.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let s = String::deserialize(d)?;
        fr_from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_decode_for_messages() {
        for c in ["FR", "US", "ZZ", "AA"] {
            assert_eq!(decode_country(encode_country(c).unwrap()), c);
        }
        assert_eq!(decode_country(18002), "FR");
        assert_eq!(decode_country(7), "7");
        assert_eq!(decode_country(256 * 97 + 65), (256 * 97 + 65).to_string());
    }
    use ark_ff::{Field, One, Zero};

    #[test]
    fn hex_round_trip_and_canonicity() {
        for x in [Fr::zero(), Fr::one(), -Fr::one(), Fr::from(1u64 << 40)] {
            assert_eq!(fr_from_hex(&fr_to_hex(&x)).unwrap(), x);
        }
        // r itself and r + 1 are not canonical.
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        assert!(matches!(
            fr_from_hex(r),
            Err(EncodingError::NonCanonical(_))
        ));
        let r1 = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000002";
        assert!(matches!(
            fr_from_hex(r1),
            Err(EncodingError::NonCanonical(_))
        ));
        // r − 1 is.
        let rm1 = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000";
        assert_eq!(fr_from_hex(rm1).unwrap(), -Fr::ONE);
        for bad in ["", "0x", "12", "0xzz", &format!("0x{}", "1".repeat(65))] {
            assert!(
                matches!(fr_from_hex(bad), Err(EncodingError::BadHex(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn labels_are_injective_and_reversible() {
        let a = encode_label("GPU-000001").unwrap();
        assert_eq!(decode_label(&a).unwrap(), "GPU-000001");
        assert_ne!(a, encode_label("GPU-0000010").unwrap());
        assert!(encode_label("").is_err());
        assert!(encode_label(&"x".repeat(32)).is_err());
        assert!(encode_label("tab\tinside").is_err());
        assert_eq!(encode_country("FR").unwrap(), 256 * 70 + 82);
        assert!(encode_country("fr").is_err());
    }

    #[test]
    fn signed_integers_wrap_as_expected() {
        assert_eq!(fr_from_i64(-1), -Fr::one());
        assert_eq!(
            fr_from_i64(i64::MIN) + Fr::from(i64::MAX as u64) + Fr::one(),
            Fr::zero()
        );
    }
}
