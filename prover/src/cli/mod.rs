//! The `zkcc` command line: the subcommands, cut by role.
mod agency;
mod args;
mod auditor;
mod ceremony;
mod evaluator;
mod fleet;
mod importer;
mod landmark;
mod serve;
pub mod signals;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use zkcc_circuits::registry::Registry;
use zkcc_prover::error::{read, write, write_json, write_secret_json};
use zkcc_prover::keys::Circuit;
use zkcc_prover::{demo, sample, ProverError};

/// The exit-code contract, shown by `--help` (the same in `zkcc-verify`).
pub const EXIT_CODES: &str = zkcc_verifier::verdict::EXIT_CODES;

#[derive(Parser)]
#[command(
    name = "zkcc",
    version,
    about = "Zero-knowledge compliance claims about AI chips",
    long_about = None,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every role end to end on the built-in sample and print a report
    /// (`zkcc demo lifecycle`: then the AI lifecycle claims too; `zkcc demo
    /// location`: then the chips' own location evidence, over loopback TCP;
    /// `zkcc demo service`: the agency's steps against its HTTP service).
    Demo {
        /// `fleet` (the accountable statement and its checks), `lifecycle`
        /// (the fleet, then model evaluation and deployment jurisdiction) or
        /// `location` (the fleet, then landmarks, chip agents and delay
        /// proofs) or `service` (the fleet's proofs, then the agency's steps
        /// through HTTP against a `zkcc agency serve` service the demo starts).
        #[arg(default_value = "fleet", value_parser = ["fleet", "lifecycle", "location", "service"])]
        scenario: String,
        /// Working directory for the files the demo writes.
        #[arg(long, default_value = "zkcc-demo")]
        dir: PathBuf,
        /// Shard circuit (facility slots x chips per slot).
        #[arg(long, default_value = "shard-8x128")]
        shard: String,
        /// Request circuit (shard slots x entries per shard).
        #[arg(long, default_value = "request-16x8")]
        request: String,
        /// Seed of the sample data and of the demo's randomness.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Chips in the sample importer's inventory, spread over its five
        /// facilities in the sample's proportions (5 to 1000000; small
        /// numbers with small shapes make a quick run, as the tests do).
        #[arg(long, default_value_t = 1000, value_parser = bounded::<5, MAX_SAMPLE_CHIPS>)]
        chips: usize,
    },
    /// Write a realistic sample: registry, shipments, auditor keys, inventory (unsigned), rules.
    Sample {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Number of chips in the inventory (1 to 1000000).
        #[arg(long, default_value_t = 1000, value_parser = bounded::<1, MAX_SAMPLE_CHIPS>)]
        chips: usize,
        /// Chips per attested chunk (the shard circuit's facility slot size, 1 to 248).
        #[arg(long, default_value_t = sample::SAMPLE_CHUNK, value_parser = bounded::<1, {zkcc_circuits::shard::MAX_SLOT_CHIPS}>)]
        chunk: usize,
        /// Also accredit two evaluators and publish the evaluation suite
        /// FRONTIER-2026 in the registry (evaluator keys in evaluators/),
        /// and write the lab's files: model.safetensors (a stand-in weights
        /// file) and deployment.json (an unsigned deployment).
        #[arg(long)]
        lifecycle: bool,
        /// Replace a sample already in the directory (its auditor and
        /// evaluator keys are moved aside, not deleted).
        #[arg(long)]
        force: bool,
    },
    /// Agency: print the root of a registry (validating it).
    Registry {
        /// Registry file.
        registry: PathBuf,
    },
    /// Agency commands: ledgers and requests.
    #[command(subcommand)]
    Agency(agency::AgencyCmd),
    /// Auditor commands.
    #[command(subcommand)]
    Auditor(auditor::AuditorCmd),
    /// Evaluator commands: a key, signed evaluation results.
    #[command(subcommand)]
    Evaluator(evaluator::EvaluatorCmd),
    /// Importer (lab): commit to a model by its weights digest.
    #[command(subcommand)]
    Model(importer::ModelCmd),
    /// Importer: commit to an inventory for an epoch (plans the shards; writes the secret, prints C).
    Commit(importer::CommitArgs),
    /// Importer: prove the shards (once per epoch) or a request (per request).
    #[command(subcommand)]
    Prove(importer::ProveCmd),
    /// Importer, large fleets: plan shards, prove them one task at a time, answer a request.
    #[command(subcommand)]
    Shard(fleet::ShardCmd),
    /// Importer, large fleets: prove a plan as a Slurm job array.
    #[command(subcommand)]
    Slurm(fleet::SlurmCmd),
    /// Keys from a multi-party ceremony (snarkjs-compatible): init, contribute, beacon, verify, finalize.
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCmd),
    /// DEVELOPMENT SHORTCUT ONLY: a single-party setup (whoever runs it can forge proofs; production keys: `zkcc ceremony`).
    Setup {
        /// Circuit: shard-FxM (F facility slots, 1 to 1024, of M chips, 1 to
        /// 248), request-SxF (S shard slots, 1 to 65536, of F entries, 1 to
        /// 1024), evaluation-N (1 to 64) or jurisdiction-S (1 to 256). A
        /// circuit that will not fit in memory (about 2 KiB per constraint) is
        /// refused up front.
        #[arg(long)]
        circuit: String,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
    /// Agency: verify a submission against its keys, registry, ledger and request; decide.
    Verify(agency::VerifyArgs),
    /// Delay evidence: a landmark's key and server; the importer's batch request.
    #[command(subcommand)]
    Landmark(landmark::LandmarkCmd),
    /// A chip's device key (a file standing in for the hardware key) and its agent.
    #[command(subcommand)]
    Chip(landmark::ChipCmd),
    /// A chip vendor's certificate authority key.
    #[command(subcommand)]
    Vendor(landmark::VendorCmd),
}

/// Largest `sample --chips`.
pub const MAX_SAMPLE_CHIPS: usize = 1_000_000;

/// A clap value parser for an integer in `MIN..=MAX`.
fn bounded<const MIN: usize, const MAX: usize>(t: &str) -> Result<usize, String> {
    match t.parse::<usize>() {
        Ok(n) if (MIN..=MAX).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from {MIN} to {MAX}")),
    }
}

/// Loads and validates a registry file.
pub fn load_registry(path: &Path) -> Result<Registry, ProverError> {
    Registry::from_json(&read_text(path)?).map_err(ProverError::from)
}

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ProverError> {
    String::from_utf8(read(path)?)
        .map_err(|e| ProverError::Usage(format!("{}: not UTF-8 text: {e}", path.display())))
}

/// Refuses an output file whose directory does not exist: a typo in a path
/// must not make a tree of directories. (Commands whose job is to make a
/// directory, `sample --out`, `setup --out`, `shard plan --out`, `demo
/// --dir`, take it through [`out_dir`].)
pub fn out_file(path: &Path) -> Result<(), ProverError> {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() && !d.is_dir() => Err(ProverError::Usage(format!(
            "{}: the directory {} does not exist (create it first: mkdir -p {})",
            path.display(),
            d.display(),
            d.display()
        ))),
        _ => Ok(()),
    }
}

/// For a command that makes the directory `path`: refuses a path that names
/// a file, or whose parent directory does not exist.
pub fn out_dir(path: &Path) -> Result<(), ProverError> {
    if path.exists() && !path.is_dir() {
        return Err(ProverError::Usage(format!(
            "{}: exists and is not a directory",
            path.display()
        )));
    }
    out_file(path)
}

/// Before a secret is written to `path`: refuses to replace an existing one
/// unless `force`; with `force`, moves it aside to `<path>.old-<unix
/// seconds>` (never deleted) and says so. Returns the old file's new name.
pub fn guard_secret(path: &Path, force: bool) -> Result<Option<PathBuf>, ProverError> {
    if path.is_dir() {
        return Err(ProverError::Usage(format!(
            "{}: is a directory, not a file to write",
            path.display()
        )));
    }
    if !path.exists() {
        return Ok(None);
    }
    if !force {
        return Err(ProverError::Usage(format!(
            "{}: a secret is already there; refusing to replace it (give --force to move it aside and write a new one)",
            path.display()
        )));
    }
    let aside = aside_name(path);
    std::fs::rename(path, &aside).map_err(|source| ProverError::Io {
        path: path.display().to_string(),
        source,
    })?;
    eprintln!(
        "moved the old secret {} aside to {}",
        path.display(),
        aside.display()
    );
    Ok(Some(aside))
}

/// `<path>.old-<unix seconds>`, the name a replaced file is moved to.
pub fn aside_name(path: &Path) -> PathBuf {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".old-{t}"));
    PathBuf::from(name)
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), ProverError> {
    match cli.cmd {
        Cmd::Demo {
            scenario,
            dir,
            shard,
            request,
            seed,
            chips,
        } => {
            let (Circuit::Shard(s), Circuit::Request(r)) =
                (Circuit::parse(&shard)?, Circuit::parse(&request)?)
            else {
                return Err(ProverError::Keys(
                    "--shard takes shard-FxM and --request takes request-SxF".into(),
                ));
            };
            for c in [Circuit::Shard(s), Circuit::Request(r)] {
                c.check_memory(zkcc_prover::keys::available_memory())?;
            }
            out_dir(&dir)?;
            demo::run_scenario(&dir, s, r, seed, &scenario, chips)
        }
        Cmd::Sample {
            out,
            seed,
            chips,
            chunk,
            lifecycle,
            force,
        } => {
            out_dir(&out)?;
            let mut s = sample::generate_with(seed, &sample::groups_for(chips), chunk);
            let evaluator_keys = if lifecycle {
                sample::add_lifecycle(&mut s.registry, seed)
            } else {
                Vec::new()
            };
            let key_path = |dir: &str, id: &str| out.join(dir).join(format!("{id}.key.json"));
            let secrets: Vec<_> = s
                .auditor_keys
                .iter()
                .map(|k| (key_path("auditors", &k.id), k))
                .chain(
                    evaluator_keys
                        .iter()
                        .map(|k| (key_path("evaluators", &k.id), k)),
                )
                .collect();
            // Every check before the first write.
            if !force {
                if let Some((p, _)) = secrets.iter().find(|(p, _)| p.exists()) {
                    return Err(ProverError::Usage(format!(
                        "{}: a sample is already there (its key {} exists); give --force to replace it (old keys are moved aside)",
                        out.display(),
                        p.display()
                    )));
                }
            }
            for (p, k) in &secrets {
                guard_secret(p, true)?;
                write_secret_json(p, k)?;
            }
            if lifecycle {
                sample::write_lifecycle_files(&out, seed)?;
            }
            write_json(&out.join("registry.json"), &s.registry)?;
            write_json(&out.join("shipments.json"), &s.shipments)?;
            write_json(&out.join("inventory.json"), &s.inventory)?;
            write_json(&out.join("rules.json"), &demo::sample_rules())?;
            write(
                &out.join("policy.json"),
                zkcc_verifier::access::SAMPLE_ACCESS_POLICY.as_bytes(),
            )?;
            println!(
                "wrote {}/registry.json, shipments.json, inventory.json ({} chips of {}, {} chunk attestations, unsigned),",
                out.display(),
                s.inventory.chips.len(),
                s.inventory.importer,
                s.inventory.attestations.len()
            );
            println!(
                "      rules.json, policy.json and {} auditor keys",
                s.auditor_keys.len()
            );
            Ok(())
        }
        Cmd::Registry { registry } => {
            let r = load_registry(&registry)?;
            println!("{}", zkcc_circuits::encoding::fr_to_hex(&r.root));
            Ok(())
        }
        Cmd::Agency(c) => agency::run(c),
        Cmd::Auditor(c) => auditor::run(c),
        Cmd::Evaluator(c) => evaluator::run(c),
        Cmd::Model(c) => importer::model(c),
        Cmd::Commit(a) => importer::commit(a),
        Cmd::Prove(c) => importer::prove(c),
        Cmd::Shard(c) => fleet::shard(c),
        Cmd::Slurm(c) => fleet::slurm(c),
        Cmd::Setup { circuit, out } => {
            let c = Circuit::parse(&circuit)?;
            c.check_memory(zkcc_prover::keys::available_memory())?;
            out_dir(&out)?;
            eprintln!("WARNING: single-party setup, DEVELOPMENT ONLY (a development shortcut) — whoever runs it can forge proofs; production keys come from `zkcc ceremony`.");
            let (m, t) = demo::timed_setup(&out, &c, &mut rand::rngs::OsRng)?;
            println!(
                "{}: {} constraints, circuit id {}, {:.1} s; keys in {} (development shortcut: not for production)",
                c.name(),
                m.constraints,
                m.circuit_id,
                t.as_secs_f64(),
                out.display()
            );
            Ok(())
        }
        Cmd::Ceremony(c) => ceremony::run(c),
        Cmd::Verify(a) => agency::verify(a),
        Cmd::Landmark(c) => landmark::landmark(c),
        Cmd::Chip(c) => landmark::chip(c),
        Cmd::Vendor(c) => landmark::vendor(c),
    }
}
