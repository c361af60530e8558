//! Bodies of the fuzz targets for the ceremony's untrusted files (`fuzz/`
//! targets `ptau`, `zkey`, `r1cs`, `wtns`). They live here so that
//! `cargo test -p zkcc-prover --test all fuzz_corpus::` replays the saved corpus on
//! stable Rust. Each must return normally on any input: a panic is a bug.
//! Where a parser has an encoder, the body also checks the round trip
//! (parse → encode → parse gives the same value).
use crate::export::{read_wtns, wtns_bytes, R1csFile};
use crate::ptau::Ptau;
use crate::zkey::Zkey;
use ark_bn254::Fr;
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
    assert!(
        q.power == p.power
            && q.ceremony_power == p.ceremony_power
            && q.tau_g1 == p.tau_g1
            && q.tau_g2 == p.tau_g2
            && q.alpha_tau_g1 == p.alpha_tau_g1
            && q.beta_tau_g1 == p.beta_tau_g1
            && q.beta_g2 == p.beta_g2
            && q.lagrange.is_some() == p.lagrange.is_some(),
        "a .ptau round trip changed the file"
    );
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

/// A target body.
pub type Target = fn(&[u8]);

/// Every ceremony target by name, for the corpus replay.
pub const TARGETS: [(&str, Target); 4] = [
    ("ptau", ptau),
    ("zkey", zkey),
    ("r1cs", r1cs),
    ("wtns", wtns),
];
