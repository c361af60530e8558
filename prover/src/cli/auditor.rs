//! The auditor's commands: a signing key, and signing the chunk attestations
//! it measured.
use clap::Subcommand;
use rand::rngs::OsRng;
use std::path::{Path, PathBuf};
use zkcc_circuits::eddsa::{PointJson, SecretKey};
use zkcc_prover::error::{read_json, write_json, write_secret_json};
use zkcc_prover::fleet::{attest, FleetInventory};
use zkcc_prover::inventory::AuditorKeyFile;
use zkcc_prover::ProverError;

#[derive(Subcommand)]
pub enum AuditorCmd {
    /// Generate a signing key; prints the public key for the agency's registry.
    Keygen(super::args::KeygenArgs),
    /// Sign the chunk attestations of an inventory that name this auditor.
    Attest {
        #[command(flatten)]
        signer: super::args::SignerArgs,
        /// Inventory file, updated in place.
        #[arg(long)]
        inventory: PathBuf,
        /// Only this facility.
        #[arg(long)]
        facility: Option<String>,
    },
    /// Sign a deployment's whole store list (facility, encryption, key fingerprint) for its epoch.
    AttestDeployment {
        #[command(flatten)]
        signer: super::args::SignerArgs,
        /// Deployment file, updated in place.
        #[arg(long)]
        deployment: PathBuf,
    },
}

pub fn run(c: AuditorCmd) -> Result<(), ProverError> {
    match c {
        AuditorCmd::AttestDeployment { signer, deployment } => {
            let (r, k) = signer.load()?;
            let mut d: zkcc_prover::lifecycle::DeploymentFile = read_json(&deployment)?;
            zkcc_prover::lifecycle::attest_deployment(&r, &mut d, &k)?;
            write_json(&deployment, &d)?;
            println!(
                "{} attested {} store(s) of deployment {} (model {}) for epoch {}",
                k.id,
                d.stores.len(),
                d.deployment,
                d.model_commitment,
                d.epoch
            );
            Ok(())
        }
        AuditorCmd::Keygen(a) => a.run(),
        AuditorCmd::Attest {
            signer,
            inventory,
            facility,
        } => {
            let (r, k) = signer.load()?;
            let mut inv: FleetInventory = read_json(&inventory)?;
            let n = attest(&r, &mut inv, &k, facility.as_deref())?;
            write_json(&inventory, &inv)?;
            println!(
                "{} signed {n} chunk attestation(s) for epoch {}",
                k.id, inv.epoch
            );
            Ok(())
        }
    }
}

/// A signing key for `id` (an auditor's or an evaluator's: the same file
/// format) written to `out`; prints the public key as the registry's
/// `{ "id", "public_key" }` entry.
pub fn keygen(id: &str, out: &Path, force: bool) -> Result<(), ProverError> {
    zkcc_circuits::encoding::encode_label(id)?;
    super::out_file(out)?;
    super::guard_secret(out, force)?;
    let sk = SecretKey::generate(&mut OsRng);
    let file = AuditorKeyFile {
        version: 1,
        id: id.to_string(),
        seed: hex::encode(sk.seed()),
    };
    write_secret_json(out, &file)?;
    let entry = serde_json::json!({ "id": id, "public_key": PointJson::from_point(&sk.public()) });
    println!(
        "{}",
        serde_json::to_string_pretty(&entry).unwrap_or_default()
    );
    Ok(())
}
