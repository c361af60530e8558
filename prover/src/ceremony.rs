//! The ceremony as the `zkcc` application runs it: files in and out, and the
//! zkcc circuits by name. The ceremony itself (iden3 files, phase 2, trust
//! checks) is the `zkcc-ceremony` crate, re-exported here.
use crate::keys::{self, Circuit, KeyManifest};
use std::path::Path;
pub use zkcc_ceremony::{
    binfile, checking_rng, columns, export, ffrng, gfft, phase2, progress_bar, ptau, secret,
    subgroup, trust, with_big_stacks, zkey, CeremonyError,
};
use zkcc_engine::r1cs::R1cs;

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

/// Reads a `.zkey` to verify it: its structure parsed ([`zkey::Zkey::parse`]),
/// its points left to [`verify`] and [`finalize`], which check every one
/// ([`phase2::verify`]) after what the header shows ([`precheck`]); nothing
/// else may use them.
pub fn load_zkey_to_verify(path: &Path) -> crate::Result<zkey::Zkey> {
    Ok(zkey::Zkey::parse(&crate::error::read(path)?)?)
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
/// the result to `out`, logging each step's time (`RUST_LOG=zkcc_prover=info`)
/// and showing on a terminal's standard error what it is doing and how many
/// points of `L` and `H` are rescaled ([`progress_bar`]).
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
    let pb = progress_bar("contribution: reading the key");
    let t = std::time::Instant::now();
    let bytes = crate::error::read(input)?;
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        bytes = bytes.len(),
        "read the key"
    );
    pb.set_message("contribution: checking δ, L, H and the transcript");
    let t = std::time::Instant::now();
    let mut z = zkey::PassThrough::read(&bytes)?;
    tracing::info!(
        seconds = t.elapsed().as_secs_f64(),
        "checked the header, L, H and the transcript (other sections passed through)"
    );
    let t = std::time::Instant::now();
    match step {
        Step::Contribution => {
            phase2::contribute_pass_through(&mut z, name, &mut rand::rngs::OsRng, &pb)?
        }
        Step::Beacon(hash, exp) => phase2::beacon_pass_through(&mut z, hash, exp, name, &pb)?,
    }
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "contribution");
    pb.set_message(format!("contribution: writing {}", out.display()));
    let t = std::time::Instant::now();
    crate::error::write_with(out, |w| z.write_to(w))?;
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "wrote the key");
    pb.finish_and_clear();
    let last = z
        .contributions
        .last()
        .cloned()
        .ok_or_else(|| CeremonyError::Other("no contribution added".into()))?;
    Ok((last, z.contributions.len()))
}

/// The R1CS of a zkcc circuit, as the ceremony uses it.
pub fn r1cs_of(circuit: &Circuit) -> crate::Result<R1cs> {
    let t = std::time::Instant::now();
    let r1cs = keys::r1cs_of(circuit)?;
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "circuit synthesized");
    Ok(r1cs)
}

/// The initial phase-2 key of a circuit's R1CS ([`r1cs_of`]).
pub fn init(r1cs: &R1cs, phase1: &trust::Phase1) -> crate::Result<zkey::Zkey> {
    let ptau = phase1.ptau();
    let pb = progress_bar("initial key");
    let z = with_big_stacks(|| zkey::Zkey::new_initial_with(ptau, r1cs, &pb))??;
    pb.finish_and_clear();
    Ok(z)
}

/// What a `.zkey` shows without its phase-1 file, checked before that file
/// is read: a transcript without a secret (non-beacon) contribution is
/// refused ([`CeremonyError::NoSecretContribution`]: its `δ` is public), and
/// so is a key of another shape than the circuit's
/// ([`CeremonyError::WrongCircuit`]). Returns the circuit's R1CS.
pub fn precheck(circuit: &Circuit, z: &zkey::Zkey) -> crate::Result<R1cs> {
    trust::require_secret_contribution(&z.contributions)?;
    let r1cs = r1cs_of(circuit)?;
    phase2::check_header(z, &r1cs)?;
    Ok(r1cs)
}

/// Verifies a `.zkey`'s whole transcript for a circuit's R1CS and a phase-1
/// file ([`precheck`] first).
pub fn verify(
    r1cs: &R1cs,
    phase1: &trust::Phase1,
    z: &zkey::Zkey,
) -> crate::Result<phase2::Verified> {
    let pb = progress_bar("rebuilding the initial key");
    Ok(with_big_stacks(|| {
        phase2::verify_with(z, phase1, r1cs, &mut checking_rng(), &pb)
    })??)
}

/// Verifies the final `.zkey` of a circuit's ceremony ([`precheck`] first,
/// which gave `r1cs`) and writes zkcc's key files from it (the manifest
/// records the circuit hash, the contributions and where phase 1 comes from).
pub fn finalize(
    dir: &Path,
    circuit: &Circuit,
    phase1: &trust::Phase1,
    z: zkey::Zkey,
    r1cs: R1cs,
) -> crate::Result<(KeyManifest, phase2::Verified)> {
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
