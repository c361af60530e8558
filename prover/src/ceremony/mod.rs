//! Keys from a multi-party ceremony, interoperable with snarkjs.
//!
//! * Phase 1 is a public powers-of-tau file in snarkjs's `.ptau` format
//!   ([`ptau`]), read with every point checked and its powers verified.
//! * Phase 2 is per circuit and lives in a snarkjs `.zkey` ([`zkey`]): zkcc
//!   builds the initial key from the `.ptau` and the circuit's R1CS exactly
//!   as `snarkjs zkey new` does, and contributions, the beacon and the
//!   verification of the whole transcript follow snarkjs's rules
//!   ([`phase2`]), so that snarkjs and zkcc can take turns on one ceremony.
//! * [`trust`] enforces what the keys' soundness rests on: a phase-1 file
//!   whose BLAKE2b-512 is a published one (or an explicit development mode),
//!   and at least one secret (non-beacon) contribution in phase 2.
//! * [`export`] writes the circuit as an iden3 `.r1cs` and a witness as
//!   `.wtns`, and turns a final `.zkey` into zkcc's key files.
//!
//! A key from the ceremony has `h` points for snarkjs's reduction (the
//! quotient evaluated on the odd coset of the `2n`-th roots of unity); the
//! tuned prover selects that reduction from the key ([`zkcc_engine::prove::Reduction`]).
pub mod binfile;
pub mod columns;
pub mod export;
pub mod ffrng;
pub mod gfft;
pub mod phase2;
pub mod ptau;
pub mod secret;
pub mod subgroup;
pub mod trust;
pub mod zkey;

/// Why a ceremony file or step was refused.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// A file is malformed (magic, version, section sizes, truncation).
    #[error("{0} file: {1}")]
    Format(&'static str, String),
    /// A point is not canonical, not on the curve or not in the subgroup.
    #[error("{0} file: {1} is not a valid curve point (non-canonical, off the curve or outside the subgroup)")]
    BadPoint(&'static str, String),
    /// A phase-1 series is not a series of powers (a broken power).
    #[error("phase-1 file: broken powers of tau: {0}")]
    BrokenPowers(String),
    /// The phase-1 file is too small for the circuit.
    #[error("phase-1 file too small for the circuit: its QAP domain of {domain} needs power {need}, the file has power {have}")]
    PtauTooSmall {
        /// The power needed.
        need: u32,
        /// The file's power.
        have: u32,
        /// The circuit's QAP domain size.
        domain: usize,
    },
    /// The key is not for this circuit (or not from this phase-1 file).
    #[error("the key is not for this circuit and phase-1 file: {0}")]
    WrongCircuit(String),
    /// A contribution fails its checks.
    #[error("contribution {index} is invalid: {reason}")]
    BadContribution {
        /// Its position in the transcript (0-based).
        index: usize,
        /// What failed.
        reason: String,
    },
    /// The key's points do not follow from the transcript.
    #[error("the key does not follow from its transcript: {0}")]
    BadKey(String),
    /// The phase-1 file is not one of the published files pinned in
    /// [`trust::PUBLISHED_PTAU`] (and development mode was not asked for).
    #[error("phase-1 file with BLAKE2b-512 {blake2b} is not a published powers-of-tau file: use a published Hermez/PSE file (powersOfTau28_hez_final_NN.ptau, listed with its BLAKE2b-512 in snarkjs's README; zkcc pins those hashes), or, for development only, pass --dev-unpublished-ptau (library: Phase1Source::DevelopmentOnly)")]
    UnpublishedPhase1 {
        /// The file's BLAKE2b-512, hex.
        blake2b: String,
    },
    /// The phase-1 file has no contribution record (outside development mode).
    #[error("the phase-1 file has no contribution record: nothing shows who made it; use a published file, or, for development only, pass --dev-unpublished-ptau")]
    Phase1WithoutContributions,
    /// The phase-2 transcript has no secret contribution: `δ` is public.
    #[error("the key has no secret contribution ({beacons} beacon(s) only): its δ is the generator or follows from the beacon's public hash, so anyone could forge proofs; at least one participant must add a contribution (`zkcc ceremony contribute` or `snarkjs zkey contribute`) before the beacon")]
    NoSecretContribution {
        /// How many (beacon) contributions the transcript has.
        beacons: usize,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

use crate::keys::{self, Circuit, KeyManifest};
use std::path::Path;

/// The randomness of the verifiers' random linear combinations: a CSPRNG
/// seeded once from the OS (drawing millions of scalars straight from
/// `OsRng` made a system call each, most of a 2^20 file's check).
fn checking_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::from_entropy()
}

/// Reads a phase-1 file, refuses it unless it is a published one (or
/// `source` is [`trust::Phase1Source::DevelopmentOnly`]), and verifies it
/// and its contribution records ([`trust::Phase1Bytes::load`]).
pub fn load_ptau(path: &Path, source: trust::Phase1Source) -> crate::Result<trust::Phase1> {
    let bytes = crate::error::read(path)?;
    Ok(trust::Phase1::from_bytes(
        &bytes,
        source,
        &mut checking_rng(),
    )?)
}

/// Reads a `.zkey` (every point checked).
pub fn load_zkey(path: &Path) -> crate::Result<zkey::Zkey> {
    Ok(zkey::Zkey::read(&crate::error::read(path)?)?)
}

/// What [`contribute_file`] adds: a contribution with fresh randomness from
/// the OS, or the beacon from a public hash.
pub enum Step<'a> {
    /// A contribution (`zkcc ceremony contribute`).
    Contribution,
    /// The beacon (`zkcc ceremony beacon`): its hash and iterations exponent.
    Beacon(&'a [u8], u8),
}

/// Reads the `.zkey` at `input`, adds a contribution or the beacon and writes
/// the result to `out`, logging each step's time (`RUST_LOG=zkcc_prover=info`).
/// The key is read with [`zkey::PassThrough::read`]: only what a contribution
/// changes is parsed and checked, the rest is copied as it is. That skips the
/// subgroup checks of `B2` and the other sections a contributor passes on
/// unchanged; the keys' soundness never rests on a contributor's checks, since
/// `ceremony verify` and `finalize` check every point and section of the
/// final key. Returns the new contribution and how many there are now.
pub fn contribute_file(
    input: &Path,
    out: &Path,
    name: Option<&str>,
    step: Step<'_>,
) -> crate::Result<(zkey::Contribution, usize)> {
    let t = std::time::Instant::now();
    let bytes = crate::error::read(input)?;
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        bytes = bytes.len(),
        "read the key"
    );
    let t = std::time::Instant::now();
    let mut z = zkey::PassThrough::read(&bytes)?;
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        "checked the header, L, H and the transcript (other sections passed through)"
    );
    let t = std::time::Instant::now();
    match step {
        Step::Contribution => {
            phase2::contribute_pass_through(&mut z, name, &mut rand::rngs::OsRng)?
        }
        Step::Beacon(hash, exp) => phase2::beacon_pass_through(&mut z, hash, exp, name)?,
    }
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "contribution");
    let t = std::time::Instant::now();
    crate::error::write_with(out, |w| z.write_to(w))?;
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "wrote the key");
    let last = z
        .contributions
        .last()
        .cloned()
        .ok_or_else(|| CeremonyError::Other("no contribution added".into()))?;
    Ok((last, z.contributions.len()))
}

/// Stack of each worker thread of [`with_big_stacks`]: the group FFTs and
/// MSMs over a 2^20 domain overflowed rayon's default 2 MB (seen on
/// `shard-8x128` from a raw phase-1 file of power 20).
const WORKER_STACK: usize = 64 << 20;

/// Runs `f` on a rayon pool (as many threads as the global one) whose workers
/// have [`WORKER_STACK`]-byte stacks.
fn with_big_stacks<T: Send>(f: impl FnOnce() -> T + Send) -> crate::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| CeremonyError::Other(format!("cannot start worker threads: {e}")))?;
    Ok(pool.install(f))
}

/// A progress bar on stderr for a long ceremony step (drawn only when stderr
/// is a terminal); its length grows as the step learns its work.
pub fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {percent:>3}% (eta {eta})",
    ) {
        pb.set_style(style);
    }
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(250));
    pb
}

/// The initial phase-2 key of a zkcc circuit.
pub fn init(circuit: &Circuit, phase1: &trust::Phase1) -> crate::Result<zkey::Zkey> {
    let ptau = phase1.ptau();
    let t = std::time::Instant::now();
    let r1cs = keys::r1cs_of(circuit)?;
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "circuit synthesized");
    let pb = progress_bar("initial key");
    let z = with_big_stacks(|| zkey::Zkey::new_initial_with(ptau, &r1cs, &pb))??;
    pb.finish_and_clear();
    Ok(z)
}

/// Verifies a `.zkey`'s whole transcript for a zkcc circuit and phase-1
/// file. A transcript without a secret (non-beacon) contribution is refused
/// first ([`CeremonyError::NoSecretContribution`]): its `δ` is public.
pub fn verify(
    circuit: &Circuit,
    phase1: &trust::Phase1,
    z: &zkey::Zkey,
) -> crate::Result<phase2::Verified> {
    trust::require_secret_contribution(&z.contributions)?;
    let r1cs = keys::r1cs_of(circuit)?;
    let pb = progress_bar("rebuilding the initial key");
    Ok(with_big_stacks(|| {
        phase2::verify_with(z, phase1, &r1cs, &mut checking_rng(), &pb)
    })??)
}

/// Verifies the final `.zkey` of a circuit's ceremony and writes zkcc's key
/// files from it (the manifest records the circuit hash, the contributions
/// and where phase 1 comes from). Refuses, before anything else, a
/// transcript without a secret (non-beacon) contribution.
pub fn finalize(
    dir: &Path,
    circuit: &Circuit,
    phase1: &trust::Phase1,
    z: zkey::Zkey,
) -> crate::Result<(KeyManifest, phase2::Verified)> {
    trust::require_secret_contribution(&z.contributions)?;
    let r1cs = keys::r1cs_of(circuit)?;
    let pb = progress_bar("rebuilding the initial key");
    let v = with_big_stacks(|| phase2::verify_with(&z, phase1, &r1cs, &mut checking_rng(), &pb))??;
    let last = v
        .contributions
        .last()
        .map(|c| hex::encode(&c.0[..16]))
        .unwrap_or_default();
    let how = format!(
        "multi-party ceremony (snarkjs-compatible phase 2, phase-1 power {}, {}): circuit hash {}, {} contributions ({} secret), last {}",
        phase1.ptau().power,
        phase1.describe(),
        hex::encode(&v.cs_hash[..16]),
        v.contributions.len(),
        v.secret_contributions(),
        last
    );
    let pk = export::prover_key(z, r1cs)?;
    let m = keys::write_keys(dir, circuit, pk, &how)?;
    Ok((m, v))
}

#[cfg(test)]
mod tests {
    use super::trust::{Phase1, Phase1Source};
    use super::*;
    use ark_bn254::Fr;
    use rand::SeedableRng;

    /// `verify` and `finalize` (the library calls the CLI makes) refuse a key
    /// with no contribution and a key with a beacon only, writing nothing;
    /// after one contribution and the beacon both pass, and the manifest says
    /// where phase 1 came from (here: an unpublished development file).
    #[test]
    fn verify_and_finalize_require_a_secret_contribution() {
        let circuit = Circuit::parse("request-1x1").unwrap();
        let bytes = ptau::Ptau::insecure_from_secrets(
            11,
            Fr::from(31u64),
            Fr::from(41u64),
            Fr::from(59u64),
            true,
        )
        .unwrap()
        .to_bytes();
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        // The fixture is not published: refused unless development mode is asked for.
        assert!(matches!(
            Phase1::from_bytes(&bytes, Phase1Source::Published, &mut rng),
            Err(CeremonyError::UnpublishedPhase1 { .. })
        ));
        let p1 = Phase1::from_bytes(&bytes, Phase1Source::DevelopmentOnly, &mut rng).unwrap();
        let z0 = init(&circuit, &p1).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let no_secret = |r: crate::Result<_>, beacons: usize| match r {
            Err(crate::ProverError::Ceremony(CeremonyError::NoSecretContribution {
                beacons: b,
            })) => assert_eq!(b, beacons),
            Err(e) => panic!("wrong error: {e}"),
            Ok(_) => panic!("accepted a key without a secret contribution"),
        };
        no_secret(verify(&circuit, &p1, &z0).map(|_| ()), 0);
        no_secret(
            finalize(tmp.path(), &circuit, &p1, z0.clone()).map(|_| ()),
            0,
        );
        let b = phase2::beacon(z0.clone(), &[5; 8], 10, None).unwrap();
        no_secret(verify(&circuit, &p1, &b).map(|_| ()), 1);
        no_secret(finalize(tmp.path(), &circuit, &p1, b).map(|_| ()), 1);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

        let z1 = phase2::contribute(z0, Some("lab"), &mut rng).unwrap();
        let z2 = phase2::beacon(z1, &[5; 8], 10, Some("beacon")).unwrap();
        let v = verify(&circuit, &p1, &z2).unwrap();
        assert_eq!(v.secret_contributions(), 1);
        let (m, v) = finalize(tmp.path(), &circuit, &p1, z2.clone()).unwrap();
        assert!(v
            .trust_statement()
            .contains(&hex::encode(z2.contributions[0].hash())));
        assert!(
            m.setup.contains("2 contributions (1 secret)")
                && m.setup.contains("UNPUBLISHED DEVELOPMENT phase-1 file"),
            "{}",
            m.setup
        );
    }
}
