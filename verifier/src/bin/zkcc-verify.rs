//! `zkcc-verify`: the agency's standalone verifier, built from this crate alone.
//!
//! ```text
//! # the accountable statement: a submission (shard proofs + request proof)
//! zkcc-verify submission --shard-vk keys/shard-8x128.vk --request-vk keys/request-16x8.vk \
//!             --registry registry.json --ledger ledger.json --request request.json \
//!             [--policy access-policy.json --report report.json] \
//!             [--evaluation-claim evaluation.claim.json --jurisdiction-claim jurisdiction.claim.json \
//!              --decision-date 20261201] submission.json
//! # snarkjs interop, for one shard or request bundle (7 or 16 public inputs)
//! zkcc-verify snarkjs-export --vk keys/request-16x8.vk --bundle request-bundle.json --out dir/
//! zkcc-verify snarkjs-verify --vk-json dir/verification_key.json \
//!             --proof dir/proof.json --public dir/public.json --inputs 16
//! zkcc-verify snarkjs-import --vk-json dir/verification_key.json --inputs 16 --out key.vk
//! ```
//! Exit codes, the same as `zkcc`'s (README "Exit codes"): 0 accepted (with a
//! policy: granted); 1 rejected, the reason printed (with a policy: denied);
//! 2 usage or configuration: a bad argument, or one of the agency's own files
//! (keys, registry, ledger, request, policy) of the wrong format or content,
//! found before any verdict is printed, or a file that does not exist;
//! 3 I/O: a file that exists cannot be read or written. A closed stdout (`| head`) ends the run quietly (SIGPIPE's
//! default action, restored first thing in `main`).
use ark_serialize::CanonicalSerialize;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcc_circuits::registry::Registry;
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::keys::load_verifying_key_for;
use zkcc_verifier::submission::Bundle;
use zkcc_verifier::{files, snarkjs, VerifyError};

#[derive(Parser)]
#[command(
    name = "zkcc-verify",
    about = "Verify zkcc submissions against the agency's keys, registry, ledger and request, and decide under its access policy",
    after_help = zkcc_verifier::verdict::EXIT_CODES
)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
#[allow(clippy::enum_variant_names)]
enum Cmd {
    /// Verify a submission of the accountable statement (shard proofs and a
    /// request proof) against the agency's keys, registry, ledger and
    /// request; with --policy, decide under the access policy.
    Submission(SubmissionArgs),
    /// Write a shard or request bundle and its key as snarkjs's
    /// verification_key.json, proof.json, public.json.
    SnarkjsExport {
        /// Verifying key file (compressed arkworks encoding) of the bundle's claim.
        #[arg(long)]
        vk: PathBuf,
        /// The bundle (JSON: one shard or request bundle of a submission).
        #[arg(long)]
        bundle: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify snarkjs files with zkcc's verifier.
    SnarkjsVerify {
        /// verification_key.json.
        #[arg(long)]
        vk_json: PathBuf,
        /// proof.json.
        #[arg(long)]
        proof: PathBuf,
        /// public.json.
        #[arg(long)]
        public: PathBuf,
        /// Number of public inputs the claim has (7 for a shard proof, 16 for
        /// a request proof).
        #[arg(long)]
        inputs: usize,
    },
    /// Convert a snarkjs verification_key.json into a zkcc key file.
    SnarkjsImport {
        /// verification_key.json.
        #[arg(long)]
        vk_json: PathBuf,
        /// Output key file.
        #[arg(long)]
        out: PathBuf,
        /// Number of public inputs the claim has (7 for a shard proof, 16 for
        /// a request proof).
        #[arg(long)]
        inputs: usize,
    },
}

/// Why a run stopped before a verdict: its message and exit code (2 usage
/// or configuration, 3 I/O).
#[derive(Debug)]
struct Fail {
    code: u8,
    msg: String,
}

impl From<String> for Fail {
    fn from(msg: String) -> Self {
        Fail { code: 2, msg }
    }
}

/// An I/O failure on `p`: exit 2 for a file that does not exist (a usage
/// error), 3 for one that cannot be read or written.
fn io_fail(p: &Path, e: std::io::Error) -> Fail {
    Fail {
        code: if e.kind() == std::io::ErrorKind::NotFound {
            2
        } else {
            3
        },
        msg: format!("{}: {e}", p.display()),
    }
}

fn read_bytes(p: &Path) -> Result<Vec<u8>, Fail> {
    std::fs::read(p).map_err(|e| io_fail(p, e))
}

fn read_text(p: &Path) -> Result<String, Fail> {
    String::from_utf8(read_bytes(p)?)
        .map_err(|e| Fail::from(format!("{}: not UTF-8 text: {e}", p.display())))
}

/// Writes a file atomically: a failed run never leaves it half-written.
fn write(p: &Path, data: &[u8]) -> Result<(), Fail> {
    files::write_atomic(p, data).map_err(|e| io_fail(p, e))
}

/// The outcome of a run: accepted (0) or rejected (1); `Err` is exit 2 or 3.
type Run = Result<bool, Fail>;

fn run_cmd(cmd: Cmd) -> Run {
    match cmd {
        Cmd::Submission(a) => submission_cmd(a),
        Cmd::SnarkjsExport { vk, bundle, out } => {
            let b = Bundle::from_json(&read_text(&bundle)?)
                .map_err(|e| format!("{}: {e}", bundle.display()))?;
            let key = load_verifying_key_for(&read_bytes(&vk)?, b.input_count())
                .map_err(|e| format!("{}: {e}", vk.display()))?;
            let inputs = b
                .public_inputs()
                .map_err(|e| format!("{}: {e}", bundle.display()))?;
            let proof = b
                .proof()
                .map_err(|e| format!("{}: {e}", bundle.display()))?;
            let texts = [
                (
                    out.join("verification_key.json"),
                    snarkjs::to_json_pretty(&snarkjs::vk_to_json(&key)),
                ),
                (
                    out.join("proof.json"),
                    snarkjs::to_json_pretty(&snarkjs::proof_to_json(&proof)),
                ),
                (
                    out.join("public.json"),
                    snarkjs::to_json_pretty(&snarkjs::public_to_json(&inputs)),
                ),
            ];
            // Everything is checked before the directory is made; the three
            // files are written all or none, and a directory this run made
            // is removed again if they cannot be.
            let made = !out.exists();
            std::fs::create_dir(&out)
                .or_else(|e| if out.is_dir() { Ok(()) } else { Err(e) })
                .map_err(|e| io_fail(&out, e))?;
            let files: Vec<(&Path, &[u8])> = texts
                .iter()
                .map(|(p, t)| (p.as_path(), t.as_bytes()))
                .collect();
            if let Err(e) = files::write_all_atomic(&files) {
                if made {
                    let _ = std::fs::remove_dir(&out);
                }
                return Err(io_fail(&out, e));
            }
            println!(
                "wrote {}/verification_key.json, proof.json, public.json",
                out.display()
            );
            Ok(true)
        }
        Cmd::SnarkjsVerify {
            vk_json,
            proof,
            public,
            inputs,
        } => {
            let run = || -> Result<(), VerifyError> {
                let vk = snarkjs::parse_vk(
                    &read_text(&vk_json).map_err(|e| VerifyError::Snarkjs {
                        file: "verification_key.json",
                        reason: e.msg,
                    })?,
                    inputs,
                )?;
                let p = snarkjs::parse_proof(&read_text(&proof).map_err(|e| {
                    VerifyError::Snarkjs {
                        file: "proof.json",
                        reason: e.msg,
                    }
                })?)?;
                let x = snarkjs::parse_public(&read_text(&public).map_err(|e| {
                    VerifyError::Snarkjs {
                        file: "public.json",
                        reason: e.msg,
                    }
                })?)?;
                PreparedKey::new(&vk).verify(&x, &p)
            };
            match run() {
                Ok(()) => {
                    println!("ACCEPTED: the snarkjs proof verifies");
                    Ok(true)
                }
                Err(e) => {
                    println!("REJECTED: {e}");
                    Ok(false)
                }
            }
        }
        Cmd::SnarkjsImport {
            vk_json,
            out,
            inputs,
        } => {
            let vk = snarkjs::parse_vk(&read_text(&vk_json)?, inputs)
                .map_err(|e| format!("{}: {e}", vk_json.display()))?;
            let mut bytes = Vec::new();
            vk.serialize_compressed(&mut bytes)
                .map_err(|e| e.to_string())?;
            write(&out, &bytes)?;
            println!(
                "wrote {} (circuit id {})",
                out.display(),
                zkcc_verifier::keys::circuit_id(&vk)
            );
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    // SAFETY: restores the default action of SIGPIPE (Rust ignores it), so a
    // closed stdout ends the run quietly instead of a panic in `println!`;
    // called before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let run = run_cmd(Args::parse().cmd);
    match run {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {}", e.msg);
            ExitCode::from(e.code)
        }
    }
}

// ---------------------------------------------------------------------------
// `zkcc-verify submission`: the accountable statement.

/// Arguments of `zkcc-verify submission`. Every file but the submission is
/// the agency's own; a broken one is exit 2, a bad submission exit 1.
#[derive(clap::Args)]
struct SubmissionArgs {
    /// The agency's shard verifying key (compressed arkworks encoding).
    #[arg(long)]
    shard_vk: PathBuf,
    /// The agency's request verifying key.
    #[arg(long)]
    request_vk: PathBuf,
    /// The delay circuit's verifying key (of the shard shape), for requests
    /// that ask for delay evidence.
    #[arg(long)]
    delay_vk: Option<PathBuf>,
    /// The shard key's shape `FxM` (facility slots x chip slots); by default
    /// from the key file's name (`shard-FxM.vk`).
    #[arg(long)]
    shard_shape: Option<String>,
    /// The request key's shape `SxF` (shard slots x entries); by default from
    /// the key file's name (`request-SxF.vk`).
    #[arg(long)]
    request_shape: Option<String>,
    #[command(flatten)]
    files: zkcc_verifier::verdict::AgencyFileArgs,
    #[command(flatten)]
    lifecycle: zkcc_verifier::verdict::LifecycleArgs,
    /// The importer's submission (JSON).
    submission: PathBuf,
}

/// The shape text from `--…-shape`, or from a key file named
/// `<claim>-AxB.vk`, parsed (with its bounds) by `parse`.
fn shape_arg<T>(
    given: &Option<String>,
    key: &Path,
    flag: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, String> {
    match given {
        Some(t) => parse(t).map_err(|e| format!("{flag}: {e}")),
        None => {
            let t = key
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.rsplit_once('-'))
                .map(|(_, t)| t)
                .ok_or_else(|| {
                    format!(
                        "{flag} is required: the name of {} does not end in -AxB",
                        key.display()
                    )
                })?;
            parse(t).map_err(|e| format!("{} (the shape from its name): {e}", key.display()))
        }
    }
}

fn submission_cmd(a: SubmissionArgs) -> Run {
    use zkcc_circuits::ledger::Ledger;
    use zkcc_circuits::request::RequestShape;
    use zkcc_circuits::shard::ShardShape;
    use zkcc_verifier::fleet::FleetKeys;
    use zkcc_verifier::submission::RequestFile;

    // The agency's own files: any problem is exit 2.
    let shard_shape = shape_arg(
        &a.shard_shape,
        &a.shard_vk,
        "--shard-shape",
        ShardShape::parse,
    )?;
    let request_shape = shape_arg(
        &a.request_shape,
        &a.request_vk,
        "--request-shape",
        RequestShape::parse,
    )?;
    let load = |p: &Path, n: usize| -> Result<_, Fail> {
        let bytes = read_bytes(p)?;
        Ok(load_verifying_key_for(&bytes, n).map_err(|e| format!("{}: {e}", p.display()))?)
    };
    let shard_vk = load(&a.shard_vk, zkcc_circuits::shard::PUBLIC_INPUT_NAMES.len())?;
    let request_vk = load(
        &a.request_vk,
        zkcc_circuits::request::PUBLIC_INPUT_NAMES.len(),
    )?;
    let mut keys = FleetKeys::new(&shard_vk, shard_shape, &request_vk, request_shape)
        .map_err(|e| format!("keys: {e}"))?;
    if let Some(p) = &a.delay_vk {
        let vk = load(p, zkcc_circuits::delay::PUBLIC_INPUT_NAMES.len())?;
        keys = keys.with_delay(&vk).map_err(|e| format!("keys: {e}"))?;
    }
    let registry = Registry::from_json(&read_text(&a.files.registry)?)
        .map_err(|e| format!("{}: {e}", a.files.registry.display()))?;
    // Streamed: a ledger of a million chips is read record by record.
    let ledger_file =
        std::fs::File::open(&a.files.ledger).map_err(|e| io_fail(&a.files.ledger, e))?;
    let ledger = Ledger::from_reader(ledger_file, &registry)
        .map_err(|e| format!("{}: {e}", a.files.ledger.display()))?;
    let request: RequestFile = serde_json::from_str(&read_text(&a.files.request)?)
        .map_err(|e| format!("{}: {e}", a.files.request.display()))?;
    // The policy is refused before anything is verified.
    zkcc_verifier::verdict::judge_file(
        &a.files,
        &a.lifecycle,
        &keys,
        &registry,
        &ledger,
        &request,
        &a.submission,
        read_text,
        write,
        Fail::from,
    )
}
