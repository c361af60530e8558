//! The importer's commands: commit to the inventory for an epoch, prove the
//! shards once, answer each request with a light proof.
use super::load_registry;
use clap::{Args, Subcommand};
use rand::rngs::OsRng;
use std::path::PathBuf;
use zkcc_circuits::encoding::fr_from_hex;
use zkcc_prover::demo::timed;
use zkcc_prover::error::{read_json, write, write_json};
use zkcc_prover::fleet::{self, FleetInventory, FleetSecret};
use zkcc_prover::keys::{self, Circuit};
use zkcc_prover::ProverError;
use zkcc_verifier::submission::{RequestFile, ShardBundle, Submission, SUBMISSION_VERSION};

#[derive(Args)]
pub struct CommitArgs {
    #[arg(long)]
    registry: PathBuf,
    #[arg(long)]
    inventory: PathBuf,
    /// Shard circuit the plan is for.
    #[arg(long, default_value = "shard-8x128")]
    circuit: String,
    /// Where to write the commitment secret.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Subcommand)]
pub enum ProveCmd {
    /// Prove every shard of the committed inventory (once per epoch).
    Shards {
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
        /// Digest of the agency's ledger for this importer (from the agency).
        #[arg(long)]
        ledger_digest: String,
        /// Shard bundles to write.
        #[arg(long, default_value = "shards.json")]
        out: PathBuf,
    },
    /// Answer an agency request with a light proof over the shards; writes the submission.
    Request {
        /// Key directory.
        #[arg(long, default_value = "keys")]
        keys: PathBuf,
        /// Request circuit.
        #[arg(long, default_value = "request-16x8")]
        circuit: String,
        #[arg(long)]
        registry: PathBuf,
        #[arg(long)]
        inventory: PathBuf,
        #[arg(long)]
        secret: PathBuf,
        #[arg(long)]
        ledger_digest: String,
        /// The agency's request.
        #[arg(long)]
        request: PathBuf,
        /// Shard bundles from `zkcc prove shards`.
        #[arg(long, default_value = "shards.json")]
        shards: PathBuf,
        /// Submission to write.
        #[arg(long, default_value = "submission.json")]
        out: PathBuf,
    },
}

pub fn commit(a: CommitArgs) -> Result<(), ProverError> {
    let r = load_registry(&a.registry)?;
    let inv: FleetInventory = read_json(&a.inventory)?;
    let Circuit::Shard(shape) = Circuit::parse(&a.circuit)? else {
        return Err(ProverError::Keys("--circuit takes shard-FxM".into()));
    };
    let secret = fleet::commit(&r, &inv, &shape, &mut OsRng)?;
    write_json(&a.out, &secret)?;
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
        ProveCmd::Shards {
            keys: dir,
            registry,
            inventory,
            secret,
            ledger_digest,
            out,
        } => {
            let r = load_registry(&registry)?;
            let inv: FleetInventory = read_json(&inventory)?;
            let secret: FleetSecret = read_json(&secret)?;
            let digest = fr_from_hex(&ledger_digest)?;
            let fleet = fleet::open(&r, &inv, &secret)?;
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Shard(fleet.shape))?;
            let (b, t) = timed("proving the shards", || {
                fleet::prove_shards(&pk, &fleet, &r, &inv.importer, digest, &mut OsRng)
            });
            let b = b?;
            write_json(&out, &b)?;
            println!(
                "proved {} shards for epoch {} in {:.1} s: {}",
                b.len(),
                inv.epoch,
                t.as_secs_f64(),
                out.display()
            );
            Ok(())
        }
        ProveCmd::Request {
            keys: dir,
            circuit,
            registry,
            inventory,
            secret,
            ledger_digest,
            request,
            shards,
            out,
        } => {
            let r = load_registry(&registry)?;
            let inv: FleetInventory = read_json(&inventory)?;
            let secret: FleetSecret = read_json(&secret)?;
            let digest = fr_from_hex(&ledger_digest)?;
            let req: RequestFile = read_json(&request)?;
            let shard_bundles: Vec<ShardBundle> = read_json(&shards)?;
            let Circuit::Request(shape) = Circuit::parse(&circuit)? else {
                return Err(ProverError::Keys("--circuit takes request-SxF".into()));
            };
            let fleet = fleet::open(&r, &inv, &secret)?;
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
            let (pk, _) = keys::load_proving_key_of(&dir, &Circuit::Request(shape))?;
            let (b, t) = timed("proving the request", || {
                fleet::prove_request(&pk, &shape, &fleet, &inv.importer, digest, &req, &mut OsRng)
            });
            let sub = Submission {
                version: SUBMISSION_VERSION,
                importer: inv.importer.clone(),
                epoch: inv.epoch,
                commitment: secret.commitment.clone(),
                shards: shard_bundles,
                request: b?,
            };
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
