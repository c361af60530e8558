//! `zkcc`: zero-knowledge compliance claims about AI chips.
//!
//! One subcommand per role: the agency (`registry`, `nonce`, `verify`), the
//! auditor (`auditor keygen`, `auditor attest`), the importer (`commit`,
//! `prove`), anyone (`setup`, `sample`, `demo`).
//!
//! Exit codes: 0 success; 1 the claim does not hold or a proof was rejected;
//! 2 bad input, missing files or usage errors.
use clap::{Parser, Subcommand};
use rand::rngs::OsRng;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zkcc_circuits::cluster::ClusterShape;
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_circuits::encoding::{fr_from_hex, fr_to_hex};
use zkcc_circuits::registry::Registry;
use zkcc_prover::error::{read, read_json};
use zkcc_prover::inventory::{AuditorKeyFile, CommitmentSecret, InventoryFile};
use zkcc_prover::{
    attest, circuit_for, commit, demo, keys, prove_bundle, sample, ProverError, Request,
};
use zkcc_verifier::{verify_bundle, Expectations, ProofBundle, VerifyError};

#[derive(Parser)]
#[command(name = "zkcc", version, about = "Zero-knowledge compliance claims about AI chips", long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone, Copy)]
struct ShapeArgs {
    /// Chip slots of the circuit.
    #[arg(long, default_value_t = 1024)]
    chips: usize,
    /// Facility slots of the circuit.
    #[arg(long, default_value_t = 8)]
    facilities: usize,
}

impl ShapeArgs {
    fn shape(self) -> ClusterShape {
        ClusterShape {
            chips: self.chips,
            facilities: self.facilities,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every role end to end on the built-in sample and print a report.
    Demo {
        /// Working directory for the files the demo writes.
        #[arg(long, default_value = "zkcc-demo")]
        dir: PathBuf,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Seed of the sample data and of the demo's randomness.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write a realistic sample: registry, policy, auditor keys, 1,000-chip inventory (unsigned).
    Sample {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Number of chips in the inventory.
        #[arg(long, default_value_t = 1000)]
        chips: usize,
    },
    /// Agency: print the root of a registry (validating it).
    Registry {
        /// Registry file.
        registry: PathBuf,
    },
    /// Agency: draw a fresh request nonce.
    Nonce,
    /// Auditor commands.
    #[command(subcommand)]
    Auditor(AuditorCmd),
    /// Importer: commit to an inventory (writes the secret blinding, prints the commitment).
    Commit {
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        inventory: PathBuf,
        /// Where to write the commitment secret.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a single-party (development) setup for a circuit shape.
    Setup {
        #[command(flatten)]
        shape: ShapeArgs,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
    /// Importer: prove the cluster claim for an agency request.
    Prove {
        #[command(flatten)]
        shape: ShapeArgs,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        keys: PathBuf,
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        inventory: PathBuf,
        /// Commitment secret from `zkcc commit`.
        #[arg(long)]
        secret: PathBuf,
        /// Chip cap to prove.
        #[arg(long)]
        cap: u64,
        /// The agency's nonce (0x-hex).
        #[arg(long)]
        nonce: String,
        /// Output bundle.
        #[arg(long, default_value = "bundle.json")]
        out: PathBuf,
    },
    /// Agency: verify a proof bundle against the key, registry, epoch and nonce it expects.
    ///
    /// The agency names the key: `--vk FILE`, or the key of the shape
    /// `--chips`/`--facilities` in `--keys`. A bundle naming another shape or
    /// circuit is rejected; the bundle never chooses its own key.
    Verify {
        /// Key directory of `zkcc setup`; the key of the shape given by
        /// `--chips` and `--facilities` is used.
        #[arg(long, default_value = "keys")]
        keys: PathBuf,
        #[command(flatten)]
        shape: ShapeArgs,
        /// Verify with exactly this verifying key file instead.
        #[arg(long, conflicts_with_all = ["keys", "chips", "facilities"])]
        vk: Option<PathBuf>,
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        epoch: u64,
        #[arg(long)]
        nonce: String,
        /// The bundle.
        bundle: PathBuf,
        /// The agency's policy (JSON): end in a decision.
        #[arg(long, requires = "country")]
        policy: Option<PathBuf>,
        /// The importer's country (ISO 3166-1 alpha-2).
        #[arg(long, requires = "policy")]
        country: Option<String>,
        /// Write the decision's JSON report here.
        #[arg(long, requires = "policy")]
        report: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditorCmd {
    /// Generate a signing key; prints the public key for the agency's registry.
    Keygen {
        /// Auditor id.
        #[arg(long)]
        id: String,
        /// Secret key file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign the attestations of an inventory that name this auditor.
    Attest {
        /// Secret key file.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        registry: PathBuf,
        /// Inventory file, updated in place.
        #[arg(long)]
        inventory: PathBuf,
        /// Only this facility.
        #[arg(long)]
        facility: Option<String>,
    },
}

fn load_registry(path: &Path) -> Result<Registry, ProverError> {
    let text = String::from_utf8(read(path)?)
        .map_err(|e| ProverError::Inventory(format!("{}: {e}", path.display())))?;
    Registry::from_json(&text).map_err(ProverError::from)
}

/// Writes a file atomically (temporary file beside it, then rename),
/// creating its directory: a failed run never leaves it half-written and
/// never clobbers the previous version.
fn write(path: &Path, bytes: &[u8]) -> Result<(), ProverError> {
    let io = |source| ProverError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
    }
    zkcc_verifier::files::write_atomic(path, bytes).map_err(io)
}

/// Pretty JSON, written with [`write`].
fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), ProverError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| ProverError::Json {
        path: path.display().to_string(),
        source,
    })?;
    text.push('\n');
    write(path, text.as_bytes())
}

fn read_text(path: &Path) -> Result<String, ProverError> {
    String::from_utf8(read(path)?)
        .map_err(|e| ProverError::Inventory(format!("{}: {e}", path.display())))
}

/// Runs a command: `Ok(true)` success, `Ok(false)` rejected or denied (exit
/// 1, the reason already printed).
fn run(cli: Cli) -> Result<bool, ProverError> {
    match cli.cmd {
        Cmd::Demo { dir, shape, seed } => demo::run(&dir, shape.shape(), seed).map(|()| true),
        Cmd::Sample { out, seed, chips } => {
            let s = sample::generate_with(seed, &sample::groups_for(chips));
            write_json(&out.join("registry.json"), &s.registry)?;
            write_json(&out.join("inventory.json"), &s.inventory)?;
            for k in &s.auditor_keys {
                write_json(&out.join("auditors").join(format!("{}.key.json", k.id)), k)?;
            }
            write(&out.join("policy.json"), sample::SAMPLE_POLICY.as_bytes())?;
            println!(
                "wrote {}/registry.json, inventory.json ({} chips, unsigned) and {} auditor keys",
                out.display(),
                s.inventory.chips.len(),
                s.auditor_keys.len()
            );
            Ok(true)
        }
        Cmd::Registry { registry } => {
            let r = load_registry(&registry)?;
            println!("{}", fr_to_hex(&r.root));
            Ok(true)
        }
        Cmd::Nonce => {
            use ark_std::UniformRand;
            println!("{}", fr_to_hex(&ark_bn254::Fr::rand(&mut OsRng)));
            Ok(true)
        }
        Cmd::Auditor(AuditorCmd::Keygen { id, out }) => {
            zkcc_circuits::encoding::encode_label(&id)?;
            let sk = SecretKey::generate(&mut OsRng);
            write_json(
                &out,
                &AuditorKeyFile {
                    version: 1,
                    id: id.clone(),
                    seed: hex::encode(sk.seed()),
                },
            )?;
            let entry =
                serde_json::json!({ "id": id, "public_key": PointJson::from_point(&sk.public()) });
            println!("{}", serde_json::to_string_pretty(&entry).expect("json"));
            Ok(true)
        }
        Cmd::Auditor(AuditorCmd::Attest {
            key,
            registry,
            inventory,
            facility,
        }) => {
            let r = load_registry(&registry)?;
            let k: AuditorKeyFile = read_json(&key)?;
            let mut inv: InventoryFile = read_json(&inventory)?;
            let signed = attest::attest(&r, &mut inv, &k, facility.as_deref())?;
            write_json(&inventory, &inv)?;
            println!(
                "{} signed {} attestation(s): {}",
                k.id,
                signed.len(),
                signed.join(", ")
            );
            Ok(true)
        }
        Cmd::Commit {
            registry,
            inventory,
            out,
        } => {
            let r = load_registry(&registry)?;
            let inv: InventoryFile = read_json(&inventory)?;
            let secret = commit(&r, &inv, &mut OsRng)?;
            write_json(&out, &secret)?;
            println!("{}", secret.commitment);
            Ok(true)
        }
        Cmd::Setup { shape, out } => {
            let shape = shape.shape();
            let (m, t) = demo::timed(&format!("setup of cluster-{}", shape.name()), || {
                keys::setup(&out, &shape, &mut OsRng)
            });
            let m = m?;
            println!(
                "cluster-{}: {} constraints, circuit id {}, {:.1} s; keys in {}",
                shape.name(),
                m.constraints,
                m.circuit_id,
                t.as_secs_f64(),
                out.display()
            );
            println!("note: single-party setup, for development only");
            Ok(true)
        }
        Cmd::Prove {
            shape,
            keys: dir,
            registry,
            inventory,
            secret,
            cap,
            nonce,
            out,
        } => {
            let shape = shape.shape();
            let r = load_registry(&registry)?;
            let inv: InventoryFile = read_json(&inventory)?;
            let secret: CommitmentSecret = read_json(&secret)?;
            let req = Request {
                cap,
                nonce: fr_from_hex(&nonce)?,
            };
            let circuit = circuit_for(&shape, &r, &inv, &secret, &req)?;
            let (loaded, _) = demo::timed("loading the proving key", || {
                keys::load_proving_key(&dir, &shape)
            });
            let (pk, _) = loaded?;
            let (bundle, t) = demo::timed("proving", || {
                prove_bundle(&pk, circuit, &inv.importer, &mut OsRng)
            });
            let bundle = bundle?;
            write(&out, bundle.to_json().as_bytes())?;
            println!(
                "proved cap {cap} for epoch {} in {:.1} s: {}",
                inv.epoch,
                t.as_secs_f64(),
                out.display()
            );
            Ok(true)
        }
        Cmd::Verify {
            keys: dir,
            shape,
            vk,
            registry,
            epoch,
            nonce,
            bundle,
            policy,
            country,
            report,
        } => {
            use zkcc_verifier::policy::{decide, ClaimFacts, Outcome, Policy};
            // The agency's own inputs first: any of them bad is exit 2,
            // before the bundle is looked at.
            let r = load_registry(&registry)?;
            let nonce = fr_from_hex(&nonce)?;
            let policy = match policy {
                Some(p) => {
                    let policy = Policy::from_json(&read_text(&p)?)?;
                    policy.check_registry_version(r.file.policy_version)?;
                    Some(policy)
                }
                None => None,
            };
            let b = ProofBundle::from_json(&read_text(&bundle)?)?;
            // The key is the one the agency names, never the bundle's choice.
            let vk = match vk {
                Some(path) => zkcc_verifier::keys::load_verifying_key(&read(&path)?)?,
                None => {
                    let shape = shape.shape();
                    if b.shape != shape {
                        return Err(VerifyError::WrongShape {
                            bundle: b.shape.name(),
                            expected: shape.name(),
                        }
                        .into());
                    }
                    keys::load_verifying_key(&dir, &shape)?
                }
            };
            let expect = Expectations {
                registry_root: r.root,
                epoch,
                nonce,
            };
            let claim = verify_bundle(&vk, &b, &expect)?;
            println!(
                "ACCEPTED: {} holds at most {} active chips, all attested inside authorized facilities, epoch {} (commitment {})",
                claim.importer,
                claim.statement.cap,
                claim.statement.epoch,
                claim.commitment_hex()
            );
            let Some(policy) = policy else {
                return Ok(true);
            };
            let r = decide(
                &policy,
                &claim.importer,
                country.as_deref().unwrap_or_default(),
                epoch,
                &[ClaimFacts::from(&claim)],
                &[],
            )?;
            print!("{}", r.human());
            if let Some(p) = report {
                write(&p, r.to_json().as_bytes())?;
                println!("report: {}", p.display());
            }
            Ok(r.decision.outcome == Outcome::Grant)
        }
    }
}

/// Exit 1 for a claim that does not hold or a bundle the agency rejects;
/// exit 2 for bad input: files, flags, and the agency's own key, registry
/// and policy.
fn exit_code(e: &ProverError) -> u8 {
    match e {
        ProverError::Claim(_) | ProverError::Unsatisfied(_) => 1,
        ProverError::Verify(v) => match v {
            VerifyError::BundleJson(_)
            | VerifyError::KeyEncoding(_)
            | VerifyError::KeyInvalid(_)
            | VerifyError::KeyInputCount { .. }
            | VerifyError::Policy(_)
            | VerifyError::PolicyVersion { .. } => 2,
            _ => 1,
        },
        _ => 2,
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            let code = exit_code(&e);
            if code == 1 && matches!(e, ProverError::Verify(_)) {
                println!("REJECTED: {e}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(code)
        }
    }
}
