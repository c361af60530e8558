//! Proving a plan on Slurm: one array task per shard, a request proof that
//! depends on the array. Slurm schedules; zkcc only writes the two batch
//! scripts, calls `sbatch`, and reads `squeue` and the plan's bundles.
//!
//! - `plan/slurm/shards.sbatch`: `--array=<missing shards>`; each task proves
//!   shard `$SLURM_ARRAY_TASK_ID` (`zkcc shard prove --index …`), with
//!   `--cpus-per-task` threads and `--mem` sized from the circuit, retrying a
//!   failed attempt in place (`--retries`), and requeued by Slurm if its node
//!   fails (`--requeue`). A bundle that already verifies is skipped.
//! - `plan/slurm/request.sbatch`: `--dependency=afterok:<array>`; proves the
//!   request over every bundle and writes the submission.
//! - `plan/slurm/jobs.json`: the job ids, for `zkcc slurm status`.
//!
//! Re-running `zkcc slurm submit` after a failure submits only the shards whose
//! bundles do not verify yet.
use super::plan::Plan;
use crate::error::{read_json, write, write_json, ProverError, Result};
use crate::keys::{Circuit, BYTES_PER_CONSTRAINT};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixed memory per task: the process, the registry, the shard file (more
/// than the 64 MiB that [`crate::keys::Circuit::check_memory`] adds: Slurm
/// kills a task over its `--mem`, so its request keeps a margin).
const BASE_MEM_MB: u64 = 256;

/// Everything a submission needs besides the plan.
#[derive(Clone, Debug)]
pub struct SlurmOptions {
    /// The zkcc binary, as the compute nodes see it (shared storage).
    pub zkcc: PathBuf,
    /// Key directory (shared storage).
    pub keys: PathBuf,
    /// Registry file (shared storage).
    pub registry: PathBuf,
    /// The agency's request.
    pub request: PathBuf,
    /// Request circuit (`request-SxF`).
    pub request_circuit: String,
    /// Submission to write.
    pub out: PathBuf,
    /// Threads per shard task.
    pub cpus: usize,
    /// Attempts per task before it fails.
    pub retries: u32,
    /// Partition, if not the default.
    pub partition: Option<String>,
    /// Only write the scripts; print the sbatch commands.
    pub dry_run: bool,
}

/// `plan/slurm/jobs.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jobs {
    /// The shard array's job id (`None` when every shard was already proven).
    pub array: Option<String>,
    /// The shards submitted in the array.
    pub shards: Vec<usize>,
    /// The request job's id.
    pub request: String,
    /// The submission the request job writes.
    pub submission: PathBuf,
    /// When the jobs were submitted (seconds since the Unix epoch).
    pub submitted_at: u64,
}

/// Memory to request for a circuit of `constraints`, in MB.
pub fn mem_mb(constraints: usize) -> u64 {
    BASE_MEM_MB + (constraints as u64 * BYTES_PER_CONSTRAINT).div_ceil(1 << 20)
}

/// Slurm's compact form of a list of indices: `0-3,7,9-10`.
pub fn array_spec(indices: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            indices[i].to_string()
        } else {
            format!("{}-{}", indices[i], indices[j])
        });
        i = j + 1;
    }
    out.join(",")
}

fn abs(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|source| ProverError::Io {
        path: p.display().to_string(),
        source,
    })
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// The two batch scripts for `plan` (shard array, request job).
pub fn scripts(plan: &Plan, o: &SlurmOptions) -> Result<(String, String)> {
    let dir = abs(&plan.dir)?;
    let (zkcc, keys, registry, request, out) = (
        quote(&abs(&o.zkcc)?),
        quote(&abs(&o.keys)?),
        quote(&abs(&o.registry)?),
        quote(&abs(&o.request)?),
        quote(&abs(&o.out)?),
    );
    let logs = dir.join("slurm").join("logs");
    let partition = o
        .partition
        .as_ref()
        .map(|p| format!("#SBATCH --partition={p}\n"))
        .unwrap_or_default();
    let shard_constraints = zkcc_circuits::shard::constraints::cost(&plan.shape);
    let Circuit::Request(rshape) = Circuit::parse(&o.request_circuit)? else {
        return Err(ProverError::Keys(
            "--request-circuit takes request-SxF".into(),
        ));
    };
    let request_constraints = zkcc_circuits::request::constraints::cost(&rshape);
    let qdir = quote(&dir);
    let shards = format!(
        r#"#!/bin/bash
# zkcc: one array task per shard of {dir} ({circuit}, {constraints} constraints).
# Written by `zkcc slurm submit`; each task proves shard $SLURM_ARRAY_TASK_ID.
#SBATCH --job-name=zkcc-shards
#SBATCH --cpus-per-task={cpus}
#SBATCH --mem={mem}M
#SBATCH --requeue
#SBATCH --output={logs}/shard-%a.out
{partition}set -u
export RAYON_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-{cpus}}}
for attempt in $(seq {retries}); do
  if {zkcc} shard prove --plan {qdir} --keys {keys} --registry {registry} --index "$SLURM_ARRAY_TASK_ID"; then
    exit 0
  fi
  echo "zkcc: shard $SLURM_ARRAY_TASK_ID attempt $attempt of {retries} failed" >&2
done
exit 1
"#,
        dir = dir.display(),
        circuit = plan.manifest.circuit,
        constraints = shard_constraints,
        cpus = o.cpus,
        mem = mem_mb(shard_constraints),
        logs = logs.display(),
        retries = o.retries.max(1),
    );
    let request_job = format!(
        r#"#!/bin/bash
# zkcc: the request proof over every shard bundle of {dir} ({rc}, {constraints} constraints).
#SBATCH --job-name=zkcc-request
#SBATCH --cpus-per-task={cpus}
#SBATCH --mem={mem}M
#SBATCH --output={logs}/request.out
{partition}set -u
export RAYON_NUM_THREADS=${{SLURM_CPUS_PER_TASK:-{cpus}}}
exec {zkcc} shard request --plan {qdir} --keys {keys} --registry {registry} --circuit {rc} --request {request} --out {out}
"#,
        dir = dir.display(),
        rc = o.request_circuit,
        constraints = request_constraints,
        cpus = o.cpus,
        mem = mem_mb(request_constraints),
        logs = logs.display(),
    );
    Ok((shards, request_job))
}

/// Runs `sbatch --parsable ARGS SCRIPT` and returns the job id.
fn sbatch(args: &[String], script: &Path) -> Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| ProverError::Slurm(format!("cannot run sbatch: {e} (is Slurm installed?)")))?;
    if !out.status.success() {
        return Err(ProverError::Slurm(format!(
            "sbatch {} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(ProverError::Slurm(format!(
            "sbatch printed no job id: {text:?}"
        )));
    }
    Ok(id)
}

/// Writes the scripts and submits the shards still missing (`missing`) as one
/// array, then the request job depending on it. Returns the jobs (also
/// written to `plan/slurm/jobs.json`); with `dry_run`, prints the `sbatch`
/// commands instead and returns `None`.
pub fn submit(plan: &Plan, missing: &[usize], o: &SlurmOptions) -> Result<Option<Jobs>> {
    if o.cpus == 0 {
        return Err(ProverError::Usage(
            "--cpus 0: a task needs at least one CPU".into(),
        ));
    }
    let sdir = plan.dir.join("slurm");
    std::fs::create_dir_all(sdir.join("logs")).map_err(|source| ProverError::Io {
        path: sdir.display().to_string(),
        source,
    })?;
    let (shards_script, request_script) = scripts(plan, o)?;
    let (sp, rp) = (sdir.join("shards.sbatch"), sdir.join("request.sbatch"));
    write(&sp, shards_script.as_bytes())?;
    write(&rp, request_script.as_bytes())?;
    let array_args = vec![format!("--array={}", array_spec(missing))];
    if o.dry_run {
        if missing.is_empty() {
            println!("sbatch --parsable {}", rp.display());
        } else {
            println!("sbatch --parsable {} {}", array_args[0], sp.display());
            println!(
                "sbatch --parsable --dependency=afterok:<array job> {}",
                rp.display()
            );
        }
        return Ok(None);
    }
    let array = if missing.is_empty() {
        None
    } else {
        Some(sbatch(&array_args, &sp)?)
    };
    let dep: Vec<String> = array
        .iter()
        .map(|a| format!("--dependency=afterok:{a}"))
        .collect();
    let request = sbatch(&dep, &rp)?;
    let jobs = Jobs {
        array,
        shards: missing.to_vec(),
        request,
        submission: abs(&o.out)?,
        submitted_at: now(),
    };
    write_json(&sdir.join("jobs.json"), &jobs)?;
    Ok(Some(jobs))
}

/// The state of a plan's Slurm jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The jobs submitted.
    pub jobs: Jobs,
    /// `(job or array task, state, reason)` of the jobs still in the queue.
    pub queue: Vec<(String, String, String)>,
    /// Shards whose bundle file exists.
    pub bundles: usize,
    /// Shards in the plan.
    pub shards: usize,
    /// The submission file was written after the jobs were submitted.
    pub submission: bool,
}

impl Status {
    /// Whether no job of the plan is left in the queue.
    pub fn finished(&self) -> bool {
        self.queue.is_empty()
    }
}

/// Reads `plan/slurm/jobs.json`, asks `squeue` about those jobs and counts
/// the bundles written.
pub fn status(plan: &Plan) -> Result<Status> {
    let path = plan.dir.join("slurm").join("jobs.json");
    if !path.exists() {
        return Err(ProverError::Usage(format!(
            "no jobs submitted for the plan {} yet ({} does not exist): run zkcc slurm submit --plan {} first",
            plan.dir.display(),
            path.display(),
            plan.dir.display()
        )));
    }
    let jobs: Jobs = read_json(&path)?;
    let mut ids: Vec<&str> = jobs.array.iter().map(String::as_str).collect();
    ids.push(&jobs.request);
    let out = Command::new("squeue")
        .args(["-h", "-r", "-o", "%i|%T|%r", "-j", &ids.join(",")])
        .output()
        .map_err(|e| ProverError::Slurm(format!("cannot run squeue: {e}")))?;
    // squeue fails with "Invalid job id" once every job has left the queue.
    let queue = if out.status.success() {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut p = l.splitn(3, '|');
                Some((
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                    p.next().unwrap_or("").to_string(),
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let bundles = (0..plan.len())
        .filter(|&s| plan.bundle_path(s).exists())
        .count();
    Ok(Status {
        submission: written_since(&jobs.submission, jobs.submitted_at),
        jobs,
        queue,
        bundles,
        shards: plan.len(),
    })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whether `path` was modified at or after `t` (Unix seconds).
fn written_since(path: &Path, t: u64) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .is_some_and(|m| m.as_secs() >= t)
}
