//! Phase 2: contributions, the random beacon and the verification of a whole
//! transcript, by snarkjs's rules (so that zkcc and snarkjs can take turns).
//!
//! A contribution with secret `x` multiplies `δ` by `x` and divides every `L`
//! and `H` point by `x`. Its proof of knowledge is `(s·G1, x·s·G1, x·H₂)`
//! where `H₂` is hashed to G2 from the transcript (BLAKE2b-512 of the circuit
//! hash, every earlier contribution, then `s·G1` and `x·s·G1`): a contributor
//! proves to know `x` and cannot reuse another contribution. A beacon is a
//! contribution whose randomness comes from a public hash iterated `2^e`
//! times with SHA-256, so that anyone can recompute it.
//!
//! [`verify`] rebuilds the initial key from the phase-1 file and the circuit
//! (`Zkey::initial_for`: `IC`, `L`, `H` and the circuit hash in full, while
//! the key's `A`, `B1` and `B2` must match a random linear combination of the
//! matrix's columns over the phase-1 powers, one FFT and a few multi-scalar
//! multiplications in place of three quarters of the per-signal sums) and
//! checks, in order: the circuit (its hash and every section that does not
//! change), each contribution (transcript hash, proof of knowledge, `δ`
//! moving by the proven secret, beacon recomputed), the final `δ`, and that
//! `L` and `H` moved by exactly `δ` (pairings over random combinations).
//! It takes the phase-1 file as a [`Phase1`] (published, or accepted in an
//! explicit development mode) and refuses, before anything else, a
//! transcript without a secret contribution
//! ([`super::trust::require_secret_contribution`]).
//!
//! A contribution's secret, its inverse and the proof's random `s` are held
//! in [`Secret`]s, overwritten once used (as is the beacon's, though its
//! randomness is public by design).
use super::binfile::g1_uncompressed;
use super::ffrng::{beacon_rng, hash_to_g2};
use super::ptau::pairing_eq;
use super::secret::Secret;
use super::trust::{require_secret_contribution, Phase1};
use super::zkey::{Contribution, PassThrough, Zkey};
use super::CeremonyError;
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use zkcc_engine::r1cs::R1cs;

type Res<T> = Result<T, CeremonyError>;

/// The transcript hasher after the circuit hash and the given contributions.
fn transcript_after(z: &Zkey, upto: usize) -> Blake2b512 {
    transcript_of(&z.cs_hash, &z.contributions[..upto])
}

fn transcript_of(cs_hash: &[u8; 64], contributions: &[Contribution]) -> Blake2b512 {
    let mut h = Blake2b512::new();
    h.update(cs_hash);
    for c in contributions {
        c.hash_into(&mut h);
    }
    h
}

/// What a contribution changes in a key, borrowed from a [`Zkey`] or a
/// [`PassThrough`].
struct Moving<'a> {
    cs_hash: &'a [u8; 64],
    contributions: &'a mut Vec<Contribution>,
    delta_g1: &'a mut G1Affine,
    delta_g2: &'a mut G2Affine,
    l: &'a mut [G1Affine],
    h: &'a mut [G1Affine],
}

/// A [`Moving`] of the fields of the same names of `$z` (a [`Zkey`] or a
/// [`PassThrough`]).
macro_rules! moving_of {
    ($z:ident) => {
        Moving {
            cs_hash: &$z.cs_hash,
            contributions: &mut $z.contributions,
            delta_g1: &mut $z.delta_g1,
            delta_g2: &mut $z.delta_g2,
            l: &mut $z.l,
            h: &mut $z.h,
        }
    };
}

impl<'a> From<&'a mut Zkey> for Moving<'a> {
    fn from(z: &'a mut Zkey) -> Self {
        moving_of!(z)
    }
}

impl<'a, 'b> From<&'a mut PassThrough<'b>> for Moving<'a> {
    fn from(z: &'a mut PassThrough<'b>) -> Self {
        moving_of!(z)
    }
}

/// Points of `L` or `H` rescaled between two reports to a progress bar.
const SCALE_CHUNK: usize = 1 << 16;

/// Applies the secret `x` in place: `δ·x`, `L/x`, `H/x`, the proof of
/// knowledge and the transcript entry (no copy of the key), counting on
/// `progress` the points of `L` and `H` rescaled (`contribution: H 3072/5120
/// points`). `x` and its inverse are overwritten when this returns.
fn apply(
    z: Moving<'_>,
    x: Secret,
    g1_s: G1Affine,
    name: Option<&str>,
    beacon: Option<(u8, Vec<u8>)>,
    progress: &indicatif::ProgressBar,
) -> Res<()> {
    let xinv = Secret::new(
        x.expose()
            .inverse()
            .ok_or_else(|| CeremonyError::Other("zero contribution secret".into()))?,
    );
    let x_ = x.expose();
    let g1_sx = (g1_s * x_).into_affine();
    let mut h = transcript_of(z.cs_hash, z.contributions);
    h.update(g1_uncompressed(&g1_s));
    h.update(g1_uncompressed(&g1_sx));
    let transcript: [u8; 64] = h.finalize().into();
    let g2_spx = (hash_to_g2(&transcript) * x_).into_affine();
    *z.delta_g1 = (*z.delta_g1 * x_).into_affine();
    *z.delta_g2 = (*z.delta_g2 * x_).into_affine();
    drop(x);
    let t = std::time::Instant::now();
    let total = z.l.len() + z.h.len();
    progress.set_length(total as u64);
    progress.set_position(0);
    for (section, points) in [("L", &mut *z.l), ("H", &mut *z.h)] {
        for chunk in points.chunks_mut(SCALE_CHUNK) {
            super::gfft::scale_in_place(chunk, xinv.expose());
            progress.inc(chunk.len() as u64);
            progress.set_message(format!(
                "contribution: {section} {}/{total} points",
                progress.position()
            ));
        }
    }
    drop(xinv);
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        points = z.l.len() + z.h.len(),
        "rescaled L and H"
    );
    z.contributions.push(Contribution {
        delta_after: *z.delta_g1,
        g1_s,
        g1_sx,
        g2_spx,
        transcript,
        kind: if beacon.is_some() { 1 } else { 0 },
        name: name.map(truncate_name),
        beacon,
    });
    Ok(())
}

/// A name cut to at most 64 bytes at a character boundary (snarkjs's limit).
fn truncate_name(n: &str) -> String {
    let mut end = n.len().min(64);
    while !n.is_char_boundary(end) {
        end -= 1;
    }
    n[..end].to_string()
}

/// The largest beacon iteration exponent zkcc makes or verifies: `2^32`
/// SHA-256 iterations already take many minutes (snarkjs allows up to 63,
/// which no one can verify).
pub const MAX_BEACON_EXP: u8 = 32;

/// A contribution with fresh randomness from `rng` (the secret is
/// overwritten when this returns: "toxic waste" never leaves the function
/// and is never written anywhere). Takes the key
/// by value and changes it in place.
pub fn contribute<R: RngCore + rand::CryptoRng>(
    mut z: Zkey,
    name: Option<&str>,
    rng: &mut R,
) -> Res<Zkey> {
    contribute_to(
        (&mut z).into(),
        name,
        rng,
        &indicatif::ProgressBar::hidden(),
    )?;
    Ok(z)
}

/// [`contribute`] on a key read with [`PassThrough::read`] (what `zkcc
/// ceremony contribute` does: the sections a contribution does not change are
/// neither checked nor parsed; see [`PassThrough`] for why that is safe),
/// counting on `progress` the points rescaled.
pub fn contribute_pass_through<R: RngCore + rand::CryptoRng>(
    z: &mut PassThrough<'_>,
    name: Option<&str>,
    rng: &mut R,
    progress: &indicatif::ProgressBar,
) -> Res<()> {
    contribute_to(z.into(), name, rng, progress)
}

fn contribute_to<R: RngCore + rand::CryptoRng>(
    z: Moving<'_>,
    name: Option<&str>,
    rng: &mut R,
    progress: &indicatif::ProgressBar,
) -> Res<()> {
    let mut x = Secret::new(Fr::rand(rng));
    while x.expose().is_zero() {
        x = Secret::new(Fr::rand(rng));
    }
    let s = Secret::new(Fr::rand(rng));
    let g1_s = (G1Affine::generator() * s.expose()).into_affine();
    drop(s);
    apply(z, x, g1_s, name, None, progress)
}

/// The random beacon: the contribution anyone can recompute from a public
/// `hash` (1 to 255 bytes) iterated `2^exp` times (`10 ≤ exp ≤`
/// [`MAX_BEACON_EXP`]).
pub fn beacon(mut z: Zkey, hash: &[u8], exp: u8, name: Option<&str>) -> Res<Zkey> {
    let hidden = indicatif::ProgressBar::hidden();
    beacon_to((&mut z).into(), hash, exp, name, &hidden)?;
    Ok(z)
}

/// [`beacon`] on a key read with [`PassThrough::read`], counting on
/// `progress` the points rescaled.
pub fn beacon_pass_through(
    z: &mut PassThrough<'_>,
    hash: &[u8],
    exp: u8,
    name: Option<&str>,
    progress: &indicatif::ProgressBar,
) -> Res<()> {
    beacon_to(z.into(), hash, exp, name, progress)
}

fn beacon_to(
    z: Moving<'_>,
    hash: &[u8],
    exp: u8,
    name: Option<&str>,
    progress: &indicatif::ProgressBar,
) -> Res<()> {
    if hash.is_empty() || hash.len() > 255 || !(10..=MAX_BEACON_EXP).contains(&exp) {
        return Err(CeremonyError::Other(format!(
            "beacon: hash of 1 to 255 bytes and 10 ≤ iterations exponent ≤ {MAX_BEACON_EXP}"
        )));
    }
    let mut rng = beacon_rng(hash, exp as u32);
    // The beacon's secret is public by design (anyone recomputes it from the
    // hash), but it is wiped as a contributor's is.
    let x = Secret::new(rng.fr());
    let g1_s = rng.g1();
    apply(z, x, g1_s, name, Some((exp, hash.to_vec())), progress)
}

/// What [`verify`] reports of a valid transcript.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// Each contribution's hash (what a contributor noted), name, and
    /// whether it is a beacon.
    pub contributions: Vec<([u8; 64], Option<String>, bool)>,
}

impl Verified {
    /// How many contributions had a secret (not beacons): the contributors
    /// the keys' soundness rests on.
    pub fn secret_contributions(&self) -> usize {
        self.contributions.iter().filter(|c| !c.2).count()
    }

    /// The trust statement `verify` and `finalize` print: the keys are sound
    /// if at least one listed contributor was honest, then every
    /// contribution's hash and name, beacons marked as such.
    pub fn trust_statement(&self) -> String {
        let n = self.secret_contributions();
        let mut s = if n == 1 {
            "sound only if the 1 contributor listed below was honest and destroyed its secret: find your contribution hash in this list".to_string()
        } else {
            format!("sound if at least one of the {n} contributors listed below was honest and destroyed its secret: find your contribution hash in this list")
        };
        for (i, (h, name, beacon)) in self.contributions.iter().enumerate() {
            s.push_str(&format!(
                "\n  contribution #{} {}{}: {}",
                i + 1,
                name.as_deref().unwrap_or(""),
                if *beacon {
                    " (beacon: public randomness, not a contributor)"
                } else {
                    ""
                },
                hex::encode(h)
            ));
        }
        s
    }
}

/// Verifies a key's whole phase-2 transcript against the phase-1 file and the
/// circuit (see the module docs); the first failure is named. A transcript
/// without a secret contribution is refused first, then a key of another
/// shape; then every point of the key is checked ([`Zkey::check_points`]:
/// on the curve, in the subgroup), whether or not its reader did, since
/// `A`, `B1` and `B2` are compared by random combinations, sound only in
/// the order-`r` groups (G2's cofactor has the prime factor 10069: a point
/// moved by one of that order would pass one combination in 10069). Read a
/// key with [`Zkey::parse`] for this: [`Zkey::read`] would check it twice.
pub fn verify<R: RngCore>(z: &Zkey, phase1: &Phase1, r1cs: &R1cs, rng: &mut R) -> Res<Verified> {
    verify_with(z, phase1, r1cs, rng, &indicatif::ProgressBar::hidden())
}

/// [`verify`], reporting its progress on `progress`: rebuilding the initial
/// key, then each contribution and the `L` and `H` sections
/// ([`verify_against_with`]).
pub fn verify_with<R: RngCore>(
    z: &Zkey,
    phase1: &Phase1,
    r1cs: &R1cs,
    rng: &mut R,
    progress: &indicatif::ProgressBar,
) -> Res<Verified> {
    check_header(z, r1cs)?;
    z.check_points()?;
    let init = Zkey::initial_for(z, phase1.ptau(), r1cs, rng, progress)?;
    let v = verify_against_with(z, &init, rng, progress);
    progress.finish_and_clear();
    v
}

/// What the key's header alone shows, checked before its phase-1 file is
/// read: a transcript without a secret contribution is refused
/// ([`CeremonyError::NoSecretContribution`]), then a key whose signals, public
/// inputs or domain are not the circuit's ([`CeremonyError::WrongCircuit`]).
pub fn check_header(z: &Zkey, r1cs: &R1cs) -> Res<()> {
    require_secret_contribution(&z.contributions)?;
    let ni = r1cs.num_instance as usize;
    let domain = super::zkey::domain_of(r1cs);
    if (
        z.n_vars as usize,
        z.n_public as usize + 1,
        z.domain_size as usize,
    ) != (r1cs.num_variables(), ni, domain)
    {
        return Err(CeremonyError::WrongCircuit(format!(
            "the key has {} signals ({} public), domain {}; the circuit {} ({}), domain {}",
            z.n_vars,
            z.n_public,
            z.domain_size,
            r1cs.num_variables(),
            ni - 1,
            domain
        )));
    }
    Ok(())
}

/// [`verify`] with the initial key already built (it also refuses a
/// transcript without a secret contribution).
pub fn verify_against<R: RngCore>(z: &Zkey, init: &Zkey, rng: &mut R) -> Res<Verified> {
    verify_against_with(z, init, rng, &indicatif::ProgressBar::hidden())
}

/// [`verify_against`], counting on `progress` (reset to their number) the
/// contributions and the `L` and `H` sections as each is verified, the one
/// under way named: `verifying contribution 2/3`, `verifying L (section 8)`.
pub fn verify_against_with<R: RngCore>(
    z: &Zkey,
    init: &Zkey,
    rng: &mut R,
    progress: &indicatif::ProgressBar,
) -> Res<Verified> {
    require_secret_contribution(&z.contributions)?;
    let wrong = |m: &str| CeremonyError::WrongCircuit(m.to_string());
    if (z.n_vars, z.n_public, z.domain_size) != (init.n_vars, init.n_public, init.domain_size) {
        return Err(wrong(&format!(
            "{} signals, {} public, domain {}; the circuit has {}, {}, {}",
            z.n_vars, z.n_public, z.domain_size, init.n_vars, init.n_public, init.domain_size
        )));
    }
    if z.cs_hash != init.cs_hash {
        return Err(wrong(
            "circuit hash differs (another circuit or another phase-1 file)",
        ));
    }
    let bad = |m: &str| CeremonyError::BadKey(m.to_string());
    if z.alpha_g1 != init.alpha_g1
        || z.beta_g1 != init.beta_g1
        || z.beta_g2 != init.beta_g2
        || z.gamma_g2 != init.gamma_g2
    {
        return Err(bad("α, β or γ differs from the phase-1 file's"));
    }
    for (same, what) in [
        (z.ic == init.ic, "IC (section 3)"),
        (z.coeffs == init.coeffs, "coefficients (section 4)"),
        (z.a == init.a, "A (section 5)"),
        (z.b1 == init.b1, "B1 (section 6)"),
        (z.b2 == init.b2, "B2 (section 7)"),
    ] {
        if !same {
            return Err(bad(&format!("{what} differs from the initial key's")));
        }
    }
    let n = z.contributions.len();
    progress.reset();
    progress.set_length(n as u64 + 2);
    let mut cur = G1Affine::generator();
    let mut hashes = Vec::new();
    for (i, c) in z.contributions.iter().enumerate() {
        progress.set_message(format!("verifying contribution {}/{n}", i + 1));
        let fail = |r: &str| CeremonyError::BadContribution {
            index: i,
            reason: r.to_string(),
        };
        let mut h = transcript_after(z, i);
        h.update(g1_uncompressed(&c.g1_s));
        h.update(g1_uncompressed(&c.g1_sx));
        let t: [u8; 64] = h.finalize().into();
        if t != c.transcript {
            return Err(fail("its transcript hash does not follow the transcript before it (a contribution removed, reordered or altered)"));
        }
        let sp = hash_to_g2(&c.transcript);
        if !same_ratio(c.g1_s, c.g1_sx, sp, c.g2_spx) {
            return Err(fail(
                "no valid proof of knowledge (g1_s, g1_sx and g2_spx do not share a ratio)",
            ));
        }
        if !same_ratio(cur, c.delta_after, sp, c.g2_spx) {
            return Err(fail("δ did not move by the proven secret"));
        }
        if let Some((exp, hash)) = &c.beacon {
            if *exp > MAX_BEACON_EXP {
                return Err(fail(&format!(
                    "a beacon of 2^{exp} iterations is beyond what can be verified (at most 2^{MAX_BEACON_EXP})"
                )));
            }
            let mut rng = beacon_rng(hash, *exp as u32);
            let x = rng.fr();
            let s = rng.g1();
            if s != c.g1_s || (s * x).into_affine() != c.g1_sx {
                return Err(fail("the beacon does not recompute from its hash"));
            }
        }
        hashes.push((c.hash(), c.name.clone(), c.beacon.is_some()));
        cur = c.delta_after;
        progress.inc(1);
    }
    if z.delta_g1 != cur {
        return Err(bad("δ·G1 is not the last contribution's"));
    }
    if !pairing_eq(
        G1Affine::generator(),
        z.delta_g2,
        cur,
        G2Affine::generator(),
    ) {
        return Err(bad("δ·G2 does not match δ·G1"));
    }
    for (now, was, what) in [
        (&z.l, &init.l, "L (section 8)"),
        (&z.h, &init.h, "H (section 9)"),
    ] {
        progress.set_message(format!("verifying {what}"));
        if now.len() != was.len() {
            return Err(bad(&format!("{what} has the wrong length")));
        }
        let r: Vec<Fr> = (0..now.len()).map(|_| Fr::from(rng.next_u64())).collect();
        let a = G1Projective::msm(now, &r)
            .map_err(|_| bad(what))?
            .into_affine();
        let b = G1Projective::msm(was, &r)
            .map_err(|_| bad(what))?
            .into_affine();
        // e(Σ r·now, δ) = e(Σ r·was, 1).
        if !pairing_eq(a, z.delta_g2, b, G2Affine::generator()) {
            return Err(bad(&format!("{what} is not the initial key's over δ")));
        }
        progress.inc(1);
    }
    Ok(Verified {
        cs_hash: z.cs_hash,
        contributions: hashes,
    })
}

/// snarkjs's `sameRatio`: no identity point, and `e(a, d) = e(b, c)`.
fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    !(a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero()) && pairing_eq(a, d, b, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binfile::SectionFile;
    use rand::SeedableRng;
    use zkcc_circuits::request::constraints::RequestCircuit;
    use zkcc_circuits::request::RequestShape;

    /// A small initial key (the insecure fixture, known secrets).
    fn initial() -> Zkey {
        let r1cs = zkcc_engine::setup::r1cs_of(RequestCircuit::for_setup(RequestShape::new(1, 1)))
            .unwrap();
        Zkey::insecure_initial_from_secrets(
            &r1cs,
            11,
            Fr::from(123u64),
            Fr::from(45u64),
            Fr::from(67u64),
        )
        .unwrap()
    }

    /// Where section `ty` starts in `bytes`.
    fn offset(bytes: &[u8], ty: u32) -> usize {
        let f = SectionFile::parse(bytes, b"zkey", "zkey").unwrap();
        f.section(ty).unwrap().as_ptr() as usize - bytes.as_ptr() as usize
    }

    /// Read and written back unchanged, a key is byte for byte itself; a
    /// contribution and a beacon through [`PassThrough`] give the bytes the
    /// full path gives with the same randomness, and they verify.
    #[test]
    fn pass_through_contribution_is_the_full_paths() {
        let z0 = initial();
        let b0 = z0.to_bytes();
        assert!(PassThrough::read(&b0).unwrap().to_bytes() == b0);
        let mut full_rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut pt_rng = rand::rngs::StdRng::seed_from_u64(5);
        let z1 = contribute(z0.clone(), Some("full"), &mut full_rng).unwrap();
        let mut pt = PassThrough::read(&b0).unwrap();
        // The bar counts every point of L and H, rescaled.
        let pb = indicatif::ProgressBar::hidden();
        contribute_pass_through(&mut pt, Some("full"), &mut pt_rng, &pb).unwrap();
        let points = (z0.l.len() + z0.h.len()) as u64;
        assert!(points > 0);
        assert_eq!((pb.position(), pb.length()), (points, Some(points)));
        let b1 = pt.to_bytes();
        assert!(b1 == z1.to_bytes(), "the contributions differ");
        let z2 = beacon(z1.clone(), &[9; 32], 10, Some("b")).unwrap();
        let mut pt = PassThrough::read(&b1).unwrap();
        beacon_pass_through(&mut pt, &[9; 32], 10, Some("b"), &pb).unwrap();
        let b2 = pt.to_bytes();
        assert!(b2 == z2.to_bytes(), "the beacons differ");
        let read = Zkey::read(&b2).unwrap();
        let v = verify_against(&read, &z0, &mut full_rng).unwrap();
        assert_eq!(v.contributions.len(), 2);
        // The old key is untouched: the pass-through read borrows it.
        assert_eq!(Zkey::read(&b0).unwrap(), z0);
    }

    /// The verifier's initial key ([`Zkey::initial_for`]) is byte for byte
    /// the initial key, from a raw and from a prepared phase-1 file; its
    /// combination checks of `A`, `B1` and `B2` refuse, naming the section,
    /// one point moved (of the constant signal, an input — whose `A` has its
    /// input row — and a private signal) and two points swapped.
    #[test]
    fn the_verifiers_initial_key_is_the_initial_key_and_checks_a_b1_b2() {
        use crate::ptau::Ptau;
        use ark_ec::AffineRepr;
        let r1cs = zkcc_engine::setup::r1cs_of(RequestCircuit::for_setup(RequestShape::new(1, 1)))
            .unwrap();
        let (ni, nv) = (r1cs.num_instance as usize, r1cs.num_variables());
        assert!(ni >= 2 && nv > ni);
        let (t, a, b) = (Fr::from(1234567u64), Fr::from(89u64), Fr::from(1011u64));
        let pb = indicatif::ProgressBar::hidden();
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        for prepared in [false, true] {
            let p = Ptau::insecure_from_secrets(11, t, a, b, prepared).unwrap();
            let init = Zkey::new_initial(&p, &r1cs).unwrap();
            let z = contribute(init.clone(), Some("c"), &mut rng).unwrap();
            let got = Zkey::initial_for(&z, &p, &r1cs, &mut rng, &pb).unwrap();
            assert!(got.to_bytes() == init.to_bytes(), "prepared {prepared}");
            if !prepared {
                // The checks come before the Lagrange basis: one file is enough.
                continue;
            }
            let refused = |t: &Zkey, what: &str| match Zkey::initial_for(
                t,
                &p,
                &r1cs,
                &mut rand::rngs::StdRng::seed_from_u64(9),
                &pb,
            ) {
                Err(CeremonyError::BadKey(m)) => assert!(m.starts_with(what), "{m}"),
                other => panic!("{what}: {other:?}"),
            };
            let (g1, g2) = (G1Affine::generator(), ark_bn254::G2Affine::generator());
            for s in [0, 1, nv - 1] {
                let mut t = z.clone();
                t.a[s] = (t.a[s] + g1).into_affine();
                refused(&t, "A (section 5)");
                let mut t = z.clone();
                t.b1[s] = (t.b1[s] + g1).into_affine();
                refused(&t, "B1 (section 6)");
                let mut t = z.clone();
                t.b2[s] = (t.b2[s] + g2).into_affine();
                refused(&t, "B2 (section 7)");
            }
            let (i, j) = (1..nv)
                .flat_map(|i| (i + 1..nv).map(move |j| (i, j)))
                .find(|&(i, j)| z.a[i] != z.a[j] && z.b1[i] != z.b1[j])
                .unwrap();
            let mut t = z.clone();
            t.a.swap(i, j);
            refused(&t, "A (section 5)");
            let mut t = z.clone();
            t.b1.swap(i, j);
            refused(&t, "B1 (section 6)");
            let mut t = z.clone();
            t.b2.swap(i, j);
            refused(&t, "B2 (section 7)");
            // A section of another length (one point short, one zero point
            // more) is refused too.
            let mut t = z.clone();
            t.b2.pop();
            refused(&t, "B2 (section 7) has");
            let mut t = z.clone();
            t.a.push(G1Affine::identity());
            refused(&t, "A (section 5) has");
        }
    }

    /// Verification counts what it has verified: each contribution, then
    /// `L` and `H`, the last one named.
    #[test]
    fn verification_counts_contributions_and_sections() {
        let z0 = initial();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let z1 = contribute(z0.clone(), None, &mut rng).unwrap();
        let z2 = beacon(z1, &[7; 32], 10, None).unwrap();
        let pb = indicatif::ProgressBar::hidden();
        pb.set_length(1000);
        pb.set_position(999);
        verify_against_with(&z2, &z0, &mut rng, &pb).unwrap();
        assert_eq!((pb.position(), pb.length()), (4, Some(4)));
        assert_eq!(pb.message(), "verifying H (section 9)");
        // A bad contribution stops the count at it.
        let mut bad = z2.clone();
        bad.contributions[1].g1_sx = G1Affine::generator();
        let pb = indicatif::ProgressBar::hidden();
        assert!(verify_against_with(&bad, &z0, &mut rng, &pb).is_err());
        assert_eq!(
            (pb.position(), pb.message()),
            (1, "verifying contribution 2/2".into())
        );
    }

    /// A key nobody contributed to is refused: no contribution (δ = γ, the
    /// generator), or a beacon only (δ from a public hash), with the typed
    /// error; one contribution and a beacon pass, and the trust statement
    /// names one contributor and lists every hash, the beacon marked.
    #[test]
    fn a_transcript_without_a_secret_contribution_is_refused() {
        let z0 = initial();
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let err = verify_against(&z0, &z0, &mut rng).unwrap_err();
        assert!(
            matches!(err, CeremonyError::NoSecretContribution { beacons: 0 }),
            "{err}"
        );
        assert!(err.to_string().starts_with(
            "the key has no secret contribution (0 beacon(s) only): its δ is the generator"
        ));
        let b = beacon(z0.clone(), &[7; 32], 10, Some("b")).unwrap();
        let err = verify_against(&b, &z0, &mut rng).unwrap_err();
        assert!(
            matches!(err, CeremonyError::NoSecretContribution { beacons: 1 }),
            "{err}"
        );
        // Two beacons are no better than one.
        let bb = beacon(b, &[8; 32], 10, None).unwrap();
        assert!(matches!(
            verify_against(&bb, &z0, &mut rng),
            Err(CeremonyError::NoSecretContribution { beacons: 2 })
        ));
        let z1 = contribute(z0.clone(), Some("lab"), &mut rng).unwrap();
        let z2 = beacon(z1, &[7; 32], 10, Some("b")).unwrap();
        let v = verify_against(&z2, &z0, &mut rng).unwrap();
        assert_eq!(v.secret_contributions(), 1);
        let t = v.trust_statement();
        assert!(t.starts_with("sound only if the 1 contributor listed below was honest and destroyed its secret: find your contribution hash in this list"), "{t}");
        let (h1, h2) = (z2.contributions[0].hash(), z2.contributions[1].hash());
        assert!(
            t.contains(&format!("contribution #1 lab: {}", hex::encode(h1))),
            "{t}"
        );
        assert!(
            t.contains(&format!(
                "contribution #2 b (beacon: public randomness, not a contributor): {}",
                hex::encode(h2)
            )),
            "{t}"
        );
        // Two contributors: "at least one of the 2".
        let z3 = contribute(z2, None, &mut rng).unwrap();
        let v = verify_against(&z3, &z0, &mut rng).unwrap();
        assert!(v
            .trust_statement()
            .starts_with("sound if at least one of the 2 contributors listed below was honest"));
    }

    /// What a contributor checks and what it leaves to `verify`: a point off
    /// the curve in `L` or `H` is refused, a wrong section length too; one in
    /// `B2` (passed through) is not, and the full read (`verify`,
    /// `finalize`) refuses it.
    #[test]
    fn pass_through_checks_what_it_changes_and_verify_the_rest() {
        let z0 = initial();
        let b0 = z0.to_bytes();
        for (ty, what) in [(8u32, "L[0]"), (9, "H[0]")] {
            let mut b = b0.clone();
            b[offset(&b0, ty) + 32] ^= 1;
            match PassThrough::read(&b) {
                Err(CeremonyError::BadPoint(_, w)) => assert_eq!(w, what),
                other => panic!("{what}: {other:?}"),
            }
        }
        let mut b = b0.clone();
        b[offset(&b0, 7) + 3 * 128 + 64] ^= 1;
        assert!(PassThrough::read(&b).is_ok());
        match Zkey::read(&b) {
            Err(CeremonyError::BadPoint(_, w)) => assert_eq!(w, "B2[3]"),
            other => panic!("B2: {other:?}"),
        }
        // A key whose B2 is one point short.
        let mut short = z0.clone();
        short.b2.pop();
        assert!(PassThrough::read(&short.to_bytes()).is_err());
    }
}
