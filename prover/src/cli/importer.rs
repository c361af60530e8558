//! The importer's commands: commit to the inventory for an epoch, prove the
//! shards once, answer each request with a light proof.
use super::args::{
    Committed, CommittedArgs, KeyDirArg, Opened, RegistryArg, SecretInventoryArgs, ShardInputArgs,
};
use super::{guard_secret, out_file};
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::path::{Path, PathBuf};
use zkcc_prover::demo::proving;
use zkcc_prover::error::{read_json, write, write_json, write_secret_json};
use zkcc_prover::fleet::{self, FleetSecret};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::ProverError;
use zkcc_verifier::submission::{RequestFile, ShardBundle, Submission, SUBMISSION_VERSION};

#[derive(Args)]
pub struct CommitArgs {
    #[command(flatten)]
    input: ShardInputArgs,
    /// Where to write the commitment secret.
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing secret: it is moved aside (`<out>.old-<time>`), and
    /// so are the proven `shards.json` and `submission.json` beside it that
    /// belong to it (they could never be used with the new secret).
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
pub enum ProveCmd {
    /// Prove every shard of the committed inventory (once per epoch).
    Shards {
        #[command(flatten)]
        keys: KeyDirArg,
        #[command(flatten)]
        committed: CommittedArgs,
        /// Shard bundles to write.
        #[arg(long, default_value = "shards.json")]
        out: PathBuf,
    },
    /// Answer an agency request with a light proof over the shards; writes the submission.
    Request {
        #[command(flatten)]
        keys: KeyDirArg,
        /// Request circuit.
        #[arg(long, default_value = "request-16x8")]
        circuit: String,
        #[command(flatten)]
        committed: CommittedArgs,
        /// The agency's request.
        #[arg(long)]
        request: PathBuf,
        /// Shard bundles from `zkcc prove shards`.
        #[arg(long, default_value = "shards.json")]
        shards: PathBuf,
        /// Delay proofs from `zkcc prove delay`, when the request asks for
        /// delay evidence.
        #[arg(long)]
        delay: Option<PathBuf>,
        /// Submission to write.
        #[arg(long, default_value = "submission.json")]
        out: PathBuf,
    },
    /// Write, for every facility slot holding a ledger chip, the chips a
    /// landmark must measure (`s<S>-f<J>.entries.json`, for `zkcc landmark
    /// batch`), and name the landmarks that cover each slot's facility.
    DelaySlots {
        #[command(flatten)]
        opened: SecretInventoryArgs,
        /// Directory to write the entry files to (must exist).
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Prove the delay evidence of every shard from the landmarks' signed
    /// batches (one per slot holding a ledger chip).
    Delay {
        /// Key directory (circuit delay-FxM of the shard shape).
        #[arg(long, default_value = "keys")]
        keys: PathBuf,
        #[command(flatten)]
        opened: SecretInventoryArgs,
        /// The day the batches are signed for (days since 1970-01-01, UTC).
        #[arg(long)]
        day: u64,
        /// Delay proofs to write.
        #[arg(long, default_value = "delay.json")]
        out: PathBuf,
        /// The landmarks' batch files.
        #[arg(required = true)]
        batches: Vec<PathBuf>,
    },
    /// Prove the model-evaluation claim for the agency's evaluation request.
    ///
    /// The keys are those of circuit evaluation-N, N the suite's length.
    Evaluation {
        #[command(flatten)]
        keys: KeyDirArg,
        #[command(flatten)]
        registry: RegistryArg,
        /// Model secret from `zkcc model commit`.
        #[arg(long)]
        secret: PathBuf,
        /// The agency's evaluation request.
        #[arg(long)]
        request: PathBuf,
        /// Evaluation bundle to write.
        #[arg(long, default_value = "evaluation.json")]
        out: PathBuf,
        /// Signed results from evaluators (any number; one per eval is used).
        #[arg(required = true)]
        results: Vec<PathBuf>,
    },
    /// Prove the deployment-jurisdiction claim for the agency's request.
    Jurisdiction {
        #[command(flatten)]
        keys: KeyDirArg,
        /// Circuit jurisdiction-S (S store slots).
        #[arg(long, default_value = "jurisdiction-4")]
        circuit: String,
        #[command(flatten)]
        registry: RegistryArg,
        /// The attested deployment file.
        #[arg(long)]
        deployment: PathBuf,
        /// The agency's jurisdiction request.
        #[arg(long)]
        request: PathBuf,
        /// Jurisdiction bundle to write.
        #[arg(long, default_value = "jurisdiction.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ModelCmd {
    /// Commit to a model: SHA-256 of its weights file (streamed) with a random
    /// blinding; writes the secret, prints the digest (for evaluators) and the
    /// commitment.
    Commit {
        /// The weights file.
        #[arg(long)]
        weights: PathBuf,
        /// The importer (lab) committing.
        #[arg(long)]
        importer: String,
        /// Secret to write.
        #[arg(long)]
        out: PathBuf,
        /// An unsigned deployment file serving this model: its
        /// `model_commitment` is set to the new commitment.
        #[arg(long)]
        deployment: Option<PathBuf>,
        /// Replace an existing secret (moved aside to `<out>.old-<time>`).
        #[arg(long)]
        force: bool,
    },
}

pub fn model(c: ModelCmd) -> Result<(), ProverError> {
    match c {
        ModelCmd::Commit {
            weights,
            importer,
            out,
            deployment,
            force,
        } => {
            out_file(&out)?;
            let mut dep = match &deployment {
                Some(p) => Some(read_json::<zkcc_prover::lifecycle::DeploymentFile>(p)?),
                None => None,
            };
            if let Some(d) = &dep {
                if d.attestation.is_some() {
                    return Err(ProverError::Usage(format!(
                        "{}: already attested; a signed deployment keeps the model it was signed for",
                        deployment.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
                    )));
                }
            }
            let digest = zkcc_prover::lifecycle::digest_file(&weights)?;
            let s = zkcc_prover::lifecycle::commit_model(&importer, &digest, &mut OsRng)?;
            guard_secret(&out, force)?;
            write_secret_json(&out, &s)?;
            if let (Some(d), Some(p)) = (&mut dep, &deployment) {
                d.model_commitment = s.commitment.clone();
                write_json(p, d)?;
                println!(
                    "deployment {} now serves this model: {}",
                    d.deployment,
                    p.display()
                );
            }
            println!(
                "model digest {} (give it to the evaluators)",
                s.model_digest
            );
            println!(
                "commitment   {} (secret in {})",
                s.commitment,
                out.display()
            );
            Ok(())
        }
    }
}

/// After `commit --force` moved the old secret to `aside`: moves the proven
/// `shards.json` and `submission.json` beside it that hold its commitment
/// (or that cannot be read: nothing proves they do not) aside as well.
fn move_aside_proofs(
    secret: &Path,
    old: Option<&FleetSecret>,
    aside: &Path,
) -> Result<(), ProverError> {
    let dir = secret
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let suffix = aside
        .to_string_lossy()
        .rsplit_once(".old-")
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    for name in ["shards.json", "submission.json"] {
        let p = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let stale = old.is_none_or(|o| text.contains(&o.commitment));
        if stale {
            let to = dir.join(format!("{name}.old-{suffix}"));
            std::fs::rename(&p, &to).map_err(|source| ProverError::Io {
                path: p.display().to_string(),
                source,
            })?;
            eprintln!(
                "moved {} aside to {}: it was proven with the replaced secret",
                p.display(),
                to.display()
            );
        }
    }
    Ok(())
}

/// [`proving`] `proofs` proofs of `what`, written to `out`: the proofs and
/// the seconds they took.
fn prove_to<T: serde::Serialize>(
    out: &Path,
    what: &str,
    proofs: usize,
    f: impl FnOnce(&dyn zkcc_engine::prove::Progress) -> Result<T, ProverError>,
) -> Result<(T, f64), ProverError> {
    let (b, t) = proving(what, proofs, f);
    let b = b?;
    write_json(out, &b)?;
    Ok((b, t.as_secs_f64()))
}

/// Before a request proof: the shard bundles must be for the ledger digest
/// the agency sent, and each must verify under the shard key, so that the
/// importer learns of a wrong digest or a broken shard now, not from the
/// agency's rejection.
fn check_shards(
    dir: &Path,
    fleet: &fleet::Fleet,
    bundles: &[ShardBundle],
    digest: ark_bn254::Fr,
    file: &Path,
) -> Result<(), ProverError> {
    let vk = keys::load_verifying_key_of(dir, &Circuit::Shard(fleet.shape))?;
    let key = zkcc_verifier::batch::PreparedKey::new(&vk);
    for (i, b) in bundles.iter().enumerate() {
        let bad = |why: String| {
            ProverError::Inventory(format!(
                "{}: shard {i}: {why} (prove the shards again: zkcc prove shards)",
                file.display()
            ))
        };
        let st = b.statement().map_err(|e| bad(e.to_string()))?;
        if st.ledger_digest != digest {
            return Err(ProverError::Inventory(format!(
                "{}: shard {i} was proven for ledger digest {}, not --ledger-digest {}: ask the agency which ledger it holds, or prove the shards again for this digest",
                file.display(),
                b.public_inputs.ledger_digest,
                zkcc_circuits::encoding::fr_to_hex(&digest)
            )));
        }
        let proof = b.proof().map_err(|e| bad(e.to_string()))?;
        key.verify(&st.public_inputs(), &proof)
            .map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

pub fn commit(a: CommitArgs) -> Result<(), ProverError> {
    let (r, inv, shape) = a.input.load()?;
    out_file(&a.out)?;
    // The inventory is checked first (a bad one is reported as such).
    let secret = fleet::commit(&r, &inv, &shape, &mut OsRng)?;
    let old: Option<FleetSecret> = match a.out.exists() {
        true if !a.force => {
            return Err(ProverError::Usage(format!(
                "{}: a commitment secret is already there; refusing to replace it, which would orphan the shards proven with it (give --force to move it and its proven files aside)",
                a.out.display()
            )))
        }
        true => read_json(&a.out).ok(),
        false => None,
    };
    if let Some(aside) = guard_secret(&a.out, a.force)? {
        move_aside_proofs(&a.out, old.as_ref(), &aside)?;
    }
    write_secret_json(&a.out, &secret)?;
    println!(
        "{} ({} shards of {}; secret in {})",
        secret.commitment,
        secret.shards.len(),
        shape.name(),
        a.out.display()
    );
    Ok(())
}

pub fn prove(c: ProveCmd) -> Result<(), ProverError> {
    match c {
        ProveCmd::DelaySlots { opened, out_dir } => {
            let Opened {
                registry: r, fleet, ..
            } = opened.open()?;
            if !out_dir.is_dir() {
                return Err(ProverError::Usage(format!(
                    "{}: not a directory (create it first)",
                    out_dir.display()
                )));
            }
            let requests = zkcc_prover::delay::slot_requests(&fleet, &r)?;
            for q in &requests {
                let path = out_dir.join(format!("s{}-f{}.entries.json", q.shard, q.slot));
                write_json(&path, &serde_json::json!({ "entries": q.entries }))?;
                let lms: Vec<&str> = q
                    .landmarks
                    .iter()
                    .map(|&l| r.file.landmarks[l].id.as_str())
                    .collect();
                println!(
                    "{}: {} ledger chips of {} — landmarks covering it: {}",
                    path.display(),
                    q.entries.iter().flatten().count(),
                    r.file.facilities[q.facility].id,
                    if lms.is_empty() {
                        "none".to_string()
                    } else {
                        lms.join(", ")
                    }
                );
            }
            Ok(())
        }
        ProveCmd::Delay {
            keys: dir,
            opened,
            day,
            out,
            batches,
        } => {
            out_file(&out)?;
            let Opened {
                registry: r,
                inventory: inv,
                fleet,
                ..
            } = opened.open()?;
            let files = batches
                .iter()
                .map(|p| Ok((p.display().to_string(), read_json(p)?)))
                .collect::<Result<Vec<_>, ProverError>>()?;
            let signed = zkcc_prover::delay::match_batches(&fleet, &r, &files)?;
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Delay(fleet.shape))?;
            let (b, t) = prove_to(&out, "delay", fleet.witnesses.len(), |progress| {
                zkcc_prover::delay::prove_delay(
                    &pk,
                    &fleet,
                    &r,
                    &inv.importer,
                    day,
                    &signed,
                    &mut OsRng,
                    progress,
                )
            })?;
            println!(
                "proved the delay evidence of day {day} for {} shards ({} slots measured) in {:.1} s: {}",
                b.len(),
                signed.len(),
                t,
                out.display()
            );
            Ok(())
        }
        ProveCmd::Jurisdiction {
            keys: KeyDirArg { keys: dir },
            circuit,
            registry,
            deployment,
            request,
            out,
        } => {
            let r = registry.load()?;
            out_file(&out)?;
            let d: zkcc_prover::lifecycle::DeploymentFile = read_json(&deployment)?;
            let req: zkcc_verifier::lifecycle::JurisdictionRequest = read_json(&request)?;
            let c = Circuit::parse(&circuit)?;
            let Circuit::Jurisdiction(cap) = c else {
                return Err(ProverError::Keys("--circuit takes jurisdiction-S".into()));
            };
            let (pk, _) = keys::load_proving_key_of(&dir, &c)?;
            let (_, t) = prove_to(&out, "jurisdiction", 1, |progress| {
                zkcc_prover::lifecycle::prove_jurisdiction(
                    &pk, cap, &r, &req, &d, &mut OsRng, progress,
                )
            })?;
            println!(
                "proved that every store of deployment {} (model {}) is encrypted in a facility of tier <= {} for epoch {} in {:.2} s: {}",
                req.deployment,
                req.model_commitment,
                req.max_tier,
                req.epoch,
                t,
                out.display()
            );
            Ok(())
        }
        ProveCmd::Evaluation {
            keys: KeyDirArg { keys: dir },
            registry,
            secret,
            request,
            out,
            results,
        } => {
            out_file(&out)?;
            use zkcc_prover::lifecycle::{prove_evaluation, ModelSecret};
            let r = registry.load()?;
            let secret: ModelSecret = read_json(&secret)?;
            let req: zkcc_verifier::lifecycle::EvaluationRequest = read_json(&request)?;
            let results = results
                .iter()
                .map(|p| read_json(p))
                .collect::<Result<Vec<zkcc_circuits::evaluation::SignedResultJson>, _>>()?;
            let n = r.suite(&req.suite).map(|s| s.evals.len()).ok_or_else(|| {
                ProverError::Inventory(format!("the registry has no suite {:?}", req.suite))
            })?;
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Evaluation(n))?;
            let (b, t) = prove_to(&out, "evaluation", 1, |progress| {
                prove_evaluation(&pk, &r, &req, &secret, &results, &mut OsRng, progress)
            })?;
            println!(
                "proved that model {} passed suite {} (v{}, {n} evals) between {} and {} in {:.2} s: {}",
                b.public_inputs.model_commitment,
                req.suite,
                b.public_inputs.suite_version,
                req.not_before,
                req.deployment_date,
                t,
                out.display()
            );
            Ok(())
        }
        ProveCmd::Shards {
            keys: KeyDirArg { keys: dir },
            committed,
            out,
        } => {
            out_file(&out)?;
            let Committed {
                registry: r,
                inventory: inv,
                digest,
                fleet,
                ..
            } = committed.open()?;
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Shard(fleet.shape))?;
            let (b, t) = prove_to(&out, "shard", fleet.witnesses.len(), |progress| {
                fleet::prove_shards_counted(
                    &pk,
                    &fleet,
                    &r,
                    &inv.importer,
                    digest,
                    &mut OsRng,
                    progress,
                )
            })?;
            println!(
                "proved {} shards for epoch {} in {:.1} s: {}",
                b.len(),
                inv.epoch,
                t,
                out.display()
            );
            Ok(())
        }
        ProveCmd::Request {
            keys: KeyDirArg { keys: dir },
            circuit,
            committed,
            request,
            shards,
            delay,
            out,
        } => {
            out_file(&out)?;
            let Committed {
                inventory: inv,
                secret,
                digest,
                fleet,
                ..
            } = committed.open()?;
            let req: RequestFile = read_json(&request)?;
            let shard_bundles: Vec<ShardBundle> = read_json(&shards)?;
            let Circuit::Request(shape) = Circuit::parse(&circuit)? else {
                return Err(ProverError::Keys("--circuit takes request-SxF".into()));
            };
            if shard_bundles.len() != fleet.witnesses.len()
                || shard_bundles
                    .iter()
                    .any(|b| b.public_inputs.commitment != secret.commitment)
            {
                return Err(ProverError::Inventory(format!(
                    "{} does not hold this commitment's {} shard proofs (run zkcc prove shards)",
                    shards.display(),
                    fleet.witnesses.len()
                )));
            }
            check_shards(&dir, &fleet, &shard_bundles, digest, &shards)?;
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Request(shape))?;
            let (b, t) = proving("request", 1, |progress| {
                fleet::prove_request(
                    &pk,
                    &shape,
                    &fleet,
                    &inv.importer,
                    digest,
                    &req,
                    &mut OsRng,
                    progress,
                )
            });
            let sub = Submission {
                version: SUBMISSION_VERSION,
                importer: inv.importer.clone(),
                epoch: inv.epoch,
                commitment: secret.commitment.clone(),
                shards: shard_bundles,
                request: b?,
                delay: match &delay {
                    Some(p) => read_json(p)?,
                    None => vec![],
                },
            };
            if req.delay.is_some() && sub.delay.is_empty() {
                return Err(ProverError::Inventory(
                    "the request asks for delay evidence: prove it (zkcc prove delay) and pass --delay".into(),
                ));
            }
            write(&out, sub.to_json().as_bytes())?;
            println!(
                "proved the request (nonce {}) in {:.2} s: {}",
                req.nonce,
                t.as_secs_f64(),
                out.display()
            );
            Ok(())
        }
    }
}
