//! # zkcc-ceremony: keys from a multi-party ceremony, interoperable with snarkjs
//!
//! On the engine's key type (`zkcc-engine`), knowing no claim: a circuit enters
//! as its R1CS matrices.
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
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod binfile;
pub mod columns;
pub mod export;
pub mod ffrng;
pub mod fuzzing;
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

/// The randomness of the verifiers' random linear combinations: a CSPRNG
/// seeded once from the OS (drawing millions of scalars straight from
/// `OsRng` made a system call each, most of a 2^20 file's check).
pub fn checking_rng() -> rand::rngs::StdRng {
    use rand::SeedableRng;
    rand::rngs::StdRng::from_entropy()
}

/// Stack of each worker thread of [`with_big_stacks`]: the group FFTs and
/// MSMs over a 2^20 domain overflowed rayon's default 2 MB (seen on
/// `shard-8x128` from a raw phase-1 file of power 20).
const WORKER_STACK: usize = 64 << 20;

/// Runs `f` on a rayon pool (as many threads as the global one) whose workers
/// have [`WORKER_STACK`]-byte stacks.
pub fn with_big_stacks<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, CeremonyError> {
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
