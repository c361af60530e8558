//! Bodies of the fuzz targets for the ceremony's untrusted files (`fuzz/`
//! targets `ptau`, `zkey`, `r1cs`, `wtns`, and the split `ptau_parse`,
//! `ptau_checks`, `zkey_parse`, `zkey_checks`). They live here so that
//! `cargo test -p zkcc-prover --test all fuzz_corpus::` replays the saved corpus on
//! stable Rust. Each must return normally on any input: a panic is a bug.
//! Where a parser has an encoder, the body also checks the round trip
//! (parse → encode → parse gives the same value).
//!
//! **Parse and checks apart.** A `.ptau` or `.zkey` read is a parse (the
//! structure: sections, sizes, canonical coordinates) then the point checks
//! (on the curve, in the subgroup), and the whole-target bodies `ptau` and
//! `zkey` also run the cryptographic checks (pairings, transcripts) on what
//! parses: milliseconds per input, so a fuzzer explores the parser slowly.
//! `*_parse` runs the parse alone on raw bytes; `*_checks` runs the full
//! body on a small valid file whose points and scalars the input mutates —
//! an input is `[n][n operations of OP_BYTES bytes][the file]` (see
//! [`apply_ops`]), so the fuzzer spends its time on valid-looking points
//! (multiples of the generator, sums, negations, points off the subgroup)
//! that reach the pairings and transcript checks.
use crate::binfile::{g1_unchecked, g2_unchecked, push_g1, push_g2, SectionFile};
use crate::export::{read_wtns, wtns_bytes, R1csFile};
use crate::ptau::Ptau;
use crate::zkey::Zkey;
use ark_bn254::{Fq, Fq2, Fr};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use rand::SeedableRng;

/// Wires up to which the `r1cs` target also checks an assignment (bounded so
/// that a header's claim of 2^32 wires allocates nothing).
const MAX_CHECKED_WIRES: u32 = 1 << 16;

/// Target `ptau`: parse a phase-1 file (every point checked); if it parses,
/// its encoding parses to the same series, and the consistency checks, the
/// size check and the transcript checks return (whatever they decide).
pub fn ptau(data: &[u8]) {
    let Ok(p) = Ptau::read(data) else { return };
    let q = Ptau::read(&p.to_bytes()).expect("a parsed .ptau re-encodes to a parsable one");
    assert!(same_series(&p, &q), "a .ptau round trip changed the file");
    let _ = p.check_fits(1 << p.power);
    let _ = p.check_fits(2 << p.power);
    let _ = p.verify(&mut rand::rngs::StdRng::seed_from_u64(0));
    // The transcript: beacons past 2^12 iterations only slow the run down.
    if let Ok(t) = Ptau::read_transcript(data) {
        if t.iter()
            .all(|c| c.beacon.as_ref().is_none_or(|(e, _)| *e <= 12))
        {
            let _ = p.verify_transcript(&t);
        }
        for c in &t {
            let _ = c.response_hash();
        }
    }
}

/// Target `zkey`: parse a phase-2 key (every point checked); if it parses,
/// its encoding parses back to the same key, and the key checked against
/// itself as its own initial key returns. The contributor's read
/// ([`crate::zkey::PassThrough`]) never panics either, accepts
/// whatever the full read accepts and writes the same bytes back.
pub fn zkey(data: &[u8]) {
    let pass = crate::zkey::PassThrough::read(data);
    let Ok(z) = Zkey::read(data) else { return };
    let pass = pass.expect("the contributor's read refuses a key the full read accepts");
    assert!(
        pass.to_bytes() == z.to_bytes(),
        "the contributor's read writes another key"
    );
    let back = Zkey::read(&z.to_bytes()).expect("a parsed .zkey re-encodes to a parsable one");
    assert!(back == z, "a .zkey round trip changed the key");
    let _ = z.num_constraints();
    // A beacon is recomputed by hashing 2^exp times: past 2^12 a mutated
    // exponent would only make the run slow, not explore more code.
    if z.contributions
        .iter()
        .any(|c| c.beacon.as_ref().is_some_and(|(e, _)| *e > 12))
    {
        return;
    }
    let _ = crate::phase2::verify_against(&z, &z, &mut rand::rngs::StdRng::seed_from_u64(0));
}

/// Target `r1cs`: parse an iden3 `.r1cs`; if it parses (and is small), check
/// the all-zero assignment with `z[0] = 1` and a too-short one: both return.
pub fn r1cs(data: &[u8]) {
    let Ok(r) = R1csFile::read(data) else { return };
    if r.n_wires <= MAX_CHECKED_WIRES {
        let mut z = vec![Fr::from(0u64); r.n_wires as usize];
        z[0] = Fr::from(1u64);
        let _ = r.check(&z);
        let _ = r.public_of(&z);
        let _ = r.check(&z[1..]);
        let _ = r.public_of(&z[..1]);
    }
}

/// Target `wtns`: parse an iden3 `.wtns`; if it parses, its encoding parses
/// to the same values.
pub fn wtns(data: &[u8]) {
    let Ok(z) = read_wtns(data) else { return };
    let back = read_wtns(&wtns_bytes(&z)).expect("a parsed .wtns re-encodes to a parsable one");
    assert!(back == z, "a .wtns round trip changed the values");
}

/// Target `ptau_parse`: [`Ptau::parse`] and [`Ptau::parse_transcript`]
/// alone (no curve, subgroup or pairing check); a parsed file re-encodes and
/// re-parses to the same series.
pub fn ptau_parse(data: &[u8]) {
    if let Ok(t) = Ptau::parse_transcript(data) {
        for c in &t {
            let _ = c.response_hash();
        }
    }
    let Ok(p) = Ptau::parse(data) else { return };
    let q = Ptau::parse(&p.to_bytes()).expect("a parsed .ptau re-encodes to a parsable one");
    assert!(same_series(&p, &q), "a .ptau round trip changed the file");
    let _ = p.check_fits(1 << p.power);
}

/// Whether two phase-1 files hold the same series (the transcript aside).
fn same_series(p: &Ptau, q: &Ptau) -> bool {
    let lagrange = |p: &Ptau| {
        p.lagrange.as_ref().map(|l| {
            let g1 = [&l.tau_g1, &l.alpha_tau_g1, &l.beta_tau_g1];
            (g1.map(|s| s.clone()), l.tau_g2.clone())
        })
    };
    (p.power, p.ceremony_power, &p.tau_g1, &p.tau_g2, p.beta_g2)
        == (q.power, q.ceremony_power, &q.tau_g1, &q.tau_g2, q.beta_g2)
        && (&p.alpha_tau_g1, &p.beta_tau_g1) == (&q.alpha_tau_g1, &q.beta_tau_g1)
        && lagrange(p) == lagrange(q)
}

/// Target `zkey_parse`: [`Zkey::parse`] alone (no curve or subgroup check);
/// a parsed key re-encodes and re-parses to itself.
pub fn zkey_parse(data: &[u8]) {
    let Ok(z) = Zkey::parse(data) else { return };
    let back = Zkey::parse(&z.to_bytes()).expect("a parsed .zkey re-encodes to a parsable one");
    assert!(back == z, "a .zkey round trip changed the key");
    let _ = z.num_constraints();
}

/// Target `ptau_checks`: the `ptau` body on a file whose points the input's
/// operations change (see [`apply_ops`]).
pub fn ptau_checks(data: &[u8]) {
    let Some((ops, file)) = split_ops(data) else {
        return;
    };
    let Ok(slots) = ptau_slots(file) else { return };
    ptau(&apply_ops(file, &slots, ops));
}

/// Target `zkey_checks`: the `zkey` body on a key whose points and
/// coefficients the input's operations change (see [`apply_ops`]).
pub fn zkey_checks(data: &[u8]) {
    let Some((ops, file)) = split_ops(data) else {
        return;
    };
    let Ok(slots) = zkey_slots(file) else { return };
    zkey(&apply_ops(file, &slots, ops));
}

/// What a slot of a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A G1 point, 64 LEM bytes.
    G1,
    /// A G2 point, 128 LEM bytes.
    G2,
    /// A scalar, 32 little-endian bytes in normal form (a `.zkey` coefficient).
    Fr,
}

impl Slot {
    fn len(self) -> usize {
        match self {
            Slot::G1 => 64,
            Slot::G2 => 128,
            Slot::Fr => 32,
        }
    }
}

/// Bytes of one operation: kind, slot (`u16`), other slot (`u16`), 32 bytes
/// of payload.
pub const OP_BYTES: usize = 37;

/// At most this many operations per input.
pub const MAX_OPS: usize = 16;

/// `[n][n operations][file]` → (operations, file); `None` if too short.
pub fn split_ops(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = (*data.first()? as usize).min(MAX_OPS);
    let end = 1 + n * OP_BYTES;
    (data.len() >= end).then(|| (&data[1..end], &data[end..]))
}

/// The point slots of a `.ptau` that parses: every point of sections 2–6
/// and 12–15 and of the contribution records (section 7).
pub fn ptau_slots(file: &[u8]) -> Result<Vec<(usize, Slot)>, crate::CeremonyError> {
    Ptau::parse(file)?;
    let n_records = Ptau::parse_transcript(file)?.len();
    let f = SectionFile::parse(file, b"ptau", "ptau")?;
    let mut slots = Vec::new();
    use Slot::{G1, G2};
    let arrays = [
        (2, G1),
        (3, G2),
        (4, G1),
        (5, G1),
        (6, G2),
        (12, G1),
        (13, G2),
        (14, G1),
    ];
    for (ty, slot) in arrays.into_iter().chain([(15, G1)]) {
        array_slots(&f, ty, slot, &mut slots);
    }
    if let Some(&[(start, len)]) = f.sections.get(&7).map(Vec::as_slice) {
        let layout = [G1, G2, G1, G1, G2, G1, G1, G1, G1, G1, G1, G2, G2, G2];
        record_slots(
            file,
            start + 4,
            start + len,
            n_records,
            &layout,
            216 + 64,
            &mut slots,
        );
    }
    Ok(slots)
}

/// The slots of a `.zkey` that parses: the header's points, `IC`, the
/// coefficients' values, `A`, `B1`, `B2`, `L`, `H` and the contributions'
/// points.
pub fn zkey_slots(file: &[u8]) -> Result<Vec<(usize, Slot)>, crate::CeremonyError> {
    let z = Zkey::parse(file)?;
    let f = SectionFile::parse(file, b"zkey", "zkey")?;
    let mut slots = Vec::new();
    use Slot::{G1, G2};
    if let Some(&[(start, _)]) = f.sections.get(&2).map(Vec::as_slice) {
        let mut at = start + 4 + 32 + 4 + 32 + 12;
        for slot in [G1, G1, G2, G2, G1, G2] {
            slots.push((at, slot));
            at += slot.len();
        }
    }
    if let Some(&[(start, _)]) = f.sections.get(&4).map(Vec::as_slice) {
        slots.extend((0..z.coeffs.len()).map(|i| (start + 4 + 44 * i + 12, Slot::Fr)));
    }
    for (ty, slot) in [(3, G1), (5, G1), (6, G1), (7, G2), (8, G1), (9, G1)] {
        array_slots(&f, ty, slot, &mut slots);
    }
    if let Some(&[(start, len)]) = f.sections.get(&10).map(Vec::as_slice) {
        let n = z.contributions.len();
        record_slots(
            file,
            start + 68,
            start + len,
            n,
            &[G1, G1, G1, G2],
            64,
            &mut slots,
        );
    }
    Ok(slots)
}

/// Every item of section `ty` (an array of `slot`s).
fn array_slots(f: &SectionFile<'_>, ty: u32, slot: Slot, out: &mut Vec<(usize, Slot)>) {
    if let Some(&[(start, len)]) = f.sections.get(&ty).map(Vec::as_slice) {
        out.extend((0..len / slot.len()).map(|i| (start + i * slot.len(), slot)));
    }
}

/// The points of `n` contribution records from `at` (before `end`): each the
/// points of `layout`, `skip` bytes, then snarkjs's type, parameter length
/// and parameters.
fn record_slots(
    file: &[u8],
    mut at: usize,
    end: usize,
    n: usize,
    layout: &[Slot],
    skip: usize,
    out: &mut Vec<(usize, Slot)>,
) {
    for _ in 0..n {
        for &slot in layout {
            out.push((at, slot));
            at += slot.len();
        }
        at += skip + 4;
        let Some(plen) = file.get(at..at + 4) else {
            return;
        };
        let plen = u32::from_le_bytes([plen[0], plen[1], plen[2], plen[3]]) as usize;
        at += 4 + plen;
        if at > end {
            return;
        }
    }
}

/// Applies `ops` (whole [`OP_BYTES`] operations; a shorter tail is ignored)
/// to a copy of `file`. Operation `[kind, slot: u16, other: u16, payload]`
/// acts on slot `slot mod len` (`other mod len` for the second operand):
///
/// | kind mod 9 | a point slot | a scalar slot |
/// | --- | --- | --- |
/// | 0 | the first 32 bytes := payload (non-canonical, off the curve) | := payload |
/// | 1 | `k·G`, `k` = payload mod r | payload mod r |
/// | 2 | `+ other` (same group) | `+ other` |
/// | 3 | negated | negated |
/// | 4 | the identity (zeros) | zero |
/// | 5 | := other (same size) | := other |
/// | 6 | swapped with other (same size) | swapped |
/// | 7 | `k·P` | `·k` |
/// | 8 | a point on the curve from `x` = payload (G2: off the subgroup almost surely) | `k + 1` |
///
/// A point that does not decode (non-canonical) is left as it is by 2, 3, 7.
pub fn apply_ops(file: &[u8], slots: &[(usize, Slot)], ops: &[u8]) -> Vec<u8> {
    let mut out = file.to_vec();
    if slots.is_empty() {
        return out;
    }
    for op in ops.chunks_exact(OP_BYTES) {
        let pick = |i: usize| slots[u16::from_le_bytes([op[i], op[i + 1]]) as usize % slots.len()];
        let ((at, slot), (other_at, other)) = (pick(1), pick(3));
        let payload = &op[5..OP_BYTES];
        let k = Fr::from_le_bytes_mod_order(payload);
        let len = slot.len();
        if out.len() < at + len || out.len() < other_at + other.len() {
            continue;
        }
        let same = other.len() == len;
        let mine = &out[at..at + len];
        let theirs = (other == slot).then(|| &out[other_at..other_at + len]);
        let bytes = match (op[0] % 9, slot) {
            (0, _) => {
                out[at..at + 32].copy_from_slice(payload);
                continue;
            }
            (4, _) => vec![0u8; len],
            (5, _) if same => out[other_at..other_at + len].to_vec(),
            (6, _) if same => {
                let mine = out[at..at + len].to_vec();
                out.copy_within(other_at..other_at + len, at);
                out[other_at..other_at + len].copy_from_slice(&mine);
                continue;
            }
            (kind, Slot::Fr) => {
                let Some(x) = crate::binfile::fr_le(&out[at..at + 32]) else {
                    continue;
                };
                let y = crate::binfile::fr_le(&out[other_at..other_at + 32]).unwrap_or(k);
                let v = match kind {
                    1 => k,
                    2 => x + y,
                    3 => -x,
                    7 => x * k,
                    _ => k + Fr::from(1u64),
                };
                v.into_bigint().to_bytes_le()
            }
            (kind, Slot::G1) => {
                let x = Fq::from_le_bytes_mod_order(payload);
                match point_op(kind, mine, theirs, k, x, g1_unchecked, push_g1) {
                    Some(b) => b,
                    None => continue,
                }
            }
            (kind, Slot::G2) => {
                let x = Fq2::new(Fq::from_le_bytes_mod_order(payload), Fq::from(op[0]));
                match point_op(kind, mine, theirs, k, x, g2_unchecked, push_g2) {
                    Some(b) => b,
                    None => continue,
                }
            }
        };
        out[at..at + len].copy_from_slice(&bytes);
    }
    out
}

/// Operation `kind` (2, 3, 7, 8 or 1 of [`apply_ops`]) on the point `mine`
/// (`theirs` the other slot's, if in the same group), its result encoded;
/// `None` if a point does not decode or the operation does nothing.
fn point_op<P: SWCurveConfig<ScalarField = Fr>>(
    kind: u8,
    mine: &[u8],
    theirs: Option<&[u8]>,
    k: Fr,
    x: P::BaseField,
    decode: fn(&[u8]) -> Option<Affine<P>>,
    encode: fn(&mut Vec<u8>, &Affine<P>),
) -> Option<Vec<u8>> {
    let p = decode(mine)?;
    let r = match kind {
        1 => (Affine::<P>::generator() * k).into_affine(),
        2 => (p + decode(theirs?)?).into_affine(),
        3 => -p,
        7 => (p * k).into_affine(),
        8 => point_from_x(x)?,
        _ => return None,
    };
    let mut b = Vec::with_capacity(mine.len());
    encode(&mut b, &r);
    Some(b)
}

/// A point on the curve with `x` or, if `x³ + b` is not a square, one of the
/// next few `x` (not multiplied by the cofactor: on BN254's G2, almost
/// surely outside the subgroup).
fn point_from_x<P: SWCurveConfig>(mut x: P::BaseField) -> Option<Affine<P>> {
    use ark_ff::One;
    for _ in 0..16 {
        if let Some(p) = Affine::<P>::get_point_from_x_unchecked(x, true) {
            return Some(p);
        }
        x += P::BaseField::one();
    }
    None
}

/// A target body.
pub type Target = fn(&[u8]);

/// Every ceremony target by name, for the corpus replay.
pub const TARGETS: [(&str, Target); 8] = [
    ("ptau", ptau),
    ("zkey", zkey),
    ("r1cs", r1cs),
    ("wtns", wtns),
    ("ptau_parse", ptau_parse),
    ("ptau_checks", ptau_checks),
    ("zkey_parse", zkey_parse),
    ("zkey_checks", zkey_checks),
];
