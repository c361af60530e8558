//! The importer's commands for large fleets: a plan on disk, shards proven one
//! task at a time (by hand, in a loop, or as a Slurm job array), the request
//! proof from the bundles.
use super::args::{KeyDirArg, RegistryArg, ShardInputArgs};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkcc_circuits::encoding::fr_from_hex;
use zkcc_circuits::registry::Registry;
use zkcc_prover::error::{read_json, write, ProverError};
use zkcc_prover::fleet::plan::{write_plan, Plan, ShardOutcome};
use zkcc_prover::fleet::slurm::{self, SlurmOptions};
use zkcc_prover::keys::{self, Circuit};
use zkcc_verifier::batch::PreparedKey;
use zkcc_verifier::submission::RequestFile;

#[derive(Subcommand)]
pub enum ShardCmd {
    /// Commit to an inventory and split it into shards: writes DIR/manifest.json
    /// (public: C, every C_s) and DIR/shards/NNNN.json (private, one per shard).
    Plan {
        #[command(flatten)]
        input: ShardInputArgs,
        /// Digest of the agency's ledger for this importer (from the agency).
        #[arg(long)]
        ledger_digest: String,
        /// Plan directory to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Prove one shard of a plan (--index, or $SLURM_ARRAY_TASK_ID), or every
    /// shard still missing; shards whose bundle already verifies are skipped.
    Prove {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        keys: KeyDirArg,
        /// The shard to prove (defaults to $SLURM_ARRAY_TASK_ID; without
        /// either, every missing shard in turn).
        #[arg(long)]
        index: Option<usize>,
    },
    /// Answer the agency's request over every bundle of a plan; writes the submission.
    Request {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        keys: KeyDirArg,
        /// Request circuit.
        #[arg(long, default_value = "request-16x8")]
        circuit: String,
        /// The agency's request.
        #[arg(long)]
        request: PathBuf,
        /// Submission to write.
        #[arg(long, default_value = "submission.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum SlurmCmd {
    /// Submit a plan to Slurm: a job array over the shards still missing and a
    /// request-proof job depending on it (afterok).
    ///
    /// The plan, the key directory and the registry must be on storage the
    /// compute nodes share.
    Submit(SubmitArgs),
    /// Progress of a plan's jobs: the queue, bundles written, the submission.
    Status {
        #[command(flatten)]
        plan: PlanArgs,
        /// Wait until the jobs have left the queue; fail if no submission was written.
        #[arg(long)]
        wait: bool,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
    },
}

/// The arguments of `zkcc slurm submit`.
#[derive(Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub keys: KeyDirArg,
    /// The agency's request.
    #[arg(long)]
    pub request: PathBuf,
    /// Request circuit.
    #[arg(long, default_value = "request-16x8")]
    pub request_circuit: String,
    /// Submission the request job writes.
    #[arg(long, default_value = "submission.json")]
    pub out: PathBuf,
    /// Threads (Slurm CPUs) per task (at least 1).
    #[arg(long, default_value_t = 2, value_parser = super::bounded::<1, 4096>)]
    pub cpus: usize,
    /// Attempts per shard task before it fails.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Slurm partition (default: the cluster's default).
    #[arg(long)]
    pub partition: Option<String>,
    /// zkcc binary as the compute nodes see it (default: this one).
    #[arg(long)]
    pub zkcc: Option<PathBuf>,
    /// Write the batch scripts and print the sbatch commands only.
    #[arg(long)]
    pub dry_run: bool,
}

/// `--plan DIR` and `--registry`: a plan on disk and the registry it was
/// made under.
#[derive(Args)]
pub struct PlanArgs {
    /// Plan directory (from `zkcc shard plan`).
    #[arg(long)]
    plan: PathBuf,
    #[command(flatten)]
    registry: RegistryArg,
}

impl PlanArgs {
    /// Loads the registry, then the plan against it.
    fn load(&self) -> Result<(Registry, Plan), ProverError> {
        let r = self.registry.load()?;
        let p = Plan::load(&self.plan, &r)?;
        Ok((r, p))
    }
}

fn task_index(index: Option<usize>) -> Result<Option<usize>, ProverError> {
    if index.is_some() {
        return Ok(index);
    }
    match std::env::var("SLURM_ARRAY_TASK_ID") {
        Ok(v) => v.parse().map(Some).map_err(|_| {
            ProverError::Inventory(format!("SLURM_ARRAY_TASK_ID={v:?} is not a shard index"))
        }),
        Err(_) => Ok(None),
    }
}

pub fn shard(c: ShardCmd) -> Result<(), ProverError> {
    match c {
        ShardCmd::Plan {
            input,
            ledger_digest,
            out,
        } => {
            super::out_dir(&out)?;
            let (r, inv, shape) = input.load()?;
            let m = write_plan(
                &out,
                &r,
                &inv,
                &shape,
                fr_from_hex(&ledger_digest)?,
                &mut OsRng,
            )?;
            println!(
                "C = {}: {} chips of {} in {} shards of {} ({} constraints each); plan in {}",
                m.commitment,
                m.chips,
                m.importer,
                m.shards.len(),
                m.circuit,
                zkcc_circuits::shard::constraints::cost(&shape),
                out.display()
            );
            Ok(())
        }
        ShardCmd::Prove {
            plan,
            keys: KeyDirArg { keys: dir },
            index,
        } => {
            let (r, p) = plan.load()?;
            let (pk, _) = keys::load_proving_key_of(&dir, &p.circuit())?;
            let todo = match task_index(index)? {
                Some(s) => vec![s],
                None => p.missing(&r, &PreparedKey::new(&pk.vk))?,
            };
            for s in todo {
                match p.prove_shard(&r, &pk, s, &mut OsRng)? {
                    ShardOutcome::Skipped => {
                        println!("shard {s}: its bundle already verifies; skipped")
                    }
                    ShardOutcome::Proved(t) => println!(
                        "shard {s}: proved in {:.1} s: {}",
                        t.as_secs_f64(),
                        p.bundle_path(s).display()
                    ),
                }
            }
            Ok(())
        }
        ShardCmd::Request {
            plan,
            keys: KeyDirArg { keys: dir },
            circuit,
            request,
            out,
        } => {
            super::out_file(&out)?;
            let (r, p) = plan.load()?;
            let req: RequestFile = read_json(&request)?;
            let Circuit::Request(shape) = Circuit::parse(&circuit)? else {
                return Err(ProverError::Keys("--circuit takes request-SxF".into()));
            };
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Request(shape))?;
            let (sub, t) = zkcc_prover::demo::proving("request", 1, |progress| {
                p.prove_request(&r, &pk, &shape, &req, &mut OsRng, progress)
            });
            let sub = sub?;
            write(&out, sub.to_json().as_bytes())?;
            println!(
                "proved the request (nonce {}) over {} shards in {:.2} s: {}",
                req.nonce,
                p.len(),
                t.as_secs_f64(),
                out.display()
            );
            Ok(())
        }
    }
}

pub fn slurm(c: SlurmCmd) -> Result<(), ProverError> {
    match c {
        SlurmCmd::Submit(a) => {
            let PlanArgs { plan, registry } = a.plan;
            let dir = a.keys.keys;
            let r = registry.load()?;
            let p = Plan::load(&plan, &r)?;
            let vk = keys::load_verifying_key_of(&dir, &p.circuit())?;
            let missing = p.missing(&r, &PreparedKey::new(&vk))?;
            let zkcc = match a.zkcc {
                Some(z) => z,
                None => std::env::current_exe().map_err(|source| ProverError::Io {
                    path: "the zkcc binary".into(),
                    source,
                })?,
            };
            let o_registry = registry.registry.clone();
            let o = SlurmOptions {
                zkcc,
                keys: dir,
                registry: registry.registry,
                request: a.request,
                request_circuit: a.request_circuit,
                out: a.out,
                cpus: a.cpus,
                retries: a.retries,
                partition: a.partition,
                dry_run: a.dry_run,
            };
            let Some(jobs) = slurm::submit(&p, &missing, &o)? else {
                println!(
                    "dry run: nothing submitted ({} of {} shards missing); scripts in {}/slurm",
                    missing.len(),
                    p.len(),
                    plan.display()
                );
                return Ok(());
            };
            match &jobs.array {
                Some(a) => println!(
                    "submitted job array {a} ({} of {} shards: --array={}) and request job {} (afterok:{a})",
                    missing.len(),
                    p.len(),
                    slurm::array_spec(&missing),
                    jobs.request
                ),
                None => println!(
                    "every shard's bundle already verifies; submitted request job {}",
                    jobs.request
                ),
            }
            println!(
                "follow with: zkcc slurm status --plan {} --registry {}",
                plan.display(),
                o_registry.display()
            );
            Ok(())
        }
        SlurmCmd::Status {
            plan: args,
            wait,
            timeout,
        } => {
            let (_, p) = args.load()?;
            let plan = args.plan;
            let t0 = Instant::now();
            let mut last = String::new();
            loop {
                let st = slurm::status(&p)?;
                let line = format!(
                    "{}/{} shard bundles written; {} job(s) queued{}{}",
                    st.bundles,
                    st.shards,
                    st.queue.len(),
                    st.queue
                        .iter()
                        .map(|(j, s, why)| format!("\n  {j} {s} {why}"))
                        .collect::<String>(),
                    if st.submission {
                        format!("\nsubmission written: {}", st.jobs.submission.display())
                    } else {
                        String::new()
                    }
                );
                if line != last {
                    println!("{line}");
                    last = line;
                }
                if !wait {
                    return Ok(());
                }
                if let Some((j, _, _)) = st
                    .queue
                    .iter()
                    .find(|(_, _, why)| why.contains("DependencyNeverSatisfied"))
                {
                    return Err(ProverError::Slurm(format!(
                        "job {j} waits for shard tasks that failed (see {}/slurm/logs); \
                         scancel {j}, then zkcc slurm submit again: it submits only the missing shards",
                        plan.display()
                    )));
                }
                if st.finished() {
                    return if st.submission {
                        Ok(())
                    } else {
                        Err(ProverError::Slurm(format!(
                            "the jobs left the queue without writing {} (see {}/slurm/logs)",
                            st.jobs.submission.display(),
                            plan.display()
                        )))
                    };
                }
                if t0.elapsed() > Duration::from_secs(timeout) {
                    return Err(ProverError::Slurm(format!(
                        "still running after {timeout} s"
                    )));
                }
                std::thread::sleep(Duration::from_secs(2));
            }
        }
    }
}
