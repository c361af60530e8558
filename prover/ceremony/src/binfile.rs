//! iden3 section files (`.ptau`, `.zkey`, `.r1cs`, `.wtns`) and the encodings
//! snarkjs uses inside them.
//!
//! A section file is a 4-byte magic, a `u32` version, a `u32` section count,
//! then the sections, each a `u32` type, a `u64` byte length and the bytes
//! (all integers little-endian). Field elements in `.ptau` and `.zkey` point
//! sections are 32 bytes little-endian in Montgomery form ("LEM"); the point at
//! infinity is all zeros. Hashes (snarkjs's transcripts) use the *uncompressed*
//! form: big-endian, normal form, `x‖y`, a G2 coordinate `c1‖c0`.
use super::CeremonyError;
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use rayon::prelude::*;
use std::collections::BTreeMap;

type Res<T> = Result<T, CeremonyError>;

/// Bytes of a G1 point in LEM form.
pub const G1_BYTES: usize = 64;
/// Bytes of a G2 point in LEM form.
pub const G2_BYTES: usize = 128;

/// A parsed section file: its version and the byte ranges of its sections.
pub struct SectionFile<'a> {
    /// What the file is, for messages (`ptau`, `zkey`).
    pub kind: &'static str,
    /// The whole file.
    pub bytes: &'a [u8],
    /// Format version.
    pub version: u32,
    /// Section type → byte ranges (a type may repeat; snarkjs refuses that).
    pub sections: BTreeMap<u32, Vec<(usize, usize)>>,
}

impl<'a> SectionFile<'a> {
    /// Parses the header and section table; every section must lie inside the file.
    pub fn parse(bytes: &'a [u8], magic: &[u8; 4], kind: &'static str) -> Res<Self> {
        let bad = |m: String| CeremonyError::Format(kind, m);
        if bytes.len() < 12 || &bytes[..4] != magic {
            return Err(bad(format!(
                "not a {kind} file (magic {:?} expected)",
                String::from_utf8_lossy(magic)
            )));
        }
        let version = u32_at(bytes, 4);
        let n = u32_at(bytes, 8);
        let mut sections: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
        let mut pos = 12usize;
        for i in 0..n {
            if bytes.len() - pos < 12 {
                return Err(bad(format!("section header {i} is truncated")));
            }
            let ty = u32_at(bytes, pos);
            let len = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap_or([0; 8]));
            pos += 12;
            let len = usize::try_from(len)
                .ok()
                .filter(|&l| l <= bytes.len() - pos)
                .ok_or_else(|| bad(format!("section {ty} runs past the end of the file")))?;
            sections.entry(ty).or_default().push((pos, len));
            pos += len;
        }
        if pos != bytes.len() {
            return Err(bad(format!(
                "{} trailing bytes after the last section",
                bytes.len() - pos
            )));
        }
        Ok(Self {
            kind,
            bytes,
            version,
            sections,
        })
    }

    /// The bytes of the unique section `ty`, if present.
    pub fn optional(&self, ty: u32) -> Res<Option<&'a [u8]>> {
        match self.sections.get(&ty).map(|v| v.as_slice()) {
            None => Ok(None),
            Some([(p, l)]) => Ok(Some(&self.bytes[*p..*p + *l])),
            Some(_) => Err(CeremonyError::Format(
                self.kind,
                format!("section {ty} appears more than once"),
            )),
        }
    }

    /// The bytes of the unique section `ty`.
    pub fn section(&self, ty: u32) -> Res<&'a [u8]> {
        self.optional(ty)?
            .ok_or_else(|| CeremonyError::Format(self.kind, format!("section {ty} is missing")))
    }
}

/// Writes a section file from `(type, bytes)` pairs, in the order given.
pub fn write_sections(magic: &[u8; 4], version: u32, sections: &[(u32, &[u8])]) -> Vec<u8> {
    let total: usize = sections.iter().map(|(_, b)| b.len() + 12).sum();
    let mut out = Vec::with_capacity(12 + total);
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (ty, b) in sections {
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        out.extend_from_slice(b);
    }
    out
}

/// The `u32` at `pos` (the caller checked the bounds).
pub fn u32_at(b: &[u8], pos: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[pos..pos + 4]);
    u32::from_le_bytes(w)
}

/// A contribution's (type, name, beacon (exponent, hash)), as
/// [`Reader::contribution_params`] reads them.
pub type ContributionParams = (u32, Option<String>, Option<(u8, Vec<u8>)>);

/// A little-endian reader over a section, with named errors on truncation.
pub struct Reader<'a> {
    kind: &'static str,
    what: &'static str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `b`, naming `what` (a section) in errors.
    pub fn new(kind: &'static str, what: &'static str, b: &'a [u8]) -> Self {
        Self {
            kind,
            what,
            b,
            pos: 0,
        }
    }
    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        if self.b.len() - self.pos < n {
            return Err(CeremonyError::Format(
                self.kind,
                format!("{} is truncated", self.what),
            ));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    /// The next `u32`.
    pub fn u32(&mut self) -> Res<u32> {
        Ok(u32_at(self.take(4)?, 0))
    }
    /// A contribution's type and parameters as snarkjs writes them in both
    /// phases' transcripts: a `u32` type, then a `u32` length and parameters
    /// of strictly increasing tag (1 name, 2 beacon exponent, 3 beacon hash).
    /// A beacon (type 1) carries both beacon parameters, a plain
    /// contribution (type 0) neither; anything else is refused, naming `what`.
    pub fn contribution_params(&mut self, what: &str) -> Res<ContributionParams> {
        let kind = self.u32()?;
        let plen = self.u32()? as usize;
        let mut p = Reader::new(self.kind, "contribution parameters", self.take(plen)?);
        let bad = |m: String| CeremonyError::Format(self.kind, format!("{what}: {m}"));
        let (mut name, mut exp, mut hash) = (None, None, None);
        let mut last = 0u8;
        while !p.done() {
            let ty = p.take(1)?[0];
            if ty <= last {
                return Err(bad("parameters out of order".into()));
            }
            last = ty;
            match ty {
                1 => {
                    let len = p.take(1)?[0] as usize;
                    name = Some(String::from_utf8_lossy(p.take(len)?).into_owned());
                }
                2 => exp = Some(p.take(1)?[0]),
                3 => {
                    let len = p.take(1)?[0] as usize;
                    hash = Some(p.take(len)?.to_vec());
                }
                _ => return Err(bad(format!("unknown parameter {ty}"))),
            }
        }
        let beacon = match (kind, exp, hash) {
            (0, None, None) => None,
            (1, Some(e), Some(h)) => Some((e, h)),
            _ => return Err(bad(format!("type {kind} with the wrong parameters"))),
        };
        Ok((kind, name, beacon))
    }
    /// Whether every byte has been read.
    pub fn done(&self) -> bool {
        self.pos == self.b.len()
    }
    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Res<()> {
        if self.done() {
            Ok(())
        } else {
            Err(CeremonyError::Format(
                self.kind,
                format!(
                    "{} has {} unexpected trailing bytes",
                    self.what,
                    self.b.len() - self.pos
                ),
            ))
        }
    }
}

/// A 256-bit little-endian integer.
pub fn bigint_le(b: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[8 * i..8 * i + 8]);
        *l = u64::from_le_bytes(w);
    }
    BigInt(limbs)
}

/// A base-field element from 32 LEM bytes; `None` unless canonical (`< q`).
pub fn fq_lem(b: &[u8]) -> Option<Fq> {
    let x = bigint_le(b);
    (x < Fq::MODULUS).then(|| Fq::new_unchecked(x))
}

/// A scalar from 32 LEM bytes; `None` unless canonical.
pub fn fr_lem(b: &[u8]) -> Option<Fr> {
    let x = bigint_le(b);
    (x < Fr::MODULUS).then(|| Fr::new_unchecked(x))
}

/// A scalar from 32 little-endian bytes in normal form; `None` unless canonical.
pub fn fr_le(b: &[u8]) -> Option<Fr> {
    Fr::from_bigint(bigint_le(b))
}

/// 32 little-endian bytes of a scalar in normal form.
pub fn fr_to_le(x: &Fr) -> Vec<u8> {
    x.into_bigint().to_bytes_le()
}

/// A header's description of the prime field `F`: the byte length of an
/// element (32), then the modulus, little-endian.
pub fn push_field<F: PrimeField<BigInt = BigInt<4>>>(out: &mut Vec<u8>) {
    out.extend_from_slice(&32u32.to_le_bytes());
    out.extend(F::MODULUS.to_bytes_le());
}

fn push_lem_fq(out: &mut Vec<u8>, x: &Fq) {
    out.extend_from_slice(&x.0.to_bytes_le());
}

/// Appends a G1 point in LEM form.
pub fn push_g1(out: &mut Vec<u8>, p: &G1Affine) {
    if p.is_zero() {
        out.extend_from_slice(&[0u8; G1_BYTES]);
    } else {
        push_lem_fq(out, &p.x);
        push_lem_fq(out, &p.y);
    }
}

/// Appends a G2 point in LEM form.
pub fn push_g2(out: &mut Vec<u8>, p: &G2Affine) {
    if p.is_zero() {
        out.extend_from_slice(&[0u8; G2_BYTES]);
    } else {
        for c in [p.x.c0, p.x.c1, p.y.c0, p.y.c1] {
            push_lem_fq(out, &c);
        }
    }
}

/// G1 points in LEM form.
pub fn g1s_bytes(ps: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ps.len() * G1_BYTES);
    for p in ps {
        push_g1(&mut out, p);
    }
    out
}

/// G2 points in LEM form.
pub fn g2s_bytes(ps: &[G2Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ps.len() * G2_BYTES);
    for p in ps {
        push_g2(&mut out, p);
    }
    out
}

/// A G1 point from LEM bytes, *without* curve or subgroup checks (canonical
/// coordinates only); `None` if a coordinate is not canonical.
pub fn g1_unchecked(b: &[u8]) -> Option<G1Affine> {
    if b.iter().all(|&x| x == 0) {
        return Some(G1Affine::zero());
    }
    Some(G1Affine::new_unchecked(
        fq_lem(&b[..32])?,
        fq_lem(&b[32..64])?,
    ))
}

/// A G2 point from LEM bytes, unchecked (see [`g1_unchecked`]).
pub fn g2_unchecked(b: &[u8]) -> Option<G2Affine> {
    if b.iter().all(|&x| x == 0) {
        return Some(G2Affine::zero());
    }
    let x = Fq2::new(fq_lem(&b[..32])?, fq_lem(&b[32..64])?);
    let y = Fq2::new(fq_lem(&b[64..96])?, fq_lem(&b[96..128])?);
    Some(G2Affine::new_unchecked(x, y))
}

fn valid<P: AffineRepr>(p: &P) -> bool {
    p.check().is_ok()
}

/// Below this many points a section is parsed and checked on the calling
/// thread: a thread pool costs more than it saves on a few points (and a
/// fuzzer's inputs are all small).
const PARALLEL_FROM: usize = 1024;

/// Reads `n` G1 points from LEM bytes, in parallel, checking each (canonical,
/// on the curve, in the subgroup): [`parse_g1s`] then [`check_g1s`]. `what`
/// names the section in errors.
pub fn read_g1s(b: &[u8], n: usize, kind: &'static str, what: &str) -> Res<Vec<G1Affine>> {
    let ps = parse_g1s(b, n, kind, what)?;
    check_g1s(&ps, kind, what)?;
    Ok(ps)
}

/// Reads `n` G2 points from LEM bytes, checked (see [`read_g1s`]).
pub fn read_g2s(b: &[u8], n: usize, kind: &'static str, what: &str) -> Res<Vec<G2Affine>> {
    let ps = parse_g2s(b, n, kind, what)?;
    check_g2s(&ps, kind, what)?;
    Ok(ps)
}

/// Parses `n` G1 points from LEM bytes: the structure only (enough bytes,
/// canonical coordinates), no curve or subgroup check — [`check_g1s`] does
/// those. A non-canonical point is named as [`read_g1s`] names it.
pub fn parse_g1s(b: &[u8], n: usize, kind: &'static str, what: &str) -> Res<Vec<G1Affine>> {
    parse_points(b, n, G1_BYTES, kind, what, g1_unchecked)
}

/// Parses `n` G2 points from LEM bytes, unchecked (see [`parse_g1s`]).
pub fn parse_g2s(b: &[u8], n: usize, kind: &'static str, what: &str) -> Res<Vec<G2Affine>> {
    parse_points(b, n, G2_BYTES, kind, what, g2_unchecked)
}

/// Checks parsed G1 points (on the curve; G1's cofactor is 1), naming the
/// first that fails `{what}[i]`, as [`read_g1s`] does.
pub fn check_g1s(ps: &[G1Affine], kind: &'static str, what: &str) -> Res<()> {
    check_points(ps, kind, what, valid)
}

/// Checks parsed G2 points (on the curve, in the order-`r` subgroup), naming
/// the first that fails (see [`check_g1s`]).
pub fn check_g2s(ps: &[G2Affine], kind: &'static str, what: &str) -> Res<()> {
    check_points(ps, kind, what, super::subgroup::valid_g2)
}

fn parse_points<P: AffineRepr + Send>(
    b: &[u8],
    n: usize,
    size: usize,
    kind: &'static str,
    what: &str,
    parse: fn(&[u8]) -> Option<P>,
) -> Res<Vec<P>> {
    let Some(body) = n.checked_mul(size).and_then(|len| b.get(..len)) else {
        return Err(CeremonyError::Format(
            kind,
            format!(
                "{what}: {} points expected, the section holds {}",
                n,
                b.len() / size
            ),
        ));
    };
    let pts: Vec<Option<P>> = if n < PARALLEL_FROM {
        body.chunks(size).map(parse).collect()
    } else {
        body.par_chunks(size).map(parse).collect()
    };
    pts.into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| CeremonyError::BadPoint(kind, format!("{what}[{i}]"))))
        .collect()
}

fn check_points<P: AffineRepr + Send + Sync>(
    ps: &[P],
    kind: &'static str,
    what: &str,
    check: fn(&P) -> bool,
) -> Res<()> {
    let bad = if ps.len() < PARALLEL_FROM {
        ps.iter().position(|p| !check(p))
    } else {
        ps.par_iter().position_first(|p| !check(p))
    };
    match bad {
        Some(i) => Err(CeremonyError::BadPoint(kind, format!("{what}[{i}]"))),
        None => Ok(()),
    }
}

fn fq_be(x: &Fq) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// A G1 point in snarkjs's uncompressed (hashing) form.
pub fn g1_uncompressed(p: &G1Affine) -> Vec<u8> {
    if p.is_zero() {
        return vec![0u8; G1_BYTES];
    }
    let mut out = fq_be(&p.x);
    out.extend(fq_be(&p.y));
    out
}

/// A G2 point in snarkjs's uncompressed (hashing) form.
pub fn g2_uncompressed(p: &G2Affine) -> Vec<u8> {
    if p.is_zero() {
        return vec![0u8; G2_BYTES];
    }
    let mut out = Vec::with_capacity(G2_BYTES);
    for c in [p.x.c1, p.x.c0, p.y.c1, p.y.c0] {
        out.extend(fq_be(&c));
    }
    out
}

/// Whether a field element is "negative" in ffjavascript's sense (`> (q−1)/2`).
pub fn fq_is_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// ffjavascript's sign of an `Fq2` element: of `c1`, or of `c0` when `c1 = 0`.
pub fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}
