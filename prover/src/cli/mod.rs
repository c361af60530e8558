//! The `zkcc` command line: the subcommands, cut by role.
mod agency;
mod auditor;
mod ceremony;
mod evaluator;
mod fleet;
mod importer;
mod serve;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use zkcc_circuits::registry::Registry;
use zkcc_prover::error::{read, write, write_json, write_secret_json};
use zkcc_prover::keys::Circuit;
use zkcc_prover::{demo, sample, ProverError};

#[derive(Parser)]
#[command(name = "zkcc", version, about = "Zero-knowledge compliance claims about AI chips", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every role end to end on the built-in sample and print a report
    /// (`zkcc demo lifecycle`: then the AI lifecycle claims too).
    Demo {
        /// `fleet` (the accountable statement and its checks) or `lifecycle`
        /// (the fleet, then model evaluation and deployment jurisdiction).
        #[arg(default_value = "fleet", value_parser = ["fleet", "lifecycle"])]
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
    },
    /// Write a realistic sample: registry, shipments, auditor keys, inventory (unsigned), rules.
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
        /// Chips per attested chunk (the shard circuit's facility slot size).
        #[arg(long, default_value_t = sample::SAMPLE_CHUNK)]
        chunk: usize,
        /// Also accredit two evaluators and publish the evaluation suite
        /// FRONTIER-2026 in the registry (evaluator keys in evaluators/).
        #[arg(long)]
        lifecycle: bool,
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
        /// Circuit: shard-FxM (F facility slots of M chips), request-SxF, evaluation-N or jurisdiction-S.
        #[arg(long)]
        circuit: String,
        /// Key directory.
        #[arg(long, default_value = "keys")]
        out: PathBuf,
    },
    /// Agency: verify a submission against its keys, registry, ledger and request; decide.
    Verify(agency::VerifyArgs),
}

/// Loads and validates a registry file.
pub fn load_registry(path: &Path) -> Result<Registry, ProverError> {
    let text = String::from_utf8(read(path)?)
        .map_err(|e| ProverError::Inventory(format!("{}: {e}", path.display())))?;
    Registry::from_json(&text).map_err(ProverError::from)
}

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ProverError> {
    String::from_utf8(read(path)?)
        .map_err(|e| ProverError::Inventory(format!("{}: not UTF-8 text: {e}", path.display())))
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
        } => {
            let (Circuit::Shard(s), Circuit::Request(r)) =
                (Circuit::parse(&shard)?, Circuit::parse(&request)?)
            else {
                return Err(ProverError::Keys(
                    "--shard takes shard-FxM and --request takes request-SxF".into(),
                ));
            };
            demo::run_scenario(&dir, s, r, seed, scenario == "lifecycle")
        }
        Cmd::Sample {
            out,
            seed,
            chips,
            chunk,
            lifecycle,
        } => {
            let mut s = sample::generate_with(seed, &sample::groups_for(chips), chunk);
            if lifecycle {
                for k in sample::add_lifecycle(&mut s.registry, seed) {
                    write_secret_json(
                        &out.join("evaluators").join(format!("{}.key.json", k.id)),
                        &k,
                    )?;
                }
            }
            write_json(&out.join("registry.json"), &s.registry)?;
            write_json(&out.join("shipments.json"), &s.shipments)?;
            write_json(&out.join("inventory.json"), &s.inventory)?;
            write_json(&out.join("rules.json"), &demo::sample_rules())?;
            write(
                &out.join("policy.json"),
                zkcc_verifier::access::SAMPLE_ACCESS_POLICY.as_bytes(),
            )?;
            for k in &s.auditor_keys {
                write_secret_json(&out.join("auditors").join(format!("{}.key.json", k.id)), k)?;
            }
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
            eprintln!("WARNING: single-party setup, DEVELOPMENT ONLY (a development shortcut) — whoever runs it can forge proofs; production keys come from `zkcc ceremony`.");
            let (m, t) = demo::timed(&format!("setup of {}", c.name()), || {
                zkcc_prover::keys::setup_circuit(&out, &c, &mut rand::rngs::OsRng)
            });
            let m = m?;
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
    }
}
